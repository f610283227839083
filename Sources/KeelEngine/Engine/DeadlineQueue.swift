import KeelTimer

/// A partition's pending deadlines on a hierarchical timer wheel with 1 ms ticks, counted from the
/// time the partition was created. Deadlines are never cancelled: each one is checked against the
/// run's state when it fires (see `DeadlineKind`), so a stale one costs one lookup.
struct DeadlineQueue {
    private var wheel: TimerWheel<Deadline>
    private let origin: Timestamp
    private static let tickNanoseconds: Int64 = 1_000_000

    init(now: Timestamp) {
        origin = now
        wheel = TimerWheel(currentTick: 0)
    }

    var count: Int { wheel.count }

    /// The tick at or after `time` (a deadline never fires early).
    private func tick(atOrAfter time: Timestamp) -> UInt64 {
        let offset = time.rawValue &- origin.rawValue
        guard offset > 0 else { return 0 }
        return UInt64((offset + Self.tickNanoseconds - 1) / Self.tickNanoseconds)
    }

    mutating func schedule(_ deadline: Deadline, at time: Timestamp) {
        _ = wheel.schedule(deadline, at: tick(atOrAfter: time))
    }

    /// The time of the earliest pending deadline.
    func nextDeadline() -> Timestamp? {
        wheel.nextDeadline().map { origin + .nanoseconds(Int64($0) * Self.tickNanoseconds) }
    }

    /// Removes and returns every deadline due at `now`, in deadline order.
    mutating func popDue(now: Timestamp) -> [Deadline] {
        let offset = now.rawValue &- origin.rawValue
        let tick = max(wheel.currentTick, offset > 0 ? UInt64(offset / Self.tickNanoseconds) : 0)
        var due: [Deadline] = []
        while let expired = wheel.popExpired(upTo: tick) { due.append(expired.element) }
        return due
    }
}
