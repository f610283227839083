import Synchronization
import Testing

@testable import KeelLog

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(1))) struct ParallelRunnerTests {
    /// Counts calls per index.
    final class Calls: Sendable {
        let counts: Mutex<[Int]>
        init(_ count: Int) { counts = Mutex(Array(repeating: 0, count: count)) }
        func record(_ index: Int) { counts.withLock { $0[index] += 1 } }
        var values: [Int] { counts.withLock { $0 } }
    }

    @Test func everyIterationRunsExactlyOnceAcrossManyJobsOfEverySize() {
        let runner = ParallelRunner()
        // Sizes 0 and 1 stay on the caller; the rest share the helper, job after job, so that a
        // helper still finishing one job meets the next.
        for round in 0..<2_000 {
            let count = round % 9
            let calls = Calls(count)
            runner.run(count: count) { index in
                // Unequal iterations, so that both threads claim some.
                var spin = 0
                for _ in 0..<(index * 50) { spin &+= 1 }
                _ = spin
                calls.record(index)
            }
            #expect(calls.values == Array(repeating: 1, count: count), "round \(round): \(calls.values)")
        }
    }

    @Test func theHelperTakesIterationsWhenTheCallerIsBusy() {
        let runner = ParallelRunner()
        let threads = Mutex<Set<UInt>>([])
        // The first iteration holds the caller until another one has run elsewhere, which only the
        // helper can do; the test would hang if it never took one.
        let others = Atomic<Int>(0)
        runner.run(count: 4) { index in
            threads.withLock { _ = $0.insert(UInt(pthread_self())) }
            if index == 0 {
                while others.load(ordering: .acquiring) == 0 { sched_yield() }
            } else {
                others.add(1, ordering: .releasing)
            }
        }
        #expect(threads.withLock { $0.count } == 2)
    }

    @Test func afterStopTheCallerRunsEveryIteration() {
        let runner = ParallelRunner()
        runner.run(count: 2) { _ in }
        runner.stop()
        let calls = Calls(16)
        runner.run(count: 16) { calls.record($0) }
        #expect(calls.values == Array(repeating: 1, count: 16))
    }
}
