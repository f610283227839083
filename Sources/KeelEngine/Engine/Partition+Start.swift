import KeelLog

extension Partition {
    /// Starts a run (or joins one, as the request id and policies say). Optionally delivers a signal
    /// with the start (signal-with-start: an open run gets the signal instead).
    func start(
        _ request: StartWorkflowRequest, parent: ParentExecutionInfo?, signal: SignalRequest?, in batch: Batch
    ) throws(EngineError) -> StartWorkflowResult {
        let namespace = request.namespace
        if !request.requestID.isEmpty,
            let existing = startRequests[RequestKey(namespace: namespace, requestID: request.requestID)],
            runs[existing] != nil
        {
            return StartWorkflowResult(runID: existing.execution.runID, started: false)
        }
        let workflowKey = WorkflowKey(namespace: namespace, workflowID: request.workflowID)
        var terminate: RunState?
        if let existing = current[workflowKey] {
            if existing.isOpen {
                if let signal {
                    try deliverSignal(signal, to: existing, in: batch)
                    return StartWorkflowResult(runID: existing.key.execution.runID, started: false)
                }
                let conflict =
                    request.idReusePolicy == .terminateIfRunning ? .terminateExisting : request.idConflictPolicy
                switch conflict {
                case .fail:
                    throw EngineError(
                        .workflowAlreadyStarted,
                        "workflow \(namespace)/\(request.workflowID) is already running as run \(existing.key.execution.runID)"
                    )
                case .useExisting:
                    return StartWorkflowResult(runID: existing.key.execution.runID, started: false)
                case .terminateExisting:
                    terminate = existing
                }
            } else {
                switch request.idReusePolicy {
                case .allowDuplicate, .terminateIfRunning:
                    break
                case .allowDuplicateFailedOnly:
                    if existing.status == .completed || existing.status == .continuedAsNew {
                        throw EngineError(
                            .workflowAlreadyStarted,
                            "workflow \(namespace)/\(request.workflowID) already completed successfully (run \(existing.key.execution.runID)); the id reuse policy allows a new run only after a failure"
                        )
                    }
                case .rejectDuplicate:
                    throw EngineError(
                        .workflowAlreadyStarted,
                        "workflow \(namespace)/\(request.workflowID) already ran (run \(existing.key.execution.runID)); the id reuse policy rejects duplicates"
                    )
                }
            }
        }
        if let terminate {
            self.terminate(
                terminate, reason: "terminated by a new start of the same workflow id", details: [],
                identity: request.identity, in: batch)
        }
        let runID = core.runIDs.next()
        let expiration = request.executionTimeout.map { batch.now + $0 }
        let started = WorkflowExecutionStarted(
            workflowType: request.workflowType, taskQueue: TaskQueue(name: request.taskQueue), input: request.input,
            executionTimeout: request.executionTimeout, runTimeout: request.runTimeout,
            taskTimeout: request.taskTimeout ?? core.options.defaultWorkflowTaskTimeout, parent: parent,
            continuedFromRunID: nil, initiator: nil, continuedFailure: nil, lastCompletionResult: [],
            originalRunID: runID, firstRunID: runID, identity: request.identity, attempt: 1,
            executionExpirationTime: expiration, firstWorkflowTaskBackoff: request.startDelay,
            retryPolicy: request.retryPolicy, memo: request.memo, searchAttributes: request.searchAttributes,
            header: request.header, requestID: request.requestID)
        if let signal { try checkSignal(signal, runSignals: 0) }
        createRun(
            namespace: namespace, runID: runID, workflowID: request.workflowID, started: started, signal: signal,
            in: batch)
        return StartWorkflowResult(runID: runID, started: true)
    }

    /// Creates a run, writes its started event and schedules its first workflow task and timeouts.
    @discardableResult
    func createRun(
        namespace: String, runID: RunID, workflowID: WorkflowID, started: WorkflowExecutionStarted,
        signal: SignalRequest? = nil, in batch: Batch
    ) -> RunState {
        let key = RunKey(namespace: namespace, execution: WorkflowExecution(workflowID: workflowID, runID: runID))
        let run = RunState(key: key, started: started, startTime: batch.now)
        register(run)
        write(.workflowExecutionStarted(started), to: run, in: batch)
        if let signal {
            // Signal-with-start: the signal is the run's second event, before its first workflow task.
            if !signal.requestID.isEmpty {
                run.signalRequestIDs.insert(signal.requestID)
                batch.records.append(
                    LogRecord(stream: run.stream, payload: EngineRecord.encodeSignalRequest(signal.requestID)))
            }
            write(
                .workflowExecutionSignaled(
                    WorkflowExecutionSignaled(
                        signalName: signal.name, input: signal.input, identity: signal.identity,
                        header: signal.header)),
                to: run, in: batch)
        }
        armRun(run, now: batch.now)
        if run.firstTaskTime == nil { scheduleWorkflowTask(run, in: batch) }
        return run
    }

    /// Makes a run known to the partition's maps.
    func register(_ run: RunState) {
        registrations += 1
        run.registration = registrations
        if let replaced = runs.updateValue(run, forKey: run.key), replaced !== run {
            registered[replaced.registration] = nil
        }
        registered[run.registration] = run
        current[WorkflowKey(namespace: run.key.namespace, workflowID: run.key.execution.workflowID)] = run
        if !run.started.requestID.isEmpty {
            startRequests[RequestKey(namespace: run.key.namespace, requestID: run.started.requestID)] = run.key
        }
    }

    /// Sets the deadlines every open run has: the delayed first task and the run and execution timeouts.
    func armRun(_ run: RunState, now: Timestamp) {
        if let first = run.firstTaskTime {
            schedule(Deadline(kind: .firstWorkflowTask, run: run), at: first)
        }
        if let runTimeout = run.started.runTimeout, runTimeout > .zero {
            let base = run.startTime + (run.started.firstWorkflowTaskBackoff ?? .zero)
            schedule(Deadline(kind: .runTimeout, run: run), at: base + runTimeout)
        }
        if let expiration = run.started.executionExpirationTime {
            schedule(Deadline(kind: .executionTimeout, run: run), at: expiration)
        }
    }

    // MARK: - Closing

    /// Writes `close` (a closing event) and does what closing implies: the parent learns of it, the
    /// children's parent close policies apply, pending updates fail, and retention starts.
    /// `successor` starts the next run of the chain in the same batch (continue-as-new or retry).
    func close(
        _ run: RunState, with close: EventAttributes, successor: (runID: RunID, started: WorkflowExecutionStarted)?,
        in batch: Batch
    ) {
        precondition(run.isOpen, "closing \(run.key), which is already closed")
        write(close, to: run, in: batch)
        let waiters = core.updateWaiters
        let closeWaiters = core.closeWaiters
        let key = run.key
        batch.after {
            waiters.failAll(run: key, reason: "workflow execution \(key) closed before the update completed")
            closeWaiters.resolve(run: key)
        }
        let retention = core.namespaces.retention(of: run.key.namespace)
        schedule(Deadline(kind: .retention, run: run), at: batch.now + retention)
        if let successor {
            createRun(
                namespace: run.key.namespace, runID: successor.runID, workflowID: run.key.execution.workflowID,
                started: successor.started, in: batch)
            return
        }
        if let parent = run.started.parent {
            let engine = core
            let child = run.key.execution
            let workflowType = run.started.workflowType
            let namespace = run.key.namespace
            batch.after {
                engine.send(to: parent.execution.workflowID) { partition, batch in
                    partition.recordChildClosed(
                        parent: parent, namespace: namespace, child: child, workflowType: workflowType, close: close,
                        in: batch)
                }
            }
        }
        for child in run.children.values.sorted(by: { $0.initiatedEventID < $1.initiatedEventID }) {
            guard let runID = child.runID else { continue }
            let namespace = child.attributes.namespace
            let execution = WorkflowExecution(workflowID: child.attributes.workflowID, runID: runID)
            let engine = core
            switch child.attributes.parentClosePolicy {
            case .abandon:
                continue
            case .terminate:
                batch.after {
                    engine.send(to: execution.workflowID) { partition, batch in
                        guard let target = partition.runs[RunKey(namespace: namespace, execution: execution)],
                            target.isOpen
                        else { return }
                        partition.terminate(
                            target, reason: "parent \(key) closed (parent close policy: terminate)", details: [],
                            identity: "", in: batch)
                    }
                }
            case .requestCancel:
                batch.after {
                    engine.send(to: execution.workflowID) { partition, batch in
                        guard let target = partition.runs[RunKey(namespace: namespace, execution: execution)],
                            target.isOpen
                        else { return }
                        partition.requestCancel(
                            target, cause: "parent \(key) closed (parent close policy: request cancel)",
                            external: nil, identity: "", in: batch)
                    }
                }
            }
        }
    }

    /// Terminates an open run: fails a running workflow task, writes buffered events, then the
    /// terminated event.
    func terminate(_ run: RunState, reason: String, details: [Payload], identity: String, in batch: Batch) {
        forceEndWorkflowTask(run, in: batch)
        close(
            run,
            with: .workflowExecutionTerminated(
                WorkflowExecutionTerminated(reason: reason, details: details, identity: identity)),
            successor: nil, in: batch)
    }

    /// Ends a running workflow task with a failure (cause `ForceCloseCommand`) and writes the buffered
    /// events, so that a closing event the engine writes on its own follows a well-formed history.
    func forceEndWorkflowTask(_ run: RunState, in batch: Batch) {
        if let task = run.workflowTask, task.isStarted {
            write(
                .workflowTaskFailed(
                    WorkflowTaskFailed(
                        scheduledEventID: task.scheduledEventID, startedEventID: task.startedEventID,
                        cause: .forceCloseCommand, failure: nil, identity: "")),
                to: run, in: batch)
        }
        flushBuffered(run, in: batch)
    }

    /// The retry a failed or timed-out run gets from its retry policy, or why it gets none.
    func retryOfRun(_ run: RunState, failure: Failure?, now: Timestamp) -> (delay: Duration?, state: RetryState) {
        guard let policy = run.started.retryPolicy else { return (nil, .retryPolicyNotSet) }
        if let failure, let refusal = policy.refusal(of: failure, afterAttempt: run.started.attempt) {
            return (nil, refusal)
        }
        if failure == nil, policy.maximumAttempts > 0, run.started.attempt >= policy.maximumAttempts {
            return (nil, .maximumAttemptsReached)
        }
        let delay = policy.delay(afterAttempt: run.started.attempt)
        if let expiration = run.started.executionExpirationTime, now + delay >= expiration { return (nil, .timeout) }
        return (delay, .inProgress)
    }

    /// The started attributes of the run that retries `run` after `delay`.
    func retryStart(of run: RunState, runID: RunID, delay: Duration, failure: Failure?) -> WorkflowExecutionStarted {
        var started = run.started
        started.continuedFromRunID = run.key.execution.runID
        started.initiator = .retry
        started.continuedFailure = failure
        started.attempt = run.started.attempt + 1
        started.firstWorkflowTaskBackoff = delay
        started.originalRunID = runID
        started.requestID = ""
        started.memo = run.memo
        started.searchAttributes = run.searchAttributes
        return started
    }

    /// Fails or times out a run as its retry policy says: closes it, and starts the retry if any.
    func failRun(
        _ run: RunState, failure: Failure?, timedOut: Bool, workflowTaskCompletedEventID: Int64, in batch: Batch
    ) {
        let (delay, retryState) = retryOfRun(run, failure: failure, now: batch.now)
        let successor = delay.map { delay in
            let runID = core.runIDs.next()
            return (runID, retryStart(of: run, runID: runID, delay: delay, failure: failure))
        }
        let closeEvent: EventAttributes
        if timedOut {
            closeEvent = .workflowExecutionTimedOut(
                WorkflowExecutionTimedOut(retryState: retryState, newExecutionRunID: successor?.0))
        } else {
            closeEvent = .workflowExecutionFailed(
                WorkflowExecutionFailed(
                    failure: failure ?? .application("workflow failed"), retryState: retryState,
                    workflowTaskCompletedEventID: workflowTaskCompletedEventID, newExecutionRunID: successor?.0))
        }
        close(run, with: closeEvent, successor: successor.map { (runID: $0.0, started: $0.1) }, in: batch)
    }

    /// Removes a closed run whose retention ended: its history stream is marked dead in the log (and
    /// its space reclaimed by compaction), and it leaves visibility.
    func expire(_ run: RunState, in batch: Batch) {
        guard !run.isOpen, runs[run.key] === run else { return }
        runs[run.key] = nil
        registered[run.registration] = nil
        let workflowKey = WorkflowKey(namespace: run.key.namespace, workflowID: run.key.execution.workflowID)
        if current[workflowKey] === run { current[workflowKey] = nil }
        if !run.started.requestID.isEmpty {
            let requestKey = RequestKey(namespace: run.key.namespace, requestID: run.started.requestID)
            if startRequests[requestKey] == run.key { startRequests[requestKey] = nil }
        }
        batch.touched[ObjectIdentifier(run)] = nil
        let core = self.core
        let key = run.key
        let stream = run.stream
        retiring.insert(stream)
        batch.after { [self] in
            core.visibility.remove(namespace: key.namespace, runID: key.execution.runID)
            core.retire([stream]) { _ = self.lock.withLock { self.retiring.remove(stream) } }
        }
    }
}
