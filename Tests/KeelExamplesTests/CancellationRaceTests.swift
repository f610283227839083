import Keel
import KeelEngine
import Synchronization
import Testing

/// Races between a cancellation request and an activity's completion, pinned by the smallest tests.
@Suite("Examples: cancellation racing completion")
struct CancellationRaceTests {
    @Test(arguments: [ActivityCancellationType.tryCancel, .waitCancellationCompleted])
    func cancellationThatArrivesWithTheActivitysCompletionClosesTheRun(
        cancellation: ActivityCancellationType
    ) async throws {
        try await withEnvironment { env in
            let gates = Gates()
            // One workflow-task poller and no sticky cache, so a workflow task that runs a blocked
            // local activity holds back every other workflow task.
            env.addWorker(
                taskQueue: "known", workflows: [CancelTargetWorkflow.self, BlockerWorkflow.self],
                activities: [CancelRaceActivities(client: env.client, gates: gates)],
                options: WorkerOptions(
                    taskQueue: "known", maxConcurrentWorkflowTasks: 1, cacheSize: 0, logSink: { _ in }))
            let handle = try await env.client.startWorkflow(
                CancelTargetWorkflow.self,
                input: cancellation == .tryCancel ? "tryCancel" : "waitCancellationCompleted",
                options: WorkflowOptions(id: "target", taskQueue: "known", executionTimeout: .seconds(3_600)))
            // The activity blocks the workflow worker, asks for the workflow's cancellation and
            // completes itself, so the run's next task carries WorkflowExecutionCancelRequested and
            // ActivityTaskCompleted together.
            let close: EventType
            do {
                _ = try await handle.result()
                close = .workflowExecutionCompleted
            } catch let error as WorkflowFailedError {
                close = error.closeEvent
            }
            let history = try handle.history()
            let failedTasks = history.compactMap { event -> WorkflowTaskFailedCause? in
                if case .workflowTaskFailed(let failed) = event.attributes { return failed.cause }
                return nil
            }
            // The cancel the code issued for the activity is withdrawn when its completion arrives in
            // the same task, so no task fails and the run closes.
            #expect(failedTasks.isEmpty, "workflow tasks failed with \(failedTasks)")
            #expect([.workflowExecutionCanceled, .workflowExecutionCompleted].contains(close))
        }
    }
}

/// Runs one activity with the cancellation type its input names.
private final class CancelTargetWorkflow: Workflow {
    init() {}

    func run(context: WorkflowContext, input: String) async throws -> String {
        let type: ActivityCancellationType = input == "tryCancel" ? .tryCancel : .waitCancellationCompleted
        _ = try await context.executeActivity(
            CancelRaceActivities.cancelOwnWorkflow, input: Nothing(),
            options: ActivityOptions(startToCloseTimeout: .seconds(60), cancellationType: type))
        return "completed"
    }
}

/// Holds the only workflow-task poller in a local activity until it is let go.
private final class BlockerWorkflow: Workflow {
    init() {}

    func run(context: WorkflowContext, input: Nothing) async throws -> Nothing {
        try await context.executeLocalActivity(CancelRaceActivities.block, input: Nothing())
    }
}

/// Two one-shot gates: one the blocker opens once it holds the poller, one the activity opens to let
/// the blocker go.
private final class Gates: Sendable {
    let blocking = Gate()
    let release = Gate()
}

/// A gate that tasks wait at until it opens, once.
private final class Gate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.isOpen { state.waiters.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

private struct CancelRaceActivities: ActivityContainer {
    static let cancelOwnWorkflow = ActivityDefinition<Nothing, Nothing>("CancelOwnWorkflow")
    static let block = ActivityDefinition<Nothing, Nothing>("Block")
    let client: KeelClient
    let gates: Gates

    var activities: [ActivityImplementation] {
        let client = self.client
        let gates = self.gates
        return [
            ActivityImplementation(Self.cancelOwnWorkflow) { _, context in
                _ = try await client.startWorkflow(
                    BlockerWorkflow.self, options: WorkflowOptions(id: "blocker", taskQueue: "known"))
                await gates.blocking.wait()
                let workflow = client.handle(CancelTargetWorkflow.self, id: context.info.workflowExecution.workflowID)
                try await workflow.cancel()
                // Complete this attempt now, durably, while no worker can run the target's next task.
                if let token = context.info.taskToken {
                    try await client.engine.completeActivity(
                        token, result: try client.converter.encode(Nothing()), identity: "test")
                }
                gates.release.open()
                return Nothing()
            },
            ActivityImplementation(Self.block) { _, _ in
                gates.blocking.open()
                await gates.release.wait()
                return Nothing()
            },
        ]
    }
}
