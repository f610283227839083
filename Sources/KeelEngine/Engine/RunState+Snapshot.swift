import KeelLog

/// A run in a checkpoint (FORMAT.md, section 16.5).
///
/// A snapshot holds the run as a restart rebuilds it from the log, not as it lives in memory: what the
/// engine keeps only in memory (a running activity attempt, its heartbeats, admitted updates, the
/// sticky queue) is left out, and what the live path let go of ahead of buffered events is put back
/// (`HeldBack`). Reopening from a snapshot and reopening by folding the whole log give the same runs.
extension RunState {
    /// The activities as the history and activity-attempt records have them.
    var recordedActivities: [Int64: ActivityState] {
        var result: [Int64: ActivityState] = [:]
        var all = activities
        for (id, activity) in heldBack?.activities ?? [:] { all[id] = activity }
        for (id, activity) in all {
            var recorded = ActivityState(
                scheduledEventID: activity.scheduledEventID, attributes: activity.attributes,
                scheduledTime: activity.scheduledTime, attemptScheduledTime: activity.scheduledTime)
            recorded.cancelRequestedEventID = activity.cancelRequestedEventID
            if let attempt = activity.lastAttempt { recorded.recordAttempt(attempt) }
            result[id] = recorded
        }
        return result
    }

    /// Appends the run's snapshot encoding (the fields in the order FORMAT.md lists them).
    func encodeSnapshot(into writer: inout BinaryWriter) {
        let zero = Timestamp(rawValue: 0)
        writer.lengthPrefixed(HistoryEvent(eventID: 1, time: startTime, attributes: .workflowExecutionStarted(started)))
        writer.lengthPrefixed(key.namespace)
        writer.lengthPrefixed(key.execution.workflowID.rawValue)
        writer.lengthPrefixed(key.execution.runID.rawValue)
        writer.byte(status.rawValue)
        writer.varint(UInt64(nextEventID))
        writer.varint(UInt64(historySizeBytes))
        writer.varint(UInt64(lastCompletedStartedEventID))
        // The live path resets the attempt in memory just before it schedules a task; the scheduled
        // event's attempt is what the history says.
        writer.varint(UInt64(workflowTask?.attempt ?? workflowTaskAttempt))
        writer.optionalTime(firstTaskTime)
        writer.flag(workflowTask != nil)
        if let task = workflowTask {
            writer.lengthPrefixed(
                HistoryEvent(
                    eventID: task.scheduledEventID, time: task.scheduledTime,
                    attributes: .workflowTaskScheduled(
                        WorkflowTaskScheduled(
                            taskQueue: task.taskQueue, startToCloseTimeout: task.timeout, attempt: task.attempt))))
            writer.varint(UInt64(task.startedEventID))
            writer.optionalTime(task.startedTime)
            writer.lengthPrefixed(task.identity)
        }
        writer.varint(UInt64(buffered.count))
        for (time, attributes) in buffered {
            writer.lengthPrefixed(HistoryEvent(eventID: 0, time: time, attributes: attributes))
        }
        let activities = recordedActivities.sorted { $0.key < $1.key }
        writer.varint(UInt64(activities.count))
        for (_, activity) in activities {
            writer.lengthPrefixed(
                HistoryEvent(
                    eventID: activity.scheduledEventID, time: activity.scheduledTime,
                    attributes: .activityTaskScheduled(activity.attributes)))
            writer.varint(UInt64(activity.cancelRequestedEventID))
            writer.lengthPrefixed(activity.lastAttempt?.encode() ?? [])
        }
        var timers = self.timers
        for (id, timer) in heldBack?.timers ?? [:] { timers[id] = timer }
        writer.varint(UInt64(timers.count))
        for (id, timer) in timers.sorted(by: { $0.key < $1.key }) {
            writer.lengthPrefixed(id)
            writer.varint(UInt64(timer.startedEventID))
            writer.signed(timer.fireTime.rawValue)
        }
        var children = self.children
        for (id, child) in heldBack?.children ?? [:] { children[id] = child }
        writer.varint(UInt64(children.count))
        for (_, child) in children.sorted(by: { $0.key < $1.key }) {
            writer.lengthPrefixed(
                HistoryEvent(
                    eventID: child.initiatedEventID, time: zero,
                    attributes: .startChildWorkflowExecutionInitiated(child.attributes)))
            writer.flag(child.runID != nil)
            if let runID = child.runID { writer.lengthPrefixed(runID.rawValue) }
            writer.varint(UInt64(child.startedEventID))
        }
        writer.varint(UInt64(pendingExternalSignals.count))
        for (id, signal) in pendingExternalSignals.sorted(by: { $0.key < $1.key }) {
            writer.lengthPrefixed(
                HistoryEvent(eventID: id, time: zero, attributes: .signalExternalWorkflowExecutionInitiated(signal)))
        }
        writer.varint(UInt64(pendingExternalCancels.count))
        for (id, cancel) in pendingExternalCancels.sorted(by: { $0.key < $1.key }) {
            writer.lengthPrefixed(
                HistoryEvent(
                    eventID: id, time: zero, attributes: .requestCancelExternalWorkflowExecutionInitiated(cancel)))
        }
        writer.flag(closeAttributes != nil)
        if let closeAttributes {
            writer.lengthPrefixed(
                HistoryEvent(eventID: closeEventID, time: closeTime ?? zero, attributes: closeAttributes))
        }
        writer.optionalTime(closeTime)
        writer.varint(UInt64(closeEventID))
        writer.flag(newExecutionRunID != nil)
        if let newExecutionRunID { writer.lengthPrefixed(newExecutionRunID.rawValue) }
        writer.varint(UInt64(signalCount))
        writer.varint(UInt64(signalRequestIDs.count))
        for id in signalRequestIDs.sorted() { writer.lengthPrefixed(id) }
        writer.flag(heldBack?.cancelRequested ?? cancelRequested)
        // Only accepted updates are in the history; admitted ones live in memory and are lost on restart.
        let accepted = updates.values.filter { $0.acceptedEventID != 0 }.sorted {
            $0.acceptedEventID < $1.acceptedEventID
        }
        writer.varint(UInt64(accepted.count))
        for update in accepted {
            writer.lengthPrefixed(
                HistoryEvent(
                    eventID: update.acceptedEventID, time: zero,
                    attributes: .workflowExecutionUpdateAccepted(
                        WorkflowExecutionUpdateAccepted(
                            protocolInstanceID: update.request.updateID, acceptedRequestMessageID: "",
                            acceptedRequestSequencingEventID: 0, acceptedRequest: update.request))))
            writer.flag(update.outcome != nil)
            if let outcome = update.outcome {
                writer.lengthPrefixed(
                    HistoryEvent(
                        eventID: 0, time: zero,
                        attributes: .workflowExecutionUpdateCompleted(
                            WorkflowExecutionUpdateCompleted(
                                updateID: update.request.updateID, acceptedEventID: update.acceptedEventID,
                                outcome: outcome))))
            }
        }
        // Most runs have neither; an absent map costs one byte instead of an event to decode.
        writer.flag(!memo.isEmpty)
        if !memo.isEmpty {
            writer.lengthPrefixed(
                HistoryEvent(
                    eventID: 0, time: zero,
                    attributes: .workflowPropertiesModified(
                        WorkflowPropertiesModified(workflowTaskCompletedEventID: 0, upsertedMemo: memo))))
        }
        writer.flag(!searchAttributes.isEmpty)
        if !searchAttributes.isEmpty {
            writer.lengthPrefixed(
                HistoryEvent(
                    eventID: 0, time: zero,
                    attributes: .upsertWorkflowSearchAttributes(
                        UpsertWorkflowSearchAttributes(
                            workflowTaskCompletedEventID: 0, searchAttributes: searchAttributes))))
        }
        writer.varint(UInt64(tail.count))
        for event in tail { writer.lengthPrefixed(event) }
    }

    /// Reads a run written by `encodeSnapshot`.
    ///
    /// - Throws: `.corruptData` naming the run, the field and the byte.
    static func decodeSnapshot(_ reader: inout SnapshotReader, index: Int) throws(EngineError) -> RunState {
        func wrong(_ what: String) -> EngineError { reader.corrupt("run \(index): \(what)") }
        func id(_ what: String) throws(EngineError) -> Int64 {
            let value = try reader.varint(what)
            guard value <= UInt64(Int64.max) else { throw wrong("expected \(what) below 2^63, found \(value)") }
            return Int64(value)
        }
        let first = try reader.event("started event")
        guard case .workflowExecutionStarted(let started) = first.attributes else {
            throw wrong("expected a WorkflowExecutionStarted event, found \(first.eventType)")
        }
        let namespace = try reader.text("namespace")
        let workflowID = try reader.text("workflow id")
        let runID = try reader.text("run id")
        let key = RunKey(
            namespace: namespace, execution: WorkflowExecution(workflowID: WorkflowID(workflowID), runID: RunID(runID)))
        let run = RunState(key: key, started: started, startTime: first.time)
        let statusByte = try reader.byte("status")
        guard let status = ExecutionStatus(rawValue: statusByte) else {
            throw wrong("expected an execution status of 1...7, found \(statusByte)")
        }
        run.status = status
        run.nextEventID = try id("next event id")
        run.historySizeBytes = try id("history bytes")
        run.lastCompletedStartedEventID = try id("last completed started event id")
        run.workflowTaskAttempt = Int32(truncatingIfNeeded: try reader.varint("workflow task attempt"))
        run.firstTaskTime = try reader.optionalTime("first task time")
        if try reader.flag("workflow task present") {
            let scheduled = try reader.event("workflow task")
            guard case .workflowTaskScheduled(let attributes) = scheduled.attributes else {
                throw wrong("expected a WorkflowTaskScheduled event, found \(scheduled.eventType)")
            }
            var task = WorkflowTaskState(
                scheduledEventID: scheduled.eventID, attempt: attributes.attempt, taskQueue: attributes.taskQueue,
                scheduledTime: scheduled.time, timeout: attributes.startToCloseTimeout)
            task.startedEventID = try id("workflow task started event id")
            task.startedTime = try reader.optionalTime("workflow task started time")
            task.identity = try reader.text("workflow task identity")
            run.workflowTask = task
        }
        for _ in 0..<(try reader.count("buffered count", max: reader.remaining)) {
            let event = try reader.event("buffered event")
            run.buffered.append((event.time, event.attributes))
            run.bufferedBytes += EngineRecord.encodeBuffered(event.attributes, time: event.time).count
        }
        for _ in 0..<(try reader.count("activity count", max: reader.remaining)) {
            let scheduled = try reader.event("activity")
            guard case .activityTaskScheduled(let attributes) = scheduled.attributes else {
                throw wrong("expected an ActivityTaskScheduled event, found \(scheduled.eventType)")
            }
            var activity = ActivityState(
                scheduledEventID: scheduled.eventID, attributes: attributes, scheduledTime: scheduled.time,
                attemptScheduledTime: scheduled.time)
            activity.cancelRequestedEventID = try id("activity cancel requested event id")
            let attempt = try reader.bytes("activity attempt")
            if !attempt.isEmpty { activity.recordAttempt(try ActivityAttemptRecord.decode(attempt)) }
            run.activities[activity.scheduledEventID] = activity
            run.activityIDs[attributes.activityID] = activity.scheduledEventID
        }
        for _ in 0..<(try reader.count("timer count", max: reader.remaining)) {
            let timerID = try reader.text("timer id")
            let startedEventID = try id("timer started event id")
            run.timers[timerID] = (startedEventID, Timestamp(rawValue: try reader.signed("timer fire time")))
        }
        for _ in 0..<(try reader.count("child count", max: reader.remaining)) {
            let initiated = try reader.event("child")
            guard case .startChildWorkflowExecutionInitiated(let attributes) = initiated.attributes else {
                throw wrong("expected a StartChildWorkflowExecutionInitiated event, found \(initiated.eventType)")
            }
            var child = ChildState(initiatedEventID: initiated.eventID, attributes: attributes)
            if try reader.flag("child run id present") { child.runID = RunID(try reader.text("child run id")) }
            child.startedEventID = try id("child started event id")
            run.children[child.initiatedEventID] = child
        }
        for _ in 0..<(try reader.count("external signal count", max: reader.remaining)) {
            let event = try reader.event("external signal")
            guard case .signalExternalWorkflowExecutionInitiated(let attributes) = event.attributes else {
                throw wrong("expected a SignalExternalWorkflowExecutionInitiated event, found \(event.eventType)")
            }
            run.pendingExternalSignals[event.eventID] = attributes
        }
        for _ in 0..<(try reader.count("external cancel count", max: reader.remaining)) {
            let event = try reader.event("external cancel")
            guard case .requestCancelExternalWorkflowExecutionInitiated(let attributes) = event.attributes else {
                throw wrong(
                    "expected a RequestCancelExternalWorkflowExecutionInitiated event, found \(event.eventType)")
            }
            run.pendingExternalCancels[event.eventID] = attributes
        }
        if try reader.flag("close event present") {
            run.closeAttributes = try reader.event("close event").attributes
        }
        run.closeTime = try reader.optionalTime("close time")
        run.closeEventID = try id("close event id")
        if try reader.flag("next run id present") { run.newExecutionRunID = RunID(try reader.text("next run id")) }
        run.signalCount = try reader.count("signal count", max: Int.max)
        for _ in 0..<(try reader.count("signal request id count", max: reader.remaining)) {
            run.signalRequestIDs.insert(try reader.text("signal request id"))
        }
        run.cancelRequested = try reader.flag("cancel requested")
        for _ in 0..<(try reader.count("update count", max: reader.remaining)) {
            let event = try reader.event("update")
            guard case .workflowExecutionUpdateAccepted(let accepted) = event.attributes else {
                throw wrong("expected a WorkflowExecutionUpdateAccepted event, found \(event.eventType)")
            }
            var update = UpdateState(request: accepted.acceptedRequest)
            update.acceptedEventID = event.eventID
            if try reader.flag("update outcome present") {
                let completed = try reader.event("update outcome")
                guard case .workflowExecutionUpdateCompleted(let attributes) = completed.attributes else {
                    throw wrong("expected a WorkflowExecutionUpdateCompleted event, found \(completed.eventType)")
                }
                update.outcome = attributes.outcome
            }
            let updateID = accepted.acceptedRequest.updateID
            guard run.updates[updateID] == nil else { throw wrong("expected update \(updateID) once, found it again") }
            run.updates[updateID] = update
            run.updateOrder.append(updateID)
        }
        run.memo = [:]
        if try reader.flag("memo present") {
            let memo = try reader.event("memo")
            guard case .workflowPropertiesModified(let properties) = memo.attributes else {
                throw wrong("expected a WorkflowPropertiesModified event holding the memo, found \(memo.eventType)")
            }
            run.memo = properties.upsertedMemo
        }
        run.searchAttributes = [:]
        if try reader.flag("search attributes present") {
            let search = try reader.event("search attributes")
            guard case .upsertWorkflowSearchAttributes(let upsert) = search.attributes else {
                throw wrong(
                    "expected an UpsertWorkflowSearchAttributes event holding the search attributes, found \(search.eventType)"
                )
            }
            run.searchAttributes = upsert.searchAttributes
        }
        for _ in 0..<(try reader.count("tail count", max: reader.remaining)) {
            run.tail.append(try reader.event("tail event"))
        }
        return run
    }
}

extension ActivityState {
    /// Takes the retry state of an activity-attempt record, as recovery does.
    mutating func recordAttempt(_ record: ActivityAttemptRecord) {
        attempt = record.attempt
        lastFailure = record.lastFailure
        heartbeatDetails = record.heartbeatDetails
        retryTime = record.retryTime
        attemptScheduledTime = record.retryTime
        lastAttempt = record
    }
}
