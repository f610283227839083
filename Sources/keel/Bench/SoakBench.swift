import Foundation
import Keel
import KeelEngine
import KeelLog
import Synchronization

/// The workload behind `keel bench soak`: many short workflows through the embedded engine and SDK
/// workers, on a namespace whose retention removes closed runs while the run goes on, with snapshots
/// of throughput, memory and file space every `reportEvery` workflows.
enum SoakBench {
    /// The task queue of the soak's workflows and activities.
    static let taskQueue = "soak"
    /// The soak's one activity: returns its input.
    static let echo = ActivityDefinition<Int, Int>("SoakEcho")
    /// The start-to-close timeout of the activity.
    static let activityTimeout: Duration = .seconds(60)

    /// Implements `echo`.
    struct Activities: ActivityContainer {
        var activities: [ActivityImplementation] {
            [ActivityImplementation(SoakBench.echo) { value, _ in value }]
        }
    }

    /// What one soak workflow gets: its number, echoed by the activity, and its timer.
    struct Input: Codable, Sendable {
        var index: Int
        var timerMilliseconds: Int
    }

    /// Runs one activity, then waits on a durable timer, then returns what the activity echoed.
    final class SoakWorkflow: Workflow {
        static var name: String { "SoakWorkflow" }

        init() {}

        func run(context: WorkflowContext, input: Input) async throws -> Int {
            let echoed = try await context.executeActivity(
                SoakBench.echo, input: input.index, options: ActivityOptions(startToCloseTimeout: activityTimeout))
            try await context.sleep(for: .milliseconds(input.timerMilliseconds))
            return echoed
        }
    }

    /// Returns the history events of one soak workflow: started and the first workflow task's three
    /// events, six for the activity (scheduled, started, completed and the next task's three), five for
    /// the timer when it is not zero (started, fired and the next task's three), and the closing event.
    static func eventsPerWorkflow(timerMilliseconds: Int) -> Int { 11 + (timerMilliseconds > 0 ? 5 : 0) }

    /// The size and shape of one soak.
    struct Options: Sendable {
        var workflows: Int
        /// Workflows in flight at once: clients that each start one, wait for its result, and start the next.
        var concurrency: Int
        var reportEvery: Int
        var timerMilliseconds: Int
        var workers: Int
        var workflowTaskPollers: Int
        var activityPollers: Int
        var cacheSize: Int
        /// The engine's options, with the retention of the `default` namespace set.
        var engine: EngineOptions
        /// How long the run may go without a result before it stops with an error instead of waiting.
        var stallLimit: Duration = .seconds(60)
    }

    /// The state of the process and its data file at one moment of the run.
    struct Snapshot: Sendable {
        /// Workflows whose result had come back.
        var workflowsDone: Int
        var at: ContinuousClock.Instant
        /// CPU time of the whole process so far.
        var cpuTime: Duration
        /// Records the log appended since it was opened.
        var recordsAppended: UInt64
        var residentBytes: UInt64
        var fileBytes: UInt64
        /// Compressed bytes of records on disk, and the share of them that belongs to live streams.
        var blockBytes: UInt64
        var liveBytes: UInt64
        var liveRecords: UInt64
        var totalRecords: UInt64
        var deadStreams: Int
        var segmentsSealed: UInt64
        var segmentsCompacted: UInt64
        var slotsFreed: UInt64
        var checkpoints: UInt64
        /// Runs visibility lists as running, and closed runs it still lists (retention not yet over).
        var openRuns: Int
        var closedRuns: Int

        /// Closed runs that retention has removed: every workflow done closed, and visibility no
        /// longer lists the ones removed.
        var removedRuns: Int { max(0, workflowsDone - closedRuns) }
    }

    /// Returns a snapshot of `engine` after `workflowsDone` results.
    ///
    /// - Complexity: O(runs in visibility) for the two counts.
    static func snapshot(_ engine: Engine, workflowsDone: Int, at: ContinuousClock.Instant) -> Snapshot {
        let stats = engine.store.stats()
        var liveBytes = stats.headBlocksEnd
        if stats.headRecordCount > 0 {
            liveBytes -=
                stats.headBlocksEnd * min(stats.headDeadRecordCount, stats.headRecordCount)
                / stats.headRecordCount
        }
        // The same estimate compaction uses: a segment's live bytes are its block bytes in proportion
        // to its live records.
        for segment in stats.sealedSegments where segment.recordCount > 0 {
            liveBytes +=
                segment.blocksEnd - segment.blocksEnd * min(segment.deadRecordCount, segment.recordCount)
                / segment.recordCount
        }
        let open = (try? engine.countWorkflows(query: "ExecutionStatus = 'Running'")) ?? -1
        let all = (try? engine.countWorkflows()) ?? -1
        return Snapshot(
            workflowsDone: workflowsDone, at: at, cpuTime: SDKBench.processCPUTime(),
            recordsAppended: stats.counters.recordsAppended, residentBytes: BenchMachine.residentBytes() ?? 0,
            fileBytes: stats.fileBytes, blockBytes: stats.blockBytes, liveBytes: liveBytes,
            liveRecords: stats.liveRecords, totalRecords: stats.totalRecords, deadStreams: stats.deadStreams,
            segmentsSealed: stats.counters.segmentsSealed, segmentsCompacted: stats.counters.segmentsCompacted,
            slotsFreed: stats.counters.slotsFreed, checkpoints: stats.counters.checkpoints, openRuns: open,
            closedRuns: open >= 0 && all >= 0 ? all - open : -1)
    }

    /// What the clients share: the next workflow to start, the results so far, the snapshots.
    private final class Shared: Sendable {
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let snapshots = Mutex<[Snapshot]>([])
    }

    /// Runs `options.workflows` soak workflows through a `KeelRuntime` on a new data file at `path`
    /// and returns a snapshot at the start, after every `options.reportEvery` results (in order), and
    /// at the end. `progress` gets the results so far about every thousand results; `report` gets
    /// each snapshot as it is taken, with the one before it.
    ///
    /// - Throws: the first error of a client (a start, a result, a wrong result) or of the engine.
    static func run(
        path: String, options: Options, progress: @escaping @Sendable (Int) -> Void,
        report: @escaping @Sendable (Snapshot, Snapshot) -> Void
    ) async throws -> [Snapshot] {
        let runtime = try KeelRuntime.open(path: path, options: options.engine)
        for index in 0..<options.workers {
            let workerOptions = WorkerOptions(
                taskQueue: taskQueue, maxConcurrentWorkflowTasks: options.workflowTaskPollers,
                maxConcurrentActivities: options.activityPollers, cacheSize: options.cacheSize,
                pollTimeout: SDKBench.pollTimeout, identity: "soak-worker-\(index)")
            runtime.addWorker(
                taskQueue: taskQueue, workflows: [SoakWorkflow.self], activities: [Activities()],
                options: workerOptions)
        }
        let engine = runtime.engine
        let client = runtime.client
        let clock = ContinuousClock()
        let shared = Shared()
        let total = options.workflows
        let reportEvery = options.reportEvery
        let timer = options.timerMilliseconds
        let progressStep = max(1, min(1_000, total / 100))
        let first = snapshot(engine, workflowsDone: 0, at: clock.now)
        shared.snapshots.withLock { $0.append(first) }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<min(options.concurrency, total) {
                    group.addTask {
                        while true {
                            let index = shared.next.wrappingAdd(1, ordering: .relaxed).oldValue
                            guard index < total else { return }
                            let handle = try await client.startWorkflow(
                                SoakWorkflow.self, input: Input(index: index, timerMilliseconds: timer),
                                options: WorkflowOptions(id: WorkflowID("soak-\(index)"), taskQueue: taskQueue))
                            let echoed = try await handle.result()
                            guard echoed == index else {
                                throw BenchError("soak", "workflow \(index) expected \(index) echoed, found \(echoed)")
                            }
                            let finished = shared.done.wrappingAdd(1, ordering: .relaxed).newValue
                            if finished % reportEvery == 0 || finished == total {
                                let taken = snapshot(engine, workflowsDone: finished, at: clock.now)
                                let previous = shared.snapshots.withLock { snapshots in
                                    snapshots.append(taken)
                                    snapshots.sort { $0.workflowsDone < $1.workflowsDone }
                                    let position = snapshots.firstIndex { $0.workflowsDone == finished } ?? 1
                                    return snapshots[max(0, position - 1)]
                                }
                                report(previous, taken)
                            }
                            if finished % progressStep == 0 || finished == total { progress(finished) }
                        }
                    }
                }
                // A client whose workflow never closes would hold the run forever: when no result comes
                // back for `stallLimit`, the watchdog fails the run and the engine is closed below,
                // which ends every wait.
                group.addTask {
                    var last = 0
                    var lastChange = clock.now
                    while true {
                        try await Task.sleep(for: .milliseconds(200))
                        let done = shared.done.load(ordering: .relaxed)
                        if done >= total { return }
                        if done != last {
                            last = done
                            lastChange = clock.now
                        } else if lastChange.duration(to: clock.now) > options.stallLimit {
                            let started = min(total, shared.next.load(ordering: .relaxed))
                            throw BenchError(
                                "soak",
                                "expected a result within \(options.stallLimit), found none after \(done) results "
                                    + "with \(started - done) workflows in flight")
                        }
                    }
                }
                do {
                    // `next()` throws the first error as soon as it comes; `waitForAll()` would first wait
                    // for every client.
                    while try await group.next() != nil {}
                } catch {
                    shared.next.store(total, ordering: .relaxed)
                    // Closing the engine wakes every client still waiting for a result.
                    try? await engine.close()
                    throw error
                }
            }
        } catch {
            try? await runtime.shutdown()
            throw error
        }
        try await runtime.shutdown()
        return shared.snapshots.withLock { $0 }
    }
}
