/// A request to start a workflow run (Temporal's `StartWorkflowExecutionRequest`).
public struct StartWorkflowRequest: Sendable, Hashable {
    public var namespace: String
    public var workflowID: WorkflowID
    public var workflowType: String
    public var taskQueue: String
    public var input: [Payload]
    /// Limits the whole chain of runs (retries and continue-as-new included).
    public var executionTimeout: Duration?
    /// Limits one run.
    public var runTimeout: Duration?
    /// Limits one workflow task; nil gets the engine's default (10 s).
    public var taskTimeout: Duration?
    public var identity: String
    /// Makes the start idempotent: a repeated request id returns the run it started.
    public var requestID: String
    public var idReusePolicy: WorkflowIDReusePolicy
    public var idConflictPolicy: WorkflowIDConflictPolicy
    /// Retries the whole run when it fails or times out.
    public var retryPolicy: RetryPolicy?
    public var memo: [String: Payload]
    public var searchAttributes: [String: SearchAttributeValue]
    public var header: [String: Payload]
    /// Delays the first workflow task.
    public var startDelay: Duration?

    public init(
        namespace: String = "default", workflowID: WorkflowID, workflowType: String, taskQueue: String,
        input: [Payload] = [], executionTimeout: Duration? = nil, runTimeout: Duration? = nil,
        taskTimeout: Duration? = nil, identity: String = "", requestID: String = "",
        idReusePolicy: WorkflowIDReusePolicy = .allowDuplicate, idConflictPolicy: WorkflowIDConflictPolicy = .fail,
        retryPolicy: RetryPolicy? = nil, memo: [String: Payload] = [:],
        searchAttributes: [String: SearchAttributeValue] = [:], header: [String: Payload] = [:],
        startDelay: Duration? = nil
    ) {
        self.namespace = namespace
        self.workflowID = workflowID
        self.workflowType = workflowType
        self.taskQueue = taskQueue
        self.input = input
        self.executionTimeout = executionTimeout
        self.runTimeout = runTimeout
        self.taskTimeout = taskTimeout
        self.identity = identity
        self.requestID = requestID
        self.idReusePolicy = idReusePolicy
        self.idConflictPolicy = idConflictPolicy
        self.retryPolicy = retryPolicy
        self.memo = memo
        self.searchAttributes = searchAttributes
        self.header = header
        self.startDelay = startDelay
    }
}

/// What a start returned: the run, and whether this request started it.
public struct StartWorkflowResult: Sendable, Hashable {
    public var runID: RunID
    /// False when the request joined an existing run (a repeated request id or `useExisting`).
    public var started: Bool
}

/// A signal to deliver (Temporal's `SignalWorkflowExecutionRequest`).
public struct SignalRequest: Sendable, Hashable {
    public var name: String
    public var input: [Payload]
    public var identity: String
    public var header: [String: Payload]
    /// Deduplicates a retried signal: a request id seen before on the run is acknowledged and dropped.
    public var requestID: String

    public init(
        name: String, input: [Payload] = [], identity: String = "", header: [String: Payload] = [:],
        requestID: String = ""
    ) {
        self.name = name
        self.input = input
        self.identity = identity
        self.header = header
        self.requestID = requestID
    }
}

/// How long an update caller waits (Temporal's `UpdateWorkflowExecutionLifecycleStage`).
public enum UpdateWaitStage: Sendable, Hashable {
    /// Until the workflow accepted (or rejected) the update.
    case accepted
    /// Until the update completed (or was rejected).
    case completed
}

/// The state of an update as a caller sees it.
public enum UpdateStatus: Sendable, Hashable {
    /// Accepted by the workflow, not yet completed (only when waiting for `.accepted`).
    case accepted
    /// Completed with a result or a failure; a rejection is a `.failure` outcome.
    case completed(UpdateOutcome)
}

/// The result of a query.
public enum QueryOutcome: Sendable, Hashable {
    case answered([Payload])
    case failed(Failure)
}

/// A query delivered to a worker with a workflow task.
public struct QueryRequest: Sendable, Hashable {
    /// The id the worker answers with (`Engine.respondQuery`).
    public var queryID: String
    public var queryType: String
    public var arguments: [Payload]
    public var header: [String: Payload]
}

/// How a sticky worker asks for the run's next workflow tasks (Temporal's `StickyExecutionAttributes`).
public struct StickyAttributes: Sendable, Hashable {
    /// The worker's own queue.
    public var taskQueue: String
    /// After this long without the sticky worker picking the task up, it goes to the normal queue.
    public var scheduleToStartTimeout: Duration

    public init(taskQueue: String, scheduleToStartTimeout: Duration = .seconds(5)) {
        self.taskQueue = taskQueue
        self.scheduleToStartTimeout = scheduleToStartTimeout
    }
}

/// A workflow task handed to a worker: the run's new events (all of them for a worker without the
/// run in its cache), and the updates and queries to handle.
public struct WorkflowTask: Sendable {
    public var taskToken: TaskToken
    public var namespace: String
    public var execution: WorkflowExecution
    public var workflowType: String
    public var taskQueue: TaskQueue
    public var attempt: Int32
    /// The started event id of the last completed workflow task; 0 for the first task.
    public var previousStartedEventID: Int64
    public var startedEventID: Int64
    /// From event 1 when `isPartial` is false; otherwise the events after `previousStartedEventID`.
    public var history: [HistoryEvent]
    /// True when `history` only holds the events a sticky worker has not seen.
    public var isPartial: Bool
    /// Updates admitted since the last task, in arrival order.
    public var updates: [UpdateRequest]
    /// For a query task (no history change; answer with `Engine.respondQuery`), the query.
    public var query: QueryRequest?
    public var scheduledTime: Timestamp
    public var startedTime: Timestamp
}

/// An activity task handed to a worker.
public struct ActivityTask: Sendable {
    public var taskToken: TaskToken
    public var namespace: String
    public var workflowExecution: WorkflowExecution
    public var workflowType: String
    public var activityID: String
    public var activityType: String
    public var taskQueue: String
    public var input: [Payload]
    public var header: [String: Payload]
    /// 1 for the first attempt.
    public var attempt: Int32
    /// The details of the last heartbeat, from this attempt or an earlier one.
    public var heartbeatDetails: [Payload]
    public var scheduledTime: Timestamp
    public var currentAttemptScheduledTime: Timestamp
    public var startedTime: Timestamp
    public var scheduleToCloseTimeout: Duration?
    public var startToCloseTimeout: Duration?
    public var heartbeatTimeout: Duration?
    public var retryPolicy: RetryPolicy?
}

/// What `describe` reports about a run.
public struct ExecutionDescription: Sendable {
    public var record: VisibilityRecord
    public var memo: [String: Payload]
    public var pendingActivities: [PendingActivityInfo]
    public var pendingChildren: [PendingChildInfo]
    public var pendingWorkflowTask: PendingWorkflowTaskInfo?
    public var historyLength: Int64
    public var historySizeBytes: Int64
}

/// A pending activity as `describe` reports it.
public struct PendingActivityInfo: Sendable, Hashable {
    public var activityID: String
    public var activityType: String
    public var scheduledEventID: Int64
    /// Scheduled, started, or cancel requested.
    public var state: String
    public var attempt: Int32
    public var heartbeatDetails: [Payload]
    public var lastFailure: Failure?
    public var lastHeartbeatTime: Timestamp?
    public var lastStartedTime: Timestamp?
    public var nextAttemptScheduleTime: Timestamp?
}

/// A pending child workflow as `describe` reports it.
public struct PendingChildInfo: Sendable, Hashable {
    public var workflowID: WorkflowID
    public var runID: RunID?
    public var workflowType: String
    public var initiatedEventID: Int64
    public var parentClosePolicy: ParentClosePolicy
}

/// The pending workflow task as `describe` reports it.
public struct PendingWorkflowTaskInfo: Sendable, Hashable {
    public var scheduledEventID: Int64
    public var isStarted: Bool
    public var attempt: Int32
    public var scheduledTime: Timestamp
}
