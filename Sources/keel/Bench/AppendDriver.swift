import Foundation
import KeelLog
import Synchronization

/// What one timed append phase did.
struct AppendRunResult {
    /// Records appended and acknowledged.
    var records: Int
    /// Commits acknowledged.
    var commits: Int
    /// Wall time from the moment every appender was released until the last one finished.
    var elapsed: Duration
    /// Latency of each acknowledged commit, from the call to its acknowledgement.
    var latency: LatencySummary
    /// Whether the phase stopped at its time limit before appending every commit.
    var isCapped: Bool

    var recordsPerSecond: Double { rate(records) }
    var acknowledgementsPerSecond: Double { rate(commits) }

    private func rate(_ count: Int) -> Double {
        let seconds = elapsed.seconds
        return seconds > 0 ? Double(count) / seconds : 0
    }
}

/// Runs `concurrency` appenders over a list of commits: each takes the next commit, appends it,
/// waits for its own acknowledgement and records how long that took, until the commits run out or
/// the time limit passes.
///
/// Appenders are threads (`run`), each blocking in its acknowledgement, or Swift tasks (`runTasks`),
/// each suspended in `await` while the store's writer thread works: tasks never block the pool.
enum AppendDriver {
    /// Appends one commit and returns once it is durable. Each thread makes its own.
    typealias Append = ([LogRecord]) throws(BenchError) -> Void
    /// Appends one commit and resumes once it is durable.
    typealias AsyncAppend = @Sendable ([LogRecord]) async throws(BenchError) -> Void

    /// The state the appenders share.
    private final class Shared: Sendable {
        let commits: [[LogRecord]]
        let nextCommit = Atomic<Int>(0)
        let commitsDone = Atomic<Int>(0)
        let recordsDone = Atomic<Int>(0)
        let isStopped = Atomic<Bool>(false)
        let isCapped = Atomic<Bool>(false)
        let failure = Mutex<BenchError?>(nil)
        let latencies = Mutex<[UInt64]>([])
        let deadline = Mutex(ContinuousClock.now)

        init(commits: [[LogRecord]]) { self.commits = commits }

        /// The index of the next commit to append, or nil when the phase is over.
        func claim(now: ContinuousClock.Instant, stopAt: ContinuousClock.Instant) -> Int? {
            if isStopped.load(ordering: .relaxed) { return nil }
            if now >= stopAt {
                if nextCommit.load(ordering: .relaxed) < commits.count { isCapped.store(true, ordering: .relaxed) }
                return nil
            }
            let index = nextCommit.wrappingAdd(1, ordering: .relaxed).oldValue
            return index < commits.count ? index : nil
        }

        func acknowledged(_ index: Int, after elapsed: Duration, into latencies: inout [UInt64]) {
            let parts = elapsed.components
            latencies.append(UInt64(parts.seconds) * 1_000_000_000 + UInt64(parts.attoseconds / 1_000_000_000))
            commitsDone.wrappingAdd(1, ordering: .relaxed)
            recordsDone.wrappingAdd(commits[index].count, ordering: .relaxed)
        }

        func fail(_ error: BenchError) {
            failure.withLock { if $0 == nil { $0 = error } }
            isStopped.store(true, ordering: .relaxed)
        }

        func result(elapsed: Duration) throws(BenchError) -> AppendRunResult {
            if let failure = failure.withLock({ $0 }) { throw failure }
            return AppendRunResult(
                records: recordsDone.load(ordering: .relaxed), commits: commitsDone.load(ordering: .relaxed),
                elapsed: elapsed, latency: LatencySummary(nanoseconds: latencies.withLock { $0 }),
                isCapped: isCapped.load(ordering: .relaxed))
        }
    }

    /// Runs the phase on threads; `makeAppend` is called once on each thread, before timing starts.
    ///
    /// - Throws: the first error any appender hit (the others stop at their next commit).
    static func run(
        commits: [[LogRecord]], concurrency: Int, timeLimit: Duration, progress: BenchProgress, label: String,
        makeAppend: @escaping @Sendable (Int) throws(BenchError) -> Append
    ) throws(BenchError) -> AppendRunResult {
        precondition(concurrency >= 1, "an append phase needs at least one appender")
        let shared = Shared(commits: commits)
        let ready = DispatchGroup()
        let done = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for threadIndex in 0..<concurrency {
            ready.enter()
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                let append: Append
                do throws(BenchError) {
                    append = try makeAppend(threadIndex)
                } catch {
                    shared.fail(error)
                    ready.leave()
                    return
                }
                ready.leave()
                start.wait()
                let clock = ContinuousClock()
                let stopAt = shared.deadline.withLock { $0 }
                var latencies: [UInt64] = []
                latencies.reserveCapacity(commits.count / concurrency + 1)
                while true {
                    let before = clock.now
                    guard let index = shared.claim(now: before, stopAt: stopAt) else { break }
                    do throws(BenchError) {
                        try append(commits[index])
                    } catch {
                        shared.fail(error)
                        break
                    }
                    shared.acknowledged(index, after: clock.now - before, into: &latencies)
                }
                shared.latencies.withLock { [latencies] in $0.append(contentsOf: latencies) }
            }
            thread.stackSize = 1 << 20
            thread.name = "bench-\(label)-\(threadIndex)"
            thread.start()
        }
        ready.wait()
        let began = ContinuousClock.now
        shared.deadline.withLock { $0 = began + timeLimit }
        for _ in 0..<concurrency { start.signal() }
        wait(for: done, shared: shared, progress: progress, label: label)
        return try shared.result(elapsed: ContinuousClock.now - began)
    }

    /// Runs the phase on `concurrency` Swift tasks in one task group; the calling thread (never a
    /// pool thread) waits for them.
    ///
    /// - Throws: the first error any appender hit (the others stop at their next commit).
    static func runTasks(
        commits: [[LogRecord]], concurrency: Int, timeLimit: Duration, progress: BenchProgress, label: String,
        append: @escaping AsyncAppend
    ) throws(BenchError) -> AppendRunResult {
        precondition(concurrency >= 1, "an append phase needs at least one appender")
        let shared = Shared(commits: commits)
        let done = DispatchGroup()
        let began = ContinuousClock.now
        let stopAt = began + timeLimit
        done.enter()
        Task {
            defer { done.leave() }
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        let clock = ContinuousClock()
                        var latencies: [UInt64] = []
                        latencies.reserveCapacity(commits.count / concurrency + 1)
                        while true {
                            let before = clock.now
                            guard let index = shared.claim(now: before, stopAt: stopAt) else { break }
                            do throws(BenchError) {
                                try await append(commits[index])
                            } catch {
                                shared.fail(error)
                                break
                            }
                            shared.acknowledged(index, after: clock.now - before, into: &latencies)
                        }
                        shared.latencies.withLock { [latencies] in $0.append(contentsOf: latencies) }
                    }
                }
            }
        }
        wait(for: done, shared: shared, progress: progress, label: label)
        return try shared.result(elapsed: ContinuousClock.now - began)
    }

    /// Blocks until `done`, showing progress every half second.
    private static func wait(for done: DispatchGroup, shared: Shared, progress: BenchProgress, label: String) {
        let totalRecords = shared.commits.reduce(0) { $0 + $1.count }
        while done.wait(timeout: .now() + .milliseconds(500)) == .timedOut {
            progress.update(label, done: shared.recordsDone.load(ordering: .relaxed), of: totalRecords)
        }
        progress.finishLine()
    }
}
