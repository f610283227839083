extension Partition {
    /// Checks a workflow task's commands in order; returns the first problem as Temporal's cause and
    /// a message naming what was expected and what was found, or nil when all are valid.
    func validate(_ commands: [Command], of run: RunState) -> (WorkflowTaskFailedCause, String)? {
        let limits = core.options.limits
        var timers = run.timers.isEmpty ? [] : Set(run.timers.keys)
        var activityIDs = run.activityIDs.isEmpty ? [] : Set(run.activityIDs.keys)
        var pendingActivities = run.activities.count
        var pendingChildren = run.children.count
        var pendingSignals = run.pendingExternalSignals.count
        var pendingCancels = run.pendingExternalCancels.count
        var accepted: Set<String> = []
        var admitted: Set<String> = []
        for (id, update) in run.updates {
            if update.acceptedEventID == 0 {
                admitted.insert(id)
            } else if update.outcome == nil {
                accepted.insert(id)
            }
        }
        let totalBytes = commands.reduce(0) { $0 + $1.approximateBytes }
        if totalBytes > limits.workflowTaskCompletionBytesMax {
            return (
                .badBinary,
                "the task's \(commands.count) commands carry \(totalBytes) bytes, more than workflowTaskCompletionBytesMax \(limits.workflowTaskCompletionBytesMax)"
            )
        }
        let payloadLimit = limits.payloadBytesMax
        for (index, command) in commands.enumerated() {
            // Named only in an error: a valid command costs no string.
            func position() -> String { "command \(index + 1) (\(command.name))" }
            if command.isClosing {
                if index != commands.count - 1 {
                    return (
                        .unhandledCommand,
                        "\(position()) closes the workflow but is followed by \(commands.count - index - 1) more commands"
                    )
                }
                if !run.buffered.isEmpty {
                    return (
                        .unhandledCommand,
                        "\(position()) closes the workflow, but \(run.buffered.count) new events arrived while the task ran; handle them first"
                    )
                }
            }
            switch command {
            case .scheduleActivityTask(let attributes):
                if attributes.activityID.isEmpty {
                    return (
                        .badScheduleActivityAttributes, "\(position()): expected an activity id, found an empty one"
                    )
                }
                if activityIDs.contains(attributes.activityID) {
                    return (
                        .scheduleActivityDuplicateID,
                        "\(position()): activity id '\(attributes.activityID.quotedPrefix)' is already pending in this run"
                    )
                }
                if attributes.activityType.isEmpty {
                    return (
                        .badScheduleActivityAttributes, "\(position()): expected an activity type, found an empty one"
                    )
                }
                if let problem = checkIdentifier(attributes.activityID, "activity id")
                    ?? checkIdentifier(attributes.activityType, "activity type")
                    ?? checkIdentifier(attributes.taskQueue, "task queue")
                    ?? checkPayloads(attributes.input, "input")
                    ?? Partition.checkPayloadMap(attributes.header, "header", limit: payloadLimit)
                {
                    return (.badScheduleActivityAttributes, "\(position()): \(problem)")
                }
                if attributes.startToCloseTimeout == nil && attributes.scheduleToCloseTimeout == nil {
                    return (
                        .badScheduleActivityAttributes,
                        "\(position()): expected a start-to-close or schedule-to-close timeout, found neither"
                    )
                }
                for (name, timeout) in [
                    ("schedule-to-close", attributes.scheduleToCloseTimeout),
                    ("schedule-to-start", attributes.scheduleToStartTimeout),
                    ("start-to-close", attributes.startToCloseTimeout), ("heartbeat", attributes.heartbeatTimeout),
                ] {
                    if let timeout, timeout <= .zero {
                        return (
                            .badScheduleActivityAttributes,
                            "\(position()): expected a positive \(name) timeout, found \(timeout)"
                        )
                    }
                }
                if let policy = attributes.retryPolicy,
                    let problem = RetryPolicy.problem(with: policy, limits: core.options.limits)
                {
                    return (.badScheduleActivityAttributes, "\(position()): \(problem)")
                }
                if pendingActivities >= limits.pendingActivitiesMax {
                    return (
                        .pendingActivitiesLimitExceeded,
                        "\(position()): the run already has \(pendingActivities) pending activities (pendingActivitiesMax)"
                    )
                }
                activityIDs.insert(attributes.activityID)
                pendingActivities += 1
            case .requestCancelActivityTask(let scheduledEventID):
                if run.activities[scheduledEventID] == nil && !run.buffered.isEmpty {
                    return (
                        .unhandledCommand,
                        "\(position()): the activity scheduled by event \(scheduledEventID) closed while the task ran; handle its result first"
                    )
                }
                if run.activities[scheduledEventID] == nil {
                    return (
                        .badRequestCancelActivityAttributes,
                        "\(position()): no pending activity was scheduled by event \(scheduledEventID)"
                    )
                }
            case .startTimer(let timerID, let timeout):
                if let problem = checkIdentifier(timerID, "timer id") {
                    return (.badStartTimerAttributes, "\(position()): \(problem)")
                }
                if timerID.isEmpty {
                    return (.badStartTimerAttributes, "\(position()): expected a timer id, found an empty one")
                }
                if timers.contains(timerID) {
                    return (
                        .startTimerDuplicateID,
                        "\(position()): timer id '\(timerID.quotedPrefix)' is already pending in this run"
                    )
                }
                if timeout <= .zero {
                    return (.badStartTimerAttributes, "\(position()): expected a positive duration, found \(timeout)")
                }
                timers.insert(timerID)
            case .cancelTimer(let timerID):
                if !timers.contains(timerID) && !run.buffered.isEmpty {
                    return (
                        .unhandledCommand,
                        "\(position()): timer '\(timerID.quotedPrefix)' is not pending; it may have fired while the task ran"
                    )
                }
                if !timers.contains(timerID) {
                    return (
                        .badCancelTimerAttributes, "\(position()): no pending timer has id '\(timerID.quotedPrefix)'"
                    )
                }
                timers.remove(timerID)
            case .recordMarker(let name, let details, let failure):
                if let problem = checkIdentifier(name, "marker name") {
                    return (.badRecordMarkerAttributes, "\(position()): \(problem)")
                }
                if name.isEmpty {
                    return (.badRecordMarkerAttributes, "\(position()): expected a marker name, found an empty one")
                }
                if details.count > EventCodec.elementsMax {
                    return (
                        .badRecordMarkerAttributes,
                        "\(position()): \(details.count) detail entries, more than \(EventCodec.elementsMax)"
                    )
                }
                if let problem = checkMarkerDetails(details) ?? (failure.flatMap { checkFailure($0) }) {
                    return (.badRecordMarkerAttributes, "\(position()): \(problem)")
                }
            case .completeWorkflowExecution(let result):
                if let problem = checkPayloads(result, "result") {
                    return (.badCompleteWorkflowExecutionAttributes, "\(position()): \(problem)")
                }
            case .failWorkflowExecution(let failure):
                if let problem = checkFailure(failure) {
                    return (.badFailWorkflowExecutionAttributes, "\(position()): \(problem)")
                }
            case .cancelWorkflowExecution(let details):
                if let problem = checkPayloads(details, "details") {
                    return (.badCancelWorkflowExecutionAttributes, "\(position()): \(problem)")
                }
            case .continueAsNewWorkflowExecution(let attributes):
                if let problem = checkPayloads(attributes.input, "input")
                    ?? checkIdentifier(attributes.workflowType, "workflow type")
                    ?? checkIdentifier(attributes.taskQueue, "task queue")
                    ?? checkSearchAttributes(attributes.searchAttributes ?? [:], namespace: run.key.namespace)
                    ?? Partition.checkPayloadMap(attributes.memo ?? [:], "memo", limit: payloadLimit)
                    ?? Partition.checkPayloadMap(attributes.header, "header", limit: payloadLimit)
                {
                    return (.badContinueAsNewAttributes, "\(position()): \(problem)")
                }
            case .startChildWorkflowExecution(let attributes):
                let namespace = attributes.namespace.isEmpty ? run.key.namespace : attributes.namespace
                if attributes.workflowID.rawValue.isEmpty || attributes.workflowType.isEmpty {
                    return (
                        .badStartChildExecutionAttributes,
                        "\(position()): expected a workflow id and a workflow type, found an empty one"
                    )
                }
                if !core.namespaces.exists(namespace) {
                    return (
                        .badStartChildExecutionAttributes,
                        "\(position()): namespace '\(namespace.prefix(64))' does not exist"
                    )
                }
                if let problem = checkIdentifier(attributes.workflowID.rawValue, "workflow id")
                    ?? checkIdentifier(attributes.workflowType, "workflow type")
                    ?? checkIdentifier(attributes.taskQueue, "task queue")
                    ?? checkPayloads(attributes.input, "input")
                    ?? checkSearchAttributes(attributes.searchAttributes, namespace: namespace)
                    ?? Partition.checkPayloadMap(attributes.memo, "memo", limit: payloadLimit)
                    ?? Partition.checkPayloadMap(attributes.header, "header", limit: payloadLimit)
                {
                    return (.badStartChildExecutionAttributes, "\(position()): \(problem)")
                }
                if let policy = attributes.retryPolicy,
                    let problem = RetryPolicy.problem(with: policy, limits: core.options.limits)
                {
                    return (.badStartChildExecutionAttributes, "\(position()): \(problem)")
                }
                if pendingChildren >= limits.pendingChildrenMax {
                    return (
                        .pendingChildWorkflowsLimitExceeded,
                        "\(position()): the run already has \(pendingChildren) pending child workflows (pendingChildrenMax)"
                    )
                }
                pendingChildren += 1
            case .signalExternalWorkflowExecution(let attributes):
                let signalNamespace = attributes.namespace.isEmpty ? run.key.namespace : attributes.namespace
                if !core.namespaces.exists(signalNamespace) {
                    return (
                        .badSignalWorkflowExecutionAttributes,
                        "\(position()): namespace '\(signalNamespace.prefix(64))' does not exist"
                    )
                }
                if let problem = checkIdentifier(attributes.execution.workflowID.rawValue, "workflow id")
                    ?? checkIdentifier(attributes.execution.runID.rawValue, "run id")
                {
                    return (.badSignalWorkflowExecutionAttributes, "\(position()): \(problem)")
                }
                if attributes.execution.workflowID.rawValue.isEmpty || attributes.signalName.isEmpty {
                    return (
                        .badSignalWorkflowExecutionAttributes,
                        "\(position()): expected a workflow id and a signal name, found an empty one"
                    )
                }
                if let problem = checkPayloads(attributes.input, "input")
                    ?? checkIdentifier(attributes.signalName, "signal name")
                    ?? Partition.checkPayloadMap(attributes.header, "header", limit: payloadLimit)
                {
                    return (.badSignalInputSize, "\(position()): \(problem)")
                }
                if pendingSignals >= limits.pendingSignalsMax {
                    return (
                        .pendingSignalsLimitExceeded,
                        "\(position()): the run already has \(pendingSignals) pending external signals (pendingSignalsMax)"
                    )
                }
                pendingSignals += 1
            case .requestCancelExternalWorkflowExecution(let namespace, let execution, _, let reason):
                let target = namespace.isEmpty ? run.key.namespace : namespace
                if !core.namespaces.exists(target) {
                    return (
                        .badRequestCancelExternalWorkflowExecutionAttributes,
                        "\(position()): namespace '\(target.prefix(64))' does not exist"
                    )
                }
                if let problem = checkIdentifier(execution.workflowID.rawValue, "workflow id")
                    ?? checkIdentifier(execution.runID.rawValue, "run id") ?? checkIdentifier(reason, "reason")
                {
                    return (.badRequestCancelExternalWorkflowExecutionAttributes, "\(position()): \(problem)")
                }
                if execution.workflowID.rawValue.isEmpty {
                    return (
                        .badRequestCancelExternalWorkflowExecutionAttributes,
                        "\(position()): expected a workflow id, found an empty one"
                    )
                }
                if pendingCancels >= limits.pendingCancelRequestsMax {
                    return (
                        .pendingRequestCancelLimitExceeded,
                        "\(position()): the run already has \(pendingCancels) pending cancel requests (pendingCancelRequestsMax)"
                    )
                }
                pendingCancels += 1
            case .upsertWorkflowSearchAttributes(let attributes):
                if let problem = checkSearchAttributes(attributes, namespace: run.key.namespace) {
                    return (.badSearchAttributes, "\(position()): \(problem)")
                }
            case .modifyWorkflowProperties(let memo):
                if let problem = Partition.checkPayloadMap(memo, "memo", limit: payloadLimit) {
                    return (.badModifyWorkflowPropertiesAttributes, "\(position()): \(problem)")
                }
            case .acceptUpdate(let updateID):
                if !admitted.contains(updateID) {
                    return (
                        .badUpdateWorkflowExecutionMessage,
                        "\(position()): update '\(updateID.quotedPrefix)' is not waiting to be accepted in this run"
                    )
                }
                admitted.remove(updateID)
                accepted.insert(updateID)
            case .rejectUpdate(let updateID, let failure):
                if !admitted.contains(updateID) {
                    return (
                        .badUpdateWorkflowExecutionMessage,
                        "\(position()): update '\(updateID.quotedPrefix)' is not waiting to be accepted in this run"
                    )
                }
                if let problem = checkFailure(failure) {
                    return (.badUpdateWorkflowExecutionMessage, "\(position()): \(problem)")
                }
                admitted.remove(updateID)
            case .completeUpdate(let updateID, let outcome):
                if !accepted.contains(updateID) {
                    return (
                        .badUpdateWorkflowExecutionMessage,
                        "\(position()): update '\(updateID.quotedPrefix)' must be accepted before it completes"
                    )
                }
                switch outcome {
                case .success(let result):
                    if let problem = checkPayloads(result, "result") {
                        return (.badUpdateWorkflowExecutionMessage, "\(position()): \(problem)")
                    }
                case .failure(let failure):
                    if let problem = checkFailure(failure) {
                        return (.badUpdateWorkflowExecutionMessage, "\(position()): \(problem)")
                    }
                }
                accepted.remove(updateID)
            }
        }
        return nil
    }

    func checkIdentifier(_ text: String, _ what: String) -> String? {
        let count = text.utf8.count
        let limit = core.options.limits.identifierBytesMax
        return count > limit ? "\(what) of \(count) bytes exceeds identifierBytesMax \(limit)" : nil
    }

    func checkPayloads(_ payloads: [Payload], _ what: String) -> String? {
        Partition.checkPayloads(payloads, what, limit: core.options.limits.payloadBytesMax)
    }

    /// Checks a marker's details: every key is an identifier, and keys and payloads together fit
    /// `payloadBytesMax`.
    func checkMarkerDetails(_ details: [String: [Payload]]) -> String? {
        var keyBytes = 0
        for key in details.keys {
            if let problem = checkIdentifier(key, "details key '\(key.quotedPrefix)'") { return problem }
            keyBytes += key.utf8.count + 8
        }
        let limit = core.options.limits.payloadBytesMax
        if keyBytes > limit { return "details keys of \(keyBytes) bytes exceed payloadBytesMax \(limit)" }
        return Partition.checkPayloads(details.values.flatMap { $0 }, "details", limit: limit - keyBytes)
    }

    /// Checks a payload list's size and element counts (the codec's `elementsMax`).
    static func checkPayloads(_ payloads: [Payload], _ what: String, limit: Int) -> String? {
        if payloads.count > EventCodec.elementsMax {
            return "\(what) has \(payloads.count) payloads, more than \(EventCodec.elementsMax)"
        }
        var bytes = 0
        for payload in payloads {
            if payload.metadata.count > EventCodec.elementsMax {
                return
                    "\(what) has a payload with \(payload.metadata.count) metadata entries, more than \(EventCodec.elementsMax)"
            }
            // Each payload and metadata entry also costs a few bytes of framing.
            bytes += payload.sizeBytes + 8 + 8 * payload.metadata.count
        }
        return bytes > limit ? "\(what) of \(bytes) bytes exceeds payloadBytesMax \(limit)" : nil
    }

    /// Checks a map of payloads (memo, header) like a payload list, keys included.
    static func checkPayloadMap(_ map: [String: Payload], _ what: String, limit: Int) -> String? {
        if map.count > EventCodec.elementsMax {
            return "\(what) has \(map.count) entries, more than \(EventCodec.elementsMax)"
        }
        let keys = map.keys.reduce(0) { $0 + $1.utf8.count + 8 }
        if let problem = checkPayloads(Array(map.values), what, limit: limit - keys) { return problem }
        return nil
    }

    /// Checks search attribute values: finite doubles, bounded lists and total size.
    static func checkSearchAttributeValues(_ attributes: [String: SearchAttributeValue], limit: Int) -> String? {
        if attributes.count > EventCodec.elementsMax {
            return "\(attributes.count) search attributes, more than \(EventCodec.elementsMax)"
        }
        var bytes = 0
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
            bytes += name.utf8.count + 16
            switch value {
            case .double(let number) where !number.isFinite:
                return "search attribute '\(name.quotedPrefix)' must be a finite number, found \(number)"
            case .keyword(let text), .text(let text):
                bytes += text.utf8.count
            case .keywordList(let list):
                if list.count > EventCodec.elementsMax {
                    return
                        "search attribute '\(name.quotedPrefix)' has \(list.count) keywords, more than \(EventCodec.elementsMax)"
                }
                bytes += list.reduce(0) { $0 + $1.utf8.count + 8 }
            default:
                break
            }
        }
        return bytes > limit ? "search attributes of \(bytes) bytes exceed payloadBytesMax \(limit)" : nil
    }

    func checkFailure(_ failure: Failure) -> String? {
        if failure.depth > 32 { return "failure cause chain of depth \(failure.depth) exceeds 32" }
        var bytes = 0
        var next: Failure? = failure
        while let current = next {
            bytes += current.message.utf8.count + current.stackTrace.utf8.count + current.source.utf8.count + 64
            var details: [Payload] = []
            switch current.info {
            case .application(let type, _, let list):
                details = list
                bytes += type.utf8.count
            case .timeout(_, let list), .canceled(let list):
                details = list
            default:
                break
            }
            if let problem = checkPayloads(details, "failure details") { return problem }
            bytes += details.reduce(0) { $0 + $1.sizeBytes }
            next = current.cause
        }
        let limit = core.options.limits.payloadBytesMax
        return bytes > limit ? "failure of \(bytes) bytes exceeds payloadBytesMax \(limit)" : nil
    }

    func checkSearchAttributes(_ attributes: [String: SearchAttributeValue], namespace: String) -> String? {
        if let problem = Partition.checkSearchAttributeValues(attributes, limit: core.options.limits.payloadBytesMax) {
            return problem
        }
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
            guard let type = core.namespaces.searchAttributeType(name, in: namespace) else {
                return "search attribute '\(name.quotedPrefix)' is not registered in namespace '\(namespace)'"
            }
            if type != value.type {
                return "search attribute '\(name.quotedPrefix)' is \(type), found a \(value.type) value"
            }
        }
        return nil
    }

    /// Writes the events of one valid command.
    func apply(_ command: Command, to run: RunState, completedEventID: Int64, in batch: Batch) {
        switch command {
        case .scheduleActivityTask(let attributes):
            scheduleActivity(attributes, run: run, completedEventID: completedEventID, in: batch)
        case .requestCancelActivityTask(let scheduledEventID):
            requestCancelActivity(scheduledEventID, run: run, completedEventID: completedEventID, in: batch)
        case .startTimer(let timerID, let timeout):
            let startedEventID = write(
                .timerStarted(
                    TimerStarted(
                        timerID: timerID, startToFireTimeout: timeout, workflowTaskCompletedEventID: completedEventID)),
                to: run, in: batch)
            schedule(Deadline(kind: .userTimer, run: run, eventID: startedEventID), at: batch.now + timeout)
        case .cancelTimer(let timerID):
            guard let timer = run.timers[timerID] else { return }
            write(
                .timerCanceled(
                    TimerCanceled(
                        timerID: timerID, startedEventID: timer.startedEventID,
                        workflowTaskCompletedEventID: completedEventID, identity: "")),
                to: run, in: batch)
        case .recordMarker(let name, let details, let failure):
            write(
                .markerRecorded(
                    MarkerRecorded(
                        markerName: name, details: details, workflowTaskCompletedEventID: completedEventID, header: [:],
                        failure: failure)),
                to: run, in: batch)
        case .completeWorkflowExecution(let result):
            close(
                run,
                with: .workflowExecutionCompleted(
                    WorkflowExecutionCompleted(
                        result: result, workflowTaskCompletedEventID: completedEventID, newExecutionRunID: nil)),
                successor: nil, in: batch)
        case .failWorkflowExecution(let failure):
            failRun(run, failure: failure, timedOut: false, workflowTaskCompletedEventID: completedEventID, in: batch)
        case .cancelWorkflowExecution(let details):
            close(
                run,
                with: .workflowExecutionCanceled(
                    WorkflowExecutionCanceled(workflowTaskCompletedEventID: completedEventID, details: details)),
                successor: nil, in: batch)
        case .continueAsNewWorkflowExecution(let attributes):
            continueAsNew(run, attributes, completedEventID: completedEventID, in: batch)
        case .startChildWorkflowExecution(let attributes):
            startChild(attributes, run: run, completedEventID: completedEventID, in: batch)
        case .signalExternalWorkflowExecution(let attributes):
            signalExternal(attributes, run: run, completedEventID: completedEventID, in: batch)
        case .requestCancelExternalWorkflowExecution(let namespace, let execution, let childWorkflowOnly, let reason):
            cancelExternal(
                namespace: namespace.isEmpty ? run.key.namespace : namespace, execution: execution,
                childWorkflowOnly: childWorkflowOnly, reason: reason, run: run, completedEventID: completedEventID,
                in: batch)
        case .upsertWorkflowSearchAttributes(let attributes):
            write(
                .upsertWorkflowSearchAttributes(
                    UpsertWorkflowSearchAttributes(
                        workflowTaskCompletedEventID: completedEventID, searchAttributes: attributes)),
                to: run, in: batch)
        case .modifyWorkflowProperties(let memo):
            write(
                .workflowPropertiesModified(
                    WorkflowPropertiesModified(workflowTaskCompletedEventID: completedEventID, upsertedMemo: memo)),
                to: run, in: batch)
        case .acceptUpdate(let updateID):
            acceptUpdate(updateID, run: run, in: batch)
        case .rejectUpdate(let updateID, let failure):
            rejectUpdate(updateID, failure: failure, run: run, in: batch)
        case .completeUpdate(let updateID, let outcome):
            completeUpdate(updateID, outcome: outcome, run: run, in: batch)
        }
    }

    func continueAsNew(_ run: RunState, _ attributes: ContinueAsNew, completedEventID: Int64, in batch: Batch) {
        let runID = core.runIDs.next()
        let taskQueue = attributes.taskQueue.isEmpty ? run.started.taskQueue : TaskQueue(name: attributes.taskQueue)
        let workflowType = attributes.workflowType.isEmpty ? run.started.workflowType : attributes.workflowType
        let memo = attributes.memo ?? run.memo
        let searchAttributes = attributes.searchAttributes ?? run.searchAttributes
        let runTimeout = attributes.runTimeout ?? run.started.runTimeout
        let taskTimeout = attributes.taskTimeout ?? run.started.taskTimeout
        var started = run.started
        started.workflowType = workflowType
        started.taskQueue = taskQueue
        started.input = attributes.input
        started.runTimeout = runTimeout
        started.taskTimeout = taskTimeout
        started.continuedFromRunID = run.key.execution.runID
        started.initiator = .workflow
        started.continuedFailure = nil
        started.attempt = 1
        started.firstWorkflowTaskBackoff = attributes.backoffStartInterval
        started.originalRunID = runID
        started.requestID = ""
        started.memo = memo
        started.searchAttributes = searchAttributes
        started.header = attributes.header
        close(
            run,
            with: .workflowExecutionContinuedAsNew(
                WorkflowExecutionContinuedAsNew(
                    newExecutionRunID: runID, workflowType: workflowType, taskQueue: taskQueue,
                    input: attributes.input, runTimeout: runTimeout, taskTimeout: taskTimeout,
                    workflowTaskCompletedEventID: completedEventID,
                    backoffStartInterval: attributes.backoffStartInterval, initiator: .workflow, failure: nil,
                    lastCompletionResult: [], memo: memo, searchAttributes: searchAttributes,
                    header: attributes.header)),
            successor: (runID, started), in: batch)
    }
}

extension RetryPolicy {
    /// What is wrong with a retry policy, or nil when it is valid.
    static func problem(with policy: RetryPolicy, limits: EngineLimits) -> String? {
        let types = policy.nonRetryableErrorTypes
        if types.count > EventCodec.elementsMax {
            return
                "retry policy: \(types.count) non-retryable error types, more than \(EventCodec.elementsMax)"
        }
        var typeBytes = 0
        for type in types {
            if type.utf8.count > limits.identifierBytesMax {
                return
                    "retry policy: non-retryable error type of \(type.utf8.count) bytes exceeds identifierBytesMax \(limits.identifierBytesMax)"
            }
            typeBytes += type.utf8.count + 8
        }
        if typeBytes > limits.payloadBytesMax {
            return
                "retry policy: non-retryable error types of \(typeBytes) bytes exceed payloadBytesMax \(limits.payloadBytesMax)"
        }
        if policy.initialInterval <= .zero {
            return "retry policy: expected a positive initial interval, found \(policy.initialInterval)"
        }
        if !(policy.backoffCoefficient >= 1) {
            return "retry policy: expected a backoff coefficient of at least 1, found \(policy.backoffCoefficient)"
        }
        if let maximum = policy.maximumInterval, maximum < policy.initialInterval {
            return
                "retry policy: maximum interval \(maximum) is less than the initial interval \(policy.initialInterval)"
        }
        if policy.maximumAttempts < 0 {
            return "retry policy: expected maximum attempts of 0 (unlimited) or more, found \(policy.maximumAttempts)"
        }
        return nil
    }
}

extension Command {
    /// A quick upper estimate of the bytes the command's events carry, for the completion limit.
    var approximateBytes: Int {
        func size(_ payloads: [Payload]) -> Int { payloads.reduce(64) { $0 + $1.sizeBytes + 16 } }
        func size(_ map: [String: Payload]) -> Int {
            map.reduce(64) { $0 + $1.key.utf8.count + $1.value.sizeBytes + 16 }
        }
        switch self {
        case .scheduleActivityTask(let attributes): return size(attributes.input) + size(attributes.header) + 256
        case .recordMarker(_, let details, _): return details.values.reduce(256) { $0 + size($1) }
        case .completeWorkflowExecution(let result): return size(result)
        case .cancelWorkflowExecution(let details): return size(details)
        case .continueAsNewWorkflowExecution(let attributes):
            return size(attributes.input) + size(attributes.memo ?? [:]) + size(attributes.header) + 256
        case .startChildWorkflowExecution(let attributes):
            return size(attributes.input) + size(attributes.memo) + size(attributes.header) + 256
        case .signalExternalWorkflowExecution(let attributes): return size(attributes.input) + size(attributes.header)
        case .modifyWorkflowProperties(let memo): return size(memo)
        case .completeUpdate(_, .success(let result)): return size(result)
        default: return 256
        }
    }
}

extension String {
    /// The string for an error message: itself, or its first 64 characters and an ellipsis, so a message
    /// about an oversized id stays small enough to be written in an event.
    var quotedPrefix: String { count <= 64 ? self : String(prefix(64)) + "…" }
}
