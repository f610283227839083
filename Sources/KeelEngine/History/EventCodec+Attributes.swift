// The attributes message of each event type, dispatched on the type. The field numbers and defaults
// of every message are the tables of FORMAT.md, section 20.

extension BinaryWriter {
    /// Appends the fields of the attributes message of `attributes`.
    mutating func attributes(_ attributes: EventAttributes) {
        switch attributes {
        case .workflowExecutionStarted(let value): fields(value)
        case .workflowExecutionCompleted(let value): fields(value)
        case .workflowExecutionFailed(let value): fields(value)
        case .workflowExecutionTimedOut(let value): fields(value)
        case .workflowExecutionCanceled(let value): fields(value)
        case .workflowExecutionTerminated(let value): fields(value)
        case .workflowExecutionContinuedAsNew(let value): fields(value)
        case .workflowTaskScheduled(let value): fields(value)
        case .workflowTaskStarted(let value): fields(value)
        case .workflowTaskCompleted(let value): fields(value)
        case .workflowTaskTimedOut(let value): fields(value)
        case .workflowTaskFailed(let value): fields(value)
        case .activityTaskScheduled(let value): fields(value)
        case .activityTaskStarted(let value): fields(value)
        case .activityTaskCompleted(let value): fields(value)
        case .activityTaskFailed(let value): fields(value)
        case .activityTaskTimedOut(let value): fields(value)
        case .activityTaskCancelRequested(let value): fields(value)
        case .activityTaskCanceled(let value): fields(value)
        case .timerStarted(let value): fields(value)
        case .timerFired(let value): fields(value)
        case .timerCanceled(let value): fields(value)
        case .workflowExecutionCancelRequested(let value): fields(value)
        case .workflowExecutionSignaled(let value): fields(value)
        case .markerRecorded(let value): fields(value)
        case .startChildWorkflowExecutionInitiated(let value): fields(value)
        case .startChildWorkflowExecutionFailed(let value): fields(value)
        case .childWorkflowExecutionStarted(let value): fields(value)
        case .childWorkflowExecutionCompleted(let value): fields(value)
        case .childWorkflowExecutionFailed(let value): fields(value)
        case .childWorkflowExecutionCanceled(let value): fields(value)
        case .childWorkflowExecutionTimedOut(let value): fields(value)
        case .childWorkflowExecutionTerminated(let value): fields(value)
        case .requestCancelExternalWorkflowExecutionInitiated(let value): fields(value)
        case .requestCancelExternalWorkflowExecutionFailed(let value): fields(value)
        case .externalWorkflowExecutionCancelRequested(let value): fields(value)
        case .signalExternalWorkflowExecutionInitiated(let value): fields(value)
        case .signalExternalWorkflowExecutionFailed(let value): fields(value)
        case .externalWorkflowExecutionSignaled(let value): fields(value)
        case .upsertWorkflowSearchAttributes(let value): fields(value)
        case .workflowPropertiesModified(let value): fields(value)
        case .workflowExecutionUpdateAccepted(let value): fields(value)
        case .workflowExecutionUpdateCompleted(let value): fields(value)
        }
    }
}

extension BinaryReader {
    /// Reads the attributes message of an event of type `type`, up to the reader's end.
    @inline(__always)
    mutating func attributes(of type: EventType) throws(EngineError) -> EventAttributes {
        switch type {
        case .workflowExecutionStarted: .workflowExecutionStarted(try workflowExecutionStarted())
        case .workflowExecutionCompleted: .workflowExecutionCompleted(try workflowExecutionCompleted())
        case .workflowExecutionFailed: .workflowExecutionFailed(try workflowExecutionFailed())
        case .workflowExecutionTimedOut: .workflowExecutionTimedOut(try workflowExecutionTimedOut())
        case .workflowExecutionCanceled: .workflowExecutionCanceled(try workflowExecutionCanceled())
        case .workflowExecutionTerminated: .workflowExecutionTerminated(try workflowExecutionTerminated())
        case .workflowExecutionContinuedAsNew: .workflowExecutionContinuedAsNew(try workflowExecutionContinuedAsNew())
        case .workflowTaskScheduled: .workflowTaskScheduled(try workflowTaskScheduled())
        case .workflowTaskStarted: .workflowTaskStarted(try workflowTaskStarted())
        case .workflowTaskCompleted: .workflowTaskCompleted(try workflowTaskCompleted())
        case .workflowTaskTimedOut: .workflowTaskTimedOut(try workflowTaskTimedOut())
        case .workflowTaskFailed: .workflowTaskFailed(try workflowTaskFailed())
        case .activityTaskScheduled: .activityTaskScheduled(try activityTaskScheduled())
        case .activityTaskStarted: .activityTaskStarted(try activityTaskStarted())
        case .activityTaskCompleted: .activityTaskCompleted(try activityTaskCompleted())
        case .activityTaskFailed: .activityTaskFailed(try activityTaskFailed())
        case .activityTaskTimedOut: .activityTaskTimedOut(try activityTaskTimedOut())
        case .activityTaskCancelRequested: .activityTaskCancelRequested(try activityTaskCancelRequested())
        case .activityTaskCanceled: .activityTaskCanceled(try activityTaskCanceled())
        case .timerStarted: .timerStarted(try timerStarted())
        case .timerFired: .timerFired(try timerFired())
        case .timerCanceled: .timerCanceled(try timerCanceled())
        case .workflowExecutionCancelRequested:
            .workflowExecutionCancelRequested(try workflowExecutionCancelRequested())
        case .workflowExecutionSignaled: .workflowExecutionSignaled(try workflowExecutionSignaled())
        case .markerRecorded: .markerRecorded(try markerRecorded())
        case .startChildWorkflowExecutionInitiated:
            .startChildWorkflowExecutionInitiated(try startChildWorkflowExecutionInitiated())
        case .startChildWorkflowExecutionFailed:
            .startChildWorkflowExecutionFailed(try startChildWorkflowExecutionFailed())
        case .childWorkflowExecutionStarted: .childWorkflowExecutionStarted(try childWorkflowExecutionStarted())
        case .childWorkflowExecutionCompleted: .childWorkflowExecutionCompleted(try childWorkflowExecutionCompleted())
        case .childWorkflowExecutionFailed: .childWorkflowExecutionFailed(try childWorkflowExecutionFailed())
        case .childWorkflowExecutionCanceled: .childWorkflowExecutionCanceled(try childWorkflowExecutionCanceled())
        case .childWorkflowExecutionTimedOut: .childWorkflowExecutionTimedOut(try childWorkflowExecutionTimedOut())
        case .childWorkflowExecutionTerminated:
            .childWorkflowExecutionTerminated(try childWorkflowExecutionTerminated())
        case .requestCancelExternalWorkflowExecutionInitiated:
            .requestCancelExternalWorkflowExecutionInitiated(try requestCancelExternalWorkflowExecutionInitiated())
        case .requestCancelExternalWorkflowExecutionFailed:
            .requestCancelExternalWorkflowExecutionFailed(try requestCancelExternalWorkflowExecutionFailed())
        case .externalWorkflowExecutionCancelRequested:
            .externalWorkflowExecutionCancelRequested(try externalWorkflowExecutionCancelRequested())
        case .signalExternalWorkflowExecutionInitiated:
            .signalExternalWorkflowExecutionInitiated(try signalExternalWorkflowExecutionInitiated())
        case .signalExternalWorkflowExecutionFailed:
            .signalExternalWorkflowExecutionFailed(try signalExternalWorkflowExecutionFailed())
        case .externalWorkflowExecutionSignaled:
            .externalWorkflowExecutionSignaled(try externalWorkflowExecutionSignaled())
        case .upsertWorkflowSearchAttributes: .upsertWorkflowSearchAttributes(try upsertWorkflowSearchAttributes())
        case .workflowPropertiesModified: .workflowPropertiesModified(try workflowPropertiesModified())
        case .workflowExecutionUpdateAccepted: .workflowExecutionUpdateAccepted(try workflowExecutionUpdateAccepted())
        case .workflowExecutionUpdateCompleted:
            .workflowExecutionUpdateCompleted(try workflowExecutionUpdateCompleted())
        }
    }

    /// Checks that a required field was present in the message `fields` describes.
    @inline(__always)
    func require(_ fields: MessageFields, _ number: Int, _ name: StaticString) throws(EngineError) {
        guard fields.has(number) else {
            throw missing("required field \(number) (\(name))", in: fields)
        }
    }
}

/// Values a decoder starts a required field from before the field is read; a message that lacks the
/// field is refused, so these never reach a caller.
enum DecodePlaceholder {
    static let failure = Failure(message: "", info: .terminated)
    static let taskQueue = TaskQueue(name: "")
    static let execution = WorkflowExecution(workflowID: "", runID: "")
    static let updateRequest = UpdateRequest(updateID: "", name: "", input: [], header: [:], identity: "")
}
