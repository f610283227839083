import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The source of time for the engine: every deadline (timers, timeouts, retries, retention) is
/// measured against it, so tests move time by hand instead of sleeping.
public protocol EngineClock: Sendable {
    /// The current time.
    func now() -> Timestamp
}

/// The system's real-time clock.
public struct SystemClock: EngineClock {
    public init() {}

    public func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(rawValue: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }
}

/// A clock that only moves when told to: for tests, simulations and time-skipping environments.
///
/// The engine does not notice an advance by itself; call `Engine.fireDueTimers()` afterwards.
public final class ManualClock: EngineClock {
    private let current: Mutex<Timestamp>

    /// Creates a clock at `start` (default 2026-01-01T00:00:00Z, so timestamps read naturally).
    public init(start: Timestamp = Timestamp(rawValue: 1_767_225_600_000_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    /// Moves the clock forward by `duration` (never backward).
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a manual clock only moves forward")
        current.withLock { $0 = $0 + duration }
    }

    /// Moves the clock to `time` if that is later than now.
    public func advance(to time: Timestamp) {
        current.withLock { $0 = max($0, time) }
    }
}
