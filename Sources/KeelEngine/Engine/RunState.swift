import KeelLog

/// A run's identity inside the engine: namespace, workflow id and run id.
struct RunKey: Hashable, Sendable, CustomStringConvertible {
    var namespace: String
    var execution: WorkflowExecution

    var description: String { "\(namespace)/\(execution)" }

    /// Hashes the run id alone: it tells runs apart by itself, and it is hashed on every lookup of
    /// a run, so the namespace and workflow id are left out. Equal keys still hash alike.
    func hash(into hasher: inout Hasher) { hasher.combine(execution.runID.rawValue) }

    /// The KeelLog stream that holds the run's history: a tag byte, then the namespace, workflow id
    /// and run id, each with a 2-byte little-endian length (FORMAT.md, Part II).
    var stream: StreamKey {
        let texts = (namespace.utf8, execution.workflowID.rawValue.utf8, execution.runID.rawValue.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(7 + texts.0.count + texts.1.count + texts.2.count)
        bytes.append(0x01)
        func add(_ utf8: String.UTF8View) {
            bytes.append(UInt8(utf8.count & 0xFF))
            bytes.append(UInt8(utf8.count >> 8))
            bytes.append(contentsOf: utf8)
        }
        add(texts.0)
        add(texts.1)
        add(texts.2)
        return StreamKey(bytes)
    }

    /// Reads a run stream's key; nil when the key is not a run stream's.
    init?(stream: StreamKey) {
        let bytes = stream.bytes
        guard bytes.first == 0x01 else { return nil }
        var position = 1
        var texts: [String] = []
        for _ in 0..<3 {
            guard position + 2 <= bytes.count else { return nil }
            let count = Int(bytes[position]) | Int(bytes[position + 1]) << 8
            position += 2
            guard position + count <= bytes.count,
                let text = String(validating: bytes[position..<(position + count)], as: UTF8.self)
            else { return nil }
            texts.append(text)
            position += count
        }
        guard position == bytes.count else { return nil }
        self.init(
            namespace: texts[0],
            execution: WorkflowExecution(workflowID: WorkflowID(texts[1]), runID: RunID(texts[2])))
    }

    init(namespace: String, execution: WorkflowExecution) {
        self.namespace = namespace
        self.execution = execution
    }
}

/// The workflow task a run has scheduled or started.
struct WorkflowTaskState {
    var scheduledEventID: Int64
    var startedEventID: Int64 = 0
    var attempt: Int32
    var taskQueue: TaskQueue
    var scheduledTime: Timestamp
    var startedTime: Timestamp?
    var timeout: Duration
    var identity = ""

    var isStarted: Bool { startedEventID != 0 }
}

/// An activity a run scheduled and that has not closed.
struct ActivityState {
    var scheduledEventID: Int64
    var attributes: ActivityTaskScheduled
    var scheduledTime: Timestamp
    var attempt: Int32 = 1
    var attemptScheduledTime: Timestamp
    /// Set while a worker runs the current attempt (kept in memory only, as Temporal keeps it out of
    /// history until the activity closes).
    var startedTime: Timestamp?
    var startedIdentity = ""
    var startedRequestID = ""
    var cancelRequestedEventID: Int64 = 0
    var heartbeatDetails: [Payload] = []
    var lastHeartbeatTime: Timestamp?
    var lastFailure: Failure?
    /// When a retry waits for its backoff, the time it is dispatched.
    var retryTime: Timestamp?
    /// The last activity-attempt record written for this activity: what a restart knows of its retries
    /// (the fields above also hold what the running attempt did in memory).
    var lastAttempt: ActivityAttemptRecord?

    var isStarted: Bool { startedTime != nil }
}

/// A child workflow a run initiated and that has not closed.
struct ChildState {
    var initiatedEventID: Int64
    var attributes: StartChildWorkflowExecutionInitiated
    var runID: RunID?
    var startedEventID: Int64 = 0
}

/// The state a run's live write path let go of ahead of its buffered events (`RunState.holdBack`).
struct HeldBack {
    var timers: [String: (startedEventID: Int64, fireTime: Timestamp)] = [:]
    var activities: [Int64: ActivityState] = [:]
    var children: [Int64: ChildState] = [:]
    var cancelRequested: Bool?
}

/// An update the engine admitted for a run, accepted or not.
struct UpdateState {
    var request: UpdateRequest
    /// Delivered with a started workflow task (so a worker is deciding it).
    var deliveredInTask: Int64 = 0
    var acceptedEventID: Int64 = 0
    var outcome: UpdateOutcome?
}

/// One open or recently closed run: everything the engine needs to act on it without reading its
/// history (Temporal's mutable state). It is derived from the history by `apply(_:)`, which both the
/// live write path and recovery use, so the two cannot disagree.
final class RunState {
    let key: RunKey
    let stream: StreamKey
    var started: WorkflowExecutionStarted
    var startTime: Timestamp
    var status: ExecutionStatus = .running
    var closeTime: Timestamp?
    /// The id the next event gets.
    var nextEventID: Int64 = 1
    var historySizeBytes: Int64 = 0
    var workflowTask: WorkflowTaskState?
    /// The started event id of the last completed workflow task.
    var lastCompletedStartedEventID: Int64 = 0
    var workflowTaskAttempt: Int32 = 1
    var stickyQueue: StickyAttributes?
    /// Events that arrived while a workflow task was started; written after it completes.
    var buffered: [(time: Timestamp, attributes: EventAttributes)] = []
    /// Approximate bytes of `buffered`, held under `EngineLimits.bufferedBytesMax`.
    var bufferedBytes = 0
    var activities: [Int64: ActivityState] = [:]
    var activityIDs: [String: Int64] = [:]
    /// timer id -> started event id and fire time.
    var timers: [String: (startedEventID: Int64, fireTime: Timestamp)] = [:]
    var children: [Int64: ChildState] = [:]
    var pendingExternalSignals: [Int64: SignalExternalWorkflowExecutionInitiated] = [:]
    var pendingExternalCancels: [Int64: RequestCancelExternalWorkflowExecutionInitiated] = [:]
    /// The closing event's attributes, once closed (a parent learns of its child's close from them).
    var closeAttributes: EventAttributes?
    var signalCount = 0
    var signalRequestIDs: Set<String> = []
    var cancelRequested = false
    var updates: [String: UpdateState] = [:]
    var updateOrder: [String] = []
    var memo: [String: Payload]
    var searchAttributes: [String: SearchAttributeValue]
    /// The events after `lastCompletedStartedEventID`: what a sticky worker needs for its next task.
    var tail: [HistoryEvent] = []
    /// The closing event's id, once closed.
    var closeEventID: Int64 = 0
    /// The run that continues this chain, if it closed by continuing.
    var newExecutionRunID: RunID?
    /// Time of the first workflow task when the start was delayed or backed off.
    var firstTaskTime: Timestamp?
    /// The order in which the partition learned of the run (its start's order in the log); a checkpoint
    /// lists runs in this order so that reopening registers them as a full scan would.
    var registration: UInt64 = 0
    /// What the live state let go of ahead of events still buffered (nil when nothing is buffered).
    var heldBack: HeldBack?

    init(key: RunKey, started: WorkflowExecutionStarted, startTime: Timestamp) {
        self.key = key
        self.stream = key.stream
        self.started = started
        self.startTime = startTime
        self.memo = started.memo
        self.searchAttributes = started.searchAttributes
        tail.reserveCapacity(8)
    }

    var isOpen: Bool { status == .running }
    var historyLength: Int64 { nextEventID - 1 }

    /// Updates the state with `event`, the run's next event.
    ///
    /// Recovery folds a run's whole history through this; the write path calls it for each event it
    /// writes. It never fails: events were validated before they were written.
    func apply(_ event: HistoryEvent, encodedBytes: Int) {
        precondition(event.eventID == nextEventID, "event \(event.eventID) applied to \(key) expecting \(nextEventID)")
        nextEventID += 1
        historySizeBytes += Int64(encodedBytes)
        tail.append(event)
        let time = event.time
        switch event.attributes {
        case .workflowExecutionStarted(let attributes):
            if let backoff = attributes.firstWorkflowTaskBackoff, backoff > .zero { firstTaskTime = time + backoff }
        case .workflowTaskScheduled(let attributes):
            workflowTask = WorkflowTaskState(
                scheduledEventID: event.eventID, attempt: attributes.attempt, taskQueue: attributes.taskQueue,
                scheduledTime: time, timeout: attributes.startToCloseTimeout)
            workflowTaskAttempt = attributes.attempt
            firstTaskTime = nil
        case .workflowTaskStarted(let attributes):
            if workflowTask?.scheduledEventID == attributes.scheduledEventID {
                workflowTask?.startedEventID = event.eventID
                workflowTask?.startedTime = time
                workflowTask?.identity = attributes.identity
            }
        case .workflowTaskCompleted(let attributes):
            lastCompletedStartedEventID = attributes.startedEventID
            workflowTask = nil
            workflowTaskAttempt = 1
            tail.removeAll(keepingCapacity: true)
            tail.append(event)
            for id in updateOrder where updates[id]?.deliveredInTask == attributes.scheduledEventID {
                // An update delivered in this task and neither accepted nor rejected stays admitted.
                updates[id]?.deliveredInTask = 0
            }
        case .workflowTaskFailed(let attributes):
            workflowTask = nil
            // A task refused because events arrived while it ran is not the worker's fault: the next
            // task runs at once, as a first attempt.
            workflowTaskAttempt = attributes.cause == .unhandledCommand ? 1 : workflowTaskAttempt + 1
            stickyQueue = nil
            releaseDeliveredUpdates(scheduledEventID: attributes.scheduledEventID)
        case .workflowTaskTimedOut(let attributes):
            workflowTask = nil
            workflowTaskAttempt += 1
            stickyQueue = nil
            releaseDeliveredUpdates(scheduledEventID: attributes.scheduledEventID)
        case .activityTaskScheduled(let attributes):
            activities[event.eventID] = ActivityState(
                scheduledEventID: event.eventID, attributes: attributes, scheduledTime: time,
                attemptScheduledTime: time)
            activityIDs[attributes.activityID] = event.eventID
        case .activityTaskStarted:
            break
        case .activityTaskCompleted(let attributes):
            closeActivity(attributes.scheduledEventID)
        case .activityTaskFailed(let attributes):
            closeActivity(attributes.scheduledEventID)
        case .activityTaskTimedOut(let attributes):
            closeActivity(attributes.scheduledEventID)
        case .activityTaskCanceled(let attributes):
            closeActivity(attributes.scheduledEventID)
        case .activityTaskCancelRequested(let attributes):
            activities[attributes.scheduledEventID]?.cancelRequestedEventID = event.eventID
        case .timerStarted(let attributes):
            timers[attributes.timerID] = (event.eventID, time + attributes.startToFireTimeout)
        case .timerFired(let attributes):
            timers[attributes.timerID] = nil
        case .timerCanceled(let attributes):
            timers[attributes.timerID] = nil
        case .workflowExecutionSignaled:
            signalCount += 1
        case .workflowExecutionCancelRequested:
            cancelRequested = true
        case .startChildWorkflowExecutionInitiated(let attributes):
            children[event.eventID] = ChildState(initiatedEventID: event.eventID, attributes: attributes)
        case .childWorkflowExecutionStarted(let attributes):
            children[attributes.initiatedEventID]?.runID = attributes.execution.runID
            children[attributes.initiatedEventID]?.startedEventID = event.eventID
        case .startChildWorkflowExecutionFailed(let attributes):
            children[attributes.initiatedEventID] = nil
        case .childWorkflowExecutionCompleted(let attributes):
            children[attributes.initiatedEventID] = nil
        case .childWorkflowExecutionFailed(let attributes):
            children[attributes.initiatedEventID] = nil
        case .childWorkflowExecutionCanceled(let attributes):
            children[attributes.initiatedEventID] = nil
        case .childWorkflowExecutionTimedOut(let attributes):
            children[attributes.initiatedEventID] = nil
        case .childWorkflowExecutionTerminated(let attributes):
            children[attributes.initiatedEventID] = nil
        case .signalExternalWorkflowExecutionInitiated(let attributes):
            pendingExternalSignals[event.eventID] = attributes
        case .signalExternalWorkflowExecutionFailed(let attributes):
            pendingExternalSignals[attributes.initiatedEventID] = nil
        case .externalWorkflowExecutionSignaled(let attributes):
            pendingExternalSignals[attributes.initiatedEventID] = nil
        case .requestCancelExternalWorkflowExecutionInitiated(let attributes):
            pendingExternalCancels[event.eventID] = attributes
        case .requestCancelExternalWorkflowExecutionFailed(let attributes):
            pendingExternalCancels[attributes.initiatedEventID] = nil
        case .externalWorkflowExecutionCancelRequested(let attributes):
            pendingExternalCancels[attributes.initiatedEventID] = nil
        case .upsertWorkflowSearchAttributes(let attributes):
            for (name, value) in attributes.searchAttributes {
                if case .keywordList(let list) = value, list.isEmpty {
                    searchAttributes[name] = nil
                } else {
                    searchAttributes[name] = value
                }
            }
        case .workflowPropertiesModified(let attributes):
            for (name, value) in attributes.upsertedMemo {
                if value.data.isEmpty && value.metadata.isEmpty { memo[name] = nil } else { memo[name] = value }
            }
        case .markerRecorded:
            break
        case .workflowExecutionUpdateAccepted(let attributes):
            let id = attributes.acceptedRequest.updateID
            if updates[id] == nil {
                updates[id] = UpdateState(request: attributes.acceptedRequest)
                updateOrder.append(id)
            }
            updates[id]?.acceptedEventID = event.eventID
        case .workflowExecutionUpdateCompleted(let attributes):
            updates[attributes.updateID]?.outcome = attributes.outcome
        case .workflowExecutionCompleted(let attributes):
            close(.completed, at: time, eventID: event.eventID, next: attributes.newExecutionRunID)
        case .workflowExecutionFailed(let attributes):
            close(.failed, at: time, eventID: event.eventID, next: attributes.newExecutionRunID)
        case .workflowExecutionTimedOut(let attributes):
            close(.timedOut, at: time, eventID: event.eventID, next: attributes.newExecutionRunID)
        case .workflowExecutionCanceled:
            close(.canceled, at: time, eventID: event.eventID, next: nil)
        case .workflowExecutionTerminated:
            close(.terminated, at: time, eventID: event.eventID, next: nil)
        case .workflowExecutionContinuedAsNew(let attributes):
            close(.continuedAsNew, at: time, eventID: event.eventID, next: attributes.newExecutionRunID)
        }
    }

    /// Remembers, before an event is buffered, the part of the state that the live write path changes
    /// at once but the history changes only when the buffered event is written: a fired timer, an
    /// activity or child whose closing event waits, a cancellation request. A checkpoint writes the
    /// state as the history has it, which is what a restart rebuilds.
    func holdBack(before attributes: EventAttributes) {
        var held = heldBack ?? HeldBack()
        func child(_ initiatedEventID: Int64) {
            if held.children[initiatedEventID] == nil, let child = children[initiatedEventID] {
                held.children[initiatedEventID] = child
            }
        }
        func activity(_ scheduledEventID: Int64) {
            if held.activities[scheduledEventID] == nil, let activity = activities[scheduledEventID] {
                held.activities[scheduledEventID] = activity
            }
        }
        switch attributes {
        case .timerFired(let fired):
            if held.timers[fired.timerID] == nil, let timer = timers[fired.timerID] {
                held.timers[fired.timerID] = timer
            }
        case .activityTaskStarted(let event): activity(event.scheduledEventID)
        case .activityTaskCompleted(let event): activity(event.scheduledEventID)
        case .activityTaskFailed(let event): activity(event.scheduledEventID)
        case .activityTaskTimedOut(let event): activity(event.scheduledEventID)
        case .activityTaskCanceled(let event): activity(event.scheduledEventID)
        case .childWorkflowExecutionStarted(let event): child(event.initiatedEventID)
        case .startChildWorkflowExecutionFailed(let event): child(event.initiatedEventID)
        case .childWorkflowExecutionCompleted(let event): child(event.initiatedEventID)
        case .childWorkflowExecutionFailed(let event): child(event.initiatedEventID)
        case .childWorkflowExecutionCanceled(let event): child(event.initiatedEventID)
        case .childWorkflowExecutionTimedOut(let event): child(event.initiatedEventID)
        case .childWorkflowExecutionTerminated(let event): child(event.initiatedEventID)
        case .workflowExecutionCancelRequested:
            if held.cancelRequested == nil { held.cancelRequested = cancelRequested }
        default:
            break
        }
        heldBack = held
    }

    private func closeActivity(_ scheduledEventID: Int64) {
        if let activity = activities.removeValue(forKey: scheduledEventID) {
            activityIDs[activity.attributes.activityID] = nil
        }
    }

    private func releaseDeliveredUpdates(scheduledEventID: Int64) {
        for id in updateOrder where updates[id]?.deliveredInTask == scheduledEventID {
            updates[id]?.deliveredInTask = 0
        }
    }

    private func close(_ status: ExecutionStatus, at time: Timestamp, eventID: Int64, next: RunID?) {
        self.status = status
        closeAttributes = tail.last?.attributes
        closeTime = time
        closeEventID = eventID
        newExecutionRunID = next
        workflowTask = nil
        stickyQueue = nil
        buffered.removeAll()
        bufferedBytes = 0
        heldBack = nil
        activities.removeAll()
        activityIDs.removeAll()
        timers.removeAll()
        tail.removeAll()
    }

    /// The run as visibility lists it.
    var visibilityRecord: VisibilityRecord {
        VisibilityRecord(
            namespace: key.namespace, execution: key.execution, workflowType: started.workflowType,
            taskQueue: started.taskQueue.name, status: status, startTime: startTime,
            executionTime: startTime + (started.firstWorkflowTaskBackoff ?? .zero), closeTime: closeTime,
            historyLength: historyLength, searchAttributes: searchAttributes,
            parentExecution: started.parent?.execution)
    }
}
