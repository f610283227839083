import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking multi-producer, single-consumer queue on a pthread mutex and condition variable.
/// The writer thread blocks in `takeAll`; appenders never block (beyond the mutex).
final class WorkQueue<Element>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var items: [Element] = []
    private var spare: [Element] = []
    private var isClosed = false
    /// How many items the queue holds, readable without the mutex (for `takeAll`'s watch).
    private let pending = Atomic<Int>(0)

    /// What `push` did with an item.
    enum PushResult { case added, full, closed }

    init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Adds `item` unless the queue is closed or already holds `limit` items.
    @discardableResult
    func push(_ item: Element, limit: Int) -> PushResult {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if isClosed { return .closed }
        guard items.count < limit else { return .full }
        items.append(item)
        pending.store(items.count, ordering: .releasing)
        if items.count == 1 { pthread_cond_signal(&condition) }
        return .added
    }

    /// Closes the queue and returns what it held: later pushes are refused with `.closed`, so no
    /// item can arrive after the consumer's last take and wait forever.
    func close() -> [Element] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        isClosed = true
        let remaining = items
        items.removeAll()
        pending.store(0, ordering: .releasing)
        return remaining
    }

    /// Waits until there is at least one item (or `timeoutNanoseconds` passes), then takes them all.
    ///
    /// With `watchNanoseconds`, an empty queue is first watched that long (yielding the processor
    /// between checks) before the thread sleeps: an appender that commits again right after its
    /// acknowledgement then does not pay for waking a sleeping writer, which on a virtual machine
    /// costs tens of microseconds.
    func takeAll(timeoutNanoseconds: UInt64?, watchNanoseconds: UInt64 = 0) -> [Element] {
        if watchNanoseconds > 0, pending.load(ordering: .acquiring) == 0 {
            let end = monotonicNanoseconds() &+ min(watchNanoseconds, timeoutNanoseconds ?? .max)
            while pending.load(ordering: .acquiring) == 0, monotonicNanoseconds() < end { sched_yield() }
        }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if items.isEmpty {
            if let timeoutNanoseconds {
                var deadline = timespec()
                clock_gettime(CLOCK_MONOTONIC, &deadline)
                let total = UInt64(deadline.tv_nsec) + timeoutNanoseconds
                deadline.tv_sec += Int(total / 1_000_000_000)
                deadline.tv_nsec = Int(total % 1_000_000_000)
                while items.isEmpty {
                    if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { break }
                }
            } else {
                while items.isEmpty { pthread_cond_wait(&condition, &mutex) }
            }
        }
        swap(&items, &spare)
        pending.store(0, ordering: .releasing)
        let taken = spare
        spare.removeAll(keepingCapacity: true)
        return taken
    }
}

/// Starts `body` on a new thread of its own (not the cooperative pool: it blocks in fdatasync).
func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread, nil,
        { argument in
            let box = Unmanaged<AnyObject>.fromOpaque(argument!).takeRetainedValue() as! Box
            box.body()
            return nil
        }, box)
    precondition(result == 0, "pthread_create failed with \(result)")
    pthread_detach(thread)
}

/// Monotonic time in nanoseconds (used only to pace the relaxed-durability sync).
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
