import KeelLog

/// Entry points into the engine's decoders for bytes that come from outside a running engine: the
/// records of a data file, read by tools such as `keel log dump`, and fuzz targets.
public enum EngineInputs {
    /// Longest quoted text a description shows; longer text is cut and its byte count given.
    static let quotedScalarsMax = 64

    /// Returns a one-line description of the engine record `payload` stored on stream `stream`,
    /// e.g. `run default/order-1/9f1c…: event 5 WorkflowTaskScheduled at 2026-01-01T00:00:00Z (31 bytes)`.
    ///
    /// The stream must be a run's (FORMAT.md section 16.1: `0x01` and three length-prefixed UTF-8
    /// strings) or the namespaces stream, and must be one that holds the record's kind: namespace
    /// records (kind 4) on the namespaces stream, every other kind on a run's stream.
    ///
    /// - Complexity: O(*n*) in the size of the record.
    /// - Throws: `.corruptData` naming what was expected and what was found, when the stream key does
    ///   not parse, the payload does not decode, or the record is on a stream that does not hold its kind.
    public static func describeRecord(stream: [UInt8], payload: [UInt8]) throws(EngineError) -> String {
        let streamKey = StreamKey(stream)
        if let description = try describeCheckpointRecord(stream: streamKey, payload: payload) { return description }
        let run: RunKey?
        if streamKey == EngineRecord.namespaceStream {
            run = nil
        } else if let key = RunKey(stream: streamKey) {
            run = key
        } else if stream.first == 0x01 {
            throw EngineError(
                .corruptData,
                "expected a run stream key of 0x01 and three length-prefixed UTF-8 strings that end the key, found \(stream.count) bytes that do not parse"
            )
        } else {
            throw EngineError(
                .corruptData,
                "expected a run stream key (0x01 ...) or the namespaces stream, found \(describeKeyStart(stream))")
        }
        let record = try EngineRecord.decode(payload)
        switch (record, run) {
        case (.namespace, .some(let run)):
            throw EngineError(
                .corruptData,
                "expected a namespace record (kind 4) on the namespaces stream, found one on run \(describe(run))")
        case (.namespace, nil):
            return "namespaces: \(describe(record, bytes: payload.count))"
        case (_, nil):
            throw EngineError(
                .corruptData,
                "expected a record of kind \(payload[0]) on a run stream, found it on the namespaces stream"
            )
        case (_, .some(let run)):
            return "run \(describe(run)): \(describe(record, bytes: payload.count))"
        }
    }

    static func describe(_ record: EngineRecord, bytes: Int) -> String {
        switch record {
        case .event(let event):
            return "event \(event.eventID) \(event.eventType) at \(event.time) (\(bytes) bytes)"
        case .buffered(let time, let attributes):
            return "buffered \(attributes.eventType) at \(time) (\(bytes) bytes)"
        case .activityAttempt(let attempt):
            let failure = attempt.lastFailure.map { "last failure \(quoted($0.message))" } ?? "no failure"
            return
                "activity attempt \(attempt.attempt) of scheduled event \(attempt.scheduledEventID) at \(attempt.retryTime), \(failure), \(attempt.heartbeatDetails.count) heartbeat payloads"
        case .namespace(let settings):
            let attributes = settings.searchAttributes.sorted { $0.key < $1.key }.map {
                "\(quoted($0.key)) \($0.value)"
            }
            return
                "namespace \(quoted(settings.name)), retention \(settings.retention.nanoseconds) ns, \(attributes.count) search attributes"
                + (attributes.isEmpty ? "" : " (\(attributes.joined(separator: ", ")))")
        case .signalRequest(let requestID):
            return "signal request id \(quoted(requestID))"
        case .checkpointPart:
            return "checkpoint part (\(bytes) bytes)"
        case .checkpointIndex:
            return "checkpoint index (\(bytes) bytes)"
        }
    }

    /// Describes a record on a checkpoint stream (FORMAT.md section 16.5); nil for other streams.
    static func describeCheckpointRecord(stream: StreamKey, payload: [UInt8]) throws(EngineError) -> String? {
        if stream == EngineCheckpoint.indexStream {
            let index = try CheckpointIndex.decode(payload)
            let runs = index.parts.reduce(UInt64(0)) { $0 + $1.runCount }
            let bytes = index.parts.reduce(UInt64(0)) { $0 + $1.snapshotBytes }
            return
                "checkpoint index: checkpoint \(index.sequence), \(index.parts.count) partitions, \(runs) runs, \(bytes) snapshot bytes"
        }
        guard let checkpointID = EngineCheckpoint.checkpointID(ofPart: stream) else { return nil }
        guard payload.count >= 10, payload[0] == EngineRecordKind.checkpointPart.rawValue else {
            throw EngineError(
                .corruptData, "expected a checkpoint part record (kind 6) on a checkpoint part stream, found another")
        }
        let partition = Int(stream.bytes[9]) | Int(stream.bytes[10]) << 8
        var chunk: UInt32 = 0
        var count: UInt32 = 0
        for index in 0..<4 {
            chunk |= UInt32(payload[2 + index]) << (8 * UInt32(index))
            count |= UInt32(payload[6 + index]) << (8 * UInt32(index))
        }
        return
            "checkpoint part: checkpoint id \(String(checkpointID, radix: 16)), partition \(partition), chunk \(UInt64(chunk) + 1) of \(count) (\(payload.count - 10) bytes)"
    }

    static func describe(_ key: RunKey) -> String {
        "\(quoted(key.namespace))/\(quoted(key.execution.workflowID.rawValue))/\(quoted(key.execution.runID.rawValue))"
    }

    static func describeKeyStart(_ stream: [UInt8]) -> String {
        guard let first = stream.first else { return "an empty key" }
        let hex = String(first, radix: 16)
        return "a key of \(stream.count) bytes starting with 0x\(hex.count == 1 ? "0" : "")\(hex)"
    }

    /// Returns `text` in double quotes with quotes, backslashes and every control or line-breaking
    /// character escaped, so a description stays on one line whatever the record holds; text longer
    /// than `quotedScalarsMax` scalars is cut.
    static func quoted(_ text: String) -> String {
        var result = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == quotedScalarsMax {
                result += "\u{2026}\" (\(text.utf8.count) bytes)"
                return result
            }
            count += 1
            switch scalar.value {
            case 0x22: result += "\\\""
            case 0x5C: result += "\\\\"
            case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
