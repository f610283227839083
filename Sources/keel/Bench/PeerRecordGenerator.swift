import KeelLog

/// Builds the records the peer kit's storage benchmarks append (`record160` in its `lib/events.py`),
/// byte for byte, so that KeelLog and the peers (SQLite, RocksDB, LMDB, a plain file) write the
/// same data.
///
/// Record `i` is a JSON event of workflow `order-<i / 12>`, padded with `x` to 160 bytes. Its stream
/// is that workflow, so each stream gets 12 consecutive records. The text repeats far more than
/// `HistoryRecordGenerator`'s (no random identifiers or numbers): it compresses about twice as well.
struct PeerRecordGenerator: BenchRecordGenerator {
    /// Records per workflow (stream), as in the peer kit.
    static let recordsPerWorkflow = 12
    /// The length the peers pad a record to.
    static let recordBytes = 160

    private static let types = [
        "WorkflowExecutionStarted", "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted",
        "ActivityTaskScheduled", "ActivityTaskStarted", "ActivityTaskCompleted", "TimerStarted", "TimerFired",
        "WorkflowExecutionCompleted",
    ]

    private var next = 0

    var readStream: StreamKey { StreamKey("order-read") }

    /// The next `count` records of the sequence.
    mutating func commit(recordCount count: Int) -> [LogRecord] {
        var records: [LogRecord] = []
        records.reserveCapacity(count)
        var key = StreamKey("")
        var keyWorkflow = -1
        for _ in 0..<count {
            let workflow = next / Self.recordsPerWorkflow
            if workflow != keyWorkflow {
                key = StreamKey("order-\(workflow)")
                keyWorkflow = workflow
            }
            records.append(LogRecord(stream: key, payload: Self.record(next)))
            next += 1
        }
        return records
    }

    /// `count` records of the sequence's start, all in stream `key`.
    func history(of key: StreamKey, count: Int) -> [LogRecord] {
        (0..<count).map { LogRecord(stream: key, payload: Self.record($0)) }
    }

    /// Record `index`, as the peer kit's `record160(index)` makes it.
    static func record(_ index: Int) -> [UInt8] {
        let workflow = index / recordsPerWorkflow
        let runID = String(UInt64(workflow) &* 2_654_435_761 & 0xFFFF_FFFF, radix: 16)
        let cents = index % 100
        let text =
            "{\"eventId\":\(index),\"type\":\"\(types[index % types.count])\",\"workflowId\":\"order-\(workflow)\","
            + "\"runId\":\"r\(String(repeating: "0", count: max(0, 8 - runID.count)))\(runID)\","
            + "\"ts\":\(1_700_000_000_000 + index * 7),\"result\":{\"ok\":true,"
            + "\"amount\":\(index * 37 % 10_000).\(cents < 10 ? "0" : "")\(cents)}}"
        var bytes = Array(text.utf8)
        if bytes.count < recordBytes {
            // The closing braces move behind a padding field that brings the record to 160 bytes.
            let padding = max(0, recordBytes - bytes.count - 9)
            bytes.removeLast(2)
            bytes.append(contentsOf: ",\"pad\":\"".utf8)
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: padding))
            bytes.append(contentsOf: "\"}}".utf8)
        }
        return bytes
    }
}
