import KeelLog
import Testing

@testable import KeelEngine

@Suite("Run lifecycle: start options, children, continue-as-new, timeouts, retention")
struct LifecycleTests {
    @Test func conflictAndReusePoliciesBehaveAsTemporal() async throws {
        let harness = try EngineHarness()
        let first = try await harness.start("policy")
        let error = await engineError {
            _ = try await harness.start("policy")
        }
        #expect(error != nil, "expected workflowAlreadyStarted")
        #expect(error?.code == .workflowAlreadyStarted)
        #expect(error?.message.contains(first.runID.rawValue) == true)
        let joined = try await harness.engine.startWorkflow(
            StartWorkflowRequest(
                workflowID: "policy", workflowType: "Greeting", taskQueue: "main", idConflictPolicy: .useExisting))
        #expect(!joined.started && joined.runID == first.runID)
        let replaced = try await harness.start("policy") { $0.idConflictPolicy = .terminateExisting }
        #expect(try harness.engine.describe(execution: first).record.status == .terminated)
        try await harness.engine.terminate(execution: replaced)
        // Terminated counts as a failure for allowDuplicateFailedOnly; rejectDuplicate refuses.
        let again = try await harness.start("policy") { $0.idReusePolicy = .allowDuplicateFailedOnly }
        let task = try await harness.workflowTask()
        #expect(task.execution == again)
        try await harness.engine.terminate(execution: again)
        await #expect(throws: EngineError.self) {
            _ = try await harness.start("policy") { $0.idReusePolicy = .rejectDuplicate }
        }
    }

    @Test func repeatedRequestIDReturnsTheSameRun() async throws {
        let harness = try EngineHarness()
        let first = try await harness.start("idempotent") { $0.requestID = "req-1" }
        let second = try await harness.engine.startWorkflow(
            StartWorkflowRequest(
                workflowID: "idempotent", workflowType: "Greeting", taskQueue: "main", requestID: "req-1"))
        #expect(second.runID == first.runID)
        #expect(!second.started)
    }

    @Test func startDelayHoldsTheFirstTask() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("delayed") { $0.startDelay = .seconds(3600) }
        #expect(try harness.types(execution) == [.workflowExecutionStarted])
        #expect(try await harness.noWorkflowTask())
        await harness.advance(by: .seconds(3600))
        _ = try await harness.workflowTask()
    }

    @Test func thirtyDayTimerFiresWhenTheClockSaysSo() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("onboarding")
        try await harness.complete(
            try await harness.workflowTask(), [.startTimer(timerID: "wait", startToFireTimeout: .seconds(30 * 86_400))])
        await harness.advance(by: .seconds(30 * 86_400 - 1))
        #expect(try await harness.noWorkflowTask())
        await harness.advance(by: .seconds(1))
        let task = try await harness.workflowTask()
        #expect(task.history.contains { $0.eventType == .timerFired })
        #expect(try harness.types(execution).filter { $0 == .timerFired }.count == 1)
    }

    @Test func canceledTimerNeverFires() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("cancel-timer")
        try await harness.complete(
            try await harness.workflowTask(), [.startTimer(timerID: "t", startToFireTimeout: .seconds(10))])
        try await harness.engine.signal(execution: execution, SignalRequest(name: "stop"))
        try await harness.complete(try await harness.workflowTask(), [.cancelTimer(timerID: "t")])
        await harness.advance(by: .seconds(20))
        #expect(!(try harness.types(execution).contains(.timerFired)))
        #expect(try harness.types(execution).contains(.timerCanceled))
    }

    @Test func runTimeoutWithRetryStartsTheNextAttempt() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("retried") {
            $0.runTimeout = .seconds(60)
            $0.retryPolicy = RetryPolicy(initialInterval: .seconds(5), maximumAttempts: 2)
        }
        await harness.advance(by: .seconds(60))
        let events = try harness.history(execution)
        guard case .workflowExecutionTimedOut(let timedOut) = events.last?.attributes else {
            Issue.record("expected WorkflowExecutionTimedOut, found \(events.map(\.eventType))")
            return
        }
        #expect(timedOut.retryState == .inProgress)
        let nextRunID = try #require(timedOut.newExecutionRunID)
        let next = WorkflowExecution(workflowID: execution.workflowID, runID: nextRunID)
        let started = try harness.history(next)[0]
        guard case .workflowExecutionStarted(let attributes) = started.attributes else {
            Issue.record("expected WorkflowExecutionStarted")
            return
        }
        #expect(attributes.attempt == 2)
        #expect(attributes.initiator == .retry)
        #expect(attributes.firstWorkflowTaskBackoff == .seconds(5))
        #expect(attributes.firstRunID == execution.runID)
        await harness.advance(by: .seconds(5))
        _ = try await harness.workflowTask()
        await harness.advance(by: .seconds(60))
        guard case .workflowExecutionTimedOut(let last) = try harness.history(next).last?.attributes else {
            Issue.record("expected the second attempt to time out")
            return
        }
        #expect(last.retryState == .maximumAttemptsReached)
        #expect(last.newExecutionRunID == nil)
    }

    @Test func continueAsNewStartsANewRunInTheSameChain() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("entity") { $0.memo = ["owner": .text("ops")] }
        try await harness.complete(
            try await harness.workflowTask(),
            [.continueAsNewWorkflowExecution(ContinueAsNew(input: [.text("state 2")]))])
        let description = try harness.engine.describe(execution: execution)
        #expect(description.record.status == .continuedAsNew)
        let next = try await harness.workflowTask()
        #expect(next.execution.workflowID == execution.workflowID)
        #expect(next.execution.runID != execution.runID)
        guard case .workflowExecutionStarted(let started) = next.history[0].attributes else {
            Issue.record("expected WorkflowExecutionStarted")
            return
        }
        #expect(started.continuedFromRunID == execution.runID)
        #expect(started.input == [.text("state 2")])
        #expect(started.memo == ["owner": .text("ops")])
        let current = try harness.engine.describe(execution: WorkflowExecution(workflowID: "entity", runID: ""))
        #expect(current.record.execution.runID == next.execution.runID)
    }

    @Test func childWorkflowResultReachesTheParent() async throws {
        let harness = try EngineHarness(partitions: 3)
        let parent = try await harness.start("order-1", type: "Order")
        try await harness.complete(
            try await harness.workflowTask(),
            [.startChildWorkflowExecution(StartChildWorkflow(workflowID: "ship-1", workflowType: "Shipping"))])
        await harness.engine.settle()
        var tasks: [WorkflowTask] = []
        while let task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .zero) {
            tasks.append(task)
        }
        let childTask = try #require(tasks.first { $0.workflowType == "Shipping" })
        guard case .workflowExecutionStarted(let started) = childTask.history[0].attributes else {
            Issue.record("expected WorkflowExecutionStarted")
            return
        }
        #expect(started.parent?.execution == parent)
        try await harness.complete(childTask, [.completeWorkflowExecution(result: [.text("shipped")])])
        if let parentTask = tasks.first(where: { $0.workflowType == "Order" }) {
            try await harness.complete(parentTask, [])
        }
        await harness.engine.settle()
        let types = try harness.types(parent)
        #expect(types.contains(.startChildWorkflowExecutionInitiated))
        #expect(types.contains(.childWorkflowExecutionStarted))
        #expect(types.contains(.childWorkflowExecutionCompleted))
        let events = try harness.history(parent)
        let completed = events.compactMap { event -> ChildWorkflowExecutionCompleted? in
            if case .childWorkflowExecutionCompleted(let completed) = event.attributes { return completed }
            return nil
        }
        #expect(completed.first?.result == [.text("shipped")])
    }

    @Test func parentClosePolicyTerminatesChildren() async throws {
        let harness = try EngineHarness(partitions: 2)
        let parent = try await harness.start("parent", type: "Order")
        try await harness.complete(
            try await harness.workflowTask(),
            [.startChildWorkflowExecution(StartChildWorkflow(workflowID: "child", workflowType: "Shipping"))])
        await harness.engine.settle()
        try await harness.engine.terminate(execution: parent, reason: "done")
        await harness.engine.settle()
        let child = try harness.engine.describe(execution: WorkflowExecution(workflowID: "child", runID: ""))
        #expect(child.record.status == .terminated)
    }

    @Test func signalExternalDeliversAndReportsBack() async throws {
        let harness = try EngineHarness()
        let target = try await harness.start("target")
        let sender = try await harness.start("sender")
        var tasks: [WorkflowTask] = []
        while let task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .zero) {
            tasks.append(task)
        }
        let senderTask = try #require(tasks.first { $0.execution == sender })
        try await harness.complete(try #require(tasks.first { $0.execution == target }), [])
        try await harness.complete(
            senderTask,
            [
                .signalExternalWorkflowExecution(
                    SignalExternal(
                        execution: WorkflowExecution(workflowID: "target", runID: ""), signalName: "hello")),
                .signalExternalWorkflowExecution(
                    SignalExternal(
                        execution: WorkflowExecution(workflowID: "nobody", runID: ""), signalName: "hello")),
            ])
        await harness.engine.settle()
        #expect(try harness.types(target).contains(.workflowExecutionSignaled))
        let types = try harness.types(sender)
        #expect(types.contains(.externalWorkflowExecutionSignaled))
        #expect(types.contains(.signalExternalWorkflowExecutionFailed))
    }

    @Test func retentionRemovesClosedRunsAndReclaimsTheirStream() async throws {
        let harness = try EngineHarness()
        try await harness.engine.registerNamespace(NamespaceSettings(name: "short", retention: .seconds(3600)))
        let result = try await harness.engine.startWorkflow(
            StartWorkflowRequest(namespace: "short", workflowID: "gone", workflowType: "T", taskQueue: "q"))
        let execution = WorkflowExecution(workflowID: "gone", runID: result.runID)
        let task = try #require(
            try await harness.engine.pollWorkflowTask(namespace: "short", taskQueue: "q", timeout: .zero))
        try await harness.engine.completeWorkflowTask(
            task.taskToken, commands: [.completeWorkflowExecution(result: [])])
        #expect(try harness.engine.countWorkflows(namespace: "short") == 1)
        await harness.advance(by: .seconds(3599))
        #expect(try harness.engine.countWorkflows(namespace: "short") == 1)
        await harness.advance(by: .seconds(1))
        await harness.engine.settle()
        #expect(try harness.engine.countWorkflows(namespace: "short") == 0)
        #expect(throws: EngineError.self) { try harness.engine.describe(namespace: "short", execution: execution) }
        #expect(throws: EngineError.self) { try harness.engine.history(namespace: "short", execution: execution) }
        let stream = RunKey(namespace: "short", execution: execution).stream
        #expect(try harness.engine.store.read(stream: stream).isEmpty)
    }

    @Test func aRunRemovedByRetentionIsFreedThoughItsTimeoutsAreStillPending() async throws {
        let harness = try EngineHarness()
        try await harness.engine.registerNamespace(NamespaceSettings(name: "short", retention: .seconds(60)))
        let result = try await harness.engine.startWorkflow(
            StartWorkflowRequest(
                namespace: "short", workflowID: "long-timeouts", workflowType: "T", taskQueue: "q",
                executionTimeout: .seconds(86_400 * 30), runTimeout: .seconds(86_400 * 7)))
        let key = RunKey(
            namespace: "short", execution: WorkflowExecution(workflowID: "long-timeouts", runID: result.runID))
        let partition = harness.engine.core.partition(for: "long-timeouts")
        weak let run = partition.lock.withLock { partition.runs[key] }
        #expect(run != nil)
        let task = try #require(
            try await harness.engine.pollWorkflowTask(namespace: "short", taskQueue: "q", timeout: .zero))
        try await harness.engine.completeWorkflowTask(
            task.taskToken, commands: [.completeWorkflowExecution(result: [])])
        await harness.advance(by: .seconds(60))
        await harness.engine.settle()
        #expect(try harness.engine.countWorkflows(namespace: "short") == 0)
        // The run and execution timeouts (a week and a month away) are still on the wheel; they must
        // not keep the removed run alive.
        #expect(partition.lock.withLock { partition.deadlines.count } >= 2)
        #expect(run == nil, "the removed run is still referenced")
    }

    @Test func visibilityListsAndCountsWithFilters() async throws {
        let harness = try EngineHarness()
        try await harness.engine.registerNamespace(
            NamespaceSettings(name: "default", retention: .seconds(86_400), searchAttributes: ["CustomerId": .keyword]))
        for index in 0..<5 {
            _ = try await harness.start("order-\(index)", type: index % 2 == 0 ? "Order" : "Refund") {
                $0.searchAttributes = ["CustomerId": .keyword("c\(index % 2)")]
            }
        }
        #expect(try harness.engine.countWorkflows(query: "WorkflowType = 'Order'") == 3)
        #expect(try harness.engine.countWorkflows(query: "CustomerId = 'c1' AND ExecutionStatus = 'Running'") == 2)
        let page = try harness.engine.listWorkflows(query: "WorkflowId STARTS_WITH 'order-'", pageSize: 2)
        #expect(page.records.count == 2)
        #expect(page.nextPageToken != nil)
        let error = await engineError {
            _ = try harness.engine.countWorkflows(query: "WorkflowType = ")
        }
        #expect(error != nil, "expected a parse error")
        #expect(error?.code == .invalidArgument)
        await #expect(throws: EngineError.self) {
            _ = try await harness.start("bad-attr") { $0.searchAttributes = ["CustomerId": .int(3)] }
        }
    }
}

@Suite("Reset")
struct ResetTests {
    @Test func resetStartsANewRunFromACompletedTaskAndReappliesSignals() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("reset-me")
        try await harness.complete(try await harness.workflowTask(), [.scheduleActivityTask(.simple("a"))])
        let activity = try await harness.activityTask()
        try await harness.engine.completeActivity(activity.taskToken, result: [.text("first")])
        try await harness.engine.signal(execution: execution, SignalRequest(name: "later", input: [.text("s")]))
        try await harness.complete(try await harness.workflowTask(), [.completeWorkflowExecution(result: [])])
        let events = try harness.history(execution)
        // Event 4 is the first WorkflowTaskCompleted: reset to just after it.
        #expect(events[3].eventType == .workflowTaskCompleted)
        let newRunID = try await harness.engine.resetWorkflow(
            execution: execution, workflowTaskFinishEventID: 4, reason: "bad deploy")
        let reset = WorkflowExecution(workflowID: execution.workflowID, runID: newRunID)
        let types = try harness.types(reset)
        #expect(
            types == [
                .workflowExecutionStarted, .workflowTaskScheduled, .workflowTaskStarted, .workflowTaskFailed,
                .workflowExecutionSignaled, .workflowTaskScheduled,
            ])
        let task = try await harness.workflowTask()
        #expect(task.execution == reset)
        let current = try harness.engine.describe(execution: WorkflowExecution(workflowID: "reset-me", runID: ""))
        #expect(current.record.execution.runID == newRunID)
        let error = await engineError {
            _ = try await harness.engine.resetWorkflow(execution: reset, workflowTaskFinishEventID: 2, reason: "x")
        }
        #expect(error?.code == .invalidArgument)
    }
}
