import KeelLog

extension Partition {
    // MARK: - Signals and cancellation

    /// Checks a signal's size and name, and that the run can take another.
    func checkSignal(_ signal: SignalRequest, runSignals: Int) throws(EngineError) {
        if signal.name.isEmpty { throw EngineError(.invalidArgument, "expected a signal name, found an empty one") }
        if let problem = checkPayloads(signal.input, "signal input") ?? checkIdentifier(signal.name, "signal name")
            ?? checkIdentifier(signal.identity, "identity") ?? checkIdentifier(signal.requestID, "request id")
            ?? Partition.checkPayloadMap(signal.header, "header", limit: core.options.limits.payloadBytesMax)
        {
            throw EngineError(.limitExceeded, problem)
        }
        let limit = core.options.limits.signalsPerRunMax
        if runSignals >= limit {
            throw EngineError(.limitExceeded, "the run already received \(limit) signals (signalsPerRunMax)")
        }
    }

    func deliverSignal(_ signal: SignalRequest, to run: RunState, in batch: Batch) throws(EngineError) {
        let limits = core.options.limits
        if !signal.requestID.isEmpty, run.signalRequestIDs.contains(signal.requestID) { return }
        try checkSignal(signal, runSignals: 0)
        let bytes = signal.input.reduce(256) { $0 + $1.sizeBytes }
        if run.workflowTask?.isStarted == true, run.bufferedBytes + bytes > limits.bufferedBytesMax {
            throw EngineError(
                .limitExceeded,
                "workflow execution \(run.key) already holds \(run.bufferedBytes) bytes of events that arrived during its running workflow task (bufferedBytesMax); retry once the task completes"
            )
        }
        if run.signalCount + run.buffered.count >= limits.signalsPerRunMax {
            throw EngineError(
                .limitExceeded,
                "workflow execution \(run.key) already received \(limits.signalsPerRunMax) signals (signalsPerRunMax)")
        }
        if run.historyLength + Int64(run.buffered.count) + 2 >= Int64(limits.historyEventsMax) {
            throw EngineError(
                .limitExceeded,
                "workflow execution \(run.key) has \(run.historyLength) events, at the history limit of \(limits.historyEventsMax)"
            )
        }
        if !signal.requestID.isEmpty {
            run.signalRequestIDs.insert(signal.requestID)
            batch.records.append(
                LogRecord(stream: run.stream, payload: EngineRecord.encodeSignalRequest(signal.requestID)))
        }
        emit(
            .workflowExecutionSignaled(
                WorkflowExecutionSignaled(
                    signalName: signal.name, input: signal.input, identity: signal.identity, header: signal.header)),
            to: run, in: batch)
        scheduleWorkflowTask(run, in: batch)
    }

    func requestCancel(
        _ run: RunState, cause: String, external: (Int64, WorkflowExecution)?, identity: String, in batch: Batch
    ) {
        guard run.isOpen, !run.cancelRequested else { return }
        emit(
            .workflowExecutionCancelRequested(
                WorkflowExecutionCancelRequested(
                    cause: cause, externalInitiatedEventID: external?.0 ?? 0, externalExecution: external?.1,
                    identity: identity)),
            to: run, in: batch)
        run.cancelRequested = true
        scheduleWorkflowTask(run, in: batch)
    }

    // MARK: - Updates

    /// Admits an update (or finds the one with the same id) and makes sure a workflow task will
    /// deliver it. Returns the update's state now, so the caller can wait for the rest.
    func admitUpdate(_ request: UpdateRequest, run: RunState, in batch: Batch) throws(EngineError) -> UpdateState {
        if let existing = run.updates[request.updateID] { return existing }
        guard run.isOpen else {
            throw EngineError(.failedPrecondition, "workflow execution \(run.key) already closed (\(run.status))")
        }
        let pending = run.updates.values.filter { $0.outcome == nil }.count
        if pending >= core.options.limits.pendingUpdatesMax {
            throw EngineError(
                .limitExceeded,
                "workflow execution \(run.key) already has \(pending) updates in progress (pendingUpdatesMax)")
        }
        if let problem = checkPayloads(request.input, "update input") ?? checkIdentifier(request.name, "update name")
            ?? checkIdentifier(request.updateID, "update id") ?? checkIdentifier(request.identity, "identity")
            ?? Partition.checkPayloadMap(request.header, "header", limit: core.options.limits.payloadBytesMax)
        {
            throw EngineError(.limitExceeded, problem)
        }
        let state = UpdateState(request: request)
        run.updates[request.updateID] = state
        run.updateOrder.append(request.updateID)
        scheduleWorkflowTask(run, in: batch)
        return state
    }

    func acceptUpdate(_ updateID: String, run: RunState, in batch: Batch) {
        guard let update = run.updates[updateID] else { return }
        let sequencing = run.workflowTask?.scheduledEventID ?? run.nextEventID - 1
        write(
            .workflowExecutionUpdateAccepted(
                WorkflowExecutionUpdateAccepted(
                    protocolInstanceID: updateID, acceptedRequestMessageID: "\(updateID)/request",
                    acceptedRequestSequencingEventID: sequencing, acceptedRequest: update.request)),
            to: run, in: batch)
        let waiters = core.updateWaiters
        let key = run.key
        batch.after { waiters.resolve(run: key, updateID: updateID, status: .accepted) }
    }

    func rejectUpdate(_ updateID: String, failure: Failure, run: RunState, in batch: Batch) {
        run.updates[updateID] = nil
        run.updateOrder.removeAll { $0 == updateID }
        let waiters = core.updateWaiters
        let key = run.key
        batch.after { waiters.resolve(run: key, updateID: updateID, status: .completed(.failure(failure))) }
    }

    func completeUpdate(_ updateID: String, outcome: UpdateOutcome, run: RunState, in batch: Batch) {
        guard let update = run.updates[updateID] else { return }
        write(
            .workflowExecutionUpdateCompleted(
                WorkflowExecutionUpdateCompleted(
                    updateID: updateID, identity: update.request.identity, acceptedEventID: update.acceptedEventID,
                    outcome: outcome)),
            to: run, in: batch)
        run.updateOrder.removeAll { $0 == updateID }
        let waiters = core.updateWaiters
        let key = run.key
        batch.after { waiters.resolve(run: key, updateID: updateID, status: .completed(outcome)) }
    }

    // MARK: - Child workflows

    func startChild(_ command: StartChildWorkflow, run: RunState, completedEventID: Int64, in batch: Batch) {
        let namespace = command.namespace.isEmpty ? run.key.namespace : command.namespace
        let attributes = StartChildWorkflowExecutionInitiated(
            namespace: namespace, workflowID: command.workflowID, workflowType: command.workflowType,
            taskQueue: TaskQueue(name: command.taskQueue.isEmpty ? run.started.taskQueue.name : command.taskQueue),
            input: command.input, executionTimeout: command.executionTimeout, runTimeout: command.runTimeout,
            taskTimeout: command.taskTimeout ?? run.started.taskTimeout, parentClosePolicy: command.parentClosePolicy,
            workflowTaskCompletedEventID: completedEventID, workflowIDReusePolicy: command.workflowIDReusePolicy,
            retryPolicy: command.retryPolicy, header: command.header, memo: command.memo,
            searchAttributes: command.searchAttributes)
        let initiatedEventID = write(.startChildWorkflowExecutionInitiated(attributes), to: run, in: batch)
        sendChildStart(parent: run.key, initiatedEventID: initiatedEventID, attributes: attributes, in: batch)
    }

    /// Asks the child's partition to start it once the initiated event is durable. The start's request
    /// id is derived from the parent run and event, so repeating it after a restart is harmless.
    func sendChildStart(
        parent: RunKey, initiatedEventID: Int64, attributes: StartChildWorkflowExecutionInitiated, in batch: Batch
    ) {
        let engine = core
        let parentInfo = ParentExecutionInfo(
            namespace: parent.namespace, execution: parent.execution, initiatedEventID: initiatedEventID)
        let request = StartWorkflowRequest(
            namespace: attributes.namespace, workflowID: attributes.workflowID, workflowType: attributes.workflowType,
            taskQueue: attributes.taskQueue.name, input: attributes.input,
            executionTimeout: attributes.executionTimeout, runTimeout: attributes.runTimeout,
            taskTimeout: attributes.taskTimeout, identity: "",
            requestID: "child/\(parent.execution.runID)/\(initiatedEventID)",
            idReusePolicy: attributes.workflowIDReusePolicy, idConflictPolicy: .fail,
            retryPolicy: attributes.retryPolicy, memo: attributes.memo, searchAttributes: attributes.searchAttributes,
            header: attributes.header)
        batch.after {
            engine.send(to: attributes.workflowID) { partition, batch in
                let result: Result<StartWorkflowResult, EngineError>
                do throws(EngineError) {
                    result = .success(try partition.start(request, parent: parentInfo, signal: nil, in: batch))
                } catch {
                    result = .failure(error)
                }
                batch.after {
                    engine.send(to: parent.execution.workflowID) { partition, batch in
                        partition.recordChildStart(
                            parent: parent, initiatedEventID: initiatedEventID, result: result, in: batch)
                    }
                }
            }
        }
    }

    func recordChildStart(
        parent: RunKey, initiatedEventID: Int64, result: Result<StartWorkflowResult, EngineError>, in batch: Batch
    ) {
        guard let run = runs[parent], run.isOpen, let child = run.children[initiatedEventID], child.runID == nil
        else { return }
        let attributes = child.attributes
        switch result {
        case .success(let started):
            emit(
                .childWorkflowExecutionStarted(
                    ChildWorkflowExecutionStarted(
                        namespace: attributes.namespace, initiatedEventID: initiatedEventID,
                        execution: WorkflowExecution(workflowID: attributes.workflowID, runID: started.runID),
                        workflowType: attributes.workflowType)),
                to: run, in: batch)
            // Set after `emit`, which keeps the child as the history has it while the event is buffered.
            run.children[initiatedEventID]?.runID = started.runID
        case .failure(let error):
            let cause: ExternalFailureCause =
                error.code == .workflowAlreadyStarted ? .workflowAlreadyExists : .namespaceNotFound
            emit(
                .startChildWorkflowExecutionFailed(
                    StartChildWorkflowExecutionFailed(
                        namespace: attributes.namespace, workflowID: attributes.workflowID,
                        workflowType: attributes.workflowType, cause: cause, initiatedEventID: initiatedEventID,
                        workflowTaskCompletedEventID: attributes.workflowTaskCompletedEventID)),
                to: run, in: batch)
            run.children[initiatedEventID] = nil
        }
        scheduleWorkflowTask(run, in: batch)
    }

    /// Records in the parent that a child run closed (its chain ended).
    func recordChildClosed(
        parent: ParentExecutionInfo, namespace: String, child: WorkflowExecution, workflowType: String,
        close: EventAttributes, in batch: Batch
    ) {
        let key = RunKey(namespace: parent.namespace, execution: parent.execution)
        guard let run = runs[key], run.isOpen, let state = run.children[parent.initiatedEventID],
            state.attributes.workflowID == child.workflowID
        else { return }
        if state.runID == nil {
            // The close overtook the start's notice: record the start first.
            emit(
                .childWorkflowExecutionStarted(
                    ChildWorkflowExecutionStarted(
                        namespace: namespace, initiatedEventID: parent.initiatedEventID, execution: child,
                        workflowType: workflowType)),
                to: run, in: batch)
            run.children[parent.initiatedEventID]?.runID = child.runID
        }
        let started = run.children[parent.initiatedEventID]?.startedEventID ?? 0
        let initiated = parent.initiatedEventID
        let attributes: EventAttributes
        switch close {
        case .workflowExecutionCompleted(let completed):
            attributes = .childWorkflowExecutionCompleted(
                ChildWorkflowExecutionCompleted(
                    result: completed.result, namespace: namespace, execution: child, workflowType: workflowType,
                    initiatedEventID: initiated, startedEventID: started))
        case .workflowExecutionFailed(let failed):
            attributes = .childWorkflowExecutionFailed(
                ChildWorkflowExecutionFailed(
                    failure: failed.failure, namespace: namespace, execution: child, workflowType: workflowType,
                    initiatedEventID: initiated, startedEventID: started, retryState: failed.retryState))
        case .workflowExecutionCanceled(let canceled):
            attributes = .childWorkflowExecutionCanceled(
                ChildWorkflowExecutionCanceled(
                    details: canceled.details, namespace: namespace, execution: child, workflowType: workflowType,
                    initiatedEventID: initiated, startedEventID: started))
        case .workflowExecutionTimedOut(let timedOut):
            attributes = .childWorkflowExecutionTimedOut(
                ChildWorkflowExecutionTimedOut(
                    namespace: namespace, execution: child, workflowType: workflowType, initiatedEventID: initiated,
                    startedEventID: started, retryState: timedOut.retryState))
        case .workflowExecutionTerminated:
            attributes = .childWorkflowExecutionTerminated(
                ChildWorkflowExecutionTerminated(
                    namespace: namespace, execution: child, workflowType: workflowType, initiatedEventID: initiated,
                    startedEventID: started))
        default:
            return
        }
        emit(attributes, to: run, in: batch)
        run.children[parent.initiatedEventID] = nil
        scheduleWorkflowTask(run, in: batch)
    }

    // MARK: - External signals and cancellation

    func signalExternal(_ command: SignalExternal, run: RunState, completedEventID: Int64, in batch: Batch) {
        let namespace = command.namespace.isEmpty ? run.key.namespace : command.namespace
        let initiatedEventID = write(
            .signalExternalWorkflowExecutionInitiated(
                SignalExternalWorkflowExecutionInitiated(
                    workflowTaskCompletedEventID: completedEventID, namespace: namespace, execution: command.execution,
                    signalName: command.signalName, input: command.input,
                    childWorkflowOnly: command.childWorkflowOnly, header: command.header)),
            to: run, in: batch)
        sendExternalSignal(
            origin: run.key, initiatedEventID: initiatedEventID, namespace: namespace, execution: command.execution,
            signal: SignalRequest(
                name: command.signalName, input: command.input, identity: "", header: command.header,
                requestID: "signal/\(run.key.execution.runID)/\(initiatedEventID)"),
            completedEventID: completedEventID, in: batch)
    }

    func sendExternalSignal(
        origin: RunKey, initiatedEventID: Int64, namespace: String, execution: WorkflowExecution,
        signal: SignalRequest, completedEventID: Int64, in batch: Batch
    ) {
        sendExternal(
            origin: origin, initiatedEventID: initiatedEventID, namespace: namespace, execution: execution, in: batch,
            deliver: { partition, target, batch in
                (try? partition.deliverSignal(signal, to: target, in: batch)) != nil
            },
            isPending: { $0.pendingExternalSignals[initiatedEventID] != nil },
            outcome: { delivered in
                delivered
                    ? .externalWorkflowExecutionSignaled(
                        ExternalWorkflowExecutionSignaled(
                            initiatedEventID: initiatedEventID, namespace: namespace, execution: execution))
                    : .signalExternalWorkflowExecutionFailed(
                        SignalExternalWorkflowExecutionFailed(
                            cause: .externalWorkflowExecutionNotFound, workflowTaskCompletedEventID: completedEventID,
                            namespace: namespace, execution: execution, initiatedEventID: initiatedEventID))
            })
    }

    /// Delivers a message from run `origin` to another run (on that run's partition), then records on
    /// `origin` whether it arrived and schedules a workflow task there. `deliver` returns whether the
    /// target took the message; a target that is not open did not.
    private func sendExternal(
        origin: RunKey, initiatedEventID: Int64, namespace: String, execution: WorkflowExecution, in batch: Batch,
        deliver: @escaping @Sendable (Partition, RunState, Batch) -> Bool,
        isPending: @escaping @Sendable (RunState) -> Bool,
        outcome: @escaping @Sendable (_ delivered: Bool) -> EventAttributes
    ) {
        let engine = core
        batch.after {
            engine.send(to: execution.workflowID) { partition, batch in
                var delivered = false
                if let target = try? partition.openRun(namespace: namespace, execution: execution) {
                    delivered = deliver(partition, target, batch)
                }
                let arrived = delivered
                batch.after {
                    engine.send(to: origin.execution.workflowID) { partition, batch in
                        guard let run = partition.runs[origin], run.isOpen, isPending(run) else { return }
                        partition.emit(outcome(arrived), to: run, in: batch)
                        partition.scheduleWorkflowTask(run, in: batch)
                    }
                }
            }
        }
    }

    func cancelExternal(
        namespace: String, execution: WorkflowExecution, childWorkflowOnly: Bool, reason: String, run: RunState,
        completedEventID: Int64, in batch: Batch
    ) {
        let initiatedEventID = write(
            .requestCancelExternalWorkflowExecutionInitiated(
                RequestCancelExternalWorkflowExecutionInitiated(
                    workflowTaskCompletedEventID: completedEventID, namespace: namespace, execution: execution,
                    childWorkflowOnly: childWorkflowOnly, reason: reason)),
            to: run, in: batch)
        sendExternalCancel(
            origin: run.key, initiatedEventID: initiatedEventID, namespace: namespace, execution: execution,
            reason: reason, completedEventID: completedEventID, in: batch)
    }

    func sendExternalCancel(
        origin: RunKey, initiatedEventID: Int64, namespace: String, execution: WorkflowExecution, reason: String,
        completedEventID: Int64, in batch: Batch
    ) {
        sendExternal(
            origin: origin, initiatedEventID: initiatedEventID, namespace: namespace, execution: execution, in: batch,
            deliver: { partition, target, batch in
                partition.requestCancel(
                    target, cause: reason, external: (initiatedEventID, origin.execution), identity: "", in: batch)
                return true
            },
            isPending: { $0.pendingExternalCancels[initiatedEventID] != nil },
            outcome: { delivered in
                delivered
                    ? .externalWorkflowExecutionCancelRequested(
                        ExternalWorkflowExecutionCancelRequested(
                            initiatedEventID: initiatedEventID, namespace: namespace, execution: execution))
                    : .requestCancelExternalWorkflowExecutionFailed(
                        RequestCancelExternalWorkflowExecutionFailed(
                            cause: .externalWorkflowExecutionNotFound, workflowTaskCompletedEventID: completedEventID,
                            namespace: namespace, execution: execution, initiatedEventID: initiatedEventID))
            })
    }

    // MARK: - Deadlines

    /// Handles one due deadline.
    func fire(_ deadline: Deadline, in batch: Batch) {
        guard let run = self.run(of: deadline) else { return }
        switch deadline.kind {
        case .userTimer:
            guard run.isOpen else { return }
            guard let (timerID, timer) = run.timers.first(where: { $0.value.startedEventID == deadline.eventID })
            else { return }
            emit(.timerFired(TimerFired(timerID: timerID, startedEventID: timer.startedEventID)), to: run, in: batch)
            run.timers[timerID] = nil
            scheduleWorkflowTask(run, in: batch)
        case .activityScheduleToStart, .activityStartToClose, .activityHeartbeat, .activityScheduleToClose,
            .activityRetry:
            activityDeadline(deadline, in: batch)
        case .workflowTaskStartToClose, .workflowTaskScheduleToStart:
            workflowTaskTimedOut(deadline, in: batch)
        case .workflowTaskBackoff:
            guard run.isOpen, run.workflowTask == nil, Int64(run.workflowTaskAttempt) == deadline.sequence else {
                return
            }
            scheduleWorkflowTask(run, in: batch)
        case .firstWorkflowTask:
            guard run.isOpen, run.firstTaskTime != nil else { return }
            run.firstTaskTime = nil
            scheduleWorkflowTask(run, in: batch)
        case .runTimeout, .executionTimeout:
            guard run.isOpen else { return }
            forceEndWorkflowTask(run, in: batch)
            if deadline.kind == .executionTimeout {
                close(
                    run,
                    with: .workflowExecutionTimedOut(
                        WorkflowExecutionTimedOut(retryState: .timeout, newExecutionRunID: nil)),
                    successor: nil, in: batch)
            } else {
                failRun(run, failure: nil, timedOut: true, workflowTaskCompletedEventID: 0, in: batch)
            }
        case .retention:
            expire(run, in: batch)
        }
    }
}
