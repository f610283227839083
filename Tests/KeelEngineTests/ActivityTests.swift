import KeelLog
import Testing

@testable import KeelEngine

@Suite("Activities")
struct ActivityTests {
    /// Starts a run and completes its first task by scheduling `activity`.
    func scheduled(_ harness: EngineHarness, _ id: String, _ activity: ScheduleActivityTask) async throws
        -> WorkflowExecution
    {
        let execution = try await harness.start(id)
        let task = try await harness.workflowTask()
        try await harness.complete(task, [.scheduleActivityTask(activity)])
        return execution
    }

    @Test func completedActivityWritesStartedAndCompletedAndWakesTheWorkflow() async throws {
        let harness = try EngineHarness()
        let execution = try await scheduled(harness, "pay", .simple("charge-1"))
        let activity = try await harness.activityTask()
        #expect(activity.activityID == "charge-1")
        #expect(activity.attempt == 1)
        #expect(activity.input == [.text("charge-1")])
        // Started is not in history while the activity runs (as in Temporal).
        #expect(try harness.types(execution).last == .activityTaskScheduled)
        try await harness.engine.completeActivity(activity.taskToken, result: [.text("receipt")])
        let events = try harness.history(execution)
        #expect(
            events.suffix(3).map(\.eventType) == [.activityTaskStarted, .activityTaskCompleted, .workflowTaskScheduled])
        guard case .activityTaskCompleted(let completed) = events[events.count - 2].attributes else {
            Issue.record("expected ActivityTaskCompleted")
            return
        }
        #expect(completed.startedEventID == events[events.count - 3].eventID)
        #expect(completed.result == [.text("receipt")])
        let task = try await harness.workflowTask()
        #expect(task.history.contains { $0.eventType == .activityTaskCompleted })
    }

    @Test func retriesFollowThePolicyAndCountAttempts() async throws {
        let harness = try EngineHarness()
        let policy = RetryPolicy(
            initialInterval: .seconds(2), backoffCoefficient: 3, maximumInterval: .seconds(60), maximumAttempts: 3)
        let execution = try await scheduled(harness, "flaky", .simple("call", retry: policy))
        var attempt = try await harness.activityTask()
        #expect(attempt.attempt == 1)
        try await harness.engine.failActivity(attempt.taskToken, failure: .application("boom", type: "IOError"))
        // Retries are not in history; the next attempt waits 2 s, then 6 s.
        #expect(try harness.types(execution).last == .activityTaskScheduled)
        #expect(try await harness.engine.pollActivityTask(taskQueue: "main", timeout: .zero) == nil)
        await harness.advance(by: .seconds(2))
        attempt = try await harness.activityTask()
        #expect(attempt.attempt == 2)
        try await harness.engine.failActivity(attempt.taskToken, failure: .application("boom", type: "IOError"))
        await harness.advance(by: .seconds(5))
        #expect(try await harness.engine.pollActivityTask(taskQueue: "main", timeout: .zero) == nil)
        await harness.advance(by: .seconds(1))
        attempt = try await harness.activityTask()
        #expect(attempt.attempt == 3)
        let description = try harness.engine.describe(execution: execution)
        #expect(description.pendingActivities.first?.attempt == 3)
        #expect(description.pendingActivities.first?.lastFailure?.message == "boom")
        try await harness.engine.failActivity(attempt.taskToken, failure: .application("boom", type: "IOError"))
        let events = try harness.history(execution)
        guard case .activityTaskFailed(let failed) = events[events.count - 2].attributes,
            case .activityTaskStarted(let started) = events[events.count - 3].attributes
        else {
            Issue.record("expected ActivityTaskStarted, ActivityTaskFailed, found \(events.map(\.eventType))")
            return
        }
        #expect(failed.retryState == .maximumAttemptsReached)
        #expect(started.attempt == 3)
    }

    @Test func nonRetryableErrorTypeClosesAtOnce() async throws {
        let harness = try EngineHarness()
        let policy = RetryPolicy(nonRetryableErrorTypes: ["InsufficientFunds"])
        let execution = try await scheduled(harness, "funds", .simple("withdraw", retry: policy))
        let attempt = try await harness.activityTask()
        try await harness.engine.failActivity(
            attempt.taskToken, failure: .application("balance 3 < 10", type: "InsufficientFunds"))
        let events = try harness.history(execution)
        guard case .activityTaskFailed(let failed) = events[events.count - 2].attributes else {
            Issue.record("expected ActivityTaskFailed")
            return
        }
        #expect(failed.retryState == .nonRetryableFailure)
        #expect(failed.failure.errorType == "InsufficientFunds")
    }

    @Test func startToCloseTimeoutRetriesWithTimeoutFailure() async throws {
        let harness = try EngineHarness()
        let activity = ScheduleActivityTask(
            activityID: "slow", activityType: "Slow", startToCloseTimeout: .seconds(10),
            retryPolicy: RetryPolicy(initialInterval: .seconds(1), maximumAttempts: 2))
        let execution = try await scheduled(harness, "timeouts", activity)
        let first = try await harness.activityTask()
        await harness.advance(by: .seconds(10))
        await #expect(throws: EngineError.self) {
            try await harness.engine.completeActivity(first.taskToken, result: [])
        }
        await harness.advance(by: .seconds(1))
        let second = try await harness.activityTask()
        #expect(second.attempt == 2)
        await harness.advance(by: .seconds(10))
        let events = try harness.history(execution)
        guard case .activityTaskTimedOut(let timedOut) = events[events.count - 2].attributes else {
            Issue.record("expected ActivityTaskTimedOut, found \(events.map(\.eventType))")
            return
        }
        #expect(timedOut.retryState == .maximumAttemptsReached)
        guard case .timeout(let type, _) = timedOut.failure.info else {
            Issue.record("expected a timeout failure")
            return
        }
        #expect(type == .startToClose)
    }

    @Test func heartbeatKeepsAttemptAliveAndDetailsReachTheNextAttempt() async throws {
        let harness = try EngineHarness()
        let activity = ScheduleActivityTask(
            activityID: "upload", activityType: "Upload", startToCloseTimeout: .seconds(600),
            heartbeatTimeout: .seconds(5), retryPolicy: RetryPolicy(initialInterval: .seconds(1)))
        _ = try await scheduled(harness, "heartbeats", activity)
        let first = try await harness.activityTask()
        for chunk in 1...3 {
            await harness.advance(by: .seconds(4))
            let cancel = try harness.engine.recordActivityHeartbeat(first.taskToken, details: [.text("chunk \(chunk)")])
            #expect(!cancel)
        }
        await harness.advance(by: .seconds(6))
        await harness.advance(by: .seconds(1))
        let second = try await harness.activityTask()
        #expect(second.attempt == 2)
        #expect(second.heartbeatDetails == [.text("chunk 3")])
    }

    @Test func scheduleToStartTimeoutIsNotRetried() async throws {
        let harness = try EngineHarness()
        let activity = ScheduleActivityTask(
            activityID: "lonely", activityType: "NoWorker", scheduleToStartTimeout: .seconds(3),
            startToCloseTimeout: .seconds(10))
        let execution = try await scheduled(harness, "no-worker", activity)
        await harness.advance(by: .seconds(3))
        let events = try harness.history(execution)
        guard case .activityTaskTimedOut(let timedOut) = events[events.count - 2].attributes else {
            Issue.record("expected ActivityTaskTimedOut, found \(events.map(\.eventType))")
            return
        }
        #expect(timedOut.startedEventID == 0)
        #expect(timedOut.retryState == .timeout)
    }

    @Test func cancelOfUnstartedActivityClosesItAtOnce() async throws {
        let harness = try EngineHarness()
        let execution = try await scheduled(harness, "cancel-early", .simple("a"))
        await harness.engine.settle()
        try await harness.engine.signal(execution: execution, SignalRequest(name: "stop"))
        let task = try await harness.workflowTask()
        try await harness.complete(task, [.requestCancelActivityTask(scheduledEventID: 5)])
        #expect(
            try harness.types(execution).suffix(4) == [
                .workflowTaskCompleted, .activityTaskCancelRequested, .activityTaskCanceled, .workflowTaskScheduled,
            ])
        // The offered task is stale now: a poller skips it.
        #expect(try await harness.engine.pollActivityTask(taskQueue: "main", timeout: .zero) == nil)
    }

    @Test func cancelOfRunningActivityIsDeliveredThroughHeartbeat() async throws {
        let harness = try EngineHarness()
        let execution = try await scheduled(harness, "cancel-late", .simple("a"))
        let running = try await harness.activityTask()
        try await harness.engine.signal(execution: execution, SignalRequest(name: "stop"))
        let task = try await harness.workflowTask()
        try await harness.complete(task, [.requestCancelActivityTask(scheduledEventID: 5)])
        #expect(try harness.engine.recordActivityHeartbeat(running.taskToken))
        try await harness.engine.reportActivityCanceled(running.taskToken, details: [.text("rolled back")])
        #expect(
            try harness.types(execution).suffix(3) == [
                .activityTaskStarted, .activityTaskCanceled, .workflowTaskScheduled,
            ])
    }

    @Test func completionFromOutsideTheWorkerByActivityID() async throws {
        let harness = try EngineHarness()
        let execution = try await scheduled(harness, "async-complete", .simple("approval"))
        _ = try await harness.activityTask()
        let token = try harness.engine.activityToken(execution: execution, activityID: "approval")
        let restored = try TaskToken(bytes: token.bytes)
        try await harness.engine.completeActivity(restored, result: [.text("approved")])
        #expect(try harness.types(execution).contains(.activityTaskCompleted))
    }

    @Test func activityCompletingDuringWorkflowTaskIsBuffered() async throws {
        let harness = try EngineHarness()
        let execution = try await scheduled(harness, "overlap", .simple("a"))
        let activity = try await harness.activityTask()
        try await harness.engine.signal(execution: execution, SignalRequest(name: "go"))
        let task = try await harness.workflowTask()
        try await harness.engine.completeActivity(activity.taskToken, result: [.text("done")])
        try await harness.complete(task, [])
        let events = try harness.history(execution)
        let startedIndex = try #require(events.firstIndex { $0.eventType == .activityTaskStarted })
        guard case .activityTaskCompleted(let completed) = events[startedIndex + 1].attributes else {
            Issue.record("expected ActivityTaskCompleted after ActivityTaskStarted")
            return
        }
        #expect(completed.startedEventID == events[startedIndex].eventID)
        #expect(events[startedIndex - 1].eventType == .workflowTaskCompleted)
    }
}
