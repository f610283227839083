/// What a poller needs to build a workflow task once the started event is durable.
struct StartedWorkflowTask: Sendable {
    var token: TaskToken
    var namespace: String
    var execution: WorkflowExecution
    var workflowType: String
    var taskQueue: TaskQueue
    var attempt: Int32
    var previousStartedEventID: Int64
    var startedEventID: Int64
    /// The events after `previousStartedEventID` when the worker can use a partial history.
    var partialHistory: [HistoryEvent]?
    /// The whole history, when the run still holds every event in memory (its first workflow
    /// task): the poller then need not read it back from the log.
    var wholeHistory: [HistoryEvent]?
    var updates: [UpdateRequest]
    var scheduledTime: Timestamp
    var startedTime: Timestamp
}

extension Partition {
    /// Marks the run's scheduled workflow task started by a poller; nil when the task is no longer
    /// scheduled (it timed out, or the run closed), so the poller takes the next one.
    func startWorkflowTask(
        _ key: RunKey, scheduledEventID: Int64, identity: String, fromQueue queueName: String, in batch: Batch
    ) -> StartedWorkflowTask? {
        guard let run = runs[key], run.isOpen, var task = run.workflowTask,
            task.scheduledEventID == scheduledEventID, !task.isStarted, task.taskQueue.name == queueName
        else { return nil }
        let limits = core.options.limits
        let suggestContinueAsNew =
            run.historyLength * 5 >= Int64(limits.historyEventsMax) * 4
            || run.historySizeBytes * 5 >= Int64(limits.historyBytesMax) * 4
        let startedEventID = write(
            .workflowTaskStarted(
                WorkflowTaskStarted(
                    scheduledEventID: scheduledEventID, identity: identity, requestID: "",
                    suggestContinueAsNew: suggestContinueAsNew, historySizeBytes: run.historySizeBytes)),
            to: run, in: batch)
        task = run.workflowTask!
        schedule(
            Deadline(kind: .workflowTaskStartToClose, run: run, eventID: scheduledEventID, sequence: startedEventID),
            at: batch.now + task.timeout)
        var updates: [UpdateRequest] = []
        for id in run.updateOrder {
            guard var update = run.updates[id], update.acceptedEventID == 0, update.deliveredInTask == 0 else {
                continue
            }
            update.deliveredInTask = scheduledEventID
            run.updates[id] = update
            updates.append(update.request)
        }
        let sticky = task.taskQueue.kind == .sticky
        // Until a workflow task completes, the run's tail is its whole history.
        let isWholeTail = run.tail.count == run.historyLength && run.tail.first?.eventID == 1
        return StartedWorkflowTask(
            token: TaskToken(
                kind: .workflow, namespace: key.namespace, execution: key.execution,
                scheduledEventID: scheduledEventID, sequence: startedEventID),
            namespace: key.namespace, execution: key.execution, workflowType: run.started.workflowType,
            taskQueue: task.taskQueue, attempt: task.attempt,
            previousStartedEventID: run.lastCompletedStartedEventID, startedEventID: startedEventID,
            partialHistory: sticky ? run.tail : nil, wholeHistory: !sticky && isWholeTail ? run.tail : nil,
            updates: updates, scheduledTime: task.scheduledTime,
            startedTime: batch.now)
    }

    /// Checks a workflow task token against the run's running task and returns the run.
    func runningTask(_ token: TaskToken) throws(EngineError) -> (RunState, WorkflowTaskState) {
        let key = RunKey(namespace: token.namespace, execution: token.execution)
        guard let run = runs[key] else { throw EngineError(.notFound, "workflow execution \(key) not found") }
        guard run.isOpen else {
            throw EngineError(.notFound, "workflow execution \(key) already closed (\(run.status))")
        }
        guard let task = run.workflowTask, task.isStarted, task.scheduledEventID == token.scheduledEventID,
            task.startedEventID == token.sequence
        else {
            throw EngineError(
                .staleTaskToken,
                "workflow task \(token.scheduledEventID) of \(key) is no longer running (it timed out, failed or completed)"
            )
        }
        return (run, task)
    }

    /// Completes a running workflow task with the worker's commands.
    ///
    /// An invalid command fails the workflow task with a named cause (written to history, and a new
    /// task scheduled) and the worker gets an `.invalidArgument` error saying why.
    func completeWorkflowTask(
        _ token: TaskToken, commands: [Command], identity: String, sticky: StickyAttributes?, in batch: Batch
    ) throws(EngineError) {
        let (run, task) = try runningTask(token)
        if let (cause, message) = validate(commands, of: run) {
            failWorkflowTask(
                run, task: task, cause: cause, failure: .application(message), identity: identity, in: batch)
            batch.error = EngineError(.invalidArgument, "workflow task failed with \(cause): \(message)")
            return
        }
        let completedEventID = write(
            .workflowTaskCompleted(
                WorkflowTaskCompleted(
                    scheduledEventID: task.scheduledEventID, startedEventID: task.startedEventID, identity: identity,
                    binaryChecksum: "")),
            to: run, in: batch)
        run.stickyQueue = sticky
        var closing: Command?
        for command in commands {
            if command.isClosing {
                closing = command
                continue
            }
            apply(command, to: run, completedEventID: completedEventID, in: batch)
        }
        flushBuffered(run, in: batch)
        if let closing {
            apply(closing, to: run, completedEventID: completedEventID, in: batch)
        }
        if run.isOpen, needsWorkflowTask(run, since: completedEventID) {
            scheduleWorkflowTask(run, in: batch)
        }
    }

    /// True when something happened that the workflow has not seen: events after the completed
    /// task, or updates not delivered yet.
    func needsWorkflowTask(_ run: RunState, since completedEventID: Int64) -> Bool {
        if run.tail.contains(where: { $0.eventID > completedEventID && !$0.eventType.isCommandEvent }) { return true }
        return run.updateOrder.contains {
            run.updates[$0]?.acceptedEventID == 0 && run.updates[$0]?.deliveredInTask == 0
        }
    }

    /// Fails a running workflow task (a worker's report, or an invalid command), writes the buffered
    /// events, and schedules the next attempt.
    func failWorkflowTask(
        _ run: RunState, task: WorkflowTaskState, cause: WorkflowTaskFailedCause, failure: Failure?, identity: String,
        in batch: Batch
    ) {
        write(
            .workflowTaskFailed(
                WorkflowTaskFailed(
                    scheduledEventID: task.scheduledEventID, startedEventID: task.startedEventID, cause: cause,
                    failure: failure, identity: identity)),
            to: run, in: batch)
        flushBuffered(run, in: batch)
        scheduleRetriedWorkflowTask(run, in: batch)
    }

    /// Schedules the next workflow task after a failure or timeout: at once for the first retries,
    /// then with a backoff that doubles up to 10 minutes, so a worker that keeps failing does not spin.
    func scheduleRetriedWorkflowTask(_ run: RunState, in batch: Batch) {
        let attempt = run.workflowTaskAttempt
        if attempt <= 2 {
            scheduleWorkflowTask(run, in: batch)
            return
        }
        let seconds = min(Int64(1) << Int64(min(attempt - 3, 20)), 600)
        schedule(
            Deadline(kind: .workflowTaskBackoff, run: run, sequence: Int64(attempt)), at: batch.now + .seconds(seconds))
    }

    /// Fails a running workflow task as reported by the worker (for example a nondeterminism error).
    func failWorkflowTask(
        _ token: TaskToken, cause: WorkflowTaskFailedCause, failure: Failure?, identity: String, in batch: Batch
    ) throws(EngineError) {
        let (run, task) = try runningTask(token)
        failWorkflowTask(run, task: task, cause: cause, failure: failure, identity: identity, in: batch)
    }

    /// Handles a workflow task deadline.
    func workflowTaskTimedOut(_ deadline: Deadline, in batch: Batch) {
        guard let run = self.run(of: deadline) else { return }
        guard run.isOpen, let task = run.workflowTask, task.scheduledEventID == deadline.eventID else { return }
        switch deadline.kind {
        case .workflowTaskStartToClose:
            guard task.isStarted, task.startedEventID == deadline.sequence else { return }
            write(
                .workflowTaskTimedOut(
                    WorkflowTaskTimedOut(
                        scheduledEventID: task.scheduledEventID, startedEventID: task.startedEventID,
                        timeoutType: .startToClose)),
                to: run, in: batch)
            flushBuffered(run, in: batch)
            scheduleRetriedWorkflowTask(run, in: batch)
        case .workflowTaskScheduleToStart:
            // The sticky worker did not pick the task up: move it to the normal queue.
            guard !task.isStarted else { return }
            write(
                .workflowTaskTimedOut(
                    WorkflowTaskTimedOut(
                        scheduledEventID: task.scheduledEventID, startedEventID: 0, timeoutType: .scheduleToStart)),
                to: run, in: batch)
            run.stickyQueue = nil
            run.workflowTaskAttempt = 1
            scheduleWorkflowTask(run, in: batch)
        default:
            return
        }
    }
}

extension Command {
    /// True for the commands that close the run.
    var isClosing: Bool {
        switch self {
        case .completeWorkflowExecution, .failWorkflowExecution, .cancelWorkflowExecution,
            .continueAsNewWorkflowExecution:
            true
        default: false
        }
    }
}
