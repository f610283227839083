/// Checks that a run's history is well formed: the rules every history the engine writes must
/// follow, whatever the workflow did.
///
/// Tests and the simulation run every history through it, and a tool can check an imported history
/// with it before replaying it. It looks at the events alone, never at the engine's state.
public enum HistoryValidator {
    /// Returns what is wrong with `events` as one run's whole history, one human-readable problem per
    /// broken rule, in event order; empty when the history is well formed.
    ///
    /// The rules: event ids are dense from 1; `WorkflowExecutionStarted` comes first and only first;
    /// at most one closing event, and it is last; time never goes backward; workflow tasks go
    /// scheduled, started, then completed, failed or timed out, one at a time, with nothing between a
    /// started task and its end; command events directly follow the `WorkflowTaskCompleted` they came
    /// from; activities, timers, child workflows, external requests and updates are closed only after
    /// they were opened, at most once, and their closing events name the events that opened them.
    ///
    /// - Complexity: O(*n*) in the number of events.
    public static func problems(in events: [HistoryEvent]) -> [String] {
        var checker = HistoryChecker()
        for (index, event) in events.enumerated() {
            checker.check(event, position: Int64(index) + 1)
        }
        return checker.problems
    }
}

/// The state `HistoryValidator` carries from one event to the next.
private struct HistoryChecker {
    enum WorkflowTaskStage {
        case idle
        case scheduled(scheduledEventID: Int64)
        case started(scheduledEventID: Int64, startedEventID: Int64)
    }

    struct ActivityRecord {
        var activityID: String
        var startedEventID: Int64 = 0
        var closedEventID: Int64 = 0
        var cancelRequestedEventIDs: Set<Int64> = []
    }

    struct TimerRecord {
        var timerID: String
        var closedEventID: Int64 = 0
    }

    struct ChildRecord {
        var startedEventID: Int64 = 0
        var closedEventID: Int64 = 0
    }

    struct UpdateRecord {
        var updateID: String
        var completedEventID: Int64 = 0
    }

    var problems: [String] = []
    /// The type of every event seen, by event id, so references can name what they point at.
    var types: [Int64: EventType] = [:]
    var previous: HistoryEvent?
    var closingEventID: Int64 = 0
    var workflowTask = WorkflowTaskStage.idle
    /// The `WorkflowTaskCompleted` whose commands the events since it are; nil once another event came.
    var commandWindow: Int64?
    var activities: [Int64: ActivityRecord] = [:]
    var openActivityIDs: [String: Int64] = [:]
    var timers: [Int64: TimerRecord] = [:]
    var openTimerIDs: [String: Int64] = [:]
    var children: [Int64: ChildRecord] = [:]
    /// External cancel and signal requests by initiated event id, with the event that resolved each (or 0).
    var externalCancels: [Int64: Int64] = [:]
    var externalSignals: [Int64: Int64] = [:]
    var updates: [Int64: UpdateRecord] = [:]
    var acceptedUpdateIDs: [String: Int64] = [:]

    mutating func check(_ event: HistoryEvent, position: Int64) {
        let id = event.eventID
        if id != position {
            report(event, "expected event id \(position) (ids are dense from 1), found \(id)")
        }
        if let previous, event.time < previous.time {
            report(
                event,
                "time goes backward: \(event.time) is before \(previous.time) of event \(previous.eventID) (\(previous.eventType))"
            )
        }
        if closingEventID != 0 {
            report(event, "follows the closing event \(closingEventID) (\(name(closingEventID)))")
        }
        if position == 1, event.eventType != .workflowExecutionStarted {
            report(event, "expected WorkflowExecutionStarted as the first event")
        } else if position != 1, event.eventType == .workflowExecutionStarted {
            report(event, "WorkflowExecutionStarted may only be the first event")
        }
        if case .started(_, let startedEventID) = workflowTask {
            switch event.eventType {
            case .workflowTaskCompleted, .workflowTaskFailed, .workflowTaskTimedOut:
                break
            default:
                report(event, "comes between WorkflowTaskStarted \(startedEventID) and the end of its workflow task")
            }
        }
        checkCommandWindow(event)
        checkAttributes(event)
        if event.eventType.isClosing, closingEventID == 0 { closingEventID = id }
        types[id] = event.eventType
        previous = event
    }

    // MARK: - Command events

    /// Checks that a command event belongs to the commands of the `WorkflowTaskCompleted` just
    /// before it, and moves the window of commands on.
    mutating func checkCommandWindow(_ event: HistoryEvent) {
        let type = event.eventType
        if type.isCommandEvent, !type.isClosing, commandWindow == nil {
            report(event, "a command event must directly follow a WorkflowTaskCompleted and its other command events")
        }
        if let completedEventID = completedEventID(of: event.attributes) {
            if let commandWindow, completedEventID != commandWindow {
                report(
                    event,
                    "expected workflowTaskCompletedEventID \(commandWindow) (the WorkflowTaskCompleted it follows), found \(completedEventID)"
                )
            } else if commandWindow == nil, type.isClosing, completedEventID != 0 {
                report(
                    event,
                    "names WorkflowTaskCompleted \(completedEventID) but does not directly follow that task's commands")
            }
        }
        if type == .workflowTaskCompleted {
            commandWindow = event.eventID
        } else if type.isCommandEvent {
            // The window stays open.
        } else if case .activityTaskCanceled(let canceled) = event.attributes, commandWindow != nil,
            canceled.startedEventID == 0, canceled.latestCancelRequestedEventID == previous?.eventID
        {
            // Canceling an activity no worker holds closes it at once, among the task's commands.
        } else {
            commandWindow = nil
        }
    }

    /// The `workflowTaskCompletedEventID` of attributes that have one and must name the task they came from.
    func completedEventID(of attributes: EventAttributes) -> Int64? {
        switch attributes {
        case .activityTaskScheduled(let value): value.workflowTaskCompletedEventID
        case .activityTaskCancelRequested(let value): value.workflowTaskCompletedEventID
        case .timerStarted(let value): value.workflowTaskCompletedEventID
        case .timerCanceled(let value): value.workflowTaskCompletedEventID
        case .markerRecorded(let value): value.workflowTaskCompletedEventID
        case .startChildWorkflowExecutionInitiated(let value): value.workflowTaskCompletedEventID
        case .requestCancelExternalWorkflowExecutionInitiated(let value): value.workflowTaskCompletedEventID
        case .signalExternalWorkflowExecutionInitiated(let value): value.workflowTaskCompletedEventID
        case .upsertWorkflowSearchAttributes(let value): value.workflowTaskCompletedEventID
        case .workflowPropertiesModified(let value): value.workflowTaskCompletedEventID
        case .workflowExecutionCompleted(let value): value.workflowTaskCompletedEventID
        case .workflowExecutionCanceled(let value): value.workflowTaskCompletedEventID
        case .workflowExecutionContinuedAsNew(let value): value.workflowTaskCompletedEventID
        // The engine fails a run on its own too (a run timeout), with no workflow task to name.
        case .workflowExecutionFailed(let value):
            value.workflowTaskCompletedEventID == 0 ? nil : value.workflowTaskCompletedEventID
        default: nil
        }
    }

    // MARK: - Per event type

    mutating func checkAttributes(_ event: HistoryEvent) {
        switch event.attributes {
        case .workflowTaskScheduled:
            if case .idle = workflowTask {
            } else {
                report(event, "a workflow task is scheduled while \(describe(workflowTask)) is outstanding")
            }
            workflowTask = .scheduled(scheduledEventID: event.eventID)
        case .workflowTaskStarted(let started):
            if case .scheduled(let scheduledEventID) = workflowTask {
                if started.scheduledEventID != scheduledEventID {
                    report(
                        event,
                        "expected scheduledEventID \(scheduledEventID) (the scheduled workflow task), found \(started.scheduledEventID)"
                    )
                }
            } else {
                report(event, "expected a scheduled workflow task to start, found \(describe(workflowTask))")
            }
            workflowTask = .started(scheduledEventID: started.scheduledEventID, startedEventID: event.eventID)
        case .workflowTaskCompleted(let completed):
            endStartedWorkflowTask(event, completed.scheduledEventID, completed.startedEventID)
        case .workflowTaskFailed(let failed):
            endStartedWorkflowTask(event, failed.scheduledEventID, failed.startedEventID)
        case .workflowTaskTimedOut(let timedOut):
            checkWorkflowTaskTimedOut(event, timedOut)
        case .activityTaskScheduled(let scheduled):
            if let open = openActivityIDs[scheduled.activityID] {
                report(event, "activity id '\(scheduled.activityID)' is already open (scheduled by event \(open))")
            }
            activities[event.eventID] = ActivityRecord(activityID: scheduled.activityID)
            openActivityIDs[scheduled.activityID] = event.eventID
        case .activityTaskStarted(let started):
            guard var activity = openActivity(event, started.scheduledEventID) else { return }
            if activity.startedEventID != 0 {
                report(
                    event,
                    "the activity scheduled by event \(started.scheduledEventID) already started at event \(activity.startedEventID)"
                )
            }
            activity.startedEventID = event.eventID
            activities[started.scheduledEventID] = activity
        case .activityTaskCancelRequested(let requested):
            guard var activity = openActivity(event, requested.scheduledEventID) else { return }
            activity.cancelRequestedEventIDs.insert(event.eventID)
            activities[requested.scheduledEventID] = activity
        case .activityTaskCompleted(let closed):
            closeActivity(event, closed.scheduledEventID, startedEventID: closed.startedEventID, mayBeUnstarted: false)
        case .activityTaskFailed(let closed):
            closeActivity(event, closed.scheduledEventID, startedEventID: closed.startedEventID, mayBeUnstarted: false)
        case .activityTaskTimedOut(let closed):
            // Only an attempt no worker holds times out without a started event.
            var unstarted = false
            if case .timeout(let type, _) = closed.failure.info {
                unstarted = type == .scheduleToStart || type == .scheduleToClose
            }
            closeActivity(
                event, closed.scheduledEventID, startedEventID: closed.startedEventID, mayBeUnstarted: unstarted)
        case .activityTaskCanceled(let closed):
            checkActivityCanceled(event, closed)
        case .timerStarted(let started):
            if let open = openTimerIDs[started.timerID] {
                report(event, "timer id '\(started.timerID)' is already running (started by event \(open))")
            }
            if started.startToFireTimeout <= .zero {
                report(event, "expected a positive startToFireTimeout, found \(started.startToFireTimeout)")
            }
            timers[event.eventID] = TimerRecord(timerID: started.timerID)
            openTimerIDs[started.timerID] = event.eventID
        case .timerFired(let fired):
            closeTimer(event, fired.startedEventID, timerID: fired.timerID)
        case .timerCanceled(let canceled):
            closeTimer(event, canceled.startedEventID, timerID: canceled.timerID)
        case .startChildWorkflowExecutionInitiated:
            children[event.eventID] = ChildRecord()
        case .startChildWorkflowExecutionFailed(let failed):
            guard var child = openChild(event, failed.initiatedEventID) else { return }
            if child.startedEventID != 0 {
                report(
                    event,
                    "the child initiated by event \(failed.initiatedEventID) already started at event \(child.startedEventID)"
                )
            }
            child.closedEventID = event.eventID
            children[failed.initiatedEventID] = child
        case .childWorkflowExecutionStarted(let started):
            guard var child = openChild(event, started.initiatedEventID) else { return }
            if child.startedEventID != 0 {
                report(
                    event,
                    "the child initiated by event \(started.initiatedEventID) already started at event \(child.startedEventID)"
                )
            }
            child.startedEventID = event.eventID
            children[started.initiatedEventID] = child
        case .childWorkflowExecutionCompleted(let closed):
            closeChild(event, closed.initiatedEventID, startedEventID: closed.startedEventID)
        case .childWorkflowExecutionFailed(let closed):
            closeChild(event, closed.initiatedEventID, startedEventID: closed.startedEventID)
        case .childWorkflowExecutionCanceled(let closed):
            closeChild(event, closed.initiatedEventID, startedEventID: closed.startedEventID)
        case .childWorkflowExecutionTimedOut(let closed):
            closeChild(event, closed.initiatedEventID, startedEventID: closed.startedEventID)
        case .childWorkflowExecutionTerminated(let closed):
            closeChild(event, closed.initiatedEventID, startedEventID: closed.startedEventID)
        case .requestCancelExternalWorkflowExecutionInitiated:
            externalCancels[event.eventID] = 0
        case .requestCancelExternalWorkflowExecutionFailed(let failed):
            resolveExternal(event, failed.initiatedEventID, isSignal: false)
        case .externalWorkflowExecutionCancelRequested(let requested):
            resolveExternal(event, requested.initiatedEventID, isSignal: false)
        case .signalExternalWorkflowExecutionInitiated:
            externalSignals[event.eventID] = 0
        case .signalExternalWorkflowExecutionFailed(let failed):
            resolveExternal(event, failed.initiatedEventID, isSignal: true)
        case .externalWorkflowExecutionSignaled(let signaled):
            resolveExternal(event, signaled.initiatedEventID, isSignal: true)
        case .workflowExecutionUpdateAccepted(let accepted):
            let updateID = accepted.acceptedRequest.updateID
            if let earlier = acceptedUpdateIDs[updateID] {
                report(event, "update '\(updateID)' was already accepted at event \(earlier)")
            }
            updates[event.eventID] = UpdateRecord(updateID: updateID)
            acceptedUpdateIDs[updateID] = event.eventID
        case .workflowExecutionUpdateCompleted(let completed):
            checkUpdateCompleted(event, completed)
        case .workflowExecutionStarted, .workflowExecutionCompleted, .workflowExecutionFailed,
            .workflowExecutionTimedOut,
            .workflowExecutionCanceled, .workflowExecutionTerminated, .workflowExecutionContinuedAsNew,
            .workflowExecutionCancelRequested, .workflowExecutionSignaled, .markerRecorded,
            .upsertWorkflowSearchAttributes, .workflowPropertiesModified:
            break
        }
    }

    // MARK: - Workflow tasks

    mutating func endStartedWorkflowTask(_ event: HistoryEvent, _ scheduledEventID: Int64, _ startedEventID: Int64) {
        if case .started(let expectedScheduled, let expectedStarted) = workflowTask {
            if scheduledEventID != expectedScheduled || startedEventID != expectedStarted {
                report(
                    event,
                    "expected scheduledEventID \(expectedScheduled) and startedEventID \(expectedStarted) (the started workflow task), found \(scheduledEventID) and \(startedEventID)"
                )
            }
        } else {
            report(event, "expected a started workflow task to end, found \(describe(workflowTask))")
        }
        workflowTask = .idle
    }

    mutating func checkWorkflowTaskTimedOut(_ event: HistoryEvent, _ timedOut: WorkflowTaskTimedOut) {
        guard timedOut.startedEventID == 0 else {
            if timedOut.timeoutType != .startToClose {
                report(
                    event,
                    "expected a started workflow task to time out StartToClose, found \(timedOut.timeoutType.name)")
            }
            endStartedWorkflowTask(event, timedOut.scheduledEventID, timedOut.startedEventID)
            return
        }
        if timedOut.timeoutType != .scheduleToStart {
            report(
                event,
                "expected a workflow task that never started to time out ScheduleToStart, found \(timedOut.timeoutType.name)"
            )
        }
        if case .scheduled(let scheduledEventID) = workflowTask {
            if timedOut.scheduledEventID != scheduledEventID {
                report(
                    event,
                    "expected scheduledEventID \(scheduledEventID) (the scheduled workflow task), found \(timedOut.scheduledEventID)"
                )
            }
        } else {
            report(
                event, "expected a scheduled workflow task to time out before starting, found \(describe(workflowTask))"
            )
        }
        workflowTask = .idle
    }

    func describe(_ stage: WorkflowTaskStage) -> String {
        switch stage {
        case .idle: "no outstanding workflow task"
        case .scheduled(let scheduledEventID): "workflow task \(scheduledEventID) (scheduled)"
        case .started(let scheduledEventID, let startedEventID):
            "workflow task \(scheduledEventID) (started at event \(startedEventID))"
        }
    }

    // MARK: - Activities

    /// The activity scheduled by `scheduledEventID` when it is open; reports and returns nil otherwise.
    mutating func openActivity(_ event: HistoryEvent, _ scheduledEventID: Int64) -> ActivityRecord? {
        guard let activity = activities[scheduledEventID] else {
            report(
                event,
                "expected scheduledEventID to name an ActivityTaskScheduled, found \(reference(scheduledEventID))")
            return nil
        }
        if activity.closedEventID != 0 {
            report(
                event,
                "the activity scheduled by event \(scheduledEventID) already closed at event \(activity.closedEventID) (\(name(activity.closedEventID)))"
            )
            return nil
        }
        return activity
    }

    mutating func closeActivity(
        _ event: HistoryEvent, _ scheduledEventID: Int64, startedEventID: Int64, mayBeUnstarted: Bool
    ) {
        guard var activity = openActivity(event, scheduledEventID) else { return }
        if activity.startedEventID != 0 {
            if startedEventID != activity.startedEventID {
                report(
                    event,
                    "expected startedEventID \(activity.startedEventID) (the activity's ActivityTaskStarted), found \(startedEventID)"
                )
            }
        } else if !mayBeUnstarted {
            report(
                event,
                "expected the activity scheduled by event \(scheduledEventID) to have an ActivityTaskStarted first")
        } else if startedEventID != 0 {
            report(event, "expected startedEventID 0 for an activity that never started, found \(startedEventID)")
        }
        activity.closedEventID = event.eventID
        activities[scheduledEventID] = activity
        openActivityIDs[activity.activityID] = nil
    }

    mutating func checkActivityCanceled(_ event: HistoryEvent, _ canceled: ActivityTaskCanceled) {
        guard let activity = activities[canceled.scheduledEventID], activity.closedEventID == 0 else {
            closeActivity(
                event, canceled.scheduledEventID, startedEventID: canceled.startedEventID, mayBeUnstarted: true)
            return
        }
        if !activity.cancelRequestedEventIDs.contains(canceled.latestCancelRequestedEventID) {
            report(
                event,
                "expected latestCancelRequestedEventID to name an ActivityTaskCancelRequested of the activity scheduled by event \(canceled.scheduledEventID), found \(reference(canceled.latestCancelRequestedEventID))"
            )
        }
        closeActivity(event, canceled.scheduledEventID, startedEventID: canceled.startedEventID, mayBeUnstarted: true)
    }

    // MARK: - Timers, children, external requests, updates

    mutating func closeTimer(_ event: HistoryEvent, _ startedEventID: Int64, timerID: String) {
        guard var timer = timers[startedEventID] else {
            report(event, "expected startedEventID to name a TimerStarted, found \(reference(startedEventID))")
            return
        }
        if timer.timerID != timerID {
            report(
                event, "expected timer id '\(timer.timerID)' (started by event \(startedEventID)), found '\(timerID)'")
        }
        if timer.closedEventID != 0 {
            report(
                event,
                "the timer started by event \(startedEventID) already ended at event \(timer.closedEventID) (\(name(timer.closedEventID)))"
            )
            return
        }
        timer.closedEventID = event.eventID
        timers[startedEventID] = timer
        if openTimerIDs[timer.timerID] == startedEventID { openTimerIDs[timer.timerID] = nil }
    }

    /// The child initiated by `initiatedEventID` when it has not closed; reports and returns nil otherwise.
    mutating func openChild(_ event: HistoryEvent, _ initiatedEventID: Int64) -> ChildRecord? {
        guard let child = children[initiatedEventID] else {
            report(
                event,
                "expected initiatedEventID to name a StartChildWorkflowExecutionInitiated, found \(reference(initiatedEventID))"
            )
            return nil
        }
        if child.closedEventID != 0 {
            report(
                event,
                "the child initiated by event \(initiatedEventID) already closed at event \(child.closedEventID) (\(name(child.closedEventID)))"
            )
            return nil
        }
        return child
    }

    mutating func closeChild(_ event: HistoryEvent, _ initiatedEventID: Int64, startedEventID: Int64) {
        guard var child = openChild(event, initiatedEventID) else { return }
        if child.startedEventID == 0 {
            report(
                event,
                "expected the child initiated by event \(initiatedEventID) to have a ChildWorkflowExecutionStarted first"
            )
        } else if startedEventID != child.startedEventID {
            report(
                event,
                "expected startedEventID \(child.startedEventID) (the child's ChildWorkflowExecutionStarted), found \(startedEventID)"
            )
        }
        child.closedEventID = event.eventID
        children[initiatedEventID] = child
    }

    /// Resolves an external signal (`isSignal`) or cancel request once.
    mutating func resolveExternal(_ event: HistoryEvent, _ initiatedEventID: Int64, isSignal: Bool) {
        let expected: EventType =
            isSignal ? .signalExternalWorkflowExecutionInitiated : .requestCancelExternalWorkflowExecutionInitiated
        guard let resolved = isSignal ? externalSignals[initiatedEventID] : externalCancels[initiatedEventID] else {
            report(
                event,
                "expected initiatedEventID to name a \(expected), found \(reference(initiatedEventID))"
            )
            return
        }
        if resolved != 0 {
            report(
                event,
                "the request initiated by event \(initiatedEventID) was already resolved at event \(resolved) (\(name(resolved)))"
            )
            return
        }
        if isSignal {
            externalSignals[initiatedEventID] = event.eventID
        } else {
            externalCancels[initiatedEventID] = event.eventID
        }
    }

    mutating func checkUpdateCompleted(_ event: HistoryEvent, _ completed: WorkflowExecutionUpdateCompleted) {
        guard var update = updates[completed.acceptedEventID] else {
            report(
                event,
                "expected acceptedEventID to name a WorkflowExecutionUpdateAccepted, found \(reference(completed.acceptedEventID))"
            )
            return
        }
        if update.updateID != completed.updateID {
            report(
                event,
                "expected update id '\(update.updateID)' (accepted by event \(completed.acceptedEventID)), found '\(completed.updateID)'"
            )
        }
        if update.completedEventID != 0 {
            report(event, "update '\(update.updateID)' already completed at event \(update.completedEventID)")
            return
        }
        update.completedEventID = event.eventID
        updates[completed.acceptedEventID] = update
    }

    // MARK: - Reporting

    mutating func report(_ event: HistoryEvent, _ problem: String) {
        problems.append("event \(event.eventID) (\(event.eventType)): \(problem)")
    }

    func name(_ eventID: Int64) -> String { types[eventID].map { "\($0)" } ?? "unknown" }

    /// Names what an event id refers to, for messages: "event 7 (TimerStarted)" or "no earlier event 7".
    func reference(_ eventID: Int64) -> String {
        guard let type = types[eventID] else { return "no earlier event \(eventID)" }
        return "event \(eventID) (\(type))"
    }
}
