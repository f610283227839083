/// The root of the data file: where the head segment and the latest checkpoint are.
///
/// Two copies live at the start of the file and are written alternately (copy `sequence % 2`), so a
/// torn write of one copy leaves the other, previous one intact. Opening picks the valid copy with the
/// highest sequence.
public struct Superblock: Sendable, Equatable {
    public var sequence: UInt64
    public var fileID: UInt64
    public var segmentBytes: UInt64
    public var headSlot: UInt32
    public var headSegmentID: UInt64
    /// Absolute file offset of the checkpoint block (inside the head segment).
    public var checkpointOffset: UInt64
    /// The next LSN when the checkpoint was written: every LSN below it is durable.
    public var checkpointLSN: UInt64

    /// Which copy this superblock is written to.
    public var copyIndex: Int { Int(sequence % UInt64(Layout.superblockCopies)) }

    public init(
        sequence: UInt64, fileID: UInt64, segmentBytes: UInt64, headSlot: UInt32, headSegmentID: UInt64,
        checkpointOffset: UInt64, checkpointLSN: UInt64
    ) {
        self.sequence = sequence
        self.fileID = fileID
        self.segmentBytes = segmentBytes
        self.headSlot = headSlot
        self.headSegmentID = headSegmentID
        self.checkpointOffset = checkpointOffset
        self.checkpointLSN = checkpointLSN
    }

    /// Encodes the 4,096 bytes of one superblock copy.
    public func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Layout.superblockBytes)
        bytes.withUnsafeMutableBytes { out in
            out.put(Layout.superblockMagic, at: 0)
            out.put(Layout.formatVersion, at: 8)
            out.put(UInt32(Layout.superblockBytes), at: 12)
            out.put(sequence, at: 16)
            out.put(fileID, at: 24)
            out.put(segmentBytes, at: 32)
            out.put(Layout.dataOffset, at: 40)
            out.put(headSlot, at: 48)
            out.put(UInt32(0), at: 52)
            out.put(headSegmentID, at: 56)
            out.put(checkpointOffset, at: 64)
            out.put(checkpointLSN, at: 72)
            let sum = Codec.checksum(
                UnsafeRawBufferPointer(rebasing: out[0..<Layout.superblockBytes - 8]), seed: Layout.superblockSeed)
            out.put(sum, at: Layout.superblockBytes - 8)
        }
        return bytes
    }

    /// Decodes and validates one superblock copy read from byte `offset`.
    ///
    /// - Throws: `LogError` `.notAKeelFile` when the magic is absent, `.corrupt` for a bad checksum or
    ///   an impossible field.
    public static func decode(_ bytes: UnsafeRawBufferPointer, offset: UInt64) throws(LogError) -> Superblock {
        guard bytes.count >= Layout.superblockBytes else {
            throw .corrupt("superblock: expected \(Layout.superblockBytes) bytes, found \(bytes.count)", at: offset)
        }
        guard bytes.u64(0) == Layout.superblockMagic else {
            throw LogError(.notAKeelFile, "superblock: magic is not KEELFILE", offset: offset)
        }
        let stored = bytes.u64(Layout.superblockBytes - 8)
        let computed = Codec.checksum(
            UnsafeRawBufferPointer(rebasing: bytes[0..<Layout.superblockBytes - 8]), seed: Layout.superblockSeed)
        guard stored == computed else {
            throw .corrupt("superblock: checksum expected \(hex(computed)), found \(hex(stored))", at: offset)
        }
        let version = bytes.u32(8)
        guard version == Layout.formatVersion else {
            throw LogError(
                .notAKeelFile,
                "superblock: format version \(version) is not supported (this build reads \(Layout.formatVersion))",
                offset: offset)
        }
        guard bytes.u32(12) == UInt32(Layout.superblockBytes), bytes.u64(40) == Layout.dataOffset else {
            throw .corrupt("superblock: layout fields are not the version-1 constants", at: offset)
        }
        let block = Superblock(
            sequence: bytes.u64(16), fileID: bytes.u64(24), segmentBytes: bytes.u64(32), headSlot: bytes.u32(48),
            headSegmentID: bytes.u64(56), checkpointOffset: bytes.u64(64), checkpointLSN: bytes.u64(72))
        guard block.segmentBytes >= UInt64(LogOptions.segmentBytesMin),
            block.segmentBytes <= UInt64(LogOptions.segmentBytesMax),
            block.segmentBytes % UInt64(Layout.pageBytes) == 0
        else {
            throw .corrupt(
                "superblock: segment size \(block.segmentBytes) is not a page multiple in the allowed range", at: offset
            )
        }
        return block
    }
}

func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
}
