/// Opening a data file: creating the layout in an empty file, or choosing the newest valid
/// superblock, loading the checkpoint and indexes, and scanning the head segment, cutting off a torn
/// tail that was never acknowledged and refusing to open when acknowledged data is damaged.
enum Recovery {
    static func run(file: any StorageFile, options: LogOptions) throws(LogError) -> Recovered {
        let size = try file.size()
        if size == 0 { try create(file: file, options: options) }
        return try recover(file: file, options: options)
    }

    static func slotOffset(_ slot: UInt32, _ segmentBytes: UInt64) -> UInt64 {
        Layout.dataOffset + UInt64(slot) * segmentBytes
    }

    /// Lays out a new file: two superblocks, slot 0 as the head with an empty checkpoint.
    static func create(file: any StorageFile, options: LogOptions) throws(LogError) {
        let segmentBytes = UInt64(options.segmentBytes)
        let fileID = Syscalls.randomUInt64()
        try file.extend(to: Layout.dataOffset + segmentBytes)
        let header = SegmentHeader(
            slot: 0, segmentID: 1, salt: Syscalls.randomUInt64(), firstLSN: 1, fileID: fileID, flags: 0)
        var bytes = header.encoded()
        let checkpoint = Checkpoint(nextLSN: 1, nextSegmentID: 2, nextWriteSequence: 2, segments: [], dead: [:])
        var builder = BlockBuilder()
        builder.setCheckpoint(payload: checkpoint.encoded(), nextLSN: 1)
        _ = builder.finish(
            kind: .checkpoint, flags: [.afterSync, .writeEnd], writeSequence: 1, salt: header.salt, compress: false,
            into: &bytes)
        try bytes.withBytes { buffer throws(LogError) in try file.write(buffer, at: Layout.dataOffset) }
        try file.sync()
        for sequence: UInt64 in [1, 2] {
            let superblock = Superblock(
                sequence: sequence, fileID: fileID, segmentBytes: segmentBytes, headSlot: 0, headSegmentID: 1,
                checkpointOffset: Layout.dataOffset + UInt64(Layout.segmentHeaderBytes), checkpointLSN: 1)
            try superblock.encoded().withBytes { buffer throws(LogError) in
                try file.write(buffer, at: UInt64(superblock.copyIndex * Layout.superblockBytes))
            }
        }
        try file.sync()
    }

    /// Reads both superblock copies and returns the valid one with the highest sequence.
    static func chooseSuperblock(file: any StorageFile) throws(LogError) -> Superblock {
        var bytes = [UInt8](repeating: 0, count: Layout.superblockBytes * Layout.superblockCopies)
        let count = try bytes.withMutableBytes { buffer throws(LogError) in try file.read(into: buffer, at: 0) }
        var best: Superblock? = nil
        var problems: [String] = []
        var magicSeen = false
        for copy in 0..<Layout.superblockCopies {
            let start = copy * Layout.superblockBytes
            guard count >= start + Layout.superblockBytes else {
                problems.append("copy \(copy): file too short")
                continue
            }
            do {
                let block = try bytes.withBytes { buffer throws(LogError) in
                    try Superblock.decode(
                        UnsafeRawBufferPointer(rebasing: buffer[start..<start + Layout.superblockBytes]),
                        offset: UInt64(start))
                }
                magicSeen = true
                guard block.copyIndex == copy else {
                    problems.append("copy \(copy): sequence \(block.sequence) belongs in copy \(block.copyIndex)")
                    continue
                }
                if best == nil || block.sequence > best!.sequence { best = block }
            } catch {
                if error.code == .notAKeelFile, bytes.withUnsafeBytes({ $0.u64(start) }) == Layout.superblockMagic {
                    // A sound superblock of another format version: refuse rather than fall back to
                    // the other copy and misread the file.
                    throw error
                }
                if error.code != .notAKeelFile { magicSeen = true }
                problems.append("copy \(copy): \(error.message)")
            }
        }
        if let best { return best }
        if !magicSeen {
            throw LogError(.notAKeelFile, "not a Keel data file: no KEELFILE superblock at offset 0 or 4096")
        }
        throw .corrupt("both superblock copies are damaged: " + problems.joined(separator: "; "), at: 0)
    }

    static func recover(file: any StorageFile, options: LogOptions) throws(LogError) -> Recovered {
        var superblock = try chooseSuperblock(file: file)
        let segmentBytes = superblock.segmentBytes
        let size = try file.size()
        guard size >= Layout.dataOffset + segmentBytes else {
            throw .corrupt(
                "file of \(size) bytes is shorter than one segment of \(segmentBytes) bytes after the superblocks")
        }
        let slotCount = UInt32((size - Layout.dataOffset) / segmentBytes)
        guard superblock.headSlot < slotCount else {
            throw .corrupt(
                "superblock names head slot \(superblock.headSlot) but the file holds \(slotCount) slots",
                at: UInt64(superblock.copyIndex * Layout.superblockBytes))
        }
        // The chosen copy may predate the last seal (the newer copy damaged, or its write lost):
        // look for a newer head that proves itself. One segment header per slot is read.
        var repairSuperblock = false
        if let newer = try newerHead(file: file, superblock: superblock, slotCount: slotCount) {
            superblock = newer
            repairSuperblock = true
        }
        // The head segment is mapped whole (no copy): it is scanned to rebuild its index.
        let headOffset = slotOffset(superblock.headSlot, segmentBytes)
        let headRegion = try file.map(offset: headOffset, length: Int(segmentBytes))
        let headBytes = headRegion.bytes
        defer { withExtendedLifetime(headRegion) {} }
        guard headBytes.count == Int(segmentBytes) else {
            throw .corrupt(
                "head segment: expected \(segmentBytes) bytes, the mapping holds \(headBytes.count)", at: headOffset)
        }
        let header = try SegmentHeader.decode(headBytes, offset: headOffset)
        guard header.segmentID == superblock.headSegmentID, header.fileID == superblock.fileID,
            header.slot == superblock.headSlot
        else {
            throw .corrupt(
                "head segment: superblock expects segment \(superblock.headSegmentID) of file \(hex(superblock.fileID)) in slot \(superblock.headSlot), found segment \(header.segmentID) of file \(hex(header.fileID)) in slot \(header.slot)",
                at: headOffset)
        }
        guard superblock.checkpointOffset >= headOffset + UInt64(Layout.segmentHeaderBytes),
            superblock.checkpointOffset < headOffset + segmentBytes
        else {
            throw .corrupt(
                "superblock: checkpoint offset \(superblock.checkpointOffset) is outside the head segment",
                at: UInt64(superblock.copyIndex * Layout.superblockBytes))
        }
        let checkpointRelative = Int(superblock.checkpointOffset - headOffset)
        let named: (header: BlockHeader, checkpoint: Checkpoint)
        do throws(LogError) {
            named = try decodeCheckpoint(
                headBytes, at: checkpointRelative, salt: header.salt, headOffset: headOffset, segmentBytes: segmentBytes
            )
            guard named.checkpoint.nextLSN == superblock.checkpointLSN else {
                throw LogError.corrupt(
                    "checkpoint: next LSN \(named.checkpoint.nextLSN) disagrees with the superblock (\(superblock.checkpointLSN))",
                    at: superblock.checkpointOffset)
            }
        } catch {
            throw LogError.corrupt(
                "the durable checkpoint is damaged: \(error.message)", at: superblock.checkpointOffset)
        }

        var head = HeadState(
            slot: superblock.headSlot, segmentID: header.segmentID, salt: header.salt, firstLSN: header.firstLSN,
            blocksEnd: UInt64(Layout.segmentHeaderBytes))
        var scan = HeadScan(
            headOffset: headOffset, salt: header.salt, segmentBytes: Int(segmentBytes),
            checkpointRelative: checkpointRelative, expectedLSN: header.firstLSN)
        try scan.run(headBytes, head: &head)

        // A later checkpoint block in the head was synced before its superblock was written; if that
        // superblock write was torn or is damaged, the checkpoint still describes the newest state
        // (a compaction or markDead that completed), so it is the one to use.
        var checkpoint = named.checkpoint
        var checkpointAt = checkpointRelative
        if let latest = scan.latestCheckpoint, latest > checkpointRelative,
            let later = try? decodeCheckpoint(
                headBytes, at: latest, salt: header.salt, headOffset: headOffset, segmentBytes: segmentBytes)
        {
            checkpoint = later.checkpoint
            checkpointAt = latest
            repairSuperblock = true
        }

        var counters = LogCounters()
        var used = Set<UInt32>([superblock.headSlot])
        var sealed: [SealedSegment] = []
        sealed.reserveCapacity(checkpoint.segments.count)
        let checkpointOffset = headOffset + UInt64(checkpointAt)
        for descriptor in checkpoint.segments {
            guard descriptor.slot < slotCount, !used.contains(descriptor.slot) else {
                throw .corrupt(
                    "checkpoint: segment \(descriptor.segmentID) names slot \(descriptor.slot), which is outside the file or used twice",
                    at: checkpointOffset)
            }
            used.insert(descriptor.slot)
            guard descriptor.firstLSN >= 1, descriptor.lastLSN < header.firstLSN else {
                throw .corrupt(
                    "checkpoint: segment \(descriptor.segmentID) LSNs \(descriptor.firstLSN)...\(descriptor.lastLSN) overlap the head (from \(header.firstLSN))",
                    at: checkpointOffset)
            }
            let segment = try openSealed(
                file: file, descriptor: descriptor, fileID: superblock.fileID, segmentBytes: segmentBytes,
                counters: &counters)
            sealed.append(segment)
        }

        // What recovery accepts must be durable before anything is built on it. Blocks written after
        // the durable checkpoint may exist only in the page cache (after a crash, or after a sync
        // that failed and left its pages marked clean): write them again and sync. A clean close
        // ends with a checkpoint, so then there is nothing to write.
        let durableEnd = checkpointRelative + named.header.totalBytes
        var needsSync = false
        if Int(head.blocksEnd) > durableEnd {
            let accepted = [UInt8](UnsafeRawBufferPointer(rebasing: headBytes[durableEnd..<Int(head.blocksEnd)]))
            try accepted.withBytes { buffer throws(LogError) in
                try file.write(buffer, at: headOffset + UInt64(durableEnd))
            }
            needsSync = true
        }
        if let zero = scan.zeroRange {
            let zeros = [UInt8](repeating: 0, count: zero.count)
            try zeros.withBytes { buffer throws(LogError) in
                try file.write(buffer, at: headOffset + UInt64(zero.lowerBound))
            }
            needsSync = true
        }
        if needsSync { try file.sync() }
        if repairSuperblock {
            // Name the state recovery settled on, in the copy after the valid one (the damaged or
            // torn one), so both copies are sound again.
            superblock.sequence += 1
            superblock.checkpointOffset = checkpointOffset
            superblock.checkpointLSN = checkpoint.nextLSN
            try superblock.encoded().withBytes { buffer throws(LogError) in
                try file.write(buffer, at: UInt64(superblock.copyIndex * Layout.superblockBytes))
            }
            try file.sync()
        }
        counters.tornTailBytes = scan.tornBytes
        for (identity, _) in checkpoint.dead {
            head.deadRecordCount += head.recordCount(of: identity.low)
        }

        var free: [UInt32] = []
        for slot in stride(from: slotCount, to: 0, by: -1) where !used.contains(slot - 1) { free.append(slot - 1) }
        let writer = WriterContext(
            superblock: superblock,
            nextSegmentID: max(checkpoint.nextSegmentID, header.segmentID + 1),
            nextWriteSequence: max(checkpoint.nextWriteSequence, scan.maxWriteSequence + 1),
            freeSlots: free)
        writer.checkpointEnd = UInt64(scan.latestCheckpointEnd ?? durableEnd)
        let shared = SharedState(
            sealed: sealed, head: head, dead: checkpoint.dead, nextLSN: scan.expectedLSN, slotCount: slotCount,
            counters: counters)
        return Recovered(superblock: superblock, shared: shared, writer: writer)
    }

    /// Validates and decodes the checkpoint block at slot-relative `position` of the head.
    static func decodeCheckpoint(
        _ headBytes: UnsafeRawBufferPointer, at position: Int, salt: UInt64, headOffset: UInt64, segmentBytes: UInt64
    ) throws(LogError) -> (header: BlockHeader, checkpoint: Checkpoint) {
        let offset = headOffset + UInt64(position)
        let slice = UnsafeRawBufferPointer(rebasing: headBytes[position...])
        let blockHeader = try Block.validate(slice, salt: salt, offset: offset, payloadBytesMax: Int(segmentBytes))
        guard blockHeader.kind == .checkpoint else {
            throw LogError.corrupt(
                "checkpoint: expected a checkpoint block, found a block of kind \(blockHeader.kind)", at: offset)
        }
        let payload = try Block.payload(slice, header: blockHeader, offset: offset)
        let checkpoint = try payload.withBytes { bytes throws(LogError) in try Checkpoint.decode(bytes, offset: offset)
        }
        guard checkpoint.nextLSN == blockHeader.firstLSN else {
            throw LogError.corrupt(
                "checkpoint: next LSN \(checkpoint.nextLSN) disagrees with its block (\(blockHeader.firstLSN))",
                at: offset)
        }
        return (blockHeader, checkpoint)
    }

    /// When a superblock copy is damaged, the valid one may be older than the last one written. That
    /// is harmless if the newer copy was torn while being written (a seal that never committed), but
    /// not if it was durable and damaged later: then a newer head holds acknowledged records the
    /// older superblock does not name. Such a head is recognized by a sound segment header with a
    /// higher segment id whose first block, a checkpoint, is followed by a sound records block
    /// (appends only go to a head after its superblock is durable). Returns the superblock that
    /// named it, rebuilt from the head's header and first checkpoint.
    static func newerHead(file: any StorageFile, superblock: Superblock, slotCount: UInt32) throws(LogError)
        -> Superblock?
    {
        let segmentBytes = superblock.segmentBytes
        var best: Superblock? = nil
        for slot in 0..<slotCount where slot != superblock.headSlot {
            let base = slotOffset(slot, segmentBytes)
            var headerBytes = [UInt8](repeating: 0, count: Layout.segmentHeaderBytes)
            guard
                (try? headerBytes.withMutableBytes({ buffer throws(LogError) in try file.read(into: buffer, at: base) }))
                    == Layout.segmentHeaderBytes,
                let header = try? headerBytes.withBytes({ buffer throws(LogError) in
                    try SegmentHeader.decode(buffer, offset: base)
                }),
                header.fileID == superblock.fileID, header.segmentID > superblock.headSegmentID, header.slot == slot,
                header.segmentID > best?.headSegmentID ?? 0
            else { continue }
            let window = min(Int(segmentBytes) - Layout.segmentHeaderBytes, 4 << 20)
            var bytes = [UInt8](repeating: 0, count: window)
            let count =
                (try? bytes.withMutableBytes({ buffer throws(LogError) in
                    try file.read(into: buffer, at: base + UInt64(Layout.segmentHeaderBytes))
                })) ?? 0
            let checkpointLSN: UInt64? = bytes.withUnsafeBytes { all in
                let buffer = UnsafeRawBufferPointer(rebasing: all[0..<count])
                guard
                    let checkpoint = try? Block.validate(
                        buffer, salt: header.salt, offset: 0, payloadBytesMax: Int(segmentBytes)),
                    checkpoint.kind == .checkpoint, checkpoint.firstLSN == header.firstLSN,
                    checkpoint.totalBytes < count
                else { return nil }
                let next = UnsafeRawBufferPointer(rebasing: buffer[checkpoint.totalBytes...])
                guard
                    let records = try? Block.validate(
                        next, salt: header.salt, offset: 0, payloadBytesMax: Int(segmentBytes)),
                    records.kind == .records, records.firstLSN == header.firstLSN
                else { return nil }
                return checkpoint.firstLSN
            }
            guard let checkpointLSN else { continue }
            var newer = superblock
            newer.headSlot = slot
            newer.headSegmentID = header.segmentID
            newer.checkpointOffset = base + UInt64(Layout.segmentHeaderBytes)
            newer.checkpointLSN = checkpointLSN
            best = newer
        }
        return best
    }

    /// Checks a sealed segment's header and maps its index, rebuilding the index when it is damaged.
    static func openSealed(
        file: any StorageFile, descriptor: SegmentDescriptor, fileID: UInt64, segmentBytes: UInt64,
        counters: inout LogCounters
    ) throws(LogError) -> SealedSegment {
        let base = slotOffset(descriptor.slot, segmentBytes)
        var headerBytes = [UInt8](repeating: 0, count: Layout.segmentHeaderBytes)
        _ = try headerBytes.withMutableBytes { buffer throws(LogError) in try file.read(into: buffer, at: base) }
        let header = try headerBytes.withBytes { buffer throws(LogError) in
            try SegmentHeader.decode(buffer, offset: base)
        }
        guard header.segmentID == descriptor.segmentID, header.salt == descriptor.salt, header.fileID == fileID,
            header.slot == descriptor.slot, header.firstLSN == descriptor.firstLSN, header.flags == descriptor.flags
        else {
            throw .corrupt(
                "sealed segment: checkpoint expects segment \(descriptor.segmentID) (slot \(descriptor.slot), first LSN \(descriptor.firstLSN), flags \(descriptor.flags)) in slot \(descriptor.slot), found segment \(header.segmentID) (slot \(header.slot), first LSN \(header.firstLSN), flags \(header.flags))",
                at: base)
        }
        guard descriptor.blocksEnd <= descriptor.indexOffset, descriptor.indexOffset % UInt64(Layout.pageBytes) == 0,
            descriptor.indexOffset + descriptor.indexBytes <= segmentBytes,
            descriptor.indexBytes >= UInt64(Layout.indexHeaderBytes)
        else {
            throw .corrupt(
                "sealed segment \(descriptor.segmentID): index region \(descriptor.indexOffset)+\(descriptor.indexBytes) does not fit the slot",
                at: base)
        }
        let indexAt = base + descriptor.indexOffset
        do throws(LogError) {
            let region = try file.map(offset: indexAt, length: Int(descriptor.indexBytes))
            let index = try IndexRegion(
                region: region, salt: descriptor.salt, segmentID: descriptor.segmentID, offset: indexAt)
            guard index.blocksEnd == descriptor.blocksEnd else {
                throw LogError.corrupt(
                    "index: blocks end \(index.blocksEnd) disagrees with the checkpoint (\(descriptor.blocksEnd))",
                    at: indexAt)
            }
            // Record counts drive reads and compaction: they must add up to the segment's.
            guard index.recordTotal == descriptor.recordCount else {
                throw LogError.corrupt(
                    "index: entries count \(index.recordTotal) records, the checkpoint says \(descriptor.recordCount)",
                    at: indexAt)
            }
            return SealedSegment(descriptor: descriptor, index: index)
        } catch  where error.code == .corrupt {
            // Indexes are derived data: rebuild from the blocks, which must all be sound.
            let rebuilt = try SegmentScanner.buildIndex(file: file, descriptor: descriptor, segmentBytes: segmentBytes)
            guard
                IndexRegion.byteCount(entries: rebuilt.entries.count, lsnEntries: rebuilt.lsnEntries.count)
                    == Int(descriptor.indexBytes)
            else {
                throw .corrupt(
                    "sealed segment \(descriptor.segmentID): rebuilt index has a different size than recorded; the segment's blocks disagree with its checkpoint",
                    at: indexAt)
            }
            let bytes = IndexRegion.encode(
                segmentID: descriptor.segmentID, salt: descriptor.salt, blocksEnd: descriptor.blocksEnd,
                entries: rebuilt.entries, lsnEntries: rebuilt.lsnEntries)
            try bytes.withBytes { buffer throws(LogError) in try file.write(buffer, at: indexAt) }
            try file.sync()
            counters.indexesRebuilt += 1
            let region = try file.map(offset: indexAt, length: bytes.count)
            let index = try IndexRegion(
                region: region, salt: descriptor.salt, segmentID: descriptor.segmentID, offset: indexAt)
            guard index.recordTotal == descriptor.recordCount else {
                throw .corrupt(
                    "sealed segment \(descriptor.segmentID): its blocks hold \(index.recordTotal) records, the checkpoint says \(descriptor.recordCount)",
                    at: indexAt)
            }
            return SealedSegment(descriptor: descriptor, index: index)
        }
    }
}

/// The scan of the head segment on open.
struct HeadScan {
    let headOffset: UInt64
    let salt: UInt64
    let segmentBytes: Int
    let checkpointRelative: Int
    var expectedLSN: UInt64
    var maxWriteSequence: UInt64 = 0
    var tornBytes: UInt64 = 0
    /// Slot-relative bytes to overwrite with zeros: valid-looking blocks past the cut.
    var zeroRange: Range<Int>? = nil
    /// Slot-relative offset and end of the last complete checkpoint block at or after the named one.
    var latestCheckpoint: Int? = nil
    var latestCheckpointEnd: Int? = nil

    mutating func run(_ bytes: UnsafeRawBufferPointer, head: inout HeadState) throws(LogError) {
        var position = Layout.segmentHeaderBytes
        // Blocks of the write being read are held back until its last block (writeEnd) is seen:
        // a write is acknowledged whole or not at all, so a torn write is cut whole.
        var pending: [(header: BlockHeader, position: Int, counts: [(UInt64, UInt32)])] = []
        var writeStart = position
        var pendingLSN = expectedLSN
        var lastComplete: BlockHeader? = nil
        var sawCheckpoint = false
        var failure: LogError? = nil
        while position + Layout.blockHeaderBytes <= segmentBytes {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[position...])
            let offset = headOffset + UInt64(position)
            do throws(LogError) {
                let header = try Block.validate(slice, salt: salt, offset: offset, payloadBytesMax: segmentBytes)
                guard header.firstLSN == pendingLSN else {
                    throw LogError.corrupt(
                        "block: expected first LSN \(pendingLSN), found \(header.firstLSN)", at: offset)
                }
                if let first = pending.first, first.header.writeSequence != header.writeSequence {
                    throw LogError.corrupt(
                        "block: write \(first.header.writeSequence) has no last block before write \(header.writeSequence) starts",
                        at: offset)
                }
                var counts: [(UInt64, UInt32)] = []
                if header.kind == .records {
                    let payload = try Block.payload(slice, header: header, offset: offset)
                    counts = try payload.withBytes { raw throws(LogError) in
                        try SegmentScanner.streamCounts(raw, header: header, offset: offset)
                    }
                    pendingLSN = header.lastLSN + 1
                } else if position == checkpointRelative {
                    sawCheckpoint = true
                }
                maxWriteSequence = max(maxWriteSequence, header.writeSequence)
                pending.append((header, position, counts))
                position += header.totalBytes
                if header.flags.contains(.writeEnd) {
                    for block in pending {
                        if block.header.kind == .records {
                            head.add(block: block.header, at: UInt64(block.position), counts: block.counts)
                        } else if block.position >= checkpointRelative {
                            latestCheckpoint = block.position
                            latestCheckpointEnd = block.position + block.header.totalBytes
                        }
                    }
                    pending.removeAll(keepingCapacity: true)
                    expectedLSN = pendingLSN
                    lastComplete = header
                    writeStart = position
                }
            } catch {
                failure = error
                break
            }
        }
        if failure != nil || !pending.isEmpty {
            let reason =
                failure
                ?? LogError.corrupt(
                    "head segment: the last write has no last block before the segment ends",
                    at: headOffset + UInt64(position))
            try cut(
                writeStart: writeStart, badBlock: min(position, segmentBytes - Layout.blockHeaderBytes), bytes: bytes,
                lastComplete: lastComplete, reason: reason)
        }
        head.blocksEnd = UInt64(writeStart)
        guard sawCheckpoint, writeStart > checkpointRelative else {
            throw .corrupt(
                "head segment: the checkpoint block the superblock names was not reached by the scan",
                at: headOffset + UInt64(checkpointRelative))
        }
    }

    /// Decides whether the damage at `badBlock`, inside the write starting at `writeStart`, is a
    /// torn, unacknowledged write (cut it whole) or damage to acknowledged data (refuse to open).
    mutating func cut(
        writeStart: Int, badBlock position: Int, bytes: UnsafeRawBufferPointer, lastComplete: BlockHeader?,
        reason: LogError
    ) throws(LogError) {
        let offset = headOffset + UInt64(position)
        if writeStart <= checkpointRelative {
            throw .corrupt("block before the durable checkpoint is damaged: \(reason.message)", at: offset)
        }
        // Every write after the last complete one is unacknowledged unless a later write proves
        // otherwise: a later block written after a sync covering the damaged write.
        let badWrite = lastComplete.map { $0.writeSequence + 1 } ?? 0
        var farthest = position
        // Blocks start 8-byte aligned, so a block's magic is the low half of an aligned 64-bit word:
        // a tight word loop finds candidates quickly in the (usually zero) rest of the segment.
        let words = bytes.count / 8
        var wordIndex = (position + Layout.blockAlignment + 8) / 8
        let magic = UInt64(Layout.blockMagic)
        let magicLanes = SIMD16<UInt32>(repeating: Layout.blockMagic.littleEndian)
        while true {
            // 64 bytes at a time while no lane holds the magic, then word by word.
            while wordIndex &+ 8 <= words {
                let lanes = bytes.loadUnaligned(fromByteOffset: wordIndex &* 8, as: SIMD16<UInt32>.self)
                if any(lanes .== magicLanes) { break }
                wordIndex &+= 8
            }
            while wordIndex < words,
                bytes.loadUnaligned(fromByteOffset: wordIndex &* 8, as: UInt64.self).littleEndian & 0xFFFF_FFFF != magic
            {
                wordIndex &+= 1
                if wordIndex & 7 == 0 { break }
            }
            guard wordIndex < words else { break }
            if bytes.loadUnaligned(fromByteOffset: wordIndex &* 8, as: UInt64.self).littleEndian & 0xFFFF_FFFF != magic
            {
                continue
            }
            let magicAt = wordIndex * 8
            wordIndex += 1
            let candidate = magicAt - 8
            guard candidate + Layout.blockHeaderBytes <= segmentBytes else { continue }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[candidate...])
            if let later = try? Block.validate(
                slice, salt: salt, offset: headOffset + UInt64(candidate), payloadBytesMax: segmentBytes)
            {
                if later.writeSequence > badWrite, later.flags.contains(.afterSync) {
                    throw .corrupt(
                        "block is damaged (\(reason.message)) but the block at offset \(headOffset + UInt64(candidate)) was written after it was durable: acknowledged data is lost",
                        at: offset)
                }
                maxWriteSequence = max(maxWriteSequence, later.writeSequence)
                farthest = max(farthest, candidate + later.totalBytes)
            }
        }
        if bytes.u32(position + 8) == Layout.blockMagic {
            let claimed = Int(bytes.u32(position + 48)) + Layout.blockHeaderBytes
            farthest = max(farthest, min(segmentBytes, position + claimed))
        }
        if farthest > writeStart {
            tornBytes = UInt64(farthest - writeStart)
            zeroRange = writeStart..<farthest
        }
    }
}
