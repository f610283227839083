// Attributes of the events about the workflow run itself and its workflow tasks.

// MARK: - WorkflowExecutionStarted (1)

extension BinaryWriter {
    mutating func fields(_ value: WorkflowExecutionStarted) {
        string(1, value.workflowType)
        taskQueue(2, value.taskQueue)
        payloads(3, value.input)
        optionalDuration(4, value.executionTimeout)
        optionalDuration(5, value.runTimeout)
        duration(6, value.taskTimeout)
        parent(7, value.parent)
        optionalString(8, value.continuedFromRunID?.rawValue)
        if let initiator = value.initiator { enumeration(9, initiator.rawValue) }
        optionalFailure(10, value.continuedFailure)
        payloads(11, value.lastCompletionResult)
        string(12, value.originalRunID.rawValue)
        string(13, value.firstRunID.rawValue)
        string(14, value.identity)
        int32(15, value.attempt)
        optionalTimestamp(16, value.executionExpirationTime)
        optionalDuration(17, value.firstWorkflowTaskBackoff)
        retryPolicy(18, value.retryPolicy)
        payloadMap(19, value.memo)
        searchAttributes(20, value.searchAttributes)
        payloadMap(21, value.header)
        string(22, value.requestID)
    }
}

extension BinaryReader {
    mutating func workflowExecutionStarted() throws(EngineError) -> WorkflowExecutionStarted {
        var fields = MessageFields("WorkflowExecutionStarted", start: position)
        var value = WorkflowExecutionStarted(
            workflowType: "", taskQueue: DecodePlaceholder.taskQueue, input: [], executionTimeout: nil, runTimeout: nil,
            taskTimeout: .zero, parent: nil, continuedFromRunID: nil, initiator: nil, continuedFailure: nil,
            lastCompletionResult: [], originalRunID: "", firstRunID: "", identity: "", attempt: 0,
            executionExpirationTime: nil, firstWorkflowTaskBackoff: nil, retryPolicy: nil, memo: [:],
            searchAttributes: [:], header: [:], requestID: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.workflowType = try string(field)
            case 2: value.taskQueue = try taskQueue(field)
            case 3: value.input = try payloads(field)
            case 4: value.executionTimeout = try duration(field)
            case 5: value.runTimeout = try duration(field)
            case 6: value.taskTimeout = try duration(field)
            case 7: value.parent = try parent(field)
            case 8: value.continuedFromRunID = RunID(try string(field))
            case 9: value.initiator = try enumeration(field, ContinueAsNewInitiator.self)
            case 10: value.continuedFailure = try failure(field, depth: 1)
            case 11: value.lastCompletionResult = try payloads(field)
            case 12: value.originalRunID = RunID(try string(field))
            case 13: value.firstRunID = RunID(try string(field))
            case 14: value.identity = try string(field)
            case 15: value.attempt = try int32(field)
            case 16: value.executionExpirationTime = try timestamp(field)
            case 17: value.firstWorkflowTaskBackoff = try duration(field)
            case 18: value.retryPolicy = try retryPolicy(field)
            case 19: value.memo = try payloadMap(field)
            case 20: value.searchAttributes = try searchAttributes(field)
            case 21: value.header = try payloadMap(field)
            case 22: value.requestID = try string(field)
            default: try skip(field)
            }
        }
        try require(fields, 2, "taskQueue")
        return value
    }
}

// MARK: - WorkflowExecutionCompleted (2), Failed (3), TimedOut (4), Canceled (21), Terminated (27)

extension BinaryWriter {
    mutating func fields(_ value: WorkflowExecutionCompleted) {
        payloads(1, value.result)
        int64(2, value.workflowTaskCompletedEventID)
        optionalString(3, value.newExecutionRunID?.rawValue)
    }

    mutating func fields(_ value: WorkflowExecutionFailed) {
        failure(1, value.failure)
        enumerationUnlessZero(2, value.retryState.rawValue)
        int64(3, value.workflowTaskCompletedEventID)
        optionalString(4, value.newExecutionRunID?.rawValue)
    }

    mutating func fields(_ value: WorkflowExecutionTimedOut) {
        enumerationUnlessZero(1, value.retryState.rawValue)
        optionalString(2, value.newExecutionRunID?.rawValue)
    }

    mutating func fields(_ value: WorkflowExecutionCanceled) {
        int64(1, value.workflowTaskCompletedEventID)
        payloads(2, value.details)
    }

    mutating func fields(_ value: WorkflowExecutionTerminated) {
        string(1, value.reason)
        payloads(2, value.details)
        string(3, value.identity)
    }
}

extension BinaryReader {
    mutating func workflowExecutionCompleted() throws(EngineError) -> WorkflowExecutionCompleted {
        var fields = MessageFields("WorkflowExecutionCompleted", start: position)
        var value = WorkflowExecutionCompleted(result: [], workflowTaskCompletedEventID: 0, newExecutionRunID: nil)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.result = try payloads(field)
            case 2: value.workflowTaskCompletedEventID = try int64(field)
            case 3: value.newExecutionRunID = RunID(try string(field))
            default: try skip(field)
            }
        }
        return value
    }

    mutating func workflowExecutionFailed() throws(EngineError) -> WorkflowExecutionFailed {
        var fields = MessageFields("WorkflowExecutionFailed", start: position)
        var value = WorkflowExecutionFailed(
            failure: DecodePlaceholder.failure, retryState: .unspecified, workflowTaskCompletedEventID: 0,
            newExecutionRunID: nil)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.failure = try failure(field, depth: 1)
            case 2: value.retryState = try enumeration(field, RetryState.self)
            case 3: value.workflowTaskCompletedEventID = try int64(field)
            case 4: value.newExecutionRunID = RunID(try string(field))
            default: try skip(field)
            }
        }
        try require(fields, 1, "failure")
        return value
    }

    mutating func workflowExecutionTimedOut() throws(EngineError) -> WorkflowExecutionTimedOut {
        var fields = MessageFields("WorkflowExecutionTimedOut", start: position)
        var value = WorkflowExecutionTimedOut(retryState: .unspecified, newExecutionRunID: nil)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.retryState = try enumeration(field, RetryState.self)
            case 2: value.newExecutionRunID = RunID(try string(field))
            default: try skip(field)
            }
        }
        return value
    }

    mutating func workflowExecutionCanceled() throws(EngineError) -> WorkflowExecutionCanceled {
        var fields = MessageFields("WorkflowExecutionCanceled", start: position)
        var value = WorkflowExecutionCanceled(workflowTaskCompletedEventID: 0, details: [])
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.workflowTaskCompletedEventID = try int64(field)
            case 2: value.details = try payloads(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func workflowExecutionTerminated() throws(EngineError) -> WorkflowExecutionTerminated {
        var fields = MessageFields("WorkflowExecutionTerminated", start: position)
        var value = WorkflowExecutionTerminated(reason: "", details: [], identity: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.reason = try string(field)
            case 2: value.details = try payloads(field)
            case 3: value.identity = try string(field)
            default: try skip(field)
            }
        }
        return value
    }
}

// MARK: - WorkflowExecutionContinuedAsNew (28)

extension BinaryWriter {
    mutating func fields(_ value: WorkflowExecutionContinuedAsNew) {
        string(1, value.newExecutionRunID.rawValue)
        string(2, value.workflowType)
        taskQueue(3, value.taskQueue)
        payloads(4, value.input)
        optionalDuration(5, value.runTimeout)
        duration(6, value.taskTimeout)
        int64(7, value.workflowTaskCompletedEventID)
        optionalDuration(8, value.backoffStartInterval)
        enumeration(9, value.initiator.rawValue)
        optionalFailure(10, value.failure)
        payloads(11, value.lastCompletionResult)
        payloadMap(12, value.memo)
        searchAttributes(13, value.searchAttributes)
        payloadMap(14, value.header)
    }
}

extension BinaryReader {
    mutating func workflowExecutionContinuedAsNew() throws(EngineError) -> WorkflowExecutionContinuedAsNew {
        var fields = MessageFields("WorkflowExecutionContinuedAsNew", start: position)
        var value = WorkflowExecutionContinuedAsNew(
            newExecutionRunID: "", workflowType: "", taskQueue: DecodePlaceholder.taskQueue, input: [], runTimeout: nil,
            taskTimeout: .zero, workflowTaskCompletedEventID: 0, backoffStartInterval: nil, initiator: .workflow,
            failure: nil, lastCompletionResult: [], memo: [:], searchAttributes: [:], header: [:])
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.newExecutionRunID = RunID(try string(field))
            case 2: value.workflowType = try string(field)
            case 3: value.taskQueue = try taskQueue(field)
            case 4: value.input = try payloads(field)
            case 5: value.runTimeout = try duration(field)
            case 6: value.taskTimeout = try duration(field)
            case 7: value.workflowTaskCompletedEventID = try int64(field)
            case 8: value.backoffStartInterval = try duration(field)
            case 9: value.initiator = try enumeration(field, ContinueAsNewInitiator.self)
            case 10: value.failure = try failure(field, depth: 1)
            case 11: value.lastCompletionResult = try payloads(field)
            case 12: value.memo = try payloadMap(field)
            case 13: value.searchAttributes = try searchAttributes(field)
            case 14: value.header = try payloadMap(field)
            default: try skip(field)
            }
        }
        try require(fields, 3, "taskQueue")
        try require(fields, 9, "initiator")
        return value
    }
}

// MARK: - WorkflowExecutionCancelRequested (20), WorkflowExecutionSignaled (26)

extension BinaryWriter {
    mutating func fields(_ value: WorkflowExecutionCancelRequested) {
        string(1, value.cause)
        int64(2, value.externalInitiatedEventID)
        optionalExecution(3, value.externalExecution)
        string(4, value.identity)
    }

    mutating func fields(_ value: WorkflowExecutionSignaled) {
        string(1, value.signalName)
        payloads(2, value.input)
        string(3, value.identity)
        payloadMap(4, value.header)
    }
}

extension BinaryReader {
    mutating func workflowExecutionCancelRequested() throws(EngineError) -> WorkflowExecutionCancelRequested {
        var fields = MessageFields("WorkflowExecutionCancelRequested", start: position)
        var value = WorkflowExecutionCancelRequested(
            cause: "", externalInitiatedEventID: 0, externalExecution: nil, identity: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.cause = try string(field)
            case 2: value.externalInitiatedEventID = try int64(field)
            case 3: value.externalExecution = try execution(field)
            case 4: value.identity = try string(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func workflowExecutionSignaled() throws(EngineError) -> WorkflowExecutionSignaled {
        var fields = MessageFields("WorkflowExecutionSignaled", start: position)
        var value = WorkflowExecutionSignaled(signalName: "", input: [], identity: "", header: [:])
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.signalName = try string(field)
            case 2: value.input = try payloads(field)
            case 3: value.identity = try string(field)
            case 4: value.header = try payloadMap(field)
            default: try skip(field)
            }
        }
        return value
    }
}

// MARK: - Workflow tasks (5 to 9)

extension BinaryWriter {
    mutating func fields(_ value: WorkflowTaskScheduled) {
        taskQueue(1, value.taskQueue)
        duration(2, value.startToCloseTimeout)
        int32(3, value.attempt)
    }

    mutating func fields(_ value: WorkflowTaskStarted) {
        int64(1, value.scheduledEventID)
        string(2, value.identity)
        string(3, value.requestID)
        bool(4, value.suggestContinueAsNew)
        int64(5, value.historySizeBytes)
    }

    mutating func fields(_ value: WorkflowTaskCompleted) {
        int64(1, value.scheduledEventID)
        int64(2, value.startedEventID)
        string(3, value.identity)
        string(4, value.binaryChecksum)
    }

    mutating func fields(_ value: WorkflowTaskTimedOut) {
        int64(1, value.scheduledEventID)
        int64(2, value.startedEventID)
        enumerationUnlessZero(3, value.timeoutType.rawValue)
    }

    mutating func fields(_ value: WorkflowTaskFailed) {
        int64(1, value.scheduledEventID)
        int64(2, value.startedEventID)
        enumeration(3, value.cause.rawValue)
        optionalFailure(4, value.failure)
        string(5, value.identity)
    }
}

extension BinaryReader {
    mutating func workflowTaskScheduled() throws(EngineError) -> WorkflowTaskScheduled {
        var fields = MessageFields("WorkflowTaskScheduled", start: position)
        var value = WorkflowTaskScheduled(
            taskQueue: DecodePlaceholder.taskQueue, startToCloseTimeout: .zero, attempt: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.taskQueue = try taskQueue(field)
            case 2: value.startToCloseTimeout = try duration(field)
            case 3: value.attempt = try int32(field)
            default: try skip(field)
            }
        }
        try require(fields, 1, "taskQueue")
        return value
    }

    mutating func workflowTaskStarted() throws(EngineError) -> WorkflowTaskStarted {
        var fields = MessageFields("WorkflowTaskStarted", start: position)
        var value = WorkflowTaskStarted(
            scheduledEventID: 0, identity: "", requestID: "", suggestContinueAsNew: false, historySizeBytes: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.scheduledEventID = try int64(field)
            case 2: value.identity = try string(field)
            case 3: value.requestID = try string(field)
            case 4: value.suggestContinueAsNew = try bool(field)
            case 5: value.historySizeBytes = try int64(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func workflowTaskCompleted() throws(EngineError) -> WorkflowTaskCompleted {
        var fields = MessageFields("WorkflowTaskCompleted", start: position)
        var value = WorkflowTaskCompleted(scheduledEventID: 0, startedEventID: 0, identity: "", binaryChecksum: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.scheduledEventID = try int64(field)
            case 2: value.startedEventID = try int64(field)
            case 3: value.identity = try string(field)
            case 4: value.binaryChecksum = try string(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func workflowTaskTimedOut() throws(EngineError) -> WorkflowTaskTimedOut {
        var fields = MessageFields("WorkflowTaskTimedOut", start: position)
        var value = WorkflowTaskTimedOut(scheduledEventID: 0, startedEventID: 0, timeoutType: .unspecified)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.scheduledEventID = try int64(field)
            case 2: value.startedEventID = try int64(field)
            case 3: value.timeoutType = try enumeration(field, TimeoutType.self)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func workflowTaskFailed() throws(EngineError) -> WorkflowTaskFailed {
        var fields = MessageFields("WorkflowTaskFailed", start: position)
        var value = WorkflowTaskFailed(
            scheduledEventID: 0, startedEventID: 0, cause: .unhandledCommand, failure: nil, identity: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.scheduledEventID = try int64(field)
            case 2: value.startedEventID = try int64(field)
            case 3: value.cause = try enumeration(field, WorkflowTaskFailedCause.self)
            case 4: value.failure = try failure(field, depth: 1)
            case 5: value.identity = try string(field)
            default: try skip(field)
            }
        }
        try require(fields, 3, "cause")
        return value
    }
}
