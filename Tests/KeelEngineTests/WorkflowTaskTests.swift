import KeelLog
import Testing

@testable import KeelEngine

@Suite("Workflow tasks")
struct WorkflowTaskTests {
    @Test func startSchedulesFirstTaskAndCompletionClosesRun() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("greet-1", input: [.text("Ada")])
        let task = try await harness.workflowTask()
        #expect(task.execution == execution)
        #expect(
            task.history.map(\.eventType) == [.workflowExecutionStarted, .workflowTaskScheduled, .workflowTaskStarted])
        #expect(task.previousStartedEventID == 0)
        #expect(task.startedEventID == 3)
        try await harness.complete(task, [.completeWorkflowExecution(result: [.text("Hello, Ada")])])
        #expect(
            try harness.types(execution) == [
                .workflowExecutionStarted, .workflowTaskScheduled, .workflowTaskStarted, .workflowTaskCompleted,
                .workflowExecutionCompleted,
            ])
        let description = try harness.engine.describe(execution: execution)
        #expect(description.record.status == .completed)
        #expect(description.record.closeTime != nil)
        #expect(try await harness.noWorkflowTask())
    }

    @Test func eventIDsAreDenseAndTimesComeFromTheClock() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("dense")
        await harness.advance(by: .seconds(5))
        let task = try await harness.workflowTask()
        try await harness.complete(task, [.startTimer(timerID: "t", startToFireTimeout: .seconds(1))])
        let events = try harness.history(execution)
        #expect(events.map(\.eventID) == Array(1...Int64(events.count)))
        #expect(events[2].time == events[0].time + .seconds(5))
    }

    @Test func completingTheSameTaskTwiceIsRefusedAsStale() async throws {
        let harness = try EngineHarness()
        _ = try await harness.start("twice")
        let task = try await harness.workflowTask()
        try await harness.complete(task, [.startTimer(timerID: "t", startToFireTimeout: .seconds(10))])
        await #expect(throws: EngineError.self) {
            try await harness.complete(task, [.completeWorkflowExecution(result: [])])
        }
        let stale = await engineError { try await harness.complete(task, []) }
        #expect(stale?.code == .staleTaskToken)
    }

    @Test func invalidCommandFailsTheTaskWithNamedCause() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("bad-command")
        let task = try await harness.workflowTask()
        let error = await engineError {
            try await harness.complete(task, [.cancelTimer(timerID: "never-started")])
        }
        #expect(error != nil, "expected the completion to be refused")
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("BadCancelTimerAttributes") == true)
        #expect(error?.message.contains("never-started") == true)
        let events = try harness.history(execution)
        guard case .workflowTaskFailed(let failed) = events[3].attributes else {
            Issue.record("expected WorkflowTaskFailed, found \(events[3].eventType)")
            return
        }
        #expect(failed.cause == .badCancelTimerAttributes)
        #expect(events.last?.eventType == .workflowTaskScheduled)
        let retry = try await harness.workflowTask()
        #expect(retry.attempt == 2)
    }

    @Test func duplicateTimerAndActivityIDsAreRejected() async throws {
        let harness = try EngineHarness()
        _ = try await harness.start("dupes")
        let task = try await harness.workflowTask()
        let error = await engineError {
            try await harness.complete(
                task,
                [
                    .startTimer(timerID: "a", startToFireTimeout: .seconds(1)),
                    .startTimer(timerID: "a", startToFireTimeout: .seconds(2)),
                ])
        }
        #expect(error != nil, "expected StartTimerDuplicateId")
        #expect(error?.message.contains("StartTimerDuplicateId") == true)
        let retry = try await harness.workflowTask()
        let duplicate = await engineError {
            try await harness.complete(
                retry, [.scheduleActivityTask(.simple("x")), .scheduleActivityTask(.simple("x"))])
        }
        #expect(duplicate != nil, "expected ScheduleActivityDuplicateId")
        #expect(duplicate?.message.contains("ScheduleActivityDuplicateId") == true)
    }

    @Test func closeCommandMustBeLast() async throws {
        let harness = try EngineHarness()
        _ = try await harness.start("close-last")
        let task = try await harness.workflowTask()
        let error = await engineError {
            try await harness.complete(
                task,
                [
                    .completeWorkflowExecution(result: []),
                    .startTimer(timerID: "late", startToFireTimeout: .seconds(1)),
                ])
        }
        #expect(error != nil, "expected UnhandledCommand")
        #expect(error?.message.contains("UnhandledCommand") == true)
    }

    @Test func signalDuringTaskIsBufferedAndDeliveredAfterCompletion() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("buffered")
        let task = try await harness.workflowTask()
        try await harness.engine.signal(execution: execution, SignalRequest(name: "poke", input: [.text("1")]))
        #expect(try harness.types(execution).last == .workflowTaskStarted)
        try await harness.complete(task, [.startTimer(timerID: "wait", startToFireTimeout: .seconds(60))])
        #expect(
            try harness.types(execution).suffix(4) == [
                .workflowTaskCompleted, .timerStarted, .workflowExecutionSignaled, .workflowTaskScheduled,
            ])
        let next = try await harness.workflowTask()
        #expect(next.previousStartedEventID == 3)
    }

    @Test func closingWhileSignalsArrivedFailsWithUnhandledCommand() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("unhandled")
        let task = try await harness.workflowTask()
        try await harness.engine.signal(execution: execution, SignalRequest(name: "late"))
        await #expect(throws: EngineError.self) {
            try await harness.complete(task, [.completeWorkflowExecution(result: [])])
        }
        #expect(
            try harness.types(execution).suffix(3) == [
                .workflowTaskFailed, .workflowExecutionSignaled, .workflowTaskScheduled,
            ])
        let next = try await harness.workflowTask()
        try await harness.complete(next, [.completeWorkflowExecution(result: [])])
        #expect(try harness.engine.describe(execution: execution).record.status == .completed)
    }

    @Test func startToCloseTimeoutRetriesTheTask() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("slow-worker") { $0.taskTimeout = .seconds(10) }
        let task = try await harness.workflowTask()
        await harness.advance(by: .seconds(11))
        #expect(try harness.types(execution).suffix(2) == [.workflowTaskTimedOut, .workflowTaskScheduled])
        await #expect(throws: EngineError.self) { try await harness.complete(task, []) }
        let retry = try await harness.workflowTask()
        #expect(retry.attempt == 2)
    }

    /// Until its first task completes, a run holds its whole history in memory, and the task is
    /// built from it instead of the log: it must carry exactly what the log holds, also for a retried
    /// first task with signals in between, and for a run recovered by a reopen.
    @Test func aFirstTaskBuiltFromMemoryCarriesExactlyTheLogsHistory() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("from-memory", input: [.text("x")]) { $0.taskTimeout = .seconds(10) }
        try await harness.engine.signal(execution: execution, SignalRequest(name: "early", input: [.text("1")]))
        let first = try await harness.workflowTask()
        #expect(!first.isPartial)
        #expect(first.history == (try harness.history(execution)))
        #expect(first.history.map(\.eventID) == Array(1...first.startedEventID))

        await harness.advance(by: .seconds(11))
        try await harness.engine.signal(execution: execution, SignalRequest(name: "late", input: [.text("2")]))
        let retry = try await harness.workflowTask()
        #expect(retry.attempt == 2)
        #expect(retry.history.map(\.eventType).contains(.workflowTaskTimedOut))
        #expect(retry.history == (try harness.history(execution)))
        try await harness.complete(retry, [.completeWorkflowExecution(result: [])])

        let other = try await harness.start("from-memory-after-reopen")
        try await harness.reopen()
        let recovered = try await harness.workflowTask()
        #expect(recovered.execution == other)
        #expect(recovered.history == (try harness.history(other)))
        #expect(
            recovered.history.map(\.eventType) == [
                .workflowExecutionStarted, .workflowTaskScheduled, .workflowTaskStarted,
            ])

        try await harness.complete(recovered, [.startTimer(timerID: "t", startToFireTimeout: .seconds(1))])
        await harness.advance(by: .seconds(1))
        let second = try await harness.workflowTask()
        #expect(second.execution == other)
        #expect(second.history == (try harness.history(other)))
        #expect(second.history.first?.eventType == .workflowExecutionStarted)
    }

    @Test func stickyWorkerGetsOnlyNewEventsAndFallsBackWhenAbsent() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("sticky")
        let first = try await harness.workflowTask()
        try await harness.complete(
            first, [.startTimer(timerID: "t", startToFireTimeout: .seconds(1))],
            sticky: StickyAttributes(taskQueue: "worker-1", scheduleToStartTimeout: .seconds(5)))
        await harness.advance(by: .seconds(1))
        let sticky = try await harness.workflowTask(queue: "worker-1")
        #expect(sticky.isPartial)
        #expect(sticky.history.first?.eventType == .workflowTaskCompleted)
        #expect(sticky.history.map(\.eventType).contains(.timerFired))
        #expect(!sticky.history.contains { $0.eventType == .workflowExecutionStarted })
        try await harness.complete(
            sticky, [.startTimer(timerID: "t2", startToFireTimeout: .seconds(1))],
            sticky: StickyAttributes(taskQueue: "worker-1", scheduleToStartTimeout: .seconds(5)))
        await harness.advance(by: .seconds(1))
        // Nobody polls worker-1: after 5 s the task moves to the normal queue with the full history.
        await harness.advance(by: .seconds(6))
        let normal = try await harness.workflowTask()
        #expect(!normal.isPartial)
        #expect(normal.history.first?.eventType == .workflowExecutionStarted)
        #expect(try harness.types(execution).contains(.workflowTaskTimedOut))
    }

    @Test func reportedFailureRetriesAndBacksOffAfterSecondAttempt() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("nondeterministic")
        for attempt in 1...2 {
            let task = try await harness.workflowTask()
            #expect(task.attempt == Int32(attempt))
            try await harness.engine.failWorkflowTask(
                task.taskToken, cause: .nonDeterministicError,
                failure: .application("history has TimerStarted, code issued ScheduleActivityTask"))
        }
        // From the third attempt on, the retry waits: 1 s, then 2 s, doubling up to 10 minutes.
        #expect(try await harness.noWorkflowTask())
        await harness.advance(by: .seconds(1))
        let third = try await harness.workflowTask()
        #expect(third.attempt == 3)
        try await harness.engine.failWorkflowTask(third.taskToken, cause: .nonDeterministicError)
        await harness.advance(by: .seconds(1))
        #expect(try await harness.noWorkflowTask())
        await harness.advance(by: .seconds(1))
        let fourth = try await harness.workflowTask()
        #expect(fourth.attempt == 4)
        #expect(try harness.types(execution).filter { $0 == .workflowTaskFailed }.count == 3)
    }
}
