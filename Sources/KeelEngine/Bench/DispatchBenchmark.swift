import Synchronization

/// The task-queue benchmark behind `keel bench dispatch`: producers offer tasks to task queues while
/// long-polling pollers (Swift tasks) take them, through the engine's matching layer or through a
/// minimal queue of the same shape, so one run can quote the first against the second.
///
/// Every task carries the moment it was offered, so each poller measures the offer-to-poll latency
/// of every task it takes.
public enum DispatchBenchmark {
    /// Which task queues the tasks go through.
    public enum Subject: String, Sendable, CaseIterable {
        /// The engine's task queues: a backlog with a fair lane per workflow id, long polls that
        /// time out, and the engine's lock.
        case matching
        /// Per queue, a FIFO array of tasks and an array of waiting continuations behind a `Mutex`:
        /// the least the producer-poller pattern needs (no fairness, no timeouts).
        case baseline
    }

    /// How tasks meet pollers.
    public enum Mode: String, Sendable, CaseIterable {
        /// Producers offer while the pollers poll: a waiting poller is handed a task directly, and
        /// tasks that find no waiting poller queue up in the backlog.
        case handOff
        /// Every task is offered before any poller starts; then the pollers drain the backlog.
        case backlog
    }

    /// The size and shape of a run.
    public struct Options: Sendable, Hashable {
        /// Tasks offered and taken.
        public var tasks: Int
        /// Long-polling Swift tasks; poller `i` polls queue `i % queues`.
        public var pollers: Int
        /// Task queues; task `i` goes to queue `i % queues`.
        public var queues: Int
        /// Swift tasks offering the tasks, each yielding every `producerBurst` offers.
        public var producers: Int
        /// Offers a producer makes between yields, so pollers on the same thread get to run.
        public var producerBurst: Int
        /// Distinct workflow ids the tasks cycle through (the backlog keeps a lane per workflow id).
        public var workflowIDs: Int
        /// How long one poll waits for a task before it returns empty (the engine's default is 60 s).
        public var pollTimeout: Duration

        /// Options with the benchmark's defaults for everything not given.
        public init(
            tasks: Int = 500_000, pollers: Int = 64, queues: Int = 4, producers: Int = 2, producerBurst: Int = 64,
            workflowIDs: Int = 4_096, pollTimeout: Duration = .seconds(60)
        ) {
            self.tasks = tasks
            self.pollers = pollers
            self.queues = queues
            self.producers = producers
            self.producerBurst = producerBurst
            self.workflowIDs = workflowIDs
            self.pollTimeout = pollTimeout
        }

        /// Returns why the options cannot run, or nil when they can.
        public var problem: String? {
            if tasks < 1 { return "expected at least 1 task, found \(tasks)" }
            if queues < 1 { return "expected at least 1 queue, found \(queues)" }
            if pollers < queues {
                return "expected at least one poller per queue (\(queues)), found \(pollers) pollers"
            }
            let perQueue = (pollers + queues - 1) / queues
            let pollersMax = EngineLimits().pollersPerQueueMax
            if perQueue > pollersMax {
                return "expected at most \(pollersMax) pollers per queue (pollersPerQueueMax), found \(perQueue)"
            }
            if producers < 1 { return "expected at least 1 producer, found \(producers)" }
            if producerBurst < 1 { return "expected a producer burst of at least 1, found \(producerBurst)" }
            if workflowIDs < 1 { return "expected at least 1 workflow id, found \(workflowIDs)" }
            if pollTimeout <= .zero { return "expected a positive poll timeout, found \(pollTimeout)" }
            return nil
        }
    }

    /// How far a run has come, for a progress display.
    public struct Progress: Sendable {
        /// What the run is doing: "offer" (backlog mode, before the pollers start) or "take".
        public var stage: String
        /// Tasks offered (stage "offer") or taken (stage "take") so far.
        public var done: Int
        /// Tasks in the run.
        public var total: Int
    }

    /// What one run measured.
    public struct Result: Sendable {
        /// The queues the run measured.
        public var subject: Subject
        /// How tasks met pollers.
        public var mode: Mode
        /// Tasks taken by the pollers.
        public var tasks: Int
        /// From the start of the timed part to the last task taken. In backlog mode the timed part is
        /// the drain; the offers are timed separately.
        public var elapsed: Duration
        /// In backlog mode, how long offering every task into the empty queues took; zero otherwise.
        public var offerElapsed: Duration
        /// CPU time the process used in the timed part (every thread).
        public var cpuTime: Duration
        /// In backlog mode, CPU time the process used offering; zero otherwise.
        public var offerCPUTime: Duration
        /// The offer-to-poll latency of every task taken, in nanoseconds, in no order.
        public var latencyNanoseconds: [UInt64]
        /// The largest backlog (tasks waiting, all queues) the sampler saw while pollers ran.
        public var backlogMax: Int
        /// The mean of the sampled backlogs while pollers ran.
        public var backlogMean: Double
        /// The fraction of samples in which no task waited in a backlog: in hand-off mode, a rough
        /// share of time in which tasks went straight to waiting pollers.
        public var emptyBacklogFraction: Double

        /// Tasks taken per second of `elapsed`.
        public var dispatchesPerSecond: Double { BenchMeasure.rate(tasks, elapsed) }
        /// In backlog mode, tasks offered per second of `offerElapsed`.
        public var offersPerSecond: Double { BenchMeasure.rate(tasks, offerElapsed) }
        /// CPU nanoseconds per task taken (the timed part).
        public var cpuNanosecondsPerTask: Double { BenchMeasure.nanoseconds(cpuTime, per: tasks) }
        /// In backlog mode, CPU nanoseconds per task offered.
        public var offerCPUNanosecondsPerTask: Double { BenchMeasure.nanoseconds(offerCPUTime, per: tasks) }
    }

    /// Runs `options.tasks` tasks through `subject` as `mode` says and returns what it measured.
    /// `progress` is called about ten times a second from a task of its own.
    ///
    /// - Complexity: O(tasks) time, and memory for one latency per task.
    public static func run(
        _ subject: Subject, mode: Mode, options: Options, progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async -> Result {
        precondition(options.problem == nil, "invalid dispatch benchmark options: \(options.problem ?? "")")
        switch subject {
        case .matching:
            let queues = MatchingQueues(count: options.queues, timeout: options.pollTimeout)
            return await Driver(queues: queues, subject: subject, mode: mode, options: options, progress: progress)
                .run()
        case .baseline:
            let queues = ContinuationQueues(count: options.queues)
            return await Driver(queues: queues, subject: subject, mode: mode, options: options, progress: progress)
                .run()
        }
    }
}

/// A set of task queues a dispatch run drives.
protocol DispatchQueues: Sendable {
    /// Hands `task` to a poller of queue `queue`, or keeps it until one polls.
    func offer(_ task: MatchTask, to queue: Int)
    /// Takes the next task of `queue`, waiting for one; nil once the queues are closed.
    func poll(_ queue: Int) async -> MatchTask?
    /// Wakes every waiting poller with nil and refuses further polls.
    func close()
    /// Tasks waiting in all queues.
    func backlog() -> Int
}

/// The engine's matching layer over `count` workflow task queues.
struct MatchingQueues: DispatchQueues {
    let matching: Matching
    let keys: [QueueKey]
    let timeout: Duration
    private let closed = ClosedFlag()

    init(count: Int, timeout: Duration) {
        matching = Matching(pollersPerQueueMax: EngineLimits().pollersPerQueueMax)
        keys = (0..<count).map { QueueKey(namespace: "default", name: "bench-\($0)", kind: .workflow) }
        self.timeout = timeout
    }

    func offer(_ task: MatchTask, to queue: Int) { matching.offer(task, to: keys[queue]) }

    func poll(_ queue: Int) async -> MatchTask? {
        while true {
            do {
                // A poll that times out returns nil while the queues are open: poll again, as a
                // worker does, until the queues close.
                if let task = try await matching.poll(keys[queue], timeout: timeout) { return task }
                if closed.isClosed { return nil }
            } catch {
                preconditionFailure("a benchmark poll was refused: \(error)")
            }
        }
    }

    func close() {
        closed.close()
        matching.close()
    }

    func backlog() -> Int { keys.reduce(0) { $0 + matching.stats($1).backlog } }
}

/// A flag shared by copies of a value.
final class ClosedFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isClosed: Bool { flag.load(ordering: .acquiring) }
    func close() { flag.store(true, ordering: .releasing) }
}

/// The baseline: per queue, tasks in a FIFO array and waiting pollers' continuations in another,
/// all behind one `Mutex`. A task goes to the oldest waiting poller or to the end of the array.
final class ContinuationQueues: DispatchQueues {
    private struct Queue {
        var tasks: [MatchTask] = []
        var taskHead = 0
        var waiters: [CheckedContinuation<MatchTask?, Never>] = []
        var waiterHead = 0

        mutating func popTask() -> MatchTask? {
            guard taskHead < tasks.count else { return nil }
            let task = tasks[taskHead]
            taskHead += 1
            // Drops the taken prefix once it is most of the array, keeping pops O(1) amortized.
            if taskHead == tasks.count {
                tasks.removeAll(keepingCapacity: true)
                taskHead = 0
            } else if taskHead > 1_024, taskHead * 2 > tasks.count {
                tasks.removeFirst(taskHead)
                taskHead = 0
            }
            return task
        }

        mutating func popWaiter() -> CheckedContinuation<MatchTask?, Never>? {
            guard waiterHead < waiters.count else { return nil }
            let waiter = waiters[waiterHead]
            waiterHead += 1
            if waiterHead == waiters.count {
                waiters.removeAll(keepingCapacity: true)
                waiterHead = 0
            } else if waiterHead > 64, waiterHead * 2 > waiters.count {
                waiters.removeFirst(waiterHead)
                waiterHead = 0
            }
            return waiter
        }
    }

    private struct State {
        var queues: [Queue]
        var isClosed = false
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(queues: Array(repeating: Queue(), count: count)))
    }

    func offer(_ task: MatchTask, to queue: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<MatchTask?, Never>? in
            if let waiter = state.queues[queue].popWaiter() { return waiter }
            state.queues[queue].tasks.append(task)
            return nil
        }
        waiter?.resume(returning: task)
    }

    func poll(_ queue: Int) async -> MatchTask? {
        await withCheckedContinuation { (continuation: CheckedContinuation<MatchTask?, Never>) in
            let ready = state.withLock { state -> MatchTask?? in
                if state.isClosed { return .some(nil) }
                if let task = state.queues[queue].popTask() { return .some(task) }
                state.queues[queue].waiters.append(continuation)
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func close() {
        let waiters = state.withLock { state -> [CheckedContinuation<MatchTask?, Never>] in
            state.isClosed = true
            var all: [CheckedContinuation<MatchTask?, Never>] = []
            for index in state.queues.indices {
                while let waiter = state.queues[index].popWaiter() { all.append(waiter) }
            }
            return all
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    func backlog() -> Int {
        state.withLock { state in state.queues.reduce(0) { $0 + $1.tasks.count - $1.taskHead } }
    }
}

/// Runs one dispatch run over a set of queues.
private struct Driver<Queues: DispatchQueues> {
    let queues: Queues
    let subject: DispatchBenchmark.Subject
    let mode: DispatchBenchmark.Mode
    let options: DispatchBenchmark.Options
    let progress: @Sendable (DispatchBenchmark.Progress) -> Void

    /// What the pollers, producers and sampler share.
    final class Shared: Sendable {
        let offered = Atomic<Int>(0)
        let taken = Atomic<Int>(0)
        let finishedAt = Mutex<(wall: ContinuousClock.Instant, cpu: Duration)?>(nil)
        let latencies = Mutex<[UInt64]>([])
        let samples = Mutex<(count: Int, empty: Int, sum: Int, max: Int)>((0, 0, 0, 0))
    }

    func run() async -> DispatchBenchmark.Result {
        let shared = Shared()
        let origin = ContinuousClock.now
        let keys = (0..<options.workflowIDs).map {
            RunKey(
                namespace: "default",
                execution: WorkflowExecution(workflowID: WorkflowID("bench-\($0)"), runID: RunID("run")))
        }
        var offerElapsed = Duration.zero
        var offerCPUTime = Duration.zero
        var started = ContinuousClock.now
        var startedCPU = BenchMeasure.processCPUTime()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sample(shared) }
            switch mode {
            case .handOff:
                started = ContinuousClock.now
                startedCPU = BenchMeasure.processCPUTime()
                addPollers(to: &group, shared: shared, origin: origin)
                addProducers(to: &group, shared: shared, origin: origin, keys: keys)
            case .backlog:
                await withTaskGroup(of: Void.self) { producers in
                    let offerStart = ContinuousClock.now
                    let offerStartCPU = BenchMeasure.processCPUTime()
                    addProducers(to: &producers, shared: shared, origin: origin, keys: keys)
                    await producers.waitForAll()
                    offerElapsed = offerStart.duration(to: .now)
                    offerCPUTime = BenchMeasure.processCPUTime() - offerStartCPU
                }
                started = ContinuousClock.now
                startedCPU = BenchMeasure.processCPUTime()
                addPollers(to: &group, shared: shared, origin: origin)
            }
            await group.waitForAll()
        }
        let finished =
            shared.finishedAt.withLock { $0 } ?? (wall: ContinuousClock.now, cpu: BenchMeasure.processCPUTime())
        let samples = shared.samples.withLock { $0 }
        return DispatchBenchmark.Result(
            subject: subject, mode: mode, tasks: shared.taken.load(ordering: .relaxed),
            elapsed: started.duration(to: finished.wall), offerElapsed: offerElapsed,
            cpuTime: finished.cpu - startedCPU, offerCPUTime: offerCPUTime,
            latencyNanoseconds: shared.latencies.withLock { $0 }, backlogMax: samples.max,
            backlogMean: samples.count > 0 ? Double(samples.sum) / Double(samples.count) : 0,
            emptyBacklogFraction: samples.count > 0 ? Double(samples.empty) / Double(samples.count) : 0)
    }

    private func addPollers(to group: inout TaskGroup<Void>, shared: Shared, origin: ContinuousClock.Instant) {
        let total = options.tasks
        for index in 0..<options.pollers {
            let queue = index % options.queues
            group.addTask { [queues] in
                var latencies: [UInt64] = []
                latencies.reserveCapacity(total / options.pollers * 2 + 16)
                while let task = await queues.poll(queue) {
                    guard case .workflow(_, let offeredAt) = task else { continue }
                    let now = Self.nanoseconds(since: origin)
                    latencies.append(UInt64(max(0, now - offeredAt)))
                    if shared.taken.wrappingAdd(1, ordering: .relaxed).newValue == total {
                        shared.finishedAt.withLock { $0 = (.now, BenchMeasure.processCPUTime()) }
                        queues.close()
                    }
                }
                shared.latencies.withLock { [latencies] in $0.append(contentsOf: latencies) }
            }
        }
    }

    private func addProducers(
        to group: inout TaskGroup<Void>, shared: Shared, origin: ContinuousClock.Instant, keys: [RunKey]
    ) {
        for producer in 0..<options.producers {
            group.addTask { [queues, options] in
                var sinceYield = 0
                for index in stride(from: producer, to: options.tasks, by: options.producers) {
                    let task = MatchTask.workflow(
                        run: keys[index % keys.count], scheduledEventID: Self.nanoseconds(since: origin))
                    queues.offer(task, to: index % options.queues)
                    shared.offered.wrappingAdd(1, ordering: .relaxed)
                    sinceYield += 1
                    if sinceYield == options.producerBurst {
                        sinceYield = 0
                        await Task.yield()
                    }
                }
            }
        }
    }

    /// Samples the backlog and reports progress every 100 ms until the pollers are done.
    private func sample(_ shared: Shared) async {
        while true {
            try? await Task.sleep(for: .milliseconds(100))
            let taken = shared.taken.load(ordering: .relaxed)
            let offered = shared.offered.load(ordering: .relaxed)
            if mode == .backlog, offered < options.tasks {
                progress(DispatchBenchmark.Progress(stage: "offer", done: offered, total: options.tasks))
                continue
            }
            progress(DispatchBenchmark.Progress(stage: "take", done: taken, total: options.tasks))
            if taken >= options.tasks { return }
            let backlog = queues.backlog()
            shared.samples.withLock { samples in
                samples.count += 1
                samples.sum += backlog
                samples.max = max(samples.max, backlog)
                if backlog == 0 { samples.empty += 1 }
            }
        }
    }

    /// Nanoseconds from `origin` to now on the continuous clock.
    static func nanoseconds(since origin: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = origin.duration(to: .now).components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
