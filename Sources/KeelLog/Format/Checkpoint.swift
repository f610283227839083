/// A sealed segment as a checkpoint describes it.
public struct SegmentDescriptor: Sendable, Equatable {
    public var slot: UInt32
    public var flags: UInt32
    public var segmentID: UInt64
    public var salt: UInt64
    public var firstLSN: UInt64
    public var lastLSN: UInt64
    /// Slot-relative end of the last block.
    public var blocksEnd: UInt64
    /// Slot-relative offset of the index region (page-aligned).
    public var indexOffset: UInt64
    public var indexBytes: UInt64
    public var recordCount: UInt64
    /// Records of streams marked dead (an estimate used to choose compaction victims).
    public var deadRecordCount: UInt64

    public init(
        slot: UInt32, flags: UInt32, segmentID: UInt64, salt: UInt64, firstLSN: UInt64, lastLSN: UInt64,
        blocksEnd: UInt64, indexOffset: UInt64, indexBytes: UInt64, recordCount: UInt64, deadRecordCount: UInt64
    ) {
        self.slot = slot
        self.flags = flags
        self.segmentID = segmentID
        self.salt = salt
        self.firstLSN = firstLSN
        self.lastLSN = lastLSN
        self.blocksEnd = blocksEnd
        self.indexOffset = indexOffset
        self.indexBytes = indexBytes
        self.recordCount = recordCount
        self.deadRecordCount = deadRecordCount
    }
}

/// The payload of a checkpoint block: everything needed to open the file without scanning sealed
/// segments. The head segment is named by the superblock and scanned on open.
public struct Checkpoint: Sendable, Equatable {
    public var nextLSN: UInt64
    public var nextSegmentID: UInt64
    public var nextWriteSequence: UInt64
    /// Sealed segments in LSN order.
    public var segments: [SegmentDescriptor]
    /// Identities of streams marked dead whose records may still be on disk, with the number of
    /// segments that may still hold them.
    public var dead: [StreamIdentity: UInt32]

    public init(
        nextLSN: UInt64, nextSegmentID: UInt64, nextWriteSequence: UInt64, segments: [SegmentDescriptor],
        dead: [StreamIdentity: UInt32]
    ) {
        self.nextLSN = nextLSN
        self.nextSegmentID = nextSegmentID
        self.nextWriteSequence = nextWriteSequence
        self.segments = segments
        self.dead = dead
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(
            capacity: Layout.checkpointHeaderBytes + segments.count * Layout.segmentDescriptorBytes + dead.count
                * Layout.deadEntryBytes)
        writer.u32(Layout.formatVersion)
        writer.u32(UInt32(segments.count))
        writer.u32(UInt32(dead.count))
        writer.u32(0)
        writer.u64(nextLSN)
        writer.u64(nextSegmentID)
        writer.u64(nextWriteSequence)
        writer.u64(0)
        for segment in segments {
            writer.u32(segment.slot)
            writer.u32(segment.flags)
            writer.u64(segment.segmentID)
            writer.u64(segment.salt)
            writer.u64(segment.firstLSN)
            writer.u64(segment.lastLSN)
            writer.u64(segment.blocksEnd)
            writer.u64(segment.indexOffset)
            writer.u64(segment.indexBytes)
            writer.u64(segment.recordCount)
            writer.u64(segment.deadRecordCount)
        }
        // Sorted so that the same state always encodes to the same bytes.
        for (identity, count) in dead.sorted(by: { $0.key < $1.key }) {
            writer.u64(identity.low)
            writer.u64(identity.high)
            writer.u32(count)
        }
        return writer.bytes
    }

    /// Decodes a checkpoint payload, checking counts and the order of segments.
    public static func decode(_ bytes: UnsafeRawBufferPointer, offset: UInt64) throws(LogError) -> Checkpoint {
        var reader = ByteReader(bytes, what: "checkpoint")
        let version = try reader.u32()
        guard version == Layout.formatVersion else {
            throw .corrupt("checkpoint: version \(version) is not \(Layout.formatVersion)", at: offset)
        }
        let segmentCount = Int(try reader.u32())
        let deadCount = Int(try reader.u32())
        _ = try reader.u32()
        let nextLSN = try reader.u64()
        let nextSegmentID = try reader.u64()
        let nextWriteSequence = try reader.u64()
        _ = try reader.u64()
        let expected = segmentCount * Layout.segmentDescriptorBytes + deadCount * Layout.deadEntryBytes
        guard expected == reader.remaining else {
            throw .corrupt(
                "checkpoint: \(segmentCount) segments and \(deadCount) dead streams need \(expected) bytes, found \(reader.remaining)",
                at: offset)
        }
        var segments: [SegmentDescriptor] = []
        segments.reserveCapacity(segmentCount)
        var previousLast: UInt64 = 0
        for index in 0..<segmentCount {
            let segment = SegmentDescriptor(
                slot: try reader.u32(), flags: try reader.u32(), segmentID: try reader.u64(), salt: try reader.u64(),
                firstLSN: try reader.u64(), lastLSN: try reader.u64(), blocksEnd: try reader.u64(),
                indexOffset: try reader.u64(), indexBytes: try reader.u64(), recordCount: try reader.u64(),
                deadRecordCount: try reader.u64())
            guard segment.firstLSN > previousLast, segment.lastLSN >= segment.firstLSN, segment.lastLSN < nextLSN,
                segment.segmentID < nextSegmentID
            else {
                throw .corrupt(
                    "checkpoint: segment \(index) has LSNs \(segment.firstLSN)...\(segment.lastLSN) out of order",
                    at: offset)
            }
            previousLast = segment.lastLSN
            segments.append(segment)
        }
        var dead: [StreamIdentity: UInt32] = [:]
        dead.reserveCapacity(deadCount)
        for _ in 0..<deadCount {
            let identity = StreamIdentity(low: try reader.u64(), high: try reader.u64())
            dead[identity] = try reader.u32()
        }
        guard dead.count == deadCount else { throw .corrupt("checkpoint: duplicate dead stream entries", at: offset) }
        return Checkpoint(
            nextLSN: nextLSN, nextSegmentID: nextSegmentID, nextWriteSequence: nextWriteSequence, segments: segments,
            dead: dead)
    }
}
