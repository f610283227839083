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

    /// Creates a reference to the parent run and the event that initiated its child.
    public init(namespace: String, execution: WorkflowExecution, initiatedEventID: Int64) {
        self.namespace = namespace
        self.execution = execution
        self.initiatedEventID = initiatedEventID
    }
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

    /// Creates the attributes of a WorkflowExecutionStarted event.
    public init(
        workflowType: String, taskQueue: TaskQueue, input: [Payload] = [], executionTimeout: Duration? = nil,
        runTimeout: Duration? = nil, taskTimeout: Duration, parent: ParentExecutionInfo? = nil,
        continuedFromRunID: RunID? = nil, initiator: ContinueAsNewInitiator? = nil, continuedFailure: Failure? = nil,
        lastCompletionResult: [Payload] = [], originalRunID: RunID, firstRunID: RunID, identity: String = "",
        attempt: Int32, executionExpirationTime: Timestamp? = nil, firstWorkflowTaskBackoff: Duration? = nil,
        retryPolicy: RetryPolicy? = nil, memo: [String: Payload] = [:],
        searchAttributes: [String: SearchAttributeValue] = [:], header: [String: Payload] = [:], requestID: String = ""
    ) {
        self.workflowType = workflowType
        self.taskQueue = taskQueue
        self.input = input
        self.executionTimeout = executionTimeout
        self.runTimeout = runTimeout
        self.taskTimeout = taskTimeout
        self.parent = parent
        self.continuedFromRunID = continuedFromRunID
        self.initiator = initiator
        self.continuedFailure = continuedFailure
        self.lastCompletionResult = lastCompletionResult
        self.originalRunID = originalRunID
        self.firstRunID = firstRunID
        self.identity = identity
        self.attempt = attempt
        self.executionExpirationTime = executionExpirationTime
        self.firstWorkflowTaskBackoff = firstWorkflowTaskBackoff
        self.retryPolicy = retryPolicy
        self.memo = memo
        self.searchAttributes = searchAttributes
        self.header = header
        self.requestID = requestID
    }
}

public struct WorkflowExecutionCompleted: Sendable, Hashable {
    public var result: [Payload]
    public var workflowTaskCompletedEventID: Int64
    public var newExecutionRunID: RunID?

    /// Creates the attributes of a WorkflowExecutionCompleted event.
    public init(result: [Payload] = [], workflowTaskCompletedEventID: Int64, newExecutionRunID: RunID? = nil) {
        self.result = result
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.newExecutionRunID = newExecutionRunID
    }
}

public struct WorkflowExecutionFailed: Sendable, Hashable {
    public var failure: Failure
    public var retryState: RetryState
    public var workflowTaskCompletedEventID: Int64
    public var newExecutionRunID: RunID?

    /// Creates the attributes of a WorkflowExecutionFailed event.
    public init(
        failure: Failure, retryState: RetryState = .unspecified, workflowTaskCompletedEventID: Int64,
        newExecutionRunID: RunID? = nil
    ) {
        self.failure = failure
        self.retryState = retryState
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.newExecutionRunID = newExecutionRunID
    }
}

public struct WorkflowExecutionTimedOut: Sendable, Hashable {
    public var retryState: RetryState
    public var newExecutionRunID: RunID?

    /// Creates the attributes of a WorkflowExecutionTimedOut event.
    public init(retryState: RetryState = .unspecified, newExecutionRunID: RunID? = nil) {
        self.retryState = retryState
        self.newExecutionRunID = newExecutionRunID
    }
}

public struct WorkflowExecutionCanceled: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    public var details: [Payload]

    /// Creates the attributes of a WorkflowExecutionCanceled event.
    public init(workflowTaskCompletedEventID: Int64, details: [Payload] = []) {
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.details = details
    }
}

public struct WorkflowExecutionTerminated: Sendable, Hashable {
    public var reason: String
    public var details: [Payload]
    public var identity: String

    /// Creates the attributes of a WorkflowExecutionTerminated event.
    public init(reason: String = "", details: [Payload] = [], identity: String = "") {
        self.reason = reason
        self.details = details
        self.identity = identity
    }
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

    /// Creates the attributes of a WorkflowExecutionContinuedAsNew event.
    public init(
        newExecutionRunID: RunID, workflowType: String, taskQueue: TaskQueue, input: [Payload] = [],
        runTimeout: Duration? = nil, taskTimeout: Duration, workflowTaskCompletedEventID: Int64,
        backoffStartInterval: Duration? = nil, initiator: ContinueAsNewInitiator, failure: Failure? = nil,
        lastCompletionResult: [Payload] = [], memo: [String: Payload] = [:],
        searchAttributes: [String: SearchAttributeValue] = [:], header: [String: Payload] = [:]
    ) {
        self.newExecutionRunID = newExecutionRunID
        self.workflowType = workflowType
        self.taskQueue = taskQueue
        self.input = input
        self.runTimeout = runTimeout
        self.taskTimeout = taskTimeout
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.backoffStartInterval = backoffStartInterval
        self.initiator = initiator
        self.failure = failure
        self.lastCompletionResult = lastCompletionResult
        self.memo = memo
        self.searchAttributes = searchAttributes
        self.header = header
    }
}

public struct WorkflowExecutionCancelRequested: Sendable, Hashable {
    public var cause: String
    public var externalInitiatedEventID: Int64
    public var externalExecution: WorkflowExecution?
    public var identity: String

    /// Creates the attributes of a WorkflowExecutionCancelRequested event.
    public init(
        cause: String = "", externalInitiatedEventID: Int64 = 0, externalExecution: WorkflowExecution? = nil,
        identity: String = ""
    ) {
        self.cause = cause
        self.externalInitiatedEventID = externalInitiatedEventID
        self.externalExecution = externalExecution
        self.identity = identity
    }
}

public struct WorkflowExecutionSignaled: Sendable, Hashable {
    public var signalName: String
    public var input: [Payload]
    public var identity: String
    public var header: [String: Payload]

    /// Creates the attributes of a WorkflowExecutionSignaled event.
    public init(signalName: String, input: [Payload] = [], identity: String = "", header: [String: Payload] = [:]) {
        self.signalName = signalName
        self.input = input
        self.identity = identity
        self.header = header
    }
}

// MARK: - Workflow tasks

public struct WorkflowTaskScheduled: Sendable, Hashable {
    public var taskQueue: TaskQueue
    public var startToCloseTimeout: Duration
    public var attempt: Int32

    /// Creates the attributes of a WorkflowTaskScheduled event.
    public init(taskQueue: TaskQueue, startToCloseTimeout: Duration, attempt: Int32) {
        self.taskQueue = taskQueue
        self.startToCloseTimeout = startToCloseTimeout
        self.attempt = attempt
    }
}

public struct WorkflowTaskStarted: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var identity: String
    public var requestID: String
    public var suggestContinueAsNew: Bool
    public var historySizeBytes: Int64

    /// Creates the attributes of a WorkflowTaskStarted event.
    public init(
        scheduledEventID: Int64, identity: String = "", requestID: String = "", suggestContinueAsNew: Bool = false,
        historySizeBytes: Int64 = 0
    ) {
        self.scheduledEventID = scheduledEventID
        self.identity = identity
        self.requestID = requestID
        self.suggestContinueAsNew = suggestContinueAsNew
        self.historySizeBytes = historySizeBytes
    }
}

public struct WorkflowTaskCompleted: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var identity: String
    public var binaryChecksum: String

    /// Creates the attributes of a WorkflowTaskCompleted event.
    public init(scheduledEventID: Int64, startedEventID: Int64, identity: String = "", binaryChecksum: String = "") {
        self.scheduledEventID = scheduledEventID
        self.startedEventID = startedEventID
        self.identity = identity
        self.binaryChecksum = binaryChecksum
    }
}

public struct WorkflowTaskTimedOut: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var timeoutType: TimeoutType

    /// Creates the attributes of a WorkflowTaskTimedOut event.
    public init(scheduledEventID: Int64, startedEventID: Int64, timeoutType: TimeoutType) {
        self.scheduledEventID = scheduledEventID
        self.startedEventID = startedEventID
        self.timeoutType = timeoutType
    }
}

public struct WorkflowTaskFailed: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var cause: WorkflowTaskFailedCause
    public var failure: Failure?
    public var identity: String

    /// Creates the attributes of a WorkflowTaskFailed event.
    public init(
        scheduledEventID: Int64, startedEventID: Int64, cause: WorkflowTaskFailedCause, failure: Failure? = nil,
        identity: String = ""
    ) {
        self.scheduledEventID = scheduledEventID
        self.startedEventID = startedEventID
        self.cause = cause
        self.failure = failure
        self.identity = identity
    }
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

    /// Creates the attributes of an ActivityTaskScheduled event.
    public init(
        activityID: String, activityType: String, taskQueue: TaskQueue, header: [String: Payload] = [:],
        input: [Payload] = [], scheduleToCloseTimeout: Duration? = nil, scheduleToStartTimeout: Duration? = nil,
        startToCloseTimeout: Duration? = nil, heartbeatTimeout: Duration? = nil, workflowTaskCompletedEventID: Int64,
        retryPolicy: RetryPolicy? = nil
    ) {
        self.activityID = activityID
        self.activityType = activityType
        self.taskQueue = taskQueue
        self.header = header
        self.input = input
        self.scheduleToCloseTimeout = scheduleToCloseTimeout
        self.scheduleToStartTimeout = scheduleToStartTimeout
        self.startToCloseTimeout = startToCloseTimeout
        self.heartbeatTimeout = heartbeatTimeout
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.retryPolicy = retryPolicy
    }
}

public struct ActivityTaskStarted: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var identity: String
    public var requestID: String
    public var attempt: Int32
    public var lastFailure: Failure?

    /// Creates the attributes of an ActivityTaskStarted event.
    public init(
        scheduledEventID: Int64, identity: String = "", requestID: String = "", attempt: Int32,
        lastFailure: Failure? = nil
    ) {
        self.scheduledEventID = scheduledEventID
        self.identity = identity
        self.requestID = requestID
        self.attempt = attempt
        self.lastFailure = lastFailure
    }
}

public struct ActivityTaskCompleted: Sendable, Hashable {
    public var result: [Payload]
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var identity: String

    /// Creates the attributes of an ActivityTaskCompleted event.
    public init(result: [Payload] = [], scheduledEventID: Int64, startedEventID: Int64, identity: String = "") {
        self.result = result
        self.scheduledEventID = scheduledEventID
        self.startedEventID = startedEventID
        self.identity = identity
    }
}

public struct ActivityTaskFailed: Sendable, Hashable {
    public var failure: Failure
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var identity: String
    public var retryState: RetryState

    /// Creates the attributes of an ActivityTaskFailed event.
    public init(
        failure: Failure, scheduledEventID: Int64, startedEventID: Int64, identity: String = "",
        retryState: RetryState = .unspecified
    ) {
        self.failure = failure
        self.scheduledEventID = scheduledEventID
        self.startedEventID = startedEventID
        self.identity = identity
        self.retryState = retryState
    }
}

public struct ActivityTaskTimedOut: Sendable, Hashable {
    public var failure: Failure
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var retryState: RetryState

    /// Creates the attributes of an ActivityTaskTimedOut event.
    public init(
        failure: Failure, scheduledEventID: Int64, startedEventID: Int64, retryState: RetryState = .unspecified
    ) {
        self.failure = failure
        self.scheduledEventID = scheduledEventID
        self.startedEventID = startedEventID
        self.retryState = retryState
    }
}

public struct ActivityTaskCancelRequested: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var workflowTaskCompletedEventID: Int64

    /// Creates the attributes of an ActivityTaskCancelRequested event.
    public init(scheduledEventID: Int64, workflowTaskCompletedEventID: Int64) {
        self.scheduledEventID = scheduledEventID
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
    }
}

public struct ActivityTaskCanceled: Sendable, Hashable {
    public var details: [Payload]
    public var latestCancelRequestedEventID: Int64
    public var scheduledEventID: Int64
    public var startedEventID: Int64
    public var identity: String

    /// Creates the attributes of an ActivityTaskCanceled event.
    public init(
        details: [Payload] = [], latestCancelRequestedEventID: Int64, scheduledEventID: Int64, startedEventID: Int64,
        identity: String = ""
    ) {
        self.details = details
        self.latestCancelRequestedEventID = latestCancelRequestedEventID
        self.scheduledEventID = scheduledEventID
        self.startedEventID = startedEventID
        self.identity = identity
    }
}

// MARK: - Timers and markers

public struct TimerStarted: Sendable, Hashable {
    public var timerID: String
    public var startToFireTimeout: Duration
    public var workflowTaskCompletedEventID: Int64

    /// Creates the attributes of a TimerStarted event.
    public init(timerID: String, startToFireTimeout: Duration, workflowTaskCompletedEventID: Int64) {
        self.timerID = timerID
        self.startToFireTimeout = startToFireTimeout
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
    }
}

public struct TimerFired: Sendable, Hashable {
    public var timerID: String
    public var startedEventID: Int64

    /// Creates the attributes of a TimerFired event.
    public init(timerID: String, startedEventID: Int64) {
        self.timerID = timerID
        self.startedEventID = startedEventID
    }
}

public struct TimerCanceled: Sendable, Hashable {
    public var timerID: String
    public var startedEventID: Int64
    public var workflowTaskCompletedEventID: Int64
    public var identity: String

    /// Creates the attributes of a TimerCanceled event.
    public init(timerID: String, startedEventID: Int64, workflowTaskCompletedEventID: Int64, identity: String = "") {
        self.timerID = timerID
        self.startedEventID = startedEventID
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.identity = identity
    }
}

public struct MarkerRecorded: Sendable, Hashable {
    public var markerName: String
    public var details: [String: [Payload]]
    public var workflowTaskCompletedEventID: Int64
    public var header: [String: Payload]
    public var failure: Failure?

    /// Creates the attributes of a MarkerRecorded event.
    public init(
        markerName: String, details: [String: [Payload]] = [:], workflowTaskCompletedEventID: Int64,
        header: [String: Payload] = [:], failure: Failure? = nil
    ) {
        self.markerName = markerName
        self.details = details
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.header = header
        self.failure = failure
    }
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

    /// Creates the attributes of a StartChildWorkflowExecutionInitiated event.
    public init(
        namespace: String, workflowID: WorkflowID, workflowType: String, taskQueue: TaskQueue, input: [Payload] = [],
        executionTimeout: Duration? = nil, runTimeout: Duration? = nil, taskTimeout: Duration,
        parentClosePolicy: ParentClosePolicy, workflowTaskCompletedEventID: Int64,
        workflowIDReusePolicy: WorkflowIDReusePolicy, retryPolicy: RetryPolicy? = nil, header: [String: Payload] = [:],
        memo: [String: Payload] = [:], searchAttributes: [String: SearchAttributeValue] = [:]
    ) {
        self.namespace = namespace
        self.workflowID = workflowID
        self.workflowType = workflowType
        self.taskQueue = taskQueue
        self.input = input
        self.executionTimeout = executionTimeout
        self.runTimeout = runTimeout
        self.taskTimeout = taskTimeout
        self.parentClosePolicy = parentClosePolicy
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.workflowIDReusePolicy = workflowIDReusePolicy
        self.retryPolicy = retryPolicy
        self.header = header
        self.memo = memo
        self.searchAttributes = searchAttributes
    }
}

public struct StartChildWorkflowExecutionFailed: Sendable, Hashable {
    public var namespace: String
    public var workflowID: WorkflowID
    public var workflowType: String
    public var cause: ExternalFailureCause
    public var initiatedEventID: Int64
    public var workflowTaskCompletedEventID: Int64

    /// Creates the attributes of a StartChildWorkflowExecutionFailed event.
    public init(
        namespace: String, workflowID: WorkflowID, workflowType: String, cause: ExternalFailureCause,
        initiatedEventID: Int64, workflowTaskCompletedEventID: Int64
    ) {
        self.namespace = namespace
        self.workflowID = workflowID
        self.workflowType = workflowType
        self.cause = cause
        self.initiatedEventID = initiatedEventID
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
    }
}

public struct ChildWorkflowExecutionStarted: Sendable, Hashable {
    public var namespace: String
    public var initiatedEventID: Int64
    public var execution: WorkflowExecution
    public var workflowType: String

    /// Creates the attributes of a ChildWorkflowExecutionStarted event.
    public init(namespace: String, initiatedEventID: Int64, execution: WorkflowExecution, workflowType: String) {
        self.namespace = namespace
        self.initiatedEventID = initiatedEventID
        self.execution = execution
        self.workflowType = workflowType
    }
}

public struct ChildWorkflowExecutionCompleted: Sendable, Hashable {
    public var result: [Payload]
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64

    /// Creates the attributes of a ChildWorkflowExecutionCompleted event.
    public init(
        result: [Payload] = [], namespace: String, execution: WorkflowExecution, workflowType: String,
        initiatedEventID: Int64, startedEventID: Int64
    ) {
        self.result = result
        self.namespace = namespace
        self.execution = execution
        self.workflowType = workflowType
        self.initiatedEventID = initiatedEventID
        self.startedEventID = startedEventID
    }
}

public struct ChildWorkflowExecutionFailed: Sendable, Hashable {
    public var failure: Failure
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64
    public var retryState: RetryState

    /// Creates the attributes of a ChildWorkflowExecutionFailed event.
    public init(
        failure: Failure, namespace: String, execution: WorkflowExecution, workflowType: String,
        initiatedEventID: Int64, startedEventID: Int64, retryState: RetryState = .unspecified
    ) {
        self.failure = failure
        self.namespace = namespace
        self.execution = execution
        self.workflowType = workflowType
        self.initiatedEventID = initiatedEventID
        self.startedEventID = startedEventID
        self.retryState = retryState
    }
}

public struct ChildWorkflowExecutionCanceled: Sendable, Hashable {
    public var details: [Payload]
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64

    /// Creates the attributes of a ChildWorkflowExecutionCanceled event.
    public init(
        details: [Payload] = [], namespace: String, execution: WorkflowExecution, workflowType: String,
        initiatedEventID: Int64, startedEventID: Int64
    ) {
        self.details = details
        self.namespace = namespace
        self.execution = execution
        self.workflowType = workflowType
        self.initiatedEventID = initiatedEventID
        self.startedEventID = startedEventID
    }
}

public struct ChildWorkflowExecutionTimedOut: Sendable, Hashable {
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64
    public var retryState: RetryState

    /// Creates the attributes of a ChildWorkflowExecutionTimedOut event.
    public init(
        namespace: String, execution: WorkflowExecution, workflowType: String, initiatedEventID: Int64,
        startedEventID: Int64, retryState: RetryState = .unspecified
    ) {
        self.namespace = namespace
        self.execution = execution
        self.workflowType = workflowType
        self.initiatedEventID = initiatedEventID
        self.startedEventID = startedEventID
        self.retryState = retryState
    }
}

public struct ChildWorkflowExecutionTerminated: Sendable, Hashable {
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var initiatedEventID: Int64
    public var startedEventID: Int64

    /// Creates the attributes of a ChildWorkflowExecutionTerminated event.
    public init(
        namespace: String, execution: WorkflowExecution, workflowType: String, initiatedEventID: Int64,
        startedEventID: Int64
    ) {
        self.namespace = namespace
        self.execution = execution
        self.workflowType = workflowType
        self.initiatedEventID = initiatedEventID
        self.startedEventID = startedEventID
    }
}

// MARK: - External workflows

public struct RequestCancelExternalWorkflowExecutionInitiated: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    public var namespace: String
    /// The target; an empty run id means the open run of the workflow id.
    public var execution: WorkflowExecution
    public var childWorkflowOnly: Bool
    public var reason: String

    /// Creates the attributes of a RequestCancelExternalWorkflowExecutionInitiated event.
    public init(
        workflowTaskCompletedEventID: Int64, namespace: String, execution: WorkflowExecution,
        childWorkflowOnly: Bool = false, reason: String = ""
    ) {
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.namespace = namespace
        self.execution = execution
        self.childWorkflowOnly = childWorkflowOnly
        self.reason = reason
    }
}

public struct RequestCancelExternalWorkflowExecutionFailed: Sendable, Hashable {
    public var cause: ExternalFailureCause
    public var workflowTaskCompletedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution
    public var initiatedEventID: Int64

    /// Creates the attributes of a RequestCancelExternalWorkflowExecutionFailed event.
    public init(
        cause: ExternalFailureCause, workflowTaskCompletedEventID: Int64, namespace: String,
        execution: WorkflowExecution, initiatedEventID: Int64
    ) {
        self.cause = cause
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.namespace = namespace
        self.execution = execution
        self.initiatedEventID = initiatedEventID
    }
}

public struct ExternalWorkflowExecutionCancelRequested: Sendable, Hashable {
    public var initiatedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution

    /// Creates the attributes of an ExternalWorkflowExecutionCancelRequested event.
    public init(initiatedEventID: Int64, namespace: String, execution: WorkflowExecution) {
        self.initiatedEventID = initiatedEventID
        self.namespace = namespace
        self.execution = execution
    }
}

public struct SignalExternalWorkflowExecutionInitiated: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution
    public var signalName: String
    public var input: [Payload]
    public var childWorkflowOnly: Bool
    public var header: [String: Payload]

    /// Creates the attributes of a SignalExternalWorkflowExecutionInitiated event.
    public init(
        workflowTaskCompletedEventID: Int64, namespace: String, execution: WorkflowExecution, signalName: String,
        input: [Payload] = [], childWorkflowOnly: Bool = false, header: [String: Payload] = [:]
    ) {
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.namespace = namespace
        self.execution = execution
        self.signalName = signalName
        self.input = input
        self.childWorkflowOnly = childWorkflowOnly
        self.header = header
    }
}

public struct SignalExternalWorkflowExecutionFailed: Sendable, Hashable {
    public var cause: ExternalFailureCause
    public var workflowTaskCompletedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution
    public var initiatedEventID: Int64

    /// Creates the attributes of a SignalExternalWorkflowExecutionFailed event.
    public init(
        cause: ExternalFailureCause, workflowTaskCompletedEventID: Int64, namespace: String,
        execution: WorkflowExecution, initiatedEventID: Int64
    ) {
        self.cause = cause
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.namespace = namespace
        self.execution = execution
        self.initiatedEventID = initiatedEventID
    }
}

public struct ExternalWorkflowExecutionSignaled: Sendable, Hashable {
    public var initiatedEventID: Int64
    public var namespace: String
    public var execution: WorkflowExecution

    /// Creates the attributes of an ExternalWorkflowExecutionSignaled event.
    public init(initiatedEventID: Int64, namespace: String, execution: WorkflowExecution) {
        self.initiatedEventID = initiatedEventID
        self.namespace = namespace
        self.execution = execution
    }
}

// MARK: - Search attributes, memo, updates

public struct UpsertWorkflowSearchAttributes: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    /// The attributes set; an attribute mapped to an empty keyword list is removed.
    public var searchAttributes: [String: SearchAttributeValue]

    /// Creates the attributes of an UpsertWorkflowSearchAttributes event.
    public init(workflowTaskCompletedEventID: Int64, searchAttributes: [String: SearchAttributeValue] = [:]) {
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.searchAttributes = searchAttributes
    }
}

public struct WorkflowPropertiesModified: Sendable, Hashable {
    public var workflowTaskCompletedEventID: Int64
    public var upsertedMemo: [String: Payload]

    /// Creates the attributes of a WorkflowPropertiesModified event.
    public init(workflowTaskCompletedEventID: Int64, upsertedMemo: [String: Payload] = [:]) {
        self.workflowTaskCompletedEventID = workflowTaskCompletedEventID
        self.upsertedMemo = upsertedMemo
    }
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

    /// Creates the attributes of a WorkflowExecutionUpdateAccepted event.
    public init(
        protocolInstanceID: String, acceptedRequestMessageID: String, acceptedRequestSequencingEventID: Int64,
        acceptedRequest: UpdateRequest
    ) {
        self.protocolInstanceID = protocolInstanceID
        self.acceptedRequestMessageID = acceptedRequestMessageID
        self.acceptedRequestSequencingEventID = acceptedRequestSequencingEventID
        self.acceptedRequest = acceptedRequest
    }
}

public struct WorkflowExecutionUpdateCompleted: Sendable, Hashable {
    public var updateID: String
    public var identity: String
    public var acceptedEventID: Int64
    public var outcome: UpdateOutcome

    /// Creates the attributes of a WorkflowExecutionUpdateCompleted event.
    public init(updateID: String, identity: String = "", acceptedEventID: Int64, outcome: UpdateOutcome) {
        self.updateID = updateID
        self.identity = identity
        self.acceptedEventID = acceptedEventID
        self.outcome = outcome
    }
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
