import KeelEngine

// Enumerations by their proto names ("RETRY_STATE_TIMEOUT"), with Temporal's numbers, which proto3
// JSON also accepts, and the short names ("Timeout") that tools before proto3 JSON wrote.

extension HistoryJSON {
    /// The proto names and numbers of one enumeration's cases.
    struct EnumTable<Case: Hashable & Sendable>: Sendable {
        /// Temporal's name of the enumeration, for error messages.
        let typeName: String
        /// The Keel case that stands for the unspecified value (number 0), when Keel has one; such a
        /// case is left out when encoding, as proto3 leaves out every default.
        let unspecified: Case?
        /// The full proto name of each case.
        private let names: [Case: String]
        /// Each case by every name a reader accepts: the full proto name and the short name.
        private let cases: [String: Case]
        /// Each case by Temporal's number, for the cases Temporal has.
        private let numbers: [Int64: Case]
        /// The first few proto names, to show what a valid value looks like.
        private let examples: [String]
        /// The names of the unspecified value.
        private let unspecifiedNames: [String]

        /// Creates a table from each case's proto name without `prefix` ("TIMEOUT" for
        /// "RETRY_STATE_TIMEOUT") and Temporal's number, nil when Temporal has no such case.
        init(
            typeName: String, prefix: String, unspecified: Case?, entries: [(value: Case, suffix: String, number: Int?)]
        ) {
            self.typeName = typeName
            self.unspecified = unspecified
            var names: [Case: String] = [:]
            var cases: [String: Case] = [:]
            var numbers: [Int64: Case] = [:]
            for entry in entries {
                names[entry.value] = prefix + entry.suffix
                cases[prefix + entry.suffix] = entry.value
                cases[HistoryJSON.pascalCase(entry.suffix)] = entry.value
                if let number = entry.number { numbers[Int64(number)] = entry.value }
            }
            self.names = names
            self.cases = cases
            self.numbers = numbers
            self.examples = entries.map { prefix + $0.suffix }
            unspecifiedNames = [prefix + "UNSPECIFIED", "Unspecified"]
        }

        /// Returns the full proto name of `value`.
        func name(_ value: Case) -> String {
            guard let name = names[value] else { preconditionFailure("\(typeName) has no proto name for \(value)") }
            return name
        }

        /// Returns the proto name of `value` as a JSON string.
        func encode(_ value: Case) -> Value {
            .string(name(value))
        }

        /// Reads a case by proto name, short name or number. Returns `unspecified` for the unspecified
        /// value (nil when Keel has no such case), and throws for anything else it does not know.
        func decode(_ value: Value) throws(HistoryJSONError) -> Case? {
            switch value {
            case .string(let text):
                if let known = cases[text] { return known }
                if unspecifiedNames.contains(text) { return unspecified }
            case .number(let text):
                if let number = HistoryJSON.integer(text) {
                    if number == 0 { return unspecified }
                    if let known = numbers[number] { return known }
                }
            default:
                throw HistoryJSONError(.wrongType, expected: "\(described) name", found: value.summary)
            }
            throw HistoryJSONError(.invalidValue, expected: expectation, found: value.summary)
        }

        /// The enumeration's name with its article, e.g. "an EventType".
        var described: String {
            let startsWithVowel = typeName.first.map { "AEIOU".contains($0) } ?? false
            return (startsWithVowel ? "an " : "a ") + typeName
        }

        /// What a valid value looks like, for error messages: the type and a few of its names.
        private var expectation: String {
            let names = examples.prefix(3).joined(separator: ", ")
            return "\(described) Keel supports (\(names)\(examples.count > 3 ? ", ..." : ""))"
        }
    }

    /// Returns "START_TO_CLOSE" as "StartToClose".
    static func pascalCase(_ snake: String) -> String {
        snake.split(separator: "_").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined()
    }

    /// Returns "StartTimerDuplicateId" as "START_TIMER_DUPLICATE_ID".
    static func snakeCase(_ pascal: String) -> String {
        var result = ""
        for character in pascal {
            if character.isUppercase, !result.isEmpty { result.append("_") }
            result += character.uppercased()
        }
        return result
    }

    /// Temporal's number for an event type: Keel's raw values are Temporal's numbers.
    static func temporalNumber(of type: EventType) -> Int { Int(type.rawValue) }

    static let eventType = EnumTable<EventType>(
        typeName: "EventType", prefix: "EVENT_TYPE_", unspecified: nil,
        entries: EventType.allCases.map { ($0, snakeCase($0.description), temporalNumber(of: $0)) })

    static let retryState = EnumTable<RetryState>(
        typeName: "RetryState", prefix: "RETRY_STATE_", unspecified: .unspecified,
        entries: [
            (.inProgress, "IN_PROGRESS", 1), (.nonRetryableFailure, "NON_RETRYABLE_FAILURE", 2),
            (.timeout, "TIMEOUT", 3), (.maximumAttemptsReached, "MAXIMUM_ATTEMPTS_REACHED", 4),
            (.retryPolicyNotSet, "RETRY_POLICY_NOT_SET", 5), (.internalServerError, "INTERNAL_SERVER_ERROR", 6),
            (.cancelRequested, "CANCEL_REQUESTED", 7),
        ])

    static let timeoutType = EnumTable<TimeoutType>(
        typeName: "TimeoutType", prefix: "TIMEOUT_TYPE_", unspecified: .unspecified,
        entries: [
            (.startToClose, "START_TO_CLOSE", 1), (.scheduleToStart, "SCHEDULE_TO_START", 2),
            (.scheduleToClose, "SCHEDULE_TO_CLOSE", 3), (.heartbeat, "HEARTBEAT", 4),
        ])

    static let taskQueueKind = EnumTable<TaskQueue.Kind>(
        typeName: "TaskQueueKind", prefix: "TASK_QUEUE_KIND_", unspecified: nil,
        entries: [(.normal, "NORMAL", 1), (.sticky, "STICKY", 2)])

    static let continueAsNewInitiator = EnumTable<ContinueAsNewInitiator>(
        typeName: "ContinueAsNewInitiator", prefix: "CONTINUE_AS_NEW_INITIATOR_", unspecified: nil,
        entries: [(.workflow, "WORKFLOW", 1), (.retry, "RETRY", 2), (.cronSchedule, "CRON_SCHEDULE", 3)])

    static let parentClosePolicy = EnumTable<ParentClosePolicy>(
        typeName: "ParentClosePolicy", prefix: "PARENT_CLOSE_POLICY_", unspecified: nil,
        entries: [(.terminate, "TERMINATE", 1), (.abandon, "ABANDON", 2), (.requestCancel, "REQUEST_CANCEL", 3)])

    static let workflowIDReusePolicy = EnumTable<WorkflowIDReusePolicy>(
        typeName: "WorkflowIdReusePolicy", prefix: "WORKFLOW_ID_REUSE_POLICY_", unspecified: nil,
        entries: [
            (.allowDuplicate, "ALLOW_DUPLICATE", 1), (.allowDuplicateFailedOnly, "ALLOW_DUPLICATE_FAILED_ONLY", 2),
            (.rejectDuplicate, "REJECT_DUPLICATE", 3), (.terminateIfRunning, "TERMINATE_IF_RUNNING", 4),
        ])

    /// Keel's causes carry Temporal's names and numbers (FORMAT.md, section 20.2).
    static let workflowTaskFailedCause = EnumTable<WorkflowTaskFailedCause>(
        typeName: "WorkflowTaskFailedCause", prefix: "WORKFLOW_TASK_FAILED_CAUSE_", unspecified: nil,
        entries: WorkflowTaskFailedCause.allCases.map { ($0, snakeCase($0.description), Int($0.rawValue)) })

    // Temporal has one cause enumeration per event where Keel has one `ExternalFailureCause`. Each
    // table gives the cases Temporal defines their names and numbers; a cause Temporal does not define
    // for that event (Keel never records one) keeps Keel's name under the same prefix, so that it still
    // round-trips, and takes no number.

    static let startChildFailedCause = EnumTable<ExternalFailureCause>(
        typeName: "StartChildWorkflowExecutionFailedCause", prefix: "START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_",
        unspecified: nil,
        entries: [
            (.workflowAlreadyExists, "WORKFLOW_ALREADY_EXISTS", 1), (.namespaceNotFound, "NAMESPACE_NOT_FOUND", 2),
            (.externalWorkflowExecutionNotFound, "EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND", nil),
        ])

    static let cancelExternalFailedCause = EnumTable<ExternalFailureCause>(
        typeName: "CancelExternalWorkflowExecutionFailedCause",
        prefix: "CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_", unspecified: nil,
        entries: [
            (.externalWorkflowExecutionNotFound, "EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND", 1),
            (.namespaceNotFound, "NAMESPACE_NOT_FOUND", 2), (.workflowAlreadyExists, "WORKFLOW_ALREADY_EXISTS", nil),
        ])

    static let signalExternalFailedCause = EnumTable<ExternalFailureCause>(
        typeName: "SignalExternalWorkflowExecutionFailedCause",
        prefix: "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_", unspecified: nil,
        entries: [
            (.externalWorkflowExecutionNotFound, "EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND", 1),
            (.namespaceNotFound, "NAMESPACE_NOT_FOUND", 2), (.workflowAlreadyExists, "WORKFLOW_ALREADY_EXISTS", nil),
        ])
}
