import Dispatch
import KeelLog

/// What opening the engine rebuilt, and from where.
public struct RecoveryReport: Sendable, Hashable {
    /// The sequence number of the checkpoint the engine started from; nil when it folded the whole log.
    public var checkpointSequence: UInt64?
    /// Runs loaded from that checkpoint.
    public var checkpointRuns: Int
    /// Records folded into run state after the checkpoint (or from the start of the log).
    public var recordsFolded: Int
    /// The LSN the scan of the log started from.
    public var scanStartLSN: UInt64
    /// Checkpoints that were found and not used, and why (incomplete, unreadable, another partition count).
    public var skippedCheckpoints: [String]
    /// Wall-clock time spent finding, reading and decoding the checkpoint.
    public var checkpointLoadTime: Duration = .zero
    /// Wall-clock time spent scanning the log and folding records.
    public var foldTime: Duration = .zero
    /// Wall-clock time spent registering and arming the runs (deadlines, task queues, visibility).
    public var armTime: Duration = .zero

    /// Creates a report (the engine makes one on open; `Engine.recoveryReport` returns it).
    public init(
        checkpointSequence: UInt64? = nil, checkpointRuns: Int = 0, recordsFolded: Int = 0, scanStartLSN: UInt64 = 1,
        skippedCheckpoints: [String] = []
    ) {
        self.checkpointSequence = checkpointSequence
        self.checkpointRuns = checkpointRuns
        self.recordsFolded = recordsFolded
        self.scanStartLSN = scanStartLSN
        self.skippedCheckpoints = skippedCheckpoints
    }
}

/// A checkpoint read back and decoded.
struct LoadedCheckpoint {
    var index: CheckpointIndex
    var snapshots: [PartitionSnapshot]
    var runCount: Int { snapshots.reduce(0) { $0 + $1.runs.count } }
}

/// What looking for the newest usable checkpoint found.
struct CheckpointSearch {
    var loaded: LoadedCheckpoint?
    /// The newest index record that decodes, used or not: the next checkpoint replaces it.
    var newest: CheckpointIndex?
    /// Part streams of newer checkpoints that could not be used.
    var unusable: [StreamKey] = []
    var skipped: [String] = []
}

/// The state folded from a checkpoint and the log after it (or the whole log), before it is armed.
struct RecoveredState {
    var namespaces: [String: NamespaceSettings] = [:]
    /// Every run, in the order the partitions registered them.
    var order: [RunState] = []
    /// History streams of removed runs that a checkpoint says may not be marked dead yet.
    var retiring: Set<StreamKey> = []
    /// Checkpoint streams to mark dead: superseded, unfinished or unusable checkpoints.
    var staleStreams: Set<StreamKey> = []
    var report = RecoveryReport()
}

/// Recovery's reading of the log: finding the newest checkpoint and folding records into run state.
/// Both run before the engine exists, and write nothing.
enum EngineRecovery {
    /// Returns the newest checkpoint whose snapshots are all there and decode, looking from the newest
    /// index record back. Incomplete or unreadable checkpoints are skipped (recovery then uses an older
    /// one or folds the whole log); one written for another partition count ends the search.
    ///
    /// - Throws: `.corruptData` when a checkpoint decodes but contradicts itself or its index (naming
    ///   what was wrong), `.storage` when the log cannot be read.
    static func loadCheckpoint(store: LogStore, partitionCount: Int) throws(EngineError) -> CheckpointSearch {
        var search = CheckpointSearch()
        for record in try read(store, EngineCheckpoint.indexStream).reversed() {
            let index: CheckpointIndex
            do {
                index = try CheckpointIndex.decode(record.payload)
            } catch {
                search.skipped.append("index record at LSN \(record.lsn): \(error.message)")
                continue
            }
            if search.newest == nil { search.newest = index }
            guard index.parts.count == partitionCount else {
                search.skipped.append(
                    "checkpoint \(index.sequence): written with \(index.parts.count) partitions, the engine runs \(partitionCount)"
                )
                break
            }
            switch try load(index, store: store) {
            case .success(let loaded):
                search.loaded = loaded
                return search
            case .failure(let reason):
                search.skipped.append("checkpoint \(index.sequence): \(reason.message)")
                search.unusable += index.partStreams
            }
        }
        return search
    }

    /// Reads and decodes one checkpoint; a failure is a checkpoint to skip, a thrown error one that
    /// decodes but is inconsistent.
    private static func load(_ index: CheckpointIndex, store: LogStore) throws(EngineError)
        -> Result<LoadedCheckpoint, EngineError>
    {
        var snapshots: [PartitionSnapshot] = []
        let count = index.parts.count
        // Partitions are read and decoded in parallel; decoding is most of the time a checkpoint takes to load.
        let parts = PartReads(count)
        DispatchQueue.concurrentPerform(iterations: count) { partition in
            parts.set(partition, readPart(index, partition: partition, store: store))
        }
        for (partition, part) in index.parts.enumerated() {
            let read: PartRead
            switch try parts.get(partition).get() {
            case .success(let value): read = value
            case .failure(let reason): return .failure(reason)
            }
            let (first, records, bytes, snapshot) = (read.first, read.records, read.bytes, read.snapshot)
            func inconsistent(_ what: String) -> EngineError {
                EngineError(.corruptData, "checkpoint \(index.sequence), partition \(partition): \(what)")
            }
            guard first.lsn.rawValue == part.firstLSN, records == Int(part.recordCount) else {
                throw inconsistent(
                    "the index expects \(part.recordCount) records from LSN \(part.firstLSN), found \(records) from LSN \(first.lsn)"
                )
            }
            guard bytes == Int(part.snapshotBytes), snapshot.runs.count == Int(part.runCount) else {
                throw inconsistent(
                    "the index expects \(part.snapshotBytes) bytes and \(part.runCount) runs, found \(bytes) bytes and \(snapshot.runs.count) runs"
                )
            }
            guard snapshot.partition == partition, snapshot.partitionCount == count else {
                throw inconsistent(
                    "expected the snapshot of partition \(partition) of \(count), found partition \(snapshot.partition) of \(snapshot.partitionCount)"
                )
            }
            var seen: Set<RunKey> = []
            for run in snapshot.runs {
                let owner = EngineCore.partitionIndex(of: run.key.execution.workflowID, count: count)
                guard owner == partition else {
                    throw inconsistent("run \(run.key) belongs to partition \(owner)")
                }
                guard seen.insert(run.key).inserted else { throw inconsistent("run \(run.key) is listed twice") }
            }
            snapshots.append(snapshot)
        }
        return .success(LoadedCheckpoint(index: index, snapshots: snapshots))
    }

    /// One partition's snapshot as read back: where it starts, its record count, its bytes and its runs.
    struct PartRead {
        var first: StoredRecord
        var records: Int
        var bytes: Int
        var snapshot: PartitionSnapshot
    }

    /// Reads and decodes one partition's snapshot. The outer error is the log failing; the inner one a
    /// snapshot that is missing or does not decode (the checkpoint is then skipped).
    private static func readPart(_ index: CheckpointIndex, partition: Int, store: LogStore)
        -> Result<Result<PartRead, EngineError>, EngineError>
    {
        let stream = EngineCheckpoint.partStream(checkpointID: index.checkpointID, partition: partition)
        let records: [StoredRecord]
        do {
            records = try read(store, stream)
        } catch {
            return .failure(error)
        }
        guard let first = records.first else {
            return .success(.failure(EngineError(.corruptData, "the snapshot of partition \(partition) is missing")))
        }
        do {
            let bytes = try EngineCheckpoint.joinParts(records)
            let snapshot = try PartitionSnapshot.decode(bytes)
            return .success(
                .success(PartRead(first: first, records: records.count, bytes: bytes.count, snapshot: snapshot)))
        } catch {
            return .success(.failure(error))
        }
    }

    /// Folds the log into run state: from the checkpoint `search` found, the records of each partition
    /// that follow its snapshot; without one, every record from LSN 1.
    ///
    /// - Throws: `.corruptData` when a record does not decode or does not follow its run's state,
    ///   `.storage` when the log cannot be read.
    static func fold(store: LogStore, partitionCount: Int, from search: CheckpointSearch) throws(EngineError)
        -> RecoveredState
    {
        var state = RecoveredState()
        state.report.skippedCheckpoints = search.skipped
        state.staleStreams.formUnion(search.unusable)
        var runs: [StreamKey: RunState] = [:]
        var cutoffs: [UInt64] = []
        var start = LSN(1)
        let loaded = search.loaded
        // Part streams that are not to be marked dead: the checkpoint in use, or, without one, the newest.
        let kept = Set((loaded?.index ?? search.newest)?.partStreams ?? [])
        if let loaded {
            for snapshot in loaded.snapshots {
                for run in snapshot.runs {
                    runs[run.stream] = run
                    state.order.append(run)
                }
                state.retiring.formUnion(snapshot.retiring)
            }
            state.staleStreams.formUnion(loaded.index.previousPartStreams)
            cutoffs = loaded.index.parts.map(\.firstLSN)
            start = LSN(cutoffs.min() ?? 1)
            // Namespaces are few and not kept per partition: read their whole stream, by its index.
            for record in try read(store, EngineRecord.namespaceStream) {
                let settings = try NamespaceSettings.decode(record.payload)
                state.namespaces[settings.name] = settings
            }
            state.report.checkpointSequence = loaded.index.sequence
            state.report.checkpointRuns = loaded.runCount
        }
        state.report.scanStartLSN = start.rawValue
        var folded = 0
        var failure: EngineError?
        do throws(LogError) {
            try store.scan(from: start) { record in
                if EngineCheckpoint.isCheckpointStream(record.stream) {
                    if EngineCheckpoint.checkpointID(ofPart: record.stream) != nil, !kept.contains(record.stream) {
                        state.staleStreams.insert(record.stream)
                    }
                    return true
                }
                if loaded != nil {
                    if record.stream == EngineRecord.namespaceStream { return true }
                    // A partition's records before its snapshot are in the snapshot.
                    if let key = RunKey(stream: record.stream) {
                        let partition = EngineCore.partitionIndex(of: key.execution.workflowID, count: cutoffs.count)
                        if record.lsn.rawValue < cutoffs[partition] { return true }
                    }
                }
                folded += 1
                do throws(EngineError) {
                    try foldRecord(record, runs: &runs, state: &state)
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
        } catch {
            throw EngineError(.storage, "reading the data file to recover failed", storageCause: error)
        }
        if let failure { throw failure }
        state.report.recordsFolded = folded
        return state
    }

    /// Folds one record into the run it belongs to (or the namespaces).
    private static func foldRecord(
        _ record: StoredRecord, runs: inout [StreamKey: RunState], state: inout RecoveredState
    ) throws(EngineError) {
        switch try EngineRecord.decode(record.payload) {
        case .namespace(let settings):
            state.namespaces[settings.name] = settings
        case .event(let event):
            if let run = runs[record.stream] {
                guard event.eventID == run.nextEventID else {
                    throw EngineError(
                        .corruptData,
                        "history of \(run.key) at LSN \(record.lsn): expected event \(run.nextEventID), found event \(event.eventID)"
                    )
                }
                switch event.eventType {
                case .workflowTaskCompleted, .workflowTaskFailed, .workflowTaskTimedOut:
                    // The buffered events follow as history events in the same commit.
                    run.buffered.removeAll()
                    run.bufferedBytes = 0
                default:
                    break
                }
                run.apply(event, encodedBytes: record.payload.count)
            } else {
                guard let key = RunKey(stream: record.stream) else {
                    throw EngineError(
                        .corruptData, "record at LSN \(record.lsn) is on a stream that names no run")
                }
                guard event.eventID == 1, case .workflowExecutionStarted(let started) = event.attributes else {
                    throw EngineError(
                        .corruptData,
                        "history of \(key) at LSN \(record.lsn): expected event 1 WorkflowExecutionStarted, found event \(event.eventID) \(event.eventType)"
                    )
                }
                let run = RunState(key: key, started: started, startTime: event.time)
                run.apply(event, encodedBytes: record.payload.count)
                runs[record.stream] = run
                state.order.append(run)
            }
        case .buffered(let time, let attributes):
            guard let run = runs[record.stream] else {
                throw EngineError(.corruptData, "buffered event at LSN \(record.lsn) belongs to no known run")
            }
            run.buffered.append((time, attributes))
            run.bufferedBytes += record.payload.count
        case .activityAttempt(let attempt):
            guard let run = runs[record.stream] else {
                throw EngineError(
                    .corruptData, "activity attempt record at LSN \(record.lsn) belongs to no known run")
            }
            run.activities[attempt.scheduledEventID]?.recordAttempt(attempt)
        case .signalRequest(let requestID):
            runs[record.stream]?.signalRequestIDs.insert(requestID)
        case .checkpointPart, .checkpointIndex:
            throw EngineError(
                .corruptData, "record at LSN \(record.lsn): a checkpoint record on a stream that is not a checkpoint's")
        }
    }

    private static func read(_ store: LogStore, _ stream: StreamKey) throws(EngineError) -> [StoredRecord] {
        do {
            return try store.read(stream: stream)
        } catch {
            throw EngineError(.storage, "reading the data file to recover failed", storageCause: error)
        }
    }
}

extension Engine {
    /// Rebuilds every run, the namespaces, deadlines, task queues and visibility from the log.
    ///
    /// Each run's state is the fold of its history (`RunState.apply`), the same code the write path
    /// uses. Then each open run's pending work is armed again: scheduled tasks are offered, timers and
    /// timeouts set (overdue ones fire at once), and a workflow task that was running when the engine
    /// stopped times out, since its worker's answer can no longer be trusted to arrive.
    func recover() throws(EngineError) {
        let partitionCount = core.partitions.count
        let clock = ContinuousClock()
        let began = clock.now
        let loaded = try EngineRecovery.loadCheckpoint(store: core.store, partitionCount: partitionCount)
        let checkpointLoaded = clock.now
        var state = try EngineRecovery.fold(store: core.store, partitionCount: partitionCount, from: loaded)
        let folded = clock.now
        state.report.checkpointLoadTime = checkpointLoaded - began
        state.report.foldTime = folded - checkpointLoaded
        defer {
            state.report.armTime = clock.now - folded
            core.checkpoints.recovered(newest: loaded.newest, report: state.report)
        }
        var namespaces = state.namespaces
        let order = state.order
        if namespaces["default"] == nil {
            let settings = NamespaceSettings(name: "default", retention: core.options.defaultNamespaceRetention)
            do {
                try core.store.appendBlocking([
                    LogRecord(stream: EngineRecord.namespaceStream, payload: settings.encode())
                ])
            } catch {
                throw EngineError(.storage, "writing the default namespace failed", storageCause: error)
            }
            namespaces["default"] = settings
        }
        for settings in namespaces.values {
            core.namespaces.set(settings)
            for (name, type) in settings.searchAttributes {
                try? core.visibility.register(name, type: type, namespace: settings.name)
            }
        }
        var byPartition: [[RunState]] = Array(repeating: [], count: core.partitions.count)
        for run in order {
            byPartition[core.partition(for: run.key.execution.workflowID).index].append(run)
        }
        core.visibility.upsert(order.map(\.visibilityRecord))
        // Every partition knows all its runs before any partition resumes one: resuming sends
        // messages to other partitions (a child start whose answer was lost, a signal), and a message
        // that reached a partition before its runs were registered would not find them; a child start
        // would then start a second run of a child that already exists.
        for (index, runs) in byPartition.enumerated() where !runs.isEmpty {
            let partition = core.partitions[index]
            partition.performDetached { _ in
                for run in runs { partition.register(run) }
            }
        }
        for (index, runs) in byPartition.enumerated() where !runs.isEmpty {
            let partition = core.partitions[index]
            partition.performDetached { batch in
                for run in runs { partition.resume(run, in: batch) }
            }
        }
        // Children whose close the parent has not recorded: tell the parent again.
        for run in order where run.isOpen {
            for child in run.children.values.sorted(by: { $0.initiatedEventID < $1.initiatedEventID }) {
                guard let childRunID = child.runID else { continue }
                let execution = WorkflowExecution(workflowID: child.attributes.workflowID, runID: childRunID)
                let parent = ParentExecutionInfo(
                    namespace: run.key.namespace, execution: run.key.execution,
                    initiatedEventID: child.initiatedEventID)
                let namespace = child.attributes.namespace
                let engine = core
                core.send(to: execution.workflowID) { partition, batch in
                    var current = partition.runs[RunKey(namespace: namespace, execution: execution)]
                    while let next = current?.newExecutionRunID,
                        let successor = partition.runs[
                            RunKey(
                                namespace: namespace,
                                execution: WorkflowExecution(workflowID: execution.workflowID, runID: next))]
                    {
                        current = successor
                    }
                    guard let closed = current, !closed.isOpen, closed.newExecutionRunID == nil,
                        let close = closed.closeAttributes
                    else { return }
                    let workflowType = closed.started.workflowType
                    let childExecution = execution
                    batch.after {
                        engine.send(to: parent.execution.workflowID) { partition, batch in
                            partition.recordChildClosed(
                                parent: parent, namespace: namespace, child: childExecution,
                                workflowType: workflowType, close: close, in: batch)
                        }
                    }
                }
            }
        }
        // Streams a restart must mark dead again: superseded or unfinished checkpoints, and removed
        // runs whose marking was lost.
        state.staleStreams.formUnion(state.retiring)
        if !state.staleStreams.isEmpty {
            core.retire(state.staleStreams.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) })
        }
    }
}

extension Partition {
    /// Arms a recovered run: its deadlines, its pending tasks, and the messages it had not delivered.
    func resume(_ run: RunState, in batch: Batch) {
        let now = batch.now
        guard run.isOpen else {
            let retention = core.namespaces.retention(of: run.key.namespace)
            schedule(Deadline(kind: .retention, run: run), at: (run.closeTime ?? now) + retention)
            return
        }
        armRun(run, now: now)
        if let task = run.workflowTask {
            if task.isStarted {
                write(
                    .workflowTaskTimedOut(
                        WorkflowTaskTimedOut(
                            scheduledEventID: task.scheduledEventID, startedEventID: task.startedEventID,
                            timeoutType: .startToClose)),
                    to: run, in: batch)
                flushBuffered(run, in: batch)
                // The task was lost with the engine, not failed by its worker: it is retried at once.
                // Waiting out a backoff here would restart the wait at every restart, and a process
                // that restarts more often than the backoff would never run the task again.
                scheduleWorkflowTask(run, in: batch)
            } else if task.taskQueue.kind == .sticky {
                write(
                    .workflowTaskTimedOut(
                        WorkflowTaskTimedOut(
                            scheduledEventID: task.scheduledEventID, startedEventID: 0, timeoutType: .scheduleToStart)),
                    to: run, in: batch)
                run.workflowTaskAttempt = 1
                scheduleWorkflowTask(run, in: batch)
            } else {
                offerWorkflowTask(run, scheduledEventID: task.scheduledEventID, queue: task.taskQueue, in: batch)
            }
        } else if !run.buffered.isEmpty {
            flushBuffered(run, in: batch)
            scheduleWorkflowTask(run, in: batch)
        } else if run.workflowTaskAttempt > 1 && run.firstTaskTime == nil {
            // The run was waiting out a workflow task retry backoff: wait it out again from now.
            scheduleRetriedWorkflowTask(run, in: batch)
        }
        for activity in run.activities.values.sorted(by: { $0.scheduledEventID < $1.scheduledEventID }) {
            armActivity(run, activity, now: now)
            if let retryTime = activity.retryTime {
                schedule(
                    Deadline(
                        kind: .activityRetry, run: run, eventID: activity.scheduledEventID,
                        sequence: Int64(activity.attempt)),
                    at: retryTime)
            } else if activity.cancelRequestedEventID == 0 {
                offerActivityTask(run, activity: activity, in: batch)
            } else {
                // Cancel was requested while a worker ran it; that worker is gone, so it is canceled now.
                emit(
                    .activityTaskCanceled(
                        ActivityTaskCanceled(
                            details: [], latestCancelRequestedEventID: activity.cancelRequestedEventID,
                            scheduledEventID: activity.scheduledEventID, startedEventID: 0, identity: "")),
                    to: run, in: batch)
                run.activities[activity.scheduledEventID] = nil
                run.activityIDs[activity.attributes.activityID] = nil
                scheduleWorkflowTask(run, in: batch)
            }
        }
        for (_, timer) in run.timers.sorted(by: { $0.value.startedEventID < $1.value.startedEventID }) {
            schedule(Deadline(kind: .userTimer, run: run, eventID: timer.startedEventID), at: timer.fireTime)
        }
        for child in run.children.values.sorted(by: { $0.initiatedEventID < $1.initiatedEventID })
        where child.runID == nil {
            sendChildStart(
                parent: run.key, initiatedEventID: child.initiatedEventID, attributes: child.attributes, in: batch)
        }
        for (initiatedEventID, signal) in run.pendingExternalSignals.sorted(by: { $0.key < $1.key }) {
            sendExternalSignal(
                origin: run.key, initiatedEventID: initiatedEventID, namespace: signal.namespace,
                execution: signal.execution,
                signal: SignalRequest(
                    name: signal.signalName, input: signal.input, identity: "", header: signal.header,
                    requestID: "signal/\(run.key.execution.runID)/\(initiatedEventID)"),
                completedEventID: signal.workflowTaskCompletedEventID, in: batch)
        }
        for (initiatedEventID, cancel) in run.pendingExternalCancels.sorted(by: { $0.key < $1.key }) {
            sendExternalCancel(
                origin: run.key, initiatedEventID: initiatedEventID, namespace: cancel.namespace,
                execution: cancel.execution, reason: cancel.reason,
                completedEventID: cancel.workflowTaskCompletedEventID, in: batch)
        }
    }
}

/// The results of reading partitions' snapshots on several threads.
final class PartReads: @unchecked Sendable {
    private let lock = Lock()
    private var results: [Result<Result<EngineRecovery.PartRead, EngineError>, EngineError>?]

    init(_ count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ partition: Int, _ result: Result<Result<EngineRecovery.PartRead, EngineError>, EngineError>) {
        lock.withLock { results[partition] = result }
    }

    func get(_ partition: Int) -> Result<Result<EngineRecovery.PartRead, EngineError>, EngineError> {
        lock.withLock { results[partition]! }
    }
}
