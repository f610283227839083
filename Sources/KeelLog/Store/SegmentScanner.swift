/// Sequential reading of a sealed segment's blocks, used to rebuild indexes, compact and verify.
enum SegmentScanner {
    /// Calls `body(offset, header, payload)` for every block in `[64, blocksEnd)` of a sealed
    /// segment, in order, validating each. Every block must be sound: sealed data is durable.
    static func forEachBlock(
        file: any StorageFile, descriptor: SegmentDescriptor, segmentBytes: UInt64,
        _ body: (UInt64, BlockHeader, [UInt8]) throws(LogError) -> Void
    ) throws(LogError) {
        let base = Recovery.slotOffset(descriptor.slot, segmentBytes)
        let end = Int(descriptor.blocksEnd)
        var bytes = [UInt8](repeating: 0, count: end)
        let count = try bytes.withMutableBytes { buffer throws(LogError) in try file.read(into: buffer, at: base) }
        guard count == end else {
            throw .corrupt(
                "sealed segment \(descriptor.segmentID): file ends inside its blocks", at: base + UInt64(count))
        }
        var position = Layout.segmentHeaderBytes
        var expected = descriptor.firstLSN
        try bytes.withBytes { all throws(LogError) in
            while position < end {
                let offset = base + UInt64(position)
                let slice = UnsafeRawBufferPointer(rebasing: all[position..<end])
                let header = try Block.validate(
                    slice, salt: descriptor.salt, offset: offset, payloadBytesMax: Int(segmentBytes))
                if header.kind == .records {
                    guard header.firstLSN >= expected, header.lastLSN <= descriptor.lastLSN else {
                        throw .corrupt(
                            "sealed segment \(descriptor.segmentID): block LSNs \(header.firstLSN)...\(header.lastLSN) are out of order (expected from \(expected), segment ends at \(descriptor.lastLSN))",
                            at: offset)
                    }
                    expected = header.lastLSN + 1
                }
                let payload = try Block.payload(slice, header: header, offset: offset)
                try body(UInt64(position), header, payload)
                position += header.totalBytes
            }
        }
        guard position == end else {
            throw .corrupt(
                "sealed segment \(descriptor.segmentID): last block runs past its blocks end \(end)",
                at: base + UInt64(end))
        }
    }

    /// Rebuilds the index entries of a sealed segment from its blocks.
    static func buildIndex(file: any StorageFile, descriptor: SegmentDescriptor, segmentBytes: UInt64) throws(LogError)
        -> (entries: [IndexEntry], lsnEntries: [LSNEntry])
    {
        var head = HeadState(
            slot: descriptor.slot, segmentID: descriptor.segmentID, salt: descriptor.salt,
            firstLSN: descriptor.firstLSN, blocksEnd: 0)
        try forEachBlock(file: file, descriptor: descriptor, segmentBytes: segmentBytes) {
            offset, header, payload throws(LogError) in
            guard header.kind == .records else { return }
            let counts = try payload.withBytes { raw throws(LogError) in
                try streamCounts(raw, header: header, offset: offset)
            }
            head.add(block: header, at: offset, counts: counts)
        }
        return (head.sortedEntries(), head.lsnEntries)
    }

    /// The number of records per stream (low identity) in a block, in first-seen order.
    static func streamCounts(_ raw: UnsafeRawBufferPointer, header: BlockHeader, offset: UInt64) throws(LogError) -> [(
        UInt64, UInt32
    )] {
        var counter = StreamCounter()
        try Block.forEachRecord(raw, header: header, offset: offset) { _, key, _ in counter.count(key) }
        return counter.counts
    }
}

/// Counts the records of each stream in one block, in first-seen order: what a block contributes
/// to its segment's index.
struct StreamCounter {
    /// Streams (low 64 bits of their identity) in first-seen order, with their record counts.
    private(set) var counts: [(UInt64, UInt32)] = []
    private var positions: [UInt64: Int] = [:]
    // Consecutive records of one stream are the common case: the previous key is compared before
    // hashing, and its entry is bumped directly.
    private var previousKey = UnsafeRawBufferPointer(start: nil, count: 0)
    private var previousPosition = -1

    /// Counts one record with stream key `key`. `key` must stay valid until the next call or `reset`.
    @inline(__always)
    mutating func count(_ key: UnsafeRawBufferPointer) {
        if previousPosition >= 0, bytesEqual(key, previousKey) {
            counts[previousPosition].1 += 1
            return
        }
        count(key, stream: Codec.hash128(key).low)
    }

    /// Counts one record whose stream's low identity is already known.
    @inline(__always)
    mutating func count(_ key: UnsafeRawBufferPointer, stream: UInt64) {
        previousKey = key
        if let existing = positions[stream] {
            previousPosition = existing
            counts[existing].1 += 1
        } else {
            previousPosition = counts.count
            positions[stream] = counts.count
            counts.append((stream, 1))
        }
    }

    /// Starts a new block. The counts' storage is kept for the next block once nobody else holds it.
    mutating func reset() {
        counts.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        previousPosition = -1
    }
}
