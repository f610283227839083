import KeelLog

/// The writes one operation makes, and what to do once they are durable.
final class Batch {
    let now: Timestamp
    var records: [LogRecord] = []
    /// Run after the records are durable, outside the partition's lock, in order.
    var effects: [BatchEffect] = []
    /// Runs whose visibility record changed.
    var touched: [ObjectIdentifier: RunState] = [:]
    /// An error to return to the caller after the batch is durable (e.g. a workflow task failed
    /// because of a bad command: the failure is written, and the worker is told why).
    var error: EngineError?

    init(now: Timestamp) { self.now = now }

    func touch(_ run: RunState) { touched[ObjectIdentifier(run)] = run }

    func after(_ effect: @escaping @Sendable () -> Void) { effects.append(.run(effect)) }

    /// Offers `task` to matching once the records are durable (without a closure per task).
    func offer(_ task: MatchTask, to queue: QueueKey) {
        if effects.isEmpty { effects.reserveCapacity(2) }
        effects.append(.offer(task, queue))
    }
}

/// One thing a batch does once it is durable.
enum BatchEffect: @unchecked Sendable {
    /// Offers a task to matching: the common effect, kept as data so that it costs no allocation.
    case offer(MatchTask, QueueKey)
    /// Anything else.
    case run(@Sendable () -> Void)
}

/// What a batch does once it is durable: its visibility updates, then its effects in order. One
/// object per batch, shared by every commit of the batch.
final class BatchCompletion: @unchecked Sendable {
    private let core: EngineCore
    private let visibility: [VisibilityRecord]
    private let effects: [BatchEffect]

    init(core: EngineCore, visibility: [VisibilityRecord], effects: [BatchEffect]) {
        self.core = core
        self.visibility = visibility
        self.effects = effects
    }

    /// The caller's callback, for a batch of one commit (see `finish`).
    var completion: (@Sendable (Result<Void, EngineError>) -> Void)?

    /// Ends a batch of one commit once the log answered: runs the effects and then `completion`, or
    /// fails the engine and passes the failure on.
    func finish(_ result: Result<ClosedRange<LSN>, LogError>) {
        switch result {
        case .success:
            run()
            completion?(.success(()))
        case .failure(let error):
            completion?(.failure(core.fail(error)))
        }
        completion = nil
    }

    /// Runs the visibility updates and the effects (outside every partition's lock).
    func run() {
        if !visibility.isEmpty { core.visibility.upsert(visibility) }
        for effect in effects {
            switch effect {
            case .offer(let task, let queue): core.matching.offer(task, to: queue)
            case .run(let body): body()
            }
        }
    }
}

/// One single-threaded partition of the engine: the runs whose workflow ids hash to it, their
/// deadlines, and the write path that turns requests into durable history events.
///
/// Every method that touches state runs under `lock`; a write is handed to the log's group commit
/// while the lock is held, so the log's order is the order of state changes. Callers are answered,
/// and tasks offered to matching, only once the write is durable.
final class Partition: @unchecked Sendable {
    let index: Int
    unowned let core: EngineCore
    let lock = Lock()

    /// Every run the partition knows: open runs, and closed runs until their retention ends.
    var runs: [RunKey: RunState] = [:]
    /// The newest run of each workflow id (open, or the last to close).
    var current: [WorkflowKey: RunState] = [:]
    /// Start request ids of known runs, for idempotent starts.
    var startRequests: [RequestKey: RunKey] = [:]
    var deadlines: DeadlineQueue
    /// Retention deadlines of closed runs, apart from the deadlines of open runs' work, so a test
    /// clock that skips to the next piece of work never skips to the end of a retention period.
    var retentionDeadlines: DeadlineQueue
    /// How many runs the partition registered; the next run's `registration`.
    var registrations: UInt64 = 0
    /// Every run in `runs` by its `registration`, for deadlines, which name runs by that number.
    var registered: [UInt64: RunState] = [:]
    /// History streams of removed runs not yet marked dead in the log. A checkpoint keeps them, so
    /// that a restart marks them dead again when the first try was lost.
    var retiring: Set<StreamKey> = []

    init(index: Int, core: EngineCore) {
        self.index = index
        self.core = core
        self.deadlines = DeadlineQueue(now: core.clock.now())
        self.retentionDeadlines = DeadlineQueue(now: core.clock.now())
    }

    // MARK: - Running operations

    /// Runs `body` under the lock with a fresh batch, commits the batch, and returns `body`'s value
    /// once the batch is durable.
    func perform<T: Sendable>(_ body: (Batch) throws(EngineError) -> T) async throws(EngineError) -> T {
        // Resumed exactly once: by a closure returned from the lock, or by the batch's completion,
        // which the log calls once (and `Countdown` once for a batch of several commits). An unsafe
        // continuation saves the checked one's allocation on every operation.
        let result: Result<T, EngineError> = await withUnsafeContinuation { continuation in
            let finish: (() -> Void)? = lock.withLock {
                if let failure = core.failure {
                    return { continuation.resume(returning: .failure(failure)) }
                }
                let batch = Batch(now: core.clock.now())
                let value: T
                do throws(EngineError) {
                    value = try body(batch)
                } catch {
                    return { continuation.resume(returning: .failure(error)) }
                }
                let deferred = batch.error
                return commit(batch) { outcome in
                    switch outcome {
                    case .success: continuation.resume(returning: deferred.map { .failure($0) } ?? .success(value))
                    case .failure(let error): continuation.resume(returning: .failure(error))
                    }
                }
            }
            finish?()
        }
        return try result.get()
    }

    /// Runs `body` like `perform` without waiting: for timers and messages between runs. The engine
    /// counts it as in flight until its batch is durable, so `Engine.settle()` can wait for it.
    func performDetached(_ body: @escaping (Batch) -> Void) {
        core.inflight.begin()
        let inflight = core.inflight
        let finish: (() -> Void)? = lock.withLock {
            if core.failure != nil { return { inflight.end() } }
            let batch = Batch(now: core.clock.now())
            body(batch)
            return commit(batch) { _ in inflight.end() }
        }
        finish?()
    }

    /// Appends `batch` (under the lock); once it is durable, runs its effects and then `completion`.
    /// A batch with nothing to write is not appended: its effects and completion are returned, to be
    /// run by the caller after it releases the lock (an effect may take a partition's lock).
    private func commit(
        _ batch: Batch, completion: @escaping @Sendable (Result<Void, EngineError>) -> Void
    ) -> (() -> Void)? {
        let core = self.core
        let visibility = batch.touched.isEmpty ? [] : batch.touched.values.map(\.visibilityRecord)
        let effects = BatchCompletion(core: core, visibility: visibility, effects: batch.effects)
        guard !batch.records.isEmpty else {
            return {
                effects.run()
                completion(.success(()))
            }
        }
        var bytes = 0
        for record in batch.records { bytes += record.payload.count + record.stream.bytes.count }
        if core.checkpoints.noteAppended(records: batch.records.count, bytes: bytes) {
            core.startAutomaticCheckpoint()
        }
        if core.fitsOneCommit(batch.records) {
            // Almost every batch is one commit: it needs no countdown. The completion holds the
            // caller's callback, so the log's callback captures one object and costs no allocation.
            effects.completion = completion
            core.store.append(batch.records) { effects.finish($0) }
            return nil
        }
        let chunks = core.commitChunks(batch.records)
        let remaining = Countdown(chunks.count)
        for chunk in chunks {
            core.store.append(chunk) { result in
                switch result {
                case .success:
                    guard remaining.finishOne() else { return }
                    effects.run()
                    completion(.success(()))
                case .failure(let error):
                    let failure = core.fail(error)
                    if remaining.fail() { completion(.failure(failure)) }
                }
            }
        }
        return nil
    }

    // MARK: - Writing events

    /// Writes `attributes` as the run's next history event and returns its event id.
    @discardableResult
    func write(_ attributes: EventAttributes, to run: RunState, in batch: Batch) -> Int64 {
        let event = HistoryEvent(eventID: run.nextEventID, time: batch.now, attributes: attributes)
        let payload = EventCodec.encode(event)
        run.apply(event, encodedBytes: payload.count)
        // Most batches write one to four events: one allocation instead of one per append.
        if batch.records.isEmpty { batch.records.reserveCapacity(4) }
        batch.records.append(LogRecord(stream: run.stream, payload: payload))
        switch event.eventType {
        case .workflowExecutionStarted, .upsertWorkflowSearchAttributes:
            batch.touch(run)
        case let type where type.isClosing:
            batch.touch(run)
        default:
            // Visibility shows a run's start, close and search attributes; other events leave it as is
            // (its history length is brought up to date when the run closes, as in Temporal).
            break
        }
        return event.eventID
    }

    /// Writes `attributes` now, or buffers it when a workflow task is running (Temporal writes such
    /// events after the task completes, so a task's events stay contiguous). A buffered event is
    /// durable at once as a buffered-event record (FORMAT.md Part II).
    func emit(_ attributes: EventAttributes, to run: RunState, in batch: Batch) {
        if run.workflowTask?.isStarted == true {
            run.holdBack(before: attributes)
            run.buffered.append((batch.now, attributes))
            let payload = EngineRecord.encodeBuffered(attributes, time: batch.now)
            run.bufferedBytes += payload.count
            batch.records.append(LogRecord(stream: run.stream, payload: payload))
        } else {
            write(attributes, to: run, in: batch)
        }
    }

    /// Writes the buffered events as history events, in arrival order. An activity's or child's closing
    /// event buffered with its started event was written before that event had an id; it gets it now.
    func flushBuffered(_ run: RunState, in batch: Batch) {
        let buffered = run.buffered
        run.buffered.removeAll()
        run.bufferedBytes = 0
        run.heldBack = nil
        var activities: [Int64: Int64] = [:]
        var children: [Int64: Int64] = [:]
        /// Sets `started` from `ids[value[key]]` when the started event was buffered too.
        func patched<T>(
            _ value: T, _ key: KeyPath<T, Int64>, _ started: WritableKeyPath<T, Int64>, _ ids: [Int64: Int64]
        )
            -> T
        {
            var value = value
            if let id = ids[value[keyPath: key]] { value[keyPath: started] = id }
            return value
        }
        for (_, original) in buffered {
            let attributes: EventAttributes
            switch original {
            case .activityTaskStarted(let started):
                activities[started.scheduledEventID] = run.nextEventID
                attributes = original
            case .activityTaskCompleted(let closed):
                attributes = .activityTaskCompleted(patched(closed, \.scheduledEventID, \.startedEventID, activities))
            case .activityTaskFailed(let closed):
                attributes = .activityTaskFailed(patched(closed, \.scheduledEventID, \.startedEventID, activities))
            case .activityTaskTimedOut(let closed):
                attributes = .activityTaskTimedOut(patched(closed, \.scheduledEventID, \.startedEventID, activities))
            case .activityTaskCanceled(let closed):
                attributes = .activityTaskCanceled(patched(closed, \.scheduledEventID, \.startedEventID, activities))
            case .childWorkflowExecutionStarted(let started):
                children[started.initiatedEventID] = run.nextEventID
                attributes = original
            case .childWorkflowExecutionCompleted(let closed):
                attributes = .childWorkflowExecutionCompleted(
                    patched(closed, \.initiatedEventID, \.startedEventID, children))
            case .childWorkflowExecutionFailed(let closed):
                attributes = .childWorkflowExecutionFailed(
                    patched(closed, \.initiatedEventID, \.startedEventID, children))
            case .childWorkflowExecutionCanceled(let closed):
                attributes = .childWorkflowExecutionCanceled(
                    patched(closed, \.initiatedEventID, \.startedEventID, children))
            case .childWorkflowExecutionTimedOut(let closed):
                attributes = .childWorkflowExecutionTimedOut(
                    patched(closed, \.initiatedEventID, \.startedEventID, children))
            case .childWorkflowExecutionTerminated(let closed):
                attributes = .childWorkflowExecutionTerminated(
                    patched(closed, \.initiatedEventID, \.startedEventID, children))
            default:
                attributes = original
            }
            write(attributes, to: run, in: batch)
        }
    }

    /// Schedules a workflow task for the run unless one is scheduled or running.
    func scheduleWorkflowTask(_ run: RunState, in batch: Batch) {
        guard run.isOpen, run.workflowTask == nil, run.firstTaskTime == nil else { return }
        let queue: TaskQueue
        if let sticky = run.stickyQueue {
            queue = TaskQueue(name: sticky.taskQueue, kind: .sticky, normalName: run.started.taskQueue.name)
        } else {
            queue = run.started.taskQueue
        }
        let attempt = run.workflowTaskAttempt
        let scheduledEventID = write(
            .workflowTaskScheduled(
                WorkflowTaskScheduled(
                    taskQueue: queue, startToCloseTimeout: run.started.taskTimeout, attempt: attempt)),
            to: run, in: batch)
        if let sticky = run.stickyQueue {
            schedule(
                Deadline(kind: .workflowTaskScheduleToStart, run: run, eventID: scheduledEventID),
                at: batch.now + sticky.scheduleToStartTimeout)
        }
        offerWorkflowTask(run, scheduledEventID: scheduledEventID, queue: queue, in: batch)
    }

    func offerWorkflowTask(_ run: RunState, scheduledEventID: Int64, queue: TaskQueue, in batch: Batch) {
        let key = QueueKey(namespace: run.key.namespace, name: queue.name, kind: .workflow)
        let task = MatchTask.workflow(run: run.key, scheduledEventID: scheduledEventID)
        batch.offer(task, to: key)
    }

    func offerActivityTask(_ run: RunState, activity: ActivityState, in batch: Batch) {
        let key = QueueKey(namespace: run.key.namespace, name: activity.attributes.taskQueue.name, kind: .activity)
        let task = MatchTask.activity(
            run: run.key, scheduledEventID: activity.scheduledEventID, attempt: activity.attempt)
        batch.offer(task, to: key)
    }

    // MARK: - Deadlines

    func schedule(_ deadline: Deadline, at time: Timestamp) {
        if deadline.kind == .retention {
            retentionDeadlines.schedule(deadline, at: time)
        } else {
            deadlines.schedule(deadline, at: time)
        }
        core.timerDriver?.wake(at: time)
    }

    /// The earliest pending deadline, retention included or not.
    func nextDeadline(includingRetention: Bool = true) -> Timestamp? {
        lock.withLock {
            let work = deadlines.nextDeadline()
            guard includingRetention, let retention = retentionDeadlines.nextDeadline() else { return work }
            return work.map { min($0, retention) } ?? retention
        }
    }

    /// Fires every deadline due at the clock's current time.
    func fireDue() {
        let now = core.clock.now()
        let due: [Deadline] = lock.withLock {
            deadlines.popDue(now: now) + retentionDeadlines.popDue(now: now)
        }
        guard !due.isEmpty else { return }
        performDetached { batch in
            for deadline in due { self.fire(deadline, in: batch) }
        }
    }

    // MARK: - Lookup

    /// The run `deadline` belongs to, or nil once that run was removed.
    func run(of deadline: Deadline) -> RunState? { registered[deadline.registration] }

    func run(_ key: RunKey) throws(EngineError) -> RunState {
        guard let run = runs[key] else {
            throw EngineError(.notFound, "workflow execution \(key) not found")
        }
        return run
    }

    /// The run a request names: the given run id, or the workflow id's current run when it is empty.
    func resolve(namespace: String, execution: WorkflowExecution) throws(EngineError) -> RunState {
        if !execution.runID.rawValue.isEmpty {
            return try run(RunKey(namespace: namespace, execution: execution))
        }
        guard let run = current[WorkflowKey(namespace: namespace, workflowID: execution.workflowID)] else {
            throw EngineError(.notFound, "workflow \(namespace)/\(execution.workflowID) not found")
        }
        return run
    }

    func openRun(namespace: String, execution: WorkflowExecution) throws(EngineError) -> RunState {
        let run = try resolve(namespace: namespace, execution: execution)
        guard run.isOpen else {
            throw EngineError(
                .failedPrecondition, "workflow execution \(run.key) already closed (\(run.status))")
        }
        return run
    }
}

/// A workflow id within a namespace.
struct WorkflowKey: Hashable, Sendable {
    var namespace: String
    var workflowID: WorkflowID
}

/// A start request id within a namespace.
struct RequestKey: Hashable, Sendable {
    var namespace: String
    var requestID: String
}

/// Counts the commits of one batch down to the last; answers once, on success or on the first failure.
final class Countdown: @unchecked Sendable {
    private let lock = Lock()
    private var left: Int
    private var answered = false

    init(_ count: Int) { left = count }

    /// Returns true when this was the last commit and nothing failed.
    func finishOne() -> Bool {
        lock.withLock {
            left -= 1
            return left == 0 && !answered
        }
    }

    /// Returns true for the first failure only.
    func fail() -> Bool {
        lock.withLock {
            defer { answered = true }
            return !answered
        }
    }
}
