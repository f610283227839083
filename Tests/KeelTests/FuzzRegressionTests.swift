import Keel
import KeelEngine
import Synchronization
import Testing

/// Findings of the SDK's fuzz targets (`Fuzz/Sources/FuzzReplay`, `Fuzz/Sources/FuzzHistoryJSON`), one
/// test each; the inputs that found them are in `Fuzz/FailCases/<Target>/` or described in the test.
@Suite("SDK fuzz findings")
struct SDKFuzzFindingsTests {
    /// Found by `FuzzReplay`'s first runs (LeakSanitizer, on every seed): a replayed run was not freed.
    /// Each `CommandEntry` keeps its `onMatched` closure, which holds the operation (and, for activities,
    /// children and the like, the `WorkflowInstance` with its context), and the operation held the entry
    /// strongly; `WorkflowInstance.destroy()` left that cycle in place. The operation now holds it weakly.
    @Test func replayFreesTheRunItReplayed() async throws {
        let env = try TestEnvironment.start()
        env.addWorker(taskQueue: "q", workflows: [ContextProbeWorkflow.self], activities: [EchoActivities()])
        let handle = try await env.client.startWorkflow(
            ContextProbeWorkflow.self, options: WorkflowOptions(id: "probe", taskQueue: "q"))
        _ = try await handle.result()
        let history = try handle.history()
        try await env.shutdown()
        ContextProbeWorkflow.contexts.withLock { $0 = [] }

        try await WorkflowReplayer(workflows: [ContextProbeWorkflow.self]).replay(history, workflowID: "probe")
        let kept = ContextProbeWorkflow.contexts.withLock { boxes in boxes.count { $0.context != nil } }
        #expect(kept == 0, "expected the replayed run's context to be freed after replay, found \(kept) alive")
    }
}

/// Runs an activity and records a weak reference to its context, so a test can see whether the run was freed.
final class ContextProbeWorkflow: Workflow {
    /// A weak reference to one run's context.
    struct WeakContext: @unchecked Sendable {
        weak var context: WorkflowContext?
    }

    static let contexts = Mutex<[WeakContext]>([])

    init() {}

    func run(context: WorkflowContext, input: Nothing) async throws -> Int {
        Self.contexts.withLock { $0.append(WeakContext(context: context)) }
        return try await context.executeActivity(
            EchoActivities.echo, input: 1, options: ActivityOptions(startToCloseTimeout: .seconds(5)))
    }
}

/// One activity that returns its input.
struct EchoActivities: ActivityContainer {
    static let echo = ActivityDefinition<Int, Int>("Echo")

    var activities: [ActivityImplementation] {
        [ActivityImplementation(Self.echo) { value, _ in value }]
    }
}
