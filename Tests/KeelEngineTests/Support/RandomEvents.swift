import KeelTestSupport

@testable import KeelEngine

/// A seeded generator of random, valid history events of every type.
///
/// The same seed always gives the same events, so a test that prints its seed can be replayed. Values
/// lean towards the edges a codec cares about: defaults (zero, empty, nil), negative and extreme
/// integers, text outside ASCII, long strings whose length prefix takes several bytes, and failures
/// with cause chains up to `EventCodec.failureDepthMax`. Everything generated is within the codec's
/// limits (no NaN, durations in whole nanoseconds).
struct RandomEvents: RandomEventSource {
    private var state: UInt64

    /// A generator whose whole output is determined by `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// Returns the next 64 random bits (SplitMix64).
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// Returns an event of a random type with the given id and a random time.
    mutating func event(id: Int64) -> HistoryEvent {
        event(id: id, type: pick(EventType.allCases))
    }

    // MARK: - Building blocks (`RandomEventSource.attributes(of:)` builds each event type from them)

    /// Returns an integer that is often 0, often small, sometimes negative or at the ends of the range.
    mutating func int64() -> Int64 {
        switch below(8) {
        case 0: 0
        case 1: Int64(below(128))
        case 2: Int64(below(1 << 20))
        case 3: -Int64(below(1 << 20))
        case 4: pick([Int64.min, Int64.max, Int64.min + 1, Int64.max - 1, -1, 63, 64, -64, -65])
        default: Int64(bitPattern: next())
        }
    }

    /// Returns an event id: usually a plausible positive number, sometimes 0 or an extreme.
    mutating func eventID() -> Int64 {
        switch below(6) {
        case 0: 0
        case 1: int64()
        default: Int64(1 + below(100_000))
        }
    }

    mutating func int32() -> Int32 { Int32(truncatingIfNeeded: int64()) }

    mutating func bool() -> Bool { next() & 1 == 1 }

    mutating func duration() -> Duration { .nanoseconds(int64()) }

    mutating func timestamp() -> Timestamp {
        chance(1, in: 4)
            ? Timestamp(rawValue: int64()) : Timestamp(rawValue: 1_700_000_000_000_000_000 + Int64(below(1 << 50)))
    }

    /// Returns a finite double, or an infinity, with the bit patterns a codec could get wrong.
    mutating func double() -> Double {
        switch below(6) {
        case 0: return pick([0.0, -0.0, 1.0, 2.0, 0.5, .infinity, -.infinity])
        case 1:
            return pick([Double.leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, .ulpOfOne])
        default:
            let value = Double(bitPattern: next())
            return value.isNaN ? 1.25 : value
        }
    }

    /// Pieces text is made from: ASCII, two-, three- and four-byte UTF-8, a combining accent, a NUL.
    private static let pieces = [
        "a", "b", "z", "Q", "7", "-", "_", " ", "/", ".", "é", "ß", "€", "中", "🙂", "e\u{301}", "\u{0}", "\n",
    ]

    /// Returns text that is often empty, usually short, sometimes long enough to need a two-byte length.
    mutating func string() -> String {
        let count: Int
        switch below(10) {
        case 0, 1: count = 0
        case 2: count = 60 + below(200)
        default: count = 1 + below(12)
        }
        var text = ""
        for _ in 0..<count { text += pick(Self.pieces) }
        return text
    }

    mutating func bytes() -> [UInt8] {
        let count = chance(1, in: 8) ? 100 + below(300) : below(24)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    mutating func runID() -> RunID { RunID(string()) }

    mutating func execution() -> WorkflowExecution {
        WorkflowExecution(workflowID: WorkflowID(string()), runID: runID())
    }

    mutating func taskQueue() -> TaskQueue {
        var queue = TaskQueue(name: string(), kind: bool() ? .normal : .sticky, normalName: string())
        // A normal queue whose normalName differs from its name is representable, so it must survive too.
        if chance(1, in: 6) { queue.normalName = string() }
        return queue
    }

    mutating func payload() -> Payload {
        var metadata: [String: [UInt8]] = [:]
        switch below(4) {
        case 0: break
        case 1: metadata["encoding"] = Array("json/plain".utf8)
        default:
            for _ in 0..<below(4) { metadata[string()] = bytes() }
        }
        return Payload(metadata: metadata, data: bytes())
    }

    mutating func payloads() -> [Payload] {
        (0..<pick([0, 0, 1, 1, 2, 3])).map { _ in payload() }
    }

    /// Returns a map of 0 to 3 entries with random keys.
    mutating func map<Value>(_ value: (inout RandomEvents) -> Value) -> [String: Value] {
        var map: [String: Value] = [:]
        for _ in 0..<pick([0, 0, 1, 2, 3]) { map[string()] = value(&self) }
        return map
    }

    mutating func payloadMap() -> [String: Payload] { map { $0.payload() } }

    mutating func searchAttributeValue() -> SearchAttributeValue {
        switch pick(SearchAttributeType.allCases) {
        case .keyword: .keyword(string())
        case .text: .text(string())
        case .int: .int(int64())
        case .double: .double(double())
        case .bool: .bool(bool())
        case .datetime: .datetime(timestamp())
        case .keywordList: .keywordList((0..<below(4)).map { _ in string() })
        }
    }

    mutating func searchAttributes() -> [String: SearchAttributeValue] { map { $0.searchAttributeValue() } }

    mutating func retryPolicy() -> RetryPolicy {
        RetryPolicy(
            initialInterval: chance(1, in: 3) ? .seconds(1) : duration(),
            backoffCoefficient: chance(1, in: 3) ? 2.0 : double(), maximumInterval: maybe { $0.duration() },
            maximumAttempts: int32(), nonRetryableErrorTypes: (0..<below(3)).map { _ in string() })
    }

    mutating func parent() -> ParentExecutionInfo {
        ParentExecutionInfo(namespace: string(), execution: execution(), initiatedEventID: eventID())
    }

    mutating func failureInfo() -> FailureInfo {
        switch below(7) {
        case 0: .application(type: string(), nonRetryable: bool(), details: payloads())
        case 1: .timeout(type: pick(TimeoutType.allCases), lastHeartbeatDetails: payloads())
        case 2: .canceled(details: payloads())
        case 3: .terminated
        case 4: .server(nonRetryable: bool())
        case 5:
            .activity(
                scheduledEventID: eventID(), startedEventID: eventID(), identity: string(), activityType: string(),
                activityID: string(), retryState: pick(RetryState.allCases))
        default:
            .childWorkflow(
                namespace: string(), execution: execution(), workflowType: string(), initiatedEventID: eventID(),
                startedEventID: eventID(), retryState: pick(RetryState.allCases))
        }
    }

    /// Returns a failure whose cause chain holds 1 to `EventCodec.failureDepthMax` failures, usually few.
    mutating func failure() -> Failure {
        let depth: Int
        switch below(20) {
        case 0: depth = EventCodec.failureDepthMax
        case 1: depth = 1 + below(EventCodec.failureDepthMax)
        default: depth = 1 + below(3)
        }
        return failure(depth: depth)
    }

    /// Returns a failure whose cause chain holds exactly `depth` failures.
    mutating func failure(depth: Int) -> Failure {
        var chain = Failure(message: string(), source: string(), stackTrace: string(), info: failureInfo())
        for _ in 1..<max(depth, 1) {
            chain = Failure(
                message: string(), source: string(), stackTrace: string(), info: failureInfo(), cause: chain)
        }
        return chain
    }
}
