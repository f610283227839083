// Attributes of the activity, timer and marker events.

// MARK: - ActivityTaskScheduled (10), ActivityTaskStarted (11), ActivityTaskCompleted (12)

extension BinaryWriter {
    mutating func fields(_ value: ActivityTaskScheduled) {
        string(1, value.activityID)
        string(2, value.activityType)
        taskQueue(3, value.taskQueue)
        payloadMap(4, value.header)
        payloads(5, value.input)
        optionalDuration(6, value.scheduleToCloseTimeout)
        optionalDuration(7, value.scheduleToStartTimeout)
        optionalDuration(8, value.startToCloseTimeout)
        optionalDuration(9, value.heartbeatTimeout)
        int64(10, value.workflowTaskCompletedEventID)
        retryPolicy(11, value.retryPolicy)
    }

    mutating func fields(_ value: ActivityTaskStarted) {
        int64(1, value.scheduledEventID)
        string(2, value.identity)
        string(3, value.requestID)
        int32(4, value.attempt)
        optionalFailure(5, value.lastFailure)
    }

    mutating func fields(_ value: ActivityTaskCompleted) {
        payloads(1, value.result)
        int64(2, value.scheduledEventID)
        int64(3, value.startedEventID)
        string(4, value.identity)
    }
}

extension BinaryReader {
    // Unlike the other decoders, this one reads into locals and builds the struct once at the end: for
    // this large and frequent event that saves a copy of the struct per decode (about 4% of its cost).
    mutating func activityTaskScheduled() throws(EngineError) -> ActivityTaskScheduled {
        var fields = MessageFields("ActivityTaskScheduled", start: position)
        var activityID = ""
        var activityType = ""
        var taskQueue: TaskQueue?
        var header: [String: Payload] = [:]
        var input: [Payload] = []
        var scheduleToCloseTimeout: Duration?
        var scheduleToStartTimeout: Duration?
        var startToCloseTimeout: Duration?
        var heartbeatTimeout: Duration?
        var workflowTaskCompletedEventID: Int64 = 0
        var retryPolicy: RetryPolicy?
        while let field = try next(&fields) {
            switch field.number {
            case 1: activityID = try string(field)
            case 2: activityType = try string(field)
            case 3: taskQueue = try self.taskQueue(field)
            case 4: header = try payloadMap(field)
            case 5: input = try payloads(field)
            case 6: scheduleToCloseTimeout = try duration(field)
            case 7: scheduleToStartTimeout = try duration(field)
            case 8: startToCloseTimeout = try duration(field)
            case 9: heartbeatTimeout = try duration(field)
            case 10: workflowTaskCompletedEventID = try int64(field)
            case 11: retryPolicy = try self.retryPolicy(field)
            default: try skip(field)
            }
        }
        return ActivityTaskScheduled(
            activityID: activityID, activityType: activityType,
            taskQueue: try required(taskQueue, fields, 3, "taskQueue"), header: header, input: input,
            scheduleToCloseTimeout: scheduleToCloseTimeout, scheduleToStartTimeout: scheduleToStartTimeout,
            startToCloseTimeout: startToCloseTimeout, heartbeatTimeout: heartbeatTimeout,
            workflowTaskCompletedEventID: workflowTaskCompletedEventID, retryPolicy: retryPolicy)
    }

    mutating func activityTaskStarted() throws(EngineError) -> ActivityTaskStarted {
        var fields = MessageFields("ActivityTaskStarted", start: position)
        var value = ActivityTaskStarted(scheduledEventID: 0, identity: "", requestID: "", attempt: 0, lastFailure: nil)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.scheduledEventID = try int64(field)
            case 2: value.identity = try string(field)
            case 3: value.requestID = try string(field)
            case 4: value.attempt = try int32(field)
            case 5: value.lastFailure = try failure(field, depth: 1)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func activityTaskCompleted() throws(EngineError) -> ActivityTaskCompleted {
        var fields = MessageFields("ActivityTaskCompleted", start: position)
        var value = ActivityTaskCompleted(result: [], scheduledEventID: 0, startedEventID: 0, identity: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.result = try payloads(field)
            case 2: value.scheduledEventID = try int64(field)
            case 3: value.startedEventID = try int64(field)
            case 4: value.identity = try string(field)
            default: try skip(field)
            }
        }
        return value
    }
}

// MARK: - ActivityTaskFailed (13), TimedOut (14), CancelRequested (15), Canceled (16)

extension BinaryWriter {
    mutating func fields(_ value: ActivityTaskFailed) {
        failure(1, value.failure)
        int64(2, value.scheduledEventID)
        int64(3, value.startedEventID)
        string(4, value.identity)
        enumerationUnlessZero(5, value.retryState.rawValue)
    }

    mutating func fields(_ value: ActivityTaskTimedOut) {
        failure(1, value.failure)
        int64(2, value.scheduledEventID)
        int64(3, value.startedEventID)
        enumerationUnlessZero(4, value.retryState.rawValue)
    }

    mutating func fields(_ value: ActivityTaskCancelRequested) {
        int64(1, value.scheduledEventID)
        int64(2, value.workflowTaskCompletedEventID)
    }

    mutating func fields(_ value: ActivityTaskCanceled) {
        payloads(1, value.details)
        int64(2, value.latestCancelRequestedEventID)
        int64(3, value.scheduledEventID)
        int64(4, value.startedEventID)
        string(5, value.identity)
    }
}

extension BinaryReader {
    mutating func activityTaskFailed() throws(EngineError) -> ActivityTaskFailed {
        var fields = MessageFields("ActivityTaskFailed", start: position)
        var value = ActivityTaskFailed(
            failure: DecodePlaceholder.failure, scheduledEventID: 0, startedEventID: 0, identity: "",
            retryState: .unspecified)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.failure = try failure(field, depth: 1)
            case 2: value.scheduledEventID = try int64(field)
            case 3: value.startedEventID = try int64(field)
            case 4: value.identity = try string(field)
            case 5: value.retryState = try enumeration(field, RetryState.self)
            default: try skip(field)
            }
        }
        try require(fields, 1, "failure")
        return value
    }

    mutating func activityTaskTimedOut() throws(EngineError) -> ActivityTaskTimedOut {
        var fields = MessageFields("ActivityTaskTimedOut", start: position)
        var value = ActivityTaskTimedOut(
            failure: DecodePlaceholder.failure, scheduledEventID: 0, startedEventID: 0, retryState: .unspecified)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.failure = try failure(field, depth: 1)
            case 2: value.scheduledEventID = try int64(field)
            case 3: value.startedEventID = try int64(field)
            case 4: value.retryState = try enumeration(field, RetryState.self)
            default: try skip(field)
            }
        }
        try require(fields, 1, "failure")
        return value
    }

    mutating func activityTaskCancelRequested() throws(EngineError) -> ActivityTaskCancelRequested {
        var fields = MessageFields("ActivityTaskCancelRequested", start: position)
        var value = ActivityTaskCancelRequested(scheduledEventID: 0, workflowTaskCompletedEventID: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.scheduledEventID = try int64(field)
            case 2: value.workflowTaskCompletedEventID = try int64(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func activityTaskCanceled() throws(EngineError) -> ActivityTaskCanceled {
        var fields = MessageFields("ActivityTaskCanceled", start: position)
        var value = ActivityTaskCanceled(
            details: [], latestCancelRequestedEventID: 0, scheduledEventID: 0, startedEventID: 0, identity: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.details = try payloads(field)
            case 2: value.latestCancelRequestedEventID = try int64(field)
            case 3: value.scheduledEventID = try int64(field)
            case 4: value.startedEventID = try int64(field)
            case 5: value.identity = try string(field)
            default: try skip(field)
            }
        }
        return value
    }
}

// MARK: - Timers (17 to 19) and MarkerRecorded (25)

extension BinaryWriter {
    mutating func fields(_ value: TimerStarted) {
        string(1, value.timerID)
        duration(2, value.startToFireTimeout)
        int64(3, value.workflowTaskCompletedEventID)
    }

    mutating func fields(_ value: TimerFired) {
        string(1, value.timerID)
        int64(2, value.startedEventID)
    }

    mutating func fields(_ value: TimerCanceled) {
        string(1, value.timerID)
        int64(2, value.startedEventID)
        int64(3, value.workflowTaskCompletedEventID)
        string(4, value.identity)
    }

    mutating func fields(_ value: MarkerRecorded) {
        string(1, value.markerName)
        payloadListMap(2, value.details)
        int64(3, value.workflowTaskCompletedEventID)
        payloadMap(4, value.header)
        optionalFailure(5, value.failure)
    }
}

extension BinaryReader {
    mutating func timerStarted() throws(EngineError) -> TimerStarted {
        var fields = MessageFields("TimerStarted", start: position)
        var value = TimerStarted(timerID: "", startToFireTimeout: .zero, workflowTaskCompletedEventID: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.timerID = try string(field)
            case 2: value.startToFireTimeout = try duration(field)
            case 3: value.workflowTaskCompletedEventID = try int64(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func timerFired() throws(EngineError) -> TimerFired {
        var fields = MessageFields("TimerFired", start: position)
        var value = TimerFired(timerID: "", startedEventID: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.timerID = try string(field)
            case 2: value.startedEventID = try int64(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func timerCanceled() throws(EngineError) -> TimerCanceled {
        var fields = MessageFields("TimerCanceled", start: position)
        var value = TimerCanceled(timerID: "", startedEventID: 0, workflowTaskCompletedEventID: 0, identity: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.timerID = try string(field)
            case 2: value.startedEventID = try int64(field)
            case 3: value.workflowTaskCompletedEventID = try int64(field)
            case 4: value.identity = try string(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func markerRecorded() throws(EngineError) -> MarkerRecorded {
        var fields = MessageFields("MarkerRecorded", start: position)
        var value = MarkerRecorded(
            markerName: "", details: [:], workflowTaskCompletedEventID: 0, header: [:], failure: nil)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.markerName = try string(field)
            case 2: value.details = try payloadListMap(field)
            case 3: value.workflowTaskCompletedEventID = try int64(field)
            case 4: value.header = try payloadMap(field)
            case 5: value.failure = try failure(field, depth: 1)
            default: try skip(field)
            }
        }
        return value
    }
}
