import KeelLog

extension Engine {
    /// Waits up to `timeout` for a workflow task (or a query) on `taskQueue`; nil when none came.
    ///
    /// A worker that keeps runs cached polls its own sticky queue too; tasks there carry only the
    /// events the worker has not seen (`isPartial`).
    public func pollWorkflowTask(
        namespace: String = "default", taskQueue: String, identity: String = "", timeout: Duration = .seconds(60)
    ) async throws(EngineError) -> WorkflowTask? {
        if let failure = core.failure { throw failure }
        try checkTexts([("identity", identity), ("task queue", taskQueue)])
        let key = QueueKey(namespace: namespace, name: taskQueue, kind: .workflow)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let remaining = clock.now.duration(to: deadline)
            guard let task = try await core.matching.poll(key, timeout: max(remaining, .zero)) else { return nil }
            switch task {
            case .workflow(let run, let scheduledEventID):
                let partition = core.partition(for: run.execution.workflowID)
                let started = try await partition.perform { batch in
                    partition.startWorkflowTask(
                        run, scheduledEventID: scheduledEventID, identity: identity, fromQueue: taskQueue, in: batch)
                }
                guard let started else { continue }
                let history: [HistoryEvent]
                if let partial = started.partialHistory {
                    history = partial
                } else if let whole = started.wholeHistory {
                    history = whole
                } else {
                    history = try readHistory(run, through: started.startedEventID)
                }
                return WorkflowTask(
                    taskToken: started.token, namespace: started.namespace, execution: started.execution,
                    workflowType: started.workflowType, taskQueue: started.taskQueue, attempt: started.attempt,
                    previousStartedEventID: started.previousStartedEventID, startedEventID: started.startedEventID,
                    history: history, isPartial: started.partialHistory != nil, updates: started.updates, query: nil,
                    scheduledTime: started.scheduledTime, startedTime: started.startedTime)
            case .query(let run, let query):
                let partition = core.partition(for: run.execution.workflowID)
                let known: (String, TaskQueue)? = partition.lock.withLock {
                    partition.runs[run].map { ($0.started.workflowType, $0.started.taskQueue) }
                }
                guard let (workflowType, queue) = known else {
                    core.queries.answer(
                        query.queryID, .failure(EngineError(.notFound, "workflow execution \(run) not found")))
                    continue
                }
                let history = try readHistory(run)
                let now = core.clock.now()
                return WorkflowTask(
                    taskToken: TaskToken(
                        kind: .workflow, namespace: run.namespace, execution: run.execution, scheduledEventID: 0,
                        sequence: 0),
                    namespace: run.namespace, execution: run.execution, workflowType: workflowType, taskQueue: queue,
                    attempt: 1, previousStartedEventID: 0, startedEventID: history.last?.eventID ?? 0,
                    history: history, isPartial: false, updates: [], query: query, scheduledTime: now,
                    startedTime: now)
            case .activity:
                continue
            }
        }
    }

    /// Completes a workflow task with the workflow's commands. `sticky` asks for the run's next tasks
    /// on the worker's own queue.
    ///
    /// - Throws: `.staleTaskToken` when the task is no longer running; `.invalidArgument` when a
    ///   command was invalid (the task is then failed with the cause, and retried).
    public func completeWorkflowTask(
        _ token: TaskToken, commands: [Command], identity: String = "", sticky: StickyAttributes? = nil
    ) async throws(EngineError) {
        try requireKind(token, .workflow)
        try checkTexts([("identity", identity), ("sticky task queue", sticky?.taskQueue ?? "")])
        let partition = core.partition(for: token.execution.workflowID)
        try await partition.perform { batch throws(EngineError) in
            try partition.completeWorkflowTask(
                token, commands: commands, identity: identity, sticky: sticky, in: batch)
        }
    }

    /// Fails a workflow task (for example when the workflow code does not match its history); the
    /// task is retried, with a backoff after the second attempt.
    public func failWorkflowTask(
        _ token: TaskToken, cause: WorkflowTaskFailedCause, failure: Failure? = nil, identity: String = ""
    ) async throws(EngineError) {
        try requireKind(token, .workflow)
        try checkTexts([("identity", identity)])
        if let failure, let problem = core.partitions[0].checkFailure(failure) {
            throw EngineError(.limitExceeded, problem)
        }
        let partition = core.partition(for: token.execution.workflowID)
        try await partition.perform { batch throws(EngineError) in
            try partition.failWorkflowTask(token, cause: cause, failure: failure, identity: identity, in: batch)
        }
    }

    /// Answers a query a worker received with a workflow task.
    public func respondQuery(queryID: String, _ outcome: QueryOutcome) {
        core.queries.answer(queryID, .success(outcome))
    }

    /// Waits up to `timeout` for an activity task on `taskQueue`; nil when none came.
    public func pollActivityTask(
        namespace: String = "default", taskQueue: String, identity: String = "", timeout: Duration = .seconds(60)
    ) async throws(EngineError) -> ActivityTask? {
        if let failure = core.failure { throw failure }
        try checkTexts([("identity", identity), ("task queue", taskQueue)])
        let key = QueueKey(namespace: namespace, name: taskQueue, kind: .activity)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let remaining = clock.now.duration(to: deadline)
            guard let task = try await core.matching.poll(key, timeout: max(remaining, .zero)) else { return nil }
            guard case .activity(let run, let scheduledEventID, let attempt) = task else { continue }
            let partition = core.partition(for: run.execution.workflowID)
            if let activity = partition.startActivity(
                run, scheduledEventID: scheduledEventID, attempt: attempt, identity: identity, now: core.clock.now())
            {
                return activity
            }
        }
    }

    /// Records an activity's heartbeat; returns true when the workflow asked to cancel it.
    public func recordActivityHeartbeat(_ token: TaskToken, details: [Payload] = []) throws(EngineError) -> Bool {
        try requireKind(token, .activity)
        if let failure = core.failure { throw failure }
        let partition = core.partition(for: token.execution.workflowID)
        return try partition.heartbeat(token, details: details, now: core.clock.now())
    }

    /// Completes an activity attempt with its result (from the worker, or from anywhere holding the token).
    public func completeActivity(_ token: TaskToken, result: [Payload], identity: String = "")
        async throws(EngineError)
    {
        try requireKind(token, .activity)
        try checkTexts([("identity", identity)])
        let partition = core.partition(for: token.execution.workflowID)
        try await partition.perform { batch throws(EngineError) in
            try partition.completeActivity(token, result: result, identity: identity, in: batch)
        }
    }

    /// Fails an activity attempt; it is retried as its retry policy says, or closes as failed.
    public func failActivity(
        _ token: TaskToken, failure: Failure, lastHeartbeatDetails: [Payload]? = nil, identity: String = ""
    ) async throws(EngineError) {
        try requireKind(token, .activity)
        try checkTexts([("identity", identity)])
        if let lastHeartbeatDetails { try checkPayloads(lastHeartbeatDetails, "heartbeat details") }
        let partition = core.partition(for: token.execution.workflowID)
        try await partition.perform { batch throws(EngineError) in
            try partition.failActivity(
                token, failure: failure, lastHeartbeatDetails: lastHeartbeatDetails, identity: identity, in: batch)
        }
    }

    /// Reports that an activity stopped because the workflow asked it to cancel.
    public func reportActivityCanceled(_ token: TaskToken, details: [Payload] = [], identity: String = "")
        async throws(EngineError)
    {
        try requireKind(token, .activity)
        try checkTexts([("identity", identity)])
        try checkPayloads(details, "details")
        let partition = core.partition(for: token.execution.workflowID)
        try await partition.perform { batch throws(EngineError) in
            try partition.reportActivityCanceled(token, details: details, identity: identity, in: batch)
        }
    }

    /// The token of an activity's running attempt, found by activity id (for completing it from
    /// outside the worker without the token).
    public func activityToken(namespace: String = "default", execution: WorkflowExecution, activityID: String)
        throws(EngineError) -> TaskToken
    {
        let partition = core.partition(for: execution.workflowID)
        return try partition.lock.withLock { () throws(EngineError) in
            let run = try partition.openRun(namespace: namespace, execution: execution)
            guard let scheduled = run.activityIDs[activityID], let activity = run.activities[scheduled] else {
                throw EngineError(.notFound, "activity '\(activityID)' is not pending in \(run.key)")
            }
            return TaskToken(
                kind: .activity, namespace: run.key.namespace, execution: run.key.execution,
                scheduledEventID: scheduled, sequence: Int64(activity.attempt))
        }
    }

    private func requireKind(_ token: TaskToken, _ kind: TaskToken.Kind) throws(EngineError) {
        guard token.kind == kind else {
            throw EngineError(
                .invalidArgument,
                "expected a \(kind == .workflow ? "workflow" : "activity") task token, found \(token)")
        }
    }
}
