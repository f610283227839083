/// Opaque user data with metadata, as Temporal's `Payload`: the engine never looks inside `data`.
public struct Payload: Sendable, Hashable {
    /// Metadata such as `encoding` ("json/plain", "binary/null", "binary/plain"), sorted by key when encoded.
    public var metadata: [String: [UInt8]]
    /// The bytes, encoded as `metadata["encoding"]` says.
    public var data: [UInt8]

    public init(metadata: [String: [UInt8]] = [:], data: [UInt8]) {
        self.metadata = metadata
        self.data = data
    }

    /// Returns a payload of JSON bytes with `encoding: json/plain`.
    public static func json(_ bytes: [UInt8]) -> Payload {
        Payload(metadata: ["encoding": Array("json/plain".utf8)], data: bytes)
    }

    /// Returns a payload of raw bytes with `encoding: binary/plain`.
    public static func binary(_ bytes: [UInt8]) -> Payload {
        Payload(metadata: ["encoding": Array("binary/plain".utf8)], data: bytes)
    }

    /// The value of the `encoding` metadata entry, if any.
    public var encoding: String? { metadata["encoding"].map { String(decoding: $0, as: UTF8.self) } }

    /// The bytes this payload takes against size limits: its data plus every metadata key and value.
    public var sizeBytes: Int { metadata.reduce(data.count) { $0 + $1.key.utf8.count + $1.value.count } }
}

/// Why a workflow or activity will not be retried (Temporal's `RetryState`).
public enum RetryState: UInt8, Sendable, Hashable, CaseIterable {
    case unspecified = 0
    case inProgress = 1
    case nonRetryableFailure = 2
    case timeout = 3
    case maximumAttemptsReached = 4
    case retryPolicyNotSet = 5
    case internalServerError = 6
    case cancelRequested = 7
}

/// Which deadline expired (Temporal's `TimeoutType`).
public enum TimeoutType: UInt8, Sendable, Hashable, CaseIterable {
    case unspecified = 0
    case startToClose = 1
    case scheduleToStart = 2
    case scheduleToClose = 3
    case heartbeat = 4
}

/// What kind of failure a `Failure` is, with the details each kind carries (Temporal's `failure_info`).
public enum FailureInfo: Sendable, Hashable {
    /// A failure raised by user code; `type` is the error type name, used by retry policies.
    case application(type: String, nonRetryable: Bool, details: [Payload])
    case timeout(type: TimeoutType, lastHeartbeatDetails: [Payload])
    case canceled(details: [Payload])
    case terminated
    case server(nonRetryable: Bool)
    case activity(
        scheduledEventID: Int64, startedEventID: Int64, identity: String, activityType: String,
        activityID: String, retryState: RetryState)
    case childWorkflow(
        namespace: String, execution: WorkflowExecution, workflowType: String, initiatedEventID: Int64,
        startedEventID: Int64, retryState: RetryState)
}

/// A structured failure: a message, where it came from, its kind, and the failure that caused it.
public struct Failure: Sendable, Hashable, Error, CustomStringConvertible {
    public var message: String
    /// The runtime that produced the failure, e.g. "Swift".
    public var source: String
    public var stackTrace: String
    public var info: FailureInfo
    private var causeStorage: [Failure]

    public init(
        message: String, source: String = "", stackTrace: String = "", info: FailureInfo, cause: Failure? = nil
    ) {
        self.message = message
        self.source = source
        self.stackTrace = stackTrace
        self.info = info
        self.causeStorage = cause.map { [$0] } ?? []
    }

    /// Returns an application failure of the given error type.
    public static func application(
        _ message: String, type: String = "", nonRetryable: Bool = false, details: [Payload] = [],
        cause: Failure? = nil
    ) -> Failure {
        Failure(
            message: message, info: .application(type: type, nonRetryable: nonRetryable, details: details), cause: cause
        )
    }

    /// The failure that caused this one.
    public var cause: Failure? {
        get { causeStorage.first }
        set { causeStorage = newValue.map { [$0] } ?? [] }
    }

    /// The number of failures in the cause chain, this one included.
    public var depth: Int { 1 + (cause?.depth ?? 0) }

    /// True when a retry policy must not retry this failure regardless of its type.
    public var isNonRetryable: Bool {
        switch info {
        case .application(_, let nonRetryable, _): nonRetryable
        case .server(let nonRetryable): nonRetryable
        case .terminated, .canceled: true
        default: false
        }
    }

    /// The error type a retry policy's non-retryable list is matched against.
    public var errorType: String {
        switch info {
        case .application(let type, _, _): type
        case .timeout(let type, _): "Timeout:\(type)"
        case .canceled: "Canceled"
        case .terminated: "Terminated"
        case .server: "Server"
        case .activity: "Activity"
        case .childWorkflow: "ChildWorkflow"
        }
    }

    public var description: String {
        var text = message
        if case .application(let type, _, _) = info, !type.isEmpty { text = "\(type): \(message)" }
        if let cause { text += " (caused by \(cause))" }
        return text
    }
}

/// How an activity or a workflow is retried (Temporal's `RetryPolicy`).
public struct RetryPolicy: Sendable, Hashable {
    /// The delay before the first retry; default 1 second.
    public var initialInterval: Duration
    /// The factor each delay is multiplied by; default 2.0, at least 1.
    public var backoffCoefficient: Double
    /// The cap on any delay; nil means 100 times the initial interval.
    public var maximumInterval: Duration?
    /// The total attempts allowed, the first included; 0 means unlimited.
    public var maximumAttempts: Int32
    /// Failure types (`Failure.errorType`) that are never retried.
    public var nonRetryableErrorTypes: [String]

    public init(
        initialInterval: Duration = .seconds(1), backoffCoefficient: Double = 2.0, maximumInterval: Duration? = nil,
        maximumAttempts: Int32 = 0, nonRetryableErrorTypes: [String] = []
    ) {
        self.initialInterval = initialInterval
        self.backoffCoefficient = backoffCoefficient
        self.maximumInterval = maximumInterval
        self.maximumAttempts = maximumAttempts
        self.nonRetryableErrorTypes = nonRetryableErrorTypes
    }

    /// The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed.
    public func delay(afterAttempt attempt: Int32) -> Duration {
        // Computed in Double nanoseconds and clamped, so a huge interval saturates instead of trapping.
        let initial = Double(initialInterval.nanoseconds)
        let capNanos = min(maximumInterval.map { Double($0.nanoseconds) } ?? initial * 100, Double(Int64.max / 2))
        var delay = initial
        var step: Int32 = 1
        while step < attempt, delay < capNanos {
            delay *= backoffCoefficient.isFinite ? max(1, backoffCoefficient) : 1
            step += 1
        }
        return .nanoseconds(Int64(max(0, min(delay, capNanos))))
    }

    /// Returns why `failure` after attempt `attempt` will not be retried, or nil when it will be.
    public func refusal(of failure: Failure, afterAttempt attempt: Int32) -> RetryState? {
        if failure.isNonRetryable { return .nonRetryableFailure }
        if nonRetryableErrorTypes.contains(failure.errorType) { return .nonRetryableFailure }
        if maximumAttempts > 0, attempt >= maximumAttempts { return .maximumAttemptsReached }
        return nil
    }
}

/// The queue a task is dispatched on; sticky queues belong to one worker.
public struct TaskQueue: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable, Hashable {
        case normal = 1
        case sticky = 2
    }
    public var name: String
    public var kind: Kind
    /// For a sticky queue, the normal queue it falls back to.
    public var normalName: String

    public init(name: String, kind: Kind = .normal, normalName: String = "") {
        self.name = name
        self.kind = kind
        self.normalName = kind == .normal ? name : normalName
    }

    public var description: String { name }
}

/// What happens to a child workflow when its parent closes (Temporal's `ParentClosePolicy`).
public enum ParentClosePolicy: UInt8, Sendable, Hashable, CaseIterable {
    case terminate = 1
    case abandon = 2
    case requestCancel = 3
}

/// Whether a workflow id may be used again after a run with that id closed (Temporal's `WorkflowIdReusePolicy`).
public enum WorkflowIDReusePolicy: UInt8, Sendable, Hashable, CaseIterable {
    case allowDuplicate = 1
    case allowDuplicateFailedOnly = 2
    case rejectDuplicate = 3
    case terminateIfRunning = 4
}

/// What a start does when a run with the same workflow id is open (Temporal's `WorkflowIdConflictPolicy`).
public enum WorkflowIDConflictPolicy: UInt8, Sendable, Hashable, CaseIterable {
    case fail = 1
    case useExisting = 2
    case terminateExisting = 3
}

/// What started a continued run (Temporal's `ContinueAsNewInitiator`).
public enum ContinueAsNewInitiator: UInt8, Sendable, Hashable, CaseIterable {
    case workflow = 1
    case retry = 2
    case cronSchedule = 3
}

/// Why a workflow task failed (the subset of Temporal's `WorkflowTaskFailedCause` Keel produces).
public enum WorkflowTaskFailedCause: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case unhandledCommand = 1
    case badScheduleActivityAttributes = 2
    case badRequestCancelActivityAttributes = 3
    case badStartTimerAttributes = 4
    case badCancelTimerAttributes = 5
    case badRecordMarkerAttributes = 6
    case badCompleteWorkflowExecutionAttributes = 7
    case badFailWorkflowExecutionAttributes = 8
    case badCancelWorkflowExecutionAttributes = 9
    case badRequestCancelExternalWorkflowExecutionAttributes = 10
    case badContinueAsNewAttributes = 11
    case startTimerDuplicateID = 12
    case resetStickyTaskQueue = 13
    case workflowWorkerUnhandledFailure = 14
    case badSignalWorkflowExecutionAttributes = 15
    case badStartChildExecutionAttributes = 16
    case forceCloseCommand = 17
    case failoverCloseCommand = 18
    case badSignalInputSize = 19
    case resetWorkflow = 20
    case badBinary = 21
    case scheduleActivityDuplicateID = 22
    case badSearchAttributes = 23
    case nonDeterministicError = 24
    case badModifyWorkflowPropertiesAttributes = 25
    case pendingChildWorkflowsLimitExceeded = 26
    case pendingActivitiesLimitExceeded = 27
    case pendingSignalsLimitExceeded = 28
    case pendingRequestCancelLimitExceeded = 29
    case badUpdateWorkflowExecutionMessage = 30
    case unhandledUpdate = 31

    /// Temporal's name for the cause, e.g. "BadScheduleActivityAttributes".
    public var description: String {
        switch self {
        case .unhandledCommand: return "UnhandledCommand"
        case .badScheduleActivityAttributes: return "BadScheduleActivityAttributes"
        case .badRequestCancelActivityAttributes: return "BadRequestCancelActivityAttributes"
        case .badStartTimerAttributes: return "BadStartTimerAttributes"
        case .badCancelTimerAttributes: return "BadCancelTimerAttributes"
        case .badRecordMarkerAttributes: return "BadRecordMarkerAttributes"
        case .badCompleteWorkflowExecutionAttributes: return "BadCompleteWorkflowExecutionAttributes"
        case .badFailWorkflowExecutionAttributes: return "BadFailWorkflowExecutionAttributes"
        case .badCancelWorkflowExecutionAttributes: return "BadCancelWorkflowExecutionAttributes"
        case .badRequestCancelExternalWorkflowExecutionAttributes:
            return "BadRequestCancelExternalWorkflowExecutionAttributes"
        case .badContinueAsNewAttributes: return "BadContinueAsNewAttributes"
        case .startTimerDuplicateID: return "StartTimerDuplicateId"
        case .resetStickyTaskQueue: return "ResetStickyTaskQueue"
        case .workflowWorkerUnhandledFailure: return "WorkflowWorkerUnhandledFailure"
        case .badSignalWorkflowExecutionAttributes: return "BadSignalWorkflowExecutionAttributes"
        case .badStartChildExecutionAttributes: return "BadStartChildExecutionAttributes"
        case .forceCloseCommand: return "ForceCloseCommand"
        case .failoverCloseCommand: return "FailoverCloseCommand"
        case .badSignalInputSize: return "BadSignalInputSize"
        case .resetWorkflow: return "ResetWorkflow"
        case .badBinary: return "BadBinary"
        case .scheduleActivityDuplicateID: return "ScheduleActivityDuplicateId"
        case .badSearchAttributes: return "BadSearchAttributes"
        case .nonDeterministicError: return "NonDeterministicError"
        case .badModifyWorkflowPropertiesAttributes: return "BadModifyWorkflowPropertiesAttributes"
        case .pendingChildWorkflowsLimitExceeded: return "PendingChildWorkflowsLimitExceeded"
        case .pendingActivitiesLimitExceeded: return "PendingActivitiesLimitExceeded"
        case .pendingSignalsLimitExceeded: return "PendingSignalsLimitExceeded"
        case .pendingRequestCancelLimitExceeded: return "PendingRequestCancelLimitExceeded"
        case .badUpdateWorkflowExecutionMessage: return "BadUpdateWorkflowExecutionMessage"
        case .unhandledUpdate: return "UnhandledUpdate"
        }
    }
}
