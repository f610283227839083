import Foundation
import KeelEngine

/// One run of a workflow in a worker: the workflow object, the tasks its code runs in, and the
/// state machine that feeds it history events and collects the commands it issues.
///
/// History is consumed one workflow task at a time. Events before a `WorkflowTaskStarted` are the
/// inputs of that task (activity results, fired timers, signals); the workflow code runs until it
/// waits again, and the commands it issued must match the events written after the task's
/// `WorkflowTaskCompleted`. The last `WorkflowTaskStarted` of a task's history is the task the
/// worker answers: its commands go to the engine. Everything is touched on one thread at a time:
/// the one that drives `advance`, which also drains the run's executor.
final class WorkflowInstance: @unchecked Sendable {
    let registration: WorkflowRegistration
    let converter: DataConverter
    let executor = WorkflowExecutor()
    let namespace: String
    let execution: WorkflowExecution
    let localActivities: LocalActivityRunner?
    let logSink: @Sendable (String) -> Void

    private(set) var context: WorkflowContext!
    var info: WorkflowInfo
    /// The workflow object, created by the first event.
    var workflow: AnyObject?
    private var rootTask: Task<Void, Never>?

    /// The last history event applied.
    private(set) var lastEventID: Int64 = 0
    /// Whether the code runs a workflow task that history has already completed.
    private(set) var isReplaying = true
    /// The workflow time: the start time of the workflow task being run.
    private(set) var now: Timestamp = .epoch
    /// Whether the run has issued its closing command.
    private(set) var isFinished = false
    private var cancelRequested = false

    private var inputs: [HistoryEvent] = []
    private var issued: [CommandEntry] = []
    private var awaitingMatch: [CommandEntry] = []
    private var awaitingIndex = 0
    private var lookaheadMarkers: [String: MarkerRecorded] = [:]
    private var seenPatches: Set<String> = []
    private var decidedPatches: [String: Bool] = [:]
    private var problem: NondeterminismError?

    // Operations waiting for events, by the id their commands carry and then by event id.
    private var sequence: [String: Int] = [:]
    private var activitiesByScheduledID: [Int64: ActivityOperation] = [:]
    private var timers: [String: TimerOperation] = [:]
    private var childrenByInitiatedID: [Int64: ChildOperation] = [:]
    private var externalsByInitiatedID: [Int64: ExternalOperation] = [:]
    private var conditions: [ConditionOperation] = []
    private var pendingLocal: [LocalActivityOperation] = []
    private var signalsWithoutHandler: [String: [[Payload]]] = [:]
    /// Everything the code is suspended on, so that `destroy()` can end those waits.
    private var suspended: [any Terminable] = []
    /// Whether the instance is being discarded: new waits fail at once.
    private(set) var isDestroyed = false
    private var random: SplitMix64

    init(
        registration: WorkflowRegistration, namespace: String, execution: WorkflowExecution, taskQueue: String,
        converter: DataConverter, localActivities: LocalActivityRunner?, logSink: @escaping @Sendable (String) -> Void
    ) {
        self.registration = registration
        self.namespace = namespace
        self.execution = execution
        self.converter = converter
        self.localActivities = localActivities
        self.logSink = logSink
        self.info = WorkflowInfo(
            namespace: namespace, workflowID: execution.workflowID, runID: execution.runID,
            workflowType: registration.name, taskQueue: taskQueue)
        self.random = SplitMix64(seed: fnv1a(execution.runID.rawValue) ^ fnv1a(execution.workflowID.rawValue))
        self.context = WorkflowContext(instance: self)
    }

    // MARK: - Driving the run

    /// What a workflow task's run of the code produced.
    enum Outcome {
        case commands([Command])
        case failed(WorkflowTaskFailedCause, Failure)
    }

    /// Applies `events` (a task's history; events already applied are skipped) and runs the code,
    /// returning the commands of the last workflow task. `updates` are the updates the task carries.
    func advance(events: [HistoryEvent], updates: [UpdateRequest], replayOnly: Bool = false) async -> Outcome {
        let fresh = events.drop { $0.eventID <= lastEventID }
        if let first = fresh.first, first.eventID != lastEventID + 1 {
            return .failed(
                .workflowWorkerUnhandledFailure,
                .application(
                    "expected history from event \(lastEventID + 1), found event \(first.eventID)",
                    type: "HistoryGap"))
        }
        let list = Array(fresh)
        var result: [Command] = []
        for (index, event) in list.enumerated() {
            do throws(NondeterminismError) {
                try apply(event)
            } catch {
                return .failed(.nonDeterministicError, nondeterminismFailure(error))
            }
            lastEventID = event.eventID
            guard case .workflowTaskStarted(let started) = event.attributes else { continue }
            let next = index + 1 < list.count ? list[index + 1] : nil
            if let next, case .workflowTaskCompleted = next.attributes {
                // A task history has completed: replay it and check its commands against what follows.
                isReplaying = true
                collectLookahead(from: index + 2, in: list)
                let updates = lookaheadUpdates(from: index + 2, in: list)
                if let failure = await activate(started: event, attributes: started, updates: updates, live: false) {
                    return failure
                }
            } else if next == nil && !replayOnly {
                isReplaying = false
                lookaheadMarkers = [:]
                if let failure = await activate(started: event, attributes: started, updates: updates, live: true) {
                    return failure
                }
                result = takeIssued()
            }
            // A task that failed or timed out left no commands; its inputs wait for the next one.
        }
        if let problem { return .failed(.nonDeterministicError, nondeterminismFailure(problem)) }
        return .commands(result)
    }

    private func nondeterminismFailure(_ error: NondeterminismError) -> Failure {
        if problem == nil { problem = error }
        return .application(error.description, type: "NondeterminismError", nonRetryable: false)
    }

    /// The nondeterminism found, if any.
    var nondeterminism: NondeterminismError? { problem }

    /// Checks, after a whole history was applied, that the code issued no command history lacks.
    func checkReplayEnd() -> NondeterminismError? {
        if let problem { return problem }
        for entry in awaitingMatch[awaitingIndex...] where !entry.isLenient {
            return NondeterminismError(
                workflowType: registration.name, eventID: lastEventID,
                message: "the workflow code issued \(entry.command.summary), which history does not have")
        }
        return nil
    }

    /// Runs the code for one workflow task; returns a failure outcome, or nil when it ran.
    private func activate(
        started: HistoryEvent, attributes: WorkflowTaskStarted, updates: [UpdateRequest], live: Bool
    ) async -> Outcome? {
        // Every command of the previous task must have met its event by now.
        while awaitingIndex < awaitingMatch.count {
            let entry = awaitingMatch[awaitingIndex]
            awaitingIndex += 1
            if entry.isLenient { continue }
            return .failed(
                .nonDeterministicError,
                nondeterminismFailure(
                    NondeterminismError(
                        workflowType: registration.name, eventID: started.eventID,
                        message: "the workflow code issued \(entry.command.summary), which history does not have")))
        }
        awaitingMatch = []
        awaitingIndex = 0
        now = started.time
        info.historyLength = started.eventID
        info.historySizeBytes = attributes.historySizeBytes
        info.isContinueAsNewSuggested = attributes.suggestContinueAsNew
        let pending = inputs
        inputs = []
        for event in pending { deliver(event) }
        // Updates come after the task's other events have been handled, so a validator sees the
        // state they left (and, in a run's first task, the state after the body's first steps).
        await drain(live: live)
        if !updates.isEmpty {
            for update in updates { deliverUpdate(update, validate: live) }
            await drain(live: live)
        }
        if let problem { return .failed(.nonDeterministicError, nondeterminismFailure(problem)) }
        // Commands wait for their events; a rejected update writes none.
        let entries = issued.filter { !$0.isRemoved }
        var ordered = entries.filter { !$0.isClosing }
        ordered.append(contentsOf: entries.filter(\.isClosing))
        issued = ordered
        awaitingMatch = ordered.filter { $0.key != nil }
        suspended.removeAll { $0.isDone }
        if !live { issued = [] }
        return nil
    }

    private func takeIssued() -> [Command] {
        defer { issued = [] }
        return issued.map(\.command)
    }

    /// Runs queued jobs until the code waits on something only a new event can give, settling
    /// conditions and local activities in between.
    private func drain(live: Bool) async {
        while true {
            executor.runUntilIdle()
            if settleConditions() { continue }
            if !pendingLocal.isEmpty {
                let batch = pendingLocal
                pendingLocal = []
                for operation in batch { await resolveLocal(operation, live: live) }
                continue
            }
            return
        }
    }

    // MARK: - Applying events

    private func apply(_ event: HistoryEvent) throws(NondeterminismError) {
        if let key = MatchKey(event: event) {
            try match(event, key: key)
            return
        }
        switch event.attributes {
        case .workflowTaskScheduled, .workflowTaskStarted, .workflowTaskCompleted, .workflowTaskFailed,
            .workflowTaskTimedOut, .activityTaskStarted, .workflowExecutionTerminated, .workflowExecutionTimedOut:
            return
        default:
            inputs.append(event)
        }
    }

    private func match(_ event: HistoryEvent, key: MatchKey) throws(NondeterminismError) {
        if case .markerRecorded(let marker) = event.attributes, marker.markerName == MarkerName.patch {
            // Patch markers are matched loosely: code that no longer checks a patch is fine.
            if let id = marker.details["id"].flatMap({ $0.first }).map({ String(decoding: $0.data, as: UTF8.self) }) {
                seenPatches.insert(id)
            }
            if let position = awaitingMatch[awaitingIndex...].firstIndex(where: { $0.key == key }) {
                let entry = awaitingMatch.remove(at: position)
                entry.onMatched?(event)
            }
            return
        }
        while awaitingIndex < awaitingMatch.count, awaitingMatch[awaitingIndex].isLenient,
            awaitingMatch[awaitingIndex].key != key
        {
            awaitingIndex += 1
        }
        guard awaitingIndex < awaitingMatch.count else {
            throw NondeterminismError(
                workflowType: registration.name, eventID: event.eventID,
                message: "history has \(event.summary), but the workflow code issued no command for it")
        }
        let entry = awaitingMatch[awaitingIndex]
        guard entry.key == key else {
            throw NondeterminismError(
                workflowType: registration.name, eventID: event.eventID,
                message: "history has \(event.summary), but the workflow code issued \(entry.command.summary)")
        }
        awaitingIndex += 1
        entry.onMatched?(event)
    }

    private func collectLookahead(from start: Int, in list: [HistoryEvent]) {
        lookaheadMarkers = [:]
        var index = start
        while index < list.count {
            let event = list[index]
            if case .workflowTaskStarted = event.attributes { break }
            if case .markerRecorded(let marker) = event.attributes,
                let id = marker.details["id"]?.first.map({ String(decoding: $0.data, as: UTF8.self) })
            {
                lookaheadMarkers["\(marker.markerName)/\(id)"] = marker
                if marker.markerName == MarkerName.patch { seenPatches.insert(id) }
            }
            index += 1
        }
    }

    private func lookaheadUpdates(from start: Int, in list: [HistoryEvent]) -> [UpdateRequest] {
        var updates: [UpdateRequest] = []
        var index = start
        while index < list.count {
            let event = list[index]
            if case .workflowTaskStarted = event.attributes { break }
            if case .workflowExecutionUpdateAccepted(let accepted) = event.attributes {
                updates.append(accepted.acceptedRequest)
            }
            index += 1
        }
        return updates
    }

    /// Gives an input event to the operation or handler waiting for it.
    private func deliver(_ event: HistoryEvent) {
        // A cancel the code issued in this task for an activity or timer that has just closed would
        // name something the engine no longer has: withdraw it.
        switch event.attributes {
        case .activityTaskCompleted(let a): withdrawUnsent(.cancelActivity(a.scheduledEventID))
        case .activityTaskFailed(let a): withdrawUnsent(.cancelActivity(a.scheduledEventID))
        case .activityTaskTimedOut(let a): withdrawUnsent(.cancelActivity(a.scheduledEventID))
        case .activityTaskCanceled(let a): withdrawUnsent(.cancelActivity(a.scheduledEventID))
        case .timerFired(let a): withdrawUnsent(.cancelTimer(a.timerID))
        default: break
        }
        switch event.attributes {
        case .workflowExecutionStarted(let started):
            startRun(started, at: event.time)
        case .activityTaskCompleted(let done):
            activitiesByScheduledID.removeValue(forKey: done.scheduledEventID)?.resolve(.success(done.result))
        case .activityTaskFailed(let failed):
            if let operation = activitiesByScheduledID.removeValue(forKey: failed.scheduledEventID) {
                operation.resolve(.failure(operation.error(failed.failure, failed.retryState)))
            }
        case .activityTaskTimedOut(let timedOut):
            if let operation = activitiesByScheduledID.removeValue(forKey: timedOut.scheduledEventID) {
                operation.resolve(.failure(operation.error(timedOut.failure, timedOut.retryState)))
            }
        case .activityTaskCanceled(let canceled):
            if let operation = activitiesByScheduledID.removeValue(forKey: canceled.scheduledEventID) {
                let failure = Failure(message: "activity canceled", info: .canceled(details: canceled.details))
                operation.resolve(.failure(operation.error(failure, .cancelRequested)))
            }
        case .timerFired(let fired):
            timers.removeValue(forKey: fired.timerID)?.resolve(.success(()))
        case .workflowExecutionSignaled(let signal):
            deliverSignal(name: signal.signalName, input: signal.input)
        case .workflowExecutionCancelRequested:
            cancelRequested = true
            rootTask?.cancel()
        case .startChildWorkflowExecutionFailed(let failed):
            if let child = childrenByInitiatedID.removeValue(forKey: failed.initiatedEventID) {
                let failure = Failure.application(
                    "child workflow \(failed.workflowID) could not start: \(failed.cause)",
                    type: "StartChildWorkflowExecutionFailed", nonRetryable: true)
                child.resolveStart(.failure(child.error(failure)))
                child.resolveResult(.failure(child.error(failure)))
            }
        case .childWorkflowExecutionStarted(let started):
            childrenByInitiatedID[started.initiatedEventID]?.resolveStart(.success(started.execution.runID))
        case .childWorkflowExecutionCompleted(let done):
            childrenByInitiatedID.removeValue(forKey: done.initiatedEventID)?.resolveResult(.success(done.result))
        case .childWorkflowExecutionFailed(let failed):
            if let child = childrenByInitiatedID.removeValue(forKey: failed.initiatedEventID) {
                child.resolveResult(.failure(child.error(failed.failure)))
            }
        case .childWorkflowExecutionCanceled(let canceled):
            if let child = childrenByInitiatedID.removeValue(forKey: canceled.initiatedEventID) {
                child.resolveResult(
                    .failure(
                        child.error(Failure(message: "child workflow canceled", info: .canceled(details: [])))))
            }
        case .childWorkflowExecutionTimedOut(let timedOut):
            if let child = childrenByInitiatedID.removeValue(forKey: timedOut.initiatedEventID) {
                child.resolveResult(
                    .failure(
                        child.error(
                            Failure(
                                message: "child workflow timed out",
                                info: .timeout(type: .startToClose, lastHeartbeatDetails: [])))))
            }
        case .childWorkflowExecutionTerminated(let terminated):
            if let child = childrenByInitiatedID.removeValue(forKey: terminated.initiatedEventID) {
                child.resolveResult(
                    .failure(child.error(Failure(message: "child workflow terminated", info: .terminated))))
            }
        case .externalWorkflowExecutionSignaled(let signaled):
            externalsByInitiatedID.removeValue(forKey: signaled.initiatedEventID)?.resolve(.success(()))
        case .signalExternalWorkflowExecutionFailed(let failed):
            externalsByInitiatedID.removeValue(forKey: failed.initiatedEventID)?.resolve(
                .failure(
                    ApplicationError(
                        "signal to \(failed.execution) failed: \(failed.cause)", type: "SignalExternalFailed")))
        case .externalWorkflowExecutionCancelRequested(let requested):
            externalsByInitiatedID.removeValue(forKey: requested.initiatedEventID)?.resolve(.success(()))
        case .requestCancelExternalWorkflowExecutionFailed(let failed):
            externalsByInitiatedID.removeValue(forKey: failed.initiatedEventID)?.resolve(
                .failure(
                    ApplicationError(
                        "cancel request to \(failed.execution) failed: \(failed.cause)", type: "CancelExternalFailed")
                ))
        default:
            break
        }
    }

    private func startRun(_ started: WorkflowExecutionStarted, at time: Timestamp) {
        // Seed random values from the history itself, so a replay of an exported history, which
        // does not carry the workflow id, draws the same numbers.
        let seedSource = [started.originalRunID, started.firstRunID, execution.runID].first { !$0.rawValue.isEmpty }
        random = SplitMix64(seed: fnv1a(seedSource?.rawValue ?? ""))
        info.workflowType = started.workflowType
        info.taskQueue = started.taskQueue.name
        info.attempt = started.attempt
        info.startTime = time
        info.firstRunID = started.firstRunID
        info.continuedFromRunID = started.continuedFromRunID
        info.parent = started.parent?.execution
        info.lastCompletionResult = started.lastCompletionResult
        info.lastFailure = started.continuedFailure
        info.executionTimeout = started.executionTimeout
        info.runTimeout = started.runTimeout
        let object = registration.make()
        workflow = object
        let box = ExecutorBound(object)
        let context = self.context!
        let run = registration.run
        let input = started.input
        rootTask = Task(executorPreference: executor) { [self] in
            do {
                let result = try await run(box.value, context, input)
                finish(with: .completeWorkflowExecution(result: result))
            } catch let request as ContinueAsNewRequest {
                finish(with: .continueAsNewWorkflowExecution(request.attributes))
            } catch {
                if cancelRequested && isCancellation(error) {
                    finish(with: .cancelWorkflowExecution(details: []))
                } else {
                    finish(with: .failWorkflowExecution(failure: Failure.from(error)))
                }
            }
        }
    }

    private func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let error = error as? ActivityError { return error.isCanceled }
        if let error = error as? ChildWorkflowError, case .canceled = error.cause.info { return true }
        return false
    }

    private func finish(with command: Command) {
        guard !isFinished, problem == nil else { return }
        isFinished = true
        issue(command, key: MatchKey(closing: command))
    }

    // MARK: - Signals and updates

    private func deliverSignal(name: String, input: [Payload]) {
        guard let workflow else { return }
        guard case .signal(let body) = registration.handlers[name] else {
            signalsWithoutHandler[name, default: []].append(input)
            log("signal '\(name)' has no handler in workflow \(registration.name); it is kept until one is set")
            return
        }
        let box = ExecutorBound(workflow)
        let context = self.context!
        Task(executorPreference: executor) { [self] in
            do {
                try await body(box.value, context, input)
            } catch {
                log("signal handler '\(name)' threw \(error)")
            }
        }
    }

    private func deliverUpdate(_ request: UpdateRequest, validate: Bool) {
        guard let workflow, case .update(let validator, let body) = registration.handlers[request.name] else {
            issueUnmatched(
                .rejectUpdate(
                    updateID: request.updateID,
                    failure: .application(
                        "workflow \(registration.name) has no update handler named '\(request.name)'",
                        type: "UpdateNotFound", nonRetryable: true)))
            return
        }
        if validate {
            do {
                try validator(workflow, request.input, converter)
            } catch {
                issueUnmatched(.rejectUpdate(updateID: request.updateID, failure: Failure.from(error)))
                return
            }
        }
        issue(.acceptUpdate(updateID: request.updateID), key: .acceptUpdate(request.updateID))
        let box = ExecutorBound(workflow)
        let context = self.context!
        let id = request.updateID
        let input = request.input
        Task(executorPreference: executor) { [self] in
            let outcome: UpdateOutcome
            do {
                outcome = .success(try await body(box.value, context, input))
            } catch {
                outcome = .failure(Failure.from(error))
            }
            issue(.completeUpdate(updateID: id, outcome: outcome), key: .completeUpdate(id))
        }
    }

    /// Applies the events that arrived after the last completed workflow task (signals a client has
    /// sent, results that came in) and runs the code until it waits, with nothing sent anywhere, so
    /// a query sees every signal acknowledged before it, and a run whose first task has not
    /// completed can answer at all.
    func prepareForQuery() async {
        isReplaying = true
        let pending = inputs
        inputs = []
        for event in pending { deliver(event) }
        await drain(live: false)
    }

    /// Answers a query from the workflow's current state.
    func answer(_ query: QueryRequest) -> QueryOutcome {
        guard let workflow else {
            return .failed(.application("the workflow has not started", type: "QueryFailed"))
        }
        guard case .query(let body) = registration.handlers[query.queryType] else {
            let known = registration.handlers.compactMap { name, handler -> String? in
                if case .query = handler { return name }
                return nil
            }.sorted()
            return .failed(
                .application(
                    "workflow \(registration.name) has no query named '\(query.queryType)'; it answers \(known)",
                    type: "QueryNotFound"))
        }
        do {
            return .answered(try body(workflow, query.arguments, converter))
        } catch {
            return .failed(Failure.from(error))
        }
    }

    /// Takes a signal that arrived before its handler was set (by `WorkflowContext.setSignalHandler`).
    func takeBufferedSignals(_ name: String) -> [[Payload]] {
        signalsWithoutHandler.removeValue(forKey: name) ?? []
    }

    // MARK: - Issuing commands

    @discardableResult
    func issue(_ command: Command, key: MatchKey?, lenient: Bool = false, onMatched: ((HistoryEvent) -> Void)? = nil)
        -> CommandEntry
    {
        let entry = CommandEntry(command: command, key: key, isLenient: lenient, onMatched: onMatched)
        if !isDestroyed { issued.append(entry) }
        return entry
    }

    private func withdrawUnsent(_ key: MatchKey) {
        for entry in issued where entry.key == key { entry.isRemoved = true }
    }

    private func issueUnmatched(_ command: Command) {
        if !isReplaying { issue(command, key: nil) }
    }

    /// Notes a nondeterminism found while the code ran; the task fails once the code is idle.
    func fail(_ message: String) -> NondeterminismError {
        let error = NondeterminismError(workflowType: registration.name, eventID: info.historyLength, message: message)
        if problem == nil { problem = error }
        return error
    }

    func log(_ message: String) {
        if !isReplaying { logSink("[\(registration.name) \(execution.workflowID)] \(message)") }
    }

    func nextSequence(_ kind: String) -> Int {
        let next = (sequence[kind] ?? 0) + 1
        sequence[kind] = next
        return next
    }

    func nextRandom() -> UInt64 { random.next() }

    // MARK: - Suspending and tearing down

    /// Suspends the calling workflow task until `waiter` is resolved.
    func suspend<Value>(on waiter: Waiter<Value>) async throws -> Value {
        if isDestroyed { throw WorkflowDestroyedError() }
        suspended.append(waiter)
        return try await withCheckedThrowingContinuation { waiter.wait($0) }
    }

    /// Ends every wait of the run's tasks with `WorkflowDestroyedError` and lets them unwind, so that
    /// a run a worker drops (evicted from its cache, finished, or failed) leaves no task suspended
    /// and no memory behind. The code's commands are ignored from here on.
    func destroy() {
        guard !isDestroyed else { return }
        isDestroyed = true
        var rounds = 0
        repeat {
            let waiting = suspended
            suspended = []
            for waiter in waiting where !waiter.isDone { waiter.terminate() }
            conditions = []
            executor.runUntilIdle()
            rounds += 1
        } while !suspended.isEmpty && rounds < 100
        // Operations and command entries hold closures that capture the instance: let them go.
        issued = []
        awaitingMatch = []
        awaitingIndex = 0
        timers = [:]
        activitiesByScheduledID = [:]
        childrenByInitiatedID = [:]
        externalsByInitiatedID = [:]
        pendingLocal = []
        rootTask = nil
        workflow = nil
    }

    // MARK: - Operations

    func scheduleActivity(_ attributes: ScheduleActivityTask, cancellation: ActivityCancellationType) async throws
        -> [Payload]
    {
        if Task.isCancelled { throw CancellationError() }
        let operation = ActivityOperation(
            activityID: attributes.activityID, activityType: attributes.activityType, cancellation: cancellation)
        operation.entry = issue(
            .scheduleActivityTask(attributes), key: .activity(attributes.activityID, attributes.activityType)
        ) { [self] event in
            operation.scheduledEventID = event.eventID
            if !operation.isDone { activitiesByScheduledID[event.eventID] = operation }
        }
        return try await withTaskCancellationHandler {
            try await suspend(on: operation)
        } onCancel: {
            self.cancelActivity(operation)
        }
    }

    private func cancelActivity(_ operation: ActivityOperation) {
        guard !operation.isDone, !operation.isCancelRequested else { return }
        operation.isCancelRequested = true
        let canceled = operation.error(
            Failure(message: "activity canceled", info: .canceled(details: [])), .cancelRequested)
        guard let scheduledEventID = operation.scheduledEventID else {
            // Not sent yet: drop the command.
            operation.entry?.isRemoved = true
            operation.resolve(.failure(canceled))
            return
        }
        switch operation.cancellation {
        case .abandon:
            activitiesByScheduledID[scheduledEventID] = nil
            operation.resolve(.failure(canceled))
        case .tryCancel:
            issue(
                .requestCancelActivityTask(scheduledEventID: scheduledEventID), key: .cancelActivity(scheduledEventID))
            activitiesByScheduledID[scheduledEventID] = nil
            operation.resolve(.failure(canceled))
        case .waitCancellationCompleted:
            issue(
                .requestCancelActivityTask(scheduledEventID: scheduledEventID), key: .cancelActivity(scheduledEventID))
        }
    }

    func startTimer(_ duration: Duration) async throws {
        if Task.isCancelled { throw CancellationError() }
        let (timerID, operation) = addTimer(duration)
        try await withTaskCancellationHandler {
            try await suspend(on: operation)
        } onCancel: {
            self.cancelTimer(timerID)
        }
    }

    /// Starts a timer that calls `fired` instead of resuming a task; returns its id.
    func startCallbackTimer(_ duration: Duration, fired: @escaping () -> Void) -> String {
        let (timerID, operation) = addTimer(duration)
        operation.callback = fired
        return timerID
    }

    /// Issues a `StartTimer` command under the run's next timer id and tracks its operation.
    private func addTimer(_ duration: Duration) -> (String, TimerOperation) {
        let timerID = String(nextSequence("timer"))
        let operation = TimerOperation()
        timers[timerID] = operation
        operation.entry = issue(.startTimer(timerID: timerID, startToFireTimeout: duration), key: .timer(timerID)) {
            _ in operation.isStarted = true
        }
        return (timerID, operation)
    }

    func cancelTimer(_ timerID: String) {
        guard let operation = timers.removeValue(forKey: timerID), !operation.isDone else { return }
        if operation.isStarted {
            issue(.cancelTimer(timerID: timerID), key: .cancelTimer(timerID))
        } else {
            operation.entry?.isRemoved = true
        }
        operation.resolve(.failure(CancellationError()))
    }

    func waitCondition(timeout: Duration?, _ predicate: @escaping () -> Bool) async throws -> Bool {
        if predicate() { return true }
        if Task.isCancelled { throw CancellationError() }
        let operation = ConditionOperation(predicate: predicate)
        conditions.append(operation)
        if let timeout {
            operation.timerID = startCallbackTimer(timeout) { [self] in
                conditions.removeAll { $0 === operation }
                operation.resolve(.success(false))
            }
        }
        return try await withTaskCancellationHandler {
            try await suspend(on: operation)
        } onCancel: {
            self.conditions.removeAll { $0 === operation }
            if let timerID = operation.timerID { self.cancelTimer(timerID) }
            operation.resolve(.failure(CancellationError()))
        }
    }

    /// Resumes the conditions that now hold; returns whether any did.
    private func settleConditions() -> Bool {
        var resumed = false
        var index = 0
        while index < conditions.count {
            let operation = conditions[index]
            if operation.predicate() {
                conditions.remove(at: index)
                if let timerID = operation.timerID { cancelTimer(timerID) }
                operation.resolve(.success(true))
                resumed = true
            } else {
                index += 1
            }
        }
        return resumed
    }

    func marker(_ name: String, id: String) -> MarkerRecorded? {
        lookaheadMarkers["\(name)/\(id)"]
    }

    func recordMarker(_ name: String, id: String, details: [String: [Payload]], failure: Failure? = nil) {
        var details = details
        details["id"] = [Payload.binary(Array(id.utf8))]
        issue(
            .recordMarker(name: name, details: details, failure: failure), key: .marker(name, id),
            lenient: name == MarkerName.patch)
    }

    func patched(_ patchID: String, deprecated: Bool) -> Bool {
        if let decided = decidedPatches[patchID] { return decided }
        let isPatched = !isReplaying || seenPatches.contains(patchID)
        decidedPatches[patchID] = isPatched
        if isPatched {
            recordMarker(
                MarkerName.patch, id: patchID, details: ["deprecated": [Payload.binary([deprecated ? 1 : 0])]])
        }
        return isPatched
    }

    func runLocalActivity(_ operation: LocalActivityOperation) async throws -> [Payload] {
        if Task.isCancelled { throw CancellationError() }
        pendingLocal.append(operation)
        return try await suspend(on: operation)
    }

    private func resolveLocal(_ operation: LocalActivityOperation, live: Bool) async {
        let id = operation.id
        if !live {
            guard let marker = marker(MarkerName.localActivity, id: id) else {
                operation.resolve(
                    .failure(
                        fail(
                            "the workflow code ran local activity \(operation.activityType) (\(id)), which history does not have"
                        )))
                return
            }
            recordMarker(MarkerName.localActivity, id: id, details: marker.details, failure: marker.failure)
            if let failure = marker.failure {
                operation.resolve(.failure(operation.error(failure)))
            } else {
                operation.resolve(.success(marker.details["result"] ?? []))
            }
            return
        }
        guard let runner = localActivities else {
            operation.resolve(
                .failure(ApplicationError("no worker runs local activities here", type: "LocalActivityUnavailable")))
            return
        }
        let outcome = await runner.run(operation.activityType, operation.input, operation.options, info)
        switch outcome {
        case .success(let result):
            recordMarker(
                MarkerName.localActivity, id: id,
                details: ["result": result, "type": [Payload.binary(Array(operation.activityType.utf8))]])
            operation.resolve(.success(result))
        case .failure(let failure):
            recordMarker(
                MarkerName.localActivity, id: id,
                details: ["type": [Payload.binary(Array(operation.activityType.utf8))]], failure: failure)
            operation.resolve(.failure(operation.error(failure)))
        }
    }

    func startChild(_ attributes: StartChildWorkflow, operation: ChildOperation) {
        operation.entry = issue(
            .startChildWorkflowExecution(attributes), key: .child(attributes.workflowID, attributes.workflowType)
        ) { [self] event in
            operation.initiatedEventID = event.eventID
            if !operation.isDone { childrenByInitiatedID[event.eventID] = operation }
        }
    }

    func cancelChild(_ operation: ChildOperation) {
        guard !operation.isDone, !operation.isCancelRequested else { return }
        operation.isCancelRequested = true
        guard operation.initiatedEventID != nil else {
            operation.entry?.isRemoved = true
            let failure = Failure(message: "child workflow canceled before it started", info: .canceled(details: []))
            operation.resolveStart(.failure(operation.error(failure)))
            operation.resolveResult(.failure(operation.error(failure)))
            return
        }
        requestCancelExternal(
            WorkflowExecution(workflowID: operation.workflowID, runID: ""), childOnly: true, operation: nil)
    }

    func signalExternal(_ attributes: SignalExternal) async throws {
        let operation = ExternalOperation()
        issue(
            .signalExternalWorkflowExecution(attributes),
            key: .signalExternal(attributes.execution.workflowID, attributes.signalName)
        ) { [self] event in
            if !operation.isDone { externalsByInitiatedID[event.eventID] = operation }
        }
        try await suspend(on: operation)
    }

    func requestCancelExternal(_ execution: WorkflowExecution, childOnly: Bool, operation: ExternalOperation?) {
        issue(
            .requestCancelExternalWorkflowExecution(
                namespace: "", execution: execution, childWorkflowOnly: childOnly, reason: ""),
            key: .cancelExternal(execution.workflowID)
        ) { [self] event in
            if let operation, !operation.isDone { externalsByInitiatedID[event.eventID] = operation }
        }
    }
}

/// A command the code issued, waiting for the history event that records it.
final class CommandEntry {
    let command: Command
    let key: MatchKey?
    /// Whether history may lack the event (patch markers).
    let isLenient: Bool
    var isRemoved = false
    let onMatched: ((HistoryEvent) -> Void)?

    init(command: Command, key: MatchKey?, isLenient: Bool, onMatched: ((HistoryEvent) -> Void)?) {
        self.command = command
        self.key = key
        self.isLenient = isLenient
        self.onMatched = onMatched
    }

    var isClosing: Bool {
        switch command {
        case .completeWorkflowExecution, .failWorkflowExecution, .cancelWorkflowExecution,
            .continueAsNewWorkflowExecution:
            true
        default: false
        }
    }
}

/// What ties a command to the event that records it.
enum MatchKey: Hashable {
    case activity(String, String)
    case cancelActivity(Int64)
    case timer(String)
    case cancelTimer(String)
    case marker(String, String)
    case child(WorkflowID, String)
    case signalExternal(WorkflowID, String)
    case cancelExternal(WorkflowID)
    case complete, fail, cancel, continueAsNew
    case searchAttributes, properties
    case acceptUpdate(String)
    case completeUpdate(String)

    init?(closing command: Command) {
        switch command {
        case .completeWorkflowExecution: self = .complete
        case .failWorkflowExecution: self = .fail
        case .cancelWorkflowExecution: self = .cancel
        case .continueAsNewWorkflowExecution: self = .continueAsNew
        default: return nil
        }
    }

    /// The key of a command event, or nil for events that are not commands' records.
    init?(event: HistoryEvent) {
        switch event.attributes {
        case .activityTaskScheduled(let a): self = .activity(a.activityID, a.activityType)
        case .activityTaskCancelRequested(let a): self = .cancelActivity(a.scheduledEventID)
        case .timerStarted(let a): self = .timer(a.timerID)
        case .timerCanceled(let a): self = .cancelTimer(a.timerID)
        case .markerRecorded(let a):
            let id = a.details["id"]?.first.map { String(decoding: $0.data, as: UTF8.self) } ?? ""
            self = .marker(a.markerName, id)
        case .startChildWorkflowExecutionInitiated(let a): self = .child(a.workflowID, a.workflowType)
        case .signalExternalWorkflowExecutionInitiated(let a):
            self = .signalExternal(a.execution.workflowID, a.signalName)
        case .requestCancelExternalWorkflowExecutionInitiated(let a): self = .cancelExternal(a.execution.workflowID)
        case .workflowExecutionCompleted: self = .complete
        case .workflowExecutionFailed: self = .fail
        case .workflowExecutionCanceled: self = .cancel
        case .workflowExecutionContinuedAsNew: self = .continueAsNew
        case .upsertWorkflowSearchAttributes: self = .searchAttributes
        case .workflowPropertiesModified: self = .properties
        case .workflowExecutionUpdateAccepted(let a): self = .acceptUpdate(a.acceptedRequest.updateID)
        case .workflowExecutionUpdateCompleted(let a): self = .completeUpdate(a.updateID)
        default: return nil
        }
    }
}

/// Marker names Keel's SDK records.
enum MarkerName {
    static let sideEffect = "SideEffect"
    static let patch = "Patch"
    static let localActivity = "LocalActivity"
}

extension Command {
    /// A short description for nondeterminism errors, e.g. `ScheduleActivityTask(Charge, id 3)`.
    var summary: String {
        switch self {
        case .scheduleActivityTask(let a): "ScheduleActivityTask(\(a.activityType), id \(a.activityID))"
        case .requestCancelActivityTask(let id): "RequestCancelActivityTask(scheduled event \(id))"
        case .startTimer(let id, let timeout): "StartTimer(\(timeout), id \(id))"
        case .cancelTimer(let id): "CancelTimer(id \(id))"
        case .recordMarker(let name, let details, _):
            "RecordMarker(\(name), id \(details["id"]?.first.map { String(decoding: $0.data, as: UTF8.self) } ?? ""))"
        case .startChildWorkflowExecution(let a): "StartChildWorkflowExecution(\(a.workflowType), id \(a.workflowID))"
        case .signalExternalWorkflowExecution(let a):
            "SignalExternalWorkflowExecution(\(a.signalName) to \(a.execution.workflowID))"
        case .requestCancelExternalWorkflowExecution(_, let execution, _, _):
            "RequestCancelExternalWorkflowExecution(\(execution.workflowID))"
        case .acceptUpdate(let id): "AcceptUpdate(\(id))"
        case .rejectUpdate(let id, _): "RejectUpdate(\(id))"
        case .completeUpdate(let id, _): "CompleteUpdate(\(id))"
        default: name
        }
    }
}

extension HistoryEvent {
    /// A short description for nondeterminism errors, e.g. `ActivityTaskScheduled(Charge, id 3)`.
    var summary: String {
        switch attributes {
        case .activityTaskScheduled(let a): "ActivityTaskScheduled(\(a.activityType), id \(a.activityID))"
        case .timerStarted(let a): "TimerStarted(\(a.startToFireTimeout), id \(a.timerID))"
        case .timerCanceled(let a): "TimerCanceled(id \(a.timerID))"
        case .markerRecorded(let a):
            "MarkerRecorded(\(a.markerName), id \(a.details["id"]?.first.map { String(decoding: $0.data, as: UTF8.self) } ?? ""))"
        case .startChildWorkflowExecutionInitiated(let a):
            "StartChildWorkflowExecutionInitiated(\(a.workflowType), id \(a.workflowID))"
        case .signalExternalWorkflowExecutionInitiated(let a):
            "SignalExternalWorkflowExecutionInitiated(\(a.signalName) to \(a.execution.workflowID))"
        default: eventType.description
        }
    }
}

/// A 64-bit hash of a string (FNV-1a), to seed a run's random numbers.
func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}

/// A small seeded generator (SplitMix64): the same seed gives the same numbers on every replay.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
