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

    // Each case reads the members of its attributes in one fixed order, so that of several bad members the
    // same one is always reported, and passes every property to the attributes' initializer.
    static func decodeAttributes(_ type: EventType, _ fields: Fields) throws(HistoryJSONError) -> EventAttributes {
        switch type {
        case .workflowExecutionStarted:
            return .workflowExecutionStarted(try workflowExecutionStarted(fields))
        case .workflowExecutionCompleted:
            return try .workflowExecutionCompleted(
                WorkflowExecutionCompleted(
                    result: fields.payloads("result"),
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    newExecutionRunID: fields.optionalString("newExecutionRunId").map { RunID($0) }))
        case .workflowExecutionFailed:
            return try .workflowExecutionFailed(
                WorkflowExecutionFailed(
                    failure: fields.requiredFailure("failure"),
                    retryState: fields.enumeration("retryState", retryState) ?? .unspecified,
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    newExecutionRunID: fields.optionalString("newExecutionRunId").map { RunID($0) }))
        case .workflowExecutionTimedOut:
            return try .workflowExecutionTimedOut(
                WorkflowExecutionTimedOut(
                    retryState: fields.enumeration("retryState", retryState) ?? .unspecified,
                    newExecutionRunID: fields.optionalString("newExecutionRunId").map { RunID($0) }))
        case .workflowExecutionCanceled:
            return try .workflowExecutionCanceled(
                WorkflowExecutionCanceled(
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    details: fields.payloads("details")))
        case .workflowExecutionTerminated:
            return try .workflowExecutionTerminated(
                WorkflowExecutionTerminated(
                    reason: fields.string("reason"), details: fields.payloads("details"),
                    identity: fields.string("identity")))
        case .workflowExecutionContinuedAsNew:
            return .workflowExecutionContinuedAsNew(try workflowExecutionContinuedAsNew(fields))
        case .workflowTaskScheduled:
            return try .workflowTaskScheduled(
                WorkflowTaskScheduled(
                    taskQueue: fields.taskQueue("taskQueue"),
                    startToCloseTimeout: fields.duration("startToCloseTimeout") ?? .zero,
                    attempt: fields.int32("attempt")))
        case .workflowTaskStarted:
            return try .workflowTaskStarted(
                WorkflowTaskStarted(
                    scheduledEventID: fields.int64("scheduledEventId"), identity: fields.string("identity"),
                    requestID: fields.string("requestId"), suggestContinueAsNew: fields.bool("suggestContinueAsNew"),
                    historySizeBytes: fields.int64("historySizeBytes")))
        case .workflowTaskCompleted:
            return try .workflowTaskCompleted(
                WorkflowTaskCompleted(
                    scheduledEventID: fields.int64("scheduledEventId"), startedEventID: fields.int64("startedEventId"),
                    identity: fields.string("identity"), binaryChecksum: fields.string("binaryChecksum")))
        case .workflowTaskTimedOut:
            return try .workflowTaskTimedOut(
                WorkflowTaskTimedOut(
                    scheduledEventID: fields.int64("scheduledEventId"), startedEventID: fields.int64("startedEventId"),
                    timeoutType: fields.enumeration("timeoutType", timeoutType) ?? .unspecified))
        case .workflowTaskFailed:
            return try .workflowTaskFailed(
                WorkflowTaskFailed(
                    scheduledEventID: fields.int64("scheduledEventId"), startedEventID: fields.int64("startedEventId"),
                    cause: fields.requiredEnumeration("cause", workflowTaskFailedCause),
                    failure: fields.failure("failure"), identity: fields.string("identity")))
        case .activityTaskScheduled:
            return try .activityTaskScheduled(
                ActivityTaskScheduled(
                    activityID: fields.string("activityId"), activityType: fields.typeName("activityType"),
                    taskQueue: fields.taskQueue("taskQueue"), header: fields.payloadMap("header"),
                    input: fields.payloads("input"),
                    scheduleToCloseTimeout: fields.duration("scheduleToCloseTimeout"),
                    scheduleToStartTimeout: fields.duration("scheduleToStartTimeout"),
                    startToCloseTimeout: fields.duration("startToCloseTimeout"),
                    heartbeatTimeout: fields.duration("heartbeatTimeout"),
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    retryPolicy: fields.retryPolicy("retryPolicy")))
        case .activityTaskStarted:
            return try .activityTaskStarted(
                ActivityTaskStarted(
                    scheduledEventID: fields.int64("scheduledEventId"), identity: fields.string("identity"),
                    requestID: fields.string("requestId"), attempt: fields.int32("attempt"),
                    lastFailure: fields.failure("lastFailure")))
        case .activityTaskCompleted:
            return try .activityTaskCompleted(
                ActivityTaskCompleted(
                    result: fields.payloads("result"), scheduledEventID: fields.int64("scheduledEventId"),
                    startedEventID: fields.int64("startedEventId"), identity: fields.string("identity")))
        case .activityTaskFailed:
            return try .activityTaskFailed(
                ActivityTaskFailed(
                    failure: fields.requiredFailure("failure"), scheduledEventID: fields.int64("scheduledEventId"),
                    startedEventID: fields.int64("startedEventId"), identity: fields.string("identity"),
                    retryState: fields.enumeration("retryState", retryState) ?? .unspecified))
        case .activityTaskTimedOut:
            return try .activityTaskTimedOut(
                ActivityTaskTimedOut(
                    failure: fields.requiredFailure("failure"), scheduledEventID: fields.int64("scheduledEventId"),
                    startedEventID: fields.int64("startedEventId"),
                    retryState: fields.enumeration("retryState", retryState) ?? .unspecified))
        case .activityTaskCancelRequested:
            return try .activityTaskCancelRequested(
                ActivityTaskCancelRequested(
                    scheduledEventID: fields.int64("scheduledEventId"),
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId")))
        case .activityTaskCanceled:
            return try .activityTaskCanceled(
                ActivityTaskCanceled(
                    details: fields.payloads("details"),
                    latestCancelRequestedEventID: fields.int64("latestCancelRequestedEventId"),
                    scheduledEventID: fields.int64("scheduledEventId"), startedEventID: fields.int64("startedEventId"),
                    identity: fields.string("identity")))
        case .timerStarted:
            return try .timerStarted(
                TimerStarted(
                    timerID: fields.string("timerId"),
                    startToFireTimeout: fields.duration("startToFireTimeout") ?? .zero,
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId")))
        case .timerFired:
            return try .timerFired(
                TimerFired(timerID: fields.string("timerId"), startedEventID: fields.int64("startedEventId")))
        case .timerCanceled:
            return try .timerCanceled(
                TimerCanceled(
                    timerID: fields.string("timerId"), startedEventID: fields.int64("startedEventId"),
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    identity: fields.string("identity")))
        case .workflowExecutionCancelRequested:
            return try .workflowExecutionCancelRequested(
                WorkflowExecutionCancelRequested(
                    cause: fields.string("cause"),
                    externalInitiatedEventID: fields.int64("externalInitiatedEventId"),
                    externalExecution: fields.execution("externalWorkflowExecution"),
                    identity: fields.string("identity")))
        case .workflowExecutionSignaled:
            return try .workflowExecutionSignaled(
                WorkflowExecutionSignaled(
                    signalName: fields.string("signalName"), input: fields.payloads("input"),
                    identity: fields.string("identity"), header: fields.payloadMap("header")))
        case .markerRecorded:
            return try .markerRecorded(
                MarkerRecorded(
                    markerName: fields.string("markerName"), details: fields.map("details", payloads),
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    header: fields.payloadMap("header"), failure: fields.failure("failure")))
        case .startChildWorkflowExecutionInitiated:
            return try .startChildWorkflowExecutionInitiated(
                StartChildWorkflowExecutionInitiated(
                    namespace: fields.string("namespace"), workflowID: WorkflowID(fields.string("workflowId")),
                    workflowType: fields.typeName("workflowType"), taskQueue: fields.taskQueue("taskQueue"),
                    input: fields.payloads("input"), executionTimeout: fields.duration("workflowExecutionTimeout"),
                    runTimeout: fields.duration("workflowRunTimeout"),
                    taskTimeout: fields.duration("workflowTaskTimeout") ?? .zero,
                    // Temporal documents Terminate and AllowDuplicate as what an unspecified policy means.
                    parentClosePolicy: fields.requiredEnumeration(
                        "parentClosePolicy", parentClosePolicy, default: .terminate),
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    workflowIDReusePolicy: fields.requiredEnumeration(
                        "workflowIdReusePolicy", workflowIDReusePolicy, default: .allowDuplicate),
                    retryPolicy: fields.retryPolicy("retryPolicy"), header: fields.payloadMap("header"),
                    memo: fields.payloadMap("memo"), searchAttributes: fields.searchAttributes("searchAttributes")))
        case .startChildWorkflowExecutionFailed:
            return try .startChildWorkflowExecutionFailed(
                StartChildWorkflowExecutionFailed(
                    namespace: fields.string("namespace"), workflowID: WorkflowID(fields.string("workflowId")),
                    workflowType: fields.typeName("workflowType"),
                    cause: fields.requiredEnumeration("cause", startChildFailedCause),
                    initiatedEventID: fields.int64("initiatedEventId"),
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId")))
        case .childWorkflowExecutionStarted:
            return try .childWorkflowExecutionStarted(
                ChildWorkflowExecutionStarted(
                    namespace: fields.string("namespace"), initiatedEventID: fields.int64("initiatedEventId"),
                    execution: fields.requiredExecution("workflowExecution"),
                    workflowType: fields.typeName("workflowType")))
        case .childWorkflowExecutionCompleted:
            return try .childWorkflowExecutionCompleted(
                ChildWorkflowExecutionCompleted(
                    result: fields.payloads("result"), namespace: fields.string("namespace"),
                    execution: fields.requiredExecution("workflowExecution"),
                    workflowType: fields.typeName("workflowType"), initiatedEventID: fields.int64("initiatedEventId"),
                    startedEventID: fields.int64("startedEventId")))
        case .childWorkflowExecutionFailed:
            return try .childWorkflowExecutionFailed(
                ChildWorkflowExecutionFailed(
                    failure: fields.requiredFailure("failure"), namespace: fields.string("namespace"),
                    execution: fields.requiredExecution("workflowExecution"),
                    workflowType: fields.typeName("workflowType"), initiatedEventID: fields.int64("initiatedEventId"),
                    startedEventID: fields.int64("startedEventId"),
                    retryState: fields.enumeration("retryState", retryState) ?? .unspecified))
        case .childWorkflowExecutionCanceled:
            return try .childWorkflowExecutionCanceled(
                ChildWorkflowExecutionCanceled(
                    details: fields.payloads("details"), namespace: fields.string("namespace"),
                    execution: fields.requiredExecution("workflowExecution"),
                    workflowType: fields.typeName("workflowType"), initiatedEventID: fields.int64("initiatedEventId"),
                    startedEventID: fields.int64("startedEventId")))
        case .childWorkflowExecutionTimedOut:
            return try .childWorkflowExecutionTimedOut(
                ChildWorkflowExecutionTimedOut(
                    namespace: fields.string("namespace"), execution: fields.requiredExecution("workflowExecution"),
                    workflowType: fields.typeName("workflowType"), initiatedEventID: fields.int64("initiatedEventId"),
                    startedEventID: fields.int64("startedEventId"),
                    retryState: fields.enumeration("retryState", retryState) ?? .unspecified))
        case .childWorkflowExecutionTerminated:
            return try .childWorkflowExecutionTerminated(
                ChildWorkflowExecutionTerminated(
                    namespace: fields.string("namespace"), execution: fields.requiredExecution("workflowExecution"),
                    workflowType: fields.typeName("workflowType"), initiatedEventID: fields.int64("initiatedEventId"),
                    startedEventID: fields.int64("startedEventId")))
        case .requestCancelExternalWorkflowExecutionInitiated:
            return try .requestCancelExternalWorkflowExecutionInitiated(
                RequestCancelExternalWorkflowExecutionInitiated(
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    namespace: fields.string("namespace"), execution: fields.requiredExecution("workflowExecution"),
                    childWorkflowOnly: fields.bool("childWorkflowOnly"), reason: fields.string("reason")))
        case .requestCancelExternalWorkflowExecutionFailed:
            return try .requestCancelExternalWorkflowExecutionFailed(
                RequestCancelExternalWorkflowExecutionFailed(
                    cause: fields.requiredEnumeration("cause", cancelExternalFailedCause),
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    namespace: fields.string("namespace"), execution: fields.requiredExecution("workflowExecution"),
                    initiatedEventID: fields.int64("initiatedEventId")))
        case .externalWorkflowExecutionCancelRequested:
            return try .externalWorkflowExecutionCancelRequested(
                ExternalWorkflowExecutionCancelRequested(
                    initiatedEventID: fields.int64("initiatedEventId"), namespace: fields.string("namespace"),
                    execution: fields.requiredExecution("workflowExecution")))
        case .signalExternalWorkflowExecutionInitiated:
            return try .signalExternalWorkflowExecutionInitiated(
                SignalExternalWorkflowExecutionInitiated(
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    namespace: fields.string("namespace"), execution: fields.requiredExecution("workflowExecution"),
                    signalName: fields.string("signalName"), input: fields.payloads("input"),
                    childWorkflowOnly: fields.bool("childWorkflowOnly"), header: fields.payloadMap("header")))
        case .signalExternalWorkflowExecutionFailed:
            return try .signalExternalWorkflowExecutionFailed(
                SignalExternalWorkflowExecutionFailed(
                    cause: fields.requiredEnumeration("cause", signalExternalFailedCause),
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    namespace: fields.string("namespace"), execution: fields.requiredExecution("workflowExecution"),
                    initiatedEventID: fields.int64("initiatedEventId")))
        case .externalWorkflowExecutionSignaled:
            return try .externalWorkflowExecutionSignaled(
                ExternalWorkflowExecutionSignaled(
                    initiatedEventID: fields.int64("initiatedEventId"), namespace: fields.string("namespace"),
                    execution: fields.requiredExecution("workflowExecution")))
        case .upsertWorkflowSearchAttributes:
            return try .upsertWorkflowSearchAttributes(
                UpsertWorkflowSearchAttributes(
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    searchAttributes: fields.searchAttributes("searchAttributes")))
        case .workflowPropertiesModified:
            return try .workflowPropertiesModified(
                WorkflowPropertiesModified(
                    workflowTaskCompletedEventID: fields.int64("workflowTaskCompletedEventId"),
                    upsertedMemo: fields.payloadMap("upsertedMemo")))
        case .workflowExecutionUpdateAccepted:
            return try .workflowExecutionUpdateAccepted(
                WorkflowExecutionUpdateAccepted(
                    protocolInstanceID: fields.string("protocolInstanceId"),
                    acceptedRequestMessageID: fields.string("acceptedRequestMessageId"),
                    acceptedRequestSequencingEventID: fields.int64("acceptedRequestSequencingEventId"),
                    acceptedRequest: fields.read("acceptedRequest", updateRequest)
                        ?? UpdateRequest(updateID: "", name: "")))
        case .workflowExecutionUpdateCompleted:
            let meta = try fields.message("meta")
            let updateID = try meta?.string("updateId") ?? ""
            let identity = try meta?.string("identity") ?? ""
            let acceptedEventID = try fields.int64("acceptedEventId")
            guard let outcome = try fields.read("outcome", updateOutcome) else {
                throw HistoryJSONError(.missingField, expected: "an outcome", found: "nothing")
            }
            return .workflowExecutionUpdateCompleted(
                WorkflowExecutionUpdateCompleted(
                    updateID: updateID, identity: identity, acceptedEventID: acceptedEventID, outcome: outcome))
        }
    }

    /// Reads the attributes of a `WorkflowExecutionStarted` event.
    private static func workflowExecutionStarted(
        _ fields: Fields
    ) throws(HistoryJSONError) -> WorkflowExecutionStarted {
        let workflowType = try fields.typeName("workflowType")
        // Temporal spreads the parent over three members; the execution says whether there is one.
        var parent: ParentExecutionInfo?
        if let execution = try fields.execution("parentWorkflowExecution") {
            parent = try ParentExecutionInfo(
                namespace: fields.string("parentWorkflowNamespace"), execution: execution,
                initiatedEventID: fields.int64("parentInitiatedEventId"))
        }
        let taskQueue = try fields.taskQueue("taskQueue")
        let input = try fields.payloads("input")
        let executionTimeout = try fields.duration("workflowExecutionTimeout")
        let runTimeout = try fields.duration("workflowRunTimeout")
        let taskTimeout = try fields.duration("workflowTaskTimeout") ?? .zero
        let continuedFromRunID = try fields.optionalString("continuedExecutionRunId").map { RunID($0) }
        let initiator = try fields.enumeration("initiator", continueAsNewInitiator)
        let continuedFailure = try fields.failure("continuedFailure")
        let lastCompletionResult = try fields.payloads("lastCompletionResult")
        let originalRunID = RunID(try fields.string("originalExecutionRunId"))
        let identity = try fields.string("identity")
        let firstRunID = RunID(try fields.string("firstExecutionRunId"))
        let retryPolicy = try fields.retryPolicy("retryPolicy")
        let attempt = try fields.int32("attempt")
        let executionExpirationTime = try fields.timestamp("workflowExecutionExpirationTime")
        let firstWorkflowTaskBackoff = try fields.duration("firstWorkflowTaskBackoff")
        let memo = try fields.payloadMap("memo")
        let searchAttributes = try fields.searchAttributes("searchAttributes")
        let header = try fields.payloadMap("header")
        let requestID = try fields.string("requestId")
        return WorkflowExecutionStarted(
            workflowType: workflowType, taskQueue: taskQueue, input: input, executionTimeout: executionTimeout,
            runTimeout: runTimeout, taskTimeout: taskTimeout, parent: parent, continuedFromRunID: continuedFromRunID,
            initiator: initiator, continuedFailure: continuedFailure, lastCompletionResult: lastCompletionResult,
            originalRunID: originalRunID, firstRunID: firstRunID, identity: identity, attempt: attempt,
            executionExpirationTime: executionExpirationTime, firstWorkflowTaskBackoff: firstWorkflowTaskBackoff,
            retryPolicy: retryPolicy, memo: memo, searchAttributes: searchAttributes, header: header,
            requestID: requestID)
    }

    /// Reads the attributes of a `WorkflowExecutionContinuedAsNew` event.
    private static func workflowExecutionContinuedAsNew(
        _ fields: Fields
    ) throws(HistoryJSONError) -> WorkflowExecutionContinuedAsNew {
        let newExecutionRunID = RunID(try fields.string("newExecutionRunId"))
        let workflowType = try fields.typeName("workflowType")
        let taskQueue = try fields.taskQueue("taskQueue")
        let input = try fields.payloads("input")
        let runTimeout = try fields.duration("workflowRunTimeout")
        let taskTimeout = try fields.duration("workflowTaskTimeout") ?? .zero
        let workflowTaskCompletedEventID = try fields.int64("workflowTaskCompletedEventId")
        let backoffStartInterval = try fields.duration("backoffStartInterval")
        let initiator = try fields.requiredEnumeration("initiator", continueAsNewInitiator)
        let failure = try fields.failure("failure")
        let lastCompletionResult = try fields.payloads("lastCompletionResult")
        let header = try fields.payloadMap("header")
        let memo = try fields.payloadMap("memo")
        let searchAttributes = try fields.searchAttributes("searchAttributes")
        return WorkflowExecutionContinuedAsNew(
            newExecutionRunID: newExecutionRunID, workflowType: workflowType, taskQueue: taskQueue, input: input,
            runTimeout: runTimeout, taskTimeout: taskTimeout,
            workflowTaskCompletedEventID: workflowTaskCompletedEventID,
            backoffStartInterval: backoffStartInterval, initiator: initiator, failure: failure,
            lastCompletionResult: lastCompletionResult, memo: memo, searchAttributes: searchAttributes, header: header)
    }

    /// Reads an update `Request`: its `meta` (update id and identity) and its `input` (name, args, header).
    private static func updateRequest(_ value: Value) throws(HistoryJSONError) -> UpdateRequest {
        let fields = try Fields(value, expected: "an update Request object")
        let meta = try fields.message("meta")
        let updateID = try meta?.string("updateId") ?? ""
        let identity = try meta?.string("identity") ?? ""
        let input = try fields.message("input")
        return try UpdateRequest(
            updateID: updateID, name: input?.string("name") ?? "", input: input?.payloads("args") ?? [],
            header: input?.payloadMap("header") ?? [:], identity: identity)
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

    // MARK: - Defaults

    /// Returns the attributes of an event of type `type` with every field at its default: numbers zero,
    /// strings, lists and maps empty, optionals nil, task queues and executions with empty names, required
    /// enumerations at their first case, a required failure a terminated one with no message, and an update
    /// outcome a success with no payloads.
    static func blank(_ type: EventType) -> EventAttributes {
        let failure = Failure(message: "", info: .terminated)
        let queue = TaskQueue(name: "")
        let execution = WorkflowExecution(workflowID: "", runID: "")
        switch type {
        case .workflowExecutionStarted:
            return .workflowExecutionStarted(
                WorkflowExecutionStarted(
                    workflowType: "", taskQueue: queue, taskTimeout: .zero, originalRunID: "", firstRunID: "",
                    attempt: 0))
        case .workflowExecutionCompleted:
            return .workflowExecutionCompleted(WorkflowExecutionCompleted(workflowTaskCompletedEventID: 0))
        case .workflowExecutionFailed:
            return .workflowExecutionFailed(WorkflowExecutionFailed(failure: failure, workflowTaskCompletedEventID: 0))
        case .workflowExecutionTimedOut:
            return .workflowExecutionTimedOut(WorkflowExecutionTimedOut())
        case .workflowExecutionCanceled:
            return .workflowExecutionCanceled(WorkflowExecutionCanceled(workflowTaskCompletedEventID: 0))
        case .workflowExecutionTerminated:
            return .workflowExecutionTerminated(WorkflowExecutionTerminated())
        case .workflowExecutionContinuedAsNew:
            return .workflowExecutionContinuedAsNew(
                WorkflowExecutionContinuedAsNew(
                    newExecutionRunID: "", workflowType: "", taskQueue: queue, taskTimeout: .zero,
                    workflowTaskCompletedEventID: 0, initiator: .workflow))
        case .workflowTaskScheduled:
            return .workflowTaskScheduled(
                WorkflowTaskScheduled(taskQueue: queue, startToCloseTimeout: .zero, attempt: 0))
        case .workflowTaskStarted:
            return .workflowTaskStarted(WorkflowTaskStarted(scheduledEventID: 0))
        case .workflowTaskCompleted:
            return .workflowTaskCompleted(WorkflowTaskCompleted(scheduledEventID: 0, startedEventID: 0))
        case .workflowTaskTimedOut:
            return .workflowTaskTimedOut(
                WorkflowTaskTimedOut(scheduledEventID: 0, startedEventID: 0, timeoutType: .unspecified))
        case .workflowTaskFailed:
            return .workflowTaskFailed(
                WorkflowTaskFailed(scheduledEventID: 0, startedEventID: 0, cause: .unhandledCommand))
        case .activityTaskScheduled:
            return .activityTaskScheduled(
                ActivityTaskScheduled(
                    activityID: "", activityType: "", taskQueue: queue, workflowTaskCompletedEventID: 0))
        case .activityTaskStarted:
            return .activityTaskStarted(ActivityTaskStarted(scheduledEventID: 0, attempt: 0))
        case .activityTaskCompleted:
            return .activityTaskCompleted(ActivityTaskCompleted(scheduledEventID: 0, startedEventID: 0))
        case .activityTaskFailed:
            return .activityTaskFailed(ActivityTaskFailed(failure: failure, scheduledEventID: 0, startedEventID: 0))
        case .activityTaskTimedOut:
            return .activityTaskTimedOut(ActivityTaskTimedOut(failure: failure, scheduledEventID: 0, startedEventID: 0))
        case .activityTaskCancelRequested:
            return .activityTaskCancelRequested(
                ActivityTaskCancelRequested(scheduledEventID: 0, workflowTaskCompletedEventID: 0))
        case .activityTaskCanceled:
            return .activityTaskCanceled(
                ActivityTaskCanceled(latestCancelRequestedEventID: 0, scheduledEventID: 0, startedEventID: 0))
        case .timerStarted:
            return .timerStarted(TimerStarted(timerID: "", startToFireTimeout: .zero, workflowTaskCompletedEventID: 0))
        case .timerFired:
            return .timerFired(TimerFired(timerID: "", startedEventID: 0))
        case .timerCanceled:
            return .timerCanceled(TimerCanceled(timerID: "", startedEventID: 0, workflowTaskCompletedEventID: 0))
        case .workflowExecutionCancelRequested:
            return .workflowExecutionCancelRequested(WorkflowExecutionCancelRequested())
        case .workflowExecutionSignaled:
            return .workflowExecutionSignaled(WorkflowExecutionSignaled(signalName: ""))
        case .markerRecorded:
            return .markerRecorded(MarkerRecorded(markerName: "", workflowTaskCompletedEventID: 0))
        case .startChildWorkflowExecutionInitiated:
            return .startChildWorkflowExecutionInitiated(
                StartChildWorkflowExecutionInitiated(
                    namespace: "", workflowID: "", workflowType: "", taskQueue: queue, taskTimeout: .zero,
                    parentClosePolicy: .terminate, workflowTaskCompletedEventID: 0,
                    workflowIDReusePolicy: .allowDuplicate))
        case .startChildWorkflowExecutionFailed:
            return .startChildWorkflowExecutionFailed(
                StartChildWorkflowExecutionFailed(
                    namespace: "", workflowID: "", workflowType: "", cause: .workflowAlreadyExists, initiatedEventID: 0,
                    workflowTaskCompletedEventID: 0))
        case .childWorkflowExecutionStarted:
            return .childWorkflowExecutionStarted(
                ChildWorkflowExecutionStarted(
                    namespace: "", initiatedEventID: 0, execution: execution, workflowType: ""))
        case .childWorkflowExecutionCompleted:
            return .childWorkflowExecutionCompleted(
                ChildWorkflowExecutionCompleted(
                    namespace: "", execution: execution, workflowType: "", initiatedEventID: 0, startedEventID: 0))
        case .childWorkflowExecutionFailed:
            return .childWorkflowExecutionFailed(
                ChildWorkflowExecutionFailed(
                    failure: failure, namespace: "", execution: execution, workflowType: "", initiatedEventID: 0,
                    startedEventID: 0))
        case .childWorkflowExecutionCanceled:
            return .childWorkflowExecutionCanceled(
                ChildWorkflowExecutionCanceled(
                    namespace: "", execution: execution, workflowType: "", initiatedEventID: 0, startedEventID: 0))
        case .childWorkflowExecutionTimedOut:
            return .childWorkflowExecutionTimedOut(
                ChildWorkflowExecutionTimedOut(
                    namespace: "", execution: execution, workflowType: "", initiatedEventID: 0, startedEventID: 0))
        case .childWorkflowExecutionTerminated:
            return .childWorkflowExecutionTerminated(
                ChildWorkflowExecutionTerminated(
                    namespace: "", execution: execution, workflowType: "", initiatedEventID: 0, startedEventID: 0))
        case .requestCancelExternalWorkflowExecutionInitiated:
            return .requestCancelExternalWorkflowExecutionInitiated(
                RequestCancelExternalWorkflowExecutionInitiated(
                    workflowTaskCompletedEventID: 0, namespace: "", execution: execution))
        case .requestCancelExternalWorkflowExecutionFailed:
            return .requestCancelExternalWorkflowExecutionFailed(
                RequestCancelExternalWorkflowExecutionFailed(
                    cause: .workflowAlreadyExists, workflowTaskCompletedEventID: 0, namespace: "", execution: execution,
                    initiatedEventID: 0))
        case .externalWorkflowExecutionCancelRequested:
            return .externalWorkflowExecutionCancelRequested(
                ExternalWorkflowExecutionCancelRequested(initiatedEventID: 0, namespace: "", execution: execution))
        case .signalExternalWorkflowExecutionInitiated:
            return .signalExternalWorkflowExecutionInitiated(
                SignalExternalWorkflowExecutionInitiated(
                    workflowTaskCompletedEventID: 0, namespace: "", execution: execution, signalName: ""))
        case .signalExternalWorkflowExecutionFailed:
            return .signalExternalWorkflowExecutionFailed(
                SignalExternalWorkflowExecutionFailed(
                    cause: .workflowAlreadyExists, workflowTaskCompletedEventID: 0, namespace: "", execution: execution,
                    initiatedEventID: 0))
        case .externalWorkflowExecutionSignaled:
            return .externalWorkflowExecutionSignaled(
                ExternalWorkflowExecutionSignaled(initiatedEventID: 0, namespace: "", execution: execution))
        case .upsertWorkflowSearchAttributes:
            return .upsertWorkflowSearchAttributes(UpsertWorkflowSearchAttributes(workflowTaskCompletedEventID: 0))
        case .workflowPropertiesModified:
            return .workflowPropertiesModified(WorkflowPropertiesModified(workflowTaskCompletedEventID: 0))
        case .workflowExecutionUpdateAccepted:
            return .workflowExecutionUpdateAccepted(
                WorkflowExecutionUpdateAccepted(
                    protocolInstanceID: "", acceptedRequestMessageID: "", acceptedRequestSequencingEventID: 0,
                    acceptedRequest: UpdateRequest(updateID: "", name: "")))
        case .workflowExecutionUpdateCompleted:
            return .workflowExecutionUpdateCompleted(
                WorkflowExecutionUpdateCompleted(updateID: "", acceptedEventID: 0, outcome: .success([])))
        }
    }
}
