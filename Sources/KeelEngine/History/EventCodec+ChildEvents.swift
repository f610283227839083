// Attributes of the events about child workflows, external workflows, search attributes, memo
// and updates.

// MARK: - StartChildWorkflowExecutionInitiated (29), StartChildWorkflowExecutionFailed (30)

extension BinaryWriter {
    mutating func fields(_ value: StartChildWorkflowExecutionInitiated) {
        string(1, value.namespace)
        string(2, value.workflowID.rawValue)
        string(3, value.workflowType)
        taskQueue(4, value.taskQueue)
        payloads(5, value.input)
        optionalDuration(6, value.executionTimeout)
        optionalDuration(7, value.runTimeout)
        duration(8, value.taskTimeout)
        enumeration(9, value.parentClosePolicy.rawValue)
        int64(10, value.workflowTaskCompletedEventID)
        enumeration(11, value.workflowIDReusePolicy.rawValue)
        retryPolicy(12, value.retryPolicy)
        payloadMap(13, value.header)
        payloadMap(14, value.memo)
        searchAttributes(15, value.searchAttributes)
    }

    mutating func fields(_ value: StartChildWorkflowExecutionFailed) {
        string(1, value.namespace)
        string(2, value.workflowID.rawValue)
        string(3, value.workflowType)
        enumeration(4, value.cause.rawValue)
        int64(5, value.initiatedEventID)
        int64(6, value.workflowTaskCompletedEventID)
    }
}

extension BinaryReader {
    mutating func startChildWorkflowExecutionInitiated() throws(EngineError) -> StartChildWorkflowExecutionInitiated {
        var fields = MessageFields("StartChildWorkflowExecutionInitiated", start: position)
        var value = StartChildWorkflowExecutionInitiated(
            namespace: "", workflowID: "", workflowType: "", taskQueue: DecodePlaceholder.taskQueue, input: [],
            executionTimeout: nil, runTimeout: nil, taskTimeout: .zero, parentClosePolicy: .terminate,
            workflowTaskCompletedEventID: 0, workflowIDReusePolicy: .allowDuplicate, retryPolicy: nil, header: [:],
            memo: [:], searchAttributes: [:])
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.namespace = try string(field)
            case 2: value.workflowID = WorkflowID(try string(field))
            case 3: value.workflowType = try string(field)
            case 4: value.taskQueue = try taskQueue(field)
            case 5: value.input = try payloads(field)
            case 6: value.executionTimeout = try duration(field)
            case 7: value.runTimeout = try duration(field)
            case 8: value.taskTimeout = try duration(field)
            case 9: value.parentClosePolicy = try enumeration(field, ParentClosePolicy.self)
            case 10: value.workflowTaskCompletedEventID = try int64(field)
            case 11: value.workflowIDReusePolicy = try enumeration(field, WorkflowIDReusePolicy.self)
            case 12: value.retryPolicy = try retryPolicy(field)
            case 13: value.header = try payloadMap(field)
            case 14: value.memo = try payloadMap(field)
            case 15: value.searchAttributes = try searchAttributes(field)
            default: try skip(field)
            }
        }
        try require(fields, 4, "taskQueue")
        try require(fields, 9, "parentClosePolicy")
        try require(fields, 11, "workflowIDReusePolicy")
        return value
    }

    mutating func startChildWorkflowExecutionFailed() throws(EngineError) -> StartChildWorkflowExecutionFailed {
        var fields = MessageFields("StartChildWorkflowExecutionFailed", start: position)
        var value = StartChildWorkflowExecutionFailed(
            namespace: "", workflowID: "", workflowType: "", cause: .workflowAlreadyExists, initiatedEventID: 0,
            workflowTaskCompletedEventID: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.namespace = try string(field)
            case 2: value.workflowID = WorkflowID(try string(field))
            case 3: value.workflowType = try string(field)
            case 4: value.cause = try enumeration(field, ExternalFailureCause.self)
            case 5: value.initiatedEventID = try int64(field)
            case 6: value.workflowTaskCompletedEventID = try int64(field)
            default: try skip(field)
            }
        }
        try require(fields, 4, "cause")
        return value
    }
}

// MARK: - Child workflow outcomes (31 to 36)

extension BinaryWriter {
    mutating func fields(_ value: ChildWorkflowExecutionStarted) {
        string(1, value.namespace)
        int64(2, value.initiatedEventID)
        execution(3, value.execution)
        string(4, value.workflowType)
    }

    mutating func fields(_ value: ChildWorkflowExecutionCompleted) {
        payloads(1, value.result)
        string(2, value.namespace)
        execution(3, value.execution)
        string(4, value.workflowType)
        int64(5, value.initiatedEventID)
        int64(6, value.startedEventID)
    }

    mutating func fields(_ value: ChildWorkflowExecutionFailed) {
        failure(1, value.failure)
        string(2, value.namespace)
        execution(3, value.execution)
        string(4, value.workflowType)
        int64(5, value.initiatedEventID)
        int64(6, value.startedEventID)
        enumerationUnlessZero(7, value.retryState.rawValue)
    }

    mutating func fields(_ value: ChildWorkflowExecutionCanceled) {
        payloads(1, value.details)
        string(2, value.namespace)
        execution(3, value.execution)
        string(4, value.workflowType)
        int64(5, value.initiatedEventID)
        int64(6, value.startedEventID)
    }

    mutating func fields(_ value: ChildWorkflowExecutionTimedOut) {
        string(1, value.namespace)
        execution(2, value.execution)
        string(3, value.workflowType)
        int64(4, value.initiatedEventID)
        int64(5, value.startedEventID)
        enumerationUnlessZero(6, value.retryState.rawValue)
    }

    mutating func fields(_ value: ChildWorkflowExecutionTerminated) {
        string(1, value.namespace)
        execution(2, value.execution)
        string(3, value.workflowType)
        int64(4, value.initiatedEventID)
        int64(5, value.startedEventID)
    }
}

extension BinaryReader {
    mutating func childWorkflowExecutionStarted() throws(EngineError) -> ChildWorkflowExecutionStarted {
        var fields = MessageFields("ChildWorkflowExecutionStarted", start: position)
        var value = ChildWorkflowExecutionStarted(
            namespace: "", initiatedEventID: 0, execution: DecodePlaceholder.execution, workflowType: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.namespace = try string(field)
            case 2: value.initiatedEventID = try int64(field)
            case 3: value.execution = try execution(field)
            case 4: value.workflowType = try string(field)
            default: try skip(field)
            }
        }
        try require(fields, 3, "execution")
        return value
    }

    mutating func childWorkflowExecutionCompleted() throws(EngineError) -> ChildWorkflowExecutionCompleted {
        var fields = MessageFields("ChildWorkflowExecutionCompleted", start: position)
        var value = ChildWorkflowExecutionCompleted(
            result: [], namespace: "", execution: DecodePlaceholder.execution, workflowType: "", initiatedEventID: 0,
            startedEventID: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.result = try payloads(field)
            case 2: value.namespace = try string(field)
            case 3: value.execution = try execution(field)
            case 4: value.workflowType = try string(field)
            case 5: value.initiatedEventID = try int64(field)
            case 6: value.startedEventID = try int64(field)
            default: try skip(field)
            }
        }
        try require(fields, 3, "execution")
        return value
    }

    mutating func childWorkflowExecutionFailed() throws(EngineError) -> ChildWorkflowExecutionFailed {
        var fields = MessageFields("ChildWorkflowExecutionFailed", start: position)
        var value = ChildWorkflowExecutionFailed(
            failure: DecodePlaceholder.failure, namespace: "", execution: DecodePlaceholder.execution, workflowType: "",
            initiatedEventID: 0, startedEventID: 0, retryState: .unspecified)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.failure = try failure(field, depth: 1)
            case 2: value.namespace = try string(field)
            case 3: value.execution = try execution(field)
            case 4: value.workflowType = try string(field)
            case 5: value.initiatedEventID = try int64(field)
            case 6: value.startedEventID = try int64(field)
            case 7: value.retryState = try enumeration(field, RetryState.self)
            default: try skip(field)
            }
        }
        try require(fields, 1, "failure")
        try require(fields, 3, "execution")
        return value
    }

    mutating func childWorkflowExecutionCanceled() throws(EngineError) -> ChildWorkflowExecutionCanceled {
        var fields = MessageFields("ChildWorkflowExecutionCanceled", start: position)
        var value = ChildWorkflowExecutionCanceled(
            details: [], namespace: "", execution: DecodePlaceholder.execution, workflowType: "", initiatedEventID: 0,
            startedEventID: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.details = try payloads(field)
            case 2: value.namespace = try string(field)
            case 3: value.execution = try execution(field)
            case 4: value.workflowType = try string(field)
            case 5: value.initiatedEventID = try int64(field)
            case 6: value.startedEventID = try int64(field)
            default: try skip(field)
            }
        }
        try require(fields, 3, "execution")
        return value
    }

    mutating func childWorkflowExecutionTimedOut() throws(EngineError) -> ChildWorkflowExecutionTimedOut {
        var fields = MessageFields("ChildWorkflowExecutionTimedOut", start: position)
        var value = ChildWorkflowExecutionTimedOut(
            namespace: "", execution: DecodePlaceholder.execution, workflowType: "", initiatedEventID: 0,
            startedEventID: 0,
            retryState: .unspecified)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.namespace = try string(field)
            case 2: value.execution = try execution(field)
            case 3: value.workflowType = try string(field)
            case 4: value.initiatedEventID = try int64(field)
            case 5: value.startedEventID = try int64(field)
            case 6: value.retryState = try enumeration(field, RetryState.self)
            default: try skip(field)
            }
        }
        try require(fields, 2, "execution")
        return value
    }

    mutating func childWorkflowExecutionTerminated() throws(EngineError) -> ChildWorkflowExecutionTerminated {
        var fields = MessageFields("ChildWorkflowExecutionTerminated", start: position)
        var value = ChildWorkflowExecutionTerminated(
            namespace: "", execution: DecodePlaceholder.execution, workflowType: "", initiatedEventID: 0,
            startedEventID: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.namespace = try string(field)
            case 2: value.execution = try execution(field)
            case 3: value.workflowType = try string(field)
            case 4: value.initiatedEventID = try int64(field)
            case 5: value.startedEventID = try int64(field)
            default: try skip(field)
            }
        }
        try require(fields, 2, "execution")
        return value
    }
}

// MARK: - Requests to external workflows (22 to 24, 37 to 39)

extension BinaryWriter {
    mutating func fields(_ value: RequestCancelExternalWorkflowExecutionInitiated) {
        int64(1, value.workflowTaskCompletedEventID)
        string(2, value.namespace)
        execution(3, value.execution)
        bool(4, value.childWorkflowOnly)
        string(5, value.reason)
    }

    mutating func fields(_ value: RequestCancelExternalWorkflowExecutionFailed) {
        enumeration(1, value.cause.rawValue)
        int64(2, value.workflowTaskCompletedEventID)
        string(3, value.namespace)
        execution(4, value.execution)
        int64(5, value.initiatedEventID)
    }

    mutating func fields(_ value: ExternalWorkflowExecutionCancelRequested) {
        int64(1, value.initiatedEventID)
        string(2, value.namespace)
        execution(3, value.execution)
    }

    mutating func fields(_ value: SignalExternalWorkflowExecutionInitiated) {
        int64(1, value.workflowTaskCompletedEventID)
        string(2, value.namespace)
        execution(3, value.execution)
        string(4, value.signalName)
        payloads(5, value.input)
        bool(6, value.childWorkflowOnly)
        payloadMap(7, value.header)
    }

    mutating func fields(_ value: SignalExternalWorkflowExecutionFailed) {
        enumeration(1, value.cause.rawValue)
        int64(2, value.workflowTaskCompletedEventID)
        string(3, value.namespace)
        execution(4, value.execution)
        int64(5, value.initiatedEventID)
    }

    mutating func fields(_ value: ExternalWorkflowExecutionSignaled) {
        int64(1, value.initiatedEventID)
        string(2, value.namespace)
        execution(3, value.execution)
    }
}

extension BinaryReader {
    mutating func requestCancelExternalWorkflowExecutionInitiated() throws(EngineError)
        -> RequestCancelExternalWorkflowExecutionInitiated
    {
        var fields = MessageFields("RequestCancelExternalWorkflowExecutionInitiated", start: position)
        var value = RequestCancelExternalWorkflowExecutionInitiated(
            workflowTaskCompletedEventID: 0, namespace: "", execution: DecodePlaceholder.execution,
            childWorkflowOnly: false,
            reason: "")
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.workflowTaskCompletedEventID = try int64(field)
            case 2: value.namespace = try string(field)
            case 3: value.execution = try execution(field)
            case 4: value.childWorkflowOnly = try bool(field)
            case 5: value.reason = try string(field)
            default: try skip(field)
            }
        }
        try require(fields, 3, "execution")
        return value
    }

    mutating func requestCancelExternalWorkflowExecutionFailed() throws(EngineError)
        -> RequestCancelExternalWorkflowExecutionFailed
    {
        var fields = MessageFields("RequestCancelExternalWorkflowExecutionFailed", start: position)
        var value = RequestCancelExternalWorkflowExecutionFailed(
            cause: .workflowAlreadyExists, workflowTaskCompletedEventID: 0, namespace: "",
            execution: DecodePlaceholder.execution, initiatedEventID: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.cause = try enumeration(field, ExternalFailureCause.self)
            case 2: value.workflowTaskCompletedEventID = try int64(field)
            case 3: value.namespace = try string(field)
            case 4: value.execution = try execution(field)
            case 5: value.initiatedEventID = try int64(field)
            default: try skip(field)
            }
        }
        try require(fields, 1, "cause")
        try require(fields, 4, "execution")
        return value
    }

    mutating func externalWorkflowExecutionCancelRequested() throws(EngineError)
        -> ExternalWorkflowExecutionCancelRequested
    {
        var fields = MessageFields("ExternalWorkflowExecutionCancelRequested", start: position)
        var value = ExternalWorkflowExecutionCancelRequested(
            initiatedEventID: 0, namespace: "", execution: DecodePlaceholder.execution)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.initiatedEventID = try int64(field)
            case 2: value.namespace = try string(field)
            case 3: value.execution = try execution(field)
            default: try skip(field)
            }
        }
        try require(fields, 3, "execution")
        return value
    }

    mutating func signalExternalWorkflowExecutionInitiated() throws(EngineError)
        -> SignalExternalWorkflowExecutionInitiated
    {
        var fields = MessageFields("SignalExternalWorkflowExecutionInitiated", start: position)
        var value = SignalExternalWorkflowExecutionInitiated(
            workflowTaskCompletedEventID: 0, namespace: "", execution: DecodePlaceholder.execution, signalName: "",
            input: [], childWorkflowOnly: false, header: [:])
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.workflowTaskCompletedEventID = try int64(field)
            case 2: value.namespace = try string(field)
            case 3: value.execution = try execution(field)
            case 4: value.signalName = try string(field)
            case 5: value.input = try payloads(field)
            case 6: value.childWorkflowOnly = try bool(field)
            case 7: value.header = try payloadMap(field)
            default: try skip(field)
            }
        }
        try require(fields, 3, "execution")
        return value
    }

    mutating func signalExternalWorkflowExecutionFailed() throws(EngineError) -> SignalExternalWorkflowExecutionFailed {
        var fields = MessageFields("SignalExternalWorkflowExecutionFailed", start: position)
        var value = SignalExternalWorkflowExecutionFailed(
            cause: .workflowAlreadyExists, workflowTaskCompletedEventID: 0, namespace: "",
            execution: DecodePlaceholder.execution, initiatedEventID: 0)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.cause = try enumeration(field, ExternalFailureCause.self)
            case 2: value.workflowTaskCompletedEventID = try int64(field)
            case 3: value.namespace = try string(field)
            case 4: value.execution = try execution(field)
            case 5: value.initiatedEventID = try int64(field)
            default: try skip(field)
            }
        }
        try require(fields, 1, "cause")
        try require(fields, 4, "execution")
        return value
    }

    mutating func externalWorkflowExecutionSignaled() throws(EngineError) -> ExternalWorkflowExecutionSignaled {
        var fields = MessageFields("ExternalWorkflowExecutionSignaled", start: position)
        var value = ExternalWorkflowExecutionSignaled(
            initiatedEventID: 0, namespace: "", execution: DecodePlaceholder.execution)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.initiatedEventID = try int64(field)
            case 2: value.namespace = try string(field)
            case 3: value.execution = try execution(field)
            default: try skip(field)
            }
        }
        try require(fields, 3, "execution")
        return value
    }
}

// MARK: - Search attributes (40), memo (46) and updates (41, 43)

extension BinaryWriter {
    mutating func fields(_ value: UpsertWorkflowSearchAttributes) {
        int64(1, value.workflowTaskCompletedEventID)
        searchAttributes(2, value.searchAttributes)
    }

    mutating func fields(_ value: WorkflowPropertiesModified) {
        int64(1, value.workflowTaskCompletedEventID)
        payloadMap(2, value.upsertedMemo)
    }

    mutating func fields(_ value: WorkflowExecutionUpdateAccepted) {
        string(1, value.protocolInstanceID)
        string(2, value.acceptedRequestMessageID)
        int64(3, value.acceptedRequestSequencingEventID)
        updateRequest(4, value.acceptedRequest)
    }

    mutating func fields(_ value: WorkflowExecutionUpdateCompleted) {
        string(1, value.updateID)
        string(2, value.identity)
        int64(3, value.acceptedEventID)
        updateOutcome(4, value.outcome)
    }
}

extension BinaryReader {
    mutating func upsertWorkflowSearchAttributes() throws(EngineError) -> UpsertWorkflowSearchAttributes {
        var fields = MessageFields("UpsertWorkflowSearchAttributes", start: position)
        var value = UpsertWorkflowSearchAttributes(workflowTaskCompletedEventID: 0, searchAttributes: [:])
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.workflowTaskCompletedEventID = try int64(field)
            case 2: value.searchAttributes = try searchAttributes(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func workflowPropertiesModified() throws(EngineError) -> WorkflowPropertiesModified {
        var fields = MessageFields("WorkflowPropertiesModified", start: position)
        var value = WorkflowPropertiesModified(workflowTaskCompletedEventID: 0, upsertedMemo: [:])
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.workflowTaskCompletedEventID = try int64(field)
            case 2: value.upsertedMemo = try payloadMap(field)
            default: try skip(field)
            }
        }
        return value
    }

    mutating func workflowExecutionUpdateAccepted() throws(EngineError) -> WorkflowExecutionUpdateAccepted {
        var fields = MessageFields("WorkflowExecutionUpdateAccepted", start: position)
        var value = WorkflowExecutionUpdateAccepted(
            protocolInstanceID: "", acceptedRequestMessageID: "", acceptedRequestSequencingEventID: 0,
            acceptedRequest: DecodePlaceholder.updateRequest)
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.protocolInstanceID = try string(field)
            case 2: value.acceptedRequestMessageID = try string(field)
            case 3: value.acceptedRequestSequencingEventID = try int64(field)
            case 4: value.acceptedRequest = try updateRequest(field)
            default: try skip(field)
            }
        }
        try require(fields, 4, "acceptedRequest")
        return value
    }

    mutating func workflowExecutionUpdateCompleted() throws(EngineError) -> WorkflowExecutionUpdateCompleted {
        var fields = MessageFields("WorkflowExecutionUpdateCompleted", start: position)
        var value = WorkflowExecutionUpdateCompleted(
            updateID: "", identity: "", acceptedEventID: 0, outcome: .success([]))
        while let field = try next(&fields) {
            switch field.number {
            case 1: value.updateID = try string(field)
            case 2: value.identity = try string(field)
            case 3: value.acceptedEventID = try int64(field)
            case 4: value.outcome = try updateOutcome(field)
            default: try skip(field)
            }
        }
        try require(fields, 4, "outcome")
        return value
    }
}
