import KeelEngine

/// A wait that a run being torn down can end.
protocol Terminable: AnyObject {
    var isDone: Bool { get }
    /// Resolves the wait with `WorkflowDestroyedError`.
    func terminate()
}

/// Ends the waits of a run that a worker drops; workflow code should let it propagate.
struct WorkflowDestroyedError: Error, CustomStringConvertible {
    var description: String { "the worker dropped this run from memory; it goes on from its history" }
}

/// Something workflow code waits for: resumed once with a value or an error. The result may come
/// before the code starts waiting (a cancellation that arrives first); it is then kept.
class Waiter<Value: Sendable>: @unchecked Sendable, Terminable {
    func terminate() { resolve(.failure(WorkflowDestroyedError())) }

    private var continuation: CheckedContinuation<Value, any Error>?
    private var result: Result<Value, any Error>?
    private(set) var isDone = false

    func wait(_ continuation: CheckedContinuation<Value, any Error>) {
        if let result {
            self.result = nil
            continuation.resume(with: result)
        } else {
            self.continuation = continuation
        }
    }

    func resolve(_ result: Result<Value, any Error>) {
        guard !isDone else { return }
        isDone = true
        if let continuation {
            self.continuation = nil
            continuation.resume(with: result)
        } else {
            self.result = result
        }
    }
}

final class ActivityOperation: Waiter<[Payload]>, @unchecked Sendable {
    let activityID: String
    let activityType: String
    let cancellation: ActivityCancellationType
    var scheduledEventID: Int64?
    var isCancelRequested = false
    /// The command that asked for it while that command is unsent or unmatched. Weak: the entry's
    /// `onMatched` closure holds the operation, and a strong reference back would keep both alive.
    weak var entry: CommandEntry?

    init(activityID: String, activityType: String, cancellation: ActivityCancellationType) {
        self.activityID = activityID
        self.activityType = activityType
        self.cancellation = cancellation
    }

    func error(_ failure: Failure, _ retryState: RetryState) -> ActivityError {
        ActivityError(activityType: activityType, activityID: activityID, retryState: retryState, cause: failure)
    }
}

final class TimerOperation: Waiter<Void>, @unchecked Sendable {
    var isStarted = false
    /// The command that asked for it while that command is unsent or unmatched. Weak: the entry's
    /// `onMatched` closure holds the operation, and a strong reference back would keep both alive.
    weak var entry: CommandEntry?
    var callback: (() -> Void)?

    override func resolve(_ result: Result<Void, any Error>) {
        if case .success = result, let callback {
            self.callback = nil
            callback()
        }
        super.resolve(result)
    }
}

final class ConditionOperation: Waiter<Bool>, @unchecked Sendable {
    let predicate: () -> Bool
    var timerID: String?
    init(predicate: @escaping () -> Bool) { self.predicate = predicate }
}

final class LocalActivityOperation: Waiter<[Payload]>, @unchecked Sendable {
    let id: String
    let activityType: String
    let input: [Payload]
    let options: LocalActivityOptions

    init(id: String, activityType: String, input: [Payload], options: LocalActivityOptions) {
        self.id = id
        self.activityType = activityType
        self.input = input
        self.options = options
    }

    func error(_ failure: Failure) -> ActivityError {
        ActivityError(activityType: activityType, activityID: id, retryState: .nonRetryableFailure, cause: failure)
    }
}

final class ChildOperation: @unchecked Sendable {
    let workflowID: WorkflowID
    let workflowType: String
    let start = Waiter<RunID>()
    let result = Waiter<[Payload]>()
    var initiatedEventID: Int64?
    var isCancelRequested = false
    /// The command that asked for it while that command is unsent or unmatched. Weak: the entry's
    /// `onMatched` closure holds the operation, and a strong reference back would keep both alive.
    weak var entry: CommandEntry?

    init(workflowID: WorkflowID, workflowType: String) {
        self.workflowID = workflowID
        self.workflowType = workflowType
    }

    var isDone: Bool { result.isDone }
    func resolveStart(_ value: Result<RunID, any Error>) { start.resolve(value) }
    func resolveResult(_ value: Result<[Payload], any Error>) {
        if case .failure(let error) = value { start.resolve(.failure(error)) }
        result.resolve(value)
    }

    func error(_ failure: Failure) -> ChildWorkflowError {
        ChildWorkflowError(workflowType: workflowType, workflowID: workflowID, cause: failure)
    }
}

final class ExternalOperation: Waiter<Void>, @unchecked Sendable {}

/// Thrown by `WorkflowContext.continueAsNew`; the run closes and a new run starts.
struct ContinueAsNewRequest: Error {
    let attributes: ContinueAsNew
}

/// Runs local activities for a worker: in its own process, with retries, outside the history.
struct LocalActivityRunner: Sendable {
    let run:
        @Sendable (_ type: String, _ input: [Payload], _ options: LocalActivityOptions, _ workflow: WorkflowInfo) async
            -> Result<[Payload], Failure>
}
