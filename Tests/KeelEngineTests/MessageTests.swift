import KeelLog
import Testing

@testable import KeelEngine

@Suite("Signals, updates, queries, cancellation")
struct MessageTests {
    @Test func signalsArriveInOrderAndDeduplicateByRequestID() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("orders")
        for index in 1...3 {
            try await harness.engine.signal(
                execution: WorkflowExecution(workflowID: execution.workflowID, runID: ""),
                SignalRequest(name: "add", input: [.text("item \(index)")], requestID: "r\(index)"))
        }
        try await harness.engine.signal(
            execution: execution, SignalRequest(name: "add", input: [.text("item 3")], requestID: "r3"))
        let task = try await harness.workflowTask()
        let signals = task.history.compactMap { event -> String? in
            if case .workflowExecutionSignaled(let signal) = event.attributes { return signal.input.first?.text }
            return nil
        }
        #expect(signals == ["\"item 1\"", "\"item 2\"", "\"item 3\""])
    }

    @Test func signalToClosedRunIsRefused() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("closed")
        let task = try await harness.workflowTask()
        try await harness.complete(task, [.completeWorkflowExecution(result: [])])
        let error = await engineError {
            try await harness.engine.signal(execution: execution, SignalRequest(name: "late"))
        }
        #expect(error != nil, "expected a refusal")
        #expect(error?.code == .failedPrecondition)
    }

    @Test func signalWithStartStartsOnceThenSignals() async throws {
        let harness = try EngineHarness()
        let request = StartWorkflowRequest(workflowID: "cart", workflowType: "Cart", taskQueue: "main")
        let first = try await harness.engine.signalWithStart(request, signal: SignalRequest(name: "add"))
        let second = try await harness.engine.signalWithStart(request, signal: SignalRequest(name: "add"))
        #expect(first.started && !second.started)
        #expect(first.runID == second.runID)
        let execution = WorkflowExecution(workflowID: "cart", runID: first.runID)
        #expect(try harness.types(execution).filter { $0 == .workflowExecutionSignaled }.count == 2)
        #expect(try harness.types(execution).prefix(2) == [.workflowExecutionStarted, .workflowExecutionSignaled])
    }

    @Test func updateIsAcceptedCompletedAndIdempotent() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("approval")
        let first = try await harness.workflowTask()
        try await harness.complete(first, [])
        let request = UpdateRequest(
            updateID: "u1", name: "approve", input: [.text("alice")], header: [:], identity: "client")
        async let status = harness.engine.update(execution: execution, request)
        var task: WorkflowTask?
        while task == nil {
            task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .milliseconds(50))
        }
        let delivered = try #require(task)
        #expect(delivered.updates.map(\.updateID) == ["u1"])
        try await harness.complete(
            delivered,
            [.acceptUpdate(updateID: "u1"), .completeUpdate(updateID: "u1", outcome: .success([.text("ok")]))])
        #expect(try await status == .completed(.success([.text("ok")])))
        let again = try await harness.engine.update(execution: execution, request)
        #expect(again == .completed(.success([.text("ok")])))
        #expect(
            try harness.types(execution).suffix(3) == [
                .workflowTaskCompleted, .workflowExecutionUpdateAccepted, .workflowExecutionUpdateCompleted,
            ])
    }

    @Test func rejectedUpdateLeavesNoEvents() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("validator")
        try await harness.complete(try await harness.workflowTask(), [])
        let lengthBefore = try harness.history(execution).count
        let request = UpdateRequest(updateID: "u-bad", name: "approve", input: [], header: [:], identity: "")
        async let status = harness.engine.update(execution: execution, request)
        var task: WorkflowTask?
        while task == nil {
            task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .milliseconds(50))
        }
        try await harness.complete(
            try #require(task), [.rejectUpdate(updateID: "u-bad", failure: .application("amount must be positive"))])
        guard case .completed(.failure(let failure)) = try await status else {
            Issue.record("expected a rejection")
            return
        }
        #expect(failure.message == "amount must be positive")
        let types = try harness.types(execution)
        #expect(!types.contains(.workflowExecutionUpdateAccepted))
        #expect(types.count == lengthBefore + 3)
    }

    @Test func queryIsAnsweredByAWorker() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("queried")
        try await harness.complete(try await harness.workflowTask(), [])
        async let answer = harness.engine.query(execution: execution, queryType: "status", timeout: .seconds(30))
        var task: WorkflowTask?
        while task == nil {
            task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .milliseconds(50))
        }
        let query = try #require(task?.query)
        #expect(query.queryType == "status")
        #expect(task?.history.first?.eventType == .workflowExecutionStarted)
        harness.engine.respondQuery(queryID: query.queryID, .answered([.text("waiting")]))
        #expect(try await answer == .answered([.text("waiting")]))
    }

    @Test func queryWithoutWorkerTimesOutWithClearError() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("unanswered")
        let error = await engineError {
            _ = try await harness.engine.query(execution: execution, queryType: "status", timeout: .milliseconds(20))
        }
        #expect(error != nil, "expected a timeout")
        #expect(error?.code == .deadlineExceeded)
        #expect(error?.message.contains("task queue 'main'") == true)
    }

    @Test func cancelRequestLetsTheWorkflowCancel() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("cancel-me")
        try await harness.complete(try await harness.workflowTask(), [])
        try await harness.engine.requestCancel(execution: execution, reason: "user asked")
        let task = try await harness.workflowTask()
        #expect(task.history.contains { $0.eventType == .workflowExecutionCancelRequested })
        try await harness.complete(task, [.cancelWorkflowExecution(details: [])])
        #expect(try harness.engine.describe(execution: execution).record.status == .canceled)
    }

    @Test func terminateFailsRunningTaskAndClosesTheRun() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("terminate-me")
        let task = try await harness.workflowTask()
        try await harness.engine.terminate(execution: execution, reason: "stuck")
        #expect(
            try harness.types(execution).suffix(2) == [.workflowTaskFailed, .workflowExecutionTerminated])
        await #expect(throws: EngineError.self) { try await harness.complete(task, []) }
        #expect(try harness.engine.describe(execution: execution).record.status == .terminated)
    }
}
