import Keel
import KeelEngine

/// Runs `body` in a fresh time-skipping environment and shuts it down afterwards, also when `body`
/// throws.
func withEnvironment<Result>(_ body: (TestEnvironment) async throws -> Result) async throws -> Result {
    let env = try TestEnvironment.start()
    do {
        let result = try await body(env)
        try await env.shutdown()
        return result
    } catch {
        try? await env.shutdown()
        throw error
    }
}

/// An activity a history scheduled: its type, id and when (workflow time) it was scheduled.
struct ScheduledActivity: Hashable {
    var type: String
    var id: String
    var time: Timestamp
}

extension Array where Element == HistoryEvent {
    /// The activities this history scheduled, in order.
    var scheduledActivities: [ScheduledActivity] {
        compactMap { event in
            guard case .activityTaskScheduled(let scheduled) = event.attributes else { return nil }
            return ScheduledActivity(type: scheduled.activityType, id: scheduled.activityID, time: event.time)
        }
    }

    /// Returns how many events of `type` the history holds.
    func count(of type: EventType) -> Int { filter { $0.eventType == type }.count }

    /// The time of the first event: when the run started.
    var startTime: Timestamp { first?.time ?? .epoch }
}

/// Returns a duration of `count` whole days.
func days(_ count: Int) -> Duration { .seconds(count * 86_400) }
