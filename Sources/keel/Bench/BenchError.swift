import KeelLog

/// A failure of a benchmark phase, naming what was expected and what was found.
struct BenchError: Error, CustomStringConvertible {
    /// Which part of the benchmark failed: "keel", "sqlite", "file" or "setup".
    var phase: String
    /// What went wrong, for a person to act on.
    var message: String

    init(_ phase: String, _ message: String) {
        self.phase = phase
        self.message = message
    }

    /// Wraps a `LogError` from the store under test.
    init(_ phase: String, _ error: LogError) {
        self.init(phase, error.description)
    }

    var description: String { "\(phase): \(message)" }
}
