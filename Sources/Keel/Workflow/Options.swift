import KeelEngine

/// Facts about a workflow run, as its code sees them.
public struct WorkflowInfo: Sendable {
    public var namespace: String
    public var workflowID: WorkflowID
    public var runID: RunID
    public var workflowType: String
    public var taskQueue: String
    /// The run's attempt under the workflow's retry policy, from 1.
    public var attempt: Int32 = 1
    public var startTime: Timestamp = .epoch
    public var firstRunID: RunID = ""
    public var continuedFromRunID: RunID?
    /// The parent, for a child workflow.
    public var parent: WorkflowExecution?
    public var executionTimeout: Duration?
    public var runTimeout: Duration?
    /// The result of the previous run of a cron or retried chain.
    public var lastCompletionResult: [Payload] = []
    public var lastFailure: Failure?
    /// Events in the history so far.
    public var historyLength: Int64 = 0
    /// Bytes of history so far, as the engine counts them.
    public var historySizeBytes: Int64 = 0
    /// Whether the engine suggests continuing as new because the history grew large.
    public var isContinueAsNewSuggested = false
    public var searchAttributes: [String: SearchAttributeValue] = [:]

    init(namespace: String, workflowID: WorkflowID, runID: RunID, workflowType: String, taskQueue: String) {
        self.namespace = namespace
        self.workflowID = workflowID
        self.runID = runID
        self.workflowType = workflowType
        self.taskQueue = taskQueue
    }
}

/// What happens to an activity when the workflow code that waits for it is canceled.
public enum ActivityCancellationType: Sendable, Hashable {
    /// Ask the activity to cancel and stop waiting at once (the default).
    case tryCancel
    /// Ask the activity to cancel and wait until it has.
    case waitCancellationCompleted
    /// Stop waiting and leave the activity running.
    case abandon
}

/// How to run an activity. At least one of `startToCloseTimeout` and `scheduleToCloseTimeout` is
/// required.
public struct ActivityOptions: Sendable {
    /// The activity id; the run's next sequence number when nil.
    public var activityID: String?
    /// The task queue; the workflow's own when nil.
    public var taskQueue: String?
    public var scheduleToCloseTimeout: Duration?
    public var scheduleToStartTimeout: Duration?
    public var startToCloseTimeout: Duration?
    /// The longest gap between heartbeats before the attempt times out.
    public var heartbeatTimeout: Duration?
    /// The retry policy; the engine's default (1 s, doubling to 100 s, unlimited) when nil.
    public var retryPolicy: RetryPolicy?
    public var cancellationType: ActivityCancellationType

    public init(
        activityID: String? = nil, taskQueue: String? = nil, scheduleToCloseTimeout: Duration? = nil,
        scheduleToStartTimeout: Duration? = nil, startToCloseTimeout: Duration? = nil,
        heartbeatTimeout: Duration? = nil, retryPolicy: RetryPolicy? = nil,
        cancellationType: ActivityCancellationType = .tryCancel
    ) {
        self.activityID = activityID
        self.taskQueue = taskQueue
        self.scheduleToCloseTimeout = scheduleToCloseTimeout
        self.scheduleToStartTimeout = scheduleToStartTimeout
        self.startToCloseTimeout = startToCloseTimeout
        self.heartbeatTimeout = heartbeatTimeout
        self.retryPolicy = retryPolicy
        self.cancellationType = cancellationType
    }
}

/// How to run a local activity.
public struct LocalActivityOptions: Sendable {
    /// The longest one attempt may take.
    public var startToCloseTimeout: Duration
    /// How attempts are retried; three attempts, 100 ms apart and doubling, when nil.
    public var retryPolicy: RetryPolicy?

    public init(startToCloseTimeout: Duration = .seconds(10), retryPolicy: RetryPolicy? = nil) {
        self.startToCloseTimeout = startToCloseTimeout
        self.retryPolicy = retryPolicy
    }
}

/// How to start a child workflow.
public struct ChildWorkflowOptions: Sendable {
    /// The child's workflow id; `<parent id>/child-<n>` when nil.
    public var id: WorkflowID?
    public var taskQueue: String?
    public var executionTimeout: Duration?
    public var runTimeout: Duration?
    public var taskTimeout: Duration?
    public var retryPolicy: RetryPolicy?
    /// What happens to the child when the parent closes first.
    public var parentClosePolicy: ParentClosePolicy
    public var idReusePolicy: WorkflowIDReusePolicy
    public var memo: [String: String]
    public var searchAttributes: [String: SearchAttributeValue]

    public init(
        id: WorkflowID? = nil, taskQueue: String? = nil, executionTimeout: Duration? = nil,
        runTimeout: Duration? = nil, taskTimeout: Duration? = nil, retryPolicy: RetryPolicy? = nil,
        parentClosePolicy: ParentClosePolicy = .terminate, idReusePolicy: WorkflowIDReusePolicy = .allowDuplicate,
        memo: [String: String] = [:], searchAttributes: [String: SearchAttributeValue] = [:]
    ) {
        self.id = id
        self.taskQueue = taskQueue
        self.executionTimeout = executionTimeout
        self.runTimeout = runTimeout
        self.taskTimeout = taskTimeout
        self.retryPolicy = retryPolicy
        self.parentClosePolicy = parentClosePolicy
        self.idReusePolicy = idReusePolicy
        self.memo = memo
        self.searchAttributes = searchAttributes
    }
}

/// How the next run of a continued workflow differs from this one; nil keeps the current value.
public struct ContinueAsNewOptions: Sendable {
    public var taskQueue: String?
    public var runTimeout: Duration?
    public var taskTimeout: Duration?
    public var memo: [String: String]?
    public var searchAttributes: [String: SearchAttributeValue]?

    public init(
        taskQueue: String? = nil, runTimeout: Duration? = nil, taskTimeout: Duration? = nil,
        memo: [String: String]? = nil, searchAttributes: [String: SearchAttributeValue]? = nil
    ) {
        self.taskQueue = taskQueue
        self.runTimeout = runTimeout
        self.taskTimeout = taskTimeout
        self.memo = memo
        self.searchAttributes = searchAttributes
    }
}
