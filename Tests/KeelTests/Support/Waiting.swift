import Foundation
import Keel
import KeelEngine
import Testing

/// Waits (polling every millisecond, for at most 60 s of wall time) until `condition` holds; used to
/// wait for a worker to make progress, never for a timer (timers move with the test clock).
func waitUntil(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}

extension WorkflowHandle {
    /// Whether the run's history has an event of `type`.
    func hasEvent(_ type: EventType) throws -> Bool {
        try history().contains { $0.eventType == type }
    }
}
