import KeelEngine

/// An error a workflow or an activity throws on purpose, with a type name that retry policies can
/// list as non-retryable and details a caller can decode.
public struct ApplicationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// The error's type name, matched against a retry policy's non-retryable types.
    public var type: String
    /// Whether the activity or workflow must not be retried whatever its retry policy says.
    public var isNonRetryable: Bool
    public var details: [Payload]

    public init(_ message: String, type: String = "", isNonRetryable: Bool = false, details: [Payload] = []) {
        self.message = message
        self.type = type
        self.isNonRetryable = isNonRetryable
        self.details = details
    }

    public var description: String { type.isEmpty ? message : "\(type): \(message)" }
}

/// The error a workflow sees when an activity it called failed for good: after its retries, on a
/// timeout, or because it was canceled. `cause` is the underlying failure.
public struct ActivityError: Error, CustomStringConvertible, Sendable {
    public var activityType: String
    public var activityID: String
    public var retryState: RetryState
    public var cause: Failure

    public var description: String {
        "activity \(activityType) (id \(activityID)) failed: \(cause.message)"
    }

    /// Whether the activity ended because it was canceled.
    public var isCanceled: Bool {
        if case .canceled = cause.info { return true }
        return false
    }

    /// The application error the activity threw, if it threw one.
    public var applicationError: ApplicationError? { ApplicationError(failure: cause) }
}

/// The error a parent sees when a child workflow failed, timed out, was canceled or terminated, or
/// could not start.
public struct ChildWorkflowError: Error, CustomStringConvertible, Sendable {
    public var workflowType: String
    public var workflowID: WorkflowID
    public var cause: Failure
    public var description: String { "child workflow \(workflowType) (\(workflowID)) failed: \(cause.message)" }
}

/// The error a client sees when the workflow it waits for did not complete: it failed, was
/// canceled, terminated or timed out.
public struct WorkflowFailedError: Error, CustomStringConvertible, Sendable {
    public var execution: WorkflowExecution
    /// How the run closed, e.g. `WorkflowExecutionFailed`.
    public var closeEvent: EventType
    public var cause: Failure?
    public var description: String {
        "workflow \(execution) closed with \(closeEvent)" + (cause.map { ": \($0.message)" } ?? "")
    }
}

/// The error that fails a workflow task when the workflow code does not match its history. The run
/// stays open; deploying code that matches lets it go on.
public struct NondeterminismError: Error, CustomStringConvertible, Sendable {
    public var workflowType: String
    public var eventID: Int64
    public var message: String
    public var description: String { "nondeterminism in workflow \(workflowType) at event \(eventID): \(message)" }
}

/// An error that a condition's timeout or a workflow operation's own deadline raises.
public struct WorkflowTimeoutError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

extension ApplicationError {
    /// The application error a failure carries, or nil when it carries another kind.
    public init?(failure: Failure) {
        var current: Failure? = failure
        while let next = current {
            if case .application(let type, let nonRetryable, let details) = next.info {
                self.init(next.message, type: type, isNonRetryable: nonRetryable, details: details)
                return
            }
            current = next.cause
        }
        return nil
    }
}

extension Failure {
    /// The failure that records `error`: an application failure of the error's type unless the error
    /// says more.
    static func from(_ error: any Error) -> Failure {
        switch error {
        case let error as ApplicationError:
            return .application(
                error.message, type: error.type, nonRetryable: error.isNonRetryable, details: error.details)
        case let error as ActivityError:
            return error.cause
        case let error as ChildWorkflowError:
            return error.cause
        case let error as Failure:
            return error
        case is CancellationError:
            return Failure(message: "canceled", info: .canceled(details: []))
        default:
            return .application(String(describing: error), type: String(describing: Swift.type(of: error)))
        }
    }
}
