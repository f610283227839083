import KeelLog
import Testing

@testable import KeelEngine

@Suite("Engine recovery")
struct RecoveryTests {
    @Test func reopenRebuildsRunsTasksAndTimers() async throws {
        let harness = try EngineHarness()
        let waiting = try await harness.start("waiting")
        let working = try await harness.start("working")
        var tasks: [WorkflowTask] = []
        while let task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .zero) {
            tasks.append(task)
        }
        for task in tasks {
            if task.execution == waiting {
                try await harness.complete(
                    task, [.startTimer(timerID: "nap", startToFireTimeout: .seconds(7 * 86_400))])
            } else {
                try await harness.complete(task, [.scheduleActivityTask(.simple("send-email"))])
            }
        }
        try await harness.reopen()
        // The activity is offered again, and the timer is rebuilt.
        let activity = try await harness.activityTask()
        #expect(activity.workflowExecution == working)
        try await harness.engine.completeActivity(activity.taskToken, result: [.text("sent")])
        await harness.advance(by: .seconds(7 * 86_400))
        var woken: Set<WorkflowID> = []
        while let task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .zero) {
            woken.insert(task.execution.workflowID)
        }
        #expect(woken == ["waiting", "working"])
        #expect(try harness.types(waiting).filter { $0 == .timerFired }.count == 1)
    }

    @Test func crashLosesNothingAcknowledged() async throws {
        let harness = try EngineHarness(seed: 7)
        var executions: [WorkflowExecution] = []
        for index in 0..<20 {
            executions.append(try await harness.start("run-\(index)"))
        }
        try await harness.engine.signal(execution: executions[3], SignalRequest(name: "s"))
        let before = try executions.map { try harness.types($0) }
        try await harness.crashAndReopen(.random(tearUnit: 512, garble: true))
        let after = try executions.map { try harness.types($0) }
        #expect(after == before)
        #expect(try harness.engine.countWorkflows(query: "ExecutionStatus = 'Running'") == 20)
    }

    @Test func workflowTaskRunningAtCrashTimesOutOnReopen() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("inflight")
        let task = try await harness.workflowTask()
        try await harness.crashAndReopen()
        #expect(try harness.types(execution).suffix(2) == [.workflowTaskTimedOut, .workflowTaskScheduled])
        await #expect(throws: EngineError.self) { try await harness.complete(task, []) }
        let retry = try await harness.workflowTask()
        #expect(retry.attempt == 2)
    }

    @Test func bufferedEventsSurviveACrash() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("buffered-crash")
        _ = try await harness.workflowTask()
        try await harness.engine.signal(execution: execution, SignalRequest(name: "kept", input: [.text("x")]))
        try await harness.crashAndReopen()
        let types = try harness.types(execution)
        #expect(types.suffix(3) == [.workflowTaskTimedOut, .workflowExecutionSignaled, .workflowTaskScheduled])
        let task = try await harness.workflowTask()
        #expect(task.history.contains { $0.eventType == .workflowExecutionSignaled })
    }

    @Test func overdueTimersFireOnceAfterReopen() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("overdue")
        try await harness.complete(
            try await harness.workflowTask(), [.startTimer(timerID: "t", startToFireTimeout: .seconds(60))])
        try await harness.engine.close()
        harness.clock.advance(by: .seconds(3600))
        try await harness.crashAndReopen(.keepUnsynced)
        await harness.engine.fireDueTimers()
        await harness.engine.fireDueTimers()
        #expect(try harness.types(execution).filter { $0 == .timerFired }.count == 1)
    }

    @Test func childStartPendingAtCrashIsRetriedOnReopen() async throws {
        let harness = try EngineHarness(partitions: 2)
        let parent = try await harness.start("p", type: "Order")
        try await harness.complete(
            try await harness.workflowTask(),
            [.startChildWorkflowExecution(StartChildWorkflow(workflowID: "c", workflowType: "Shipping"))])
        try await harness.crashAndReopen()
        await harness.engine.settle()
        let types = try harness.types(parent)
        #expect(types.filter { $0 == .childWorkflowExecutionStarted }.count == 1)
        let child = try harness.engine.describe(execution: WorkflowExecution(workflowID: "c", runID: ""))
        #expect(child.record.parentExecution == parent)
        #expect(try harness.engine.countWorkflows(query: "WorkflowId = 'c'") == 1)
    }
}
