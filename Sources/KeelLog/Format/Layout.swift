/// Sizes, offsets and magic numbers of the data file. `FORMAT.md` documents each one; the
/// golden-bytes tests pin them, so this file and the document cannot drift apart.
public enum Layout {
    /// The format version written into every structure. Readers refuse versions they do not know.
    public static let formatVersion: UInt32 = 1
    /// Page size the file is laid out in.
    public static let pageBytes = 4096
    /// Size of one superblock copy; copy `n` lives at byte `n * superblockBytes`.
    public static let superblockBytes = 4096
    /// Number of superblock copies.
    public static let superblockCopies = 2
    /// Byte offset of segment slot 0.
    public static let dataOffset: UInt64 = 8192
    /// Size of a segment header at the start of each slot; the first block starts right after it.
    public static let segmentHeaderBytes = 64
    /// Size of a block header.
    public static let blockHeaderBytes = 56
    /// Blocks start at multiples of this within a slot.
    public static let blockAlignment = 8
    /// Size of a record header inside a block's uncompressed payload.
    public static let recordHeaderBytes = 12
    /// Size of an index region header.
    public static let indexHeaderBytes = 64
    /// Size of one stream entry in an index region.
    public static let indexEntryBytes = 16
    /// Size of one sparse LSN entry in an index region.
    public static let lsnEntryBytes = 16
    /// A sparse LSN entry is kept for the first block that starts in each window of this many bytes.
    public static let lsnIndexWindowBytes = 65_536
    /// Size of the fixed part of a checkpoint payload.
    public static let checkpointHeaderBytes = 48
    /// Size of one segment descriptor in a checkpoint payload.
    public static let segmentDescriptorBytes = 80
    /// Size of one dead-stream entry (identity and segment count) in a checkpoint payload.
    public static let deadEntryBytes = 20

    /// "KEELFILE": superblock magic.
    public static let superblockMagic: UInt64 = 0x454C_4946_4C45_454B
    /// "KEELSEGM": segment header magic.
    public static let segmentMagic: UInt64 = 0x4D47_4553_4C45_454B
    /// "KEELINDX": index region magic.
    public static let indexMagic: UInt64 = 0x5844_4E49_4C45_454B
    /// "KBLK": block magic.
    public static let blockMagic: UInt32 = 0x4B4C_424B
    /// Seed of the superblock checksum ("KEELSUPR").
    public static let superblockSeed: UInt64 = 0x5250_5553_4C45_454B
    /// Seed of the segment header checksum ("KEELSEGH").
    public static let segmentHeaderSeed: UInt64 = 0x4847_4553_4C45_454B

    static func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 {
        (value + alignment - 1) / alignment * alignment
    }
}

/// What a block holds.
public enum BlockKind: UInt8, Sendable {
    /// Records appended by callers (or copied forward by compaction).
    case records = 1
    /// A checkpoint: the table of sealed segments and the dead-stream set.
    case checkpoint = 2
}

/// How a block's payload is stored.
public enum BlockCodec: UInt8, Sendable {
    case none = 0
    case lz4 = 1
}

/// Block header flags.
public struct BlockFlags: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Every write before this block's write was durable (synced) before this write began.
    public static let afterSync = BlockFlags(rawValue: 1 << 0)
    /// This is the last block of its write.
    public static let writeEnd = BlockFlags(rawValue: 1 << 1)
    static let known: BlockFlags = [.afterSync, .writeEnd]
}
