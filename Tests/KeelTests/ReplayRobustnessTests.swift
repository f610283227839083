import Foundation
import Keel
import KeelEngine
import Testing

/// Replays histories that have been damaged at random (events dropped, repeated, swapped, or moved
/// to the wrong place) through the workflow code: each must replay or fail with a typed error, never
/// crash or hang. The seed is printed; `KEEL_REPLAY_SEED` replays one run.
@Suite("Replay of damaged histories", .timeLimit(.minutes(2)))
struct ReplayRobustnessTests {
    static let workflows: [any Workflow.Type] = [
        GreetingWorkflow.self, ConcurrentWorkflow.self, DeterminismWorkflow.self, ParentWorkflow.self,
        ApprovalWorkflow.self, ConditionWorkflow.self, TimerWorkflow.self,
    ]

    /// Real histories of the test workflows, recorded once.
    static func histories() async throws -> [[HistoryEvent]] {
        let env = try TestEnvironment.start()
        let log = CallLog()
        env.addWorker(
            taskQueue: "q", workflows: workflows + [ChildDoubler.self],
            activities: [GreetingActivities(log: log)])
        var histories: [[HistoryEvent]] = []
        let client = env.client
        let options = { (id: String) in WorkflowOptions(id: WorkflowID(id), taskQueue: "q") }
        let greeting = try await client.startWorkflow(GreetingWorkflow.self, input: "Ada", options: options("g"))
        _ = try await greeting.result()
        let concurrent = try await client.startWorkflow(ConcurrentWorkflow.self, options: options("c"))
        _ = try await concurrent.result()
        let determinism = try await client.startWorkflow(DeterminismWorkflow.self, options: options("d"))
        _ = try await determinism.result()
        let parent = try await client.startWorkflow(ParentWorkflow.self, input: 3, options: options("p"))
        _ = try await parent.result()
        let approval = try await client.startWorkflow(ApprovalWorkflow.self, options: options("a"))
        _ = try await approval.update(ApprovalWorkflow.setLimit, 7)
        try await approval.signal(ApprovalWorkflow.decide, true)
        _ = try await approval.result()
        let timer = try await client.startWorkflow(TimerWorkflow.self, options: options("t"))
        _ = try await timer.result()
        for handle in [
            greeting.execution, concurrent.execution, determinism.execution, parent.execution,
            approval.execution, timer.execution,
        ] {
            histories.append(try env.engine.history(execution: handle))
        }
        try await env.shutdown()
        return histories
    }

    @Test func damagedHistoriesReplayOrFailWithATypedErrorNeverACrash() async throws {
        let seed =
            ProcessInfo.processInfo.environment["KEEL_REPLAY_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 0...UInt64.max)
        print(
            "damagedHistoriesReplayOrFailWithATypedErrorNeverACrash: seed \(seed) (KEEL_REPLAY_SEED=\(seed) replays it)"
        )
        var generator = SeededGenerator(seed: seed)
        let histories = try await Self.histories()
        let replayer = WorkflowReplayer(workflows: Self.workflows)
        var outcomes: [String: Int] = [:]
        for _ in 0..<600 {
            let original = histories[Int.random(in: 0..<histories.count, using: &generator)]
            let damaged = Self.damage(original, using: &generator)
            do {
                try await replayer.replay(damaged, workflowID: "p")
                outcomes["replayed", default: 0] += 1
            } catch is NondeterminismError {
                outcomes["nondeterminism", default: 0] += 1
            } catch is ReplayError {
                outcomes["not a history", default: 0] += 1
            }
        }
        // Most damage must be noticed; some (a dropped ActivityTaskStarted, say) is harmless.
        #expect((outcomes["nondeterminism"] ?? 0) > 100, "\(outcomes)")
        // Undamaged histories still replay.
        for history in histories { try await replayer.replay(history, workflowID: "p") }
    }

    static func damage(_ history: [HistoryEvent], using generator: inout SeededGenerator) -> [HistoryEvent] {
        var events = history
        let rounds = Int.random(in: 1...3, using: &generator)
        for _ in 0..<rounds where events.count > 2 {
            let index = Int.random(in: 1..<events.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: events.remove(at: index)
            case 1: events.insert(events[index], at: index)
            case 2: events.swapAt(index, Int.random(in: 1..<events.count, using: &generator))
            case 3:
                let other = Int.random(in: 0..<events.count, using: &generator)
                events[index].attributes = events[other].attributes
            default: events = Array(events.prefix(index))
            }
        }
        // Event ids stay consecutive, as the engine writes them; the damage is in what they say.
        for index in events.indices { events[index].eventID = Int64(index + 1) }
        return events
    }
}

/// SplitMix64, for seeded damage.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
