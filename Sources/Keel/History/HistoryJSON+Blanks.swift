import KeelEngine

// KeelEngine's attribute structs have public properties but no public initializers, so this module
// cannot create them directly. Each blank here is the engine's own decoding of a minimal event record
// (FORMAT.md, sections 17 to 20): every field at its default, and each required field present with
// defaults inside. Decoding starts from a blank and sets every property from the JSON. Should
// KeelEngine gain public initializers, this file can go.

extension HistoryJSON {
    /// Returns the attributes of an event of type `type` with every field at its default.
    static func blank(_ type: EventType) -> EventAttributes {
        guard let attributes = blanks[type] else { preconditionFailure("no blank attributes for \(type)") }
        return attributes
    }

    /// A parent execution with every field at its default.
    static let blankParent: ParentExecutionInfo = {
        // WorkflowExecutionStarted with its required task queue (field 2) and a parent (field 7) that
        // holds its required execution (field 2).
        let event = decodeBlank(.workflowExecutionStarted, attributes: [0x12, 0x00, 0x3A, 0x02, 0x12, 0x00])
        guard case .workflowExecutionStarted(let started) = event, let parent = started.parent else {
            preconditionFailure("the blank WorkflowExecutionStarted record has no parent")
        }
        return parent
    }()

    /// An update request with every field at its default.
    static let blankUpdateRequest: UpdateRequest = {
        guard case .workflowExecutionUpdateAccepted(let accepted) = blank(.workflowExecutionUpdateAccepted) else {
            preconditionFailure("the blank WorkflowExecutionUpdateAccepted record decoded as another type")
        }
        return accepted.acceptedRequest
    }()

    private static let blanks: [EventType: EventAttributes] = {
        var blanks: [EventType: EventAttributes] = [:]
        for type in EventType.allCases {
            blanks[type] = decodeBlank(type, attributes: requiredFields(of: type))
        }
        return blanks
    }()

    /// Returns the smallest attributes message the engine accepts for `type`: its required fields.
    private static func requiredFields(of type: EventType) -> [UInt8] {
        // An empty message in field `number`, e.g. a TaskQueue or WorkflowExecution of defaults.
        func message(_ number: UInt8) -> [UInt8] { [number << 3 | 2, 0x00] }
        // An enumeration in field `number` set to its first case (raw value 1).
        func firstCase(_ number: UInt8) -> [UInt8] { [number << 3, 0x01] }
        // A failure in field `number` holding only an empty TerminatedFailureInfo (its field 8).
        func failure(_ number: UInt8) -> [UInt8] { [number << 3 | 2, 0x02, 0x42, 0x00] }
        switch type {
        case .workflowExecutionStarted: return message(2)
        case .workflowExecutionFailed: return failure(1)
        case .workflowTaskScheduled: return message(1)
        case .workflowTaskFailed: return firstCase(3)
        case .activityTaskScheduled: return message(3)
        case .activityTaskFailed, .activityTaskTimedOut: return failure(1)
        case .requestCancelExternalWorkflowExecutionInitiated: return message(3)
        case .requestCancelExternalWorkflowExecutionFailed, .signalExternalWorkflowExecutionFailed:
            return firstCase(1) + message(4)
        case .externalWorkflowExecutionCancelRequested, .externalWorkflowExecutionSignaled: return message(3)
        case .workflowExecutionContinuedAsNew: return message(3) + firstCase(9)
        case .startChildWorkflowExecutionInitiated: return message(4) + firstCase(9) + firstCase(11)
        case .startChildWorkflowExecutionFailed: return firstCase(4)
        case .childWorkflowExecutionStarted, .childWorkflowExecutionCompleted, .childWorkflowExecutionCanceled:
            return message(3)
        case .childWorkflowExecutionFailed: return failure(1) + message(3)
        case .childWorkflowExecutionTimedOut, .childWorkflowExecutionTerminated: return message(2)
        case .signalExternalWorkflowExecutionInitiated: return message(3)
        case .workflowExecutionUpdateAccepted: return message(4)
        // An outcome (field 4) of success (its field 1) with an empty payload list (a count of 0).
        case .workflowExecutionUpdateCompleted: return [0x22, 0x03, 0x0A, 0x01, 0x00]
        default: return []
        }
    }

    /// Returns the attributes of a record of type `type`, event id 0 and time 0 holding `attributes`.
    private static func decodeBlank(_ type: EventType, attributes: [UInt8]) -> EventAttributes {
        precondition(type.rawValue < 0x80 && attributes.count < 0x80, "a blank record needs one-byte varints")
        var record: [UInt8] = [EventCodec.recordKind, EventCodec.formatVersion, UInt8(type.rawValue), 0x00]
        record += [UInt8](repeating: 0, count: 8)
        record.append(UInt8(attributes.count))
        record += attributes
        do {
            return try EventCodec.decode(record).attributes
        } catch {
            preconditionFailure("KeelEngine refused the blank \(type) record: \(error)")
        }
    }
}
