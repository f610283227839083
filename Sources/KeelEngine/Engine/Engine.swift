import KeelLog

/// KeelEngine's front door: Temporal's history and matching services over one KeelLog data file.
///
/// Clients start, signal, query, update, cancel and terminate workflow runs; workers poll task
/// queues for workflow and activity tasks and answer them. Every state change is a durable history
/// event before anybody hears of it. All methods are safe to call from any thread or task.
public final class Engine: Sendable {
    let core: EngineCore

    private init(core: EngineCore) { self.core = core }

    /// Opens (or creates) the data file at `path` and recovers every run from it.
    ///
    /// - Throws: `.storage` when the file cannot be opened, `.corruptData` when a record does not decode.
    public static func open(
        path: String, options: EngineOptions = EngineOptions(), clock: any EngineClock = SystemClock()
    ) throws(EngineError) -> Engine {
        let store: LogStore
        do {
            store = try LogStore.open(path: path, options: options.log)
        } catch {
            throw EngineError(.storage, "could not open the data file \(path)", storageCause: error)
        }
        do {
            return try open(store: store, options: options, clock: clock)
        } catch {
            try? store.close()
            throw error
        }
    }

    /// Opens an engine over an open log store (for tests on a simulated disk) and recovers from it.
    /// `runIDSeed` makes run ids deterministic, for simulations.
    public static func open(
        store: LogStore, options: EngineOptions = EngineOptions(), clock: any EngineClock = SystemClock(),
        runIDSeed: UInt64? = nil, startTimerThread: Bool? = nil
    ) throws(EngineError) -> Engine {
        guard options.partitionCount >= 1, options.partitionCount <= 256 else {
            throw EngineError(.invalidArgument, "partitionCount must be 1...256, found \(options.partitionCount)")
        }
        // Fit the payload limit to what the log takes in one record (a quarter segment at most), so that
        // an event with several payload fields at their limit is still one record the log accepts.
        var options = options
        let recordLimit = min(store.options.recordBytesMax, store.options.commitBytesMax, Int(store.segmentBytes) / 4)
        let payloadFit = max(1_024, (recordLimit - 16 << 10) / 5)
        if options.limits.payloadBytesMax > payloadFit { options.limits.payloadBytesMax = payloadFit }
        let core = EngineCore(store: store, clock: clock, options: options, runIDSeed: runIDSeed)
        core.partitions = (0..<options.partitionCount).map { Partition(index: $0, core: core) }
        let engine = Engine(core: core)
        try engine.recover()
        // Deadlines that passed while the engine was closed fire at once.
        for partition in core.partitions { partition.fireDue() }
        core.checkpoints.opened()
        if startTimerThread ?? !(clock is ManualClock) {
            let driver = TimerDriver(core: core)
            core.timerDriver = driver
            driver.start()
        }
        return engine
    }

    /// The log the engine writes to.
    public var store: LogStore { core.store }

    /// Waits for the engine's own work in flight (timers fired, messages between runs), writes a
    /// checkpoint when `checkpointOnClose` is set and anything changed since the last one, then stops
    /// the timer thread, wakes waiting pollers and closes the data file.
    ///
    /// - Throws: `.storage` when the checkpoint or closing the data file failed.
    public func close() async throws(EngineError) {
        await core.inflight.wait()
        // A failed checkpoint still lets the file close; the next open folds what follows the last one.
        var checkpointFailure: EngineError?
        if core.options.checkpointOnClose, core.failure == nil, core.checkpoints.hasNewRecords {
            do {
                _ = try await core.checkpoint()
            } catch {
                checkpointFailure = error
            }
            await core.inflight.wait()
        }
        core.timerDriver?.stop()
        core.matching.close()
        core.closeWaiters.shut()
        do {
            try core.store.close()
        } catch {
            throw EngineError(.storage, "closing the data file failed", storageCause: error)
        }
        if let checkpointFailure { throw checkpointFailure }
    }

    /// Returns once the engine's own work in flight is durable: timers that fired, child workflow
    /// starts, signals between runs. Tests call it to reach a quiet point.
    public func settle() async {
        await core.inflight.wait()
    }

    /// Fires every deadline that is due by the clock (with a `ManualClock`, after advancing it), and
    /// returns once their effects, and everything they set off, are durable.
    public func fireDueTimers() async {
        for partition in core.partitions { partition.fireDue() }
        await core.inflight.wait()
    }

    /// The earliest pending deadline of any run, or nil.
    public func nextDeadline() -> Timestamp? {
        core.partitions.compactMap { $0.nextDeadline() }.min()
    }

    /// The earliest pending deadline of open runs' work (timers, timeouts, retries, delayed starts),
    /// leaving out the retention of closed runs; what a time-skipping test clock moves to.
    public func nextWorkDeadline() -> Timestamp? {
        core.partitions.compactMap { $0.nextDeadline(includingRetention: false) }.min()
    }

    // MARK: - Namespaces

    /// Creates or updates a namespace; durable when this returns.
    public func registerNamespace(_ settings: NamespaceSettings) async throws(EngineError) {
        guard !settings.name.isEmpty, settings.name.utf8.count <= core.options.limits.namespaceBytesMax else {
            throw EngineError(
                .invalidArgument,
                "expected a namespace name of 1...\(core.options.limits.namespaceBytesMax) bytes, found \(settings.name.utf8.count)"
            )
        }
        guard settings.retention > .zero else {
            throw EngineError(.invalidArgument, "expected a positive retention, found \(settings.retention)")
        }
        for (name, type) in settings.searchAttributes.sorted(by: { $0.key < $1.key }) {
            var probe = SearchAttributeRegistry()
            do {
                try probe.register(name, type: type)
            } catch {
                throw EngineError(.invalidArgument, "search attribute '\(name)': \(error)")
            }
            if let existing = core.namespaces.get(settings.name)?.searchAttributes[name], existing != type {
                throw EngineError(
                    .invalidArgument, "search attribute '\(name)' is already registered as \(existing), not \(type)")
            }
        }
        do {
            try await core.store.append([LogRecord(stream: EngineRecord.namespaceStream, payload: settings.encode())])
        } catch {
            throw core.fail(error)
        }
        apply(settings)
    }

    /// The settings of namespace `name`, or nil.
    public func namespace(_ name: String) -> NamespaceSettings? { core.namespaces.get(name) }

    /// Every namespace, by name.
    public func namespaces() -> [NamespaceSettings] { core.namespaces.all() }

    private func apply(_ settings: NamespaceSettings) {
        core.namespaces.set(settings)
        for (name, type) in settings.searchAttributes {
            try? core.visibility.register(name, type: type, namespace: settings.name)
        }
    }

    private func requireNamespace(_ name: String) throws(EngineError) {
        guard core.namespaces.exists(name) else { throw EngineError(.notFound, "namespace '\(name)' not found") }
    }

    // MARK: - Starting and messaging runs

    /// Starts a workflow run, or returns the run a repeated request id or the conflict policy names.
    ///
    /// - Throws: `.workflowAlreadyStarted` when the id's policies forbid a new run; `.invalidArgument`
    ///   or `.limitExceeded` for a bad request; `.notFound` for an unknown namespace.
    public func startWorkflow(_ request: StartWorkflowRequest) async throws(EngineError) -> StartWorkflowResult {
        try validate(request)
        let partition = core.partition(for: request.workflowID)
        return try await partition.perform { batch throws(EngineError) in
            try partition.start(request, parent: nil, signal: nil, in: batch)
        }
    }

    /// Signals the open run of `request.workflowID`, or starts a run and signals it.
    public func signalWithStart(_ request: StartWorkflowRequest, signal: SignalRequest) async throws(EngineError)
        -> StartWorkflowResult
    {
        try validate(request)
        let partition = core.partition(for: request.workflowID)
        return try await partition.perform { batch throws(EngineError) in
            try partition.start(request, parent: nil, signal: signal, in: batch)
        }
    }

    private func validate(_ request: StartWorkflowRequest) throws(EngineError) {
        try requireNamespace(request.namespace)
        let limits = core.options.limits
        for (what, text) in [
            ("workflow id", request.workflowID.rawValue), ("workflow type", request.workflowType),
            ("task queue", request.taskQueue),
        ] {
            if text.isEmpty { throw EngineError(.invalidArgument, "expected a \(what), found an empty one") }
            if text.utf8.count > limits.identifierBytesMax {
                throw EngineError(
                    .limitExceeded,
                    "\(what) of \(text.utf8.count) bytes exceeds identifierBytesMax \(limits.identifierBytesMax)")
            }
        }
        try checkTexts([("identity", request.identity), ("request id", request.requestID)])
        if let problem = Partition.checkPayloads(request.input, "input", limit: limits.payloadBytesMax)
            ?? Partition.checkPayloadMap(request.memo, "memo", limit: limits.payloadBytesMax)
            ?? Partition.checkPayloadMap(request.header, "header", limit: limits.payloadBytesMax)
            ?? Partition.checkSearchAttributeValues(request.searchAttributes, limit: limits.payloadBytesMax)
        {
            throw EngineError(.limitExceeded, problem)
        }
        for (what, timeout) in [
            ("execution timeout", request.executionTimeout), ("run timeout", request.runTimeout),
            ("task timeout", request.taskTimeout), ("start delay", request.startDelay),
        ] {
            if let timeout, timeout < .zero {
                throw EngineError(.invalidArgument, "expected a non-negative \(what), found \(timeout)")
            }
        }
        if let policy = request.retryPolicy,
            let problem = RetryPolicy.problem(with: policy, limits: core.options.limits)
        {
            throw EngineError(.invalidArgument, problem)
        }
        for (name, value) in request.searchAttributes.sorted(by: { $0.key < $1.key }) {
            guard let type = core.namespaces.searchAttributeType(name, in: request.namespace) else {
                throw EngineError(
                    .invalidArgument, "search attribute '\(name)' is not registered in namespace '\(request.namespace)'"
                )
            }
            if type != value.type {
                throw EngineError(
                    .invalidArgument, "search attribute '\(name)' is \(type), found a \(value.type) value")
            }
        }
    }

    /// Checks free-text fields a caller sends (identities, reasons, request ids) against
    /// `identifierBytesMax`, so no request can make an event larger than the log takes.
    func checkTexts(_ texts: [(String, String)]) throws(EngineError) {
        let limit = core.options.limits.identifierBytesMax
        for (what, text) in texts where text.utf8.count > limit {
            throw EngineError(
                .limitExceeded, "\(what) of \(text.utf8.count) bytes exceeds identifierBytesMax \(limit)")
        }
    }

    /// Checks a payload list a caller sends against `payloadBytesMax`.
    func checkPayloads(_ payloads: [Payload], _ what: String) throws(EngineError) {
        if let problem = Partition.checkPayloads(payloads, what, limit: core.options.limits.payloadBytesMax) {
            throw EngineError(.limitExceeded, problem)
        }
    }

    /// Delivers a signal to a run (an empty run id means the workflow id's current run).
    ///
    /// - Throws: `.notFound`, or `.failedPrecondition` when the run is closed.
    public func signal(namespace: String = "default", execution: WorkflowExecution, _ signal: SignalRequest)
        async throws(EngineError)
    {
        let partition = core.partition(for: execution.workflowID)
        try await partition.perform { batch throws(EngineError) in
            let run = try partition.openRun(namespace: namespace, execution: execution)
            try partition.deliverSignal(signal, to: run, in: batch)
        }
    }

    /// Asks a run to cancel: writes `WorkflowExecutionCancelRequested` and lets the workflow decide.
    public func requestCancel(
        namespace: String = "default", execution: WorkflowExecution, reason: String = "", identity: String = ""
    ) async throws(EngineError) {
        try checkTexts([("reason", reason), ("identity", identity)])
        let partition = core.partition(for: execution.workflowID)
        try await partition.perform { batch throws(EngineError) in
            let run = try partition.openRun(namespace: namespace, execution: execution)
            partition.requestCancel(run, cause: reason, external: nil, identity: identity, in: batch)
        }
    }

    /// Ends a run at once with `WorkflowExecutionTerminated`.
    public func terminate(
        namespace: String = "default", execution: WorkflowExecution, reason: String = "", details: [Payload] = [],
        identity: String = ""
    ) async throws(EngineError) {
        try checkTexts([("reason", reason), ("identity", identity)])
        try checkPayloads(details, "details")
        let partition = core.partition(for: execution.workflowID)
        try await partition.perform { batch throws(EngineError) in
            let run = try partition.openRun(namespace: namespace, execution: execution)
            partition.terminate(run, reason: reason, details: details, identity: identity, in: batch)
        }
    }

    /// Sends an update to a run and waits until it is accepted or completed, as `waitFor` says. A
    /// repeated update id joins the first request (and returns its outcome once known).
    ///
    /// - Throws: `.notFound`, `.failedPrecondition` when the run closes first, `.limitExceeded`.
    public func update(
        namespace: String = "default", execution: WorkflowExecution, _ request: UpdateRequest,
        waitFor stage: UpdateWaitStage = .completed
    ) async throws(EngineError) -> UpdateStatus {
        guard !request.updateID.isEmpty, !request.name.isEmpty else {
            throw EngineError(.invalidArgument, "expected an update id and an update name, found an empty one")
        }
        let partition = core.partition(for: execution.workflowID)
        let key = try partition.lock.withLock { () throws(EngineError) in
            try partition.resolve(namespace: namespace, execution: execution).key
        }
        let waiters = core.updateWaiters
        let result: Result<UpdateStatus, EngineError> = await withCheckedContinuation { continuation in
            waiters.add(run: key, updateID: request.updateID, stage: stage, continuation: continuation)
            Task {
                do throws(EngineError) {
                    let state = try await partition.perform { batch throws(EngineError) in
                        let run = try partition.run(key)
                        return try partition.admitUpdate(request, run: run, in: batch)
                    }
                    if let outcome = state.outcome {
                        waiters.resolve(run: key, updateID: request.updateID, status: .completed(outcome))
                    } else if state.acceptedEventID != 0 {
                        waiters.resolve(run: key, updateID: request.updateID, status: .accepted)
                    }
                } catch {
                    waiters.fail(run: key, updateID: request.updateID, error: error)
                }
            }
        }
        return try result.get()
    }

    /// Asks a worker to answer a query about a run, waiting up to `timeout` (wall-clock time) for it.
    ///
    /// - Throws: `.deadlineExceeded` when no worker answered in time; `.notFound`.
    public func query(
        namespace: String = "default", execution: WorkflowExecution, queryType: String, arguments: [Payload] = [],
        timeout: Duration = .seconds(10)
    ) async throws(EngineError) -> QueryOutcome {
        let partition = core.partition(for: execution.workflowID)
        let (key, queue) = try partition.lock.withLock { () throws(EngineError) in
            let run = try partition.resolve(namespace: namespace, execution: execution)
            return (run.key, run.started.taskQueue.name)
        }
        let queries = core.queries
        let id = queries.makeID()
        let request = QueryRequest(queryID: id, queryType: queryType, arguments: arguments, header: [:])
        let matching = core.matching
        let result: Result<QueryOutcome, EngineError> = await withCheckedContinuation { continuation in
            queries.wait(id, continuation: continuation)
            matching.offer(
                .query(run: key, query: request), to: QueueKey(namespace: namespace, name: queue, kind: .workflow))
            Task {
                try? await Task.sleep(for: timeout)
                queries.answer(
                    id,
                    .failure(
                        EngineError(
                            .deadlineExceeded,
                            "no worker answered query '\(queryType)' on \(key) within \(timeout); is a worker polling task queue '\(queue)'?"
                        )))
            }
        }
        return try result.get()
    }

    // MARK: - Reading runs

    /// Every event of a run's history, in order.
    ///
    /// - Throws: `.notFound`; `.storage` or `.corruptData` when the log cannot be read.
    public func history(namespace: String = "default", execution: WorkflowExecution) throws(EngineError)
        -> [HistoryEvent]
    {
        let partition = core.partition(for: execution.workflowID)
        let key = try partition.lock.withLock { () throws(EngineError) in
            try partition.resolve(namespace: namespace, execution: execution).key
        }
        return try readHistory(key)
    }

    func readHistory(_ key: RunKey, through lastEventID: Int64 = .max) throws(EngineError) -> [HistoryEvent] {
        var events: [HistoryEvent] = []
        events.reserveCapacity(32)
        var failure: EngineError? = nil
        do {
            // Events are decoded in place from the store's blocks: no copy of each record.
            try core.store.read(stream: key.stream) { _, payload in
                guard payload.first == EngineRecordKind.event.rawValue else { return true }
                do throws(EngineError) {
                    let event = try EventCodec.decode(payload)
                    if event.eventID > lastEventID { return false }
                    events.append(event)
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
        } catch {
            throw EngineError(.storage, "reading the history of \(key) failed", storageCause: error)
        }
        if let failure { throw failure }
        return events
    }

    /// What the engine knows about a run: its visibility record, memo and pending work.
    public func describe(namespace: String = "default", execution: WorkflowExecution) throws(EngineError)
        -> ExecutionDescription
    {
        let partition = core.partition(for: execution.workflowID)
        return try partition.lock.withLock { () throws(EngineError) in
            let run = try partition.resolve(namespace: namespace, execution: execution)
            let activities = run.activities.values.sorted { $0.scheduledEventID < $1.scheduledEventID }.map {
                activity in
                PendingActivityInfo(
                    activityID: activity.attributes.activityID, activityType: activity.attributes.activityType,
                    scheduledEventID: activity.scheduledEventID,
                    state: activity.cancelRequestedEventID != 0
                        ? "CancelRequested" : activity.isStarted ? "Started" : "Scheduled",
                    attempt: activity.attempt, heartbeatDetails: activity.heartbeatDetails,
                    lastFailure: activity.lastFailure, lastHeartbeatTime: activity.lastHeartbeatTime,
                    lastStartedTime: activity.startedTime, nextAttemptScheduleTime: activity.retryTime)
            }
            let children = run.children.values.sorted { $0.initiatedEventID < $1.initiatedEventID }.map { child in
                PendingChildInfo(
                    workflowID: child.attributes.workflowID, runID: child.runID,
                    workflowType: child.attributes.workflowType, initiatedEventID: child.initiatedEventID,
                    parentClosePolicy: child.attributes.parentClosePolicy)
            }
            let task = run.workflowTask.map {
                PendingWorkflowTaskInfo(
                    scheduledEventID: $0.scheduledEventID, isStarted: $0.isStarted, attempt: $0.attempt,
                    scheduledTime: $0.scheduledTime)
            }
            return ExecutionDescription(
                record: run.visibilityRecord, memo: run.memo, pendingActivities: activities,
                pendingChildren: children, pendingWorkflowTask: task, historyLength: run.historyLength,
                historySizeBytes: run.historySizeBytes)
        }
    }

    /// Lists runs matching a filter (Temporal's list filter language; docs/visibility.md).
    ///
    /// - Throws: `.invalidArgument` naming the offending token of a malformed query.
    public func listWorkflows(
        namespace: String = "default", query: String = "", pageSize: Int = 0, nextPageToken: [UInt8]? = nil
    ) throws(EngineError) -> (records: [VisibilityRecord], nextPageToken: [UInt8]?) {
        try requireNamespace(namespace)
        do {
            return try core.visibility.list(
                namespace: namespace, query: query, pageSize: pageSize, nextPageToken: nextPageToken)
        } catch {
            throw EngineError(.invalidArgument, error.description)
        }
    }

    /// Counts runs matching a filter.
    public func countWorkflows(namespace: String = "default", query: String = "") throws(EngineError) -> Int {
        try requireNamespace(namespace)
        do {
            return try core.visibility.count(namespace: namespace, query: query)
        } catch {
            throw EngineError(.invalidArgument, error.description)
        }
    }

    /// The backlog and waiting pollers of a task queue.
    public func taskQueueStats(namespace: String = "default", taskQueue: String, activities: Bool = false)
        -> TaskQueueStats
    {
        core.matching.stats(
            QueueKey(namespace: namespace, name: taskQueue, kind: activities ? .activity : .workflow))
    }
}
