import KeelEngine

// Events and their attributes, with the member names of Temporal's history proto. Encoding and decoding
// of each event type sit side by side so that a field cannot be added to one and forgotten in the other.

extension HistoryJSON {
    /// Returns the member that holds the attributes of an event of type `type`, e.g.
    /// "timerStartedEventAttributes".
    static func attributesKey(_ type: EventType) -> String {
        guard let key = attributesKeys[type] else { preconditionFailure("no attributes member for \(type)") }
        return key
    }

    private static let attributesKeys: [EventType: String] = Dictionary(
        uniqueKeysWithValues: EventType.allCases.map { type in
            let name = type.description
            return (type, name.prefix(1).lowercased() + name.dropFirst() + "EventAttributes")
        })

    static func encodeEvent(_ event: HistoryEvent) -> [(key: String, value: Value)] {
        var object = ObjectBuilder()
        object.add("eventId", .string(String(event.eventID)))
        object.add("eventTime", encodeTimestamp(event.time))
        object.add("eventType", eventType.encode(event.eventType))
        object.add(attributesKey(event.eventType), .object(encodeAttributes(event.attributes)))
        return object.object
    }

    static func decodeEvent(_ value: Value) throws(HistoryJSONError) -> HistoryEvent {
        let fields = try Fields(value, expected: "an event object")
        guard let typeValue = fields["eventType"] else {
            throw HistoryJSONError(.missingField, expected: "an eventType", found: "nothing")
        }
        let type: EventType
        do throws(HistoryJSONError) {
            guard let known = try eventType.decode(typeValue) else {
                throw HistoryJSONError(.invalidValue, expected: "an event type", found: typeValue.summary)
            }
            type = known
        } catch {
            throw error.within("eventType")
        }
        guard let eventID = try fields.read("eventId", int64) else {
            throw HistoryJSONError(.missingField, expected: "an eventId", found: "nothing")
        }
        guard let time = try fields.timestamp("eventTime") else {
            throw HistoryJSONError(.missingField, expected: "an eventTime", found: "nothing")
        }
        let key = attributesKey(type)
        guard let attributes = try fields.message(key) else {
            let other = fields.members.first { $0.key.hasSuffix("EventAttributes") }?.key
            throw HistoryJSONError(
                .missingField, expected: "\(key) for an event of type \(eventType.name(type))",
                found: other.map { "\($0) instead" } ?? "no attributes")
        }
        do throws(HistoryJSONError) {
            return HistoryEvent(eventID: eventID, time: time, attributes: try decodeAttributes(type, attributes))
        } catch {
            throw error.within(key)
        }
    }

    // MARK: - Encoding

    static func encodeAttributes(_ attributes: EventAttributes) -> [(key: String, value: Value)] {
        var object = ObjectBuilder()
        switch attributes {
        case .workflowExecutionStarted(let value): encode(value, into: &object)
        case .workflowExecutionCompleted(let value):
            object.payloads("result", value.result)
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.optionalString("newExecutionRunId", value.newExecutionRunID?.rawValue)
        case .workflowExecutionFailed(let value):
            object.failure("failure", value.failure)
            object.enumeration("retryState", value.retryState, retryState)
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.optionalString("newExecutionRunId", value.newExecutionRunID?.rawValue)
        case .workflowExecutionTimedOut(let value):
            object.enumeration("retryState", value.retryState, retryState)
            object.optionalString("newExecutionRunId", value.newExecutionRunID?.rawValue)
        case .workflowExecutionCanceled(let value):
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.payloads("details", value.details)
        case .workflowExecutionTerminated(let value):
            object.string("reason", value.reason)
            object.payloads("details", value.details)
            object.string("identity", value.identity)
        case .workflowExecutionContinuedAsNew(let value): encode(value, into: &object)
        case .workflowTaskScheduled(let value):
            object.taskQueue("taskQueue", value.taskQueue)
            object.duration("startToCloseTimeout", value.startToCloseTimeout)
            object.int32("attempt", value.attempt)
        case .workflowTaskStarted(let value):
            object.int64("scheduledEventId", value.scheduledEventID)
            object.string("identity", value.identity)
            object.string("requestId", value.requestID)
            object.bool("suggestContinueAsNew", value.suggestContinueAsNew)
            object.int64("historySizeBytes", value.historySizeBytes)
        case .workflowTaskCompleted(let value):
            object.int64("scheduledEventId", value.scheduledEventID)
            object.int64("startedEventId", value.startedEventID)
            object.string("identity", value.identity)
            object.string("binaryChecksum", value.binaryChecksum)
        case .workflowTaskTimedOut(let value):
            object.int64("scheduledEventId", value.scheduledEventID)
            object.int64("startedEventId", value.startedEventID)
            object.enumeration("timeoutType", value.timeoutType, timeoutType)
        case .workflowTaskFailed(let value):
            object.int64("scheduledEventId", value.scheduledEventID)
            object.int64("startedEventId", value.startedEventID)
            object.enumeration("cause", value.cause, workflowTaskFailedCause)
            object.failure("failure", value.failure)
            object.string("identity", value.identity)
        case .activityTaskScheduled(let value): encode(value, into: &object)
        case .activityTaskStarted(let value):
            object.int64("scheduledEventId", value.scheduledEventID)
            object.string("identity", value.identity)
            object.string("requestId", value.requestID)
            object.int32("attempt", value.attempt)
            object.failure("lastFailure", value.lastFailure)
        case .activityTaskCompleted(let value):
            object.payloads("result", value.result)
            object.int64("scheduledEventId", value.scheduledEventID)
            object.int64("startedEventId", value.startedEventID)
            object.string("identity", value.identity)
        case .activityTaskFailed(let value):
            object.failure("failure", value.failure)
            object.int64("scheduledEventId", value.scheduledEventID)
            object.int64("startedEventId", value.startedEventID)
            object.string("identity", value.identity)
            object.enumeration("retryState", value.retryState, retryState)
        case .activityTaskTimedOut(let value):
            object.failure("failure", value.failure)
            object.int64("scheduledEventId", value.scheduledEventID)
            object.int64("startedEventId", value.startedEventID)
            object.enumeration("retryState", value.retryState, retryState)
        case .activityTaskCancelRequested(let value):
            object.int64("scheduledEventId", value.scheduledEventID)
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
        case .activityTaskCanceled(let value):
            object.payloads("details", value.details)
            object.int64("latestCancelRequestedEventId", value.latestCancelRequestedEventID)
            object.int64("scheduledEventId", value.scheduledEventID)
            object.int64("startedEventId", value.startedEventID)
            object.string("identity", value.identity)
        case .timerStarted(let value):
            object.string("timerId", value.timerID)
            object.duration("startToFireTimeout", value.startToFireTimeout)
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
        case .timerFired(let value):
            object.string("timerId", value.timerID)
            object.int64("startedEventId", value.startedEventID)
        case .timerCanceled(let value):
            object.string("timerId", value.timerID)
            object.int64("startedEventId", value.startedEventID)
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.string("identity", value.identity)
        case .workflowExecutionCancelRequested(let value):
            object.string("cause", value.cause)
            object.int64("externalInitiatedEventId", value.externalInitiatedEventID)
            object.execution("externalWorkflowExecution", value.externalExecution)
            object.string("identity", value.identity)
        case .workflowExecutionSignaled(let value):
            object.string("signalName", value.signalName)
            object.payloads("input", value.input)
            object.string("identity", value.identity)
            object.payloadMap("header", value.header)
        case .markerRecorded(let value):
            object.string("markerName", value.markerName)
            if !value.details.isEmpty { object.add("details", encodeMap(value.details, encodePayloads)) }
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.payloadMap("header", value.header)
            object.failure("failure", value.failure)
        case .startChildWorkflowExecutionInitiated(let value): encode(value, into: &object)
        case .startChildWorkflowExecutionFailed(let value):
            object.string("namespace", value.namespace)
            object.string("workflowId", value.workflowID.rawValue)
            object.typeName("workflowType", value.workflowType)
            object.enumeration("cause", value.cause, startChildFailedCause)
            object.int64("initiatedEventId", value.initiatedEventID)
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
        case .childWorkflowExecutionStarted(let value):
            object.string("namespace", value.namespace)
            object.int64("initiatedEventId", value.initiatedEventID)
            object.execution("workflowExecution", value.execution)
            object.typeName("workflowType", value.workflowType)
        case .childWorkflowExecutionCompleted(let value):
            object.payloads("result", value.result)
            encodeChild(
                value.namespace, value.execution, value.workflowType, value.initiatedEventID, value.startedEventID,
                into: &object)
        case .childWorkflowExecutionFailed(let value):
            object.failure("failure", value.failure)
            encodeChild(
                value.namespace, value.execution, value.workflowType, value.initiatedEventID, value.startedEventID,
                into: &object)
            object.enumeration("retryState", value.retryState, retryState)
        case .childWorkflowExecutionCanceled(let value):
            object.payloads("details", value.details)
            encodeChild(
                value.namespace, value.execution, value.workflowType, value.initiatedEventID, value.startedEventID,
                into: &object)
        case .childWorkflowExecutionTimedOut(let value):
            encodeChild(
                value.namespace, value.execution, value.workflowType, value.initiatedEventID, value.startedEventID,
                into: &object)
            object.enumeration("retryState", value.retryState, retryState)
        case .childWorkflowExecutionTerminated(let value):
            encodeChild(
                value.namespace, value.execution, value.workflowType, value.initiatedEventID, value.startedEventID,
                into: &object)
        case .requestCancelExternalWorkflowExecutionInitiated(let value):
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.string("namespace", value.namespace)
            object.execution("workflowExecution", value.execution)
            object.bool("childWorkflowOnly", value.childWorkflowOnly)
            object.string("reason", value.reason)
        case .requestCancelExternalWorkflowExecutionFailed(let value):
            object.enumeration("cause", value.cause, cancelExternalFailedCause)
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.string("namespace", value.namespace)
            object.execution("workflowExecution", value.execution)
            object.int64("initiatedEventId", value.initiatedEventID)
        case .externalWorkflowExecutionCancelRequested(let value):
            object.int64("initiatedEventId", value.initiatedEventID)
            object.string("namespace", value.namespace)
            object.execution("workflowExecution", value.execution)
        case .signalExternalWorkflowExecutionInitiated(let value):
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.string("namespace", value.namespace)
            object.execution("workflowExecution", value.execution)
            object.string("signalName", value.signalName)
            object.payloads("input", value.input)
            object.bool("childWorkflowOnly", value.childWorkflowOnly)
            object.payloadMap("header", value.header)
        case .signalExternalWorkflowExecutionFailed(let value):
            object.enumeration("cause", value.cause, signalExternalFailedCause)
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.string("namespace", value.namespace)
            object.execution("workflowExecution", value.execution)
            object.int64("initiatedEventId", value.initiatedEventID)
        case .externalWorkflowExecutionSignaled(let value):
            object.int64("initiatedEventId", value.initiatedEventID)
            object.string("namespace", value.namespace)
            object.execution("workflowExecution", value.execution)
        case .upsertWorkflowSearchAttributes(let value):
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.searchAttributes("searchAttributes", value.searchAttributes)
        case .workflowPropertiesModified(let value):
            object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
            object.payloadMap("upsertedMemo", value.upsertedMemo)
        case .workflowExecutionUpdateAccepted(let value):
            object.string("protocolInstanceId", value.protocolInstanceID)
            object.string("acceptedRequestMessageId", value.acceptedRequestMessageID)
            object.int64("acceptedRequestSequencingEventId", value.acceptedRequestSequencingEventID)
            object.add("acceptedRequest", encodeUpdateRequest(value.acceptedRequest))
        case .workflowExecutionUpdateCompleted(let value):
            object.add("meta", encodeUpdateMeta(updateID: value.updateID, identity: value.identity))
            object.int64("acceptedEventId", value.acceptedEventID)
            switch value.outcome {
            case .success(let payloads): object.add("outcome", .object([("success", encodePayloads(payloads))]))
            case .failure(let failure): object.add("outcome", .object([("failure", encodeFailure(failure))]))
            }
        }
        return object.object
    }

    private static func encode(_ value: WorkflowExecutionStarted, into object: inout ObjectBuilder) {
        object.typeName("workflowType", value.workflowType)
        if let parent = value.parent {
            object.string("parentWorkflowNamespace", parent.namespace)
            object.execution("parentWorkflowExecution", parent.execution)
            object.int64("parentInitiatedEventId", parent.initiatedEventID)
        }
        object.taskQueue("taskQueue", value.taskQueue)
        object.payloads("input", value.input)
        object.duration("workflowExecutionTimeout", value.executionTimeout)
        object.duration("workflowRunTimeout", value.runTimeout)
        object.duration("workflowTaskTimeout", value.taskTimeout)
        object.optionalString("continuedExecutionRunId", value.continuedFromRunID?.rawValue)
        object.enumeration("initiator", value.initiator, continueAsNewInitiator)
        object.failure("continuedFailure", value.continuedFailure)
        object.payloads("lastCompletionResult", value.lastCompletionResult)
        object.string("originalExecutionRunId", value.originalRunID.rawValue)
        object.string("identity", value.identity)
        object.string("firstExecutionRunId", value.firstRunID.rawValue)
        object.retryPolicy("retryPolicy", value.retryPolicy)
        object.int32("attempt", value.attempt)
        object.timestamp("workflowExecutionExpirationTime", value.executionExpirationTime)
        object.duration("firstWorkflowTaskBackoff", value.firstWorkflowTaskBackoff)
        object.payloadMap("memo", value.memo)
        object.searchAttributes("searchAttributes", value.searchAttributes)
        object.payloadMap("header", value.header)
        // Temporal's event has no request id; Keel writes its own under the name Temporal uses elsewhere.
        object.string("requestId", value.requestID)
    }

    private static func encode(_ value: WorkflowExecutionContinuedAsNew, into object: inout ObjectBuilder) {
        object.string("newExecutionRunId", value.newExecutionRunID.rawValue)
        object.typeName("workflowType", value.workflowType)
        object.taskQueue("taskQueue", value.taskQueue)
        object.payloads("input", value.input)
        object.duration("workflowRunTimeout", value.runTimeout)
        object.duration("workflowTaskTimeout", value.taskTimeout)
        object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
        object.duration("backoffStartInterval", value.backoffStartInterval)
        object.enumeration("initiator", value.initiator, continueAsNewInitiator)
        object.failure("failure", value.failure)
        object.payloads("lastCompletionResult", value.lastCompletionResult)
        object.payloadMap("header", value.header)
        object.payloadMap("memo", value.memo)
        object.searchAttributes("searchAttributes", value.searchAttributes)
    }

    private static func encode(_ value: ActivityTaskScheduled, into object: inout ObjectBuilder) {
        object.string("activityId", value.activityID)
        object.typeName("activityType", value.activityType)
        object.taskQueue("taskQueue", value.taskQueue)
        object.payloadMap("header", value.header)
        object.payloads("input", value.input)
        object.duration("scheduleToCloseTimeout", value.scheduleToCloseTimeout)
        object.duration("scheduleToStartTimeout", value.scheduleToStartTimeout)
        object.duration("startToCloseTimeout", value.startToCloseTimeout)
        object.duration("heartbeatTimeout", value.heartbeatTimeout)
        object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
        object.retryPolicy("retryPolicy", value.retryPolicy)
    }

    private static func encode(_ value: StartChildWorkflowExecutionInitiated, into object: inout ObjectBuilder) {
        object.string("namespace", value.namespace)
        object.string("workflowId", value.workflowID.rawValue)
        object.typeName("workflowType", value.workflowType)
        object.taskQueue("taskQueue", value.taskQueue)
        object.payloads("input", value.input)
        object.duration("workflowExecutionTimeout", value.executionTimeout)
        object.duration("workflowRunTimeout", value.runTimeout)
        object.duration("workflowTaskTimeout", value.taskTimeout)
        object.enumeration("parentClosePolicy", value.parentClosePolicy, parentClosePolicy)
        object.int64("workflowTaskCompletedEventId", value.workflowTaskCompletedEventID)
        object.enumeration("workflowIdReusePolicy", value.workflowIDReusePolicy, workflowIDReusePolicy)
        object.retryPolicy("retryPolicy", value.retryPolicy)
        object.payloadMap("header", value.header)
        object.payloadMap("memo", value.memo)
        object.searchAttributes("searchAttributes", value.searchAttributes)
    }

    /// Writes the members the closing events of a child workflow share.
    private static func encodeChild(
        _ namespace: String, _ execution: WorkflowExecution, _ workflowType: String, _ initiatedEventID: Int64,
        _ startedEventID: Int64, into object: inout ObjectBuilder
    ) {
        object.string("namespace", namespace)
        object.execution("workflowExecution", execution)
        object.typeName("workflowType", workflowType)
        object.int64("initiatedEventId", initiatedEventID)
        object.int64("startedEventId", startedEventID)
    }

    private static func encodeUpdateMeta(updateID: String, identity: String) -> Value {
        var meta = ObjectBuilder()
        meta.string("updateId", updateID)
        meta.string("identity", identity)
        return .object(meta.object)
    }

    /// Writes an update request as Temporal's `update.v1.Request`: `meta` and `input`.
    private static func encodeUpdateRequest(_ request: UpdateRequest) -> Value {
        var input = ObjectBuilder()
        input.payloadMap("header", request.header)
        input.string("name", request.name)
        input.payloads("args", request.input)
        return .object([
            ("meta", encodeUpdateMeta(updateID: request.updateID, identity: request.identity)),
            ("input", .object(input.object)),
        ])
    }

    // MARK: - Decoding

    // Each case starts from the engine's blank attributes of its type and sets every property.
    static func decodeAttributes(_ type: EventType, _ fields: Fields) throws(HistoryJSONError) -> EventAttributes {
        switch type {
        case .workflowExecutionStarted:
            guard case .workflowExecutionStarted(var value) = blank(type) else { break }
            try decode(&value, fields)
            return .workflowExecutionStarted(value)
        case .workflowExecutionCompleted:
            guard case .workflowExecutionCompleted(var value) = blank(type) else { break }
            value.result = try fields.payloads("result")
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.newExecutionRunID = try fields.optionalString("newExecutionRunId").map { RunID($0) }
            return .workflowExecutionCompleted(value)
        case .workflowExecutionFailed:
            guard case .workflowExecutionFailed(var value) = blank(type) else { break }
            value.failure = try fields.requiredFailure("failure")
            value.retryState = try fields.enumeration("retryState", retryState) ?? .unspecified
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.newExecutionRunID = try fields.optionalString("newExecutionRunId").map { RunID($0) }
            return .workflowExecutionFailed(value)
        case .workflowExecutionTimedOut:
            guard case .workflowExecutionTimedOut(var value) = blank(type) else { break }
            value.retryState = try fields.enumeration("retryState", retryState) ?? .unspecified
            value.newExecutionRunID = try fields.optionalString("newExecutionRunId").map { RunID($0) }
            return .workflowExecutionTimedOut(value)
        case .workflowExecutionCanceled:
            guard case .workflowExecutionCanceled(var value) = blank(type) else { break }
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.details = try fields.payloads("details")
            return .workflowExecutionCanceled(value)
        case .workflowExecutionTerminated:
            guard case .workflowExecutionTerminated(var value) = blank(type) else { break }
            value.reason = try fields.string("reason")
            value.details = try fields.payloads("details")
            value.identity = try fields.string("identity")
            return .workflowExecutionTerminated(value)
        case .workflowExecutionContinuedAsNew:
            guard case .workflowExecutionContinuedAsNew(var value) = blank(type) else { break }
            try decode(&value, fields)
            return .workflowExecutionContinuedAsNew(value)
        case .workflowTaskScheduled:
            guard case .workflowTaskScheduled(var value) = blank(type) else { break }
            value.taskQueue = try fields.taskQueue("taskQueue")
            value.startToCloseTimeout = try fields.duration("startToCloseTimeout") ?? .zero
            value.attempt = try fields.int32("attempt")
            return .workflowTaskScheduled(value)
        case .workflowTaskStarted:
            guard case .workflowTaskStarted(var value) = blank(type) else { break }
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.identity = try fields.string("identity")
            value.requestID = try fields.string("requestId")
            value.suggestContinueAsNew = try fields.bool("suggestContinueAsNew")
            value.historySizeBytes = try fields.int64("historySizeBytes")
            return .workflowTaskStarted(value)
        case .workflowTaskCompleted:
            guard case .workflowTaskCompleted(var value) = blank(type) else { break }
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.startedEventID = try fields.int64("startedEventId")
            value.identity = try fields.string("identity")
            value.binaryChecksum = try fields.string("binaryChecksum")
            return .workflowTaskCompleted(value)
        case .workflowTaskTimedOut:
            guard case .workflowTaskTimedOut(var value) = blank(type) else { break }
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.startedEventID = try fields.int64("startedEventId")
            value.timeoutType = try fields.enumeration("timeoutType", timeoutType) ?? .unspecified
            return .workflowTaskTimedOut(value)
        case .workflowTaskFailed:
            guard case .workflowTaskFailed(var value) = blank(type) else { break }
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.startedEventID = try fields.int64("startedEventId")
            value.cause = try fields.requiredEnumeration("cause", workflowTaskFailedCause)
            value.failure = try fields.failure("failure")
            value.identity = try fields.string("identity")
            return .workflowTaskFailed(value)
        case .activityTaskScheduled:
            guard case .activityTaskScheduled(var value) = blank(type) else { break }
            try decode(&value, fields)
            return .activityTaskScheduled(value)
        case .activityTaskStarted:
            guard case .activityTaskStarted(var value) = blank(type) else { break }
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.identity = try fields.string("identity")
            value.requestID = try fields.string("requestId")
            value.attempt = try fields.int32("attempt")
            value.lastFailure = try fields.failure("lastFailure")
            return .activityTaskStarted(value)
        case .activityTaskCompleted:
            guard case .activityTaskCompleted(var value) = blank(type) else { break }
            value.result = try fields.payloads("result")
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.startedEventID = try fields.int64("startedEventId")
            value.identity = try fields.string("identity")
            return .activityTaskCompleted(value)
        case .activityTaskFailed:
            guard case .activityTaskFailed(var value) = blank(type) else { break }
            value.failure = try fields.requiredFailure("failure")
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.startedEventID = try fields.int64("startedEventId")
            value.identity = try fields.string("identity")
            value.retryState = try fields.enumeration("retryState", retryState) ?? .unspecified
            return .activityTaskFailed(value)
        case .activityTaskTimedOut:
            guard case .activityTaskTimedOut(var value) = blank(type) else { break }
            value.failure = try fields.requiredFailure("failure")
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.startedEventID = try fields.int64("startedEventId")
            value.retryState = try fields.enumeration("retryState", retryState) ?? .unspecified
            return .activityTaskTimedOut(value)
        case .activityTaskCancelRequested:
            guard case .activityTaskCancelRequested(var value) = blank(type) else { break }
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            return .activityTaskCancelRequested(value)
        case .activityTaskCanceled:
            guard case .activityTaskCanceled(var value) = blank(type) else { break }
            value.details = try fields.payloads("details")
            value.latestCancelRequestedEventID = try fields.int64("latestCancelRequestedEventId")
            value.scheduledEventID = try fields.int64("scheduledEventId")
            value.startedEventID = try fields.int64("startedEventId")
            value.identity = try fields.string("identity")
            return .activityTaskCanceled(value)
        case .timerStarted:
            guard case .timerStarted(var value) = blank(type) else { break }
            value.timerID = try fields.string("timerId")
            value.startToFireTimeout = try fields.duration("startToFireTimeout") ?? .zero
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            return .timerStarted(value)
        case .timerFired:
            guard case .timerFired(var value) = blank(type) else { break }
            value.timerID = try fields.string("timerId")
            value.startedEventID = try fields.int64("startedEventId")
            return .timerFired(value)
        case .timerCanceled:
            guard case .timerCanceled(var value) = blank(type) else { break }
            value.timerID = try fields.string("timerId")
            value.startedEventID = try fields.int64("startedEventId")
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.identity = try fields.string("identity")
            return .timerCanceled(value)
        case .workflowExecutionCancelRequested:
            guard case .workflowExecutionCancelRequested(var value) = blank(type) else { break }
            value.cause = try fields.string("cause")
            value.externalInitiatedEventID = try fields.int64("externalInitiatedEventId")
            value.externalExecution = try fields.execution("externalWorkflowExecution")
            value.identity = try fields.string("identity")
            return .workflowExecutionCancelRequested(value)
        case .workflowExecutionSignaled:
            guard case .workflowExecutionSignaled(var value) = blank(type) else { break }
            value.signalName = try fields.string("signalName")
            value.input = try fields.payloads("input")
            value.identity = try fields.string("identity")
            value.header = try fields.payloadMap("header")
            return .workflowExecutionSignaled(value)
        case .markerRecorded:
            guard case .markerRecorded(var value) = blank(type) else { break }
            value.markerName = try fields.string("markerName")
            value.details = try fields.map("details", payloads)
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.header = try fields.payloadMap("header")
            value.failure = try fields.failure("failure")
            return .markerRecorded(value)
        case .startChildWorkflowExecutionInitiated:
            guard case .startChildWorkflowExecutionInitiated(var value) = blank(type) else { break }
            try decode(&value, fields)
            return .startChildWorkflowExecutionInitiated(value)
        case .startChildWorkflowExecutionFailed:
            guard case .startChildWorkflowExecutionFailed(var value) = blank(type) else { break }
            value.namespace = try fields.string("namespace")
            value.workflowID = WorkflowID(try fields.string("workflowId"))
            value.workflowType = try fields.typeName("workflowType")
            value.cause = try fields.requiredEnumeration("cause", startChildFailedCause)
            value.initiatedEventID = try fields.int64("initiatedEventId")
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            return .startChildWorkflowExecutionFailed(value)
        case .childWorkflowExecutionStarted:
            guard case .childWorkflowExecutionStarted(var value) = blank(type) else { break }
            value.namespace = try fields.string("namespace")
            value.initiatedEventID = try fields.int64("initiatedEventId")
            value.execution = try fields.requiredExecution("workflowExecution")
            value.workflowType = try fields.typeName("workflowType")
            return .childWorkflowExecutionStarted(value)
        case .childWorkflowExecutionCompleted:
            guard case .childWorkflowExecutionCompleted(var value) = blank(type) else { break }
            value.result = try fields.payloads("result")
            let child = try ChildFields(fields)
            (value.namespace, value.execution, value.workflowType) = (child.namespace, child.execution, child.type)
            (value.initiatedEventID, value.startedEventID) = (child.initiatedEventID, child.startedEventID)
            return .childWorkflowExecutionCompleted(value)
        case .childWorkflowExecutionFailed:
            guard case .childWorkflowExecutionFailed(var value) = blank(type) else { break }
            value.failure = try fields.requiredFailure("failure")
            let child = try ChildFields(fields)
            (value.namespace, value.execution, value.workflowType) = (child.namespace, child.execution, child.type)
            (value.initiatedEventID, value.startedEventID) = (child.initiatedEventID, child.startedEventID)
            value.retryState = try fields.enumeration("retryState", retryState) ?? .unspecified
            return .childWorkflowExecutionFailed(value)
        case .childWorkflowExecutionCanceled:
            guard case .childWorkflowExecutionCanceled(var value) = blank(type) else { break }
            value.details = try fields.payloads("details")
            let child = try ChildFields(fields)
            (value.namespace, value.execution, value.workflowType) = (child.namespace, child.execution, child.type)
            (value.initiatedEventID, value.startedEventID) = (child.initiatedEventID, child.startedEventID)
            return .childWorkflowExecutionCanceled(value)
        case .childWorkflowExecutionTimedOut:
            guard case .childWorkflowExecutionTimedOut(var value) = blank(type) else { break }
            let child = try ChildFields(fields)
            (value.namespace, value.execution, value.workflowType) = (child.namespace, child.execution, child.type)
            (value.initiatedEventID, value.startedEventID) = (child.initiatedEventID, child.startedEventID)
            value.retryState = try fields.enumeration("retryState", retryState) ?? .unspecified
            return .childWorkflowExecutionTimedOut(value)
        case .childWorkflowExecutionTerminated:
            guard case .childWorkflowExecutionTerminated(var value) = blank(type) else { break }
            let child = try ChildFields(fields)
            (value.namespace, value.execution, value.workflowType) = (child.namespace, child.execution, child.type)
            (value.initiatedEventID, value.startedEventID) = (child.initiatedEventID, child.startedEventID)
            return .childWorkflowExecutionTerminated(value)
        case .requestCancelExternalWorkflowExecutionInitiated:
            guard case .requestCancelExternalWorkflowExecutionInitiated(var value) = blank(type) else { break }
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.namespace = try fields.string("namespace")
            value.execution = try fields.requiredExecution("workflowExecution")
            value.childWorkflowOnly = try fields.bool("childWorkflowOnly")
            value.reason = try fields.string("reason")
            return .requestCancelExternalWorkflowExecutionInitiated(value)
        case .requestCancelExternalWorkflowExecutionFailed:
            guard case .requestCancelExternalWorkflowExecutionFailed(var value) = blank(type) else { break }
            value.cause = try fields.requiredEnumeration("cause", cancelExternalFailedCause)
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.namespace = try fields.string("namespace")
            value.execution = try fields.requiredExecution("workflowExecution")
            value.initiatedEventID = try fields.int64("initiatedEventId")
            return .requestCancelExternalWorkflowExecutionFailed(value)
        case .externalWorkflowExecutionCancelRequested:
            guard case .externalWorkflowExecutionCancelRequested(var value) = blank(type) else { break }
            value.initiatedEventID = try fields.int64("initiatedEventId")
            value.namespace = try fields.string("namespace")
            value.execution = try fields.requiredExecution("workflowExecution")
            return .externalWorkflowExecutionCancelRequested(value)
        case .signalExternalWorkflowExecutionInitiated:
            guard case .signalExternalWorkflowExecutionInitiated(var value) = blank(type) else { break }
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.namespace = try fields.string("namespace")
            value.execution = try fields.requiredExecution("workflowExecution")
            value.signalName = try fields.string("signalName")
            value.input = try fields.payloads("input")
            value.childWorkflowOnly = try fields.bool("childWorkflowOnly")
            value.header = try fields.payloadMap("header")
            return .signalExternalWorkflowExecutionInitiated(value)
        case .signalExternalWorkflowExecutionFailed:
            guard case .signalExternalWorkflowExecutionFailed(var value) = blank(type) else { break }
            value.cause = try fields.requiredEnumeration("cause", signalExternalFailedCause)
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.namespace = try fields.string("namespace")
            value.execution = try fields.requiredExecution("workflowExecution")
            value.initiatedEventID = try fields.int64("initiatedEventId")
            return .signalExternalWorkflowExecutionFailed(value)
        case .externalWorkflowExecutionSignaled:
            guard case .externalWorkflowExecutionSignaled(var value) = blank(type) else { break }
            value.initiatedEventID = try fields.int64("initiatedEventId")
            value.namespace = try fields.string("namespace")
            value.execution = try fields.requiredExecution("workflowExecution")
            return .externalWorkflowExecutionSignaled(value)
        case .upsertWorkflowSearchAttributes:
            guard case .upsertWorkflowSearchAttributes(var value) = blank(type) else { break }
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.searchAttributes = try fields.searchAttributes("searchAttributes")
            return .upsertWorkflowSearchAttributes(value)
        case .workflowPropertiesModified:
            guard case .workflowPropertiesModified(var value) = blank(type) else { break }
            value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
            value.upsertedMemo = try fields.payloadMap("upsertedMemo")
            return .workflowPropertiesModified(value)
        case .workflowExecutionUpdateAccepted:
            guard case .workflowExecutionUpdateAccepted(var value) = blank(type) else { break }
            value.protocolInstanceID = try fields.string("protocolInstanceId")
            value.acceptedRequestMessageID = try fields.string("acceptedRequestMessageId")
            value.acceptedRequestSequencingEventID = try fields.int64("acceptedRequestSequencingEventId")
            value.acceptedRequest = try fields.read("acceptedRequest", updateRequest) ?? blankUpdateRequest
            return .workflowExecutionUpdateAccepted(value)
        case .workflowExecutionUpdateCompleted:
            guard case .workflowExecutionUpdateCompleted(var value) = blank(type) else { break }
            let meta = try fields.message("meta")
            value.updateID = try meta?.string("updateId") ?? ""
            value.identity = try meta?.string("identity") ?? ""
            value.acceptedEventID = try fields.int64("acceptedEventId")
            guard let outcome = try fields.read("outcome", updateOutcome) else {
                throw HistoryJSONError(.missingField, expected: "an outcome", found: "nothing")
            }
            value.outcome = outcome
            return .workflowExecutionUpdateCompleted(value)
        }
        preconditionFailure("the blank attributes of \(type) are of another type")
    }

    private static func decode(_ value: inout WorkflowExecutionStarted, _ fields: Fields) throws(HistoryJSONError) {
        value.workflowType = try fields.typeName("workflowType")
        // Temporal spreads the parent over three members; the execution says whether there is one.
        if let execution = try fields.execution("parentWorkflowExecution") {
            var parent = blankParent
            parent.namespace = try fields.string("parentWorkflowNamespace")
            parent.execution = execution
            parent.initiatedEventID = try fields.int64("parentInitiatedEventId")
            value.parent = parent
        } else {
            value.parent = nil
        }
        value.taskQueue = try fields.taskQueue("taskQueue")
        value.input = try fields.payloads("input")
        value.executionTimeout = try fields.duration("workflowExecutionTimeout")
        value.runTimeout = try fields.duration("workflowRunTimeout")
        value.taskTimeout = try fields.duration("workflowTaskTimeout") ?? .zero
        value.continuedFromRunID = try fields.optionalString("continuedExecutionRunId").map { RunID($0) }
        value.initiator = try fields.enumeration("initiator", continueAsNewInitiator)
        value.continuedFailure = try fields.failure("continuedFailure")
        value.lastCompletionResult = try fields.payloads("lastCompletionResult")
        value.originalRunID = RunID(try fields.string("originalExecutionRunId"))
        value.identity = try fields.string("identity")
        value.firstRunID = RunID(try fields.string("firstExecutionRunId"))
        value.retryPolicy = try fields.retryPolicy("retryPolicy")
        value.attempt = try fields.int32("attempt")
        value.executionExpirationTime = try fields.timestamp("workflowExecutionExpirationTime")
        value.firstWorkflowTaskBackoff = try fields.duration("firstWorkflowTaskBackoff")
        value.memo = try fields.payloadMap("memo")
        value.searchAttributes = try fields.searchAttributes("searchAttributes")
        value.header = try fields.payloadMap("header")
        value.requestID = try fields.string("requestId")
    }

    private static func decode(
        _ value: inout WorkflowExecutionContinuedAsNew, _ fields: Fields
    ) throws(HistoryJSONError) {
        value.newExecutionRunID = RunID(try fields.string("newExecutionRunId"))
        value.workflowType = try fields.typeName("workflowType")
        value.taskQueue = try fields.taskQueue("taskQueue")
        value.input = try fields.payloads("input")
        value.runTimeout = try fields.duration("workflowRunTimeout")
        value.taskTimeout = try fields.duration("workflowTaskTimeout") ?? .zero
        value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
        value.backoffStartInterval = try fields.duration("backoffStartInterval")
        value.initiator = try fields.requiredEnumeration("initiator", continueAsNewInitiator)
        value.failure = try fields.failure("failure")
        value.lastCompletionResult = try fields.payloads("lastCompletionResult")
        value.header = try fields.payloadMap("header")
        value.memo = try fields.payloadMap("memo")
        value.searchAttributes = try fields.searchAttributes("searchAttributes")
    }

    private static func decode(_ value: inout ActivityTaskScheduled, _ fields: Fields) throws(HistoryJSONError) {
        value.activityID = try fields.string("activityId")
        value.activityType = try fields.typeName("activityType")
        value.taskQueue = try fields.taskQueue("taskQueue")
        value.header = try fields.payloadMap("header")
        value.input = try fields.payloads("input")
        value.scheduleToCloseTimeout = try fields.duration("scheduleToCloseTimeout")
        value.scheduleToStartTimeout = try fields.duration("scheduleToStartTimeout")
        value.startToCloseTimeout = try fields.duration("startToCloseTimeout")
        value.heartbeatTimeout = try fields.duration("heartbeatTimeout")
        value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
        value.retryPolicy = try fields.retryPolicy("retryPolicy")
    }

    private static func decode(
        _ value: inout StartChildWorkflowExecutionInitiated, _ fields: Fields
    ) throws(HistoryJSONError) {
        value.namespace = try fields.string("namespace")
        value.workflowID = WorkflowID(try fields.string("workflowId"))
        value.workflowType = try fields.typeName("workflowType")
        value.taskQueue = try fields.taskQueue("taskQueue")
        value.input = try fields.payloads("input")
        value.executionTimeout = try fields.duration("workflowExecutionTimeout")
        value.runTimeout = try fields.duration("workflowRunTimeout")
        value.taskTimeout = try fields.duration("workflowTaskTimeout") ?? .zero
        // Temporal documents Terminate and AllowDuplicate as what an unspecified policy means.
        value.parentClosePolicy = try fields.requiredEnumeration(
            "parentClosePolicy", parentClosePolicy, default: .terminate)
        value.workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
        value.workflowIDReusePolicy = try fields.requiredEnumeration(
            "workflowIdReusePolicy", workflowIDReusePolicy, default: .allowDuplicate)
        value.retryPolicy = try fields.retryPolicy("retryPolicy")
        value.header = try fields.payloadMap("header")
        value.memo = try fields.payloadMap("memo")
        value.searchAttributes = try fields.searchAttributes("searchAttributes")
    }

    /// The members the closing events of a child workflow share.
    private struct ChildFields {
        var namespace: String
        var execution: WorkflowExecution
        var type: String
        var initiatedEventID: Int64
        var startedEventID: Int64

        init(_ fields: Fields) throws(HistoryJSONError) {
            namespace = try fields.string("namespace")
            execution = try fields.requiredExecution("workflowExecution")
            type = try fields.typeName("workflowType")
            initiatedEventID = try fields.int64("initiatedEventId")
            startedEventID = try fields.int64("startedEventId")
        }
    }

    private static func updateRequest(_ value: Value) throws(HistoryJSONError) -> UpdateRequest {
        let fields = try Fields(value, expected: "an update Request object")
        var request = blankUpdateRequest
        let meta = try fields.message("meta")
        request.updateID = try meta?.string("updateId") ?? ""
        request.identity = try meta?.string("identity") ?? ""
        let input = try fields.message("input")
        request.name = try input?.string("name") ?? ""
        request.input = try input?.payloads("args") ?? []
        request.header = try input?.payloadMap("header") ?? [:]
        return request
    }

    /// Reads an update `Outcome`: exactly one of `success` (payloads) and `failure`.
    private static func updateOutcome(_ value: Value) throws(HistoryJSONError) -> UpdateOutcome {
        let fields = try Fields(value, expected: "an update Outcome object")
        let success = try fields.read("success", payloads)
        let failure = try fields.failure("failure")
        switch (success, failure) {
        case (let payloads?, nil): return .success(payloads)
        case (nil, let failure?): return .failure(failure)
        case (.some, .some):
            throw HistoryJSONError(.invalidValue, expected: "one of success and failure", found: "both")
        case (nil, nil):
            throw HistoryJSONError(.missingField, expected: "success or failure", found: "neither")
        }
    }
}
