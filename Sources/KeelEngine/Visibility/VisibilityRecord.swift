/// What visibility knows about one workflow run: the row that list and count queries filter and sort.
public struct VisibilityRecord: Sendable, Hashable {
    /// The namespace the run belongs to; the store keys records by namespace and run id.
    public var namespace: String
    /// The workflow id and run id.
    public var execution: WorkflowExecution
    /// The workflow type name.
    public var workflowType: String
    /// The task queue the workflow's tasks are dispatched on.
    public var taskQueue: String
    /// Whether the run is open and, once closed, how it closed.
    public var status: ExecutionStatus
    /// When the run started.
    public var startTime: Timestamp
    /// When the first workflow task was due (later than `startTime` for a delayed or cron start).
    public var executionTime: Timestamp
    /// When the run closed; nil while it is open.
    public var closeTime: Timestamp?
    /// The number of events in the run's history.
    public var historyLength: Int64
    /// The custom search attributes the workflow set, by name.
    public var searchAttributes: [String: SearchAttributeValue]
    /// The run that started this one as a child workflow; nil for a top-level run.
    public var parentExecution: WorkflowExecution?

    /// Creates a record.
    public init(
        namespace: String,
        execution: WorkflowExecution,
        workflowType: String,
        taskQueue: String,
        status: ExecutionStatus,
        startTime: Timestamp,
        executionTime: Timestamp,
        closeTime: Timestamp? = nil,
        historyLength: Int64 = 0,
        searchAttributes: [String: SearchAttributeValue] = [:],
        parentExecution: WorkflowExecution? = nil
    ) {
        self.namespace = namespace
        self.execution = execution
        self.workflowType = workflowType
        self.taskQueue = taskQueue
        self.status = status
        self.startTime = startTime
        self.executionTime = executionTime
        self.closeTime = closeTime
        self.historyLength = historyLength
        self.searchAttributes = searchAttributes
        self.parentExecution = parentExecution
    }
}
