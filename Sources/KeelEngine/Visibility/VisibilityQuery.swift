/// A list filter parsed and type-checked against a namespace's search attributes: a predicate over
/// `VisibilityRecord`s and the order to list them in.
///
/// The language is the SQL-like subset of Temporal's list filters described in `docs/visibility.md`, for example
/// `WorkflowType = 'charge' AND (ExecutionStatus = 'Running' OR StartTime > '2025-01-01T00:00:00Z')
/// ORDER BY StartTime DESC`. An empty query matches every record.
public struct VisibilityQuery: Sendable {
    /// The longest query accepted, in UTF-8 bytes.
    public static let queryBytesMax = 16 * 1024
    /// The most parentheses that may be open at once.
    public static let nestingDepthMax = 64
    /// The most values one IN or NOT IN list may hold.
    public static let inListValuesMax = 1_000
    /// The most fields one ORDER BY may name.
    public static let orderByFieldsMax = 8

    /// The order when the query has no ORDER BY, Temporal's documented default: open runs first (their
    /// `CloseTime` is null), then by `CloseTime` descending, then by `StartTime` descending.
    public static let defaultSortTerms: [VisibilitySortTerm] = [
        VisibilitySortTerm(attribute: "CloseTime", isDescending: true, isNullFirst: true),
        VisibilitySortTerm(attribute: "StartTime", isDescending: true, isNullFirst: false),
    ]

    /// The query text as given.
    public let text: String
    /// The sort terms in order of precedence; `RunId` ascending follows them all as the final tie-break.
    public let sortTerms: [VisibilitySortTerm]
    /// Whether the query has no ORDER BY and uses `defaultSortTerms`.
    public let usesDefaultOrder: Bool
    /// The attribute of the GROUP BY clause (only `ExecutionStatus` is supported), or nil.
    public let groupBy: String?

    let predicate: VisibilityPredicate
    let order: [VisibilityOrderTerm]
    let directions: [VisibilitySortDirection]

    /// Parses `text` and type-checks it against `registry`.
    /// - Complexity: O(*n*) in the length of `text`.
    /// - Throws: `VisibilityQueryError` naming the column of the first token that does not fit, for a text that
    ///   is malformed, names an unknown attribute, compares an attribute with a value or an operator its type
    ///   does not support, or exceeds a limit (`queryBytesMax`, `nestingDepthMax`, `inListValuesMax`,
    ///   `orderByFieldsMax`).
    public init(_ text: String, registry: SearchAttributeRegistry) throws(VisibilityQueryError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.queryBytesMax else {
            throw VisibilityQueryError(
                .limitExceeded, offset: Self.queryBytesMax,
                column: VisibilityLexer.column(of: Self.queryBytesMax, in: bytes),
                expected: "a query of at most \(Self.queryBytesMax) bytes", found: "\(bytes.count) bytes")
        }
        var lexer = VisibilityLexer(bytes: bytes)
        var parser = VisibilityParser(bytes: bytes, tokens: try lexer.tokenize(), registry: registry)
        let parsed = try parser.parseQuery()
        self.text = text
        predicate = parsed.predicate
        groupBy = parsed.groupBy?.name
        if let order = parsed.order {
            self.order = order
            usesDefaultOrder = false
        } else {
            self.order = [
                VisibilityOrderTerm(attribute: .closeTime, isDescending: true, isNullFirst: true),
                VisibilityOrderTerm(attribute: .startTime, isDescending: true, isNullFirst: false),
            ]
            usesDefaultOrder = true
        }
        directions = self.order.map(\.direction)
        sortTerms = self.order.map {
            VisibilitySortTerm(
                attribute: $0.attribute.name, isDescending: $0.direction.isDescending,
                isNullFirst: $0.direction.isNullFirst)
        }
    }

    /// Returns whether `record` satisfies the filter. A comparison with an attribute the record lacks is false
    /// (`!=`, `NOT IN` and `NOT BETWEEN` included); only `IS NULL` is true for it.
    /// - Complexity: O(*p*) in the size of the predicate (IN lists count by their length).
    public func matches(_ record: VisibilityRecord) -> Bool {
        predicate.evaluate(record)
    }

    /// Returns whether `lhs` comes before `rhs` in this query's order (`RunId` breaks ties).
    public func areInIncreasingOrder(_ lhs: VisibilityRecord, _ rhs: VisibilityRecord) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// Returns -1, 0 or 1 as `lhs` comes before, with or after `rhs` in this query's order.
    func compare(_ lhs: VisibilityRecord, _ rhs: VisibilityRecord) -> Int {
        for index in order.indices {
            let attribute = order[index].attribute
            let result = order[index].direction.compare(attribute.sortValue(in: lhs), attribute.sortValue(in: rhs))
            if result != 0 { return result }
        }
        return VisibilityValue.compareBytes(lhs.execution.runID.rawValue, rhs.execution.runID.rawValue)
    }

    /// The number of values in a record's sort key: one per sort term, then the run id.
    var sortKeyWidth: Int { order.count + 1 }

    /// Appends the sort key of `record` (`sortKeyWidth` values) to `keys`.
    func appendSortKey(of record: VisibilityRecord, to keys: inout [VisibilityValue?]) {
        for index in order.indices { keys.append(order[index].attribute.sortValue(in: record)) }
        keys.append(.string(record.execution.runID.rawValue))
    }

    /// Returns -1, 0 or 1 as the sort key at `lhs` in `lhsKeys` comes before, with or after the one at `rhs` in
    /// `rhsKeys`. Comparing extracted keys rather than records keeps a list from copying records while it sorts.
    func compareKeys(
        _ lhsKeys: UnsafeBufferPointer<VisibilityValue?>, _ lhs: Int,
        _ rhsKeys: UnsafeBufferPointer<VisibilityValue?>, _ rhs: Int
    ) -> Int {
        for index in directions.indices {
            let result = directions[index].compare(lhsKeys[lhs + index], rhsKeys[rhs + index])
            if result != 0 { return result }
        }
        guard case .string(let left)? = lhsKeys[lhs + directions.count],
            case .string(let right)? = rhsKeys[rhs + directions.count]
        else { preconditionFailure("a sort key does not end with a run id") }
        return VisibilityValue.compareBytes(left, right)
    }

    /// Returns the sort key of the position `cursor` names.
    func sortKey(of cursor: VisibilityCursor) -> [VisibilityValue?] {
        cursor.values + [.string(cursor.runID)]
    }

    /// Returns the position just at `record`, for a page token.
    func cursor(at record: VisibilityRecord) -> VisibilityCursor {
        VisibilityCursor(
            values: order.map { $0.attribute.sortValue(in: record) }, runID: record.execution.runID.rawValue)
    }
}

/// One field of a list's order.
public struct VisibilitySortTerm: Sendable, Hashable, CustomStringConvertible {
    /// The search attribute sorted on.
    public var attribute: String
    /// Whether larger values come first.
    public var isDescending: Bool
    /// Whether records without a value come before those with one (else after).
    public var isNullFirst: Bool

    /// Creates a sort term.
    public init(attribute: String, isDescending: Bool, isNullFirst: Bool) {
        self.attribute = attribute
        self.isDescending = isDescending
        self.isNullFirst = isNullFirst
    }

    /// The term as SQL writes it, for example `CloseTime DESC NULLS FIRST`.
    public var description: String {
        "\(attribute) \(isDescending ? "DESC" : "ASC") NULLS \(isNullFirst ? "FIRST" : "LAST")"
    }
}

/// A resolved sort term.
struct VisibilityOrderTerm: Sendable {
    var attribute: VisibilityAttribute
    var direction: VisibilitySortDirection

    init(attribute: VisibilityAttribute, isDescending: Bool, isNullFirst: Bool) {
        self.attribute = attribute
        direction = VisibilitySortDirection(isDescending: isDescending, isNullFirst: isNullFirst)
    }
}

/// How one sort term orders values; a plain value, so comparing keys copies no strings.
struct VisibilitySortDirection: Sendable {
    var isDescending: Bool
    var isNullFirst: Bool

    func compare(_ lhs: VisibilityValue?, _ rhs: VisibilityValue?) -> Int {
        switch (lhs, rhs) {
        case (nil, nil): return 0
        case (nil, _): return isNullFirst ? -1 : 1
        case (_, nil): return isNullFirst ? 1 : -1
        case (let left?, let right?):
            let result = VisibilityValue.sortCompare(left, right)
            return isDescending ? -result : result
        }
    }
}

/// A position in a query's order: the sort values and run id of the last record a page returned.
struct VisibilityCursor: Sendable, Hashable {
    var values: [VisibilityValue?]
    var runID: String
}

/// A comparison operator of the filter language.
enum VisibilityComparison: String, Sendable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    func holds(for ordering: Int?) -> Bool {
        guard let ordering else { return self == .notEqual }
        switch self {
        case .equal: return ordering == 0
        case .notEqual: return ordering != 0
        case .less: return ordering < 0
        case .lessOrEqual: return ordering <= 0
        case .greater: return ordering > 0
        case .greaterOrEqual: return ordering >= 0
        }
    }
}

/// A type-checked filter.
indirect enum VisibilityPredicate: Sendable {
    /// The empty filter.
    case all
    case and([VisibilityPredicate])
    case or([VisibilityPredicate])
    case compare(VisibilityAttribute, VisibilityComparison, VisibilityValue)
    case inList(VisibilityAttribute, [VisibilityValue], isNegated: Bool)
    case between(VisibilityAttribute, VisibilityValue, VisibilityValue, isNegated: Bool)
    case startsWith(VisibilityAttribute, String, isNegated: Bool)
    case isNull(VisibilityAttribute, isNegated: Bool)

    func evaluate(_ record: VisibilityRecord) -> Bool {
        switch self {
        case .all:
            return true
        case .and(let terms):
            return terms.allSatisfy { $0.evaluate(record) }
        case .or(let terms):
            return terms.contains { $0.evaluate(record) }
        case .compare(let attribute, let comparison, let literal):
            switch attribute.value(in: record) {
            case .missing: return false
            case .single(let value): return comparison.holds(for: VisibilityValue.compare(value, literal))
            case .list(let elements):
                // A KeywordList equals a value when one of its elements does; `!=` is the negation.
                let contains = elements.contains { VisibilityValue.compareBytes($0, literal.stringValue) == 0 }
                return comparison == .equal ? contains : (comparison == .notEqual && !contains)
            }
        case .inList(let attribute, let literals, let isNegated):
            let isIn: Bool
            switch attribute.value(in: record) {
            case .missing: return false
            case .single(let value): isIn = literals.contains { VisibilityValue.compare(value, $0) == 0 }
            case .list(let elements):
                isIn = elements.contains { element in
                    literals.contains { VisibilityValue.compareBytes(element, $0.stringValue) == 0 }
                }
            }
            return isIn != isNegated
        case .between(let attribute, let low, let high, let isNegated):
            guard case .single(let value) = attribute.value(in: record) else { return false }
            let isInside =
                (VisibilityValue.compare(value, low).map { $0 >= 0 } ?? false)
                && (VisibilityValue.compare(value, high).map { $0 <= 0 } ?? false)
            return isInside != isNegated
        case .startsWith(let attribute, let prefix, let isNegated):
            guard case .single(.string(let value)) = attribute.value(in: record) else { return false }
            return value.utf8.starts(with: prefix.utf8) != isNegated
        case .isNull(let attribute, let isNegated):
            if case .missing = attribute.value(in: record) { return !isNegated }
            return isNegated
        }
    }
}

extension VisibilityValue {
    /// The string of a `.string` value; empty for others, which type checking keeps away from KeywordLists.
    fileprivate var stringValue: String {
        if case .string(let value) = self { return value }
        return ""
    }
}
