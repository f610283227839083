import Foundation
import KeelEngine

/// How to start a workflow.
public struct WorkflowOptions: Sendable {
    /// The workflow id: unique among the namespace's open runs.
    public var id: WorkflowID
    /// The task queue whose workers run it.
    public var taskQueue: String
    public var executionTimeout: Duration?
    public var runTimeout: Duration?
    public var taskTimeout: Duration?
    public var idReusePolicy: WorkflowIDReusePolicy
    public var idConflictPolicy: WorkflowIDConflictPolicy
    public var retryPolicy: RetryPolicy?
    public var memo: [String: String]
    public var searchAttributes: [String: SearchAttributeValue]
    /// How long to wait before the first workflow task.
    public var startDelay: Duration?
    /// Makes a repeated start with the same id and request id return the first run.
    public var requestID: String?

    public init(
        id: WorkflowID, taskQueue: String, executionTimeout: Duration? = nil, runTimeout: Duration? = nil,
        taskTimeout: Duration? = nil, idReusePolicy: WorkflowIDReusePolicy = .allowDuplicate,
        idConflictPolicy: WorkflowIDConflictPolicy = .fail, retryPolicy: RetryPolicy? = nil,
        memo: [String: String] = [:], searchAttributes: [String: SearchAttributeValue] = [:],
        startDelay: Duration? = nil, requestID: String? = nil
    ) {
        self.id = id
        self.taskQueue = taskQueue
        self.executionTimeout = executionTimeout
        self.runTimeout = runTimeout
        self.taskTimeout = taskTimeout
        self.idReusePolicy = idReusePolicy
        self.idConflictPolicy = idConflictPolicy
        self.retryPolicy = retryPolicy
        self.memo = memo
        self.searchAttributes = searchAttributes
        self.startDelay = startDelay
        self.requestID = requestID
    }
}

/// Starts, signals, queries, updates, cancels and inspects workflows of an engine in this process.
public struct KeelClient: Sendable {
    /// The engine the client talks to.
    public let engine: Engine
    public var namespace: String
    public var converter: DataConverter
    public var identity: String
    /// Moves a test environment's clock while the client waits for a result.
    var timeSkipper: TimeSkipper?

    public init(engine: Engine, namespace: String = "default", converter: DataConverter = .default) {
        self.engine = engine
        self.namespace = namespace
        self.converter = converter
        self.identity = "client-\(ProcessInfo.processInfo.processIdentifier)"
    }

    private func request<W: Workflow>(_ type: W.Type, input: W.Input, options: WorkflowOptions) throws
        -> StartWorkflowRequest
    {
        StartWorkflowRequest(
            namespace: namespace, workflowID: options.id, workflowType: W.name, taskQueue: options.taskQueue,
            input: try converter.encode(input), executionTimeout: options.executionTimeout,
            runTimeout: options.runTimeout, taskTimeout: options.taskTimeout, identity: identity,
            requestID: options.requestID ?? UUID().uuidString, idReusePolicy: options.idReusePolicy,
            idConflictPolicy: options.idConflictPolicy, retryPolicy: options.retryPolicy,
            memo: try options.memo.mapValues { try converter.encodeOne($0) },
            searchAttributes: options.searchAttributes, startDelay: options.startDelay)
    }

    /// Starts a workflow and returns a handle to its run.
    public func startWorkflow<W: Workflow>(_ type: W.Type, input: W.Input, options: WorkflowOptions) async throws
        -> WorkflowHandle<W>
    {
        let result = try await engine.startWorkflow(try request(type, input: input, options: options))
        return handle(type, id: options.id, runID: result.runID)
    }

    /// Starts a workflow of no input.
    public func startWorkflow<W: Workflow>(_ type: W.Type, options: WorkflowOptions) async throws -> WorkflowHandle<W>
    where W.Input == Nothing {
        try await startWorkflow(type, input: Nothing(), options: options)
    }

    /// Starts a workflow and waits for its result.
    public func executeWorkflow<W: Workflow>(_ type: W.Type, input: W.Input, options: WorkflowOptions) async throws
        -> W.Output
    {
        try await startWorkflow(type, input: input, options: options).result()
    }

    /// Signals a workflow, starting it first when no run with that id is open.
    public func signalWithStart<W: Workflow, SignalInput>(
        _ type: W.Type, input: W.Input, options: WorkflowOptions, signal: Signal<W, SignalInput>,
        signalInput: SignalInput
    ) async throws -> WorkflowHandle<W> {
        let result = try await engine.signalWithStart(
            try request(type, input: input, options: options),
            signal: SignalRequest(
                name: signal.name, input: try converter.encode(signalInput), identity: identity,
                requestID: UUID().uuidString))
        return handle(type, id: options.id, runID: result.runID)
    }

    /// A handle to a workflow by id; an empty run id means its current run.
    public func handle<W: Workflow>(_ type: W.Type, id: WorkflowID, runID: RunID = "") -> WorkflowHandle<W> {
        WorkflowHandle(client: self, execution: WorkflowExecution(workflowID: id, runID: runID))
    }

    /// Runs matching a filter (`WorkflowType = 'Transfer' AND ExecutionStatus = 'Running'`), newest
    /// first.
    ///
    /// - Complexity: O(runs in the namespace).
    public func listWorkflows(query: String = "", pageSize: Int = 1_000) throws -> [VisibilityRecord] {
        var records: [VisibilityRecord] = []
        var token: [UInt8]? = nil
        repeat {
            let page = try engine.listWorkflows(
                namespace: namespace, query: query, pageSize: pageSize, nextPageToken: token)
            records.append(contentsOf: page.records)
            token = page.nextPageToken
        } while token != nil
        return records
    }

    /// How many runs match a filter.
    public func countWorkflows(query: String = "") throws -> Int {
        try engine.countWorkflows(namespace: namespace, query: query)
    }
}

/// A workflow run (or a workflow id's current run) that a client acts on.
public struct WorkflowHandle<W: Workflow>: Sendable {
    public let client: KeelClient
    /// The workflow id and the run id (empty for the current run).
    public let execution: WorkflowExecution

    /// Waits until the run closes and returns its result, following continue-as-new and retries to
    /// the last run.
    ///
    /// - Throws: `WorkflowFailedError` when the workflow failed, was canceled, terminated or timed out.
    public func result() async throws -> W.Output {
        var execution = self.execution
        while true {
            let close = try await awaitClose(execution)
            switch close.attributes {
            case .workflowExecutionCompleted(let completed):
                return try client.converter.decode(W.Output.self, from: completed.result)
            case .workflowExecutionContinuedAsNew(let continued):
                execution = WorkflowExecution(workflowID: execution.workflowID, runID: continued.newExecutionRunID)
            case .workflowExecutionFailed(let failed):
                if let next = failed.newExecutionRunID, !next.rawValue.isEmpty {
                    execution = WorkflowExecution(workflowID: execution.workflowID, runID: next)
                    continue
                }
                throw WorkflowFailedError(execution: execution, closeEvent: close.eventType, cause: failed.failure)
            case .workflowExecutionTimedOut(let timedOut):
                if let next = timedOut.newExecutionRunID, !next.rawValue.isEmpty {
                    execution = WorkflowExecution(workflowID: execution.workflowID, runID: next)
                    continue
                }
                throw WorkflowFailedError(execution: execution, closeEvent: close.eventType, cause: nil)
            case .workflowExecutionCanceled:
                throw WorkflowFailedError(
                    execution: execution, closeEvent: close.eventType,
                    cause: Failure(message: "workflow canceled", info: .canceled(details: [])))
            case .workflowExecutionTerminated(let terminated):
                throw WorkflowFailedError(
                    execution: execution, closeEvent: close.eventType,
                    cause: Failure(message: terminated.reason, info: .terminated))
            default:
                throw WorkflowFailedError(execution: execution, closeEvent: close.eventType, cause: nil)
            }
        }
    }

    private func awaitClose(_ execution: WorkflowExecution) async throws -> HistoryEvent {
        let engine = client.engine
        let namespace = client.namespace
        guard let skipper = client.timeSkipper else {
            return try await engine.awaitClose(namespace: namespace, execution: execution)
        }
        return try await skipper.whileWaiting {
            try await engine.awaitClose(namespace: namespace, execution: execution)
        }
    }

    /// Sends the run a signal.
    public func signal<Input>(_ signal: Signal<W, Input>, _ input: Input) async throws {
        try await client.engine.signal(
            namespace: client.namespace, execution: execution,
            SignalRequest(
                name: signal.name, input: try client.converter.encode(input), identity: client.identity,
                requestID: UUID().uuidString))
    }

    /// Sends the run a signal of no input.
    public func signal(_ signal: Signal<W, Nothing>) async throws {
        try await self.signal(signal, Nothing())
    }

    /// Asks a worker to answer a query about the run.
    public func query<Input, Output>(_ query: Query<W, Input, Output>, _ input: Input, timeout: Duration = .seconds(10))
        async throws -> Output
    {
        let outcome = try await client.engine.query(
            namespace: client.namespace, execution: execution, queryType: query.name,
            arguments: try client.converter.encode(input), timeout: timeout)
        switch outcome {
        case .answered(let payloads): return try client.converter.decode(Output.self, from: payloads)
        case .failed(let failure): throw ApplicationError(failure: failure) ?? failure
        }
    }

    /// Asks a query of no input.
    public func query<Output>(_ query: Query<W, Nothing, Output>, timeout: Duration = .seconds(10)) async throws
        -> Output
    {
        try await self.query(query, Nothing(), timeout: timeout)
    }

    /// Sends the run an update and returns its result once the workflow has handled it.
    ///
    /// - Throws: the validator's or handler's error when the update was rejected or failed.
    public func update<Input, Output>(_ update: Update<W, Input, Output>, _ input: Input, id: String? = nil)
        async throws -> Output
    {
        let request = UpdateRequest(
            updateID: id ?? UUID().uuidString, name: update.name, input: try client.converter.encode(input),
            identity: client.identity)
        let status = try await client.engine.update(
            namespace: client.namespace, execution: execution, request, waitFor: .completed)
        switch status {
        case .completed(.success(let payloads)): return try client.converter.decode(Output.self, from: payloads)
        case .completed(.failure(let failure)): throw ApplicationError(failure: failure) ?? failure
        default:
            throw ApplicationError("update \(request.updateID) ended without an outcome", type: "UpdateIncomplete")
        }
    }

    /// Sends the run an update of no input and returns its result.
    public func update<Output>(_ update: Update<W, Nothing, Output>, id: String? = nil) async throws -> Output {
        try await self.update(update, Nothing(), id: id)
    }

    /// Asks the run to cancel; the workflow code sees its task canceled.
    public func cancel(reason: String = "") async throws {
        try await client.engine.requestCancel(
            namespace: client.namespace, execution: execution, reason: reason, identity: client.identity)
    }

    /// Ends the run at once, without running workflow code.
    public func terminate(reason: String = "") async throws {
        try await client.engine.terminate(
            namespace: client.namespace, execution: execution, reason: reason, identity: client.identity)
    }

    /// What the engine knows about the run.
    public func describe() throws -> ExecutionDescription {
        try client.engine.describe(namespace: client.namespace, execution: execution)
    }

    /// The run's history.
    public func history() throws -> [HistoryEvent] {
        try client.engine.history(namespace: client.namespace, execution: execution)
    }

    /// The run's history as JSON in the shape of Temporal's history export (`temporal workflow show
    /// --output json`), for `WorkflowReplayer` and Temporal's tools.
    public func exportHistoryJSON(pretty: Bool = true) throws -> [UInt8] {
        HistoryJSON.encode(try history(), pretty: pretty)
    }
}
