/// A point in time: nanoseconds since the Unix epoch (UTC), as the engine's clock reports it.
public struct Timestamp: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(nanosecondsSinceEpoch: Int64) { self.rawValue = nanosecondsSinceEpoch }

    /// The Unix epoch.
    public static let epoch = Timestamp(rawValue: 0)

    /// Nanoseconds since the Unix epoch.
    public var nanosecondsSinceEpoch: Int64 { rawValue }

    /// Milliseconds since the Unix epoch, rounded down.
    public var millisecondsSinceEpoch: Int64 { rawValue >= 0 ? rawValue / 1_000_000 : (rawValue - 999_999) / 1_000_000 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Returns this time moved by `duration`, saturating at the ends of the representable range.
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        let (sum, overflow) = lhs.rawValue.addingReportingOverflow(rhs.nanoseconds)
        if overflow { return Timestamp(rawValue: rhs.nanoseconds > 0 ? .max : .min) }
        return Timestamp(rawValue: sum)
    }

    /// Returns the time from `rhs` to `lhs`.
    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        .nanoseconds(lhs.rawValue &- rhs.rawValue)
    }

    /// The time as an RFC 3339 string in UTC with nanoseconds, as Temporal's history export writes it.
    public var description: String { RFC3339.format(self) }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64`'s range.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds > 0 ? .max : .min }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds > 0 ? .max : .min }
        return sum
    }
}

/// The identifier a user gives a workflow; unique among the open workflows of a namespace.
public struct WorkflowID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: WorkflowID, rhs: WorkflowID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The identifier of one run of a workflow, a UUID string chosen by the engine.
public struct RunID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One run of a workflow: its workflow id and run id.
public struct WorkflowExecution: Hashable, Sendable, CustomStringConvertible {
    public var workflowID: WorkflowID
    public var runID: RunID
    public init(workflowID: WorkflowID, runID: RunID) {
        self.workflowID = workflowID
        self.runID = runID
    }
    public var description: String { "\(workflowID.rawValue)/\(runID.rawValue)" }
}

/// The status of a workflow execution, as visibility reports it (Temporal's `WorkflowExecutionStatus`).
public enum ExecutionStatus: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case running = 1
    case completed = 2
    case failed = 3
    case canceled = 4
    case terminated = 5
    case continuedAsNew = 6
    case timedOut = 7

    /// The name Temporal's filter language and tools use ("Running", "Completed", ...).
    public var description: String {
        switch self {
        case .running: "Running"
        case .completed: "Completed"
        case .failed: "Failed"
        case .canceled: "Canceled"
        case .terminated: "Terminated"
        case .continuedAsNew: "ContinuedAsNew"
        case .timedOut: "TimedOut"
        }
    }

    /// Returns the status with the given filter-language name, ignoring case.
    public init?(name: String) {
        let lowered = name.lowercased()
        guard let match = Self.allCases.first(where: { $0.description.lowercased() == lowered }) else { return nil }
        self = match
    }
}

/// The value of a typed search attribute.
public enum SearchAttributeValue: Sendable, Hashable {
    /// An exact-match string (Temporal's Keyword).
    case keyword(String)
    /// A free-text string (Temporal's Text); compared as a whole string by Keel's filter language.
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case datetime(Timestamp)
    case keywordList([String])
}

/// The type of a registered search attribute.
public enum SearchAttributeType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case keyword = 1
    case text = 2
    case int = 3
    case double = 4
    case bool = 5
    case datetime = 6
    case keywordList = 7

    public var description: String {
        switch self {
        case .keyword: "Keyword"
        case .text: "Text"
        case .int: "Int"
        case .double: "Double"
        case .bool: "Bool"
        case .datetime: "Datetime"
        case .keywordList: "KeywordList"
        }
    }
}

extension SearchAttributeValue {
    /// The type of this value.
    public var type: SearchAttributeType {
        switch self {
        case .keyword: .keyword
        case .text: .text
        case .int: .int
        case .double: .double
        case .bool: .bool
        case .datetime: .datetime
        case .keywordList: .keywordList
        }
    }
}
