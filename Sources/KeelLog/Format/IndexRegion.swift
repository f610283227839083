/// One stream entry of an index: the low 64 bits of a stream's identity, a block holding some of its
/// records (slot-relative offset) and how many.
public struct IndexEntry: Sendable, Equatable, Comparable {
    public var stream: UInt64
    public var blockOffset: UInt32
    public var recordCount: UInt32
    public init(stream: UInt64, blockOffset: UInt32, recordCount: UInt32) {
        self.stream = stream
        self.blockOffset = blockOffset
        self.recordCount = recordCount
    }
    public static func < (lhs: IndexEntry, rhs: IndexEntry) -> Bool {
        (lhs.stream, lhs.blockOffset) < (rhs.stream, rhs.blockOffset)
    }
}

/// One sparse LSN entry: the first LSN of a block and its slot-relative offset.
public struct LSNEntry: Sendable, Equatable {
    public var firstLSN: UInt64
    public var blockOffset: UInt64
    public init(firstLSN: UInt64, blockOffset: UInt64) {
        self.firstLSN = firstLSN
        self.blockOffset = blockOffset
    }
}

/// The index region a sealed segment carries after its blocks: stream entries sorted for binary
/// search and sparse LSN entries, read in place through a mapping.
public struct IndexRegion: @unchecked Sendable {
    /// The mapped (or copied) bytes of the whole region.
    let region: MappedRegion
    public let segmentID: UInt64
    public let blocksEnd: UInt64
    public let entryCount: Int
    public let lsnEntryCount: Int
    /// The sum of the entries' record counts: the segment's record count when the index is sound.
    public private(set) var recordTotal: UInt64 = 0

    /// Bytes of a region with these counts.
    public static func byteCount(entries: Int, lsnEntries: Int) -> Int {
        Layout.indexHeaderBytes + entries * Layout.indexEntryBytes + lsnEntries * Layout.lsnEntryBytes
    }

    /// Encodes a region. `entries` must be sorted.
    public static func encode(
        segmentID: UInt64, salt: UInt64, blocksEnd: UInt64, entries: [IndexEntry], lsnEntries: [LSNEntry]
    ) -> [UInt8] {
        let total = byteCount(entries: entries.count, lsnEntries: lsnEntries.count)
        var bytes = [UInt8](repeating: 0, count: total)
        bytes.withUnsafeMutableBytes { out in
            var at = Layout.indexHeaderBytes
            for entry in entries {
                out.put(entry.stream, at: at)
                out.put(entry.blockOffset, at: at + 8)
                out.put(entry.recordCount, at: at + 12)
                at += Layout.indexEntryBytes
            }
            for entry in lsnEntries {
                out.put(entry.firstLSN, at: at)
                out.put(entry.blockOffset, at: at + 8)
                at += Layout.lsnEntryBytes
            }
            out.put(Layout.indexMagic, at: 0)
            out.put(Layout.formatVersion, at: 8)
            out.put(UInt32(0), at: 12)
            out.put(segmentID, at: 16)
            out.put(UInt64(entries.count), at: 24)
            out.put(UInt64(lsnEntries.count), at: 32)
            out.put(blocksEnd, at: 40)
            let body = UnsafeRawBufferPointer(rebasing: out[Layout.indexHeaderBytes..<total])
            out.put(Codec.checksum(body, seed: salt), at: 48)
            out.put(Codec.checksum(UnsafeRawBufferPointer(rebasing: out[0..<56]), seed: salt), at: 56)
        }
        return bytes
    }

    /// Validates a region (header and body checksums, counts, sort order) and wraps it.
    ///
    /// - Throws: `.corrupt` naming what is wrong; the caller rebuilds the index from the segment.
    public init(region: MappedRegion, salt: UInt64, segmentID: UInt64, offset: UInt64) throws(LogError) {
        let bytes = region.bytes
        guard bytes.count >= Layout.indexHeaderBytes else {
            throw .corrupt(
                "index: expected a \(Layout.indexHeaderBytes)-byte header, found \(bytes.count) bytes", at: offset)
        }
        guard bytes.u64(0) == Layout.indexMagic else {
            throw .corrupt("index: expected magic KEELINDX, found \(hex(bytes.u64(0)))", at: offset)
        }
        let headerSum = Codec.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<56]), seed: salt)
        guard headerSum == bytes.u64(56) else {
            throw .corrupt("index: header checksum expected \(hex(headerSum)), found \(hex(bytes.u64(56)))", at: offset)
        }
        guard bytes.u32(8) == Layout.formatVersion, bytes.u64(16) == segmentID else {
            throw .corrupt(
                "index: version \(bytes.u32(8)) / segment \(bytes.u64(16)) do not match segment \(segmentID)",
                at: offset)
        }
        let entries = bytes.u64(24)
        let lsnEntries = bytes.u64(32)
        guard entries <= UInt64(bytes.count), lsnEntries <= UInt64(bytes.count),
            IndexRegion.byteCount(entries: Int(entries), lsnEntries: Int(lsnEntries)) == bytes.count
        else {
            throw .corrupt(
                "index: \(entries) entries and \(lsnEntries) LSN entries do not fill \(bytes.count) bytes", at: offset)
        }
        let bodySum = Codec.checksum(UnsafeRawBufferPointer(rebasing: bytes[Layout.indexHeaderBytes...]), seed: salt)
        guard bodySum == bytes.u64(48) else {
            throw .corrupt("index: body checksum expected \(hex(bodySum)), found \(hex(bytes.u64(48)))", at: offset)
        }
        self.region = region
        self.segmentID = segmentID
        self.blocksEnd = bytes.u64(40)
        self.entryCount = Int(entries)
        self.lsnEntryCount = Int(lsnEntries)
        var previous: IndexEntry? = nil
        var total: UInt64 = 0
        for index in 0..<entryCount {
            let current = entry(at: index)
            if let previous, !(previous < current) {
                throw .corrupt("index: entry \(index) is out of order", at: offset)
            }
            guard UInt64(current.blockOffset) < blocksEnd, current.recordCount > 0 else {
                throw .corrupt(
                    "index: entry \(index) points at offset \(current.blockOffset) past the blocks end \(blocksEnd)",
                    at: offset)
            }
            previous = current
            total += UInt64(current.recordCount)
        }
        self.recordTotal = total
        var previousLSN: UInt64 = 0
        for index in 0..<lsnEntryCount {
            let current = lsnEntry(at: index)
            guard current.firstLSN > previousLSN, current.blockOffset < blocksEnd else {
                throw .corrupt("index: LSN entry \(index) is out of order or out of range", at: offset)
            }
            previousLSN = current.firstLSN
        }
    }

    public func entry(at index: Int) -> IndexEntry {
        let at = Layout.indexHeaderBytes + index * Layout.indexEntryBytes
        let bytes = region.bytes
        return IndexEntry(stream: bytes.u64(at), blockOffset: bytes.u32(at + 8), recordCount: bytes.u32(at + 12))
    }

    public func lsnEntry(at index: Int) -> LSNEntry {
        let at = Layout.indexHeaderBytes + entryCount * Layout.indexEntryBytes + index * Layout.lsnEntryBytes
        let bytes = region.bytes
        return LSNEntry(firstLSN: bytes.u64(at), blockOffset: bytes.u64(at + 8))
    }

    /// The entries of one stream, in block order.
    ///
    /// - Complexity: O(log n + k) for n entries and k results.
    public func entries(for stream: UInt64) -> [IndexEntry] {
        var low = 0
        var high = entryCount
        while low < high {
            let middle = (low + high) / 2
            if entry(at: middle).stream < stream { low = middle + 1 } else { high = middle }
        }
        var result: [IndexEntry] = []
        var index = low
        while index < entryCount {
            let current = entry(at: index)
            if current.stream != stream { break }
            result.append(current)
            index += 1
        }
        return result
    }

    /// The slot-relative offset of a block at or before the first block holding `lsn`.
    ///
    /// - Complexity: O(log n).
    public func scanStart(for lsn: UInt64) -> UInt64 {
        var low = 0
        var high = lsnEntryCount
        while low < high {
            let middle = (low + high) / 2
            if lsnEntry(at: middle).firstLSN <= lsn { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? UInt64(Layout.segmentHeaderBytes) : lsnEntry(at: low - 1).blockOffset
    }
}
