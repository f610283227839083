import KeelLog

extension Engine {
    /// Resets a run to the end of one of its workflow tasks: a new run of the same workflow id
    /// starts with the history up to that task's `WorkflowTaskStarted`, then
    /// `WorkflowTaskFailed` (cause `ResetWorkflow`), the signals the old run received after that
    /// point, and a new workflow task. The old run is terminated if it is still open. Activities and
    /// timers pending at the reset point are pending again in the new run.
    ///
    /// - Parameter workflowTaskFinishEventID: the id of a `WorkflowTaskCompleted`, `WorkflowTaskFailed`
    ///   or `WorkflowTaskTimedOut` event of the run.
    /// - Returns: the new run's id.
    /// - Throws: `.invalidArgument` when the event is not the end of a started workflow task; `.notFound`.
    public func resetWorkflow(
        namespace: String = "default", execution: WorkflowExecution, workflowTaskFinishEventID: Int64,
        reason: String, identity: String = ""
    ) async throws(EngineError) -> RunID {
        let partition = core.partition(for: execution.workflowID)
        let key = try partition.lock.withLock { () throws(EngineError) in
            try partition.resolve(namespace: namespace, execution: execution).key
        }
        let history = try readHistory(key)
        guard let finish = history.first(where: { $0.eventID == workflowTaskFinishEventID }) else {
            throw EngineError(
                .invalidArgument,
                "reset point \(workflowTaskFinishEventID) is not an event of \(key), which has \(history.count) events")
        }
        let startedEventID: Int64
        switch finish.attributes {
        case .workflowTaskCompleted(let attributes): startedEventID = attributes.startedEventID
        case .workflowTaskFailed(let attributes): startedEventID = attributes.startedEventID
        case .workflowTaskTimedOut(let attributes): startedEventID = attributes.startedEventID
        default:
            throw EngineError(
                .invalidArgument,
                "expected the reset point to be a WorkflowTaskCompleted, WorkflowTaskFailed or WorkflowTaskTimedOut event, found event \(finish.eventID) \(finish.eventType)"
            )
        }
        guard startedEventID > 0, startedEventID < Int64(history.count),
            history[Int(startedEventID) - 1].eventType == .workflowTaskStarted,
            case .workflowExecutionStarted(var started) = history[0].attributes
        else {
            throw EngineError(
                .invalidArgument, "event \(finish.eventID) of \(key) does not end a started workflow task")
        }
        let kept = history.prefix(Int(startedEventID))
        let laterSignals = history.dropFirst(Int(startedEventID)).filter {
            $0.eventType == .workflowExecutionSignaled
        }
        return try await partition.perform { batch throws(EngineError) in
            guard let old = partition.runs[key] else {
                throw EngineError(.notFound, "workflow execution \(key) not found")
            }
            let runID = core.runIDs.next()
            if old.isOpen {
                partition.terminate(
                    old, reason: "reset to run \(runID): \(reason)", details: [], identity: identity, in: batch)
            } else if let current = partition.current[
                WorkflowKey(namespace: key.namespace, workflowID: key.execution.workflowID)], current.isOpen
            {
                throw EngineError(
                    .failedPrecondition,
                    "workflow \(key.namespace)/\(key.execution.workflowID) has another open run, \(current.key.execution.runID); terminate it before resetting an older run"
                )
            }
            started.requestID = ""
            let newKey = RunKey(
                namespace: key.namespace,
                execution: WorkflowExecution(workflowID: key.execution.workflowID, runID: runID))
            let run = RunState(key: newKey, started: started, startTime: history[0].time)
            partition.register(run)
            for event in kept { partition.copy(event, to: run, in: batch) }
            guard let task = run.workflowTask, task.isStarted else {
                throw EngineError(
                    .invalidArgument, "event \(finish.eventID) of \(key) does not end a started workflow task")
            }
            partition.write(
                .workflowTaskFailed(
                    WorkflowTaskFailed(
                        scheduledEventID: task.scheduledEventID, startedEventID: task.startedEventID,
                        cause: .resetWorkflow, failure: .application(reason, type: "ResetWorkflow"),
                        identity: identity)),
                to: run, in: batch)
            for signal in laterSignals { partition.write(signal.attributes, to: run, in: batch) }
            partition.resume(run, in: batch)
            run.workflowTaskAttempt = 1
            partition.scheduleWorkflowTask(run, in: batch)
            return runID
        }
    }
}

extension Partition {
    /// Writes an event from another run's history unchanged (same id, time and attributes).
    func copy(_ event: HistoryEvent, to run: RunState, in batch: Batch) {
        let payload = EventCodec.encode(event)
        run.apply(event, encodedBytes: payload.count)
        batch.records.append(LogRecord(stream: run.stream, payload: payload))
        batch.touch(run)
    }
}
