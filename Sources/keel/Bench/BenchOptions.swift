import ArgumentParser

/// When a benchmark's data file acknowledges a commit: after `fdatasync` (`fsync`), or after the
/// write, with syncs on an interval (`relaxed`; each command says which interval).
enum DurabilityChoice: String, ExpressibleByArgument, CaseIterable {
    case fsync, relaxed
}

/// Throws a `ValidationError` with `message` unless `condition` holds; the benchmark commands'
/// `validate()` checks each option with it.
func checkOption(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ValidationError(message()) }
}

/// Throws a `ValidationError` saying "`option` must be `lower`...`upper`, found `value`" unless
/// `range` holds `value`.
func checkOption<Value: Comparable>(_ option: String, _ value: Value, in range: ClosedRange<Value>) throws {
    try checkOption(
        range.contains(value), "\(option) must be \(range.lowerBound)...\(range.upperBound), found \(value)")
}
