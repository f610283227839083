/// A decision a workflow task returns, which the engine validates and turns into history events
/// (Temporal's `Command`).
public enum Command: Sendable, Hashable {
    case scheduleActivityTask(ScheduleActivityTask)
    case requestCancelActivityTask(scheduledEventID: Int64)
    case startTimer(timerID: String, startToFireTimeout: Duration)
    case cancelTimer(timerID: String)
    case recordMarker(name: String, details: [String: [Payload]], failure: Failure?)
    case completeWorkflowExecution(result: [Payload])
    case failWorkflowExecution(failure: Failure)
    case cancelWorkflowExecution(details: [Payload])
    case continueAsNewWorkflowExecution(ContinueAsNew)
    case startChildWorkflowExecution(StartChildWorkflow)
    case signalExternalWorkflowExecution(SignalExternal)
    case requestCancelExternalWorkflowExecution(
        namespace: String, execution: WorkflowExecution, childWorkflowOnly: Bool, reason: String)
    case upsertWorkflowSearchAttributes([String: SearchAttributeValue])
    case modifyWorkflowProperties(upsertedMemo: [String: Payload])
    /// Accepts an update the workflow task delivered: writes `WorkflowExecutionUpdateAccepted`.
    case acceptUpdate(updateID: String)
    /// Rejects an update (its validator failed): no event is written; the caller receives `failure`.
    case rejectUpdate(updateID: String, failure: Failure)
    /// Completes an accepted update: writes `WorkflowExecutionUpdateCompleted`.
    case completeUpdate(updateID: String, outcome: UpdateOutcome)

    /// Temporal's name of the command type, used in error messages.
    public var name: String {
        switch self {
        case .scheduleActivityTask: "ScheduleActivityTask"
        case .requestCancelActivityTask: "RequestCancelActivityTask"
        case .startTimer: "StartTimer"
        case .cancelTimer: "CancelTimer"
        case .recordMarker: "RecordMarker"
        case .completeWorkflowExecution: "CompleteWorkflowExecution"
        case .failWorkflowExecution: "FailWorkflowExecution"
        case .cancelWorkflowExecution: "CancelWorkflowExecution"
        case .continueAsNewWorkflowExecution: "ContinueAsNewWorkflowExecution"
        case .startChildWorkflowExecution: "StartChildWorkflowExecution"
        case .signalExternalWorkflowExecution: "SignalExternalWorkflowExecution"
        case .requestCancelExternalWorkflowExecution: "RequestCancelExternalWorkflowExecution"
        case .upsertWorkflowSearchAttributes: "UpsertWorkflowSearchAttributes"
        case .modifyWorkflowProperties: "ModifyWorkflowProperties"
        case .acceptUpdate: "AcceptUpdate"
        case .rejectUpdate: "RejectUpdate"
        case .completeUpdate: "CompleteUpdate"
        }
    }
}

/// The attributes of a `ScheduleActivityTask` command.
public struct ScheduleActivityTask: Sendable, Hashable {
    public var activityID: String
    public var activityType: String
    /// The queue; empty means the workflow's own task queue.
    public var taskQueue: String
    public var input: [Payload]
    public var header: [String: Payload]
    public var scheduleToCloseTimeout: Duration?
    public var scheduleToStartTimeout: Duration?
    public var startToCloseTimeout: Duration?
    public var heartbeatTimeout: Duration?
    /// nil gets the default policy (1 s initial, 2.0 backoff, 100 s maximum, unlimited attempts).
    public var retryPolicy: RetryPolicy?

    public init(
        activityID: String, activityType: String, taskQueue: String = "", input: [Payload] = [],
        header: [String: Payload] = [:], scheduleToCloseTimeout: Duration? = nil,
        scheduleToStartTimeout: Duration? = nil, startToCloseTimeout: Duration? = nil,
        heartbeatTimeout: Duration? = nil, retryPolicy: RetryPolicy? = nil
    ) {
        self.activityID = activityID
        self.activityType = activityType
        self.taskQueue = taskQueue
        self.input = input
        self.header = header
        self.scheduleToCloseTimeout = scheduleToCloseTimeout
        self.scheduleToStartTimeout = scheduleToStartTimeout
        self.startToCloseTimeout = startToCloseTimeout
        self.heartbeatTimeout = heartbeatTimeout
        self.retryPolicy = retryPolicy
    }
}

/// The attributes of a `ContinueAsNewWorkflowExecution` command; nil and empty fields keep the current run's.
public struct ContinueAsNew: Sendable, Hashable {
    public var workflowType: String
    public var taskQueue: String
    public var input: [Payload]
    public var runTimeout: Duration?
    public var taskTimeout: Duration?
    public var backoffStartInterval: Duration?
    public var memo: [String: Payload]?
    public var searchAttributes: [String: SearchAttributeValue]?
    public var header: [String: Payload]

    public init(
        workflowType: String = "", taskQueue: String = "", input: [Payload] = [], runTimeout: Duration? = nil,
        taskTimeout: Duration? = nil, backoffStartInterval: Duration? = nil, memo: [String: Payload]? = nil,
        searchAttributes: [String: SearchAttributeValue]? = nil, header: [String: Payload] = [:]
    ) {
        self.workflowType = workflowType
        self.taskQueue = taskQueue
        self.input = input
        self.runTimeout = runTimeout
        self.taskTimeout = taskTimeout
        self.backoffStartInterval = backoffStartInterval
        self.memo = memo
        self.searchAttributes = searchAttributes
        self.header = header
    }
}

/// The attributes of a `StartChildWorkflowExecution` command.
public struct StartChildWorkflow: Sendable, Hashable {
    /// Empty means the parent's namespace.
    public var namespace: String
    public var workflowID: WorkflowID
    public var workflowType: String
    /// Empty means the parent's task queue.
    public var taskQueue: String
    public var input: [Payload]
    public var executionTimeout: Duration?
    public var runTimeout: Duration?
    public var taskTimeout: Duration?
    public var parentClosePolicy: ParentClosePolicy
    public var workflowIDReusePolicy: WorkflowIDReusePolicy
    public var retryPolicy: RetryPolicy?
    public var header: [String: Payload]
    public var memo: [String: Payload]
    public var searchAttributes: [String: SearchAttributeValue]

    public init(
        namespace: String = "", workflowID: WorkflowID, workflowType: String, taskQueue: String = "",
        input: [Payload] = [], executionTimeout: Duration? = nil, runTimeout: Duration? = nil,
        taskTimeout: Duration? = nil, parentClosePolicy: ParentClosePolicy = .terminate,
        workflowIDReusePolicy: WorkflowIDReusePolicy = .allowDuplicate, retryPolicy: RetryPolicy? = nil,
        header: [String: Payload] = [:], memo: [String: Payload] = [:],
        searchAttributes: [String: SearchAttributeValue] = [:]
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
        self.workflowIDReusePolicy = workflowIDReusePolicy
        self.retryPolicy = retryPolicy
        self.header = header
        self.memo = memo
        self.searchAttributes = searchAttributes
    }
}

/// The attributes of a `SignalExternalWorkflowExecution` command.
public struct SignalExternal: Sendable, Hashable {
    public var namespace: String
    /// The target; an empty run id means the open run of the workflow id.
    public var execution: WorkflowExecution
    public var signalName: String
    public var input: [Payload]
    public var childWorkflowOnly: Bool
    public var header: [String: Payload]

    public init(
        namespace: String = "", execution: WorkflowExecution, signalName: String, input: [Payload] = [],
        childWorkflowOnly: Bool = false, header: [String: Payload] = [:]
    ) {
        self.namespace = namespace
        self.execution = execution
        self.signalName = signalName
        self.input = input
        self.childWorkflowOnly = childWorkflowOnly
        self.header = header
    }
}
