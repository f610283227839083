import Keel

/// Something that runs workers and offers a client: a `KeelRuntime` (an engine on a data file) or
/// a `TestEnvironment` (an engine whose clock skips ahead while a client waits for a result).
/// Each example's `run(on:)` takes one, so the same example runs in a command-line tool and in tests.
public protocol ExampleHost: Sendable {
    /// The client that starts and talks to workflows.
    var client: KeelClient { get }

    /// Starts a worker that serves `taskQueue` with `workflows` and `activities`.
    @discardableResult
    func addWorker(
        taskQueue: String, workflows: [any Workflow.Type], activities: [any ActivityContainer],
        options: WorkerOptions?
    ) -> Worker
}

extension KeelRuntime: ExampleHost {}
extension TestEnvironment: ExampleHost {}

/// Returns an amount of cents as dollars and cents, e.g. "25.00" for 2500.
func formatCents(_ cents: Int) -> String {
    let sign = cents < 0 ? "-" : ""
    let magnitude = cents.magnitude
    let fraction = magnitude % 100
    return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// Returns a time since a workflow started as "day N" when it is a whole number of days, or in
/// seconds otherwise.
func describeElapsed(_ elapsed: Duration) -> String {
    let (seconds, attoseconds) = elapsed.components
    if attoseconds == 0, seconds % 86_400 == 0 { return "day \(seconds / 86_400)" }
    return "\(Double(elapsed.nanoseconds) / 1e9) s"
}
