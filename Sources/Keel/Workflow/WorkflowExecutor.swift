import Synchronization

/// The executor every task of one workflow run prefers: the run's body, its handlers, and the child
/// tasks they create with `async let` or task groups. Jobs wait in a FIFO queue until the worker
/// drains it on its own thread, one job at a time, so the order in which workflow code runs depends
/// only on the order of the events that resumed it: the same history gives the same run.
final class WorkflowExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = Mutex<[UnownedJob]>([])

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.append(job) }
    }

    /// Runs queued jobs, and the jobs they queue, until none is left; returns how many ran.
    @discardableResult
    func runUntilIdle() -> Int {
        var count = 0
        while true {
            let batch = queue.withLock { jobs -> [UnownedJob] in
                defer { jobs.removeAll(keepingCapacity: true) }
                return jobs
            }
            if batch.isEmpty { return count }
            for job in batch {
                job.runSynchronously(on: asUnownedTaskExecutor())
                count += 1
            }
        }
    }

    /// Whether any job waits to run.
    var hasWork: Bool { queue.withLock { !$0.isEmpty } }
}
