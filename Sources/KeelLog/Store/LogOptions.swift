/// How a `LogStore` is configured. Every limit is named, and exceeding one is a `.limitExceeded` error.
public struct LogOptions: Sendable, Equatable {
    /// When an append is acknowledged.
    public enum Durability: Sendable, Equatable {
        /// After the write and an `fdatasync` covering it (the default): an acknowledged append
        /// survives power loss.
        case fsync
        /// After the write reaches the operating system; an `fdatasync` runs at least every
        /// `syncIntervalMilliseconds`. Power loss may lose the appends of the last interval, but
        /// recovery always yields a prefix of the log: it never corrupts.
        case relaxed(syncIntervalMilliseconds: Int)
    }

    /// Smallest allowed segment size.
    public static let segmentBytesMin = 1 << 20
    /// Largest allowed segment size.
    public static let segmentBytesMax = 1 << 30

    /// Size of each segment slot (used only when the file is created; an existing file keeps its own).
    public var segmentBytes = 64 << 20
    public var durability = Durability.fsync
    /// Compress blocks with LZ4 when that saves at least an eighth of their size.
    public var compression = true
    /// Budget for decompressed blocks kept for reads.
    public var blockCacheBytes = 64 << 20
    /// Largest payload of one record.
    public var recordBytesMax = 4 << 20
    /// Largest stream key.
    public var keyBytesMax = 1024
    /// Most records in one commit.
    public var commitRecordsMax = 65_536
    /// Most bytes (keys and payloads) in one commit.
    public var commitBytesMax = 16 << 20
    /// A group commit stops taking further commits once it holds this many bytes.
    public var writeBytesMax = 16 << 20
    /// A block is closed once its uncompressed records reach this size.
    public var blockRawBytesMax = 128 << 10
    /// Most commits waiting for the writer; further appends fail with `.limitExceeded` until it drains.
    public var pendingCommitsMax = 1 << 20
    /// Most dead streams whose records are still on disk.
    public var deadStreamsMax = 4_000_000
    /// A sealed segment whose dead records reach this fraction is compacted.
    public var compactionDeadRatio = 0.5
    /// Compact after sealing a segment, when some segment is past `compactionDeadRatio`.
    public var autoCompact = true
    /// Whether the writer thread calls the completions of a group write itself before it writes the
    /// next group, instead of handing them to the notifier thread (a group of one commit is always
    /// acknowledged by the writer). Suits short completions on a machine whose cores are all busy,
    /// such as the engine's: the writer's longer turn gathers more commits into each group, so
    /// fewer `fdatasync` calls carry the same commits. The notifier thread, the default, overlaps
    /// acknowledging with the next write, which serves appenders that each block a thread.
    /// Either way a completion must not block: the next acknowledgements wait behind it.
    public var acknowledgesOnWriter = false

    public init() {}

    func validated() throws(LogError) -> LogOptions {
        guard segmentBytes >= LogOptions.segmentBytesMin, segmentBytes <= LogOptions.segmentBytesMax,
            segmentBytes % Layout.pageBytes == 0
        else {
            throw LogError(
                .invalidArgument,
                "segment size must be a multiple of 4096 between 1 MiB and 1 GiB, found \(segmentBytes)")
        }
        guard keyBytesMax >= 1, keyBytesMax <= Int(UInt16.max) else {
            throw LogError(.invalidArgument, "keyBytesMax must be 1...65535, found \(keyBytesMax)")
        }
        guard recordBytesMax >= 0, recordBytesMax <= Int(UInt32.max) / 2 else {
            throw LogError(.invalidArgument, "recordBytesMax must be below 2 GiB, found \(recordBytesMax)")
        }
        guard commitRecordsMax >= 1, commitBytesMax >= 1, writeBytesMax >= 1, blockRawBytesMax >= 1024 else {
            throw LogError(.invalidArgument, "commit, write and block limits must be positive (block at least 1 KiB)")
        }
        if case .relaxed(let interval) = durability, interval < 1 {
            throw LogError(.invalidArgument, "relaxed sync interval must be at least 1 ms, found \(interval)")
        }
        guard compactionDeadRatio > 0, compactionDeadRatio <= 1 else {
            throw LogError(.invalidArgument, "compactionDeadRatio must be in (0, 1], found \(compactionDeadRatio)")
        }
        return self
    }
}
