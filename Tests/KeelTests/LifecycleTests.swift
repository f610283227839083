import Foundation
import Keel
import KeelEngine
import Testing

@Suite("SDK lifecycle: cancellation, children, continue-as-new, failures, conditions", .timeLimit(.minutes(2)))
struct SDKLifecycleTests {
    @Test func cancelingARunCancelsItsTimerAndShieldedCleanupStillRuns() async throws {
        let env = try TestEnvironment.start()
        let log = CallLog()
        env.addWorker(
            taskQueue: "q", workflows: [CancellableWorkflow.self], activities: [GreetingActivities(log: log)])
        let handle = try await env.client.startWorkflow(
            CancellableWorkflow.self, options: WorkflowOptions(id: "cancel", taskQueue: "q"))
        try await waitUntil("the workflow sleeps") { try handle.hasEvent(.timerStarted) }
        try await handle.cancel(reason: "customer left")
        let error = await #expect(throws: WorkflowFailedError.self) { try await handle.result() }
        #expect(error?.closeEvent == .workflowExecutionCanceled)
        #expect(log.all == ["greet cleanup"])
        #expect(try handle.hasEvent(.timerCanceled))
        try await env.shutdown()
    }

    @Test func childWorkflowsReturnTheirResultsToTheParent() async throws {
        let env = try TestEnvironment.start()
        env.addWorker(taskQueue: "q", workflows: [ParentWorkflow.self, ChildDoubler.self])
        let result = try await env.client.executeWorkflow(
            ParentWorkflow.self, input: 5, options: WorkflowOptions(id: "parent", taskQueue: "q"))
        #expect(result == 21)
        try await env.shutdown()
    }

    @Test func continueAsNewChainsRunsAndTheClientFollowsToTheLast() async throws {
        let env = try TestEnvironment.start()
        env.addWorker(taskQueue: "q", workflows: [ChainWorkflow.self])
        let handle = try await env.client.startWorkflow(
            ChainWorkflow.self, input: 0, options: WorkflowOptions(id: "chain", taskQueue: "q"))
        #expect(try await handle.result() == "reached 3 in run continued from true")
        #expect(try env.client.countWorkflows(query: "WorkflowId = 'chain'") == 4)
        try await env.shutdown()
    }

    @Test func aNonRetryableActivityErrorFailsTheRunWithItsTypeAfterOneAttempt() async throws {
        let env = try TestEnvironment.start()
        let log = CallLog()
        env.addWorker(taskQueue: "q", workflows: [FailingWorkflow.self], activities: [GreetingActivities(log: log)])
        let handle = try await env.client.startWorkflow(
            FailingWorkflow.self, options: WorkflowOptions(id: "fail", taskQueue: "q"))
        let error = await #expect(throws: WorkflowFailedError.self) { try await handle.result() }
        #expect(error?.closeEvent == .workflowExecutionFailed)
        #expect(error.flatMap { $0.cause.flatMap(ApplicationError.init(failure:)) }?.type == "NoGreeting")
        #expect(log.all == ["fail Bob 1"])
        try await env.shutdown()
    }

    @Test func conditionsHoldOnASignalOrTimeOutOnWorkflowTime() async throws {
        let env = try TestEnvironment.start()
        env.addWorker(taskQueue: "q", workflows: [ConditionWorkflow.self])
        let timesOut = try await env.client.startWorkflow(
            ConditionWorkflow.self, input: 600, options: WorkflowOptions(id: "late", taskQueue: "q"))
        #expect(try await timesOut.result() == "timed out")
        let signaled = try await env.client.startWorkflow(
            ConditionWorkflow.self, input: 600, options: WorkflowOptions(id: "early", taskQueue: "q"))
        try await signaled.signal(ConditionWorkflow.ready)
        #expect(try await signaled.result() == "ready")
        try await env.shutdown()
    }
}

@Suite("Embedded runtime: runs survive the process", .timeLimit(.minutes(2)))
struct RestartTests {
    @Test func aRunContinuesAfterTheEngineIsReopenedAndSkipsActivitiesThatCompleted() async throws {
        let directory = NSTemporaryDirectory() + "keel-restart-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/app.keel"
        let log = CallLog()
        let clock = ManualClock()
        do {
            let engine = try Engine.open(path: path, clock: clock)
            let worker = Worker(
                engine: engine, options: WorkerOptions(taskQueue: "q", logSink: { _ in }),
                workflows: [GreetingWorkflow.self], activities: [GreetingActivities(log: log)])
            let running = Task { await worker.run() }
            let client = KeelClient(engine: engine)
            let handle = try await client.startWorkflow(
                GreetingWorkflow.self, input: "Lin", options: WorkflowOptions(id: "restart", taskQueue: "q"))
            try await waitUntil("the workflow sleeps") { try handle.hasEvent(.timerStarted) }
            worker.shutdown()
            await running.value
            try await engine.close()
        }
        clock.advance(by: .seconds(86_400 * 31))
        let engine = try Engine.open(path: path, clock: clock)
        let worker = Worker(
            engine: engine, options: WorkerOptions(taskQueue: "q", logSink: { _ in }),
            workflows: [GreetingWorkflow.self], activities: [GreetingActivities(log: log)])
        let running = Task { await worker.run() }
        let result = try await KeelClient(engine: engine).handle(GreetingWorkflow.self, id: "restart").result()
        #expect(result == ["Hello, Lin!", "Hello, Lin again!"])
        #expect(log.all == ["greet Lin", "greet Lin again"])
        worker.shutdown()
        await running.value
        try await engine.close()
    }
}
