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

    /// Adds `item` unless the queue already holds `limit` items; returns whether it was added.
    func push(_ item: Element, limit: Int) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard items.count < limit else { return false }
        items.append(item)
        if items.count == 1 { pthread_cond_signal(&condition) }
        return true
    }

    /// Waits until there is at least one item (or `timeoutNanoseconds` passes), then takes them all.
    func takeAll(timeoutNanoseconds: UInt64?) -> [Element] {
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
