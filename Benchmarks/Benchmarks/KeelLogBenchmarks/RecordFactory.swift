import KeelLog

/// A small deterministic pseudo-random generator (SplitMix64), so every run appends the same bytes.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A value in `0..<bound`.
    mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive, found \(bound)")
        return Int(next() % UInt64(bound))
    }
}

/// Builds workflow-event-like records: a stream key naming one workflow run
/// (`orders/wf-0001234/9f2c4e1a7b3d5e60`, 34 bytes) and a JSON payload of 150 to 170 bytes (160 on
/// average) with per-stream event ids, advancing timestamps, varying event types and an opaque data
/// field, the way a workflow history event looks once encoded.
struct RecordFactory {
    /// Sizes of generated payloads.
    static let payloadBytesRange = 150...170
    /// Most streams one factory names (keys are built up front).
    static let streamCountMax = 1_000_000

    private static let eventTypes = [
        "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted", "ActivityTaskScheduled",
        "ActivityTaskStarted", "ActivityTaskCompleted", "TimerStarted", "TimerFired", "MarkerRecorded",
        "WorkflowExecutionSignaled",
    ]
    private static let taskQueues = ["payments", "inventory", "shipping", "email", "fraud-check"]
    private static let dataAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Every stream key, indexed by stream number.
    let streams: [StreamKey]
    private var random: SplitMix64
    private var nextEventID: [UInt32]
    private var clockMilliseconds: UInt64 = 1_767_225_600_000

    init(streamCount: Int, seed: UInt64) {
        precondition(
            (1...RecordFactory.streamCountMax).contains(streamCount),
            "streamCount must be 1...\(RecordFactory.streamCountMax), found \(streamCount)")
        var keys: [StreamKey] = []
        keys.reserveCapacity(streamCount)
        for index in 0..<streamCount {
            var runs = SplitMix64(seed: seed ^ UInt64(index) &* 0x2545_F491_4F6C_DD1D)
            keys.append(
                StreamKey("orders/wf-\(RecordFactory.padded(index, width: 7))/\(RecordFactory.hex(runs.next()))"))
        }
        streams = keys
        random = SplitMix64(seed: seed)
        nextEventID = [UInt32](repeating: 1, count: streamCount)
    }

    /// A record of a stream picked at random.
    mutating func record() -> LogRecord {
        record(stream: random.next(below: streams.count))
    }

    /// The next event of stream number `index`.
    mutating func record(stream index: Int) -> LogRecord {
        let eventID = nextEventID[index]
        nextEventID[index] &+= 1
        clockMilliseconds += UInt64(random.next(below: 40))
        let type = RecordFactory.eventTypes[random.next(below: RecordFactory.eventTypes.count)]
        let queue = RecordFactory.taskQueues[random.next(below: RecordFactory.taskQueues.count)]
        let attempt = 1 + random.next(below: 8) / 7
        var payload = Array(
            ("{\"eventId\":\(eventID),\"type\":\"\(type)\",\"time\":\(clockMilliseconds),"
                + "\"workflowId\":\"wf-\(RecordFactory.padded(index, width: 7))\",\"taskQueue\":\"\(queue)\","
                + "\"attempt\":\(attempt),\"data\":\"").utf8)
        let target =
            RecordFactory.payloadBytesRange.lowerBound
            + random.next(below: RecordFactory.payloadBytesRange.count)
        while payload.count < target - 2 {
            payload.append(RecordFactory.dataAlphabet[random.next(below: RecordFactory.dataAlphabet.count)])
        }
        payload.append(contentsOf: "\"}".utf8)
        return LogRecord(stream: streams[index], payload: payload)
    }

    /// `count` commits of `size` records each, of streams picked at random.
    mutating func batches(count: Int, size: Int) -> [[LogRecord]] {
        (0..<count).map { _ in (0..<size).map { _ in record() } }
    }

    private static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
