import KeelLog
import Synchronization

/// What one checkpoint wrote.
public struct CheckpointInfo: Sendable, Hashable {
    /// 1 for the first checkpoint of the data file, then one more for each.
    public var sequence: UInt64
    /// Runs in the snapshots (open runs, and closed runs within retention).
    public var runCount: Int
    /// Bytes of the partition snapshots, before the log compresses them.
    public var snapshotBytes: Int
    /// Records the snapshots took in the log.
    public var recordCount: Int
}

extension Engine {
    /// Writes a checkpoint now: a snapshot of every partition's runs, so that the next open folds only
    /// the records that follow it. Returns once it is durable and the previous one is marked dead.
    ///
    /// Each partition is paused while its snapshot is encoded (about as long as encoding its runs takes).
    /// - Complexity: O(n) in the size of the runs' state.
    /// - Throws: `.storage` when the data file failed (the engine then stops, as on any failed write).
    @discardableResult
    public func checkpoint() async throws(EngineError) -> CheckpointInfo {
        try await core.checkpoint()
    }

    /// How the last open rebuilt the engine: from which checkpoint, and how many records it folded.
    public var recoveryReport: RecoveryReport { core.checkpoints.report }
}

extension EngineCore {
    /// Writes a checkpoint (one at a time; a caller waits for the one running, then writes its own).
    func checkpoint() async throws(EngineError) -> CheckpointInfo {
        await checkpoints.acquire()
        defer { checkpoints.release() }
        if let failure { throw failure }
        let previous = checkpoints.newest
        checkpoints.resetCounters()
        var generator = SystemRandomNumberGenerator()
        var drawn: UInt64 = 0
        while drawn == 0 || drawn == previous?.checkpointID { drawn = generator.next() }
        let checkpointID = drawn
        let all = partitions
        let count = all.count
        let results = await withTaskGroup(of: (Int, Result<CheckpointIndex.Part, EngineError>).self) { group in
            for partition in all {
                group.addTask {
                    (partition.index, await partition.writeSnapshot(checkpointID: checkpointID, count: count))
                }
            }
            var results: [(Int, Result<CheckpointIndex.Part, EngineError>)] = []
            for await result in group { results.append(result) }
            return results
        }
        var parts: [CheckpointIndex.Part] = []
        for (_, result) in results.sorted(by: { $0.0 < $1.0 }) { parts.append(try result.get()) }
        let index = CheckpointIndex(
            checkpointID: checkpointID, sequence: (previous?.sequence ?? 0) + 1,
            previousID: previous?.checkpointID ?? 0, previousPartitions: UInt16(previous?.parts.count ?? 0),
            parts: parts)
        do {
            try await store.append([LogRecord(stream: EngineCheckpoint.indexStream, payload: index.encode())])
        } catch {
            throw fail(error)
        }
        checkpoints.completed(index)
        // The previous checkpoint is no longer needed; if this marking is lost, the next open repeats it.
        if !index.previousPartStreams.isEmpty { try? await store.markDead(index.previousPartStreams) }
        return CheckpointInfo(
            sequence: index.sequence, runCount: parts.reduce(0) { $0 + Int($1.runCount) },
            snapshotBytes: parts.reduce(0) { $0 + Int($1.snapshotBytes) },
            recordCount: parts.reduce(0) { $0 + Int($1.recordCount) })
    }

    /// Starts a checkpoint in the background (counted as work in flight, so closing waits for it).
    func startAutomaticCheckpoint() {
        inflight.begin()
        let inflight = self.inflight
        Task.detached {
            _ = try? await self.checkpoint()
            inflight.end()
        }
    }
}

extension Partition {
    /// Encodes the partition's runs under its lock and hands the snapshot's records to the log in the
    /// same critical section, so that the log holds every record the snapshot reflects before it and
    /// none after it. Returns where the snapshot starts once it is durable.
    func writeSnapshot(checkpointID: UInt64, count: Int) async -> Result<CheckpointIndex.Part, EngineError> {
        await withCheckedContinuation { continuation in
            let refused: EngineError? = lock.withLock {
                if let failure = core.failure { return failure }
                let ordered = runs.values.sorted { $0.registration < $1.registration }
                let snapshot = PartitionSnapshot(
                    partition: index, partitionCount: count, runs: ordered, retiring: Array(retiring))
                let bytes = snapshot.encode()
                // A chunk is one record and must fit one commit (at most a quarter segment).
                let options = core.store.options
                let chunkBytes =
                    min(options.recordBytesMax, options.commitBytesMax, Int(core.store.segmentBytes) / 4, 1 << 20)
                    - 4_096
                let records = EngineCheckpoint.partRecords(
                    bytes, stream: EngineCheckpoint.partStream(checkpointID: checkpointID, partition: index),
                    chunkBytes: chunkBytes)
                let chunks = core.commitChunks(records)
                let tracker = SnapshotAppends(chunks.count)
                let core = self.core
                let runCount = ordered.count
                for (position, chunk) in chunks.enumerated() {
                    core.store.append(chunk) { result in
                        switch result {
                        case .success(let range):
                            guard let first = tracker.finish(position, first: range.lowerBound) else { return }
                            continuation.resume(
                                returning: .success(
                                    CheckpointIndex.Part(
                                        firstLSN: first.rawValue, recordCount: UInt32(records.count),
                                        snapshotBytes: UInt64(bytes.count), runCount: UInt64(runCount))))
                        case .failure(let error):
                            let failure = core.fail(error)
                            if tracker.fail() { continuation.resume(returning: .failure(failure)) }
                        }
                    }
                }
                return nil
            }
            if let refused { continuation.resume(returning: .failure(refused)) }
        }
    }
}

/// Counts down the commits of one snapshot and keeps the LSN of its first record.
final class SnapshotAppends: @unchecked Sendable {
    private let lock = Lock()
    private var left: Int
    private var first: LSN?
    private var answered = false

    init(_ count: Int) { left = count }

    /// Returns the first LSN when this was the last commit and nothing failed.
    func finish(_ position: Int, first lsn: LSN) -> LSN? {
        lock.withLock {
            if position == 0 { first = lsn }
            left -= 1
            guard left == 0, !answered else { return nil }
            answered = true
            return first
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

/// The engine's checkpoint bookkeeping: the newest checkpoint, what the last open did, when the next
/// automatic checkpoint is due, and the turn of the one checkpoint that runs at a time.
final class Checkpointer: @unchecked Sendable {
    private let lock = Lock()
    private let bytesInterval: Int
    private let recordsInterval: Int
    private var newestValue: CheckpointIndex?
    private var reportValue = RecoveryReport()
    /// Counted by every commit of every partition: atomics, so that partitions do not meet on the
    /// lock for a count; the lock is taken only once a checkpoint is due.
    private let bytesSince = Atomic<Int>(0)
    private let recordsSince = Atomic<Int>(0)
    private var isDue = false
    private var isRunning = false
    /// False while the engine opens: until every partition holds its recovered runs, a partition's
    /// state does not yet reflect the records before it, so no automatic checkpoint may start.
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(bytesInterval: Int, recordsInterval: Int) {
        self.bytesInterval = bytesInterval
        self.recordsInterval = recordsInterval
    }

    var newest: CheckpointIndex? { lock.withLock { newestValue } }

    var report: RecoveryReport { lock.withLock { reportValue } }

    /// Whether records were appended since the last checkpoint started (or, after an open, folded).
    var hasNewRecords: Bool { recordsSince.load(ordering: .acquiring) > 0 }

    func recovered(newest: CheckpointIndex?, report: RecoveryReport) {
        lock.withLock {
            newestValue = newest
            reportValue = report
            // Records written while the runs were armed are counted already.
            recordsSince.add(report.recordsFolded, ordering: .acquiringAndReleasing)
        }
    }

    /// Counts a commit of the partitions; returns true once when an automatic checkpoint is due.
    func noteAppended(records: Int, bytes: Int) -> Bool {
        let recordCount = recordsSince.add(records, ordering: .acquiringAndReleasing).newValue
        let byteCount = bytesSince.add(bytes, ordering: .acquiringAndReleasing).newValue
        let due =
            (recordsInterval > 0 && recordCount >= recordsInterval)
            || (bytesInterval > 0 && byteCount >= bytesInterval)
        guard due else { return false }
        return lock.withLock {
            guard isOpen, !isDue else { return false }
            isDue = true
            return true
        }
    }

    /// Allows automatic checkpoints once the engine is open.
    func opened() { lock.withLock { isOpen = true } }

    func resetCounters() {
        lock.withLock {
            recordsSince.store(0, ordering: .releasing)
            bytesSince.store(0, ordering: .releasing)
            isDue = false
        }
    }

    func completed(_ index: CheckpointIndex) { lock.withLock { newestValue = index } }

    /// Waits for the turn to write a checkpoint.
    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = lock.withLock {
                if !isRunning {
                    isRunning = true
                    return true
                }
                waiters.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    /// Hands the turn to the next waiter, if any.
    func release() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiters.isEmpty {
                isRunning = false
                return nil
            }
            return waiters.removeFirst()
        }
        next?.resume()
    }
}

extension EngineRecovery {
    /// A canonical form of the state recovery rebuilds, for tests that compare two ways of getting it:
    /// one entry per namespace and per run that is open or within its retention at `now` (a run past
    /// it is removed as soon as the engine opens), holding the run's snapshot encoding and whether it is
    /// its workflow id's current run and its start request's run. `partitions` lists each partition's
    /// runs in the order it registered them.
    static func digest(namespaces: [NamespaceSettings], partitions: [[RunState]], now: Timestamp) -> [String: [UInt8]] {
        var digest: [String: [UInt8]] = [:]
        var retention: [String: Duration] = [:]
        for settings in namespaces {
            digest["namespace \(settings.name)"] = settings.encode()
            retention[settings.name] = settings.retention
        }
        for runs in partitions {
            var current: [WorkflowKey: RunKey] = [:]
            var requests: [RequestKey: RunKey] = [:]
            for run in runs {
                current[WorkflowKey(namespace: run.key.namespace, workflowID: run.key.execution.workflowID)] = run.key
                if !run.started.requestID.isEmpty {
                    requests[RequestKey(namespace: run.key.namespace, requestID: run.started.requestID)] = run.key
                }
            }
            for run in runs {
                if let closeTime = run.closeTime, closeTime + (retention[run.key.namespace] ?? .seconds(86_400)) <= now
                {
                    continue
                }
                var writer = BinaryWriter()
                run.encodeSnapshot(into: &writer)
                let isCurrent =
                    current[WorkflowKey(namespace: run.key.namespace, workflowID: run.key.execution.workflowID)]
                    == run.key
                let holdsRequest =
                    !run.started.requestID.isEmpty
                    && requests[RequestKey(namespace: run.key.namespace, requestID: run.started.requestID)] == run.key
                writer.flag(isCurrent)
                writer.flag(holdsRequest)
                digest["run \(run.key)"] = writer.bytes
            }
        }
        return digest
    }

    /// The digest of what recovery rebuilds from `store` (from its newest checkpoint, or by folding the
    /// whole log), and how it got there. Reads only.
    static func recoveredDigest(store: LogStore, partitionCount: Int, useCheckpoint: Bool, now: Timestamp)
        throws(EngineError) -> (digest: [String: [UInt8]], report: RecoveryReport)
    {
        let search =
            useCheckpoint ? try loadCheckpoint(store: store, partitionCount: partitionCount) : CheckpointSearch()
        let state = try fold(store: store, partitionCount: partitionCount, from: search)
        var partitions: [[RunState]] = Array(repeating: [], count: partitionCount)
        for run in state.order {
            partitions[EngineCore.partitionIndex(of: run.key.execution.workflowID, count: partitionCount)].append(run)
        }
        return (digest(namespaces: Array(state.namespaces.values), partitions: partitions, now: now), state.report)
    }
}

extension Engine {
    /// The digest (`EngineRecovery.digest`) of the engine's live state as a restart would rebuild it.
    func debugStateDigest() -> [String: [UInt8]] {
        let partitions = core.partitions.map { partition in
            partition.lock.withLock { partition.runs.values.sorted { $0.registration < $1.registration } }
        }
        return EngineRecovery.digest(namespaces: core.namespaces.all(), partitions: partitions, now: core.clock.now())
    }
}
