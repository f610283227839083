/// One event of a run's history: its position, when it happened, and what happened.
///
/// Event ids start at 1 and are dense within a run, as in Temporal. A run's history is one KeelLog
/// stream; each event is one record whose payload is the event's binary encoding (FORMAT.md, "Events").
public struct HistoryEvent: Sendable, Hashable {
    public var eventID: Int64
    public var time: Timestamp
    public var attributes: EventAttributes

    public init(eventID: Int64, time: Timestamp, attributes: EventAttributes) {
        self.eventID = eventID
        self.time = time
        self.attributes = attributes
    }

    /// The event's type, e.g. `.activityTaskScheduled`.
    public var eventType: EventType { attributes.eventType }
}

/// The parent of a child workflow run.
public struct ParentExecutionInfo: Sendable, Hashable {
    public var namespace: String
    public var execution: WorkflowExecution
    public var initiatedEventID: Int64
}

/// What an event records, one case per event type (Temporal's `*EventAttributes`). Indirect, so an
/// event is a few words to copy however large its attributes are.
public indirect enum EventAttributes: Sendable, Hashable {
    case workflowExecutionStarted(WorkflowExecutionStarted)
    case workflowExecutionCompleted(WorkflowExecutionCompleted)
    case workflowExecutionFailed(WorkflowExecutionFailed)
    case workflowExecutionTimedOut(WorkflowExecutionTimedOut)
    case workflowExecutionCanceled(WorkflowExecutionCanceled)
    case workflowExecutionTerminated(WorkflowExecutionTerminated)
    case workflowExecutionContinuedAsNew(WorkflowExecutionContinuedAsNew)
    case workflowTaskScheduled(WorkflowTaskScheduled)
    case workflowTaskStarted(WorkflowTaskStarted)
    case workflowTaskCompleted(WorkflowTaskCompleted)
    case workflowTaskTimedOut(WorkflowTaskTimedOut)
    case workflowTaskFailed(WorkflowTaskFailed)
    case activityTaskScheduled(ActivityTaskScheduled)
    case activityTaskStarted(ActivityTaskStarted)
    case activityTaskCompleted(ActivityTaskCompleted)
    case activityTaskFailed(ActivityTaskFailed)
    case activityTaskTimedOut(ActivityTaskTimedOut)
    case activityTaskCancelRequested(ActivityTaskCancelRequested)
    case activityTaskCanceled(ActivityTaskCanceled)
    case timerStarted(TimerStarted)
    case timerFired(TimerFired)
    case timerCanceled(TimerCanceled)
    case workflowExecutionCancelRequested(WorkflowExecutionCancelRequested)
    case workflowExecutionSignaled(WorkflowExecutionSignaled)
    case markerRecorded(MarkerRecorded)
    case startChildWorkflowExecutionInitiated(StartChildWorkflowExecutionInitiated)
    case startChildWorkflowExecutionFailed(StartChildWorkflowExecutionFailed)
    case childWorkflowExecutionStarted(ChildWorkflowExecutionStarted)
    case childWorkflowExecutionCompleted(ChildWorkflowExecutionCompleted)
    case childWorkflowExecutionFailed(ChildWorkflowExecutionFailed)
    case childWorkflowExecutionCanceled(ChildWorkflowExecutionCanceled)
    case childWorkflowExecutionTimedOut(ChildWorkflowExecutionTimedOut)
    case childWorkflowExecutionTerminated(ChildWorkflowExecutionTerminated)
    case requestCancelExternalWorkflowExecutionInitiated(RequestCancelExternalWorkflowExecutionInitiated)
    case requestCancelExternalWorkflowExecutionFailed(RequestCancelExternalWorkflowExecutionFailed)
    case externalWorkflowExecutionCancelRequested(ExternalWorkflowExecutionCancelRequested)
    case signalExternalWorkflowExecutionInitiated(SignalExternalWorkflowExecutionInitiated)
    case signalExternalWorkflowExecutionFailed(SignalExternalWorkflowExecutionFailed)
    case externalWorkflowExecutionSignaled(ExternalWorkflowExecutionSignaled)
    case upsertWorkflowSearchAttributes(UpsertWorkflowSearchAttributes)
    case workflowPropertiesModified(WorkflowPropertiesModified)
    case workflowExecutionUpdateAccepted(WorkflowExecutionUpdateAccepted)
    case workflowExecutionUpdateCompleted(WorkflowExecutionUpdateCompleted)
}

/// The type of an event, with Temporal's `EventType` numbers (stable; they are written to disk).
public enum EventType: UInt16, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case workflowExecutionStarted = 1
    case workflowExecutionCompleted = 2
    case workflowExecutionFailed = 3
    case workflowExecutionTimedOut = 4
    case workflowTaskScheduled = 5
    case workflowTaskStarted = 6
    case workflowTaskCompleted = 7
    case workflowTaskTimedOut = 8
    case workflowTaskFailed = 9
    case activityTaskScheduled = 10
    case activityTaskStarted = 11
    case activityTaskCompleted = 12
    case activityTaskFailed = 13
    case activityTaskTimedOut = 14
    case activityTaskCancelRequested = 15
    case activityTaskCanceled = 16
    case timerStarted = 17
    case timerFired = 18
    case timerCanceled = 19
    case workflowExecutionCancelRequested = 20
    case workflowExecutionCanceled = 21
    case requestCancelExternalWorkflowExecutionInitiated = 22
    case requestCancelExternalWorkflowExecutionFailed = 23
    case externalWorkflowExecutionCancelRequested = 24
    case markerRecorded = 25
    case workflowExecutionSignaled = 26
    case workflowExecutionTerminated = 27
    case workflowExecutionContinuedAsNew = 28
    case startChildWorkflowExecutionInitiated = 29
    case startChildWorkflowExecutionFailed = 30
    case childWorkflowExecutionStarted = 31
    case childWorkflowExecutionCompleted = 32
    case childWorkflowExecutionFailed = 33
    case childWorkflowExecutionCanceled = 34
    case childWorkflowExecutionTimedOut = 35
    case childWorkflowExecutionTerminated = 36
    case signalExternalWorkflowExecutionInitiated = 37
    case signalExternalWorkflowExecutionFailed = 38
    case externalWorkflowExecutionSignaled = 39
    case upsertWorkflowSearchAttributes = 40
    case workflowExecutionUpdateAccepted = 41
    case workflowExecutionUpdateCompleted = 43
    case workflowPropertiesModified = 46

    /// Temporal's name, e.g. "ActivityTaskScheduled" (the history export writes "EVENT_TYPE_" plus snake case).
    public var description: String {
        switch self {
        case .workflowExecutionStarted: "WorkflowExecutionStarted"
        case .workflowExecutionCompleted: "WorkflowExecutionCompleted"
        case .workflowExecutionFailed: "WorkflowExecutionFailed"
        case .workflowExecutionTimedOut: "WorkflowExecutionTimedOut"
        case .workflowTaskScheduled: "WorkflowTaskScheduled"
        case .workflowTaskStarted: "WorkflowTaskStarted"
        case .workflowTaskCompleted: "WorkflowTaskCompleted"
        case .workflowTaskTimedOut: "WorkflowTaskTimedOut"
        case .workflowTaskFailed: "WorkflowTaskFailed"
        case .activityTaskScheduled: "ActivityTaskScheduled"
        case .activityTaskStarted: "ActivityTaskStarted"
        case .activityTaskCompleted: "ActivityTaskCompleted"
        case .activityTaskFailed: "ActivityTaskFailed"
        case .activityTaskTimedOut: "ActivityTaskTimedOut"
        case .activityTaskCancelRequested: "ActivityTaskCancelRequested"
        case .activityTaskCanceled: "ActivityTaskCanceled"
        case .timerStarted: "TimerStarted"
        case .timerFired: "TimerFired"
        case .timerCanceled: "TimerCanceled"
        case .workflowExecutionCancelRequested: "WorkflowExecutionCancelRequested"
        case .workflowExecutionCanceled: "WorkflowExecutionCanceled"
        case .requestCancelExternalWorkflowExecutionInitiated: "RequestCancelExternalWorkflowExecutionInitiated"
        case .requestCancelExternalWorkflowExecutionFailed: "RequestCancelExternalWorkflowExecutionFailed"
        case .externalWorkflowExecutionCancelRequested: "ExternalWorkflowExecutionCancelRequested"
        case .markerRecorded: "MarkerRecorded"
        case .workflowExecutionSignaled: "WorkflowExecutionSignaled"
        case .workflowExecutionTerminated: "WorkflowExecutionTerminated"
        case .workflowExecutionContinuedAsNew: "WorkflowExecutionContinuedAsNew"
        case .startChildWorkflowExecutionInitiated: "StartChildWorkflowExecutionInitiated"
        case .startChildWorkflowExecutionFailed: "StartChildWorkflowExecutionFailed"
        case .childWorkflowExecutionStarted: "ChildWorkflowExecutionStarted"
        case .childWorkflowExecutionCompleted: "ChildWorkflowExecutionCompleted"
        case .childWorkflowExecutionFailed: "ChildWorkflowExecutionFailed"
        case .childWorkflowExecutionCanceled: "ChildWorkflowExecutionCanceled"
        case .childWorkflowExecutionTimedOut: "ChildWorkflowExecutionTimedOut"
        case .childWorkflowExecutionTerminated: "ChildWorkflowExecutionTerminated"
        case .signalExternalWorkflowExecutionInitiated: "SignalExternalWorkflowExecutionInitiated"
        case .signalExternalWorkflowExecutionFailed: "SignalExternalWorkflowExecutionFailed"
        case .externalWorkflowExecutionSignaled: "ExternalWorkflowExecutionSignaled"
        case .upsertWorkflowSearchAttributes: "UpsertWorkflowSearchAttributes"
        case .workflowExecutionUpdateAccepted: "WorkflowExecutionUpdateAccepted"
        case .workflowExecutionUpdateCompleted: "WorkflowExecutionUpdateCompleted"
        case .workflowPropertiesModified: "WorkflowPropertiesModified"
        }
    }

    /// True for the events that close a run.
    public var isClosing: Bool {
        switch self {
        case .workflowExecutionCompleted, .workflowExecutionFailed, .workflowExecutionTimedOut,
            .workflowExecutionCanceled, .workflowExecutionTerminated, .workflowExecutionContinuedAsNew:
            true
        default: false
        }
    }

    /// True for the events a workflow task's commands produce (and so replay must match to commands).
    public var isCommandEvent: Bool {
        switch self {
        case .activityTaskScheduled, .activityTaskCancelRequested, .timerStarted, .timerCanceled, .markerRecorded,
            .startChildWorkflowExecutionInitiated, .requestCancelExternalWorkflowExecutionInitiated,
            .signalExternalWorkflowExecutionInitiated, .upsertWorkflowSearchAttributes, .workflowPropertiesModified,
            .workflowExecutionCompleted, .workflowExecutionFailed, .workflowExecutionCanceled,
            .workflowExecutionContinuedAsNew, .workflowExecutionUpdateAccepted, .workflowExecutionUpdateCompleted:
            true
        default: false
        }
    }
}

// MARK: - Workflow execution

public struct WorkflowExecutionStarted: Sendable, Hashable {
    public var workflowType: String
    public var taskQueue: TaskQueue
    public var input: [Payload]
    /// Limits the whole chain of runs (retries and continue-as-new included); nil means unlimited.
    public var executionTimeout: Duration?
    /// Limits this run; nil means unlimited.
    public var runTimeout: Duration?
    public var taskTimeout: Duration
    public var parent: ParentExecutionInfo?
    public var continuedFromRunID: RunID?
    public var initiator: ContinueAsNewInitiator?
    public var continuedFailure: Failure?
    public var lastCompletionResult: [Payload]
    public var originalRunID: RunID
    public var firstRunID: RunID
    public var identity: String
    public var attempt: Int32
    /// When the chain's execution timeout expires, if it has one.
    public var executionExpirationTime: Timestamp?
    /// The start delay or retry backoff before the first workflow task.
    public var firstWorkflowTaskBackoff: Duration?
    public var retryPolicy: RetryPolicy?
    public var memo: [String: Payload]
    public var searchAttributes: [String: SearchAttributeValue]
    public var header: [String: Payload]
    public var requestID: String
}

public struct WorkflowExecutionCompleted: Sendable, Hashable {
    public var result: [Payload]
    public var workflowTaskCompletedEventID: Int64
    public var newExecutionRunID: RunID?
}

public struct WorkflowExecutionFailed: Sendable, Hashable {
    public var failure: Failure
    public var retryState: RetryState
    public var workflowTaskCompletedEventID: Int64
    public var newExecutionRunID: RunID?
}

public struct WorkflowExecutionTimedOut: Sendable, Hashable {
    public var retryState: RetryState
    public var newExecutionRunID: RunID?
}

public struct WorkflowExecutionCanceled: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    public var details: [Payload]
}

public struct WorkflowExecutionTerminated: Sendable, Hashable {
    public var reason: String
    public var details: [Payload]
    public var identity: String
}

public struct WorkflowExecutionContinuedAsNew: Sendable, Hashable {
    public var newExecutionRunID: RunID
    public var workflowType: String
    public var taskQueue: TaskQueue
    public var input: [Payload]
    public var runTimeout: Duration?
    public var taskTimeout: Duration
    public var workflowTaskCompletedEventID: Int64
    public var backoffStartInterval: Duration?
    public var initiator: ContinueAsNewInitiator
    public var failure: Failure?
    public var lastCompletionResult: [Payload]
    public var memo: [String: Payload]
    public var searchAttributes: [String: SearchAttributeValue]
    public var header: [String: Payload]
}

public struct WorkflowExecutionCancelRequested: Sendable, Hashable {
    public var cause: String
    public var externalInitiatedEventID: Int64
    public var externalExecution: WorkflowExecution?
    public var identity: String
}

public struct WorkflowExecutionSignaled: Sendable, Hashable {
    public var signalName: String
    public var input: [Payload]
    public var identity: String
    public var header: [String: Payload]
}

// MARK: - Workflow tasks

public struct WorkflowTaskScheduled: Sendable, Hashable {
    public var taskQueue: TaskQueue
    public var startToCloseTimeout: Duration
    public var attempt: Int32
}

public struct WorkflowTaskStarted: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var identity: String
    public var requestID: String
    public var suggestContinueAsNew: Bool
    public var historySizeBytes: Int64
}

public struct WorkflowTaskCompleted: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var identity: String
    public var binaryChecksum: String
}

public struct WorkflowTaskTimedOut: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var timeoutType: TimeoutType
}

public struct WorkflowTaskFailed: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var cause: WorkflowTaskFailedCause
    public var failure: Failure?
    public var identity: String
}

// MARK: - Activities

public struct ActivityTaskScheduled: Sendable, Hashable {
    public var activityID: String
    public var activityType: String
    public var taskQueue: TaskQueue
    public var header: [String: Payload]
    public var input: [Payload]
    public var scheduleToCloseTimeout: Duration?
    public var scheduleToStartTimeout: Duration?
    public var startToCloseTimeout: Duration?
    public var heartbeatTimeout: Duration?
    public var workflowTaskCompletedEventID: Int64
    public var retryPolicy: RetryPolicy?
}

public struct ActivityTaskStarted: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var identity: String
    public var requestID: String
    public var attempt: Int32
    public var lastFailure: Failure?
}

public struct ActivityTaskCompleted: Sendable, Hashable {
    public var result: [Payload]
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var identity: String
}

public struct ActivityTaskFailed: Sendable, Hashable {
    public var failure: Failure
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var identity: String
    public var retryState: RetryState
}

public struct ActivityTaskTimedOut: Sendable, Hashable {
    public var failure: Failure
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var retryState: RetryState
}

public struct ActivityTaskCancelRequested: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var workflowTaskCompletedEventID: Int64
}

public struct ActivityTaskCanceled: Sendable, Hashable {
    public var details: [Payload]
    public var latestCancelRequestedEventID: Int64
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var identity: String
}

// MARK: - Timers and markers

public struct TimerStarted: Sendable, Hashable {
    public var timerID: String
    public var startToFireTimeout: Duration
    public var workflowTaskCompletedEventID: Int64
}

public struct TimerFired: Sendable, Hashable {
    public var timerID: String
    public var startedEventID: Int64
}

public struct TimerCanceled: Sendable, Hashable {
    public var timerID: String
    public var startedEventID: Int64
    public var workflowTaskCompletedEventID: Int64
    public var identity: String
}

public struct MarkerRecorded: Sendable, Hashable {
    public var markerName: String
    public var details: [String: [Payload]]
    public var workflowTaskCompletedEventID: Int64
    public var header: [String: Payload]
    public var failure: Failure?
}

// MARK: - Child workflows

/// Why a child workflow or an external request could not start or be delivered.
public enum ExternalFailureCause: UInt8, Sendable, Hashable, CaseIterable {
    case workflowAlreadyExists = 1
    case namespaceNotFound = 2
    case externalWorkflowExecutionNotFound = 3
}

public struct StartChildWorkflowExecutionInitiated: Sendable, Hashable {
    public var namespace: String
    public var workflowID: WorkflowID
    public var workflowType: String
    public var taskQueue: TaskQueue
    public var input: [Payload]
    public var executionTimeout: Duration?
    public var runTimeout: Duration?
    public var taskTimeout: Duration
    public var parentClosePolicy: ParentClosePolicy
    public var workflowTaskCompletedEventID: Int64
    public var workflowIDReusePolicy: WorkflowIDReusePolicy
    public var retryPolicy: RetryPolicy?
    public var header: [String: Payload]
    public var memo: [String: Payload]
    public var searchAttributes: [String: SearchAttributeValue]
}

public struct StartChildWorkflowExecutionFailed: Sendable, Hashable {
    public var namespace: String
    public var workflowID: WorkflowID
    public var workflowType: String
    public var cause: ExternalFailureCause
    public var initiatedEventID: Int64
    public var workflowTaskCompletedEventID: Int64
}

public struct ChildWorkflowExecutionStarted: Sendable, Hashable {
    public var namespace: String
    public var initiatedEventID: Int64
    public var execution: WorkflowExecution
    public var workflowType: String
}

public struct ChildWorkflowExecutionCompleted: Sendable, Hashable {
    public var result: [Payload]
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64
}

public struct ChildWorkflowExecutionFailed: Sendable, Hashable {
    public var failure: Failure
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64
    public var retryState: RetryState
}

public struct ChildWorkflowExecutionCanceled: Sendable, Hashable {
    public var details: [Payload]
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64
}

public struct ChildWorkflowExecutionTimedOut: Sendable, Hashable {
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64
    public var retryState: RetryState
}

public struct ChildWorkflowExecutionTerminated: Sendable, Hashable {
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64
}

// MARK: - External workflows

public struct RequestCancelExternalWorkflowExecutionInitiated: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    public var namespace: String
    /// The target; an empty run id means the open run of the workflow id.
    public var execution: WorkflowExecution
    public var childWorkflowOnly: Bool
    public var reason: String
}

public struct RequestCancelExternalWorkflowExecutionFailed: Sendable, Hashable {
    public var cause: ExternalFailureCause
    public var workflowTaskCompletedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution
    public var initiatedEventID: Int64
}

public struct ExternalWorkflowExecutionCancelRequested: Sendable, Hashable {
    public var initiatedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution
}

public struct SignalExternalWorkflowExecutionInitiated: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution
    public var signalName: String
    public var input: [Payload]
    public var childWorkflowOnly: Bool
    public var header: [String: Payload]
}

public struct SignalExternalWorkflowExecutionFailed: Sendable, Hashable {
    public var cause: ExternalFailureCause
    public var workflowTaskCompletedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution
    public var initiatedEventID: Int64
}

public struct ExternalWorkflowExecutionSignaled: Sendable, Hashable {
    public var initiatedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution
}

// MARK: - Search attributes, memo, updates

public struct UpsertWorkflowSearchAttributes: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    /// The attributes set; an attribute mapped to an empty keyword list is removed.
    public var searchAttributes: [String: SearchAttributeValue]
}

public struct WorkflowPropertiesModified: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    public var upsertedMemo: [String: Payload]
}

/// An update request as the caller sent it.
public struct UpdateRequest: Sendable, Hashable {
    public var updateID: String
    public var name: String
    public var input: [Payload]
    public var header: [String: Payload]
    public var identity: String

    public init(
        updateID: String, name: String, input: [Payload] = [], header: [String: Payload] = [:], identity: String = ""
    ) {
        self.updateID = updateID
        self.name = name
        self.input = input
        self.header = header
        self.identity = identity
    }
}

/// How an update ended: its result or its failure.
public enum UpdateOutcome: Sendable, Hashable {
    case success([Payload])
    case failure(Failure)
}

public struct WorkflowExecutionUpdateAccepted: Sendable, Hashable {
    public var protocolInstanceID: String
    public var acceptedRequestMessageID: String
    public var acceptedRequestSequencingEventID: Int64
    public var acceptedRequest: UpdateRequest
}

public struct WorkflowExecutionUpdateCompleted: Sendable, Hashable {
    public var updateID: String
    public var identity: String
    public var acceptedEventID: Int64
    public var outcome: UpdateOutcome
}

extension EventAttributes {
    /// The event type these attributes belong to.
    public var eventType: EventType {
        switch self {
        case .workflowExecutionStarted: .workflowExecutionStarted
        case .workflowExecutionCompleted: .workflowExecutionCompleted
        case .workflowExecutionFailed: .workflowExecutionFailed
        case .workflowExecutionTimedOut: .workflowExecutionTimedOut
        case .workflowExecutionCanceled: .workflowExecutionCanceled
        case .workflowExecutionTerminated: .workflowExecutionTerminated
        case .workflowExecutionContinuedAsNew: .workflowExecutionContinuedAsNew
        case .workflowTaskScheduled: .workflowTaskScheduled
        case .workflowTaskStarted: .workflowTaskStarted
        case .workflowTaskCompleted: .workflowTaskCompleted
        case .workflowTaskTimedOut: .workflowTaskTimedOut
        case .workflowTaskFailed: .workflowTaskFailed
        case .activityTaskScheduled: .activityTaskScheduled
        case .activityTaskStarted: .activityTaskStarted
        case .activityTaskCompleted: .activityTaskCompleted
        case .activityTaskFailed: .activityTaskFailed
        case .activityTaskTimedOut: .activityTaskTimedOut
        case .activityTaskCancelRequested: .activityTaskCancelRequested
        case .activityTaskCanceled: .activityTaskCanceled
        case .timerStarted: .timerStarted
        case .timerFired: .timerFired
        case .timerCanceled: .timerCanceled
        case .workflowExecutionCancelRequested: .workflowExecutionCancelRequested
        case .workflowExecutionSignaled: .workflowExecutionSignaled
        case .markerRecorded: .markerRecorded
        case .startChildWorkflowExecutionInitiated: .startChildWorkflowExecutionInitiated
        case .startChildWorkflowExecutionFailed: .startChildWorkflowExecutionFailed
        case .childWorkflowExecutionStarted: .childWorkflowExecutionStarted
        case .childWorkflowExecutionCompleted: .childWorkflowExecutionCompleted
        case .childWorkflowExecutionFailed: .childWorkflowExecutionFailed
        case .childWorkflowExecutionCanceled: .childWorkflowExecutionCanceled
        case .childWorkflowExecutionTimedOut: .childWorkflowExecutionTimedOut
        case .childWorkflowExecutionTerminated: .childWorkflowExecutionTerminated
        case .requestCancelExternalWorkflowExecutionInitiated: .requestCancelExternalWorkflowExecutionInitiated
        case .requestCancelExternalWorkflowExecutionFailed: .requestCancelExternalWorkflowExecutionFailed
        case .externalWorkflowExecutionCancelRequested: .externalWorkflowExecutionCancelRequested
        case .signalExternalWorkflowExecutionInitiated: .signalExternalWorkflowExecutionInitiated
        case .signalExternalWorkflowExecutionFailed: .signalExternalWorkflowExecutionFailed
        case .externalWorkflowExecutionSignaled: .externalWorkflowExecutionSignaled
        case .upsertWorkflowSearchAttributes: .upsertWorkflowSearchAttributes
        case .workflowPropertiesModified: .workflowPropertiesModified
        case .workflowExecutionUpdateAccepted: .workflowExecutionUpdateAccepted
        case .workflowExecutionUpdateCompleted: .workflowExecutionUpdateCompleted
        }
    }
}
