/// The binary encoding of history events, failures and payload lists (FORMAT.md, Part II).
///
/// A history event is stored as one KeelLog record whose payload is `encode(event)`: a record kind
/// byte, a format version byte, a small fixed header (event type, event id, time) and the event's
/// attributes as a length-delimited message of tagged fields. Readers skip fields they do not know,
/// so a later version can add fields without breaking older readers. Encoding is deterministic:
/// fields go in increasing number order, defaults are left out and map keys are sorted by their
/// UTF-8 bytes, so the same event always gives the same bytes.
///
/// Decoding never trusts its input: every length is checked against the bytes that remain, cause
/// chains and collections have limits, and every problem is a `.corruptData` error that names what
/// was expected, what was found and the byte offset.
public enum EventCodec {
    /// The record kind byte of a history event: the first byte of its record payload.
    public static let recordKind: UInt8 = 1
    /// The format version this build writes and reads: the second byte of a record payload.
    public static let formatVersion: UInt8 = 1
    /// The most failures a cause chain may hold, the outermost included.
    public static let failureDepthMax = 64
    /// The most elements a list or map may hold.
    public static let elementsMax = 65_536
    /// The largest field number a tag may carry (the tag then still fits in 32 bits).
    static let fieldNumberMax: UInt64 = (1 << 29) - 1

    // MARK: - Events

    /// Returns the record payload that stores `event`.
    ///
    /// `event` must be within the codec's limits (`validate` says whether it is); one that is not is a
    /// programmer error, because the engine checks requests before it turns them into events.
    /// - Complexity: O(n) in the size of the encoding.
    public static func encode(_ event: HistoryEvent) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        encode(event, into: &bytes)
        return bytes
    }

    /// Appends the record payload that stores `event` to `bytes`.
    ///
    /// - Complexity: O(n) in the size of the encoding.
    public static func encode(_ event: HistoryEvent, into bytes: inout [UInt8]) {
        var writer = BinaryWriter()
        swap(&writer.bytes, &bytes)
        writer.event(event)
        swap(&writer.bytes, &bytes)
        if let violation = writer.violation {
            preconditionFailure("event \(event.eventID) cannot be encoded: \(violation.message)")
        }
    }

    /// Checks that `event` is within the codec's limits: cause chains of at most `failureDepthMax`
    /// failures, at most `elementsMax` elements per list or map, and no NaN doubles.
    ///
    /// - Complexity: O(n) in the size of the encoding.
    /// - Throws: `.limitExceeded` for a deep cause chain or a large collection, `.invalidArgument` for NaN.
    public static func validate(_ event: HistoryEvent) throws(EngineError) {
        var writer = BinaryWriter()
        writer.event(event)
        if let violation = writer.violation { throw violation }
    }

    /// Returns the event stored in a record payload.
    ///
    /// - Complexity: O(n) in the size of `bytes`.
    /// - Throws: `.corruptData` when the bytes are not a version-1 history event record.
    public static func decode(_ bytes: [UInt8]) throws(EngineError) -> HistoryEvent {
        try bytes.span.bytes.withEngineBytes { (buffer) throws(EngineError) in try decode(buffer) }
    }

    /// Returns the event stored in a record payload.
    ///
    /// - Complexity: O(n) in the size of `bytes`.
    /// - Throws: `.corruptData` when the bytes are not a version-1 history event record; offsets in the
    ///   message count from the slice's first byte.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(EngineError) -> HistoryEvent {
        try bytes.span.bytes.withEngineBytes { (buffer) throws(EngineError) in try decode(buffer) }
    }

    /// Returns the event stored in a record payload, read in place.
    ///
    /// - Complexity: O(n) in the size of `bytes`.
    /// - Throws: `.corruptData` when the bytes are not a version-1 history event record.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(EngineError) -> HistoryEvent {
        var reader = BinaryReader(bytes, subject: "event record")
        return try reader.event()
    }

    // MARK: - Failures and payload lists

    /// Returns the standalone encoding of `failure`: a varint length and the failure's message.
    ///
    /// - Complexity: O(n) in the size of the encoding.
    public static func encode(_ failure: Failure) -> [UInt8] {
        var writer = BinaryWriter()
        let start = writer.beginLength()
        writer.failureContent(failure, depth: 1)
        writer.endLength(start)
        if let violation = writer.violation { preconditionFailure("failure cannot be encoded: \(violation.message)") }
        return writer.bytes
    }

    /// Returns the failure whose standalone encoding is `bytes`.
    ///
    /// - Complexity: O(n) in the size of `bytes`.
    /// - Throws: `.corruptData` when the bytes are not exactly one encoded failure.
    public static func decodeFailure(_ bytes: [UInt8]) throws(EngineError) -> Failure {
        try bytes.span.bytes.withEngineBytes { (buffer) throws(EngineError) in try decodeFailure(buffer) }
    }

    /// Returns the failure whose standalone encoding is `bytes`, read in place.
    ///
    /// - Complexity: O(n) in the size of `bytes`.
    /// - Throws: `.corruptData` when the bytes are not exactly one encoded failure.
    public static func decodeFailure(_ bytes: UnsafeRawBufferPointer) throws(EngineError) -> Failure {
        var reader = BinaryReader(bytes, subject: "failure")
        let whole = WireField(message: "failure", number: 0, wire: .lengthDelimited, offset: 0)
        let failure = try reader.failure(whole, depth: 1)
        try reader.expectEnd()
        return failure
    }

    /// Returns the standalone encoding of a payload list: a varint count and each payload,
    /// length-prefixed.
    ///
    /// - Complexity: O(n) in the size of the encoding.
    public static func encode(_ payloads: [Payload]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.payloadListContent(payloads)
        if let violation = writer.violation {
            preconditionFailure("payload list cannot be encoded: \(violation.message)")
        }
        return writer.bytes
    }

    /// Returns the payload list whose standalone encoding is `bytes`.
    ///
    /// - Complexity: O(n) in the size of `bytes`.
    /// - Throws: `.corruptData` when the bytes are not exactly one encoded payload list.
    public static func decodePayloads(_ bytes: [UInt8]) throws(EngineError) -> [Payload] {
        try bytes.span.bytes.withEngineBytes { (buffer) throws(EngineError) in try decodePayloads(buffer) }
    }

    /// Returns the payload list whose standalone encoding is `bytes`, read in place.
    ///
    /// - Complexity: O(n) in the size of `bytes`.
    /// - Throws: `.corruptData` when the bytes are not exactly one encoded payload list.
    public static func decodePayloads(_ bytes: UnsafeRawBufferPointer) throws(EngineError) -> [Payload] {
        var reader = BinaryReader(bytes, subject: "payload list")
        let whole = WireField(message: "payload list", number: 0, wire: .lengthDelimited, offset: 0)
        let payloads = try reader.payloadListContent(whole)
        try reader.expectEnd()
        return payloads
    }
}

// MARK: - The record

extension BinaryWriter {
    /// Appends the record of `event`: kind, version, header and the attributes message.
    mutating func event(_ event: HistoryEvent) {
        byte(EventCodec.recordKind)
        byte(EventCodec.formatVersion)
        varint(UInt64(event.eventType.rawValue))
        varint(zigzag(event.eventID))
        fixed64(UInt64(bitPattern: event.time.rawValue))
        let start = beginLength()
        attributes(event.attributes)
        endLength(start)
    }
}

extension BinaryReader {
    /// Reads a whole event record, which must fill the input exactly.
    mutating func event() throws(EngineError) -> HistoryEvent {
        let header = WireField(message: "header", number: 0, wire: .varint, offset: 0)
        guard position < end else {
            throw corrupt("expected record kind \(EventCodec.recordKind) (history event), found an empty record", at: 0)
        }
        let kind = bytes[position]
        guard kind == EventCodec.recordKind else {
            throw corrupt("expected record kind \(EventCodec.recordKind) (history event), found \(kind)", at: position)
        }
        position += 1
        guard position < end else {
            throw corrupt("expected format version \(EventCodec.formatVersion), found the end of the record", at: 1)
        }
        let version = bytes[position]
        guard version == EventCodec.formatVersion else {
            throw corrupt(
                "expected format version \(EventCodec.formatVersion), found \(version) (written by another version)",
                at: position)
        }
        position += 1
        let typeOffset = position
        let rawType = try varint(header)
        guard rawType <= UInt64(UInt16.max), let type = EventType(rawValue: UInt16(rawType)) else {
            throw corrupt("expected an event type (Temporal's EventType number), found \(rawType)", at: typeOffset)
        }
        let eventID = unzigzag(try varint(header))
        let time = Timestamp(rawValue: Int64(bitPattern: try fixed64(header)))
        let outer = try enter(header, "attributes")
        let attributes = try attributes(of: type)
        try leave(outer, header, "the attributes")
        try expectEnd()
        return HistoryEvent(eventID: eventID, time: time, attributes: attributes)
    }

    /// Checks that the input was read to its last byte.
    func expectEnd() throws(EngineError) {
        guard position == bytes.count else {
            throw corrupt("expected the end of the input, found \(bytes.count - position) trailing bytes", at: position)
        }
    }
}
