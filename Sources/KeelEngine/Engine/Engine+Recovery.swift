import KeelLog

extension Engine {
    /// Rebuilds every run, the namespaces, deadlines, task queues and visibility from the log.
    ///
    /// Each run's state is the fold of its history (`RunState.apply`), the same code the write path
    /// uses. Then each open run's pending work is armed again: scheduled tasks are offered, timers and
    /// timeouts set (overdue ones fire at once), and a workflow task that was running when the engine
    /// stopped times out, since its worker's answer can no longer be trusted to arrive.
    func recover() throws(EngineError) {
        var runs: [StreamKey: RunState] = [:]
        var order: [RunState] = []
        var namespaces: [String: NamespaceSettings] = [:]
        var failure: EngineError?
        do throws(LogError) {
            try core.store.scan(from: LSN(1)) { record in
                do throws(EngineError) {
                    switch try EngineRecord.decode(record.payload) {
                    case .namespace(let settings):
                        namespaces[settings.name] = settings
                    case .event(let event):
                        if let run = runs[record.stream] {
                            guard event.eventID == run.nextEventID else {
                                throw EngineError(
                                    .corruptData,
                                    "history of \(run.key) at LSN \(record.lsn): expected event \(run.nextEventID), found event \(event.eventID)"
                                )
                            }
                            switch event.eventType {
                            case .workflowTaskCompleted, .workflowTaskFailed, .workflowTaskTimedOut:
                                // The buffered events follow as history events in the same commit.
                                run.buffered.removeAll()
                            default:
                                break
                            }
                            run.apply(event, encodedBytes: record.payload.count)
                        } else {
                            guard let key = RunKey(stream: record.stream) else {
                                throw EngineError(
                                    .corruptData, "record at LSN \(record.lsn) is on a stream that names no run")
                            }
                            guard event.eventID == 1, case .workflowExecutionStarted(let started) = event.attributes
                            else {
                                throw EngineError(
                                    .corruptData,
                                    "history of \(key) at LSN \(record.lsn): expected event 1 WorkflowExecutionStarted, found event \(event.eventID) \(event.eventType)"
                                )
                            }
                            let run = RunState(key: key, started: started, startTime: event.time)
                            run.apply(event, encodedBytes: record.payload.count)
                            runs[record.stream] = run
                            order.append(run)
                        }
                    case .buffered(let time, let attributes):
                        guard let run = runs[record.stream] else {
                            throw EngineError(
                                .corruptData, "buffered event at LSN \(record.lsn) belongs to no known run")
                        }
                        run.buffered.append((time, attributes))
                    case .activityAttempt(let attempt):
                        guard let run = runs[record.stream] else {
                            throw EngineError(
                                .corruptData, "activity attempt record at LSN \(record.lsn) belongs to no known run")
                        }
                        if var activity = run.activities[attempt.scheduledEventID] {
                            activity.attempt = attempt.attempt
                            activity.lastFailure = attempt.lastFailure
                            activity.heartbeatDetails = attempt.heartbeatDetails
                            activity.retryTime = attempt.retryTime
                            activity.attemptScheduledTime = attempt.retryTime
                            run.activities[attempt.scheduledEventID] = activity
                        }
                    case .signalRequest(let requestID):
                        runs[record.stream]?.signalRequestIDs.insert(requestID)
                    }
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
        } catch {
            throw EngineError(.storage, "reading the data file to recover failed", storageCause: error)
        }
        if let failure { throw failure }
        if namespaces["default"] == nil {
            let settings = NamespaceSettings(name: "default", retention: core.options.defaultNamespaceRetention)
            do {
                try core.store.appendBlocking([
                    LogRecord(stream: EngineRecord.namespaceStream, payload: settings.encode())
                ])
            } catch {
                throw EngineError(.storage, "writing the default namespace failed", storageCause: error)
            }
            namespaces["default"] = settings
        }
        for settings in namespaces.values {
            core.namespaces.set(settings)
            for (name, type) in settings.searchAttributes {
                try? core.visibility.register(name, type: type, namespace: settings.name)
            }
        }
        var byPartition: [[RunState]] = Array(repeating: [], count: core.partitions.count)
        for run in order {
            byPartition[core.partition(for: run.key.execution.workflowID).index].append(run)
        }
        core.visibility.upsert(order.map(\.visibilityRecord))
        for (index, runs) in byPartition.enumerated() where !runs.isEmpty {
            let partition = core.partitions[index]
            partition.performDetached { batch in
                for run in runs { partition.register(run) }
                for run in runs { partition.resume(run, in: batch) }
            }
        }
        // Children whose close the parent has not recorded: tell the parent again.
        for run in order where run.isOpen {
            for child in run.children.values.sorted(by: { $0.initiatedEventID < $1.initiatedEventID }) {
                guard let childRunID = child.runID else { continue }
                let execution = WorkflowExecution(workflowID: child.attributes.workflowID, runID: childRunID)
                let parent = ParentExecutionInfo(
                    namespace: run.key.namespace, execution: run.key.execution,
                    initiatedEventID: child.initiatedEventID)
                let namespace = child.attributes.namespace
                let engine = core
                core.send(to: execution.workflowID) { partition, batch in
                    var current = partition.runs[RunKey(namespace: namespace, execution: execution)]
                    while let next = current?.newExecutionRunID,
                        let successor = partition.runs[
                            RunKey(
                                namespace: namespace,
                                execution: WorkflowExecution(workflowID: execution.workflowID, runID: next))]
                    {
                        current = successor
                    }
                    guard let closed = current, !closed.isOpen, closed.newExecutionRunID == nil,
                        let close = closed.closeAttributes
                    else { return }
                    let workflowType = closed.started.workflowType
                    let childExecution = execution
                    batch.after {
                        engine.send(to: parent.execution.workflowID) { partition, batch in
                            partition.recordChildClosed(
                                parent: parent, namespace: namespace, child: childExecution,
                                workflowType: workflowType, close: close, in: batch)
                        }
                    }
                }
            }
        }
    }
}

extension Partition {
    /// Arms a recovered run: its deadlines, its pending tasks, and the messages it had not delivered.
    func resume(_ run: RunState, in batch: Batch) {
        let now = batch.now
        guard run.isOpen else {
            let retention = core.namespaces.retention(of: run.key.namespace)
            schedule(Deadline(kind: .retention, run: run), at: (run.closeTime ?? now) + retention)
            return
        }
        armRun(run, now: now)
        if let task = run.workflowTask {
            if task.isStarted {
                write(
                    .workflowTaskTimedOut(
                        WorkflowTaskTimedOut(
                            scheduledEventID: task.scheduledEventID, startedEventID: task.startedEventID,
                            timeoutType: .startToClose)),
                    to: run, in: batch)
                flushBuffered(run, in: batch)
                scheduleRetriedWorkflowTask(run, in: batch)
            } else if task.taskQueue.kind == .sticky {
                write(
                    .workflowTaskTimedOut(
                        WorkflowTaskTimedOut(
                            scheduledEventID: task.scheduledEventID, startedEventID: 0, timeoutType: .scheduleToStart)),
                    to: run, in: batch)
                run.workflowTaskAttempt = 1
                scheduleWorkflowTask(run, in: batch)
            } else {
                offerWorkflowTask(run, scheduledEventID: task.scheduledEventID, queue: task.taskQueue, in: batch)
            }
        } else if !run.buffered.isEmpty {
            flushBuffered(run, in: batch)
            scheduleWorkflowTask(run, in: batch)
        } else if run.workflowTaskAttempt > 1 && run.firstTaskTime == nil {
            // The run was waiting out a workflow task retry backoff: wait it out again from now.
            scheduleRetriedWorkflowTask(run, in: batch)
        }
        for activity in run.activities.values.sorted(by: { $0.scheduledEventID < $1.scheduledEventID }) {
            armActivity(run, activity, now: now)
            if let retryTime = activity.retryTime {
                schedule(
                    Deadline(
                        kind: .activityRetry, run: run, eventID: activity.scheduledEventID,
                        sequence: Int64(activity.attempt)),
                    at: retryTime)
            } else if activity.cancelRequestedEventID == 0 {
                offerActivityTask(run, activity: activity, in: batch)
            } else {
                // Cancel was requested while a worker ran it; that worker is gone, so it is canceled now.
                emit(
                    .activityTaskCanceled(
                        ActivityTaskCanceled(
                            details: [], latestCancelRequestedEventID: activity.cancelRequestedEventID,
                            scheduledEventID: activity.scheduledEventID, startedEventID: 0, identity: "")),
                    to: run, in: batch)
                run.activities[activity.scheduledEventID] = nil
                run.activityIDs[activity.attributes.activityID] = nil
                scheduleWorkflowTask(run, in: batch)
            }
        }
        for (_, timer) in run.timers.sorted(by: { $0.value.startedEventID < $1.value.startedEventID }) {
            schedule(Deadline(kind: .userTimer, run: run, eventID: timer.startedEventID), at: timer.fireTime)
        }
        for child in run.children.values.sorted(by: { $0.initiatedEventID < $1.initiatedEventID })
        where child.runID == nil {
            sendChildStart(
                parent: run.key, initiatedEventID: child.initiatedEventID, attributes: child.attributes, in: batch)
        }
        for (initiatedEventID, signal) in run.pendingExternalSignals.sorted(by: { $0.key < $1.key }) {
            sendExternalSignal(
                origin: run.key, initiatedEventID: initiatedEventID, namespace: signal.namespace,
                execution: signal.execution,
                signal: SignalRequest(
                    name: signal.signalName, input: signal.input, identity: "", header: signal.header,
                    requestID: "signal/\(run.key.execution.runID)/\(initiatedEventID)"),
                completedEventID: signal.workflowTaskCompletedEventID, in: batch)
        }
        for (initiatedEventID, cancel) in run.pendingExternalCancels.sorted(by: { $0.key < $1.key }) {
            sendExternalCancel(
                origin: run.key, initiatedEventID: initiatedEventID, namespace: cancel.namespace,
                execution: cancel.execution, reason: cancel.reason,
                completedEventID: cancel.workflowTaskCompletedEventID, in: batch)
        }
    }
}
