import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the iterations of a loop on the calling thread and one helper thread: the writer encodes and
/// compresses the blocks of a large write this way, one block per iteration.
///
/// A general thread pool hands work over through sleeping threads, and on a virtual machine waking
/// one and waiting for it to report back costs tens of microseconds per write, a large part of
/// compressing a 100 KiB block. Here the caller starts on the first iteration at once; the helper
/// claims iterations as it arrives, and after a job it keeps watching for the next one for
/// `watchNanoseconds`, yielding the processor between checks, before it sleeps. The caller waits for
/// the helper's last iteration the same way. So a stream of large writes never sleeps between
/// them, while a store that only writes small ones never starts the helper at all.
final class ParallelRunner: @unchecked Sendable {
    /// How long the helper watches for the next job before it sleeps, in nanoseconds.
    static let watchNanoseconds: UInt64 = 1_000_000

    private let shared = Shared()
    private var isStarted = false

    deinit { shared.stop() }

    /// Stops the helper thread, if it was started; later runs do all their iterations on the caller.
    func stop() { shared.stop() }

    /// Calls `body` once for every index in `0..<count`, some of them on the helper thread, and
    /// returns when every call has returned. One caller at a time.
    func run(count: Int, _ body: @escaping (Int) -> Void) {
        precondition(count >= 0 && count < Int(UInt32.max), "iteration count out of range: \(count)")
        if count <= 1 {
            for index in 0..<count { body(index) }
            return
        }
        if !isStarted {
            isStarted = true
            let shared = self.shared
            startThread { shared.helperLoop() }
        }
        let generation = shared.publish(count: count, body: body)
        shared.work(generation: generation)
        shared.waitUntilFinished(count)
        shared.body = nil
    }

    /// What the caller and the helper share.
    private final class Shared: @unchecked Sendable {
        /// The current job's generation (high 32 bits) and its next unclaimed index (low 32 bits):
        /// one word, so that an iteration is claimed only for the job it belongs to.
        let cursor = Atomic<UInt64>(0)
        let count = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let isParked = Atomic<Bool>(false)
        let isStopped = Atomic<Bool>(false)
        /// Written by the caller before it publishes a job and cleared after the job finished; read
        /// by the helper only while it holds a claimed iteration of that job.
        var body: ((Int) -> Void)?
        private var mutex = pthread_mutex_t()
        private var condition = pthread_cond_t()

        init() {
            pthread_mutex_init(&mutex, nil)
            pthread_cond_init(&condition, nil)
        }

        deinit {
            pthread_cond_destroy(&condition)
            pthread_mutex_destroy(&mutex)
        }

        /// Makes a job of `count` iterations current and wakes the helper if it sleeps; returns the
        /// job's generation.
        func publish(count: Int, body: @escaping (Int) -> Void) -> UInt64 {
            self.body = body
            self.count.store(count, ordering: .relaxed)
            finished.store(0, ordering: .relaxed)
            let generation = ((cursor.load(ordering: .relaxed) >> 32) &+ 1) & 0xFFFF_FFFF
            cursor.store(generation << 32, ordering: .sequentiallyConsistent)
            if isParked.load(ordering: .sequentiallyConsistent) { signal() }
            return generation
        }

        /// Claims and runs iterations of job `generation` until none is left.
        func work(generation: UInt64) {
            var current = cursor.load(ordering: .acquiring)
            while current >> 32 == generation {
                let index = Int(current & 0xFFFF_FFFF)
                guard index < count.load(ordering: .relaxed) else { return }
                let (exchanged, original) = cursor.compareExchange(
                    expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
                guard exchanged else {
                    current = original
                    continue
                }
                runClaimed(index)
                finished.add(1, ordering: .releasing)
                current = cursor.load(ordering: .acquiring)
            }
        }

        /// Runs one claimed iteration. Not inlined, so that the closure is released before the
        /// iteration is counted as finished and the caller may drop it.
        @inline(never)
        private func runClaimed(_ index: Int) {
            body?(index)
        }

        /// Waits until `count` iterations have finished: briefly by watching, then yielding.
        func waitUntilFinished(_ count: Int) {
            var checks = 0
            while finished.load(ordering: .acquiring) < count {
                checks += 1
                if checks > 64 { sched_yield() }
            }
        }

        func helperLoop() {
            var seen: UInt64 = 0
            while !isStopped.load(ordering: .relaxed) {
                let watchEnd = monotonicNanoseconds() &+ ParallelRunner.watchNanoseconds
                var generation = cursor.load(ordering: .acquiring) >> 32
                while generation == seen, !isStopped.load(ordering: .relaxed), monotonicNanoseconds() < watchEnd {
                    sched_yield()
                    generation = cursor.load(ordering: .acquiring) >> 32
                }
                if generation == seen {
                    park(after: seen)
                    continue
                }
                seen = generation
                work(generation: generation)
            }
        }

        /// Sleeps until a job newer than `seen` is published or the runner stops.
        private func park(after seen: UInt64) {
            pthread_mutex_lock(&mutex)
            isParked.store(true, ordering: .sequentiallyConsistent)
            while cursor.load(ordering: .sequentiallyConsistent) >> 32 == seen,
                !isStopped.load(ordering: .sequentiallyConsistent)
            {
                pthread_cond_wait(&condition, &mutex)
            }
            isParked.store(false, ordering: .relaxed)
            pthread_mutex_unlock(&mutex)
        }

        private func signal() {
            pthread_mutex_lock(&mutex)
            pthread_cond_signal(&condition)
            pthread_mutex_unlock(&mutex)
        }

        func stop() {
            isStopped.store(true, ordering: .sequentiallyConsistent)
            signal()
        }
    }
}
