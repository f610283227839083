import KeelEngine

/// A seeded source of random history events, shared by the tests of the engine's binary codec
/// (`RandomEvents`) and of the SDK's JSON mapping (`RandomHistory`). A conforming generator supplies
/// the leaf values (integers, strings, payloads, failures...) with the distribution its tests want;
/// this extension builds every event type's attributes from them, so both cover every field of every
/// event the same way and a new event type is added in one place.
public protocol RandomEventSource {
    /// The next 64 random bits.
    mutating func next() -> UInt64
    mutating func int64() -> Int64
    mutating func int32() -> Int32
    /// An event id (as referenced by another event).
    mutating func eventID() -> Int64
    mutating func bool() -> Bool
    mutating func duration() -> Duration
    mutating func timestamp() -> Timestamp
    mutating func string() -> String
    mutating func runID() -> RunID
    mutating func execution() -> WorkflowExecution
    mutating func taskQueue() -> TaskQueue
    mutating func payloads() -> [Payload]
    mutating func payloadMap() -> [String: Payload]
    mutating func searchAttributes() -> [String: SearchAttributeValue]
    mutating func retryPolicy() -> RetryPolicy
    mutating func parent() -> ParentExecutionInfo
    mutating func failure() -> Failure
    /// A map with random keys whose values `make` returns.
    mutating func map<Value>(_ make: (inout Self) -> Value) -> [String: Value]
}

extension RandomEventSource {
    /// Returns a value in `0..<bound`.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "a random bound must be positive")
        return Int(UInt64(bound).multipliedFullWidth(by: next()).high)
    }

    /// Returns true with probability `numerator / denominator`.
    public mutating func chance(_ numerator: Int, in denominator: Int) -> Bool { below(denominator) < numerator }

    /// Returns one of `choices`.
    public mutating func pick<Element>(_ choices: [Element]) -> Element { choices[below(choices.count)] }

    /// Returns nil a third of the time, otherwise `make()`.
    public mutating func maybe<Value>(_ make: (inout Self) -> Value) -> Value? {
        chance(1, in: 3) ? nil : make(&self)
    }

    /// Returns an event of type `type` with the given id, a random time and random attributes.
    public mutating func event(id: Int64, type: EventType) -> HistoryEvent {
        HistoryEvent(eventID: id, time: timestamp(), attributes: attributes(of: type))
    }

    /// Returns random attributes of an event of type `type`.
    public mutating func attributes(of type: EventType) -> EventAttributes {
        switch type {
        case .workflowExecutionStarted: .workflowExecutionStarted(workflowExecutionStarted())
        case .workflowExecutionCompleted:
            .workflowExecutionCompleted(
                WorkflowExecutionCompleted(
                    result: payloads(), workflowTaskCompletedEventID: eventID(),
                    newExecutionRunID: maybe { $0.runID() }))
        case .workflowExecutionFailed:
            .workflowExecutionFailed(
                WorkflowExecutionFailed(
                    failure: failure(), retryState: pick(RetryState.allCases), workflowTaskCompletedEventID: eventID(),
                    newExecutionRunID: maybe { $0.runID() }))
        case .workflowExecutionTimedOut:
            .workflowExecutionTimedOut(
                WorkflowExecutionTimedOut(
                    retryState: pick(RetryState.allCases), newExecutionRunID: maybe { $0.runID() }))
        case .workflowExecutionCanceled:
            .workflowExecutionCanceled(
                WorkflowExecutionCanceled(workflowTaskCompletedEventID: eventID(), details: payloads()))
        case .workflowExecutionTerminated:
            .workflowExecutionTerminated(
                WorkflowExecutionTerminated(reason: string(), details: payloads(), identity: string()))
        case .workflowExecutionContinuedAsNew: .workflowExecutionContinuedAsNew(workflowExecutionContinuedAsNew())
        case .workflowTaskScheduled:
            .workflowTaskScheduled(
                WorkflowTaskScheduled(taskQueue: taskQueue(), startToCloseTimeout: duration(), attempt: int32()))
        case .workflowTaskStarted:
            .workflowTaskStarted(
                WorkflowTaskStarted(
                    scheduledEventID: eventID(), identity: string(), requestID: string(),
                    suggestContinueAsNew: bool(), historySizeBytes: int64()))
        case .workflowTaskCompleted:
            .workflowTaskCompleted(
                WorkflowTaskCompleted(
                    scheduledEventID: eventID(), startedEventID: eventID(), identity: string(),
                    binaryChecksum: string()))
        case .workflowTaskTimedOut:
            .workflowTaskTimedOut(
                WorkflowTaskTimedOut(
                    scheduledEventID: eventID(), startedEventID: eventID(), timeoutType: pick(TimeoutType.allCases)))
        case .workflowTaskFailed:
            .workflowTaskFailed(
                WorkflowTaskFailed(
                    scheduledEventID: eventID(), startedEventID: eventID(),
                    cause: pick(WorkflowTaskFailedCause.allCases), failure: maybe { $0.failure() },
                    identity: string()))
        case .activityTaskScheduled:
            .activityTaskScheduled(
                ActivityTaskScheduled(
                    activityID: string(), activityType: string(), taskQueue: taskQueue(), header: payloadMap(),
                    input: payloads(), scheduleToCloseTimeout: maybe { $0.duration() },
                    scheduleToStartTimeout: maybe { $0.duration() }, startToCloseTimeout: maybe { $0.duration() },
                    heartbeatTimeout: maybe { $0.duration() }, workflowTaskCompletedEventID: eventID(),
                    retryPolicy: maybe { $0.retryPolicy() }))
        case .activityTaskStarted:
            .activityTaskStarted(
                ActivityTaskStarted(
                    scheduledEventID: eventID(), identity: string(), requestID: string(), attempt: int32(),
                    lastFailure: maybe { $0.failure() }))
        case .activityTaskCompleted:
            .activityTaskCompleted(
                ActivityTaskCompleted(
                    result: payloads(), scheduledEventID: eventID(), startedEventID: eventID(), identity: string()))
        case .activityTaskFailed:
            .activityTaskFailed(
                ActivityTaskFailed(
                    failure: failure(), scheduledEventID: eventID(), startedEventID: eventID(), identity: string(),
                    retryState: pick(RetryState.allCases)))
        case .activityTaskTimedOut:
            .activityTaskTimedOut(
                ActivityTaskTimedOut(
                    failure: failure(), scheduledEventID: eventID(), startedEventID: eventID(),
                    retryState: pick(RetryState.allCases)))
        case .activityTaskCancelRequested:
            .activityTaskCancelRequested(
                ActivityTaskCancelRequested(scheduledEventID: eventID(), workflowTaskCompletedEventID: eventID()))
        case .activityTaskCanceled:
            .activityTaskCanceled(
                ActivityTaskCanceled(
                    details: payloads(), latestCancelRequestedEventID: eventID(), scheduledEventID: eventID(),
                    startedEventID: eventID(), identity: string()))
        case .timerStarted:
            .timerStarted(
                TimerStarted(timerID: string(), startToFireTimeout: duration(), workflowTaskCompletedEventID: eventID())
            )
        case .timerFired: .timerFired(TimerFired(timerID: string(), startedEventID: eventID()))
        case .timerCanceled:
            .timerCanceled(
                TimerCanceled(
                    timerID: string(), startedEventID: eventID(), workflowTaskCompletedEventID: eventID(),
                    identity: string()))
        case .workflowExecutionCancelRequested:
            .workflowExecutionCancelRequested(
                WorkflowExecutionCancelRequested(
                    cause: string(), externalInitiatedEventID: eventID(), externalExecution: maybe { $0.execution() },
                    identity: string()))
        case .workflowExecutionSignaled:
            .workflowExecutionSignaled(
                WorkflowExecutionSignaled(
                    signalName: string(), input: payloads(), identity: string(), header: payloadMap()))
        case .markerRecorded:
            .markerRecorded(
                MarkerRecorded(
                    markerName: string(), details: map { $0.payloads() }, workflowTaskCompletedEventID: eventID(),
                    header: payloadMap(), failure: maybe { $0.failure() }))
        case .startChildWorkflowExecutionInitiated:
            .startChildWorkflowExecutionInitiated(startChildWorkflowExecutionInitiated())
        case .startChildWorkflowExecutionFailed:
            .startChildWorkflowExecutionFailed(
                StartChildWorkflowExecutionFailed(
                    namespace: string(), workflowID: WorkflowID(string()), workflowType: string(),
                    cause: pick(ExternalFailureCause.allCases), initiatedEventID: eventID(),
                    workflowTaskCompletedEventID: eventID()))
        case .childWorkflowExecutionStarted:
            .childWorkflowExecutionStarted(
                ChildWorkflowExecutionStarted(
                    namespace: string(), initiatedEventID: eventID(), execution: execution(), workflowType: string()))
        case .childWorkflowExecutionCompleted:
            .childWorkflowExecutionCompleted(
                ChildWorkflowExecutionCompleted(
                    result: payloads(), namespace: string(), execution: execution(), workflowType: string(),
                    initiatedEventID: eventID(), startedEventID: eventID()))
        case .childWorkflowExecutionFailed:
            .childWorkflowExecutionFailed(
                ChildWorkflowExecutionFailed(
                    failure: failure(), namespace: string(), execution: execution(), workflowType: string(),
                    initiatedEventID: eventID(), startedEventID: eventID(), retryState: pick(RetryState.allCases)))
        case .childWorkflowExecutionCanceled:
            .childWorkflowExecutionCanceled(
                ChildWorkflowExecutionCanceled(
                    details: payloads(), namespace: string(), execution: execution(), workflowType: string(),
                    initiatedEventID: eventID(), startedEventID: eventID()))
        case .childWorkflowExecutionTimedOut:
            .childWorkflowExecutionTimedOut(
                ChildWorkflowExecutionTimedOut(
                    namespace: string(), execution: execution(), workflowType: string(), initiatedEventID: eventID(),
                    startedEventID: eventID(), retryState: pick(RetryState.allCases)))
        case .childWorkflowExecutionTerminated:
            .childWorkflowExecutionTerminated(
                ChildWorkflowExecutionTerminated(
                    namespace: string(), execution: execution(), workflowType: string(), initiatedEventID: eventID(),
                    startedEventID: eventID()))
        case .requestCancelExternalWorkflowExecutionInitiated:
            .requestCancelExternalWorkflowExecutionInitiated(
                RequestCancelExternalWorkflowExecutionInitiated(
                    workflowTaskCompletedEventID: eventID(), namespace: string(), execution: execution(),
                    childWorkflowOnly: bool(), reason: string()))
        case .requestCancelExternalWorkflowExecutionFailed:
            .requestCancelExternalWorkflowExecutionFailed(
                RequestCancelExternalWorkflowExecutionFailed(
                    cause: pick(ExternalFailureCause.allCases), workflowTaskCompletedEventID: eventID(),
                    namespace: string(), execution: execution(), initiatedEventID: eventID()))
        case .externalWorkflowExecutionCancelRequested:
            .externalWorkflowExecutionCancelRequested(
                ExternalWorkflowExecutionCancelRequested(
                    initiatedEventID: eventID(), namespace: string(), execution: execution()))
        case .signalExternalWorkflowExecutionInitiated:
            .signalExternalWorkflowExecutionInitiated(
                SignalExternalWorkflowExecutionInitiated(
                    workflowTaskCompletedEventID: eventID(), namespace: string(), execution: execution(),
                    signalName: string(), input: payloads(), childWorkflowOnly: bool(), header: payloadMap()))
        case .signalExternalWorkflowExecutionFailed:
            .signalExternalWorkflowExecutionFailed(
                SignalExternalWorkflowExecutionFailed(
                    cause: pick(ExternalFailureCause.allCases), workflowTaskCompletedEventID: eventID(),
                    namespace: string(), execution: execution(), initiatedEventID: eventID()))
        case .externalWorkflowExecutionSignaled:
            .externalWorkflowExecutionSignaled(
                ExternalWorkflowExecutionSignaled(
                    initiatedEventID: eventID(), namespace: string(), execution: execution()))
        case .upsertWorkflowSearchAttributes:
            .upsertWorkflowSearchAttributes(
                UpsertWorkflowSearchAttributes(
                    workflowTaskCompletedEventID: eventID(), searchAttributes: searchAttributes()))
        case .workflowPropertiesModified:
            .workflowPropertiesModified(
                WorkflowPropertiesModified(workflowTaskCompletedEventID: eventID(), upsertedMemo: payloadMap()))
        case .workflowExecutionUpdateAccepted:
            .workflowExecutionUpdateAccepted(
                WorkflowExecutionUpdateAccepted(
                    protocolInstanceID: string(), acceptedRequestMessageID: string(),
                    acceptedRequestSequencingEventID: eventID(),
                    acceptedRequest: UpdateRequest(
                        updateID: string(), name: string(), input: payloads(), header: payloadMap(),
                        identity: string())))
        case .workflowExecutionUpdateCompleted:
            .workflowExecutionUpdateCompleted(
                WorkflowExecutionUpdateCompleted(
                    updateID: string(), identity: string(), acceptedEventID: eventID(),
                    outcome: bool() ? .success(payloads()) : .failure(failure())))
        }
    }

    private mutating func workflowExecutionStarted() -> WorkflowExecutionStarted {
        WorkflowExecutionStarted(
            workflowType: string(), taskQueue: taskQueue(), input: payloads(),
            executionTimeout: maybe { $0.duration() },
            runTimeout: maybe { $0.duration() }, taskTimeout: duration(), parent: maybe { $0.parent() },
            continuedFromRunID: maybe { $0.runID() }, initiator: maybe { $0.pick(ContinueAsNewInitiator.allCases) },
            continuedFailure: maybe { $0.failure() }, lastCompletionResult: payloads(), originalRunID: runID(),
            firstRunID: runID(), identity: string(), attempt: int32(),
            executionExpirationTime: maybe { $0.timestamp() },
            firstWorkflowTaskBackoff: maybe { $0.duration() }, retryPolicy: maybe { $0.retryPolicy() },
            memo: payloadMap(), searchAttributes: searchAttributes(), header: payloadMap(), requestID: string())
    }

    private mutating func workflowExecutionContinuedAsNew() -> WorkflowExecutionContinuedAsNew {
        WorkflowExecutionContinuedAsNew(
            newExecutionRunID: runID(), workflowType: string(), taskQueue: taskQueue(), input: payloads(),
            runTimeout: maybe { $0.duration() }, taskTimeout: duration(), workflowTaskCompletedEventID: eventID(),
            backoffStartInterval: maybe { $0.duration() }, initiator: pick(ContinueAsNewInitiator.allCases),
            failure: maybe { $0.failure() }, lastCompletionResult: payloads(), memo: payloadMap(),
            searchAttributes: searchAttributes(), header: payloadMap())
    }

    private mutating func startChildWorkflowExecutionInitiated() -> StartChildWorkflowExecutionInitiated {
        StartChildWorkflowExecutionInitiated(
            namespace: string(), workflowID: WorkflowID(string()), workflowType: string(), taskQueue: taskQueue(),
            input: payloads(), executionTimeout: maybe { $0.duration() }, runTimeout: maybe { $0.duration() },
            taskTimeout: duration(), parentClosePolicy: pick(ParentClosePolicy.allCases),
            workflowTaskCompletedEventID: eventID(), workflowIDReusePolicy: pick(WorkflowIDReusePolicy.allCases),
            retryPolicy: maybe { $0.retryPolicy() }, header: payloadMap(), memo: payloadMap(),
            searchAttributes: searchAttributes())
    }

    // MARK: - Building blocks

}
