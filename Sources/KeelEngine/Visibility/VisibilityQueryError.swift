/// An error of the visibility layer: a list filter that does not parse or type-check, a page token or page size
/// that cannot be used, or a search attribute that cannot be registered.
///
/// Errors about the query text carry the position of the offending token, so the description reads like
/// `malformed query at column 18: expected a value after '=', found 'AND'`.
public struct VisibilityQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable classification of the error.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The text is not in the filter language's grammar.
        case malformedQuery
        /// A name in the query is neither a system search attribute nor one registered for the namespace.
        case unknownAttribute
        /// A value's type does not fit the attribute it is compared with.
        case typeMismatch
        /// The operator or clause is not supported for the attribute's type (or not supported at all).
        case unsupportedOperator
        /// A value has the right type but cannot be used (a bad datetime, an unknown status, a number out of range).
        case invalidValue
        /// The query exceeds a limit: its length, its nesting depth, the values of an IN list, ORDER BY fields.
        case limitExceeded
        /// A page token is not one this store issued for this namespace and query.
        case invalidPageToken
        /// A page size is negative or above the maximum.
        case invalidPageSize
        /// A search attribute cannot be registered: a bad name, a system name, or a different type than before.
        case invalidRegistration
    }

    /// The classification of the error.
    public var code: Code
    /// The UTF-8 byte offset of the offending token in the query, when the error is about the query text.
    public var offset: Int?
    /// The 1-based column (in Unicode scalars) of the offending token, when the error is about the query text.
    public var column: Int?
    /// The offending token's text; empty at the end of the query or when there is no token.
    public var token: String
    /// What the parser or store expected, as a phrase ("a value after '='").
    public var expected: String
    /// What it found instead, as a phrase ("'AND'", "the end of the query").
    public var found: String
    /// An extra sentence that may help, such as "did you mean 'WorkflowId'?".
    public var hint: String?

    /// Creates an error.
    public init(
        _ code: Code,
        offset: Int? = nil,
        column: Int? = nil,
        token: String = "",
        expected: String,
        found: String,
        hint: String? = nil
    ) {
        self.code = code
        self.offset = offset
        self.column = column
        self.token = token
        self.expected = expected
        self.found = found
        self.hint = hint
    }

    /// The error as a sentence naming the position, what was expected and what was found.
    public var description: String {
        var text = code.phrase
        if let column { text += " at column \(column)" }
        text += ": expected \(expected), found \(found)"
        if let hint { text += "; \(hint)" }
        return text
    }
}

extension VisibilityQueryError.Code {
    /// The words that open the error's description.
    fileprivate var phrase: String {
        switch self {
        case .malformedQuery: "malformed query"
        case .unknownAttribute: "unknown search attribute"
        case .typeMismatch: "type mismatch"
        case .unsupportedOperator: "unsupported operator"
        case .invalidValue: "invalid value"
        case .limitExceeded: "limit exceeded"
        case .invalidPageToken: "invalid page token"
        case .invalidPageSize: "invalid page size"
        case .invalidRegistration: "invalid search attribute registration"
        }
    }
}
