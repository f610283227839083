import Foundation
import Keel
import KeelEngine
import Testing

@Suite("Workflows in a time-skipping test environment", .timeLimit(.minutes(2)))
struct WorkflowTests {
    @Test func activitiesAndAThirtyDaySleepCompleteAndHistoryRecordsWorkflowTime() async throws {
        let env = try TestEnvironment.start()
        let log = CallLog()
        env.addWorker(taskQueue: "q", workflows: [GreetingWorkflow.self], activities: [GreetingActivities(log: log)])
        let start = env.clock.now()
        let handle = try await env.client.startWorkflow(
            GreetingWorkflow.self, input: "Ada", options: WorkflowOptions(id: "greet-1", taskQueue: "q"))
        let result = try await handle.result()
        #expect(result == ["Hello, Ada!", "Hello, Ada again!"])
        #expect(log.all == ["greet Ada", "greet Ada again"])
        let elapsed = env.clock.now().nanosecondsSinceEpoch - start.nanosecondsSinceEpoch
        #expect(elapsed >= 30 * 86_400 * 1_000_000_000)
        let types = try handle.history().map(\.eventType)
        #expect(types.contains(.timerFired))
        #expect(types.last == .workflowExecutionCompleted)
        try await env.shutdown()
    }

    @Test func signalQueryAndUpdateReachTheWorkflow() async throws {
        let env = try TestEnvironment.start()
        env.addWorker(taskQueue: "q", workflows: [ApprovalWorkflow.self])
        let handle = try await env.client.startWorkflow(
            ApprovalWorkflow.self, options: WorkflowOptions(id: "approval-1", taskQueue: "q"))
        #expect(try await handle.query(ApprovalWorkflow.currentStatus) == "waiting")
        #expect(try await handle.update(ApprovalWorkflow.setLimit, 250) == 100)
        await #expect(throws: ApplicationError.self) { try await handle.update(ApprovalWorkflow.setLimit, -1) }
        try await handle.signal(ApprovalWorkflow.decide, true)
        #expect(try await handle.result() == "approved with limit 250")
        #expect(try await handle.query(ApprovalWorkflow.currentStatus) == "approved")
        try await env.shutdown()
    }

    @Test func aQueryAfterSignalsSeesThemEvenBeforeTheirWorkflowTaskRuns() async throws {
        let env = try TestEnvironment.start()
        let handle = try await env.client.startWorkflow(
            MacroOrderWorkflow.self, input: "o-1", options: WorkflowOptions(id: "ryw", taskQueue: "q"))
        try await handle.signal(MacroOrderWorkflow.Signals.add, "apple")
        try await handle.signal(MacroOrderWorkflow.Signals.add, "pear")
        // The worker starts only now: the signals' workflow task has not run when the query comes.
        env.addWorker(
            taskQueue: "q", workflows: [MacroOrderWorkflow.self],
            activities: [MacroShippingActivities(log: CallLog())])
        #expect(try await handle.query(MacroOrderWorkflow.Queries.count) == 2)
        #expect(try await handle.update(MacroOrderWorkflow.Updates.clear) == Nothing())
        #expect(try await handle.query(MacroOrderWorkflow.Queries.count) == 0)
        try await env.shutdown()
    }
}
