/// The 64-byte header at the start of every segment slot in use.
///
/// The random `salt` seeds the checksum of every block and index in the segment, so bytes left in a
/// reused slot by an earlier segment can never validate as part of the new one.
public struct SegmentHeader: Sendable, Equatable {
    public var slot: UInt32
    public var segmentID: UInt64
    public var salt: UInt64
    public var firstLSN: UInt64
    public var fileID: UInt64
    /// Bit 0: the segment was written by compaction (its records keep their original LSNs).
    public var flags: UInt32

    public init(slot: UInt32, segmentID: UInt64, salt: UInt64, firstLSN: UInt64, fileID: UInt64, flags: UInt32) {
        self.slot = slot
        self.segmentID = segmentID
        self.salt = salt
        self.firstLSN = firstLSN
        self.fileID = fileID
        self.flags = flags
    }

    public static let compactedFlag: UInt32 = 1

    /// Encodes the 64 header bytes.
    public func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Layout.segmentHeaderBytes)
        bytes.withUnsafeMutableBytes { out in
            out.put(Layout.segmentMagic, at: 0)
            out.put(Layout.formatVersion, at: 8)
            out.put(slot, at: 12)
            out.put(segmentID, at: 16)
            out.put(salt, at: 24)
            out.put(firstLSN, at: 32)
            out.put(fileID, at: 40)
            out.put(flags, at: 48)
            out.put(UInt32(0), at: 52)
            out.put(
                Codec.checksum(UnsafeRawBufferPointer(rebasing: out[0..<56]), seed: Layout.segmentHeaderSeed), at: 56)
        }
        return bytes
    }

    /// Decodes and validates a segment header read from byte `offset`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, offset: UInt64) throws(LogError) -> SegmentHeader {
        guard bytes.count >= Layout.segmentHeaderBytes else {
            throw .corrupt(
                "segment header: expected \(Layout.segmentHeaderBytes) bytes, found \(bytes.count)", at: offset)
        }
        guard bytes.u64(0) == Layout.segmentMagic else {
            throw .corrupt("segment header: expected magic KEELSEGM, found \(hex(bytes.u64(0)))", at: offset)
        }
        let computed = Codec.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<56]), seed: Layout.segmentHeaderSeed)
        guard bytes.u64(56) == computed else {
            throw .corrupt(
                "segment header: checksum expected \(hex(computed)), found \(hex(bytes.u64(56)))", at: offset)
        }
        guard bytes.u32(8) == Layout.formatVersion else {
            throw .corrupt("segment header: format version \(bytes.u32(8)) is not \(Layout.formatVersion)", at: offset)
        }
        return SegmentHeader(
            slot: bytes.u32(12), segmentID: bytes.u64(16), salt: bytes.u64(24), firstLSN: bytes.u64(32),
            fileID: bytes.u64(40), flags: bytes.u32(48))
    }
}
