import KeelLog

extension Engine {
    /// Whether the engine has been closed (pollers then get no more tasks).
    public var isClosed: Bool { core.matching.closed }

    /// Waits until a run closes and returns its closing event (completed, failed, canceled,
    /// terminated, timed out or continued as new). An empty run id means the workflow id's current
    /// run at the time of the call. Returns at once when the run is already closed.
    ///
    /// - Throws: `.notFound` when the run does not exist; `.unavailable` when the engine closes first;
    ///   `.storage` or `.corruptData` when the history cannot be read.
    public func awaitClose(namespace: String = "default", execution: WorkflowExecution) async throws(EngineError)
        -> HistoryEvent
    {
        let partition = core.partition(for: execution.workflowID)
        let waiters = core.closeWaiters
        let key: RunKey = try await withCheckedContinuation { continuation in
            let outcome = partition.lock.withLock { () -> Result<(RunKey, Bool), EngineError> in
                do throws(EngineError) {
                    let run = try partition.resolve(namespace: namespace, execution: execution)
                    if run.isOpen { waiters.add(run: run.key, continuation: continuation) }
                    return .success((run.key, run.isOpen))
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success((let key, false)): continuation.resume(returning: .success(key))
            case .success: break
            case .failure(let error): continuation.resume(returning: .failure(error))
            }
        }.get()
        // The run's state says closed once its closing event is written, which can be a moment before
        // the commit that carries it is readable; read until the closing event is there.
        while true {
            if let last = try readHistory(key).last, last.eventType.isClosing { return last }
            if let failure = core.failure { throw failure }
            // A run whose retention ended before its history was read is gone for good.
            if partition.lock.withLock({ partition.runs[key] == nil }) {
                throw EngineError(
                    .notFound,
                    "run \(execution.runID) of workflow \(execution.workflowID) closed and was removed when its namespace's retention ended, before its close could be read"
                )
            }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// Callers waiting for runs to close; answered once the closing event is durable.
final class CloseWaiters: @unchecked Sendable {
    typealias Continuation = CheckedContinuation<Result<RunKey, EngineError>, Never>
    private let lock = Lock()
    private var waiters: [RunKey: [Continuation]] = [:]
    private var isShut = false

    func add(run: RunKey, continuation: Continuation) {
        let refused = lock.withLock { () -> Bool in
            if isShut { return true }
            waiters[run, default: []].append(continuation)
            return false
        }
        if refused {
            continuation.resume(returning: .failure(EngineError(.unavailable, "the engine is closed")))
        }
    }

    func resolve(run: RunKey) {
        let ready = lock.withLock { waiters.removeValue(forKey: run) ?? [] }
        for continuation in ready { continuation.resume(returning: .success(run)) }
    }

    /// Fails every waiter; later ones are refused.
    func shut() {
        let all = lock.withLock { () -> [Continuation] in
            isShut = true
            defer { waiters = [:] }
            return waiters.values.flatMap { $0 }
        }
        for continuation in all {
            continuation.resume(returning: .failure(EngineError(.unavailable, "the engine closed")))
        }
    }
}
