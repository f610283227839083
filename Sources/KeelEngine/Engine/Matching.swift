import KeelTimer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which kind of tasks a queue holds: the same name can hold workflow tasks and activity tasks.
enum QueueKind: UInt8, Sendable, Hashable {
    case workflow = 1
    case activity = 2
}

/// A task queue's identity inside the engine.
struct QueueKey: Hashable, Sendable {
    var namespace: String
    var name: String
    var kind: QueueKind
}

/// A task in a queue: a reference to durable state, checked again when a poller takes it.
enum MatchTask: Sendable {
    case workflow(run: RunKey, scheduledEventID: Int64)
    case activity(run: RunKey, scheduledEventID: Int64, attempt: Int32)
    case query(run: RunKey, query: QueryRequest)

    var workflowID: WorkflowID {
        switch self {
        case .workflow(let run, _), .activity(let run, _, _), .query(let run, _): run.execution.workflowID
        }
    }
}

/// What one task queue looks like from outside.
public struct TaskQueueStats: Sendable, Hashable {
    /// Tasks waiting for a poller.
    public var backlog: Int
    /// Pollers waiting for a task.
    public var pollers: Int
    /// Tasks handed over since the engine opened.
    public var dispatched: UInt64
}

/// The engine's task queues (Temporal's matching service): a task goes straight to a waiting poller
/// when there is one, otherwise into the queue's backlog, which hands tasks out round-robin across
/// workflow ids so one busy workflow cannot starve the others.
///
/// The backlog is memory only: every task in it stands for a durable scheduled event, and reopening
/// the engine offers them again.
final class Matching: @unchecked Sendable {
    /// One waiting poll. Made before the lock is taken, so that the lock is held only to link it in;
    /// the expiry wheel and the poll's cancellation handler refer to it directly. Its variables are
    /// read and written only under `Matching.lock`.
    private final class Waiter: @unchecked Sendable {
        /// Its queue.
        let queue: Queue
        /// Set under the lock while the poll waits; whoever takes it out resumes the poll.
        var continuation: UnsafeContinuation<MatchTask?, Never>?
        var expiry: TimerHandle?
        /// Set under the lock when the poll's task was cancelled before the waiter was linked in.
        var isCancelled = false
        init(queue: Queue) { self.queue = queue }
    }

    /// The tasks of one workflow id in a queue's backlog, oldest first.
    private final class Lane {
        let workflowID: WorkflowID
        var tasks: [MatchTask]
        /// The next task to hand out.
        var head = 0
        init(workflowID: WorkflowID, first: MatchTask) {
            self.workflowID = workflowID
            tasks = [first]
        }
    }

    /// One queue: waiting pollers (oldest first) and a backlog fair across workflow ids: one lane per
    /// workflow id with tasks waiting, taken in turn from a ring, so a pop hashes no key.
    private final class Queue {
        var waiters: [Waiter] = []
        var waiterHead = 0
        var lanes: [WorkflowID: Lane] = [:]
        var ring: [Lane] = []
        var ringHead = 0
        var backlog = 0
        var dispatched: UInt64 = 0
        /// Waiters still waiting; the others in `waiters` timed out and are skipped or compacted away.
        var waiting = 0

        /// Forgets a waiter that timed out, dropping the dead entries once they outnumber the live ones.
        func expire() {
            waiting -= 1
            let dead = waiters.count - waiterHead - waiting
            if dead > 32, dead > waiting {
                waiters = waiters[waiterHead...].filter { $0.continuation != nil }
                waiterHead = 0
            }
        }

        func push(_ task: MatchTask) {
            let workflowID = task.workflowID
            if let lane = lanes[workflowID] {
                lane.tasks.append(task)
            } else {
                let lane = Lane(workflowID: workflowID, first: task)
                lanes[workflowID] = lane
                ring.append(lane)
            }
            backlog += 1
        }

        func pop() -> MatchTask? {
            // Every lane with tasks waiting is in the ring exactly once at or after `ringHead`.
            guard backlog > 0 else { return nil }
            let lane = ring[ringHead]
            ringHead += 1
            let task = lane.tasks[lane.head]
            lane.head += 1
            if lane.head == lane.tasks.count {
                lanes[lane.workflowID] = nil
            } else {
                ring.append(lane)
            }
            backlog -= 1
            if ringHead > 1024, ringHead * 2 > ring.count {
                ring.removeFirst(ringHead)
                ringHead = 0
            }
            return task
        }

        func popWaiter() -> Waiter? {
            while waiterHead < waiters.count {
                let waiter = waiters[waiterHead]
                waiterHead += 1
                if waiterHead > 64, waiterHead * 2 > waiters.count {
                    waiters.removeFirst(waiterHead)
                    waiterHead = 0
                }
                if waiter.continuation != nil {
                    waiting -= 1
                    return waiter
                }
            }
            return nil
        }
    }

    private let lock = Lock()
    private var queues: [QueueKey: Queue] = [:]
    private var isClosed = false
    let pollersPerQueueMax: Int
    /// Long-poll deadlines (wall-clock milliseconds on the monotonic clock), one per waiting poller,
    /// cancelled when the poller gets a task; one thread expires them.
    private var expiries = TimerWheel<Waiter>(currentTick: Matching.monotonicMilliseconds())
    private var expiryCondition = pthread_cond_t()
    private var expiryMutex = pthread_mutex_t()
    /// The monotonic millisecond by which the expiry thread looks at the deadlines again; `.max`
    /// while it is awake (it then sees every deadline scheduled so far before it sleeps again).
    private var expiryPlanned = UInt64.max
    /// Set when a deadline earlier than `expiryPlanned` was scheduled, or at close: the thread
    /// looks again before it sleeps.
    private var expiryRequested = false
    private var expiryThread: pthread_t?

    init(pollersPerQueueMax: Int) {
        self.pollersPerQueueMax = pollersPerQueueMax
        pthread_mutex_init(&expiryMutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&expiryCondition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    static func monotonicMilliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000 + UInt64(spec.tv_nsec) / 1_000_000
    }

    /// Hands `task` to the oldest waiting poller of `queue`, or puts it in the backlog.
    func offer(_ task: MatchTask, to queue: QueueKey) {
        let continuation: UnsafeContinuation<MatchTask?, Never>? = lock.withLock {
            let state = queueState(queue)
            if let waiter = state.popWaiter() {
                state.dispatched += 1
                if let expiry = waiter.expiry { expiries.cancel(expiry) }
                defer { waiter.continuation = nil }
                return waiter.continuation
            }
            state.push(task)
            return nil
        }
        continuation?.resume(returning: task)
    }

    /// Whether `close()` has run.
    var closed: Bool { lock.withLock { isClosed } }

    /// Takes the next task of `queue`, waiting up to `timeout` for one; nil when none came in time,
    /// the calling task was cancelled, or the engine closed.
    ///
    /// - Throws: `.limitExceeded` when the queue already has `pollersPerQueueMax` waiting pollers.
    func poll(_ queue: QueueKey, timeout: Duration) async throws(EngineError) -> MatchTask? {
        var waitingQueue: Queue?
        let immediate: Result<MatchTask?, EngineError>? = lock.withLock {
            if isClosed { return .success(nil) }
            let state = queueState(queue)
            if let task = state.pop() {
                state.dispatched += 1
                return .success(task)
            }
            if timeout <= .zero { return .success(nil) }
            if state.waiting >= pollersPerQueueMax {
                return .failure(
                    EngineError(
                        .limitExceeded,
                        "task queue \(queue.name) already has \(pollersPerQueueMax) waiting pollers (pollersPerQueueMax)"
                    ))
            }
            waitingQueue = state
            return nil
        }
        if let immediate { return try immediate.get() }
        guard let waitingQueue else { return nil }
        let waiter = Waiter(queue: waitingQueue)
        let milliseconds = UInt64(max(1, min(timeout.nanoseconds / 1_000_000, 86_400_000)))
        let task: MatchTask? = await withTaskCancellationHandler {
            // Resumed exactly once: at once when a task is ready, or by whoever takes the waiter's
            // continuation out under the lock (an offer, the expiry, cancellation or close).
            await withUnsafeContinuation { (continuation: UnsafeContinuation<MatchTask?, Never>) in
                let now = Matching.monotonicMilliseconds()
                var deadline: UInt64 = 0
                let ready: MatchTask?? = lock.withLock {
                    if isClosed || waiter.isCancelled { return .some(nil) }
                    let state = waiter.queue
                    if let task = state.pop() {
                        state.dispatched += 1
                        return .some(task)
                    }
                    waiter.continuation = continuation
                    state.waiters.append(waiter)
                    state.waiting += 1
                    deadline = max(expiries.currentTick, now) + milliseconds
                    waiter.expiry = expiries.schedule(waiter, at: deadline)
                    return .none
                }
                if let ready {
                    continuation.resume(returning: ready)
                    return
                }
                wakeExpiryThread(by: deadline)
            }
        } onCancel: {
            self.expire(waiter, isCancellation: true)
        }
        return task
    }

    /// Ends `waiter` with no task if it is still waiting; on cancellation before it was linked in,
    /// marks it so that it does not wait at all.
    private func expire(_ waiter: Waiter, isCancellation: Bool = false) {
        let continuation: UnsafeContinuation<MatchTask?, Never>? = lock.withLock {
            guard let continuation = waiter.continuation else {
                if isCancellation { waiter.isCancelled = true }
                return nil
            }
            if let expiry = waiter.expiry { expiries.cancel(expiry) }
            waiter.expiry = nil
            waiter.continuation = nil
            waiter.queue.expire()
            return continuation
        }
        continuation?.resume(returning: nil)
    }

    /// Starts the expiry thread on first use, and makes sure it looks at the deadlines by `deadline`.
    /// A long poll's deadline is almost always later than the thread's planned wake, so waiting
    /// polls rarely wake the thread: that would cost a thread switch (and a turn of the lock) per poll.
    private func wakeExpiryThread(by deadline: UInt64) {
        pthread_mutex_lock(&expiryMutex)
        if expiryThread == nil {
            let unmanaged = Unmanaged.passRetained(self)
            var handle = pthread_t()
            let result = pthread_create(
                &handle, nil,
                { argument in
                    let matching = Unmanaged<Matching>.fromOpaque(argument!).takeRetainedValue()
                    matching.expiryLoop()
                    return nil
                }, unmanaged.toOpaque())
            precondition(result == 0, "could not start the long-poll expiry thread (error \(result))")
            expiryThread = handle
        }
        if deadline < expiryPlanned {
            expiryRequested = true
            pthread_cond_signal(&expiryCondition)
        }
        pthread_mutex_unlock(&expiryMutex)
    }

    /// Expires long polls whose time is up; sleeps until the next one (or a wake). Ends at `close()`.
    private func expiryLoop() {
        while true {
            let now = Matching.monotonicMilliseconds()
            let (due, next, closed): ([Waiter], UInt64?, Bool) = lock.withLock {
                var due: [Waiter] = []
                let tick = max(now, expiries.currentTick)
                while let expired = expiries.popExpired(upTo: tick) { due.append(expired.element) }
                return (due, expiries.nextDeadline(), isClosed)
            }
            for waiter in due { expire(waiter) }
            if closed { return }
            pthread_mutex_lock(&expiryMutex)
            if !expiryRequested {
                let wait = min(next.map { $0 > now ? $0 - now : 0 } ?? 1_000, 1_000)
                // A poll whose deadline is before this wakes the thread; later ones wait for it.
                expiryPlanned = now + wait
                var deadline = timespec()
                clock_gettime(CLOCK_MONOTONIC, &deadline)
                let total = Int64(deadline.tv_nsec) + Int64(wait) * 1_000_000
                deadline.tv_sec += Int(total / 1_000_000_000)
                deadline.tv_nsec = Int(total % 1_000_000_000)
                pthread_cond_timedwait(&expiryCondition, &expiryMutex, &deadline)
            }
            expiryRequested = false
            expiryPlanned = UInt64.max
            pthread_mutex_unlock(&expiryMutex)
        }
    }

    /// The backlog, waiting pollers and dispatch count of `queue`.
    func stats(_ queue: QueueKey) -> TaskQueueStats {
        lock.withLock {
            guard let state = queues[queue] else { return TaskQueueStats(backlog: 0, pollers: 0, dispatched: 0) }
            return TaskQueueStats(backlog: state.backlog, pollers: state.waiting, dispatched: state.dispatched)
        }
    }

    /// Wakes every waiting poller with no task and refuses new polls.
    func close() {
        let continuations: [UnsafeContinuation<MatchTask?, Never>] = lock.withLock {
            isClosed = true
            var all: [UnsafeContinuation<MatchTask?, Never>] = []
            if expiryThread != nil {
                pthread_mutex_lock(&expiryMutex)
                expiryRequested = true
                pthread_cond_signal(&expiryCondition)
                pthread_mutex_unlock(&expiryMutex)
            }
            for state in queues.values {
                for waiter in state.waiters[state.waiterHead...] {
                    guard let continuation = waiter.continuation else { continue }
                    all.append(continuation)
                    waiter.continuation = nil
                    if let expiry = waiter.expiry { expiries.cancel(expiry) }
                    waiter.expiry = nil
                }
                state.waiters.removeAll()
                state.waiterHead = 0
                state.waiting = 0
            }
            return all
        }
        for continuation in continuations { continuation.resume(returning: nil) }
    }

    private func queueState(_ key: QueueKey) -> Queue {
        if let state = queues[key] { return state }
        let state = Queue()
        queues[key] = state
        return state
    }
}
