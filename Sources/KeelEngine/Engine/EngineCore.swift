import KeelLog
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the partitions share: the log, the clock, matching, visibility, namespaces and the
/// bookkeeping of callers waiting for updates and queries.
final class EngineCore: @unchecked Sendable {
    let store: LogStore
    let clock: any EngineClock
    let options: EngineOptions
    let matching: Matching
    let visibility = SharedVisibility()
    let namespaces = NamespaceRegistry()
    let runIDs: RunIDGenerator
    let inflight = InflightTracker()
    let updateWaiters = UpdateWaiters()
    let closeWaiters = CloseWaiters()
    let queries = QueryRouter()
    let checkpoints: Checkpointer
    var partitions: [Partition] = []
    var timerDriver: TimerDriver?
    private let failureLock = Lock()
    private var failureValue: EngineError?
    /// Set once `failureValue` is: every operation asks, so the question costs no lock.
    private let hasFailed = Atomic<Bool>(false)

    init(store: LogStore, clock: any EngineClock, options: EngineOptions, runIDSeed: UInt64?) {
        self.store = store
        self.clock = clock
        self.options = options
        self.matching = Matching(pollersPerQueueMax: options.limits.pollersPerQueueMax)
        self.runIDs = RunIDGenerator(seed: runIDSeed)
        self.checkpoints = Checkpointer(
            bytesInterval: options.checkpointIntervalBytes, recordsInterval: options.checkpointIntervalRecords)
    }

    /// The error that stopped the engine, if the log failed.
    var failure: EngineError? {
        guard hasFailed.load(ordering: .acquiring) else { return nil }
        return failureLock.withLock { failureValue }
    }

    /// Records that the log failed: from now on every operation is refused with this error.
    func fail(_ error: LogError) -> EngineError {
        failureLock.withLock {
            if let failureValue { return failureValue }
            let failure = EngineError(
                .storage, "the data file failed; reopen the engine to recover from disk", storageCause: error)
            failureValue = failure
            hasFailed.store(true, ordering: .releasing)
            return failure
        }
    }

    /// The partition that owns `workflowID` (FNV-1a of its UTF-8 bytes, so it never changes).
    func partition(for workflowID: WorkflowID) -> Partition {
        partitions[Self.partitionIndex(of: workflowID, count: partitions.count)]
    }

    /// The index of the partition that owns `workflowID` among `count` partitions.
    static func partitionIndex(of workflowID: WorkflowID, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in workflowID.rawValue.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    /// Runs `body` on the partition of `workflowID` without waiting (a message between runs).
    func send(to workflowID: WorkflowID, _ body: @escaping (Partition, Batch) -> Void) {
        let partition = partition(for: workflowID)
        partition.performDetached { batch in body(partition, batch) }
    }

    /// Whether `records` fit the log's limits for one commit (what `commitChunks` splits by).
    func fitsOneCommit(_ records: [LogRecord]) -> Bool {
        let bytesMax = min(store.options.commitBytesMax, Int(store.segmentBytes) / 4)
        guard records.count <= store.options.commitRecordsMax else { return false }
        var total = 0
        for record in records { total += record.payload.count + record.stream.bytes.count + 16 }
        return total <= bytesMax
    }

    /// Splits a batch into commits the log takes (`commitBytesMax`, at most a quarter segment, and
    /// `commitRecordsMax`). Almost every batch is one commit; a workflow task whose commands carry many
    /// large payloads may need more. They are appended in order, so the log keeps the batch's order; a
    /// crash between them keeps a prefix, which replay treats like commands not yet issued.
    func commitChunks(_ records: [LogRecord]) -> [[LogRecord]] {
        if fitsOneCommit(records) { return [records] }
        let bytesMax = min(store.options.commitBytesMax, Int(store.segmentBytes) / 4)
        let recordsMax = store.options.commitRecordsMax
        var chunks: [[LogRecord]] = []
        var chunk: [LogRecord] = []
        var bytes = 0
        for record in records {
            let size = record.payload.count + record.stream.bytes.count + 16
            if !chunk.isEmpty && (bytes + size > bytesMax || chunk.count == recordsMax) {
                chunks.append(chunk)
                chunk = []
                bytes = 0
            }
            chunk.append(record)
            bytes += size
        }
        if !chunk.isEmpty { chunks.append(chunk) }
        return chunks
    }

    /// Marks streams dead (a removed run's history, a superseded checkpoint) so compaction reclaims
    /// them; `done` runs once they are marked.
    func retire(_ streams: [StreamKey], done: @escaping @Sendable () -> Void = {}) {
        inflight.begin()
        let inflight = self.inflight
        Task.detached {
            if (try? await self.store.markDead(streams)) != nil { done() }
            inflight.end()
        }
    }
}

/// The visibility store behind a lock.
final class SharedVisibility: @unchecked Sendable {
    private let lock = Lock()
    private let store = VisibilityStore()

    func upsert(_ records: [VisibilityRecord]) {
        lock.withLock { for record in records { store.upsert(record) } }
    }

    func remove(namespace: String, runID: RunID) {
        lock.withLock { _ = store.remove(namespace: namespace, runID: runID) }
    }

    func register(_ name: String, type: SearchAttributeType, namespace: String) throws(VisibilityQueryError) {
        try lock.withLock { () throws(VisibilityQueryError) in
            try store.registerSearchAttribute(name, type: type, namespace: namespace)
        }
    }

    func list(namespace: String, query: String, pageSize: Int, nextPageToken: [UInt8]?) throws(VisibilityQueryError)
        -> (records: [VisibilityRecord], nextPageToken: [UInt8]?)
    {
        try lock.withLock { () throws(VisibilityQueryError) in
            try store.list(namespace: namespace, query: query, pageSize: pageSize, nextPageToken: nextPageToken)
        }
    }

    func count(namespace: String, query: String) throws(VisibilityQueryError) -> Int {
        try lock.withLock { () throws(VisibilityQueryError) in try store.count(namespace: namespace, query: query) }
    }

    func countGroups(namespace: String, query: String) throws(VisibilityQueryError) -> [VisibilityCountGroup] {
        try lock.withLock { () throws(VisibilityQueryError) in
            try store.countGroups(namespace: namespace, query: query)
        }
    }
}

/// The namespaces and their settings.
final class NamespaceRegistry: @unchecked Sendable {
    private let lock = Lock()
    private var settings: [String: NamespaceSettings] = [:]

    func exists(_ name: String) -> Bool { lock.withLock { settings[name] != nil } }

    func retention(of name: String) -> Duration { lock.withLock { settings[name]?.retention ?? .seconds(86_400) } }

    func get(_ name: String) -> NamespaceSettings? { lock.withLock { settings[name] } }

    func all() -> [NamespaceSettings] { lock.withLock { settings.values.sorted { $0.name < $1.name } } }

    func set(_ value: NamespaceSettings) { lock.withLock { settings[value.name] = value } }

    func searchAttributeType(_ name: String, in namespace: String) -> SearchAttributeType? {
        lock.withLock { settings[namespace]?.searchAttributes[name] }
    }
}

/// Counts work the engine started on its own (timers, messages between runs) until it is durable,
/// so tests and shutdown can wait for the engine to be idle.
final class InflightTracker: @unchecked Sendable {
    private let lock = Lock()
    private var count = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func begin() { lock.withLock { count += 1 } }

    func end() {
        let ready: [CheckedContinuation<Void, Never>] = lock.withLock {
            count -= 1
            guard count == 0 else { return [] }
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in ready { waiter.resume() }
    }

    /// Returns once nothing is in flight.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = lock.withLock {
                if count == 0 { return true }
                waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}

/// Callers waiting for updates, by run and update id.
final class UpdateWaiters: @unchecked Sendable {
    private struct Waiter {
        var stage: UpdateWaitStage
        var continuation: CheckedContinuation<Result<UpdateStatus, EngineError>, Never>
    }
    private struct Key: Hashable {
        var run: RunKey
        var updateID: String
    }
    private let lock = Lock()
    private var waiters: [Key: [Waiter]] = [:]

    func add(
        run: RunKey, updateID: String, stage: UpdateWaitStage,
        continuation: CheckedContinuation<Result<UpdateStatus, EngineError>, Never>
    ) {
        lock.withLock {
            waiters[Key(run: run, updateID: updateID), default: []].append(
                Waiter(stage: stage, continuation: continuation))
        }
    }

    /// Answers the waiters the new status satisfies.
    func resolve(run: RunKey, updateID: String, status: UpdateStatus) {
        let ready: [Waiter] = lock.withLock {
            let key = Key(run: run, updateID: updateID)
            guard let all = waiters[key] else { return [] }
            var keep: [Waiter] = []
            var ready: [Waiter] = []
            for waiter in all {
                if case .accepted = status, waiter.stage == .completed {
                    keep.append(waiter)
                } else {
                    ready.append(waiter)
                }
            }
            waiters[key] = keep.isEmpty ? nil : keep
            return ready
        }
        for waiter in ready { waiter.continuation.resume(returning: .success(status)) }
    }

    /// Fails the waiters of one update (admitting it failed).
    func fail(run: RunKey, updateID: String, error: EngineError) {
        let ready = lock.withLock { waiters.removeValue(forKey: Key(run: run, updateID: updateID)) ?? [] }
        for waiter in ready { waiter.continuation.resume(returning: .failure(error)) }
    }

    /// Fails every waiter of a run (it closed).
    func failAll(run: RunKey, reason: String) {
        let ready: [Waiter] = lock.withLock {
            var ready: [Waiter] = []
            for key in waiters.keys where key.run == run {
                ready += waiters.removeValue(forKey: key) ?? []
            }
            return ready
        }
        for waiter in ready {
            waiter.continuation.resume(returning: .failure(EngineError(.failedPrecondition, reason)))
        }
    }
}

/// Queries waiting for a worker's answer.
final class QueryRouter: @unchecked Sendable {
    private let lock = Lock()
    private var nextID: UInt64 = 1
    private var waiting: [String: CheckedContinuation<Result<QueryOutcome, EngineError>, Never>] = [:]

    func makeID() -> String {
        lock.withLock {
            defer { nextID += 1 }
            return "query-\(nextID)"
        }
    }

    func wait(_ id: String, continuation: CheckedContinuation<Result<QueryOutcome, EngineError>, Never>) {
        lock.withLock { waiting[id] = continuation }
    }

    /// Answers query `id`; false when nobody waits for it any more.
    @discardableResult
    func answer(_ id: String, _ result: Result<QueryOutcome, EngineError>) -> Bool {
        let continuation = lock.withLock { waiting.removeValue(forKey: id) }
        continuation?.resume(returning: result)
        return continuation != nil
    }
}

/// Wakes the partitions when deadlines are due, on its own thread, against the engine's clock.
/// Only used with a real clock; with a `ManualClock` the owner calls `Engine.fireDueTimers()`.
final class TimerDriver: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var plannedWake = Int64.max
    private var isStopped = false
    private var thread: pthread_t?
    private unowned let core: EngineCore

    init(core: EngineCore) {
        self.core = core
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    func start() {
        let unmanaged = Unmanaged.passRetained(self)
        var handle = pthread_t()
        let result = pthread_create(
            &handle, nil,
            { argument in
                let driver = Unmanaged<TimerDriver>.fromOpaque(argument!).takeRetainedValue()
                driver.loop()
                return nil
            }, unmanaged.toOpaque())
        precondition(result == 0, "could not start the timer thread (error \(result))")
        thread = handle
    }

    /// Makes sure the thread wakes by `time`.
    func wake(at time: Timestamp) {
        pthread_mutex_lock(&mutex)
        if time.rawValue < plannedWake {
            plannedWake = time.rawValue
            pthread_cond_signal(&condition)
        }
        pthread_mutex_unlock(&mutex)
    }

    func stop() {
        pthread_mutex_lock(&mutex)
        isStopped = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func loop() {
        while true {
            for partition in core.partitions { partition.fireDue() }
            let next = core.partitions.compactMap { $0.nextDeadline()?.rawValue }.min() ?? Int64.max
            pthread_mutex_lock(&mutex)
            if isStopped {
                pthread_mutex_unlock(&mutex)
                return
            }
            plannedWake = min(plannedWake, next)
            let now = core.clock.now().rawValue
            if plannedWake > now {
                // Sleep until the planned wake (at most a second, so a clock step is noticed).
                let wait = min(plannedWake - now, 1_000_000_000)
                var deadline = timespec()
                clock_gettime(CLOCK_REALTIME, &deadline)
                let total = Int64(deadline.tv_nsec) + wait
                deadline.tv_sec += Int(total / 1_000_000_000)
                deadline.tv_nsec = Int(total % 1_000_000_000)
                pthread_cond_timedwait(&condition, &mutex, &deadline)
            }
            plannedWake = Int64.max
            pthread_mutex_unlock(&mutex)
        }
    }
}
