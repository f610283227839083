@testable import KeelLog

/// Where every structure of a data file image lives, found by decoding the image the way recovery
/// does: both superblock copies, the head segment's blocks, the checkpoint the newest superblock names,
/// and each sealed segment's header, blocks and index region.
///
/// Corruption tests use it to aim bit flips at one structure and to predict the offset an error
/// must name. Offsets are absolute file offsets.
struct DataFileMap: Sendable {
    /// One block: where it is and what it holds.
    struct BlockInfo: Sendable {
        /// Absolute offset of the block's first byte (its checksum).
        var offset: UInt64
        var header: BlockHeader
        /// Streams with records in the block (empty for a checkpoint block).
        var streams: Set<StreamKey>

        /// Bytes covered by the block's checksum: the header and the stored payload.
        var checkedBytes: Int { Layout.blockHeaderBytes + Int(header.storedBytes) }
        /// Absolute offset just past the block's padding.
        var end: UInt64 { offset + UInt64(header.totalBytes) }
        /// LSNs of the block's records (empty for a checkpoint block).
        var lsns: ClosedRange<UInt64>? { header.kind == .records ? header.firstLSN...header.lastLSN : nil }
    }

    /// One sealed segment, as the checkpoint describes it.
    struct SealedInfo: Sendable {
        var descriptor: SegmentDescriptor
        /// Absolute offset of the segment's slot (its header).
        var base: UInt64
        var blocks: [BlockInfo]
        /// Absolute offset of the index region.
        var indexOffset: UInt64 { base + descriptor.indexOffset }
        /// Stream entries in the index region.
        var indexEntryCount: Int
    }

    var segmentBytes: UInt64
    /// The decoded copies, by copy index; nil when a copy does not decode.
    var superblocks: [Superblock?]
    /// The copy recovery chooses: the valid one with the highest sequence.
    var newest: Superblock
    /// Absolute offset of the head slot.
    var headBase: UInt64
    /// The head's blocks in file order, up to the first that does not validate.
    var headBlocks: [BlockInfo]
    /// Absolute offset of the checkpoint block the newest superblock names.
    var checkpointOffset: UInt64
    var checkpoint: Checkpoint
    var sealed: [SealedInfo]

    /// Absolute offset just past the head's last valid block.
    var headEnd: UInt64 { headBlocks.last?.end ?? headBase + UInt64(Layout.segmentHeaderBytes) }

    /// The head block that starts at `offset`.
    func headBlock(at offset: UInt64) -> BlockInfo? { headBlocks.first { $0.offset == offset } }

    /// The head's records blocks whose LSNs fall inside `range`, in file order.
    func headBlocks(holding range: ClosedRange<LSN>) -> [BlockInfo] {
        headBlocks.filter { block in
            guard let lsns = block.lsns else { return false }
            return lsns.lowerBound >= range.lowerBound.rawValue && lsns.upperBound <= range.upperBound.rawValue
        }
    }

    /// Decodes `image`; fails with a message when the image is not a sound data file.
    init(image: [UInt8]) throws(LogError) {
        var copies: [Superblock?] = []
        for copy in 0..<Layout.superblockCopies {
            let start = copy * Layout.superblockBytes
            copies.append(
                try? image.withBytes { bytes throws(LogError) in
                    try Superblock.decode(
                        UnsafeRawBufferPointer(rebasing: bytes[start..<start + Layout.superblockBytes]),
                        offset: UInt64(start))
                })
        }
        guard let newest = copies.compactMap({ $0 }).max(by: { $0.sequence < $1.sequence }) else {
            throw LogError(.corrupt, "map: no superblock copy decodes")
        }
        superblocks = copies
        self.newest = newest
        segmentBytes = newest.segmentBytes
        headBase = Recovery.slotOffset(newest.headSlot, newest.segmentBytes)
        checkpointOffset = newest.checkpointOffset

        let headHeader = try Self.segmentHeader(image, at: headBase)
        headBlocks = Self.walk(image, from: headBase, salt: headHeader.salt, end: headBase + segmentBytes)
        guard let checkpointBlock = headBlocks.first(where: { $0.offset == newest.checkpointOffset }) else {
            throw LogError(.corrupt, "map: no valid block at the checkpoint offset", offset: newest.checkpointOffset)
        }
        checkpoint = try image.withBytes { bytes throws(LogError) in
            let slice = UnsafeRawBufferPointer(rebasing: bytes[Int(checkpointBlock.offset)...])
            let payload = try Block.payload(slice, header: checkpointBlock.header, offset: checkpointBlock.offset)
            return try payload.withBytes { raw throws(LogError) in
                try Checkpoint.decode(raw, offset: checkpointBlock.offset)
            }
        }
        var sealed: [SealedInfo] = []
        for descriptor in checkpoint.segments {
            let base = Recovery.slotOffset(descriptor.slot, newest.segmentBytes)
            let blocks = Self.walk(image, from: base, salt: descriptor.salt, end: base + descriptor.blocksEnd)
            guard blocks.last?.end == base + descriptor.blocksEnd else {
                throw LogError(.corrupt, "map: sealed segment \(descriptor.segmentID) blocks do not reach its end")
            }
            let indexAt = Int(base + descriptor.indexOffset)
            let entryCount = image.withUnsafeBytes { Int($0.u64(indexAt + 24)) }
            sealed.append(SealedInfo(descriptor: descriptor, base: base, blocks: blocks, indexEntryCount: entryCount))
        }
        self.sealed = sealed
    }

    private static func segmentHeader(_ image: [UInt8], at base: UInt64) throws(LogError) -> SegmentHeader {
        try image.withBytes { bytes throws(LogError) in
            try SegmentHeader.decode(UnsafeRawBufferPointer(rebasing: bytes[Int(base)...]), offset: base)
        }
    }

    /// The blocks from just after the segment header at `base` up to `end` or the first invalid block.
    private static func walk(_ image: [UInt8], from base: UInt64, salt: UInt64, end: UInt64) -> [BlockInfo] {
        var blocks: [BlockInfo] = []
        var position = base + UInt64(Layout.segmentHeaderBytes)
        image.withUnsafeBytes { bytes in
            while position + UInt64(Layout.blockHeaderBytes) <= end {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[Int(position)..<Int(end)])
                guard
                    let header = try? Block.validate(
                        slice, salt: salt, offset: position, payloadBytesMax: Int(end - base)),
                    let payload = try? Block.payload(slice, header: header, offset: position)
                else { break }
                var streams = Set<StreamKey>()
                if header.kind == .records {
                    try? payload.withBytes { raw throws(LogError) in
                        try Block.forEachRecord(raw, header: header, offset: position) { _, key, _ in
                            streams.insert(StreamKey(Array(key)))
                        }
                    }
                }
                blocks.append(BlockInfo(offset: position, header: header, streams: streams))
                position += UInt64(header.totalBytes)
            }
        }
        return blocks
    }
}
