import Dispatch
import Synchronization

/// The single-file segmented log: durable, group-committed appends of records to named streams,
/// reads of one stream in LSN order, scans from an LSN, dead-stream reclamation and compaction.
///
/// One writer thread, owned by the store, batches concurrent appends into one `pwrite` and one
/// `fdatasync` each; an append is acknowledged only once its batch is durable. Reads run on the
/// caller's thread, concurrently with writes. Open with `LogStore.open(path:options:)`; see
/// `FORMAT.md` for the bytes on disk.
public final class LogStore: @unchecked Sendable {
    /// The file the store lives in.
    public let file: any StorageFile
    /// The options the store runs with (limits, durability).
    public let options: LogOptions
    /// Size of each segment slot, as recorded in the file.
    public let segmentBytes: UInt64
    /// The random identity of this data file.
    public let fileID: UInt64

    let state: Mutex<SharedState>
    let queue = WorkQueue<Job>()
    /// Acknowledgements, delivered by a thread of their own so that waking appenders overlaps the
    /// writer's next write and sync.
    let notifications = WorkQueue<Notification>()
    let cache: BlockCache
    let writer: WriterContext

    init(file: any StorageFile, options: LogOptions, recovered: Recovered) {
        self.file = file
        self.options = options
        self.segmentBytes = recovered.superblock.segmentBytes
        self.fileID = recovered.superblock.fileID
        self.state = Mutex(recovered.shared)
        self.cache = BlockCache(bytesMax: options.blockCacheBytes)
        self.writer = recovered.writer
        // The threads hold the store weakly between batches, so a store dropped without `close()`
        // is still deinitialized: its deinit wakes them and they stop.
        let reference = WeakStore(self)
        startThread { [queue] in LogStore.runWriter(reference, queue: queue) }
        startThread { [notifications] in LogStore.runNotifier(notifications) }
    }

    deinit {
        // Dropped without `close()`: stop the threads. Writes are not synced here; in relaxed
        // durability the last interval may be lost, as after a crash. The file (and its lock) is
        // released with the store.
        queue.push(.wake, limit: .max)
        _ = notifications.push(.stop, limit: .max)
    }

    /// Opens the data file at `path`, creating it when missing, and recovers it.
    ///
    /// - Throws: `LogError`: `.locked` when another process has it open, `.notAKeelFile`, `.corrupt`
    ///   (naming the offset) when durable data is damaged, `.io` for system errors.
    public static func open(path: String, options: LogOptions = LogOptions()) throws(LogError) -> LogStore {
        if !Syscalls.exists(path) {
            // The layout is made in a temporary file and linked into place, so a crash during
            // creation never leaves a half-made data file at `path`.
            let options = try options.validated()
            let temporary = path + ".creating-" + String(Syscalls.randomUInt64(), radix: 16)
            defer { Syscalls.unlink(temporary) }
            let file = try PosixFile(path: temporary, create: true)
            try Recovery.create(file: file, options: options)
            file.close()
            // When another process created `path` first, its file is the one to open.
            _ = try Syscalls.link(temporary, path)
            try Syscalls.syncDirectory(of: path)
        }
        let file = try PosixFile(path: path, create: false)
        return try open(file: file, options: options)
    }

    /// Opens a store on any `StorageFile` (for example a `SimulatedFile`), creating the layout in an
    /// empty file, and recovers it.
    public static func open(file: any StorageFile, options: LogOptions = LogOptions()) throws(LogError) -> LogStore {
        let options = try options.validated()
        let recovered = try Recovery.run(file: file, options: options)
        return LogStore(file: file, options: options, recovered: recovered)
    }

    // MARK: - Appends

    /// Appends `records` as one commit and calls `completion` once they are durable (or failed).
    /// Records get consecutive LSNs in order. `completion` runs exactly once, also when the commit
    /// is refused (invalid, queue full, store closed) or the store fails. It runs on the log's writer
    /// or notifier thread (`LogOptions.acknowledgesOnWriter`), so it must not block.
    public func append(
        _ records: [LogRecord], completion: @escaping @Sendable (Result<ClosedRange<LSN>, LogError>) -> Void
    ) {
        switch validate(records) {
        case .success(let rawBytes):
            submit(.append(Commit(records: records, rawBytes: rawBytes, completion: completion)))
        case .failure(let error):
            completion(.failure(error))
        }
    }

    /// Appends `records` as one commit and returns their LSNs once they are durable.
    ///
    /// - Throws: `.limitExceeded` for an oversized record, key or commit; `.invalidArgument` for an
    ///   empty commit, an empty key or a dead stream; `.failed` after an I/O error; `.closed`.
    @discardableResult
    public func append(_ records: [LogRecord]) async throws(LogError) -> ClosedRange<LSN> {
        // The completion runs exactly once, so the continuation needs no checking.
        let result = await withUnsafeContinuation { continuation in
            append(records) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Appends `records` as one commit, blocking the calling thread until they are durable. For
    /// command-line tools and benchmarks; async code uses `append(_:)`.
    @discardableResult
    public func appendBlocking(_ records: [LogRecord]) throws(LogError) -> ClosedRange<LSN> {
        let waiter = Waiter<Result<ClosedRange<LSN>, LogError>>()
        append(records) { waiter.resolve($0) }
        return try waiter.wait().get()
    }

    // MARK: - Maintenance

    /// Marks streams dead: their records are no longer returned and their space is reclaimed by
    /// compaction. Durable when this returns: marks are made durable by a checkpoint, which the marks of
    /// up to 50 ms (or 4,096 calls) share, so one call may wait that long. Appending to a dead stream is
    /// refused.
    public func markDead(_ streams: [StreamKey]) async throws(LogError) {
        let result = await withCheckedContinuation { continuation in
            submit(.markDead(streams) { continuation.resume(returning: $0) })
        }
        try result.get()
    }

    /// `markDead(_:)` for synchronous callers.
    public func markDeadBlocking(_ streams: [StreamKey]) throws(LogError) {
        let waiter = Waiter<Result<Void, LogError>>()
        submit(.markDead(streams) { waiter.resolve($0) })
        try waiter.wait().get()
    }

    /// Writes a checkpoint (segment table and dead set) and points the superblock at it.
    public func checkpointBlocking() throws(LogError) {
        let waiter = Waiter<Result<Void, LogError>>()
        submit(.checkpoint { waiter.resolve($0) })
        try waiter.wait().get()
    }

    /// Compacts sealed segments whose dead fraction reached `options.compactionDeadRatio`, copying
    /// their live records forward and freeing their slots. Returns what it did.
    @discardableResult
    public func compactBlocking() throws(LogError) -> CompactionReport {
        let waiter = Waiter<Result<CompactionReport, LogError>>()
        submit(.compact { waiter.resolve($0) })
        return try waiter.wait().get()
    }

    /// Seals the head segment now (normally done when it fills). For tests and tools.
    public func sealBlocking() throws(LogError) {
        let waiter = Waiter<Result<Void, LogError>>()
        submit(.seal { waiter.resolve($0) })
        try waiter.wait().get()
    }

    /// Finishes queued work, syncs, stops the writer and releases the file. Further calls fail with `.closed`.
    public func close() throws(LogError) {
        let waiter = Waiter<Result<Void, LogError>>()
        submit(.close { waiter.resolve($0) })
        try waiter.wait().get()
    }

    func submit(_ job: Job) {
        // The queue itself refuses jobs once the store has closed: no lock of the shared state here,
        // which every appender would otherwise contend for with the writer.
        switch queue.push(job, limit: options.pendingCommitsMax) {
        case .added:
            break
        case .full:
            job.fail(.limit("more than \(options.pendingCommitsMax) commits are waiting for the writer"))
        case .closed:
            job.fail(LogError(.closed, "the log store is closed"))
        }
    }

    // MARK: - State

    /// The LSN of the last durable record (zero when empty).
    public var lastLSN: LSN { state.withLock { LSN($0.nextLSN - 1) } }

    /// A snapshot of space use and counters.
    public func stats() -> LogStats {
        let fileBytes = (try? file.size()) ?? 0
        return state.withLock { shared in
            LogStats(
                fileBytes: fileBytes, segmentBytes: segmentBytes,
                slotCount: shared.slotCount, sealedSegments: shared.sealed.map(\.descriptor),
                headSlot: shared.head.slot, headFirstLSN: shared.head.firstLSN, headBlocksEnd: shared.head.blocksEnd,
                headRecordCount: shared.head.recordCount, headDeadRecordCount: shared.head.deadRecordCount,
                lastLSN: shared.nextLSN - 1, deadStreams: shared.dead.count, counters: shared.counters,
                failure: shared.failure, blockCacheBytes: cache.bytes)
        }
    }

    /// Empties the cache of decompressed blocks and returns the bytes it held, like SQLite's
    /// `sqlite3_db_release_memory`. Useful on a small device under memory pressure; the next read
    /// of each block goes to the file again. Nothing on disk changes.
    @discardableResult
    public func releaseMemory() -> Int { cache.removeAll() }
}

extension LogStore {
    /// Checks a commit against the limits, on the caller's thread; returns its size in record bytes.
    func validate(_ records: [LogRecord]) -> Result<Int, LogError> {
        if records.isEmpty { return .failure(LogError(.invalidArgument, "a commit needs at least one record")) }
        if records.count > options.commitRecordsMax {
            return .failure(
                .limit("commit of \(records.count) records exceeds commitRecordsMax \(options.commitRecordsMax)"))
        }
        let commitMax = min(options.commitBytesMax, Int(segmentBytes) / 4)
        var total = 0
        for (index, record) in records.enumerated() {
            let keyCount = record.stream.bytes.count
            if keyCount == 0 { return .failure(LogError(.invalidArgument, "record \(index): the stream key is empty")) }
            if keyCount > options.keyBytesMax {
                return .failure(
                    .limit(
                        "record \(index): stream key of \(keyCount) bytes exceeds keyBytesMax \(options.keyBytesMax)"))
            }
            if record.payload.count > options.recordBytesMax {
                return .failure(
                    .limit(
                        "record \(index): payload of \(record.payload.count) bytes exceeds recordBytesMax \(options.recordBytesMax)"
                    ))
            }
            total += keyCount + record.payload.count + Layout.recordHeaderBytes
        }
        if total > commitMax {
            return .failure(
                .limit(
                    "commit of \(total) bytes exceeds the commit limit of \(commitMax) bytes (commitBytesMax, at most a quarter segment)"
                ))
        }
        return .success(total)
    }

}

/// Work for the writer thread.
enum Job: @unchecked Sendable {
    case append(Commit)
    case markDead([StreamKey], @Sendable (Result<Void, LogError>) -> Void)
    case checkpoint(@Sendable (Result<Void, LogError>) -> Void)
    case compact(@Sendable (Result<CompactionReport, LogError>) -> Void)
    case seal(@Sendable (Result<Void, LogError>) -> Void)
    case close(@Sendable (Result<Void, LogError>) -> Void)
    /// Wakes the writer so it notices that the store was dropped.
    case wake

    func fail(_ error: LogError) {
        switch self {
        case .append(let commit): commit.completion(.failure(error))
        case .markDead(_, let completion), .checkpoint(let completion), .seal(let completion), .close(let completion):
            completion(.failure(error))
        case .compact(let completion): completion(.failure(error))
        case .wake: break
        }
    }
}

struct Commit {
    var records: [LogRecord]
    /// Record bytes (headers, keys and payloads) before compression, as validation counted them.
    var rawBytes: Int
    var completion: @Sendable (Result<ClosedRange<LSN>, LogError>) -> Void
}

/// A one-shot rendezvous for the blocking APIs.
final class Waiter<Value>: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private var value: Value?
    func resolve(_ value: Value) {
        self.value = value
        semaphore.signal()
    }
    func wait() -> Value {
        semaphore.wait()
        return value!
    }
}

/// A sealed segment in memory: its descriptor and its index region.
final class SealedSegment: @unchecked Sendable {
    var descriptor: SegmentDescriptor
    let index: IndexRegion
    init(descriptor: SegmentDescriptor, index: IndexRegion) {
        self.descriptor = descriptor
        self.index = index
    }
}

/// The head segment in memory: where the next block goes and the index rebuilt on open.
struct HeadState {
    var slot: UInt32
    var segmentID: UInt64
    var salt: UInt64
    var firstLSN: UInt64
    var blocksEnd: UInt64
    /// Index entries in the order their blocks were written.
    var entries: [IndexEntry] = []
    /// For each entry, the position in `entries` of the previous entry of its stream, or -1.
    private var previousOfStream: [Int32] = []
    /// Each stream's latest entry: the end of the chain through `previousOfStream`.
    private var latestOfStream: [UInt64: Int32] = [:]
    var entryCount: Int { entries.count }
    /// Every records block, in order: for scans.
    var blockStarts: [LSNEntry] = []
    /// Sparse LSN entries, as the sealed index will hold them.
    var lsnEntries: [LSNEntry] = []
    var recordCount: UInt64 = 0
    var deadRecordCount: UInt64 = 0

    init(slot: UInt32, segmentID: UInt64, salt: UInt64, firstLSN: UInt64, blocksEnd: UInt64) {
        self.slot = slot
        self.segmentID = segmentID
        self.salt = salt
        self.firstLSN = firstLSN
        self.blocksEnd = blocksEnd
    }

    /// Records a block written at `offset` holding `counts` records per stream.
    /// One flat array and one dictionary update per stream: no array per stream to grow.
    mutating func add(block header: BlockHeader, at offset: UInt64, counts: [(UInt64, UInt32)]) {
        for (stream, count) in counts {
            let position = Int32(entries.count)
            entries.append(IndexEntry(stream: stream, blockOffset: UInt32(offset), recordCount: count))
            previousOfStream.append(latestOfStream.updateValue(position, forKey: stream) ?? -1)
        }
        let entry = LSNEntry(firstLSN: header.firstLSN, blockOffset: offset)
        blockStarts.append(entry)
        let window = UInt64(Layout.lsnIndexWindowBytes)
        if lsnEntries.last.map({ $0.blockOffset / window != offset / window }) ?? true {
            lsnEntries.append(entry)
        }
        recordCount += UInt64(header.recordCount)
    }

    /// The entries of `stream` in block order (empty when it has none in the head).
    func entries(of stream: UInt64) -> [IndexEntry] {
        guard var position = latestOfStream[stream] else { return [] }
        var found: [IndexEntry] = []
        while position >= 0 {
            found.append(entries[Int(position)])
            position = previousOfStream[Int(position)]
        }
        found.reverse()
        return found
    }

    /// How many records `stream` has in the head.
    func recordCount(of stream: UInt64) -> UInt64 {
        guard var position = latestOfStream[stream] else { return 0 }
        var total: UInt64 = 0
        while position >= 0 {
            total += UInt64(entries[Int(position)].recordCount)
            position = previousOfStream[Int(position)]
        }
        return total
    }

    func sortedEntries() -> [IndexEntry] { entries.sorted() }
}

/// State shared between the writer and readers, under `LogStore.state`.
struct SharedState {
    var sealed: [SealedSegment]
    var head: HeadState
    var dead: [StreamIdentity: UInt32]
    /// The next LSN to assign; every smaller LSN is durable.
    var nextLSN: UInt64
    var slotCount: UInt32
    var failure: LogError? = nil
    var readEpoch: UInt64 = 1
    var activeReads: [UInt64: Int] = [:]
    var counters = LogCounters()

    mutating func beginRead() -> UInt64 {
        activeReads[readEpoch, default: 0] += 1
        return readEpoch
    }

    mutating func endRead(_ epoch: UInt64) {
        if let count = activeReads[epoch], count > 1 {
            activeReads[epoch] = count - 1
        } else {
            activeReads[epoch] = nil
        }
    }

    /// The oldest epoch a reader still uses, or nil.
    var oldestRead: UInt64? { activeReads.keys.min() }
}

/// Counters of work done since open.
public struct LogCounters: Sendable, Equatable {
    public var commits: UInt64 = 0
    public var writes: UInt64 = 0
    public var syncs: UInt64 = 0
    public var recordsAppended: UInt64 = 0
    public var rawBytesAppended: UInt64 = 0
    public var storedBytesWritten: UInt64 = 0
    public var segmentsSealed: UInt64 = 0
    public var segmentsCompacted: UInt64 = 0
    public var slotsFreed: UInt64 = 0
    public var checkpoints: UInt64 = 0
    public var cacheHits: UInt64 = 0
    public var cacheMisses: UInt64 = 0
    /// Bytes cut off the head on open because they were a torn, unacknowledged tail.
    public var tornTailBytes: UInt64 = 0
    /// Index regions found damaged on open and rebuilt from their segments.
    public var indexesRebuilt: UInt64 = 0
}

/// Space use and state of a store, as `keel log stats` shows it.
public struct LogStats: Sendable {
    public var fileBytes: UInt64
    public var segmentBytes: UInt64
    public var slotCount: UInt32
    public var sealedSegments: [SegmentDescriptor]
    public var headSlot: UInt32
    public var headFirstLSN: UInt64
    public var headBlocksEnd: UInt64
    public var headRecordCount: UInt64
    public var headDeadRecordCount: UInt64
    public var lastLSN: UInt64
    public var deadStreams: Int
    public var counters: LogCounters
    public var failure: LogError?
    /// Bytes held by the cache of decompressed blocks (bounded by `LogOptions.blockCacheBytes`).
    public var blockCacheBytes = 0

    /// Slots neither sealed nor head: reusable space.
    public var freeSlots: Int { Int(slotCount) - sealedSegments.count - 1 }
    /// Compressed bytes of records (sealed blocks plus head blocks).
    public var blockBytes: UInt64 { sealedSegments.reduce(headBlocksEnd) { $0 + $1.blocksEnd } }
    /// Records on disk that belong to live streams.
    public var liveRecords: UInt64 {
        sealedSegments.reduce(headRecordCount - min(headRecordCount, headDeadRecordCount)) {
            $0 + $1.recordCount - min($1.recordCount, $1.deadRecordCount)
        }
    }
    /// All records on disk.
    public var totalRecords: UInt64 { sealedSegments.reduce(headRecordCount) { $0 + $1.recordCount } }
}

/// What one compaction did.
public struct CompactionReport: Sendable, Equatable {
    public var segmentsCompacted = 0
    public var segmentsWritten = 0
    public var recordsCopied: UInt64 = 0
    public var recordsDropped: UInt64 = 0
    public var slotsFreed = 0
    public init() {}
}
