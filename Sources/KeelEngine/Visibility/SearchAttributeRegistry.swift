/// The search attributes a namespace's list filters may name: the system attributes every record has and the
/// typed custom attributes registered for the namespace.
///
/// Names are case-sensitive, as Temporal's are. A custom name must look like an identifier
/// (`[A-Za-z_][A-Za-z0-9_]*`), must not be a system name, and keeps the type it was first registered with.
public struct SearchAttributeRegistry: Sendable, Hashable {
    /// The most custom attributes one namespace may register.
    public static let customAttributesMax = 256
    /// The longest custom attribute name, in bytes.
    public static let nameBytesMax = 255

    /// The system attributes and their types. `ExecutionStatus` is a Keyword whose values are status names;
    /// `CloseTime`, `ParentWorkflowId` and `ParentRunId` are null where the record has no such value.
    public static let systemAttributes: [String: SearchAttributeType] = [
        "WorkflowId": .keyword,
        "RunId": .keyword,
        "WorkflowType": .keyword,
        "ExecutionStatus": .keyword,
        "StartTime": .datetime,
        "CloseTime": .datetime,
        "ExecutionTime": .datetime,
        "TaskQueue": .keyword,
        "HistoryLength": .int,
        "ParentWorkflowId": .keyword,
        "ParentRunId": .keyword,
    ]

    /// The custom attributes registered so far, by name.
    public private(set) var customAttributes: [String: SearchAttributeType]

    /// Creates a registry that knows only the system attributes.
    public init() {
        customAttributes = [:]
    }

    /// Creates a registry with the given custom attributes.
    /// - Throws: `VisibilityQueryError` with code `.invalidRegistration` as `register(_:type:)` does.
    public init(customAttributes: [String: SearchAttributeType]) throws(VisibilityQueryError) {
        self.init()
        // Sorted so that the error reported for a bad set does not depend on dictionary order.
        for (name, type) in customAttributes.sorted(by: { $0.key < $1.key }) {
            try register(name, type: type)
        }
    }

    /// Returns whether `name` is a system attribute.
    public static func isSystem(_ name: String) -> Bool {
        systemAttributes[name] != nil
    }

    /// Returns the type of the system or custom attribute `name`, or nil when it is neither.
    public func type(of name: String) -> SearchAttributeType? {
        Self.systemAttributes[name] ?? customAttributes[name]
    }

    /// Registers the custom attribute `name` with `type`; registering it again with the same type does nothing.
    /// - Throws: `VisibilityQueryError` with code `.invalidRegistration` when the name is not an identifier, is too
    ///   long, is a system name, was registered with another type, or the namespace already has
    ///   `customAttributesMax` custom attributes.
    public mutating func register(_ name: String, type: SearchAttributeType) throws(VisibilityQueryError) {
        if let system = Self.systemAttributes[name] {
            throw VisibilityQueryError(
                .invalidRegistration, token: name, expected: "a name that is not a system search attribute",
                found: "'\(name)', the system \(system) attribute")
        }
        if let existing = customAttributes[name] {
            guard existing == type else {
                throw VisibilityQueryError(
                    .invalidRegistration, token: name, expected: "'\(name)' registered again as \(existing)",
                    found: "type \(type)")
            }
            return
        }
        guard Self.isIdentifier(name) else {
            throw VisibilityQueryError(
                .invalidRegistration, token: name,
                expected: "a name of letters, digits and underscores that does not start with a digit",
                found: "'\(name)'")
        }
        guard name.utf8.count <= Self.nameBytesMax else {
            throw VisibilityQueryError(
                .invalidRegistration, token: name, expected: "a name of at most \(Self.nameBytesMax) bytes",
                found: "\(name.utf8.count) bytes")
        }
        guard customAttributes.count < Self.customAttributesMax else {
            throw VisibilityQueryError(
                .invalidRegistration, token: name,
                expected: "at most \(Self.customAttributesMax) custom search attributes",
                found: "a request to register one more, '\(name)'")
        }
        customAttributes[name] = type
    }

    /// Returns the attribute whose name equals `name` ignoring ASCII case, for "did you mean" hints.
    func caseInsensitiveMatch(for name: String) -> String? {
        let lowered = name.lowercased()
        let candidates = Array(Self.systemAttributes.keys) + Array(customAttributes.keys)
        return candidates.filter { $0.lowercased() == lowered }.min()
    }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !VisibilityLexer.isDigit(first) else { return false }
        return name.utf8.allSatisfy(VisibilityLexer.isIdentifierByte)
    }
}
