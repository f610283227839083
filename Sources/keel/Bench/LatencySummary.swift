/// Percentiles of a set of measured latencies, by the nearest-rank method.
struct LatencySummary {
    /// How many latencies were measured.
    var count: Int
    var p50: Duration
    var p90: Duration
    var p99: Duration
    var p999: Duration
    var max: Duration
    var mean: Duration

    /// Summarizes latencies measured in nanoseconds; all zero when there are none.
    ///
    /// - Complexity: O(n log n) for n latencies.
    init(nanoseconds: [UInt64]) {
        let sorted = nanoseconds.sorted()
        count = sorted.count
        func rank(_ fraction: Double) -> Duration {
            guard !sorted.isEmpty else { return .zero }
            let index = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
            return .nanoseconds(Int64(sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]))
        }
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        p999 = rank(0.999)
        max = .nanoseconds(Int64(sorted.last ?? 0))
        let total = sorted.reduce(0.0) { $0 + Double($1) }
        mean = sorted.isEmpty ? .zero : .nanoseconds(Int64(total / Double(sorted.count)))
    }
}

extension Duration {
    /// The duration in microseconds, as a fraction.
    var microseconds: Double { seconds * 1e6 }

    /// The duration in seconds, as a fraction.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
