import KeelLog
import Synchronization

extension EngineBenchmark {
    /// What the log baseline measured.
    public struct LogBaselineResult: Sendable {
        /// Records appended and acknowledged.
        public var records: Int
        /// Commits appended and acknowledged.
        public var commits: Int
        /// From the first append to the last acknowledgement.
        public var elapsed: Duration
        /// CPU time the process used in that time (every thread, the log's included).
        public var cpuTime: Duration
        /// What the log did in that time.
        public var log: LogWork
        /// The round trip of every commit, in nanoseconds, in no order.
        public var commitLatencyNanoseconds: [UInt64]

        /// Records per second of `elapsed`.
        public var recordsPerSecond: Double { BenchMeasure.rate(records, elapsed) }
        /// CPU microseconds per record.
        public var cpuMicrosecondsPerRecord: Double { BenchMeasure.nanoseconds(cpuTime, per: records) / 1_000 }
    }

    /// The engine's floor: appends `records` straight to a new log at `path`, in `commits` commits of
    /// consecutive records (sizes differing by at most one), from `appenders` Swift tasks that each
    /// wait for their own acknowledgement, as the engine's callers do. Run with the records an engine
    /// run wrote and its commit count, the ratio of the two rates is the engine's cost over its log.
    ///
    /// - Complexity: O(records); the commits are built before the clock starts.
    /// - Throws: `LogError` from opening, appending to or closing the log.
    public static func runLogBaseline(
        records: [LogRecord], commits: Int, appenders: Int, path: String, options: LogOptions,
        progress: @escaping @Sendable (_ recordsDone: Int, _ records: Int) -> Void = { _, _ in }
    ) async throws(LogError) -> LogBaselineResult {
        precondition(
            commits >= 1 && commits <= max(1, records.count), "expected 1...\(records.count) commits, found \(commits)")
        precondition(appenders >= 1, "expected at least one appender, found \(appenders)")
        var batches: [[LogRecord]] = []
        batches.reserveCapacity(commits)
        for index in 0..<commits {
            let lower = index * records.count / commits
            let upper = (index + 1) * records.count / commits
            batches.append(Array(records[lower..<upper]))
        }
        let store = try LogStore.open(path: path, options: options)
        let shared = BaselineShared(batches: batches)
        let before = store.stats().counters
        let start = ContinuousClock.now
        let startCPU = BenchMeasure.processCPUTime()
        let monitor = Task {
            while shared.isRunning {
                try? await Task.sleep(for: .milliseconds(200))
                progress(shared.recordsDone.load(ordering: .relaxed), records.count)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<appenders {
                group.addTask { await shared.append(to: store) }
            }
            await group.waitForAll()
        }
        let elapsed = start.duration(to: .now)
        let cpuTime = BenchMeasure.processCPUTime() - startCPU
        monitor.cancel()
        await monitor.value
        let after = store.stats().counters
        try store.close()
        if let failure = shared.failure.withLock({ $0 }) { throw failure }
        return LogBaselineResult(
            records: shared.recordsDone.load(ordering: .relaxed), commits: commits, elapsed: elapsed, cpuTime: cpuTime,
            log: LogWork(from: before, to: after), commitLatencyNanoseconds: shared.latencies.withLock { $0 })
    }
}

/// What the baseline's appenders share.
private final class BaselineShared: Sendable {
    let batches: [[LogRecord]]
    let next = Atomic<Int>(0)
    let recordsDone = Atomic<Int>(0)
    let running = Atomic<Int>(0)
    let latencies = Mutex<[UInt64]>([])
    let failure = Mutex<LogError?>(nil)

    init(batches: [[LogRecord]]) { self.batches = batches }

    /// True until every batch has been taken and acknowledged (or an append failed).
    var isRunning: Bool {
        next.load(ordering: .relaxed) < batches.count || running.load(ordering: .relaxed) > 0
    }

    /// Appends the next batch until none is left, timing each acknowledgement.
    func append(to store: LogStore) async {
        running.wrappingAdd(1, ordering: .relaxed)
        defer { running.wrappingSubtract(1, ordering: .relaxed) }
        var latencies: [UInt64] = []
        let clock = ContinuousClock()
        while failure.withLock({ $0 }) == nil {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < batches.count else { break }
            let began = clock.now
            do {
                try await store.append(batches[index])
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
                break
            }
            latencies.append(BenchMeasure.nanoseconds(began.duration(to: clock.now)))
            recordsDone.wrappingAdd(batches[index].count, ordering: .relaxed)
        }
        self.latencies.withLock { [latencies] in $0.append(contentsOf: latencies) }
    }
}
