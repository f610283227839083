import KeelLog

/// A deterministic pseudo-random source (SplitMix64), so every run appends the same bytes.
struct BenchRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    /// A value in `0..<bound`.
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "a random bound must be positive")
        return Int(generator.next(below: UInt64(bound)))
    }
}

/// What `keel bench log` appends: commits of records, then one long stream that it reads back.
protocol BenchRecordGenerator {
    /// The next `count` records.
    mutating func commit(recordCount count: Int) -> [LogRecord]
    /// `count` records, all in stream `key`.
    mutating func history(of key: StreamKey, count: Int) -> [LogRecord]
    /// The stream the read phase writes and reads back.
    var readStream: StreamKey { get }
}

/// Builds workflow-history-like records: JSON-ish event text with increasing event ids, timestamps,
/// task ids, activity names and business data, spread over many streams named `wf-<n>/run-<m>`.
///
/// A commit is a sequence of workflow task completions: runs of 1 to 8 consecutive events of one
/// workflow, each from a pool of active workflows. Workflows finish after 20 to 200 events and are
/// replaced by new ones, so the number of streams grows with the log as it would in an engine.
struct HistoryRecordGenerator: BenchRecordGenerator {
    /// The seed every benchmark run starts from.
    static let seed: UInt64 = 0x6B65_656C_6265_6E63

    /// Workflows running at once.
    static let activeWorkflows = 4_096

    private static let cycle = [
        "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted", "ActivityTaskScheduled",
        "ActivityTaskStarted", "ActivityTaskCompleted", "TimerStarted", "TimerFired",
    ].map { Array($0.utf8) }
    private static let activities = [
        "reserveInventory", "chargeCard", "shipParcel", "sendReceipt", "fraudCheck", "notifyCustomer",
        "refundPayment", "updateLedger", "allocateSeat", "renderInvoice",
    ].map { Array($0.utf8) }
    private static let fields = ["order-", "cust-", "sku-", "amount=", "qty=", "ref-", "zip=", "attempt="].map {
        Array($0.utf8)
    }
    private static let regions = ["eu-west-1", "us-east-2", "ap-south-1", "sa-east-1"].map { Array($0.utf8) }

    /// One running workflow: its stream and where its history stands.
    private struct Workflow {
        var key: StreamKey
        var nextEventID: Int
        var length: Int
    }

    /// Size of each record's payload.
    let recordBytes: Int
    private var random: BenchRandom
    private var workflows: [Workflow] = []
    private var nextWorkflowNumber = 1
    private var nextTaskID: UInt64 = 1_048_576
    private var clockMilliseconds: UInt64 = 1_717_200_000_000
    private var buffer: [UInt8] = []

    init(recordBytes: Int, seed: UInt64 = HistoryRecordGenerator.seed) {
        self.recordBytes = recordBytes
        self.random = BenchRandom(seed: seed)
        buffer.reserveCapacity(recordBytes + 256)
        workflows.reserveCapacity(Self.activeWorkflows)
        for _ in 0..<Self.activeWorkflows { workflows.append(newWorkflow()) }
    }

    /// Returns the records of one commit: `count` events of a few workflows.
    mutating func commit(recordCount count: Int) -> [LogRecord] {
        var records: [LogRecord] = []
        records.reserveCapacity(count)
        while records.count < count {
            let slot = random.below(workflows.count)
            let run = min(1 + random.below(8), count - records.count)
            var workflow = workflows[slot]
            for _ in 0..<run {
                records.append(LogRecord(stream: workflow.key, payload: event(of: &workflow)))
                if workflow.nextEventID > workflow.length {
                    workflow = newWorkflow()
                    break
                }
            }
            workflows[slot] = workflow
        }
        return records
    }

    var readStream: StreamKey { StreamKey("wf-read/run-1") }

    /// Returns `count` consecutive events of one long-running workflow stream named `key`.
    mutating func history(of key: StreamKey, count: Int) -> [LogRecord] {
        var workflow = Workflow(key: key, nextEventID: 1, length: .max)
        return (0..<count).map { _ in LogRecord(stream: key, payload: event(of: &workflow)) }
    }

    private mutating func newWorkflow() -> Workflow {
        let number = nextWorkflowNumber
        nextWorkflowNumber += 1
        let run = 1 + random.below(3)
        return Workflow(key: StreamKey("wf-\(number)/run-\(run)"), nextEventID: 1, length: 20 + random.below(181))
    }

    /// The payload of the workflow's next event, exactly `recordBytes` long.
    private mutating func event(of workflow: inout Workflow) -> [UInt8] {
        let eventID = workflow.nextEventID
        workflow.nextEventID += 1
        clockMilliseconds += UInt64(random.below(4))
        nextTaskID += 1
        let type: [UInt8]
        switch eventID {
        case 1: type = Array("WorkflowExecutionStarted".utf8)
        case workflow.length: type = Array("WorkflowExecutionCompleted".utf8)
        default: type = Self.cycle[(eventID - 2) % Self.cycle.count]
        }
        buffer.removeAll(keepingCapacity: true)
        append("{\"id\":")
        append(number: UInt64(eventID))
        append(",\"type\":\"")
        buffer.append(contentsOf: type)
        append("\",\"time\":")
        append(number: clockMilliseconds)
        append(",\"task\":")
        append(number: nextTaskID)
        append(",\"req\":\"")
        append(hex: random.next(), digits: 10)
        append("\",\"attrs\":{\"activity\":\"")
        buffer.append(contentsOf: Self.activities[random.below(Self.activities.count)])
        append("\",\"input\":\"")
        let closing = Array("\"}}".utf8)
        let fillEnd = recordBytes - closing.count
        while buffer.count < fillEnd {
            let field = random.below(Self.fields.count + 1)
            if field == Self.fields.count {
                append("region=")
                buffer.append(contentsOf: Self.regions[random.below(Self.regions.count)])
            } else {
                buffer.append(contentsOf: Self.fields[field])
                append(number: random.next() % 1_000_000)
            }
            buffer.append(UInt8(ascii: ";"))
        }
        // Records shorter than the event's fixed text keep a prefix of it, then close the object.
        if buffer.count > fillEnd { buffer.removeLast(buffer.count - fillEnd) }
        buffer.append(contentsOf: closing)
        precondition(buffer.count == recordBytes, "a generated record must be exactly recordBytes long")
        return buffer
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    private mutating func append(hex value: UInt64, digits: Int) {
        for index in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(index * 4)) & 0xF
            buffer.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
    }

    private mutating func append(number: UInt64) {
        var digitCount = 1
        var rest = number / 10
        while rest > 0 {
            digitCount += 1
            rest /= 10
        }
        buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digitCount))
        var value = number
        var index = buffer.count - 1
        repeat {
            buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
            index -= 1
        } while value > 0
    }
}
