import KeelLog

/// The streams and records of engine checkpoints (FORMAT.md, section 16.5).
///
/// A checkpoint is one snapshot per partition, each on a stream of its own, and an index record on the
/// checkpoint index stream that lists them once all are durable. A partition's snapshot holds the state
/// a restart would rebuild from every record of that partition that precedes the snapshot's first record.
enum EngineCheckpoint {
    /// The stream of index records, one per complete checkpoint; the newest is the last.
    static let indexStream = StreamKey([0x03] + Array("checkpoints".utf8))

    /// The format version of index records, part records and partition snapshots.
    static let version: UInt8 = 1

    /// The stream that holds partition `partition`'s snapshot in checkpoint `checkpointID`: tag 0x04,
    /// the id (u64) and the partition (u16), little-endian.
    static func partStream(checkpointID: UInt64, partition: Int) -> StreamKey {
        var bytes: [UInt8] = [0x04]
        withUnsafeBytes(of: checkpointID.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt16(partition).littleEndian) { bytes += $0 }
        return StreamKey(bytes)
    }

    /// The checkpoint id of a part stream, or nil when `stream` is not one.
    static func checkpointID(ofPart stream: StreamKey) -> UInt64? {
        let bytes = stream.bytes
        guard bytes.count == 11, bytes[0] == 0x04 else { return nil }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[1 + index]) << (8 * UInt64(index)) }
        return value
    }

    /// Whether `stream` belongs to checkpoints (the index or a part) rather than to runs or namespaces.
    static func isCheckpointStream(_ stream: StreamKey) -> Bool {
        stream.bytes.first == 0x03 || stream.bytes.first == 0x04
    }

    /// Splits a partition snapshot into part records of at most `chunkBytes` bytes of snapshot each:
    /// kind 6, version 1, the chunk's index and the chunk count (u32 each), then the chunk.
    static func partRecords(_ snapshot: [UInt8], stream: StreamKey, chunkBytes: Int) -> [LogRecord] {
        precondition(chunkBytes > 0, "a checkpoint chunk needs room for at least one byte")
        let count = max(1, (snapshot.count + chunkBytes - 1) / chunkBytes)
        var records: [LogRecord] = []
        records.reserveCapacity(count)
        for index in 0..<count {
            let start = index * chunkBytes
            let end = min(snapshot.count, start + chunkBytes)
            var payload: [UInt8] = [EngineRecordKind.checkpointPart.rawValue, version]
            payload.reserveCapacity(10 + end - start)
            withUnsafeBytes(of: UInt32(index).littleEndian) { payload += $0 }
            withUnsafeBytes(of: UInt32(count).littleEndian) { payload += $0 }
            payload += snapshot[start..<end]
            records.append(LogRecord(stream: stream, payload: payload))
        }
        return records
    }

    /// Joins the part records of one partition snapshot, checking that they are all there in order.
    ///
    /// - Throws: `.corruptData` naming the record that is missing, out of order or malformed.
    static func joinParts(_ records: [StoredRecord]) throws(EngineError) -> [UInt8] {
        var snapshot: [UInt8] = []
        var expectedCount: UInt32?
        for (position, record) in records.enumerated() {
            let payload = record.payload
            guard payload.count >= 10, payload[0] == EngineRecordKind.checkpointPart.rawValue else {
                throw EngineError(
                    .corruptData,
                    "checkpoint part at LSN \(record.lsn): expected a record of kind 6 of 10 bytes or more")
            }
            guard payload[1] == version else {
                throw EngineError(
                    .corruptData,
                    "checkpoint part at LSN \(record.lsn): expected version \(version), found \(payload[1])")
            }
            let index = littleEndian32(payload, at: 2)
            let count = littleEndian32(payload, at: 6)
            guard index == UInt32(position), count == expectedCount ?? count, count > index else {
                throw EngineError(
                    .corruptData,
                    "checkpoint part at LSN \(record.lsn): expected chunk \(position) of \(expectedCount ?? count), found chunk \(index) of \(count)"
                )
            }
            expectedCount = count
            snapshot += payload[10...]
        }
        guard let expectedCount, expectedCount == UInt32(records.count) else {
            throw EngineError(
                .corruptData, "checkpoint parts: expected \(expectedCount ?? 1) chunks, found \(records.count)")
        }
        return snapshot
    }

    private static func littleEndian32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * UInt32(index)) }
        return value
    }
}

/// The record that completes a checkpoint: which snapshots it holds and where they start.
struct CheckpointIndex: Equatable {
    /// Where one partition's snapshot is and how big it is.
    struct Part: Equatable {
        /// The LSN of the snapshot's first part record: the partition's records before it are in the
        /// snapshot, the ones after it are not.
        var firstLSN: UInt64
        var recordCount: UInt32
        var snapshotBytes: UInt64
        var runCount: UInt64
    }

    /// A random id, which names the part streams (stream keys are never reused, since the log refuses
    /// appends to a dead stream).
    var checkpointID: UInt64
    /// 1 for the first checkpoint of a data file, then one more for each.
    var sequence: UInt64
    /// The checkpoint this one replaces (0 when none): its parts are marked dead once this one is durable.
    var previousID: UInt64
    var previousPartitions: UInt16
    var parts: [Part]

    /// Encodes the record: kind 7, version 1, checkpoint id, sequence and previous id (u64 each), the
    /// previous checkpoint's partition count and this one's (u16 each), then per partition its first
    /// LSN (u64), record count (u32), snapshot bytes (u64) and run count (u64), all little-endian.
    func encode() -> [UInt8] {
        var bytes: [UInt8] = [EngineRecordKind.checkpointIndex.rawValue, EngineCheckpoint.version]
        func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        u64(checkpointID)
        u64(sequence)
        u64(previousID)
        u16(previousPartitions)
        u16(UInt16(parts.count))
        for part in parts {
            u64(part.firstLSN)
            u32(part.recordCount)
            u64(part.snapshotBytes)
            u64(part.runCount)
        }
        return bytes
    }

    /// Decodes an index record.
    ///
    /// - Throws: `.corruptData` naming what was expected and what was found.
    static func decode(_ bytes: [UInt8]) throws(EngineError) -> CheckpointIndex {
        var position = 0
        func fail(_ what: String) -> EngineError {
            EngineError(.corruptData, "checkpoint index record at byte \(position): \(what)")
        }
        func integer(_ width: Int) throws(EngineError) -> UInt64 {
            guard position + width <= bytes.count else {
                throw fail("expected \(width) bytes, found \(bytes.count - position)")
            }
            var value: UInt64 = 0
            for index in 0..<width { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
            position += width
            return value
        }
        guard try integer(1) == UInt64(EngineRecordKind.checkpointIndex.rawValue) else {
            throw fail("expected record kind 7")
        }
        let version = try integer(1)
        guard version == UInt64(EngineCheckpoint.version) else {
            throw fail("expected version \(EngineCheckpoint.version), found \(version)")
        }
        let checkpointID = try integer(8)
        let sequence = try integer(8)
        let previousID = try integer(8)
        let previousPartitions = UInt16(try integer(2))
        let count = Int(try integer(2))
        guard count >= 1 else { throw fail("expected at least one partition, found none") }
        var parts: [Part] = []
        for _ in 0..<count {
            parts.append(
                Part(
                    firstLSN: try integer(8), recordCount: UInt32(try integer(4)), snapshotBytes: try integer(8),
                    runCount: try integer(8)))
        }
        guard position == bytes.count else {
            throw fail("expected the end, found \(bytes.count - position) more bytes")
        }
        return CheckpointIndex(
            checkpointID: checkpointID, sequence: sequence, previousID: previousID,
            previousPartitions: previousPartitions, parts: parts)
    }

    /// The part streams of this checkpoint.
    var partStreams: [StreamKey] {
        (0..<parts.count).map { EngineCheckpoint.partStream(checkpointID: checkpointID, partition: $0) }
    }

    /// The part streams of the checkpoint this one replaced.
    var previousPartStreams: [StreamKey] {
        guard previousID != 0 else { return [] }
        return (0..<Int(previousPartitions)).map {
            EngineCheckpoint.partStream(checkpointID: previousID, partition: $0)
        }
    }
}

/// One partition's snapshot: its runs in the order it registered them, and the history streams of
/// removed runs not yet marked dead.
struct PartitionSnapshot {
    var partition: Int
    var partitionCount: Int
    var runs: [RunState]
    var retiring: [StreamKey]

    /// Encodes the snapshot: version (u8), partition and partition count, run count, each run as a
    /// varint length and its encoding (`RunState.encodeSnapshot`), then the retiring streams as a count
    /// and each key as a varint length and its bytes.
    func encode() -> [UInt8] {
        var writer = BinaryWriter()
        writer.byte(EngineCheckpoint.version)
        writer.varint(UInt64(partition))
        writer.varint(UInt64(partitionCount))
        writer.varint(UInt64(runs.count))
        for run in runs {
            let start = writer.beginLength()
            run.encodeSnapshot(into: &writer)
            writer.endLength(start)
        }
        writer.varint(UInt64(retiring.count))
        for stream in retiring.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
            writer.lengthPrefixed(stream.bytes)
        }
        return writer.bytes
    }

    /// Decodes a snapshot.
    ///
    /// - Throws: `.corruptData` naming the run and byte where the bytes stop making sense.
    static func decode(_ bytes: [UInt8]) throws(EngineError) -> PartitionSnapshot {
        try bytes.span.bytes.withEngineBytes { (raw) throws(EngineError) -> PartitionSnapshot in
            var reader = SnapshotReader(raw, subject: "partition snapshot")
            let version = try reader.byte("version")
            guard version == EngineCheckpoint.version else {
                throw reader.corrupt("expected version \(EngineCheckpoint.version), found \(version)")
            }
            let partition = try reader.count("partition", max: 255)
            let partitionCount = try reader.count("partition count", max: 256)
            let runCount = try reader.count("run count", max: raw.count)
            var runs: [RunState] = []
            runs.reserveCapacity(runCount)
            for index in 0..<runCount {
                let length = try reader.length("run \(index) length")
                let outer = reader.end
                reader.end = reader.position + length
                runs.append(try RunState.decodeSnapshot(&reader, index: index))
                guard reader.position == reader.end else {
                    throw reader.corrupt("run \(index): expected its end, found \(reader.end - reader.position) bytes")
                }
                reader.end = outer
            }
            let retiringCount = try reader.count("retiring stream count", max: raw.count)
            var retiring: [StreamKey] = []
            for _ in 0..<retiringCount { retiring.append(StreamKey(try reader.bytes("retiring stream"))) }
            guard reader.position == raw.count else {
                throw reader.corrupt("expected the end, found \(raw.count - reader.position) more bytes")
            }
            return PartitionSnapshot(
                partition: partition, partitionCount: partitionCount, runs: runs, retiring: retiring)
        }
    }
}

/// A bounds-checked reader of snapshot bytes whose errors name the byte offset.
struct SnapshotReader {
    let bytes: UnsafeRawBufferPointer
    let subject: String
    var position = 0
    var end: Int

    init(_ bytes: UnsafeRawBufferPointer, subject: String) {
        self.bytes = bytes
        self.subject = subject
        self.end = bytes.count
    }

    var remaining: Int { end - position }

    func corrupt(_ text: String) -> EngineError {
        EngineError(.corruptData, "\(subject): \(text) at byte \(position)")
    }

    mutating func byte(_ what: String) throws(EngineError) -> UInt8 {
        guard position < end else { throw corrupt("expected \(what), found the end") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint(_ what: String) throws(EngineError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte(what)
            guard shift < 64 else { throw corrupt("expected \(what) as a varint of at most 10 bytes") }
            value |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    mutating func signed(_ what: String) throws(EngineError) -> Int64 { unzigzag(try varint(what)) }

    mutating func count(_ what: String, max: Int) throws(EngineError) -> Int {
        let value = try varint(what)
        guard value <= UInt64(max) else { throw corrupt("expected \(what) of at most \(max), found \(value)") }
        return Int(value)
    }

    /// Reads a varint byte count and checks that that many bytes remain.
    mutating func length(_ what: String) throws(EngineError) -> Int {
        let value = try varint(what)
        guard value <= UInt64(remaining) else {
            throw corrupt("expected \(what) of at most the \(remaining) bytes left, found \(value)")
        }
        return Int(value)
    }

    mutating func flag(_ what: String) throws(EngineError) -> Bool {
        let value = try byte(what)
        guard value <= 1 else { throw corrupt("expected \(what) as 0 or 1, found \(value)") }
        return value == 1
    }

    mutating func bytes(_ what: String) throws(EngineError) -> [UInt8] {
        let length = try length("\(what) length")
        defer { position += length }
        return [UInt8](UnsafeRawBufferPointer(rebasing: bytes[position..<position + length]))
    }

    mutating func text(_ what: String) throws(EngineError) -> String {
        let length = try length("\(what) length")
        let utf8 = UnsafeRawBufferPointer(rebasing: bytes[position..<position + length])
        guard let value = String(validating: utf8, as: UTF8.self) else {
            throw corrupt("expected \(what) as UTF-8 text")
        }
        position += length
        return value
    }

    mutating func event(_ what: String) throws(EngineError) -> HistoryEvent {
        let length = try length("\(what) length")
        let start = position
        do {
            let event = try EventCodec.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<start + length]))
            position += length
            return event
        } catch {
            throw corrupt("\(what) starting at byte \(start): \(error.message)")
        }
    }

    mutating func optionalTime(_ what: String) throws(EngineError) -> Timestamp? {
        try flag("\(what) present") ? Timestamp(rawValue: try signed(what)) : nil
    }
}

extension BinaryWriter {
    mutating func signed(_ value: Int64) { varint(zigzag(value)) }

    mutating func flag(_ value: Bool) { byte(value ? 1 : 0) }

    mutating func optionalTime(_ value: Timestamp?) {
        flag(value != nil)
        if let value { signed(value.rawValue) }
    }

    /// Appends `event`'s record encoding with a varint length.
    mutating func lengthPrefixed(_ event: HistoryEvent) {
        let start = beginLength()
        self.event(event)
        endLength(start)
    }
}
