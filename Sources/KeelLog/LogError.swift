/// The one error type of KeelLog: a stable code, a message a person can act on, and where it happened.
///
/// Every failure inside the store is reported as a `LogError`. Operating errors (a corrupt block, a full
/// disk, an oversized record) are thrown; broken invariants inside KeelLog are preconditions instead.
public struct LogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable classification of the error.
    public enum Code: String, Sendable, Equatable {
        /// A system call failed; `errno` is set.
        case io
        /// Another process (or another open store in this process) holds the file's lock.
        case locked
        /// The file is not a Keel data file, or has an unsupported format version.
        case notAKeelFile
        /// A structure failed validation at a place where the store cannot repair it.
        case corrupt
        /// A limit (record size, key size, batch size, ...) was exceeded by the caller.
        case limitExceeded
        /// The store failed earlier (a write or sync error) and refuses further writes until reopened.
        case failed
        /// The store was closed.
        case closed
        /// An argument was invalid (for example an empty stream key).
        case invalidArgument
    }

    /// The classification of the error.
    public var code: Code
    /// A sentence describing what was expected and what was found.
    public var message: String
    /// The byte offset in the data file the error is about, when there is one.
    public var offset: UInt64?
    /// The `errno` value for `.io` errors.
    public var errno: Int32?

    /// Creates an error.
    public init(_ code: Code, _ message: String, offset: UInt64? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.errno = errno
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let offset { text += " (at offset \(offset))" }
        if let errno { text += " (errno \(errno))" }
        return text
    }
}

extension LogError {
    static func corrupt(_ message: String, at offset: UInt64? = nil) -> LogError {
        LogError(.corrupt, message, offset: offset)
    }

    static func limit(_ message: String) -> LogError {
        LogError(.limitExceeded, message)
    }
}
