/// Reads: one stream in LSN order, and scans of everything from an LSN.
extension LogStore {
    /// Where a read finds blocks: a segment (sealed or head) and block offsets within it.
    struct ReadSource {
        var slot: UInt32
        var segmentID: UInt64
        var salt: UInt64
        var entries: [IndexEntry]
    }

    /// Returns every record of `stream`, in LSN order (empty for an unknown or dead stream).
    ///
    /// Each record's payload is copied out of its block; `read(stream:from:_:)` lends the bytes
    /// instead, without an allocation per record.
    ///
    /// - Complexity: O(s log n + b) for s segments, n index entries and b blocks holding the stream.
    /// - Throws: `.corrupt` when a block holding the stream fails its checksum.
    public func read(stream: StreamKey, from start: LSN = LSN(1)) throws(LogError) -> [StoredRecord] {
        var result: [StoredRecord] = []
        try visit(stream: stream, from: start) { expected in
            // Counts come from disk: they size the result only up to a bound.
            result.reserveCapacity(min(expected, 1 << 20))
        } _: { lsn, payload in
            result.append(StoredRecord(lsn: lsn, stream: stream, payload: Array(payload)))
            return true
        }
        return result
    }

    /// Calls `body` with every record of `stream` from `start`, in LSN order, until it returns
    /// false; nothing for an unknown or dead stream.
    ///
    /// The payload is lent from the decompressed block (in the block cache) and is valid only
    /// during the call: copy what must outlive it. Nothing is allocated per record, so this is the
    /// fast way to replay a stream into another structure. As during `scan(from:_:)`, segments that
    /// compaction frees are not reused until the read returns, so keep `body` short.
    ///
    /// - Throws: `.corrupt` when a block holding the stream fails its checksum.
    public func read(
        stream: StreamKey, from start: LSN = LSN(1), _ body: (LSN, UnsafeRawBufferPointer) -> Bool
    ) throws(LogError) {
        try visit(stream: stream, from: start, expected: { _ in }, body)
    }

    /// The stream's blocks, from the sealed indexes and the head's: `expected` first learns how
    /// many records they hold (as the index says), then `body` sees each record of the stream.
    private func visit(
        stream: StreamKey, from start: LSN, expected: (Int) -> Void,
        _ body: (LSN, UnsafeRawBufferPointer) -> Bool
    ) throws(LogError) {
        let identity = stream.identity
        let (sources, epoch, isDead) = state.withLock { shared -> ([ReadSource], UInt64, Bool) in
            if shared.dead[identity] != nil { return ([], 0, true) }
            var sources: [ReadSource] = []
            for segment in shared.sealed where segment.descriptor.lastLSN >= start.rawValue {
                let entries = segment.index.entries(for: identity.low)
                if !entries.isEmpty {
                    sources.append(
                        ReadSource(
                            slot: segment.descriptor.slot, segmentID: segment.descriptor.segmentID,
                            salt: segment.descriptor.salt, entries: entries))
                }
            }
            let headEntries = shared.head.entries(of: identity.low)
            if !headEntries.isEmpty {
                sources.append(
                    ReadSource(
                        slot: shared.head.slot, segmentID: shared.head.segmentID, salt: shared.head.salt,
                        entries: headEntries))
            }
            return (sources, shared.beginRead(), false)
        }
        if isDead { return }
        defer { state.withLock { $0.endRead(epoch) } }
        expected(sources.reduce(0) { $0 + $1.entries.reduce(0) { $0 + Int($1.recordCount) } })
        var keepGoing = true
        for source in sources {
            for entry in source.entries {
                let block = try loadBlock(
                    slot: source.slot, segmentID: source.segmentID, salt: source.salt, offset: UInt64(entry.blockOffset)
                )
                if block.header.lastLSN < start.rawValue { continue }
                try collect(
                    block, stream: stream, from: start.rawValue, offset: UInt64(entry.blockOffset),
                    keepGoing: &keepGoing, body)
                if !keepGoing { return }
            }
        }
    }

    private func collect(
        _ block: CachedBlock, stream: StreamKey, from start: UInt64, offset: UInt64, keepGoing: inout Bool,
        _ body: (LSN, UnsafeRawBufferPointer) -> Bool
    ) throws(LogError) {
        let wanted = stream.bytes
        try block.payload.withBytes { raw throws(LogError) in
            try wanted.withBytes { wantedBytes throws(LogError) in
                try Block.forEachRecord(raw, header: block.header, offset: offset) { lsn, key, payload in
                    guard keepGoing, lsn >= start, bytesEqual(key, wantedBytes) else { return }
                    keepGoing = body(LSN(lsn), payload)
                }
            }
        }
    }

    /// Reads, validates and decompresses one block, through the cache.
    func loadBlock(slot: UInt32, segmentID: UInt64, salt: UInt64, offset: UInt64) throws(LogError) -> CachedBlock {
        let key = BlockCache.Key(slot: slot, segmentID: segmentID, offset: offset)
        if let cached = cache.get(key) {
            state.withLock { $0.counters.cacheHits += 1 }
            return cached
        }
        let absolute = slotOffset(slot) + offset
        var headerBytes = [UInt8](repeating: 0, count: Layout.blockHeaderBytes)
        let count = try headerBytes.withMutableBytes { buffer throws(LogError) in
            try file.read(into: buffer, at: absolute)
        }
        guard count == Layout.blockHeaderBytes else {
            throw .corrupt("block: file ends inside a block header", at: absolute)
        }
        let header = try headerBytes.withBytes { buffer throws(LogError) in
            try BlockHeader.decode(buffer, offset: absolute)
        }
        guard offset + UInt64(Layout.blockHeaderBytes) + UInt64(header.storedBytes) <= segmentBytes else {
            throw .corrupt("block: payload of \(header.storedBytes) bytes runs past its segment", at: absolute)
        }
        let total = Layout.blockHeaderBytes + Int(header.storedBytes)
        var failure: LogError? = nil
        var read = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            do throws(LogError) {
                read = try file.read(into: UnsafeMutableRawBufferPointer(buffer), at: absolute)
            } catch {
                failure = error
            }
            // Bytes past a short read are zeroed so the array is fully initialized.
            if read < total {
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[read...])
                    .initializeMemory(as: UInt8.self, repeating: 0)
            }
            initialized = total
        }
        if let failure { throw failure }
        guard read == total else { throw .corrupt("block: file ends inside a block", at: absolute) }
        let block = try bytes.withBytes { buffer throws(LogError) -> CachedBlock in
            let validated = try Block.validate(buffer, salt: salt, offset: absolute, payloadBytesMax: Int(segmentBytes))
            return CachedBlock(
                header: validated, payload: try Block.payload(buffer, header: validated, offset: absolute))
        }
        cache.put(key, block)
        state.withLock { $0.counters.cacheMisses += 1 }
        return block
    }

    /// Calls `body` with every live record whose LSN is at least `start`, in LSN order, until it
    /// returns false. Records of dead streams are skipped.
    ///
    /// - Throws: `.corrupt` when a block on the way fails validation.
    public func scan(from start: LSN, _ body: (StoredRecord) -> Bool) throws(LogError) {
        /// Sealed segments are walked block by block from the sparse index's starting point; the
        /// head by its list of block offsets.
        enum Blocks {
            case walk(from: UInt64, end: UInt64)
            case list([UInt64])
        }
        struct Source {
            var slot: UInt32
            var segmentID: UInt64
            var salt: UInt64
            var blocks: Blocks
        }
        let (sources, dead, epoch) = state.withLock { shared -> ([Source], [StreamIdentity: UInt32], UInt64) in
            var sources: [Source] = []
            for segment in shared.sealed where segment.descriptor.lastLSN >= start.rawValue {
                let descriptor = segment.descriptor
                let from = segment.index.scanStart(for: start.rawValue)
                sources.append(
                    Source(
                        slot: descriptor.slot, segmentID: descriptor.segmentID, salt: descriptor.salt,
                        blocks: .walk(from: from, end: descriptor.blocksEnd)))
            }
            let head = shared.head
            var low = 0
            var high = head.blockStarts.count
            while low < high {
                let middle = (low + high) / 2
                if head.blockStarts[middle].firstLSN <= start.rawValue { low = middle + 1 } else { high = middle }
            }
            let offsets = head.blockStarts[max(0, low - 1)...].map(\.blockOffset)
            if !offsets.isEmpty {
                sources.append(
                    Source(slot: head.slot, segmentID: head.segmentID, salt: head.salt, blocks: .list(offsets)))
            }
            return (sources, shared.dead, shared.beginRead())
        }
        defer { state.withLock { $0.endRead(epoch) } }
        for source in sources {
            var next: UInt64
            var listIndex = 0
            switch source.blocks {
            case .walk(let from, _): next = from
            case .list: next = 0
            }
            blocks: while true {
                let offset: UInt64
                switch source.blocks {
                case .walk(_, let end):
                    guard next < end else { break blocks }
                    offset = next
                case .list(let offsets):
                    guard listIndex < offsets.count else { break blocks }
                    offset = offsets[listIndex]
                    listIndex += 1
                }
                let block = try loadBlock(
                    slot: source.slot, segmentID: source.segmentID, salt: source.salt, offset: offset)
                next = offset + UInt64(block.header.totalBytes)
                guard block.header.kind == .records, block.header.lastLSN >= start.rawValue else { continue }
                var keepGoing = true
                try block.payload.withBytes { raw throws(LogError) in
                    try Block.forEachRecord(raw, header: block.header, offset: offset) { lsn, key, payload in
                        guard keepGoing, lsn >= start.rawValue else { return }
                        if !dead.isEmpty, dead[StreamIdentity(Codec.hash128(key))] != nil { return }
                        keepGoing = body(
                            StoredRecord(lsn: LSN(lsn), stream: StreamKey(Array(key)), payload: Array(payload)))
                    }
                }
                if !keepGoing { return }
            }
        }
    }
}
