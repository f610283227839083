import KeelLog

/// The kinds of records KeelEngine writes to the log; the first byte of every record payload
/// (FORMAT.md, Part II).
enum EngineRecordKind: UInt8 {
    /// A history event of the run the stream belongs to.
    case event = 1
    /// An event that arrived while a workflow task ran: durable, but not yet part of the history.
    case buffered = 2
    /// The retry state of an activity waiting for its next attempt (attempts are not history events).
    case activityAttempt = 3
    /// A namespace's settings, on the namespaces stream; the last record of a name wins.
    case namespace = 4
    /// The request id of a signal the run received, so a repeated signal is still dropped after a restart.
    case signalRequest = 5
    /// A chunk of a partition's snapshot, on a checkpoint part stream (FORMAT.md section 16.5).
    case checkpointPart = 6
    /// The record that completes a checkpoint, on the checkpoint index stream.
    case checkpointIndex = 7
}

/// The retry state of an activity between attempts, as stored in an activity-attempt record.
struct ActivityAttemptRecord: Equatable {
    var scheduledEventID: Int64
    var attempt: Int32
    var retryTime: Timestamp
    var lastFailure: Failure?
    var heartbeatDetails: [Payload]

    /// Encodes the record: kind 3, version 1, scheduled event id (u64), attempt (u32), retry time (u64
    /// nanoseconds since the epoch, two's complement), then the last failure and the heartbeat details,
    /// each as a u32 length and its encoding (FORMAT.md Part II; length 0 means no failure).
    func encode() -> [UInt8] {
        var bytes: [UInt8] = [EngineRecordKind.activityAttempt.rawValue, 1]
        func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        u64(UInt64(bitPattern: scheduledEventID))
        u32(UInt32(bitPattern: attempt))
        u64(UInt64(bitPattern: retryTime.rawValue))
        let failure = lastFailure.map { EventCodec.encode($0) } ?? []
        u32(UInt32(failure.count))
        bytes += failure
        let details = EventCodec.encode(heartbeatDetails)
        u32(UInt32(details.count))
        bytes += details
        return bytes
    }

    static func decode(_ bytes: [UInt8]) throws(EngineError) -> ActivityAttemptRecord {
        var position = 2
        func fail(_ what: String) -> EngineError {
            EngineError(.corruptData, "activity attempt record at byte \(position): \(what)")
        }
        guard bytes.count >= 2, bytes[1] == 1 else { throw fail("expected version 1") }
        func integer(_ width: Int) throws(EngineError) -> UInt64 {
            guard position + width <= bytes.count else { throw fail("expected \(width) bytes, found the end") }
            var value: UInt64 = 0
            for index in 0..<width { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
            position += width
            return value
        }
        func block() throws(EngineError) -> [UInt8] {
            let count = Int(try integer(4))
            guard position + count <= bytes.count else {
                throw fail("expected \(count) bytes, found \(bytes.count - position)")
            }
            defer { position += count }
            return Array(bytes[position..<(position + count)])
        }
        let scheduledEventID = Int64(bitPattern: try integer(8))
        let attempt = Int32(bitPattern: UInt32(truncatingIfNeeded: try integer(4)))
        let retryTime = Timestamp(rawValue: Int64(bitPattern: try integer(8)))
        let failureBytes = try block()
        let failure = failureBytes.isEmpty ? nil : try EventCodec.decodeFailure(failureBytes)
        let details = try EventCodec.decodePayloads(try block())
        guard position == bytes.count else {
            throw fail("expected the end, found \(bytes.count - position) more bytes")
        }
        guard attempt >= 1 else { throw fail("expected an attempt of at least 1, found \(attempt)") }
        return ActivityAttemptRecord(
            scheduledEventID: scheduledEventID, attempt: attempt, retryTime: retryTime, lastFailure: failure,
            heartbeatDetails: details)
    }
}

/// A decoded engine record.
enum EngineRecord {
    case event(HistoryEvent)
    case buffered(time: Timestamp, attributes: EventAttributes)
    case activityAttempt(ActivityAttemptRecord)
    case namespace(NamespaceSettings)
    case signalRequest(String)
    /// A checkpoint record (read by recovery through its own streams, never folded).
    case checkpointPart
    case checkpointIndex

    /// Encodes a signal request id record: kind 5, version 1, then the id's UTF-8 bytes.
    static func encodeSignalRequest(_ requestID: String) -> [UInt8] {
        [EngineRecordKind.signalRequest.rawValue, 1] + Array(requestID.utf8)
    }

    /// The stream that holds namespace records.
    static let namespaceStream = StreamKey([0x02] + Array("namespaces".utf8))

    /// Encodes a buffered event: a history event encoding with event id 0 and kind byte 2.
    static func encodeBuffered(_ attributes: EventAttributes, time: Timestamp) -> [UInt8] {
        var bytes = EventCodec.encode(HistoryEvent(eventID: 0, time: time, attributes: attributes))
        bytes[0] = EngineRecordKind.buffered.rawValue
        return bytes
    }

    /// Decodes a record payload.
    ///
    /// - Throws: `.corruptData` naming what was expected and what was found.
    static func decode(_ payload: [UInt8]) throws(EngineError) -> EngineRecord {
        guard let first = payload.first else {
            throw EngineError(.corruptData, "expected an engine record, found an empty payload")
        }
        switch EngineRecordKind(rawValue: first) {
        case .event:
            return .event(try EventCodec.decode(payload))
        case .buffered:
            var bytes = payload
            bytes[0] = EngineRecordKind.event.rawValue
            let event = try EventCodec.decode(bytes)
            return .buffered(time: event.time, attributes: event.attributes)
        case .namespace:
            return .namespace(try NamespaceSettings.decode(payload))
        case .activityAttempt:
            return .activityAttempt(try ActivityAttemptRecord.decode(payload))
        case .signalRequest:
            guard payload.count >= 2, payload[1] == 1 else {
                throw EngineError(.corruptData, "signal request record: expected version 1")
            }
            guard let id = String(validating: payload[2...], as: UTF8.self) else {
                throw EngineError(.corruptData, "signal request record: expected a UTF-8 request id")
            }
            return .signalRequest(id)
        case .checkpointPart:
            guard payload.count >= 10, payload[1] == EngineCheckpoint.version else {
                throw EngineError(
                    .corruptData,
                    "checkpoint part record: expected version 1 and a 10-byte header, found \(payload.count) bytes")
            }
            return .checkpointPart
        case .checkpointIndex:
            _ = try CheckpointIndex.decode(payload)
            return .checkpointIndex
        case nil:
            throw EngineError(.corruptData, "expected an engine record kind of 1 to 7, found \(first)")
        }
    }
}

/// A namespace's settings as stored in the log.
public struct NamespaceSettings: Sendable, Hashable {
    public var name: String
    /// How long closed runs are kept before they are removed.
    public var retention: Duration
    /// Custom search attributes and their types.
    public var searchAttributes: [String: SearchAttributeType]

    public init(name: String, retention: Duration, searchAttributes: [String: SearchAttributeType] = [:]) {
        self.name = name
        self.retention = retention
        self.searchAttributes = searchAttributes
    }

    /// Encodes the settings: kind 4, version 1, name (u16 length + UTF-8), retention (u64 nanoseconds),
    /// attribute count (u16), then each attribute as name (u16 length + UTF-8) and type (u8), sorted by name.
    func encode() -> [UInt8] {
        var bytes: [UInt8] = [EngineRecordKind.namespace.rawValue, 1]
        func text(_ value: String) {
            let utf8 = Array(value.utf8)
            bytes.append(UInt8(utf8.count & 0xFF))
            bytes.append(UInt8(utf8.count >> 8))
            bytes += utf8
        }
        text(name)
        withUnsafeBytes(of: UInt64(max(0, retention.nanoseconds)).littleEndian) { bytes += $0 }
        bytes.append(UInt8(searchAttributes.count & 0xFF))
        bytes.append(UInt8(searchAttributes.count >> 8))
        for (attribute, type) in searchAttributes.sorted(by: { $0.key < $1.key }) {
            text(attribute)
            bytes.append(type.rawValue)
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) throws(EngineError) -> NamespaceSettings {
        var position = 0
        func fail(_ what: String) -> EngineError {
            EngineError(.corruptData, "namespace record at byte \(position): \(what)")
        }
        func byte() throws(EngineError) -> UInt8 {
            guard position < bytes.count else { throw fail("expected a byte, found the end") }
            defer { position += 1 }
            return bytes[position]
        }
        func u16() throws(EngineError) -> Int {
            let low = Int(try byte())
            return low | Int(try byte()) << 8
        }
        func text() throws(EngineError) -> String {
            let count = try u16()
            guard position + count <= bytes.count else {
                throw fail("expected \(count) bytes of text, found \(bytes.count - position)")
            }
            guard let value = String(validating: bytes[position..<(position + count)], as: UTF8.self) else {
                throw fail("expected UTF-8 text")
            }
            position += count
            return value
        }
        guard try byte() == EngineRecordKind.namespace.rawValue else { throw fail("expected record kind 4") }
        let version = try byte()
        guard version == 1 else { throw fail("expected version 1, found \(version)") }
        let name = try text()
        var retention: UInt64 = 0
        for shift in 0..<8 { retention |= UInt64(try byte()) << UInt64(8 * shift) }
        guard retention <= UInt64(Int64.max) else { throw fail("retention \(retention) ns is out of range") }
        let count = try u16()
        var attributes: [String: SearchAttributeType] = [:]
        for _ in 0..<count {
            let attribute = try text()
            let raw = try byte()
            guard let type = SearchAttributeType(rawValue: raw) else {
                throw fail("expected a search attribute type of 1...7, found \(raw)")
            }
            attributes[attribute] = type
        }
        guard position == bytes.count else {
            throw fail("expected the end, found \(bytes.count - position) more bytes")
        }
        return NamespaceSettings(name: name, retention: .nanoseconds(Int64(retention)), searchAttributes: attributes)
    }
}
