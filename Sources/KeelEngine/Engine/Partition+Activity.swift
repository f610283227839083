import KeelLog

extension Partition {
    /// The retry policy an activity gets when its command sets none (Temporal's default).
    static let defaultActivityRetryPolicy = RetryPolicy(
        initialInterval: .seconds(1), backoffCoefficient: 2.0, maximumInterval: .seconds(100), maximumAttempts: 0)

    func scheduleActivity(_ command: ScheduleActivityTask, run: RunState, completedEventID: Int64, in batch: Batch) {
        let scheduleToClose = command.scheduleToCloseTimeout
        let startToClose = command.startToCloseTimeout ?? scheduleToClose
        let scheduleToStart = command.scheduleToStartTimeout ?? scheduleToClose
        let queue = command.taskQueue.isEmpty ? run.started.taskQueue.name : command.taskQueue
        let attributes = ActivityTaskScheduled(
            activityID: command.activityID, activityType: command.activityType, taskQueue: TaskQueue(name: queue),
            header: command.header, input: command.input, scheduleToCloseTimeout: scheduleToClose,
            scheduleToStartTimeout: scheduleToStart, startToCloseTimeout: startToClose,
            heartbeatTimeout: command.heartbeatTimeout,
            workflowTaskCompletedEventID: completedEventID,
            retryPolicy: command.retryPolicy ?? Self.defaultActivityRetryPolicy)
        let scheduledEventID = write(.activityTaskScheduled(attributes), to: run, in: batch)
        guard let activity = run.activities[scheduledEventID] else { return }
        armActivity(run, activity, now: batch.now)
        offerActivityTask(run, activity: activity, in: batch)
    }

    /// Sets the deadlines of an activity's current attempt that runs before a worker takes it.
    func armActivity(_ run: RunState, _ activity: ActivityState, now: Timestamp) {
        if let timeout = activity.attributes.scheduleToCloseTimeout {
            schedule(
                Deadline(kind: .activityScheduleToClose, run: run, eventID: activity.scheduledEventID),
                at: activity.scheduledTime + timeout)
        }
        if let timeout = activity.attributes.scheduleToStartTimeout {
            schedule(
                Deadline(
                    kind: .activityScheduleToStart, run: run, eventID: activity.scheduledEventID,
                    sequence: Int64(activity.attempt)),
                at: activity.attemptScheduledTime + timeout)
        }
    }

    func requestCancelActivity(_ scheduledEventID: Int64, run: RunState, completedEventID: Int64, in batch: Batch) {
        guard let activity = run.activities[scheduledEventID] else { return }
        let requestedEventID = write(
            .activityTaskCancelRequested(
                ActivityTaskCancelRequested(
                    scheduledEventID: scheduledEventID, workflowTaskCompletedEventID: completedEventID)),
            to: run, in: batch)
        if !activity.isStarted {
            // No worker holds it: it is canceled at once, as Temporal does.
            write(
                .activityTaskCanceled(
                    ActivityTaskCanceled(
                        details: [], latestCancelRequestedEventID: requestedEventID,
                        scheduledEventID: scheduledEventID, startedEventID: 0, identity: "")),
                to: run, in: batch)
        }
    }

    /// Hands the current attempt of an activity to a poller; nil when it is no longer waiting.
    func startActivity(
        _ key: RunKey, scheduledEventID: Int64, attempt: Int32, identity: String, now: Timestamp
    ) -> ActivityTask? {
        lock.withLock { () -> ActivityTask? in
            guard let run = runs[key], run.isOpen, var activity = run.activities[scheduledEventID],
                activity.attempt == attempt, !activity.isStarted, activity.retryTime == nil,
                activity.cancelRequestedEventID == 0 || activity.isStarted
            else { return nil }
            activity.startedTime = now
            activity.startedIdentity = identity
            run.activities[scheduledEventID] = activity
            let attributes = activity.attributes
            if let timeout = attributes.startToCloseTimeout {
                schedule(
                    Deadline(
                        kind: .activityStartToClose, run: run, eventID: scheduledEventID, sequence: Int64(attempt)),
                    at: now + timeout)
            }
            if let timeout = attributes.heartbeatTimeout {
                schedule(
                    Deadline(
                        kind: .activityHeartbeat, run: run, eventID: scheduledEventID,
                        sequence: Int64(attempt) << 32),
                    at: now + timeout)
            }
            return ActivityTask(
                taskToken: TaskToken(
                    kind: .activity, namespace: key.namespace, execution: key.execution,
                    scheduledEventID: scheduledEventID, sequence: Int64(attempt)),
                namespace: key.namespace, workflowExecution: key.execution, workflowType: run.started.workflowType,
                activityID: attributes.activityID, activityType: attributes.activityType,
                taskQueue: attributes.taskQueue.name, input: attributes.input, header: attributes.header,
                attempt: attempt, heartbeatDetails: activity.heartbeatDetails, scheduledTime: activity.scheduledTime,
                currentAttemptScheduledTime: activity.attemptScheduledTime, startedTime: now,
                scheduleToCloseTimeout: attributes.scheduleToCloseTimeout,
                startToCloseTimeout: attributes.startToCloseTimeout, heartbeatTimeout: attributes.heartbeatTimeout,
                retryPolicy: attributes.retryPolicy)
        }
    }

    /// Checks an activity token against the run's running attempt.
    func runningActivity(_ token: TaskToken) throws(EngineError) -> (RunState, ActivityState) {
        let key = RunKey(namespace: token.namespace, execution: token.execution)
        guard let run = runs[key] else { throw EngineError(.notFound, "workflow execution \(key) not found") }
        guard run.isOpen else {
            throw EngineError(.notFound, "workflow execution \(key) already closed (\(run.status))")
        }
        guard let activity = run.activities[token.scheduledEventID] else {
            throw EngineError(
                .notFound, "activity scheduled by event \(token.scheduledEventID) of \(key) is no longer pending")
        }
        guard Int64(activity.attempt) == token.sequence, activity.isStarted else {
            throw EngineError(
                .staleTaskToken,
                "activity \(activity.attributes.activityID) of \(key): attempt \(token.sequence) is no longer running (current attempt \(activity.attempt))"
            )
        }
        return (run, activity)
    }

    /// Records a heartbeat; returns true when the workflow asked to cancel the activity.
    func heartbeat(_ token: TaskToken, details: [Payload], now: Timestamp) throws(EngineError) -> Bool {
        try lock.withLock { () throws(EngineError) -> Bool in
            let (run, activity) = try runningActivity(token)
            if let problem = checkPayloads(details, "heartbeat details") {
                throw EngineError(.limitExceeded, problem)
            }
            var updated = activity
            updated.heartbeatDetails = details
            updated.lastHeartbeatTime = now
            run.activities[activity.scheduledEventID] = updated
            if let timeout = activity.attributes.heartbeatTimeout {
                schedule(
                    Deadline(
                        kind: .activityHeartbeat, run: run, eventID: activity.scheduledEventID,
                        sequence: Int64(activity.attempt) << 32 | Int64(now.rawValue & 0xFFFF_FFFF)),
                    at: now + timeout)
            }
            return activity.cancelRequestedEventID != 0
        }
    }

    /// Writes the started event of an activity that is about to close (Temporal writes it then).
    private func writeActivityStarted(_ activity: ActivityState, run: RunState, in batch: Batch) {
        emit(
            .activityTaskStarted(
                ActivityTaskStarted(
                    scheduledEventID: activity.scheduledEventID, identity: activity.startedIdentity, requestID: "",
                    attempt: activity.attempt, lastFailure: activity.lastFailure)),
            to: run, in: batch)
    }

    /// The started event id an activity's closing event refers to: the event just written or buffered.
    private func startedEventID(of run: RunState) -> Int64 {
        run.workflowTask?.isStarted == true ? 0 : run.nextEventID - 1
    }

    func completeActivity(_ token: TaskToken, result: [Payload], identity: String, in batch: Batch) throws(EngineError)
    {
        let (run, activity) = try runningActivity(token)
        if let problem = checkPayloads(result, "activity result") { throw EngineError(.limitExceeded, problem) }
        writeActivityStarted(activity, run: run, in: batch)
        emit(
            .activityTaskCompleted(
                ActivityTaskCompleted(
                    result: result, scheduledEventID: activity.scheduledEventID,
                    startedEventID: startedEventID(of: run), identity: identity)),
            to: run, in: batch)
        run.activities[activity.scheduledEventID] = nil
        run.activityIDs[activity.attributes.activityID] = nil
        scheduleWorkflowTask(run, in: batch)
    }

    func failActivity(
        _ token: TaskToken, failure: Failure, lastHeartbeatDetails: [Payload]?, identity: String, in batch: Batch
    ) throws(EngineError) {
        let (run, activity) = try runningActivity(token)
        if let problem = checkFailure(failure) { throw EngineError(.limitExceeded, problem) }
        var current = activity
        if let lastHeartbeatDetails { current.heartbeatDetails = lastHeartbeatDetails }
        current.startedIdentity = identity
        run.activities[activity.scheduledEventID] = current
        retryOrClose(run, current, failure: failure, timeout: nil, in: batch)
    }

    func reportActivityCanceled(_ token: TaskToken, details: [Payload], identity: String, in batch: Batch)
        throws(EngineError)
    {
        let (run, activity) = try runningActivity(token)
        guard activity.cancelRequestedEventID != 0 else {
            throw EngineError(
                .failedPrecondition,
                "activity \(activity.attributes.activityID) of \(run.key) was not asked to cancel; report a failure instead"
            )
        }
        writeActivityStarted(activity, run: run, in: batch)
        emit(
            .activityTaskCanceled(
                ActivityTaskCanceled(
                    details: details, latestCancelRequestedEventID: activity.cancelRequestedEventID,
                    scheduledEventID: activity.scheduledEventID, startedEventID: startedEventID(of: run),
                    identity: identity)),
            to: run, in: batch)
        run.activities[activity.scheduledEventID] = nil
        run.activityIDs[activity.attributes.activityID] = nil
        scheduleWorkflowTask(run, in: batch)
    }

    /// Retries a failed or timed-out attempt as the retry policy says, or closes the activity.
    func retryOrClose(
        _ run: RunState, _ activity: ActivityState, failure: Failure, timeout: TimeoutType?, in batch: Batch
    ) {
        let policy = activity.attributes.retryPolicy ?? Self.defaultActivityRetryPolicy
        var retryState = policy.refusal(of: failure, afterAttempt: activity.attempt)
        let retryable: Bool
        switch timeout {
        case .scheduleToStart?, .scheduleToClose?: retryable = false
        default: retryable = true
        }
        if !retryable { retryState = .timeout }
        var delay: Duration = .zero
        if retryState == nil {
            delay = policy.delay(afterAttempt: activity.attempt)
            if activity.cancelRequestedEventID != 0 {
                retryState = .cancelRequested
            } else if let scheduleToClose = activity.attributes.scheduleToCloseTimeout,
                batch.now + delay >= activity.scheduledTime + scheduleToClose
            {
                retryState = .timeout
            }
        }
        if retryState == nil {
            var next = activity
            next.attempt += 1
            next.startedTime = nil
            next.lastFailure = failure
            next.retryTime = batch.now + delay
            let record = ActivityAttemptRecord(
                scheduledEventID: activity.scheduledEventID, attempt: next.attempt, retryTime: batch.now + delay,
                lastFailure: failure, heartbeatDetails: next.heartbeatDetails)
            next.lastAttempt = record
            run.activities[activity.scheduledEventID] = next
            batch.records.append(LogRecord(stream: run.stream, payload: record.encode()))
            schedule(
                Deadline(
                    kind: .activityRetry, run: run, eventID: activity.scheduledEventID, sequence: Int64(next.attempt)),
                at: batch.now + delay)
            return
        }
        if activity.isStarted { writeActivityStarted(activity, run: run, in: batch) }
        let startedEventID = activity.isStarted ? startedEventID(of: run) : 0
        if timeout != nil {
            emit(
                .activityTaskTimedOut(
                    ActivityTaskTimedOut(
                        failure: failure, scheduledEventID: activity.scheduledEventID, startedEventID: startedEventID,
                        retryState: retryState ?? .timeout)),
                to: run, in: batch)
        } else {
            emit(
                .activityTaskFailed(
                    ActivityTaskFailed(
                        failure: failure, scheduledEventID: activity.scheduledEventID, startedEventID: startedEventID,
                        identity: activity.startedIdentity, retryState: retryState ?? .nonRetryableFailure)),
                to: run, in: batch)
        }
        run.activities[activity.scheduledEventID] = nil
        run.activityIDs[activity.attributes.activityID] = nil
        scheduleWorkflowTask(run, in: batch)
    }

    /// Handles an activity deadline.
    func activityDeadline(_ deadline: Deadline, in batch: Batch) {
        guard let run = self.run(of: deadline) else { return }
        guard run.isOpen, let activity = run.activities[deadline.eventID] else { return }
        let attempt = Int64(activity.attempt)
        let timeoutType: TimeoutType
        switch deadline.kind {
        case .activityRetry:
            guard deadline.sequence == attempt, activity.retryTime != nil else { return }
            var next = activity
            next.retryTime = nil
            next.attemptScheduledTime = batch.now
            run.activities[activity.scheduledEventID] = next
            if let timeout = next.attributes.scheduleToStartTimeout {
                schedule(
                    Deadline(
                        kind: .activityScheduleToStart, run: run, eventID: next.scheduledEventID, sequence: attempt),
                    at: batch.now + timeout)
            }
            offerActivityTask(run, activity: next, in: batch)
            return
        case .activityScheduleToStart:
            guard deadline.sequence == attempt, !activity.isStarted, activity.retryTime == nil else { return }
            timeoutType = .scheduleToStart
        case .activityStartToClose:
            guard deadline.sequence == attempt, activity.isStarted else { return }
            timeoutType = .startToClose
        case .activityHeartbeat:
            guard deadline.sequence >> 32 == attempt, activity.isStarted else { return }
            let beat = activity.lastHeartbeatTime.map { Int64($0.rawValue & 0xFFFF_FFFF) } ?? 0
            guard deadline.sequence & 0xFFFF_FFFF == beat else { return }
            timeoutType = .heartbeat
        case .activityScheduleToClose:
            timeoutType = .scheduleToClose
        default:
            return
        }
        let failure = Failure(
            message: "activity \(timeoutType.name) timeout",
            info: .timeout(type: timeoutType, lastHeartbeatDetails: activity.heartbeatDetails))
        retryOrClose(run, activity, failure: failure, timeout: timeoutType, in: batch)
    }
}

extension TimeoutType {
    /// Temporal's name for the timeout, e.g. "StartToClose".
    public var name: String {
        switch self {
        case .unspecified: "Unspecified"
        case .startToClose: "StartToClose"
        case .scheduleToStart: "ScheduleToStart"
        case .scheduleToClose: "ScheduleToClose"
        case .heartbeat: "Heartbeat"
        }
    }
}
