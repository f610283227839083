/// State only the writer thread touches: the current superblock, allocation counters, free slots
/// and reusable encoding buffers.
final class WriterContext: @unchecked Sendable {
    var superblock: Superblock
    var nextSegmentID: UInt64
    var nextWriteSequence: UInt64
    var freeSlots: [UInt32]
    /// Slots dropped from the segment table, reusable once no reader that started before is left.
    var retired: [(slot: UInt32, epoch: UInt64)] = []
    /// True when no write since the last successful sync is outstanding.
    var isSynced = true
    var lastSyncNanoseconds: UInt64 = monotonicNanoseconds()
    /// True when streams were marked dead since the latest checkpoint, which is where marks become durable.
    var deadSinceCheckpoint = false
    /// `markDead` callers waiting for the checkpoint that makes their marks durable, and since when.
    var pendingMarks: [@Sendable (Result<Void, LogError>) -> Void] = []
    var pendingMarksSince: UInt64 = 0
    /// Slot-relative end of the head's latest checkpoint block.
    var checkpointEnd: UInt64 = 0
    /// True while `compactNow` runs: a head roll inside a compaction must not start another one, which
    /// would compact segments the outer pass has planned and free their slots under it.
    var isCompacting = false
    var output: [UInt8] = []
    /// The block plan and the encoded blocks of a write, kept to reuse their storage.
    var plans: [BlockPlan] = []
    var blocks: [EncodedBlock] = []
    /// One encoder per block of the largest write so far.
    var encoders: [BlockEncoder] = []
    /// Encodes the blocks of a large write on two threads.
    let parallel = ParallelRunner()

    init(superblock: Superblock, nextSegmentID: UInt64, nextWriteSequence: UInt64, freeSlots: [UInt32]) {
        self.superblock = superblock
        self.nextSegmentID = nextSegmentID
        self.nextWriteSequence = nextWriteSequence
        self.freeSlots = freeSlots
    }

    func takeWriteSequence() -> UInt64 {
        defer { nextWriteSequence += 1 }
        return nextWriteSequence
    }

    func takeSegmentID() -> UInt64 {
        defer { nextSegmentID += 1 }
        return nextSegmentID
    }
}

/// What recovery hands the store.
struct Recovered {
    var superblock: Superblock
    var shared: SharedState
    var writer: WriterContext
}

extension LogStore {
    func slotOffset(_ slot: UInt32) -> UInt64 { Layout.dataOffset + UInt64(slot) * segmentBytes }
}
