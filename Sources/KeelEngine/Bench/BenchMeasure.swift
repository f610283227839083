#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Clocks and arithmetic the benchmarks share.
enum BenchMeasure {
    /// Returns the CPU time the whole process has used so far (every thread, user and system). On a
    /// shared machine CPU time per unit of work moves far less than wall time does.
    static func processCPUTime() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return .seconds(Int64(spec.tv_sec)) + .nanoseconds(Int64(spec.tv_nsec))
    }

    /// Returns `count` per second of `elapsed`, or zero for an empty interval.
    static func rate(_ count: Int, _ elapsed: Duration) -> Double {
        let seconds = self.seconds(elapsed)
        return seconds > 0 ? Double(count) / seconds : 0
    }

    /// Returns `time` divided by `count`, in nanoseconds, or zero when `count` is zero.
    static func nanoseconds(_ time: Duration, per count: Int) -> Double {
        count > 0 ? seconds(time) * 1e9 / Double(count) : 0
    }

    /// Returns `duration` in whole nanoseconds (zero for a negative one).
    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    /// Returns `duration` in seconds, as a fraction.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
