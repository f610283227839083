/// A single value a filter compares or a sort orders: a literal of the query, or one attribute of a record.
enum VisibilityValue: Sendable, Hashable {
    /// A Keyword or Text value; compared byte by byte as UTF-8, so case and normalization matter.
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case datetime(Timestamp)
    case status(ExecutionStatus)

    /// Compares two values as a filter does: nil when they are unordered (a NaN, or values of kinds that
    /// never meet, which type checking rules out), else -1, 0 or 1. An Int and a Double compare exactly.
    static func compare(_ lhs: VisibilityValue, _ rhs: VisibilityValue) -> Int? {
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)): return compareBytes(left, right)
        case (.int(let left), .int(let right)): return sign(left, right)
        case (.double(let left), .double(let right)):
            if left.isNaN || right.isNaN { return nil }
            return left < right ? -1 : (left > right ? 1 : 0)
        case (.int(let left), .double(let right)): return compare(left, right)
        case (.double(let left), .int(let right)): return compare(right, left).map { -$0 }
        case (.bool(let left), .bool(let right)): return left == right ? 0 : (left ? 1 : -1)
        case (.datetime(let left), .datetime(let right)): return sign(left.rawValue, right.rawValue)
        case (.status(let left), .status(let right)):
            return left == right ? 0 : compareBytes(left.description, right.description)
        default: return nil
        }
    }

    /// Compares two values as a sort does: a total order in which doubles follow IEEE 754's total order
    /// (so NaN sorts after infinity) and statuses sort by name, like the Keyword they are.
    static func sortCompare(_ lhs: VisibilityValue, _ rhs: VisibilityValue) -> Int {
        switch (lhs, rhs) {
        case (.double(let left), .double(let right)):
            if left.bitPattern == right.bitPattern { return 0 }
            return left.isTotallyOrdered(belowOrEqualTo: right) ? -1 : 1
        default:
            if let result = compare(lhs, rhs) { return result }
            return sign(lhs.kindRank, rhs.kindRank)
        }
    }

    /// Returns the ordering of `integer` and `double`, exactly: nil when `double` is NaN.
    private static func compare(_ integer: Int64, _ double: Double) -> Int? {
        if double.isNaN { return nil }
        // 2^63 is exact as a Double; everything at or above it is above every Int64.
        if double >= 9_223_372_036_854_775_808.0 { return -1 }
        if double < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = double.rounded(.down)
        let wholeInteger = Int64(whole)
        if integer != wholeInteger { return integer < wholeInteger ? -1 : 1 }
        return double > whole ? -1 : 0
    }

    private static func sign<T: Comparable>(_ lhs: T, _ rhs: T) -> Int {
        lhs < rhs ? -1 : (lhs > rhs ? 1 : 0)
    }

    static func compareBytes(_ lhs: String, _ rhs: String) -> Int {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let leftByte?, let rightByte?):
                if leftByte != rightByte { return leftByte < rightByte ? -1 : 1 }
            }
        }
    }

    private var kindRank: Int {
        switch self {
        case .string: 0
        case .int: 1
        case .double: 2
        case .bool: 3
        case .datetime: 4
        case .status: 5
        }
    }
}

/// What a record holds for one attribute.
enum VisibilityFieldValue {
    /// The record has no value (or one of another type than the registered one, which filters cannot see).
    case missing
    case single(VisibilityValue)
    /// A non-empty KeywordList.
    case list([String])
}

/// A search attribute resolved against a registry: where a record keeps it and its type.
struct VisibilityAttribute: Sendable, Hashable {
    enum Field: Sendable, Hashable {
        case workflowID, runID, workflowType, executionStatus, startTime, closeTime, executionTime, taskQueue
        case historyLength, parentWorkflowID, parentRunID, custom
    }

    var name: String
    var field: Field
    var type: SearchAttributeType

    static let startTime = VisibilityAttribute(name: "StartTime", field: .startTime, type: .datetime)
    static let closeTime = VisibilityAttribute(name: "CloseTime", field: .closeTime, type: .datetime)

    /// Resolves `name` (case-sensitively) against `registry`; nil when it names no attribute.
    static func resolve(_ name: String, in registry: SearchAttributeRegistry) -> VisibilityAttribute? {
        let field: Field
        switch name {
        case "WorkflowId": field = .workflowID
        case "RunId": field = .runID
        case "WorkflowType": field = .workflowType
        case "ExecutionStatus": field = .executionStatus
        case "StartTime": field = .startTime
        case "CloseTime": field = .closeTime
        case "ExecutionTime": field = .executionTime
        case "TaskQueue": field = .taskQueue
        case "HistoryLength": field = .historyLength
        case "ParentWorkflowId": field = .parentWorkflowID
        case "ParentRunId": field = .parentRunID
        default:
            guard let type = registry.customAttributes[name] else { return nil }
            return VisibilityAttribute(name: name, field: .custom, type: type)
        }
        guard let type = SearchAttributeRegistry.systemAttributes[name] else { return nil }
        return VisibilityAttribute(name: name, field: field, type: type)
    }

    var isExecutionStatus: Bool { field == .executionStatus }

    /// Returns what `record` holds for this attribute.
    func value(in record: VisibilityRecord) -> VisibilityFieldValue {
        switch field {
        case .workflowID: return .single(.string(record.execution.workflowID.rawValue))
        case .runID: return .single(.string(record.execution.runID.rawValue))
        case .workflowType: return .single(.string(record.workflowType))
        case .executionStatus: return .single(.status(record.status))
        case .startTime: return .single(.datetime(record.startTime))
        case .closeTime: return record.closeTime.map { .single(.datetime($0)) } ?? .missing
        case .executionTime: return .single(.datetime(record.executionTime))
        case .taskQueue: return .single(.string(record.taskQueue))
        case .historyLength: return .single(.int(record.historyLength))
        case .parentWorkflowID:
            return record.parentExecution.map { .single(.string($0.workflowID.rawValue)) } ?? .missing
        case .parentRunID: return record.parentExecution.map { .single(.string($0.runID.rawValue)) } ?? .missing
        case .custom:
            guard let stored = record.searchAttributes[name] else { return .missing }
            switch (type, stored) {
            case (.keyword, .keyword(let value)), (.text, .text(let value)): return .single(.string(value))
            case (.int, .int(let value)): return .single(.int(value))
            case (.double, .double(let value)): return .single(.double(value))
            case (.bool, .bool(let value)): return .single(.bool(value))
            case (.datetime, .datetime(let value)): return .single(.datetime(value))
            case (.keywordList, .keywordList(let values)): return values.isEmpty ? .missing : .list(values)
            default: return .missing
            }
        }
    }

    /// Returns the value a sort orders `record` by, nil when it has none.
    func sortValue(in record: VisibilityRecord) -> VisibilityValue? {
        if case .single(let value) = value(in: record) { return value }
        return nil
    }

    /// Returns whether `value` is of the kind this attribute's values take (used to check decoded page tokens).
    func accepts(_ value: VisibilityValue) -> Bool {
        switch (type, value) {
        case (.keyword, .status): return isExecutionStatus
        case (.keyword, .string), (.text, .string): return !isExecutionStatus
        case (.int, .int), (.double, .double), (.bool, .bool), (.datetime, .datetime): return true
        default: return false
        }
    }
}
