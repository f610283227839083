import KeelLog

/// An error from KeelEngine: a stable code, a message a person can act on, and the storage cause if any.
public struct EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable category of an engine error (close to gRPC's status codes, which Temporal's API uses).
    public enum Code: String, Sendable, Hashable {
        /// The request is malformed: a missing field, a bad duration, an unknown policy.
        case invalidArgument
        /// The namespace, workflow, run, activity or update does not exist.
        case notFound
        /// A workflow with this id is already running (or the reuse policy forbids a new run).
        case workflowAlreadyStarted
        /// The request is valid but the execution is not in a state that allows it (e.g. already closed).
        case failedPrecondition
        /// A configured limit was exceeded (payload size, history length, pending activities, ...).
        case limitExceeded
        /// Stored bytes do not decode as what they should be (a damaged or foreign record).
        case corruptData
        /// The data file failed; the engine stopped accepting writes and must be reopened.
        case storage
        /// Nothing answered in time (a query with no worker, a long poll is not an error).
        case deadlineExceeded
        /// The engine is shut down or shutting down.
        case unavailable
        /// A task token no longer matches a pending task (completed, timed out, or from an older attempt).
        case staleTaskToken
    }

    public var code: Code
    public var message: String
    public var storageCause: LogError?

    public init(_ code: Code, _ message: String, storageCause: LogError? = nil) {
        self.code = code
        self.message = message
        self.storageCause = storageCause
    }

    public var description: String {
        if let storageCause { return "\(code): \(message) (\(storageCause))" }
        return "\(code): \(message)"
    }
}
