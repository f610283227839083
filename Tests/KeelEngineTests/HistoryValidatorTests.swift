import KeelLog
import Testing

@testable import KeelEngine

/// Builds histories event by event, with dense ids and times 10 ms apart.
private struct HistoryBuilder {
    var events: [HistoryEvent] = []
    var time = Timestamp(rawValue: 1_767_225_600_000_000_000)

    @discardableResult
    mutating func add(_ attributes: EventAttributes) -> Int64 {
        time = time + .milliseconds(10)
        let id = Int64(events.count + 1)
        events.append(HistoryEvent(eventID: id, time: time, attributes: attributes))
        return id
    }

    @discardableResult
    mutating func start() -> Int64 {
        add(
            .workflowExecutionStarted(
                WorkflowExecutionStarted(
                    workflowType: "Order", taskQueue: TaskQueue(name: "main"), input: [], executionTimeout: nil,
                    runTimeout: nil, taskTimeout: .seconds(10), parent: nil, continuedFromRunID: nil, initiator: nil,
                    continuedFailure: nil, lastCompletionResult: [], originalRunID: "run", firstRunID: "run",
                    identity: "", attempt: 1, executionExpirationTime: nil, firstWorkflowTaskBackoff: nil,
                    retryPolicy: nil, memo: [:], searchAttributes: [:], header: [:], requestID: "")))
    }

    mutating func scheduleWorkflowTask() -> Int64 {
        add(
            .workflowTaskScheduled(
                WorkflowTaskScheduled(taskQueue: TaskQueue(name: "main"), startToCloseTimeout: .seconds(10), attempt: 1)
            ))
    }

    mutating func startWorkflowTask(_ scheduled: Int64) -> Int64 {
        add(
            .workflowTaskStarted(
                WorkflowTaskStarted(
                    scheduledEventID: scheduled, identity: "w", requestID: "", suggestContinueAsNew: false,
                    historySizeBytes: 0)))
    }

    mutating func completeWorkflowTask(_ scheduled: Int64, _ started: Int64) -> Int64 {
        add(
            .workflowTaskCompleted(
                WorkflowTaskCompleted(
                    scheduledEventID: scheduled, startedEventID: started, identity: "w", binaryChecksum: "")))
    }

    /// Schedules, starts and completes a workflow task; returns the completed event's id.
    mutating func workflowTask() -> Int64 {
        let scheduled = scheduleWorkflowTask()
        let started = startWorkflowTask(scheduled)
        return completeWorkflowTask(scheduled, started)
    }

    /// The first four events of most histories: started, then a completed workflow task (event 4).
    static func prefix() -> HistoryBuilder {
        var builder = HistoryBuilder()
        builder.start()
        _ = builder.workflowTask()
        return builder
    }

    mutating func scheduleActivity(_ id: String, after completed: Int64) -> Int64 {
        add(
            .activityTaskScheduled(
                ActivityTaskScheduled(
                    activityID: id, activityType: "Charge", taskQueue: TaskQueue(name: "main"), header: [:], input: [],
                    scheduleToCloseTimeout: nil, scheduleToStartTimeout: .seconds(5), startToCloseTimeout: .seconds(30),
                    heartbeatTimeout: nil, workflowTaskCompletedEventID: completed, retryPolicy: RetryPolicy())))
    }

    mutating func startActivity(_ scheduled: Int64, attempt: Int32 = 1) -> Int64 {
        add(
            .activityTaskStarted(
                ActivityTaskStarted(
                    scheduledEventID: scheduled, identity: "w", requestID: "", attempt: attempt, lastFailure: nil)))
    }

    @discardableResult
    mutating func completeActivity(_ scheduled: Int64, started: Int64) -> Int64 {
        add(
            .activityTaskCompleted(
                ActivityTaskCompleted(result: [], scheduledEventID: scheduled, startedEventID: started, identity: "w")))
    }

    @discardableResult
    mutating func failActivity(_ scheduled: Int64, started: Int64) -> Int64 {
        add(
            .activityTaskFailed(
                ActivityTaskFailed(
                    failure: .application("declined"), scheduledEventID: scheduled, startedEventID: started,
                    identity: "w", retryState: .maximumAttemptsReached)))
    }

    @discardableResult
    mutating func timeOutActivity(_ scheduled: Int64, started: Int64, _ type: TimeoutType) -> Int64 {
        add(
            .activityTaskTimedOut(
                ActivityTaskTimedOut(
                    failure: Failure(message: "timeout", info: .timeout(type: type, lastHeartbeatDetails: [])),
                    scheduledEventID: scheduled, startedEventID: started, retryState: .timeout)))
    }

    @discardableResult
    mutating func cancelActivity(_ scheduled: Int64, requested: Int64, started: Int64) -> Int64 {
        add(
            .activityTaskCanceled(
                ActivityTaskCanceled(
                    details: [], latestCancelRequestedEventID: requested, scheduledEventID: scheduled,
                    startedEventID: started, identity: "")))
    }

    mutating func requestActivityCancel(_ scheduled: Int64, after completed: Int64) -> Int64 {
        add(
            .activityTaskCancelRequested(
                ActivityTaskCancelRequested(scheduledEventID: scheduled, workflowTaskCompletedEventID: completed)))
    }

    mutating func startTimer(_ id: String, after completed: Int64) -> Int64 {
        add(
            .timerStarted(
                TimerStarted(timerID: id, startToFireTimeout: .seconds(5), workflowTaskCompletedEventID: completed)))
    }

    @discardableResult
    mutating func fireTimer(_ id: String, started: Int64) -> Int64 {
        add(.timerFired(TimerFired(timerID: id, startedEventID: started)))
    }

    @discardableResult
    mutating func signal() -> Int64 {
        add(
            .workflowExecutionSignaled(
                WorkflowExecutionSignaled(signalName: "go", input: [], identity: "", header: [:])))
    }

    @discardableResult
    mutating func completeWorkflow(after completed: Int64) -> Int64 {
        add(
            .workflowExecutionCompleted(
                WorkflowExecutionCompleted(result: [], workflowTaskCompletedEventID: completed, newExecutionRunID: nil))
        )
    }

    @discardableResult
    mutating func terminate() -> Int64 {
        add(.workflowExecutionTerminated(WorkflowExecutionTerminated(reason: "stop", details: [], identity: "")))
    }

    mutating func initiateChild(after completed: Int64) -> Int64 {
        add(
            .startChildWorkflowExecutionInitiated(
                StartChildWorkflowExecutionInitiated(
                    namespace: "default", workflowID: "child", workflowType: "Shipping",
                    taskQueue: TaskQueue(name: "main"), input: [], executionTimeout: nil, runTimeout: nil,
                    taskTimeout: .seconds(10), parentClosePolicy: .terminate, workflowTaskCompletedEventID: completed,
                    workflowIDReusePolicy: .allowDuplicate, retryPolicy: nil, header: [:], memo: [:],
                    searchAttributes: [:])))
    }

    static let child = WorkflowExecution(workflowID: "child", runID: "child-run")

    mutating func childStarted(_ initiated: Int64) -> Int64 {
        add(
            .childWorkflowExecutionStarted(
                ChildWorkflowExecutionStarted(
                    namespace: "default", initiatedEventID: initiated, execution: Self.child, workflowType: "Shipping"))
        )
    }

    @discardableResult
    mutating func childCompleted(_ initiated: Int64, started: Int64) -> Int64 {
        add(
            .childWorkflowExecutionCompleted(
                ChildWorkflowExecutionCompleted(
                    result: [], namespace: "default", execution: Self.child, workflowType: "Shipping",
                    initiatedEventID: initiated, startedEventID: started)))
    }

    mutating func initiateExternalSignal(after completed: Int64) -> Int64 {
        add(
            .signalExternalWorkflowExecutionInitiated(
                SignalExternalWorkflowExecutionInitiated(
                    workflowTaskCompletedEventID: completed, namespace: "default", execution: Self.child,
                    signalName: "ping", input: [], childWorkflowOnly: false, header: [:])))
    }

    @discardableResult
    mutating func externalSignaled(_ initiated: Int64) -> Int64 {
        add(
            .externalWorkflowExecutionSignaled(
                ExternalWorkflowExecutionSignaled(
                    initiatedEventID: initiated, namespace: "default", execution: Self.child)))
    }

    mutating func acceptUpdate(_ id: String) -> Int64 {
        add(
            .workflowExecutionUpdateAccepted(
                WorkflowExecutionUpdateAccepted(
                    protocolInstanceID: id, acceptedRequestMessageID: "\(id)/request",
                    acceptedRequestSequencingEventID: 0,
                    acceptedRequest: UpdateRequest(updateID: id, name: "rename", input: [], header: [:], identity: "")))
        )
    }

    @discardableResult
    mutating func completeUpdate(_ id: String, accepted: Int64) -> Int64 {
        add(
            .workflowExecutionUpdateCompleted(
                WorkflowExecutionUpdateCompleted(
                    updateID: id, identity: "", acceptedEventID: accepted, outcome: .success([]))))
    }

    mutating func timeOutWorkflowTask(_ scheduled: Int64, started: Int64, _ type: TimeoutType) {
        add(
            .workflowTaskTimedOut(
                WorkflowTaskTimedOut(scheduledEventID: scheduled, startedEventID: started, timeoutType: type)))
    }
}

/// A well-formed history that uses every kind of event the validator follows.
private func fullHistory() -> [HistoryEvent] {
    var history = HistoryBuilder()
    history.start()
    let first = history.workflowTask()
    let charge = history.scheduleActivity("charge", after: first)
    let timer = history.startTimer("nap", after: first)
    let canceledTimer = history.startTimer("unused", after: first)
    let child = history.initiateChild(after: first)
    let ping = history.initiateExternalSignal(after: first)
    let refund = history.scheduleActivity("refund", after: first)
    let declined = history.scheduleActivity("declined", after: first)
    let cancelInitiated = history.add(
        .requestCancelExternalWorkflowExecutionInitiated(
            RequestCancelExternalWorkflowExecutionInitiated(
                workflowTaskCompletedEventID: first, namespace: "default", execution: HistoryBuilder.child,
                childWorkflowOnly: false, reason: "")))
    history.add(
        .markerRecorded(
            MarkerRecorded(
                markerName: "version", details: [:], workflowTaskCompletedEventID: first, header: [:], failure: nil)))
    history.completeActivity(charge, started: history.startActivity(charge))
    let second = history.scheduleWorkflowTask()
    let childStarted = history.childStarted(child)
    history.signal()
    history.externalSignaled(ping)
    history.add(
        .externalWorkflowExecutionCancelRequested(
            ExternalWorkflowExecutionCancelRequested(
                initiatedEventID: cancelInitiated, namespace: "default", execution: HistoryBuilder.child)))
    history.failActivity(declined, started: history.startActivity(declined, attempt: 3))
    let secondCompleted = history.completeWorkflowTask(second, history.startWorkflowTask(second))
    history.add(
        .timerCanceled(
            TimerCanceled(
                timerID: "unused", startedEventID: canceledTimer, workflowTaskCompletedEventID: secondCompleted,
                identity: "")))
    let requested = history.requestActivityCancel(refund, after: secondCompleted)
    history.cancelActivity(refund, requested: requested, started: 0)
    let lonely = history.scheduleActivity("lonely", after: secondCompleted)
    let accepted = history.acceptUpdate("u1")
    let sticky = history.scheduleWorkflowTask()
    history.fireTimer("nap", started: timer)
    history.childCompleted(child, started: childStarted)
    history.timeOutActivity(lonely, started: 0, .scheduleToStart)
    history.timeOutWorkflowTask(sticky, started: 0, .scheduleToStart)
    let slow = history.scheduleWorkflowTask()
    history.timeOutWorkflowTask(slow, started: history.startWorkflowTask(slow), .startToClose)
    let failing = history.scheduleWorkflowTask()
    history.add(
        .workflowTaskFailed(
            WorkflowTaskFailed(
                scheduledEventID: failing, startedEventID: history.startWorkflowTask(failing),
                cause: .nonDeterministicError, failure: nil, identity: "w")))
    let last = history.workflowTask()
    history.completeUpdate("u1", accepted: accepted)
    history.completeWorkflow(after: last)
    return history.events
}

/// One way to break a history, and the words the first problem must contain.
enum Breakage: String, CaseIterable, CustomTestStringConvertible {
    case eventIDGap, firstEventNotStarted, secondStartedEvent, eventAfterClosing, twoClosingEvents, timeGoesBackward
    case workflowTaskStartedWithoutSchedule, workflowTaskStartedNamesWrongSchedule, eventInsideWorkflowTask
    case twoWorkflowTasksOutstanding, workflowTaskCompletedNamesWrongEvents, scheduleToStartTimeoutOfStartedTask
    case commandEventOutsideWorkflowTask, commandEventNamesOtherWorkflowTask, closingCommandNamesOtherWorkflowTask
    case activityClosedTwice, activityCompletedWithoutStarted, activityClosingNamesWrongStarted
    case activityStartedNamesTimer, startToCloseTimeoutWithoutStarted, activityCanceledWithoutRequest
    case activityScheduledTwiceWhileOpen, timerFiredTwice, timerFiredNamesNoTimer, timerFiredWithOtherID
    case timerStartedTwiceWhileRunning, childStartedWithoutInitiated, childClosedWithoutStarted
    case externalSignalResolvedTwice, updateCompletedForOtherUpdate, updateCompletedWithoutAccepted

    var testDescription: String { rawValue }

    var events: [HistoryEvent] {
        var history = HistoryBuilder.prefix()
        switch self {
        case .eventIDGap:
            var events = fullHistory()
            events.remove(at: 16)
            return events
        case .firstEventNotStarted:
            history = HistoryBuilder()
            _ = history.workflowTask()
        case .secondStartedEvent:
            history.start()
        case .eventAfterClosing:
            history.completeWorkflow(after: 4)
            history.signal()
        case .twoClosingEvents:
            history.completeWorkflow(after: 4)
            history.terminate()
        case .timeGoesBackward:
            var events = fullHistory()
            events[10].time = events[9].time + .nanoseconds(-1)
            return events
        case .workflowTaskStartedWithoutSchedule:
            _ = history.startWorkflowTask(2)
        case .workflowTaskStartedNamesWrongSchedule:
            _ = history.scheduleWorkflowTask()
            _ = history.startWorkflowTask(2)
        case .eventInsideWorkflowTask:
            _ = history.startWorkflowTask(history.scheduleWorkflowTask())
            history.signal()
        case .twoWorkflowTasksOutstanding:
            _ = history.scheduleWorkflowTask()
            _ = history.scheduleWorkflowTask()
        case .workflowTaskCompletedNamesWrongEvents:
            let scheduled = history.scheduleWorkflowTask()
            _ = history.startWorkflowTask(scheduled)
            _ = history.completeWorkflowTask(scheduled, scheduled)
        case .scheduleToStartTimeoutOfStartedTask:
            let scheduled = history.scheduleWorkflowTask()
            _ = history.startWorkflowTask(scheduled)
            history.timeOutWorkflowTask(scheduled, started: 0, .scheduleToStart)
        case .commandEventOutsideWorkflowTask:
            history.signal()
            _ = history.startTimer("late", after: 4)
        case .commandEventNamesOtherWorkflowTask:
            _ = history.startTimer("t", after: 2)
        case .closingCommandNamesOtherWorkflowTask:
            history.signal()
            history.completeWorkflow(after: 4)
        case .activityClosedTwice:
            let scheduled = history.scheduleActivity("a", after: 4)
            let started = history.startActivity(scheduled)
            history.completeActivity(scheduled, started: started)
            history.failActivity(scheduled, started: started)
        case .activityCompletedWithoutStarted:
            history.completeActivity(history.scheduleActivity("a", after: 4), started: 0)
        case .activityClosingNamesWrongStarted:
            let scheduled = history.scheduleActivity("a", after: 4)
            _ = history.startActivity(scheduled)
            history.completeActivity(scheduled, started: scheduled)
        case .activityStartedNamesTimer:
            _ = history.startActivity(history.startTimer("t", after: 4))
        case .startToCloseTimeoutWithoutStarted:
            history.timeOutActivity(history.scheduleActivity("a", after: 4), started: 0, .startToClose)
        case .activityCanceledWithoutRequest:
            let scheduled = history.scheduleActivity("a", after: 4)
            history.signal()
            history.cancelActivity(scheduled, requested: 0, started: 0)
        case .activityScheduledTwiceWhileOpen:
            _ = history.scheduleActivity("a", after: 4)
            _ = history.scheduleActivity("a", after: 4)
        case .timerFiredTwice:
            let started = history.startTimer("t", after: 4)
            history.fireTimer("t", started: started)
            history.fireTimer("t", started: started)
        case .timerFiredNamesNoTimer:
            history.fireTimer("t", started: 4)
        case .timerFiredWithOtherID:
            history.fireTimer("other", started: history.startTimer("t", after: 4))
        case .timerStartedTwiceWhileRunning:
            _ = history.startTimer("t", after: 4)
            _ = history.startTimer("t", after: 4)
        case .childStartedWithoutInitiated:
            _ = history.childStarted(3)
        case .childClosedWithoutStarted:
            history.childCompleted(history.initiateChild(after: 4), started: 0)
        case .externalSignalResolvedTwice:
            let initiated = history.initiateExternalSignal(after: 4)
            history.externalSignaled(initiated)
            history.externalSignaled(initiated)
        case .updateCompletedForOtherUpdate:
            history.completeUpdate("u2", accepted: history.acceptUpdate("u1"))
        case .updateCompletedWithoutAccepted:
            history.completeUpdate("u1", accepted: 4)
        }
        return history.events
    }

    var expected: String {
        switch self {
        case .eventIDGap: "event 18 (WorkflowExecutionSignaled): expected event id 17 (ids are dense from 1), found 18"
        case .firstEventNotStarted:
            "event 1 (WorkflowTaskScheduled): expected WorkflowExecutionStarted as the first event"
        case .secondStartedEvent:
            "event 5 (WorkflowExecutionStarted): WorkflowExecutionStarted may only be the first event"
        case .eventAfterClosing:
            "event 6 (WorkflowExecutionSignaled): follows the closing event 5 (WorkflowExecutionCompleted)"
        case .twoClosingEvents: "event 6 (WorkflowExecutionTerminated): follows the closing event 5"
        case .timeGoesBackward: "event 11 (ActivityTaskScheduled): time goes backward"
        case .workflowTaskStartedWithoutSchedule:
            "event 5 (WorkflowTaskStarted): expected a scheduled workflow task to start, found no outstanding workflow task"
        case .workflowTaskStartedNamesWrongSchedule:
            "expected scheduledEventID 5 (the scheduled workflow task), found 2"
        case .eventInsideWorkflowTask:
            "event 7 (WorkflowExecutionSignaled): comes between WorkflowTaskStarted 6 and the end of its workflow task"
        case .twoWorkflowTasksOutstanding:
            "event 6 (WorkflowTaskScheduled): a workflow task is scheduled while workflow task 5 (scheduled) is outstanding"
        case .workflowTaskCompletedNamesWrongEvents:
            "expected scheduledEventID 5 and startedEventID 6 (the started workflow task), found 5 and 5"
        case .scheduleToStartTimeoutOfStartedTask:
            "expected a scheduled workflow task to time out before starting, found workflow task 5 (started at event 6)"
        case .commandEventOutsideWorkflowTask:
            "event 6 (TimerStarted): a command event must directly follow a WorkflowTaskCompleted"
        case .commandEventNamesOtherWorkflowTask:
            "event 5 (TimerStarted): expected workflowTaskCompletedEventID 4 (the WorkflowTaskCompleted it follows), found 2"
        case .closingCommandNamesOtherWorkflowTask:
            "event 6 (WorkflowExecutionCompleted): names WorkflowTaskCompleted 4 but does not directly follow"
        case .activityClosedTwice:
            "event 8 (ActivityTaskFailed): the activity scheduled by event 5 already closed at event 7 (ActivityTaskCompleted)"
        case .activityCompletedWithoutStarted:
            "expected the activity scheduled by event 5 to have an ActivityTaskStarted first"
        case .activityClosingNamesWrongStarted:
            "expected startedEventID 6 (the activity's ActivityTaskStarted), found 5"
        case .activityStartedNamesTimer:
            "expected scheduledEventID to name an ActivityTaskScheduled, found event 5 (TimerStarted)"
        case .startToCloseTimeoutWithoutStarted:
            "event 6 (ActivityTaskTimedOut): expected the activity scheduled by event 5 to have an ActivityTaskStarted first"
        case .activityCanceledWithoutRequest:
            "expected latestCancelRequestedEventID to name an ActivityTaskCancelRequested of the activity scheduled by event 5, found no earlier event 0"
        case .activityScheduledTwiceWhileOpen: "activity id 'a' is already open (scheduled by event 5)"
        case .timerFiredTwice:
            "event 7 (TimerFired): the timer started by event 5 already ended at event 6 (TimerFired)"
        case .timerFiredNamesNoTimer:
            "expected startedEventID to name a TimerStarted, found event 4 (WorkflowTaskCompleted)"
        case .timerFiredWithOtherID: "expected timer id 't' (started by event 5), found 'other'"
        case .timerStartedTwiceWhileRunning: "timer id 't' is already running (started by event 5)"
        case .childStartedWithoutInitiated:
            "expected initiatedEventID to name a StartChildWorkflowExecutionInitiated, found event 3 (WorkflowTaskStarted)"
        case .childClosedWithoutStarted:
            "expected the child initiated by event 5 to have a ChildWorkflowExecutionStarted first"
        case .externalSignalResolvedTwice:
            "the request initiated by event 5 was already resolved at event 6 (ExternalWorkflowExecutionSignaled)"
        case .updateCompletedForOtherUpdate: "expected update id 'u1' (accepted by event 5), found 'u2'"
        case .updateCompletedWithoutAccepted:
            "expected acceptedEventID to name a WorkflowExecutionUpdateAccepted, found event 4 (WorkflowTaskCompleted)"
        }
    }
}

@Suite("History validator")
struct HistoryValidatorTests {
    @Test func wellFormedHistoryOfEveryKindOfEventHasNoProblems() {
        let events = fullHistory()
        #expect(Set(events.map(\.eventType)).count >= 28)
        #expect(HistoryValidator.problems(in: events) == [])
    }

    @Test func emptyHistoryHasNoProblems() {
        #expect(HistoryValidator.problems(in: []) == [])
    }

    @Test(arguments: Breakage.allCases)
    func brokenHistoryIsReported(_ breakage: Breakage) throws {
        let problems = HistoryValidator.problems(in: breakage.events)
        let first = try #require(problems.first, "\(breakage) was not reported")
        #expect(first.contains(breakage.expected), "\(breakage): \(problems)")
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        var events = fullHistory()
        events[5].time = events[4].time + .nanoseconds(-1)
        events[20].time = events[19].time + .nanoseconds(-1)
        let problems = HistoryValidator.problems(in: events)
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0.contains("time goes backward") })
    }

    @Test func historiesTheEngineWritesHaveNoProblems() async throws {
        let harness = try EngineHarness()
        let parent = try await harness.start("validated", type: "Order")
        let retry = RetryPolicy(initialInterval: .seconds(1), maximumAttempts: 3)
        try await harness.complete(
            try await harness.workflowTask(),
            [
                .scheduleActivityTask(.simple("charge", retry: retry)),
                .scheduleActivityTask(.simple("refund")),
                .startTimer(timerID: "nap", startToFireTimeout: .seconds(5)),
                .startTimer(timerID: "unused", startToFireTimeout: .seconds(500)),
                .recordMarker(name: "version", details: [:], failure: nil),
            ])
        let charge = try await harness.activityTask()
        try await harness.engine.failActivity(charge.taskToken, failure: .application("busy"))
        try await harness.engine.signal(execution: parent, SignalRequest(name: "change"))
        let refund = try #require(
            try harness.history(parent).first { event in
                if case .activityTaskScheduled(let scheduled) = event.attributes {
                    scheduled.activityID == "refund"
                } else {
                    false
                }
            })
        try await harness.complete(
            try await harness.workflowTask(),
            [
                .cancelTimer(timerID: "unused"), .requestCancelActivityTask(scheduledEventID: refund.eventID),
                .startChildWorkflowExecution(
                    StartChildWorkflow(workflowID: "validated-child", workflowType: "Shipping")),
            ])
        await harness.advance(by: .seconds(1))
        var retried = try await harness.activityTask()
        // The attempt is in flight across a crash.
        try await harness.crashAndReopen(.random(tearUnit: 512, garble: true))
        retried = try await harness.activityTask()
        try await harness.engine.completeActivity(retried.taskToken, result: [.text("paid")])
        await harness.advance(by: .seconds(5))
        let child = WorkflowExecution(workflowID: "validated-child", runID: "")
        for _ in 0..<10 {
            guard let task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .zero) else {
                await harness.engine.settle()
                continue
            }
            if task.execution.workflowID == child.workflowID {
                try await harness.complete(task, [.completeWorkflowExecution(result: [.text("shipped")])])
            } else if task.history.contains(where: { $0.eventType == .childWorkflowExecutionCompleted }) {
                try await harness.complete(task, [.completeWorkflowExecution(result: [])])
            } else {
                try await harness.complete(task, [])
            }
        }
        let parentEvents = try harness.history(parent)
        #expect(parentEvents.last?.eventType == .workflowExecutionCompleted)
        #expect(HistoryValidator.problems(in: parentEvents) == [])
        #expect(HistoryValidator.problems(in: try harness.engine.history(execution: child)) == [])
    }
}
