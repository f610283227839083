import Testing

@testable import KeelLog

/// Golden bytes of every on-disk structure of the data file.
///
/// The hex dumps and field tables below are pinned by `FORMAT.md`: each field's offset, size and value
/// was checked by hand against the tables there. A change to any of them is a change to the format and
/// must update `FORMAT.md`, `Layout` and this file together (and, when a version-1 reader would notice,
/// `Layout.formatVersion`). Field values are read back with `le`, a little-endian reader written here,
/// so the tests do not trust the decoders they test.
@Suite struct FormatGoldenTests {
    // MARK: - Fixed inputs

    static let fileID: UInt64 = 0x0123_4567_89AB_CDEF
    static let salt: UInt64 = 0x1122_3344_5566_7788
    static let segmentBytes: UInt64 = 1 << 20
    /// Absolute offset of byte 64 of slot 3 with 1 MiB segments: 8192 + 3 * 1048576 + 64.
    static let checkpointOffset: UInt64 = 3_153_984

    static let superblock = Superblock(
        sequence: 7, fileID: fileID, segmentBytes: segmentBytes, headSlot: 3, headSegmentID: 9,
        checkpointOffset: checkpointOffset, checkpointLSN: 1001)

    static let segmentHeader = SegmentHeader(
        slot: 3, segmentID: 9, salt: salt, firstLSN: 1001, fileID: fileID, flags: 0)

    /// Two records, LSNs 1001 and 1003 (a gap, as compaction leaves), stored raw.
    static func plainBlock() -> (header: BlockHeader, bytes: [UInt8]) {
        var builder = BlockBuilder()
        add(&builder, lsn: 1001, key: "wf-a", payload: Array("hello".utf8))
        add(&builder, lsn: 1003, key: "wf-b", payload: Array("world!".utf8))
        var bytes: [UInt8] = []
        let header = builder.finish(
            kind: .records, flags: [.afterSync, .writeEnd], writeSequence: 42, salt: salt, compress: false, into: &bytes
        )
        return (header, bytes)
    }

    /// The payload of the one record of `compressedBlock()`: "keel" sixty times.
    static let repetitivePayload = Array(String(repeating: "keel", count: 60).utf8)

    /// One record of 256 raw bytes, which LZ4 shrinks to 31.
    static func compressedBlock() -> (header: BlockHeader, bytes: [UInt8]) {
        var builder = BlockBuilder()
        add(&builder, lsn: 1004, key: "wf-a", payload: repetitivePayload)
        var bytes: [UInt8] = []
        let header = builder.finish(
            kind: .records, flags: [.writeEnd], writeSequence: 43, salt: salt, compress: true, into: &bytes)
        return (header, bytes)
    }

    static let indexEntries = [
        IndexEntry(stream: 0xA1, blockOffset: 64, recordCount: 2),
        IndexEntry(stream: 0xA1, blockOffset: 4096, recordCount: 1),
        IndexEntry(stream: 0xB2, blockOffset: 64, recordCount: 1),
    ]
    static let lsnEntries = [LSNEntry(firstLSN: 1001, blockOffset: 64), LSNEntry(firstLSN: 1500, blockOffset: 70_000)]

    static func indexRegion() -> [UInt8] {
        IndexRegion.encode(segmentID: 9, salt: salt, blocksEnd: 80_000, entries: indexEntries, lsnEntries: lsnEntries)
    }

    static let checkpoint = Checkpoint(
        nextLSN: 1001, nextSegmentID: 10, nextWriteSequence: 43,
        segments: [
            SegmentDescriptor(
                slot: 1, flags: 0, segmentID: 4, salt: 0xAAAA_BBBB_CCCC_DDDD, firstLSN: 1, lastLSN: 500,
                blocksEnd: 70_000, indexOffset: 73_728, indexBytes: 4_160, recordCount: 500, deadRecordCount: 20),
            SegmentDescriptor(
                slot: 2, flags: 1, segmentID: 8, salt: 0x0102_0304_0506_0708, firstLSN: 501, lastLSN: 1000,
                blocksEnd: 30_000, indexOffset: 32_768, indexBytes: 1_024, recordCount: 300, deadRecordCount: 0),
        ],
        // Given out of order; the encoding sorts by (low, high).
        dead: [
            StreamIdentity(low: 5, high: 9): 1, StreamIdentity(low: 5, high: 2): 2,
            StreamIdentity(low: 3, high: 0xFFFF): 1,
        ])

    static func checkpointBlock() -> (header: BlockHeader, bytes: [UInt8]) {
        var builder = BlockBuilder()
        builder.setCheckpoint(payload: checkpoint.encoded(), nextLSN: 1001)
        var bytes: [UInt8] = []
        let header = builder.finish(
            kind: .checkpoint, flags: [.afterSync, .writeEnd], writeSequence: 43, salt: salt, compress: false,
            into: &bytes)
        return (header, bytes)
    }

    // MARK: - Golden bytes

    /// Bytes 0..<80 of the superblock; 80..<4088 are zero; the checksum follows.
    static let superblockGolden = """
        0000: 4b 45 45 4c 46 49 4c 45  01 00 00 00 00 10 00 00
        0010: 07 00 00 00 00 00 00 00  ef cd ab 89 67 45 23 01
        0020: 00 00 10 00 00 00 00 00  00 20 00 00 00 00 00 00
        0030: 03 00 00 00 00 00 00 00  09 00 00 00 00 00 00 00
        0040: 40 20 30 00 00 00 00 00  e9 03 00 00 00 00 00 00
        """
    static let superblockChecksumGolden: UInt64 = 0x84C0_1178_4A25_1F09

    static let segmentHeaderGolden = """
        0000: 4b 45 45 4c 53 45 47 4d  01 00 00 00 03 00 00 00
        0010: 09 00 00 00 00 00 00 00  88 77 66 55 44 33 22 11
        0020: e9 03 00 00 00 00 00 00  ef cd ab 89 67 45 23 01
        0030: 00 00 00 00 00 00 00 00  28 f3 f6 a6 83 ab 2a 1b
        """

    /// Header (56), two records (21 + 22 raw bytes), five bytes of padding to 104.
    static let plainBlockGolden = """
        0000: d2 99 a7 18 a0 ef a4 8e  4b 42 4c 4b 01 00 03 00
        0010: e9 03 00 00 00 00 00 00  eb 03 00 00 00 00 00 00
        0020: 2a 00 00 00 00 00 00 00  02 00 00 00 2b 00 00 00
        0030: 2b 00 00 00 00 00 00 00  00 00 00 00 04 00 00 00
        0040: 05 00 00 00 77 66 2d 61  68 65 6c 6c 6f 02 00 00
        0050: 00 04 00 00 00 06 00 00  00 77 66 2d 62 77 6f 72
        0060: 6c 64 21 00 00 00 00 00
        """

    /// Header (56) and an LZ4 block of 31 bytes (as liblz4's `LZ4_compress_default` writes it), padded to
    /// 88. Its two sequences: token 0xff, extra literal length 0x05 (15 + 5 = 20 literals: record header,
    /// key, "keel"), match offset 0x0004, extra match length 0xd4 (15 + 212 + 4 = 231 bytes); then the
    /// last-literals token 0x50 and "lkeel". 20 + 231 + 5 = 256 raw bytes.
    static let compressedBlockGolden = """
        0000: de 14 3f 1d f7 cd 33 05  4b 42 4c 4b 01 01 02 00
        0010: ec 03 00 00 00 00 00 00  ec 03 00 00 00 00 00 00
        0020: 2b 00 00 00 00 00 00 00  01 00 00 00 00 01 00 00
        0030: 1f 00 00 00 00 00 00 00  ff 05 00 00 00 00 04 00
        0040: 00 00 f0 00 00 00 77 66  2d 61 6b 65 65 6c 04 00
        0050: d4 50 6c 6b 65 65 6c 00
        """

    /// Header (64), three stream entries (16 each), two LSN entries (16 each).
    static let indexGolden = """
        0000: 4b 45 45 4c 49 4e 44 58  01 00 00 00 00 00 00 00
        0010: 09 00 00 00 00 00 00 00  03 00 00 00 00 00 00 00
        0020: 02 00 00 00 00 00 00 00  80 38 01 00 00 00 00 00
        0030: d4 94 e1 1f 2e eb 98 30  84 9a d2 63 cb 52 6e e4
        0040: a1 00 00 00 00 00 00 00  40 00 00 00 02 00 00 00
        0050: a1 00 00 00 00 00 00 00  00 10 00 00 01 00 00 00
        0060: b2 00 00 00 00 00 00 00  40 00 00 00 01 00 00 00
        0070: e9 03 00 00 00 00 00 00  40 00 00 00 00 00 00 00
        0080: dc 05 00 00 00 00 00 00  70 11 01 00 00 00 00 00
        """

    /// Fixed part (48), two segment descriptors (80 each), three dead entries (20 each).
    static let checkpointGolden = """
        0000: 01 00 00 00 02 00 00 00  03 00 00 00 00 00 00 00
        0010: e9 03 00 00 00 00 00 00  0a 00 00 00 00 00 00 00
        0020: 2b 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
        0030: 01 00 00 00 00 00 00 00  04 00 00 00 00 00 00 00
        0040: dd dd cc cc bb bb aa aa  01 00 00 00 00 00 00 00
        0050: f4 01 00 00 00 00 00 00  70 11 01 00 00 00 00 00
        0060: 00 20 01 00 00 00 00 00  40 10 00 00 00 00 00 00
        0070: f4 01 00 00 00 00 00 00  14 00 00 00 00 00 00 00
        0080: 02 00 00 00 01 00 00 00  08 00 00 00 00 00 00 00
        0090: 08 07 06 05 04 03 02 01  f5 01 00 00 00 00 00 00
        00a0: e8 03 00 00 00 00 00 00  30 75 00 00 00 00 00 00
        00b0: 00 80 00 00 00 00 00 00  00 04 00 00 00 00 00 00
        00c0: 2c 01 00 00 00 00 00 00  00 00 00 00 00 00 00 00
        00d0: 03 00 00 00 00 00 00 00  ff ff 00 00 00 00 00 00
        00e0: 01 00 00 00 05 00 00 00  00 00 00 00 02 00 00 00
        00f0: 00 00 00 00 02 00 00 00  05 00 00 00 00 00 00 00
        0100: 09 00 00 00 00 00 00 00  01 00 00 00
        """

    /// The 56-byte header of the checkpoint block holding `checkpointGolden` (268 bytes, padded to 328).
    static let checkpointBlockHeaderGolden = """
        0000: 5c cf b2 6d e6 7d 41 82  4b 42 4c 4b 02 00 03 00
        0010: e9 03 00 00 00 00 00 00  e8 03 00 00 00 00 00 00
        0020: 2b 00 00 00 00 00 00 00  00 00 00 00 0c 01 00 00
        0030: 0c 01 00 00 00 00 00 00
        """

    // MARK: - Sizes, magics, algorithms

    @Test func layoutConstantsMatchTheDocumentedSizes() {
        #expect(Layout.formatVersion == 1)
        #expect(Layout.pageBytes == 4096)
        #expect(Layout.superblockBytes == 4096)
        #expect(Layout.superblockCopies == 2)
        #expect(Layout.dataOffset == 8192)
        #expect(Layout.segmentHeaderBytes == 64)
        #expect(Layout.blockHeaderBytes == 56)
        #expect(Layout.blockAlignment == 8)
        #expect(Layout.recordHeaderBytes == 12)
        #expect(Layout.indexHeaderBytes == 64)
        #expect(Layout.indexEntryBytes == 16)
        #expect(Layout.lsnEntryBytes == 16)
        #expect(Layout.lsnIndexWindowBytes == 65_536)
        #expect(Layout.checkpointHeaderBytes == 48)
        #expect(Layout.segmentDescriptorBytes == 80)
        #expect(Layout.deadEntryBytes == 20)
        #expect(LogOptions.segmentBytesMin == 1 << 20)
        #expect(LogOptions.segmentBytesMax == 1 << 30)
    }

    @Test func encodedStructuresHaveTheLayoutSizes() {
        #expect(Self.superblock.encoded().count == Layout.superblockBytes)
        #expect(Self.segmentHeader.encoded().count == Layout.segmentHeaderBytes)
        let plain = Self.plainBlock()
        let recordBytes = 2 * Layout.recordHeaderBytes + 4 + 5 + 4 + 6
        #expect(Int(plain.header.rawBytes) == recordBytes)
        #expect(plain.bytes.count == plain.header.totalBytes)
        #expect(plain.bytes.count == (Layout.blockHeaderBytes + recordBytes + 7) / 8 * 8)
        #expect(Self.compressedBlock().bytes.count == (Layout.blockHeaderBytes + 31 + 7) / 8 * 8)
        #expect(
            Self.indexRegion().count == Layout.indexHeaderBytes + 3 * Layout.indexEntryBytes + 2 * Layout.lsnEntryBytes)
        #expect(IndexRegion.byteCount(entries: 0, lsnEntries: 0) == Layout.indexHeaderBytes)
        #expect(
            Self.checkpoint.encoded().count
                == Layout.checkpointHeaderBytes + 2 * Layout.segmentDescriptorBytes + 3 * Layout.deadEntryBytes)
        let empty = Checkpoint(nextLSN: 1, nextSegmentID: 2, nextWriteSequence: 2, segments: [], dead: [:])
        #expect(empty.encoded().count == Layout.checkpointHeaderBytes)
    }

    @Test func magicNumbersAndSeedsSpellTheirNamesInFileOrder() {
        #expect(ascii(Layout.superblockMagic) == "KEELFILE")
        #expect(ascii(Layout.segmentMagic) == "KEELSEGM")
        #expect(ascii(Layout.indexMagic) == "KEELINDX")
        #expect(ascii(UInt64(Layout.blockMagic)).prefix(4) == "KBLK")
        #expect(ascii(Layout.superblockSeed) == "KEELSUPR")
        #expect(ascii(Layout.segmentHeaderSeed) == "KEELSEGH")
    }

    /// The published XXH3 answers for the empty input pin the algorithm (not XXH64, not another seed
    /// convention); the identity of a sample key pins XXH3-128 with the default secret and seed 0.
    @Test func checksumsAreXXH3AndIdentitiesAreXXH3128OfTheKey() {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(Codec.checksum(empty, seed: 0) == 0x2D06_8005_38D3_94C2)
        let emptyIdentity = Codec.hash128(empty)
        #expect(emptyIdentity.low == 0x6001_C324_468D_497F)
        #expect(emptyIdentity.high == 0x99AA_06D3_0147_98D8)
        let identity = StreamKey("wf-a").identity
        #expect(identity.low == 0x0AFA_894B_6C30_9D18)
        #expect(identity.high == 0x3CA6_D613_C159_8132)
    }

    // MARK: - Superblock

    @Test func superblockEncodesToTheGoldenBytes() throws {
        let bytes = Self.superblock.encoded()
        let golden = hexBytes(Self.superblockGolden)
        #expect(Array(bytes[0..<80]) == golden, "actual:\n\(hexDump(Array(bytes[0..<80])))")
        #expect(bytes[80..<4088].allSatisfy { $0 == 0 })
        #expect(le(bytes, 4088, 8) == Self.superblockChecksumGolden, "actual \(hex(le(bytes, 4088, 8)))")
        let decoded = try bytes.withBytes { buffer throws(LogError) in try Superblock.decode(buffer, offset: 4096) }
        #expect(decoded == Self.superblock)
        #expect(decoded.copyIndex == 1)
    }

    @Test func superblockFieldsSitAtTheDocumentedOffsets() {
        let bytes = Self.superblock.encoded()
        let checksum = bytes.withUnsafeBytes {
            Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<4088]), seed: Layout.superblockSeed)
        }
        expectFields(
            bytes,
            [
                ("magic", 0, 8, Layout.superblockMagic),
                ("formatVersion", 8, 4, 1),
                ("superblockBytes", 12, 4, 4096),
                ("sequence", 16, 8, 7),
                ("fileID", 24, 8, Self.fileID),
                ("segmentBytes", 32, 8, 1 << 20),
                ("dataOffset", 40, 8, 8192),
                ("headSlot", 48, 4, 3),
                ("reserved", 52, 4, 0),
                ("headSegmentID", 56, 8, 9),
                ("checkpointOffset", 64, 8, Self.checkpointOffset),
                ("checkpointLSN", 72, 8, 1001),
                ("checksum", 4088, 8, checksum),
            ])
    }

    @Test func superblockSequenceChoosesTheCopy() {
        for sequence: UInt64 in [1, 2, 3, 100, 101] {
            var superblock = Self.superblock
            superblock.sequence = sequence
            #expect(superblock.copyIndex == Int(sequence % 2))
        }
    }

    @Test func flippingAnySuperblockByteIsDetected() {
        let bytes = Self.superblock.encoded()
        var undetected: [String] = []
        for index in 0..<bytes.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[index] ^= mask
                let threw = damaged.withUnsafeBytes { buffer in
                    (try? Superblock.decode(buffer, offset: 0)) == nil
                }
                if !threw { undetected.append("byte \(index) ^ \(mask)") }
            }
        }
        #expect(undetected.isEmpty, "undetected: \(undetected.prefix(10))")
    }

    // MARK: - Segment header

    @Test func segmentHeaderEncodesToTheGoldenBytes() throws {
        let bytes = Self.segmentHeader.encoded()
        #expect(bytes == hexBytes(Self.segmentHeaderGolden), "actual:\n\(hexDump(bytes))")
        let checksum = bytes.withUnsafeBytes {
            Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<56]), seed: Layout.segmentHeaderSeed)
        }
        expectFields(
            bytes,
            [
                ("magic", 0, 8, Layout.segmentMagic),
                ("formatVersion", 8, 4, 1),
                ("slot", 12, 4, 3),
                ("segmentID", 16, 8, 9),
                ("salt", 24, 8, Self.salt),
                ("firstLSN", 32, 8, 1001),
                ("fileID", 40, 8, Self.fileID),
                ("flags", 48, 4, 0),
                ("reserved", 52, 4, 0),
                ("checksum", 56, 8, checksum),
            ])
        let decoded = try bytes.withBytes { buffer throws(LogError) in try SegmentHeader.decode(buffer, offset: 0) }
        #expect(decoded == Self.segmentHeader)
    }

    @Test func compactedSegmentsSetFlagBitZero() {
        var header = Self.segmentHeader
        header.flags = SegmentHeader.compactedFlag
        #expect(SegmentHeader.compactedFlag == 1)
        #expect(le(header.encoded(), 48, 4) == 1)
    }

    @Test func flippingAnySegmentHeaderByteIsDetected() {
        let bytes = Self.segmentHeader.encoded()
        for index in 0..<bytes.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[index] ^= mask
                let threw = damaged.withUnsafeBytes { (try? SegmentHeader.decode($0, offset: 0)) == nil }
                #expect(threw, "segment header byte \(index) ^ \(mask) went undetected")
            }
        }
    }

    // MARK: - Blocks and records

    @Test func uncompressedBlockEncodesToTheGoldenBytes() throws {
        let (header, bytes) = Self.plainBlock()
        #expect(bytes == hexBytes(Self.plainBlockGolden), "actual:\n\(hexDump(bytes))")
        let checksum = bytes.withUnsafeBytes {
            Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[8..<99]), seed: Self.salt)
        }
        expectFields(
            bytes,
            [
                ("checksum", 0, 8, checksum),
                ("magic", 8, 4, UInt64(Layout.blockMagic)),
                ("kind", 12, 1, 1),
                ("codec", 13, 1, 0),
                ("flags", 14, 2, 3),
                ("firstLSN", 16, 8, 1001),
                ("lastLSN", 24, 8, 1003),
                ("writeSequence", 32, 8, 42),
                ("recordCount", 40, 4, 2),
                ("rawBytes", 44, 4, 43),
                ("storedBytes", 48, 4, 43),
                ("reserved", 52, 4, 0),
                // Record 0 at payload offset 0 (file offset 56): delta, key length, reserved, payload length.
                ("record 0 lsnDelta", 56, 4, 0),
                ("record 0 keyBytes", 60, 2, 4),
                ("record 0 reserved", 62, 2, 0),
                ("record 0 payloadBytes", 64, 4, 5),
                // Record 1 at payload offset 21 (12 + 4 + 5).
                ("record 1 lsnDelta", 77, 4, 2),
                ("record 1 keyBytes", 81, 2, 4),
                ("record 1 reserved", 83, 2, 0),
                ("record 1 payloadBytes", 85, 4, 6),
            ])
        #expect(Array(bytes[68..<72]) == Array("wf-a".utf8))
        #expect(Array(bytes[72..<77]) == Array("hello".utf8))
        #expect(Array(bytes[89..<93]) == Array("wf-b".utf8))
        #expect(Array(bytes[93..<99]) == Array("world!".utf8))
        #expect(bytes[99..<104].allSatisfy { $0 == 0 }, "padding is zero")

        let records = try decodeRecords(bytes)
        #expect(header.codec == .none)
        #expect(records.map(\.lsn) == [1001, 1003])
        #expect(records.map(\.key) == [Array("wf-a".utf8), Array("wf-b".utf8)])
        #expect(records.map(\.payload) == [Array("hello".utf8), Array("world!".utf8)])
    }

    @Test func compressedBlockEncodesToTheGoldenBytes() throws {
        let (header, bytes) = Self.compressedBlock()
        #expect(bytes == hexBytes(Self.compressedBlockGolden), "actual:\n\(hexDump(bytes))")
        let checksum = bytes.withUnsafeBytes {
            Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[8..<87]), seed: Self.salt)
        }
        expectFields(
            bytes,
            [
                ("checksum", 0, 8, checksum),
                ("magic", 8, 4, UInt64(Layout.blockMagic)),
                ("kind", 12, 1, 1),
                ("codec", 13, 1, 1),
                ("flags", 14, 2, 2),
                ("firstLSN", 16, 8, 1004),
                ("lastLSN", 24, 8, 1004),
                ("writeSequence", 32, 8, 43),
                ("recordCount", 40, 4, 1),
                ("rawBytes", 44, 4, 256),
                ("storedBytes", 48, 4, 31),
                ("reserved", 52, 4, 0),
            ])
        #expect(header.codec == .lz4)
        // Compression was kept because it saves at least an eighth: 31 < 256 - 256 / 8.
        #expect(Int(header.storedBytes) < Int(header.rawBytes) - Int(header.rawBytes) / 8)
        let records = try decodeRecords(bytes)
        #expect(records.count == 1)
        #expect(records.first?.lsn == 1004)
        #expect(records.first?.key == Array("wf-a".utf8))
        #expect(records.first?.payload == Self.repetitivePayload)
    }

    /// The one-eighth rule is the writer's choice; a reader takes any LZ4 block that decompresses to
    /// exactly `rawBytes`, here one made of a single literal run (larger than the raw payload).
    @Test func readerAcceptsAnyLZ4BlockOfTheRightSize() throws {
        var builder = BlockBuilder()
        add(&builder, lsn: 7, key: "k", payload: Array("abc".utf8))
        let raw = builder.raw
        #expect(raw.count == 16)
        let lz4: [UInt8] = [0xF0, 0x01] + raw  // Token: 15 + 1 = 16 literals, no match (last sequence).
        var header = BlockHeader(
            kind: .records, codec: .lz4, flags: [.writeEnd], firstLSN: 7, lastLSN: 7, writeSequence: 1, recordCount: 1,
            rawBytes: UInt32(raw.count), storedBytes: UInt32(lz4.count))
        let bytes = sealedBlock(header, payload: lz4, salt: Self.salt)
        let records = try decodeRecords(bytes)
        #expect(records.first?.payload == Array("abc".utf8))

        header.rawBytes += 1
        let wrongSize = sealedBlock(header, payload: lz4, salt: Self.salt)
        #expect(throws: LogError.self) { try decodeRecords(wrongSize) }
    }

    @Test func compressionIsKeptOnlyWhenItSavesAnEighth() {
        // Under 64 raw bytes a block is never compressed, however repetitive.
        var small = BlockBuilder()
        add(&small, lsn: 1, key: "k", payload: [UInt8](repeating: 0, count: 40))
        var bytes: [UInt8] = []
        #expect(
            small.finish(kind: .records, flags: [], writeSequence: 1, salt: 0, compress: true, into: &bytes).codec
                == .none)

        // Bytes LZ4 cannot shrink are stored raw.
        var generator = SplitMix64(seed: 7)
        var noisy = BlockBuilder()
        add(&noisy, lsn: 1, key: "k", payload: (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        bytes.removeAll()
        let noisyHeader = noisy.finish(
            kind: .records, flags: [], writeSequence: 1, salt: 0, compress: true, into: &bytes)
        #expect(noisyHeader.codec == .none)
        #expect(noisyHeader.storedBytes == noisyHeader.rawBytes)

        // Compression off: raw even when it would pay.
        var off = BlockBuilder()
        add(&off, lsn: 1, key: "k", payload: [UInt8](repeating: 0, count: 4096))
        bytes.removeAll()
        #expect(
            off.finish(kind: .records, flags: [], writeSequence: 1, salt: 0, compress: false, into: &bytes).codec
                == .none)
    }

    @Test func checkpointBlockEncodesToTheGoldenHeader() throws {
        let (header, bytes) = Self.checkpointBlock()
        #expect(
            Array(bytes[0..<56]) == hexBytes(Self.checkpointBlockHeaderGolden),
            "actual:\n\(hexDump(Array(bytes[0..<56])))")
        #expect(Array(bytes[56..<324]) == Self.checkpoint.encoded())
        #expect(bytes.count == 328)
        #expect(bytes[324..<328].allSatisfy { $0 == 0 })
        expectFields(
            bytes,
            [
                ("kind", 12, 1, 2),
                ("codec", 13, 1, 0),
                ("flags", 14, 2, 3),
                ("firstLSN = nextLSN", 16, 8, 1001),
                ("lastLSN = nextLSN - 1", 24, 8, 1000),
                ("writeSequence", 32, 8, 43),
                ("recordCount", 40, 4, 0),
                ("rawBytes", 44, 4, 268),
                ("storedBytes", 48, 4, 268),
            ])
        let validated = try bytes.withBytes { buffer throws(LogError) in
            try Block.validate(buffer, salt: Self.salt, offset: 0, payloadBytesMax: 1 << 20)
        }
        #expect(validated == header)
    }

    @Test func flippingAnyChecksummedBlockByteIsDetected() {
        for (name, block) in [
            ("plain", Self.plainBlock()), ("lz4", Self.compressedBlock()), ("checkpoint", Self.checkpointBlock()),
        ] {
            let covered = Layout.blockHeaderBytes + Int(block.header.storedBytes)
            for index in 0..<covered {
                for mask: UInt8 in [0x01, 0x80, 0xFF] {
                    var damaged = block.bytes
                    damaged[index] ^= mask
                    let threw = damaged.withUnsafeBytes {
                        (try? Block.validate($0, salt: Self.salt, offset: 0, payloadBytesMax: 1 << 20)) == nil
                    }
                    #expect(threw, "\(name) block byte \(index) ^ \(mask) went undetected")
                }
            }
            // Padding is outside the checksum and ignored by readers.
            for index in covered..<block.bytes.count {
                var padded = block.bytes
                padded[index] = 0xEE
                let header = padded.withUnsafeBytes {
                    try? Block.validate($0, salt: Self.salt, offset: 0, payloadBytesMax: 1 << 20)
                }
                #expect(header == block.header, "\(name) block padding byte \(index) should not be checked")
            }
        }
    }

    /// Bytes another segment left in a reused slot were checksummed under that segment's salt.
    @Test func blocksOnlyValidateUnderTheirSegmentSalt() {
        let bytes = Self.plainBlock().bytes
        let threw = bytes.withUnsafeBytes {
            (try? Block.validate($0, salt: Self.salt ^ 1, offset: 0, payloadBytesMax: 1 << 20)) == nil
        }
        #expect(threw)
        let index = Self.indexRegion()
        #expect(throws: LogError.self) {
            try IndexRegion(region: mapped(index), salt: Self.salt ^ 1, segmentID: 9, offset: 0)
        }
    }

    /// A version-1 reader refuses what a later version may add, even under a valid checksum.
    @Test func unknownKindsCodecsFlagsAndReservedBitsAreRefused() {
        let (header, bytes) = Self.plainBlock()
        let payload = Array(bytes[56..<99])
        let cases: [(String, (inout [UInt8]) -> Void, String)] = [
            ("kind 3", { $0[12] = 3 }, "unknown kind 3"),
            ("kind 0", { $0[12] = 0 }, "unknown kind 0"),
            ("codec 2", { $0[13] = 2 }, "unknown codec 2"),
            ("flag bit 2", { $0[14] |= 0x04 }, "unknown flags 7"),
            ("flag bit 15", { $0[15] |= 0x80 }, "unknown flags"),
            ("reserved", { $0[52] = 1 }, "nonzero reserved field"),
            ("magic", { $0[8] = 0 }, "expected magic KBLK"),
        ]
        for (name, change, expected) in cases {
            var changed = sealedBlock(header, payload: payload, salt: Self.salt)
            change(&changed)
            reseal(&changed, salt: Self.salt)
            let error = thrownError(changed) { buffer throws(LogError) in
                _ = try Block.validate(buffer, salt: Self.salt, offset: 0, payloadBytesMax: 1 << 20)
            }
            #expect(error?.code == .corrupt, "\(name)")
            #expect(error?.message.contains(expected) == true, "\(name): \(error?.message ?? "accepted")")
        }
    }

    @Test func recordRulesAreEnforcedUnderAValidChecksum() {
        func record(delta: UInt32, key: [UInt8], reserved: UInt16 = 0, payload: [UInt8]) -> [UInt8] {
            var writer = ByteWriter()
            writer.u32(delta)
            writer.u16(UInt16(key.count))
            writer.u16(reserved)
            writer.u32(UInt32(payload.count))
            writer.append(key)
            writer.append(payload)
            return writer.bytes
        }
        let a = Array("a".utf8)
        let cases: [(String, [UInt8], recordCount: UInt32, lastLSN: UInt64, String)] = [
            ("first delta not 0", record(delta: 1, key: a, payload: []), 1, 11, "first record LSN delta is 1"),
            (
                "deltas not increasing", record(delta: 0, key: a, payload: []) + record(delta: 0, key: a, payload: []),
                2, 11, "does not increase"
            ),
            ("empty key", record(delta: 0, key: [], payload: [1]), 1, 10, "does not fit"),
            ("reserved", record(delta: 0, key: a, reserved: 1, payload: []), 1, 10, "does not fit"),
            ("bytes left over", record(delta: 0, key: a, payload: []) + [0], 1, 10, "bytes left after"),
            ("payload past end", Array(record(delta: 0, key: a, payload: [1, 2]).dropLast()), 1, 10, "does not fit"),
            (
                "last delta disagrees", record(delta: 0, key: a, payload: []) + record(delta: 1, key: a, payload: []),
                2, 12, "header says 12"
            ),
        ]
        for (name, raw, count, lastLSN, expected) in cases {
            let header = BlockHeader(
                kind: .records, codec: .none, flags: [], firstLSN: 10, lastLSN: lastLSN, writeSequence: 1,
                recordCount: count,
                rawBytes: UInt32(raw.count), storedBytes: UInt32(raw.count))
            let bytes = sealedBlock(header, payload: raw, salt: Self.salt)
            var message = "accepted"
            do { _ = try decodeRecords(bytes) } catch { message = error.message }
            #expect(message.contains(expected), "\(name): \(message)")
        }
    }

    @Test func blockHeaderLSNRulesDependOnTheKind() {
        let cases: [(String, BlockHeader)] = [
            (
                "records without records",
                BlockHeader(
                    kind: .records, codec: .none, flags: [], firstLSN: 5, lastLSN: 5, writeSequence: 1, recordCount: 0,
                    rawBytes: 0, storedBytes: 0)
            ),
            (
                "records at LSN 0",
                BlockHeader(
                    kind: .records, codec: .none, flags: [], firstLSN: 0, lastLSN: 0, writeSequence: 1, recordCount: 1,
                    rawBytes: 0, storedBytes: 0)
            ),
            (
                "range too short",
                BlockHeader(
                    kind: .records, codec: .none, flags: [], firstLSN: 5, lastLSN: 6, writeSequence: 1, recordCount: 3,
                    rawBytes: 0, storedBytes: 0)
            ),
            (
                "range over 2^32",
                BlockHeader(
                    kind: .records, codec: .none, flags: [], firstLSN: 1, lastLSN: 1 + (1 << 32), writeSequence: 1,
                    recordCount: 2, rawBytes: 0, storedBytes: 0)
            ),
            (
                "checkpoint with records",
                BlockHeader(
                    kind: .checkpoint, codec: .none, flags: [], firstLSN: 5, lastLSN: 4, writeSequence: 1,
                    recordCount: 1, rawBytes: 0, storedBytes: 0)
            ),
            (
                "checkpoint with a range",
                BlockHeader(
                    kind: .checkpoint, codec: .none, flags: [], firstLSN: 5, lastLSN: 5, writeSequence: 1,
                    recordCount: 0, rawBytes: 0, storedBytes: 0)
            ),
            (
                "raw size differs uncompressed",
                BlockHeader(
                    kind: .checkpoint, codec: .none, flags: [], firstLSN: 5, lastLSN: 4, writeSequence: 1,
                    recordCount: 0, rawBytes: 8, storedBytes: 0)
            ),
        ]
        for (name, header) in cases {
            let bytes = sealedBlock(header, payload: [], salt: Self.salt)
            let threw = bytes.withUnsafeBytes { (try? BlockHeader.decode($0, offset: 0)) == nil }
            #expect(threw, "\(name) was accepted")
        }
    }

    // MARK: - Index region

    @Test func indexRegionEncodesToTheGoldenBytes() throws {
        let bytes = Self.indexRegion()
        #expect(bytes == hexBytes(Self.indexGolden), "actual:\n\(hexDump(bytes))")
        let (bodySum, headerSum) = bytes.withUnsafeBytes { buffer in
            (
                Codec.checksum(UnsafeRawBufferPointer(rebasing: buffer[64...]), seed: Self.salt),
                Codec.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<56]), seed: Self.salt)
            )
        }
        expectFields(
            bytes,
            [
                ("magic", 0, 8, Layout.indexMagic),
                ("formatVersion", 8, 4, 1),
                ("reserved", 12, 4, 0),
                ("segmentID", 16, 8, 9),
                ("entryCount", 24, 8, 3),
                ("lsnEntryCount", 32, 8, 2),
                ("blocksEnd", 40, 8, 80_000),
                ("bodyChecksum", 48, 8, bodySum),
                ("headerChecksum", 56, 8, headerSum),
                ("entry 0 stream", 64, 8, 0xA1),
                ("entry 0 blockOffset", 72, 4, 64),
                ("entry 0 recordCount", 76, 4, 2),
                ("entry 1 stream", 80, 8, 0xA1),
                ("entry 1 blockOffset", 88, 4, 4096),
                ("entry 1 recordCount", 92, 4, 1),
                ("entry 2 stream", 96, 8, 0xB2),
                ("entry 2 blockOffset", 104, 4, 64),
                ("entry 2 recordCount", 108, 4, 1),
                ("lsn 0 firstLSN", 112, 8, 1001),
                ("lsn 0 blockOffset", 120, 8, 64),
                ("lsn 1 firstLSN", 128, 8, 1500),
                ("lsn 1 blockOffset", 136, 8, 70_000),
            ])
        let index = try IndexRegion(region: mapped(bytes), salt: Self.salt, segmentID: 9, offset: 0)
        #expect(index.entries(for: 0xA1) == Array(Self.indexEntries[0..<2]))
        #expect(index.entries(for: 0xB2) == [Self.indexEntries[2]])
        #expect(index.scanStart(for: 1000) == 64)
        #expect(index.scanStart(for: 1499) == 64)
        #expect(index.scanStart(for: 1500) == 70_000)
    }

    @Test func flippingAnyIndexByteIsDetected() {
        let bytes = Self.indexRegion()
        for index in 0..<bytes.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[index] ^= mask
                let threw = (try? IndexRegion(region: mapped(damaged), salt: Self.salt, segmentID: 9, offset: 0)) == nil
                #expect(threw, "index byte \(index) ^ \(mask) went undetected")
            }
        }
    }

    @Test func indexEntriesMustBeSortedAndInRange() {
        let cases: [(String, [IndexEntry], [LSNEntry])] = [
            ("streams out of order", [Self.indexEntries[2], Self.indexEntries[0]], []),
            ("offsets out of order", [Self.indexEntries[1], Self.indexEntries[0]], []),
            ("duplicate entry", [Self.indexEntries[0], Self.indexEntries[0]], []),
            ("offset past blocksEnd", [IndexEntry(stream: 1, blockOffset: 80_000, recordCount: 1)], []),
            ("zero records", [IndexEntry(stream: 1, blockOffset: 64, recordCount: 0)], []),
            ("LSNs not increasing", [], [Self.lsnEntries[1], Self.lsnEntries[0]]),
            ("LSN offset past blocksEnd", [], [LSNEntry(firstLSN: 1, blockOffset: 80_000)]),
        ]
        for (name, entries, lsnEntries) in cases {
            let bytes = IndexRegion.encode(
                segmentID: 9, salt: Self.salt, blocksEnd: 80_000, entries: entries, lsnEntries: lsnEntries)
            let threw = (try? IndexRegion(region: mapped(bytes), salt: Self.salt, segmentID: 9, offset: 0)) == nil
            #expect(threw, "\(name) was accepted")
        }
    }

    @Test func lsnEntriesKeepTheFirstRecordsBlockOfEach64KiBWindow() {
        var head = HeadState(slot: 0, segmentID: 1, salt: 0, firstLSN: 1, blocksEnd: 64)
        let starts: [(offset: UInt64, lsn: UInt64)] = [
            (64, 1), (40_000, 10), (65_535, 20), (65_536, 30), (70_000, 40), (200_000, 50), (262_144, 60),
        ]
        for start in starts {
            let header = BlockHeader(
                kind: .records, codec: .none, flags: [], firstLSN: start.lsn, lastLSN: start.lsn + 9, writeSequence: 1,
                recordCount: 10, rawBytes: 0, storedBytes: 0)
            head.add(block: header, at: start.offset, counts: [(0xA1, 10)])
        }
        #expect(head.lsnEntries.map(\.blockOffset) == [64, 65_536, 200_000, 262_144])
        #expect(head.lsnEntries.map(\.firstLSN) == [1, 30, 50, 60])
        #expect(head.blockStarts.count == starts.count)
    }

    // MARK: - Checkpoint

    @Test func checkpointEncodesToTheGoldenBytes() throws {
        let bytes = Self.checkpoint.encoded()
        #expect(bytes == hexBytes(Self.checkpointGolden), "actual:\n\(hexDump(bytes))")
        let dead = 48 + 2 * 80
        expectFields(
            bytes,
            [
                ("formatVersion", 0, 4, 1),
                ("segmentCount", 4, 4, 2),
                ("deadCount", 8, 4, 3),
                ("reserved", 12, 4, 0),
                ("nextLSN", 16, 8, 1001),
                ("nextSegmentID", 24, 8, 10),
                ("nextWriteSequence", 32, 8, 43),
                ("reserved", 40, 8, 0),
                ("segment 0 slot", 48, 4, 1),
                ("segment 0 flags", 52, 4, 0),
                ("segment 0 segmentID", 56, 8, 4),
                ("segment 0 salt", 64, 8, 0xAAAA_BBBB_CCCC_DDDD),
                ("segment 0 firstLSN", 72, 8, 1),
                ("segment 0 lastLSN", 80, 8, 500),
                ("segment 0 blocksEnd", 88, 8, 70_000),
                ("segment 0 indexOffset", 96, 8, 73_728),
                ("segment 0 indexBytes", 104, 8, 4_160),
                ("segment 0 recordCount", 112, 8, 500),
                ("segment 0 deadRecordCount", 120, 8, 20),
                ("segment 1 slot", 128, 4, 2),
                ("segment 1 flags", 132, 4, 1),
                ("segment 1 segmentID", 136, 8, 8),
                ("segment 1 firstLSN", 152, 8, 501),
                ("segment 1 deadRecordCount", 200, 8, 0),
                ("dead 0 low", dead, 8, 3),
                ("dead 0 high", dead + 8, 8, 0xFFFF),
                ("dead 0 segments", dead + 16, 4, 1),
                ("dead 1 low", dead + 20, 8, 5),
                ("dead 1 high", dead + 28, 8, 2),
                ("dead 1 segments", dead + 36, 4, 2),
                ("dead 2 low", dead + 40, 8, 5),
                ("dead 2 high", dead + 48, 8, 9),
                ("dead 2 segments", dead + 56, 4, 1),
            ])
        let decoded = try bytes.withBytes { buffer throws(LogError) in try Checkpoint.decode(buffer, offset: 0) }
        #expect(decoded == Self.checkpoint)
    }

    @Test func checkpointDecodingChecksCountsAndSegmentOrder() {
        var reversed = Self.checkpoint
        reversed.segments.reverse()
        var overlapping = Self.checkpoint
        overlapping.segments[1].firstLSN = 500
        var pastNext = Self.checkpoint
        pastNext.segments[1].lastLSN = 1001
        var idTooHigh = Self.checkpoint
        idTooHigh.segments[1].segmentID = 10
        var duplicateDead = Self.checkpoint.encoded()
        duplicateDead.replaceSubrange(228..<248, with: duplicateDead[208..<228])
        let cases: [(String, [UInt8])] = [
            ("segments out of LSN order", reversed.encoded()),
            ("overlapping segments", overlapping.encoded()),
            ("segment past nextLSN", pastNext.encoded()),
            ("segment ID not below nextSegmentID", idTooHigh.encoded()),
            ("one byte short", Array(Self.checkpoint.encoded().dropLast())),
            ("one byte long", Self.checkpoint.encoded() + [0]),
            ("duplicate dead entry", duplicateDead),
        ]
        for (name, bytes) in cases {
            let threw = bytes.withUnsafeBytes { (try? Checkpoint.decode($0, offset: 0)) == nil }
            #expect(threw, "\(name) was accepted")
        }
    }

    // MARK: - Versions

    @Test func unknownVersionsAreRefusedNamingBothVersions() throws {
        var superblock = Self.superblock.encoded()
        setVersion(&superblock, at: 8, to: 2)
        resum(&superblock, range: 0..<4088, at: 4088, seed: Layout.superblockSeed)
        let superblockError = thrownError(superblock) { buffer throws(LogError) in
            _ = try Superblock.decode(buffer, offset: 0)
        }
        #expect(superblockError?.code == .notAKeelFile)
        #expect(superblockError?.message == "superblock: format version 2 is not supported (this build reads 1)")

        var header = Self.segmentHeader.encoded()
        setVersion(&header, at: 8, to: 2)
        resum(&header, range: 0..<56, at: 56, seed: Layout.segmentHeaderSeed)
        let headerError = thrownError(header) { buffer throws(LogError) in
            _ = try SegmentHeader.decode(buffer, offset: 0)
        }
        #expect(headerError?.code == .corrupt)
        #expect(headerError?.message == "segment header: format version 2 is not 1")

        var index = Self.indexRegion()
        setVersion(&index, at: 8, to: 2)
        resum(&index, range: 0..<56, at: 56, seed: Self.salt)
        let indexError = thrownError(index) { buffer throws(LogError) in
            _ = try IndexRegion(region: MappedRegion.copying(buffer), salt: Self.salt, segmentID: 9, offset: 0)
        }
        #expect(indexError?.message.contains("version 2") == true, "\(indexError?.message ?? "accepted")")

        var checkpoint = Self.checkpoint.encoded()
        setVersion(&checkpoint, at: 0, to: 2)
        let checkpointError = thrownError(checkpoint) { buffer throws(LogError) in
            _ = try Checkpoint.decode(buffer, offset: 0)
        }
        #expect(checkpointError?.message == "checkpoint: version 2 is not 1")
    }

    @Test func openRefusesAFileWhoseSuperblocksAreVersion2() throws {
        let disk = SimulatedDisk(seed: 11)
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        try LogStore.open(file: try disk.open("keel.db", create: true), options: options).close()
        var bytes = try #require(disk.durableBytes(of: "keel.db"))
        for copy in 0..<2 {
            let start = copy * 4096
            setVersion(&bytes, at: start + 8, to: 2)
            resum(&bytes, range: start..<(start + 4088), at: start + 4088, seed: Layout.superblockSeed)
        }
        disk.setDurableBytes(bytes, of: "keel.db")
        var message = "opened"
        do {
            let store = try LogStore.open(file: try disk.open("keel.db", create: false), options: options)
            try store.close()
        } catch {
            message = error.message
        }
        #expect(message.contains("format version 2 is not supported (this build reads 1)"), "\(message)")
    }

    // MARK: - Whole files

    @Test func newFileHasTheDocumentedLayout() throws {
        let disk = SimulatedDisk(seed: 12)
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        try LogStore.open(file: try disk.open("keel.db", create: true), options: options).close()
        let file = try #require(disk.durableBytes(of: "keel.db"))
        #expect(file.count == 8192 + (1 << 20))

        // Copy 0 holds sequence 2, copy 1 sequence 1; both name slot 0 and the checkpoint at 8192 + 64.
        for (copy, sequence) in [(0, UInt64(2)), (1, 1)] {
            let superblock = try decodeSuperblock(file, copy: copy)
            #expect(superblock.sequence == sequence)
            #expect(superblock.headSlot == 0)
            #expect(superblock.headSegmentID == 1)
            #expect(superblock.checkpointOffset == 8256)
            #expect(superblock.checkpointLSN == 1)
            #expect(superblock.segmentBytes == 1 << 20)
        }
        let header = try decodeSegmentHeader(file, at: 8192)
        #expect(header.slot == 0)
        #expect(header.segmentID == 1)
        #expect(header.firstLSN == 1)
        #expect(header.flags == 0)
        #expect(header.fileID == (try decodeSuperblock(file, copy: 0)).fileID)

        let (blockHeader, checkpoint) = try decodeCheckpointBlock(file, at: 8256, salt: header.salt)
        #expect(blockHeader.flags == [.afterSync, .writeEnd])
        #expect(blockHeader.codec == .none)
        #expect(blockHeader.writeSequence == 1)
        #expect(blockHeader.totalBytes == 104)
        #expect(checkpoint == Checkpoint(nextLSN: 1, nextSegmentID: 2, nextWriteSequence: 2, segments: [], dead: [:]))
        #expect(file[(8256 + 104)...].allSatisfy { $0 == 0 })
    }

    @Test func sealingPublishesTheDocumentedLayout() throws {
        let disk = SimulatedDisk(seed: 13)
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        options.compression = false
        let store = try LogStore.open(file: try disk.open("keel.db", create: true), options: options)
        let payload = Array("payload".utf8)
        let range = try store.appendBlocking([
            LogRecord(stream: StreamKey("a"), payload: payload), LogRecord(stream: StreamKey("b"), payload: payload),
            LogRecord(stream: StreamKey("a"), payload: payload),
        ])
        #expect(range == LSN(1)...LSN(3))
        try store.sealBlocking()
        try store.close()
        let file = try #require(disk.durableBytes(of: "keel.db"))
        let slot1: UInt64 = 8192 + (1 << 20)
        #expect(file.count == 8192 + 2 * (1 << 20), "sealing grew the file by one slot")

        // Sequence 3 went to copy 1; copy 0 still holds sequence 2.
        let newest = try decodeSuperblock(file, copy: 1)
        #expect(newest.sequence == 3)
        #expect(newest.headSlot == 1)
        #expect(newest.headSegmentID == 2)
        #expect(newest.checkpointOffset == slot1 + 64)
        #expect(newest.checkpointLSN == 4)
        #expect(try decodeSuperblock(file, copy: 0).sequence == 2)

        let oldHead = try decodeSegmentHeader(file, at: 8192)
        let newHead = try decodeSegmentHeader(file, at: Int(slot1))
        #expect(newHead.slot == 1)
        #expect(newHead.segmentID == 2)
        #expect(newHead.firstLSN == 4)
        #expect(newHead.salt != oldHead.salt)

        // The records block follows the creation checkpoint (64 + 104) in slot 0.
        let records = try file.withBytes { buffer throws(LogError) in
            try Block.validate(
                UnsafeRawBufferPointer(rebasing: buffer[(8192 + 168)...]), salt: oldHead.salt, offset: 0,
                payloadBytesMax: 1 << 20)
        }
        #expect(records.flags == [.afterSync, .writeEnd])
        #expect(records.writeSequence == 2)
        #expect(records.firstLSN == 1)
        #expect(records.lastLSN == 3)
        #expect(records.recordCount == 3)
        let blocksEnd = UInt64(168 + records.totalBytes)

        // The new head's checkpoint lists slot 0 as sealed; its write was not preceded by a sync.
        let (checkpointHeader, checkpoint) = try decodeCheckpointBlock(file, at: Int(slot1) + 64, salt: newHead.salt)
        #expect(checkpointHeader.flags == [.writeEnd])
        #expect(checkpointHeader.writeSequence == 3)
        #expect(checkpoint.nextLSN == 4)
        #expect(checkpoint.nextSegmentID == 3)
        #expect(checkpoint.nextWriteSequence == 4)
        #expect(checkpoint.dead.isEmpty)
        let sealed = try #require(checkpoint.segments.first)
        #expect(checkpoint.segments.count == 1)
        let indexBytes = UInt64(IndexRegion.byteCount(entries: 2, lsnEntries: 1))
        #expect(
            sealed
                == SegmentDescriptor(
                    slot: 0, flags: 0, segmentID: 1, salt: oldHead.salt, firstLSN: 1, lastLSN: 3, blocksEnd: blocksEnd,
                    indexOffset: 4096, indexBytes: indexBytes, recordCount: 3, deadRecordCount: 0))

        // The index sits at the first page boundary after the blocks.
        let indexAt = 8192 + 4096
        let region = mapped(Array(file[indexAt..<(indexAt + Int(indexBytes))]))
        let index = try IndexRegion(region: region, salt: oldHead.salt, segmentID: 1, offset: UInt64(indexAt))
        #expect(index.blocksEnd == blocksEnd)
        #expect(
            index.entries(for: StreamKey("a").identity.low) == [
                IndexEntry(stream: StreamKey("a").identity.low, blockOffset: 168, recordCount: 2)
            ])
        #expect(
            index.entries(for: StreamKey("b").identity.low) == [
                IndexEntry(stream: StreamKey("b").identity.low, blockOffset: 168, recordCount: 1)
            ])
        #expect(index.lsnEntry(at: 0) == LSNEntry(firstLSN: 1, blockOffset: 168))
    }
}

// MARK: - Helpers

/// Reads the little-endian unsigned integer of `size` bytes at `offset`.
private func le(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> UInt64 {
    var value: UInt64 = 0
    for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
    return value
}

/// Checks each (name, offset, size, expected value) against `bytes`.
private func expectFields(
    _ bytes: [UInt8], _ fields: [(String, Int, Int, UInt64)], sourceLocation: SourceLocation = #_sourceLocation
) {
    for (name, offset, size, expected) in fields {
        let found = le(bytes, offset, size)
        #expect(
            found == expected, "\(name) at offset \(offset): expected \(hex(expected)), found \(hex(found))",
            sourceLocation: sourceLocation)
    }
}

/// The eight bytes of `value` in file (little-endian) order, as text.
private func ascii(_ value: UInt64) -> String {
    String(decoding: withUnsafeBytes(of: value.littleEndian) { Array($0) }, as: UTF8.self)
}

/// Parses a dump of lines `offset: hex bytes`, checking each line's offset.
private func hexBytes(_ dump: String) -> [UInt8] {
    var bytes: [UInt8] = []
    for line in dump.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        precondition(parts.count == 2 && Int(parts[0], radix: 16) == bytes.count, "golden line \(line) is misnumbered")
        for pair in parts[1].split(separator: " ") {
            guard let byte = UInt8(pair, radix: 16) else {
                preconditionFailure("golden line \(line) has a bad byte \(pair)")
            }
            bytes.append(byte)
        }
    }
    return bytes
}

/// Formats `bytes` the way the golden dumps are written, for updating them after a deliberate change.
private func hexDump(_ bytes: [UInt8]) -> String {
    func two(_ byte: UInt8) -> String { byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }
    var lines: [String] = []
    for start in stride(from: 0, to: bytes.count, by: 16) {
        let row = bytes[start..<min(bytes.count, start + 16)]
        let label = String(start, radix: 16)
        var line = String(repeating: "0", count: max(0, 4 - label.count)) + label + ": "
        line += row.prefix(8).map(two).joined(separator: " ")
        if row.count > 8 { line += "  " + row.dropFirst(8).map(two).joined(separator: " ") }
        lines.append(line)
    }
    return lines.joined(separator: "\n")
}

/// A region holding a copy of `bytes`, as `IndexRegion` reads them.
private func mapped(_ bytes: [UInt8]) -> MappedRegion {
    bytes.withUnsafeBytes { MappedRegion.copying($0) }
}

private func add(_ builder: inout BlockBuilder, lsn: UInt64, key: String, payload: [UInt8]) {
    Array(key.utf8).withUnsafeBytes { keyBytes in
        payload.withUnsafeBytes { payloadBytes in builder.add(lsn: lsn, key: keyBytes, payload: payloadBytes) }
    }
}

/// Encodes a block from a header and stored payload, with padding and checksum.
private func sealedBlock(_ header: BlockHeader, payload: [UInt8], salt: UInt64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: header.totalBytes)
    bytes.withUnsafeMutableBytes { header.write(into: $0) }
    bytes.replaceSubrange(56..<(56 + payload.count), with: payload)
    reseal(&bytes, salt: salt)
    return bytes
}

/// Recomputes the checksum of the block at the start of `bytes` (its stored size read from the header).
private func reseal(_ bytes: inout [UInt8], salt: UInt64) {
    let end = 56 + Int(le(bytes, 48, 4))
    resum(&bytes, range: 8..<end, at: 0, seed: salt)
}

private func resum(_ bytes: inout [UInt8], range: Range<Int>, at offset: Int, seed: UInt64) {
    let sum = bytes.withUnsafeBytes { Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[range]), seed: seed) }
    for index in 0..<8 { bytes[offset + index] = UInt8(truncatingIfNeeded: sum >> (8 * UInt64(index))) }
}

private func setVersion(_ bytes: inout [UInt8], at offset: Int, to version: UInt32) {
    for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: version >> (8 * UInt32(index))) }
}

/// Returns the error `decode` throws for `bytes`, or nil when it accepts them.
private func thrownError(_ bytes: [UInt8], _ decode: (UnsafeRawBufferPointer) throws(LogError) -> Void) -> LogError? {
    do throws(LogError) {
        try bytes.withBytes { buffer throws(LogError) in try decode(buffer) }
        return nil
    } catch {
        return error
    }
}

private struct DecodedRecord {
    var lsn: UInt64
    var key: [UInt8]
    var payload: [UInt8]
}

/// Validates the block at the start of `bytes` (under the test salt) and returns its records.
private func decodeRecords(_ bytes: [UInt8]) throws(LogError) -> [DecodedRecord] {
    try bytes.withBytes { buffer throws(LogError) in
        let header = try Block.validate(buffer, salt: FormatGoldenTests.salt, offset: 0, payloadBytesMax: 1 << 20)
        let raw = try Block.payload(buffer, header: header, offset: 0)
        var records: [DecodedRecord] = []
        try raw.withBytes { rawBytes throws(LogError) in
            try Block.forEachRecord(rawBytes, header: header, offset: 0) { lsn, key, payload in
                records.append(DecodedRecord(lsn: lsn, key: Array(key), payload: Array(payload)))
            }
        }
        return records
    }
}

private func decodeSuperblock(_ file: [UInt8], copy: Int) throws(LogError) -> Superblock {
    try file.withBytes { buffer throws(LogError) in
        try Superblock.decode(
            UnsafeRawBufferPointer(rebasing: buffer[(copy * 4096)..<(copy * 4096 + 4096)]), offset: UInt64(copy * 4096))
    }
}

private func decodeSegmentHeader(_ file: [UInt8], at offset: Int) throws(LogError) -> SegmentHeader {
    try file.withBytes { buffer throws(LogError) in
        try SegmentHeader.decode(
            UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + 64)]), offset: UInt64(offset))
    }
}

private func decodeCheckpointBlock(_ file: [UInt8], at offset: Int, salt: UInt64) throws(LogError) -> (
    BlockHeader, Checkpoint
) {
    try file.withBytes { buffer throws(LogError) in
        let slice = UnsafeRawBufferPointer(rebasing: buffer[offset...])
        let header = try Block.validate(slice, salt: salt, offset: UInt64(offset), payloadBytesMax: 1 << 20)
        guard header.kind == .checkpoint else {
            throw LogError.corrupt("expected a checkpoint block", at: UInt64(offset))
        }
        let payload = try Block.payload(slice, header: header, offset: UInt64(offset))
        return (
            header,
            try payload.withBytes { bytes throws(LogError) in try Checkpoint.decode(bytes, offset: UInt64(offset)) }
        )
    }
}
