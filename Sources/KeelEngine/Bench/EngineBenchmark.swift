import KeelLog
import Synchronization

/// The workload behind `keel bench engine`: synthetic workflows driven through a real `Engine` on a
/// real data file, by Swift tasks playing a worker's pollers.
///
/// Every workflow runs `activitiesPerWorkflow` activities in sequence and completes: its first
/// workflow task schedules activity 1, the task after activity `k` completed schedules activity
/// `k + 1`, and the task after the last one completes the run. That writes `5 + 6k` history events
/// per workflow (`eventsPerWorkflow(activities:)`). Starters keep at most `openWorkflowsMax`
/// workflows open; `concurrency` workflow-task pollers and as many activity pollers do the work.
public enum EngineBenchmark {
    /// The task queue the benchmark's workflows and activities use.
    public static let taskQueue = "bench"
    /// The sticky queue of the benchmark's one worker, with `Options.isSticky`.
    public static let stickyQueue = "bench-sticky"
    /// The workflow type of every benchmark workflow.
    public static let workflowType = "BenchWorkflow"
    /// The activity type of every benchmark activity.
    public static let activityType = "BenchActivity"

    /// Returns the history events one benchmark workflow writes when it runs `activities` activities:
    /// started and the first task's scheduled, started and completed events, then per activity its
    /// scheduled, started and completed events and the next task's three, then the closing event.
    public static func eventsPerWorkflow(activities: Int) -> Int { 5 + 6 * activities }

    /// The size and shape of a run.
    public struct Options: Sendable, Hashable {
        /// Workflows to run to completion.
        public var workflows: Int
        /// Workflow-task pollers, and as many activity pollers.
        public var concurrency: Int
        /// Activities each workflow runs in sequence before it completes.
        public var activitiesPerWorkflow: Int
        /// Bytes of the workflow input, each activity's input and result, and the workflow result.
        public var payloadBytes: Int
        /// Workers ask for sticky execution: after its first task a workflow's tasks go to the
        /// worker's own queue and carry only the new events, instead of the whole history read back
        /// from the log.
        public var isSticky: Bool
        /// Swift tasks starting workflows, each waiting for its start to be durable. Each workflow's
        /// start is a commit of its own, so too few starters cap the whole run.
        public var starters: Int
        /// Most workflows open at once; starters wait for a workflow to complete before starting more.
        public var openWorkflowsMax: Int
        /// How long one poll waits before it returns empty and the poller polls again.
        public var pollTimeout: Duration
        /// Keep the event records the run wrote (`Result.eventRecords`), for a log baseline.
        public var keepsEventRecords: Bool

        /// Options with the benchmark's defaults for everything not given; `starters` nil means one
        /// per workflow-task poller, `openWorkflowsMax` nil four per workflow-task poller.
        public init(
            workflows: Int = 20_000, concurrency: Int = 64, activitiesPerWorkflow: Int = 3, payloadBytes: Int = 32,
            isSticky: Bool = true, starters: Int? = nil, openWorkflowsMax: Int? = nil,
            pollTimeout: Duration = .seconds(10), keepsEventRecords: Bool = true
        ) {
            self.workflows = workflows
            self.concurrency = concurrency
            self.activitiesPerWorkflow = activitiesPerWorkflow
            self.payloadBytes = payloadBytes
            self.isSticky = isSticky
            self.starters = starters ?? concurrency
            self.openWorkflowsMax = openWorkflowsMax ?? 4 * concurrency
            self.pollTimeout = pollTimeout
            self.keepsEventRecords = keepsEventRecords
        }

        /// Returns why the options cannot run, or nil when they can.
        public var problem: String? {
            if workflows < 1 { return "expected at least 1 workflow, found \(workflows)" }
            if concurrency < 1 { return "expected a concurrency of at least 1, found \(concurrency)" }
            if activitiesPerWorkflow < 0 {
                return "expected 0 or more activities per workflow, found \(activitiesPerWorkflow)"
            }
            let historyMax = EngineLimits().historyEventsMax
            let events = EngineBenchmark.eventsPerWorkflow(activities: activitiesPerWorkflow)
            if events > historyMax {
                return "\(activitiesPerWorkflow) activities make \(events) events per workflow; "
                    + "a history holds at most \(historyMax) (historyEventsMax)"
            }
            if payloadBytes < 0 || payloadBytes > EngineLimits().payloadBytesMax {
                return "expected a payload of 0...\(EngineLimits().payloadBytesMax) bytes, found \(payloadBytes)"
            }
            if starters < 1 { return "expected at least 1 starter, found \(starters)" }
            if openWorkflowsMax < 1 { return "expected at least 1 open workflow, found \(openWorkflowsMax)" }
            if pollTimeout <= .zero { return "expected a positive poll timeout, found \(pollTimeout)" }
            return nil
        }
    }

    /// How far a run has come, for a progress display.
    public struct Progress: Sendable {
        /// Workflows completed so far.
        public var workflowsCompleted: Int
        /// Workflows in the run.
        public var workflows: Int
        /// Records the log appended since the run started.
        public var recordsAppended: UInt64
    }

    /// What the log did over a timed phase: the difference of its counters.
    public struct LogWork: Sendable, Hashable {
        /// Appends (one per engine operation that wrote something).
        public var commits: UInt64
        /// Group writes, each of one or more commits.
        public var writes: UInt64
        /// `fdatasync` calls.
        public var syncs: UInt64
        /// Records appended.
        public var records: UInt64
        /// Record bytes before compression.
        public var rawBytes: UInt64
        /// Bytes written to the file.
        public var storedBytes: UInt64

        init(from before: LogCounters, to after: LogCounters) {
            commits = after.commits - before.commits
            writes = after.writes - before.writes
            syncs = after.syncs - before.syncs
            records = after.recordsAppended - before.recordsAppended
            rawBytes = after.rawBytesAppended - before.rawBytesAppended
            storedBytes = after.storedBytesWritten - before.storedBytesWritten
        }
    }

    /// What one run measured.
    public struct Result: Sendable {
        /// Workflows that completed.
        public var workflows: Int
        /// History events of all runs (the sum of their history lengths).
        public var events: Int
        /// From the first start to the last workflow's completion being durable.
        public var elapsed: Duration
        /// CPU time the process used in that time (every thread, the log's included).
        public var cpuTime: Duration
        /// What the log did in that time.
        public var log: LogWork
        /// Per workflow task, from its scheduled time to its completion being durable (engine clock),
        /// in nanoseconds, in no order.
        public var workflowTaskLatencyNanoseconds: [UInt64]
        /// Per workflow task, the round trip of `completeWorkflowTask`, in nanoseconds, in no order.
        public var completeLatencyNanoseconds: [UInt64]
        /// Per workflow, the round trip of `startWorkflow`, in nanoseconds, in no order.
        public var startLatencyNanoseconds: [UInt64]
        /// The history event records the run wrote, in log order (empty unless `keepsEventRecords`).
        public var eventRecords: [LogRecord]
        /// The data file's size at the end.
        public var dataFileBytes: UInt64

        /// Events per second of `elapsed`.
        public var eventsPerSecond: Double { BenchMeasure.rate(events, elapsed) }
        /// Workflows per second of `elapsed`.
        public var workflowsPerSecond: Double { BenchMeasure.rate(workflows, elapsed) }
        /// CPU microseconds per event.
        public var cpuMicrosecondsPerEvent: Double { BenchMeasure.nanoseconds(cpuTime, per: events) / 1_000 }
    }

    /// Opens an engine on the data file at `path` (created when missing), runs the workload, and
    /// closes the engine. The workflow ids are `bench-0` up; in a file that already holds open runs
    /// of those ids the starts fail. `progress` is called about five times a second.
    ///
    /// - Throws: the first `EngineError` any starter or poller hit, or the engine's open or close error.
    public static func run(
        path: String, engineOptions: EngineOptions = EngineOptions(), options: Options,
        progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws(EngineError) -> Result {
        precondition(options.problem == nil, "invalid engine benchmark options: \(options.problem ?? "")")
        let engine = try Engine.open(path: path, options: engineOptions)
        return try await Workload(engine: engine, options: options, progress: progress).run().get()
    }
}

/// One run of the workload on an open engine.
private struct Workload: Sendable {
    let engine: Engine
    let options: EngineBenchmark.Options
    let progress: @Sendable (EngineBenchmark.Progress) -> Void

    /// What the starters, pollers and monitor share.
    final class Shared: Sendable {
        let nextStart = Atomic<Int>(0)
        let completed = Atomic<Int>(0)
        let slots: OpenSlots
        let startLatencies = Mutex<[UInt64]>([])
        let taskLatencies = Mutex<[UInt64]>([])
        let completeLatencies = Mutex<[UInt64]>([])
        let end = Mutex<
            (
                failure: EngineError?, finishedAt: ContinuousClock.Instant?, finishedCPU: Duration,
                waiter: CheckedContinuation<Void, Never>?
            )
        >((nil, nil, .zero, nil))

        init(openWorkflowsMax: Int) { slots = OpenSlots(count: openWorkflowsMax) }

        var isFinished: Bool { end.withLock { $0.finishedAt != nil } }

        /// Ends the run, with `failure` when something failed; only the first call counts.
        func finish(failure: EngineError? = nil) {
            let waiter = end.withLock { end -> CheckedContinuation<Void, Never>? in
                guard end.finishedAt == nil else { return nil }
                end.finishedAt = .now
                end.finishedCPU = BenchMeasure.processCPUTime()
                end.failure = failure
                defer { end.waiter = nil }
                return end.waiter
            }
            waiter?.resume()
            slots.close()
        }

        /// Returns once `finish` was called.
        func waitForEnd() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let isDone = end.withLock { end -> Bool in
                    if end.finishedAt != nil { return true }
                    end.waiter = continuation
                    return false
                }
                if isDone { continuation.resume() }
            }
        }
    }

    /// Runs the workload, reads the results and closes the engine. Closing also wakes any poller
    /// that was about to wait when it was cancelled, so the pollers all end.
    func run() async -> Result<EngineBenchmark.Result, EngineError> {
        let shared = Shared(openWorkflowsMax: options.openWorkflowsMax)
        let payload = Payload.binary(Array(repeating: UInt8(ascii: "x"), count: options.payloadBytes))
        let before = engine.store.stats().counters
        let firstLSN = engine.store.lastLSN.rawValue + 1
        let start = ContinuousClock.now
        let startCPU = BenchMeasure.processCPUTime()
        return await withTaskGroup(of: Void.self) { group -> Result<EngineBenchmark.Result, EngineError> in
            for _ in 0..<options.starters {
                group.addTask { await startWorkflows(shared, payload: payload) }
            }
            let stickyPollers = options.isSticky ? stickyPollerCount : 0
            for index in 0..<options.concurrency {
                let queue = index < stickyPollers ? EngineBenchmark.stickyQueue : EngineBenchmark.taskQueue
                group.addTask { await pollWorkflowTasks(shared, queue: queue, payload: payload) }
                group.addTask { await pollActivityTasks(shared, payload: payload) }
            }
            group.addTask { await report(shared, before: before) }
            await shared.waitForEnd()
            group.cancelAll()
            var outcome = results(shared, before: before, firstLSN: firstLSN, startCPU: startCPU, start: start)
            do throws(EngineError) {
                try await engine.close()
            } catch {
                if case .success = outcome { outcome = .failure(error) }
            }
            return outcome
        }
    }

    /// What the run measured, read once it ended (the engine still open).
    private func results(
        _ shared: Shared, before: LogCounters, firstLSN: UInt64, startCPU: Duration, start: ContinuousClock.Instant
    ) -> Result<EngineBenchmark.Result, EngineError> {
        let (failure, finishedAt, finishedCPU) = shared.end.withLock { ($0.failure, $0.finishedAt, $0.finishedCPU) }
        if let failure { return .failure(failure) }
        let elapsed = start.duration(to: finishedAt ?? .now)
        let stats = engine.store.stats()
        var events = 0
        var records: [LogRecord] = []
        do throws(EngineError) {
            for index in 0..<options.workflows {
                // An empty run id names the workflow id's current run: the one this run started.
                let execution = WorkflowExecution(workflowID: WorkflowID("bench-\(index)"), runID: RunID(""))
                events += Int(try engine.describe(execution: execution).historyLength)
            }
            if options.keepsEventRecords { records = try eventRecords(from: firstLSN) }
        } catch {
            return .failure(error)
        }
        return .success(
            EngineBenchmark.Result(
                workflows: shared.completed.load(ordering: .relaxed), events: events, elapsed: elapsed,
                cpuTime: finishedCPU - startCPU, log: EngineBenchmark.LogWork(from: before, to: stats.counters),
                workflowTaskLatencyNanoseconds: shared.taskLatencies.withLock { $0 },
                completeLatencyNanoseconds: shared.completeLatencies.withLock { $0 },
                startLatencyNanoseconds: shared.startLatencies.withLock { $0 }, eventRecords: records,
                dataFileBytes: stats.fileBytes))
    }

    /// With sticky execution, a workflow's first task comes from the normal queue and its other
    /// `activitiesPerWorkflow` from the sticky queue; the pollers are split in that proportion.
    private var stickyPollerCount: Int {
        let tasks = options.activitiesPerWorkflow + 1
        let normal = max(1, (options.concurrency + tasks - 1) / tasks)
        return max(0, options.concurrency - normal)
    }

    private func startWorkflows(_ shared: Shared, payload: Payload) async {
        let clock = ContinuousClock()
        while true {
            let index = shared.nextStart.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < options.workflows, await shared.slots.acquire() else { return }
            let workflowID = WorkflowID("bench-\(index)")
            let request = StartWorkflowRequest(
                workflowID: workflowID, workflowType: EngineBenchmark.workflowType,
                taskQueue: EngineBenchmark.taskQueue, input: [payload], identity: "bench-starter")
            let began = clock.now
            do {
                _ = try await engine.startWorkflow(request)
                let latency = BenchMeasure.nanoseconds(began.duration(to: clock.now))
                shared.startLatencies.withLock { $0.append(latency) }
            } catch {
                shared.finish(failure: error)
                return
            }
        }
    }

    private func pollWorkflowTasks(_ shared: Shared, queue: String, payload: Payload) async {
        let clock = ContinuousClock()
        let realTime = SystemClock()
        let sticky = options.isSticky ? StickyAttributes(taskQueue: EngineBenchmark.stickyQueue) : nil
        while !Task.isCancelled {
            let polled: WorkflowTask?
            do {
                polled = try await engine.pollWorkflowTask(
                    taskQueue: queue, identity: "bench-worker", timeout: options.pollTimeout)
            } catch {
                shared.finish(failure: error)
                return
            }
            guard let task = polled else { continue }
            let done = Self.completedActivities(in: task.history)
            let isLast = done >= options.activitiesPerWorkflow
            let command: Command
            if isLast {
                command = .completeWorkflowExecution(result: [payload])
            } else {
                command = .scheduleActivityTask(
                    ScheduleActivityTask(
                        activityID: String(done + 1), activityType: EngineBenchmark.activityType, input: [payload],
                        startToCloseTimeout: .seconds(60)))
            }
            let began = clock.now
            do {
                try await engine.completeWorkflowTask(
                    task.taskToken, commands: [command], identity: "bench-worker", sticky: sticky)
            } catch {
                shared.finish(failure: error)
                return
            }
            // Recorded at once, not when the poller ends: the run's results are read before the
            // pollers are stopped.
            let completeLatency = BenchMeasure.nanoseconds(began.duration(to: clock.now))
            let taskLatency = UInt64(max(0, realTime.now().rawValue - task.scheduledTime.rawValue))
            shared.completeLatencies.withLock { $0.append(completeLatency) }
            shared.taskLatencies.withLock { $0.append(taskLatency) }
            if isLast {
                shared.slots.release()
                if shared.completed.wrappingAdd(1, ordering: .relaxed).newValue == options.workflows {
                    shared.finish()
                }
            }
        }
    }

    /// The activities a workflow has completed, read from the events its task carries: every
    /// activity it scheduled completed before this task, so the last scheduled activity id (its
    /// number) is the count. A sticky task's partial history still holds the last scheduling.
    private static func completedActivities(in history: [HistoryEvent]) -> Int {
        for event in history.reversed() {
            if case .activityTaskScheduled(let scheduled) = event.attributes { return Int(scheduled.activityID) ?? 0 }
        }
        return 0
    }

    private func pollActivityTasks(_ shared: Shared, payload: Payload) async {
        while !Task.isCancelled {
            do {
                guard
                    let task = try await engine.pollActivityTask(
                        taskQueue: EngineBenchmark.taskQueue, identity: "bench-worker", timeout: options.pollTimeout)
                else { continue }
                try await engine.completeActivity(task.taskToken, result: [payload], identity: "bench-worker")
            } catch {
                shared.finish(failure: error)
                return
            }
        }
    }

    /// Reports progress five times a second until the run ends.
    private func report(_ shared: Shared, before: LogCounters) async {
        while !Task.isCancelled, !shared.isFinished {
            try? await Task.sleep(for: .milliseconds(200))
            let appended = engine.store.stats().counters.recordsAppended - before.recordsAppended
            progress(
                EngineBenchmark.Progress(
                    workflowsCompleted: shared.completed.load(ordering: .relaxed), workflows: options.workflows,
                    recordsAppended: appended))
        }
    }

    /// The history event records of the log from `firstLSN` on, in log order.
    private func eventRecords(from firstLSN: UInt64) throws(EngineError) -> [LogRecord] {
        var records: [LogRecord] = []
        do {
            try engine.store.scan(from: LSN(firstLSN)) { record in
                if record.payload.first == EngineRecordKind.event.rawValue {
                    records.append(LogRecord(stream: record.stream, payload: record.payload))
                }
                return true
            }
        } catch {
            throw EngineError(.storage, "scanning the benchmark's records failed", storageCause: error)
        }
        return records
    }
}

/// A counting semaphore for Swift tasks: `acquire` waits while every slot is taken.
final class OpenSlots: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Bool, Never>] = []
        var isClosed = false
    }
    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(free: count)) }

    /// Takes a slot, waiting for one; false once closed.
    func acquire() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let granted = state.withLock { state -> Bool? in
                if state.isClosed { return false }
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return nil
            }
            if let granted { continuation.resume(returning: granted) }
        }
    }

    /// Gives a slot back, to the oldest waiter if there is one.
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: true)
    }

    /// Wakes every waiter with false and refuses further acquires.
    func close() {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.isClosed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: false) }
    }
}
