import Foundation
import Keel
import KeelEngine
import KeelLog

/// The workloads behind `keel bench e2e` and `keel bench replay`: one workflow type that runs some
/// activities and then some timers in sequence, run through the SDK (`KeelRuntime`, `Worker`,
/// `KeelClient`, `WorkflowReplayer`) and imitated at the engine's worker API, so that both write the
/// same history events with the same payloads.
enum SDKBench {
    /// The task queue of every benchmark workflow and activity.
    static let taskQueue = "sdk-bench"
    /// The workflow type name histories record.
    static let workflowType = "SDKBenchWorkflow"
    /// The activity type name histories record.
    static let activityType = "SDKBenchEcho"
    /// The start-to-close timeout of every activity.
    static let activityTimeout: Duration = .seconds(60)
    /// How long each timer waits, in workflow time.
    static let timerDuration: Duration = .seconds(1)
    /// How long one poll waits before it returns empty: the SDK worker's default, used by both sides.
    static let pollTimeout: Duration = .milliseconds(500)
    /// The largest history the engine keeps for one run.
    static var historyEventsMax: Int { EngineLimits().historyEventsMax }

    /// What one workflow does: `activities` activities in sequence, then `timers` timers in sequence.
    struct Steps: Codable, Sendable, Hashable {
        var activities: Int
        var timers: Int

        /// Returns the history events one run writes: started and the first workflow task's three
        /// events, six per activity (scheduled, started, completed and the next task's three), five
        /// per timer (started, fired and the next task's three), and the closing event.
        var eventsPerWorkflow: Int { 5 + 6 * activities + 5 * timers }
    }

    /// The benchmark's one activity: returns its input.
    static let echo = ActivityDefinition<Int, Int>(activityType)

    /// Implements `echo`.
    struct Activities: ActivityContainer {
        var activities: [ActivityImplementation] {
            [ActivityImplementation(SDKBench.echo) { value, _ in value }]
        }
    }

    /// Runs `Steps`: each activity gets its index, and the result is how many activities echoed theirs.
    final class StepsWorkflow: Workflow {
        static var name: String { SDKBench.workflowType }

        init() {}

        func run(context: WorkflowContext, input: Steps) async throws -> Int {
            let options = ActivityOptions(startToCloseTimeout: SDKBench.activityTimeout)
            var echoed = 0
            for index in 0..<input.activities {
                let value = try await context.executeActivity(SDKBench.echo, input: index, options: options)
                if value == index { echoed += 1 }
            }
            for _ in 0..<input.timers {
                try await context.sleep(for: SDKBench.timerDuration)
            }
            return echoed
        }
    }

    /// Returns the workflow id of the benchmark's workflow number `index`.
    static func workflowID(_ index: Int) -> WorkflowID { WorkflowID("bench-\(index)") }

    /// Returns the CPU time the whole process has used so far (every thread, user and system).
    static func processCPUTime() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return .seconds(Int64(spec.tv_sec)) + .nanoseconds(Int64(spec.tv_nsec))
    }

    /// Returns `duration` in whole nanoseconds (zero for a negative one).
    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    /// Returns `count` per second of `elapsed`, or zero for an empty interval.
    static func rate(_ count: Int, _ elapsed: Duration) -> Double {
        elapsed.seconds > 0 ? Double(count) / elapsed.seconds : 0
    }

    /// Returns `value` over `baseline`, or zero without a baseline.
    static func ratio(_ value: Double, _ baseline: Double) -> Double { baseline > 0 ? value / baseline : 0 }

    /// Engine options for a benchmark's data file.
    static func engineOptions(partitions: Int, isDurable: Bool) -> EngineOptions {
        var options = EngineOptions()
        options.partitionCount = partitions
        options.log.durability = isDurable ? .fsync : .relaxed(syncIntervalMilliseconds: 10)
        return options
    }
}
