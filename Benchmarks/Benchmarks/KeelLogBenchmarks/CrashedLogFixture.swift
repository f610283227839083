import Dispatch
import KeelLog
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A data file of about 1 GiB (16 slots of the default 64 MiB: 15 sealed segments and a head about
/// half full) whose last commit was torn by a crash: its block header reached the disk but part of
/// its payload did not. Opening it must cut that block off and keep everything before it.
///
/// The file is written with `compression = false` so that the realistic (compressible) records fill
/// 1 GiB of disk quickly; recovery reads the file the same way either way.
///
/// The crash image is taken while the store is still open, right after the torn commit was
/// acknowledged: the superblocks and the end of the head segment from the torn block on. A clean
/// close, and every measured open and close, change exactly those bytes (the close appends a
/// checkpoint and moves the superblock; recovery zeroes the torn block), so `restoreCrashImage()`
/// writes them back before each measured open.
final class CrashedLogFixture {
    /// Slots the file must reach before the torn commit.
    static let slotCount: UInt32 = 16
    /// Records prepared up front; commits cycle through them.
    static let commitRecords = 8_192
    static let poolCommits = 32
    static let streamCount = 100_000
    /// Records in the commit that is torn.
    static let tornCommitRecords = 64
    /// Upper bound on commits while filling, so a change in segment accounting cannot loop forever.
    static let fillCommitsMax = 4_000
    /// Bytes of the head kept in the crash image from the torn block on: the torn block and room for
    /// what a close writes after the cut.
    static let tailImageBytes = 1 << 20

    let directory: ScratchDirectory
    let path: String
    /// What the disk held at the crash, where an open and close change it.
    let image: CrashImage
    /// The last LSN that was acknowledged before the crash: what recovery must come back with.
    let expectedLastLSN: UInt64
    let recordsWritten: UInt64
    let fileBytes: UInt64
    let tornTailBytes: UInt64
    /// Bytes of blocks in the head segment at the crash, the torn block included.
    let headBytes: UInt64
    let setupDuration: Duration

    init() throws {
        let started = ContinuousClock.now
        let directory = try ScratchDirectory(label: "crash")
        // A setup that fails gets no teardown: remove what it made here.
        var isComplete = false
        defer { if !isComplete { directory.remove() } }
        self.directory = directory
        path = directory.file("crashed.keel")
        var options = LogOptions()
        options.compression = false
        let store = try LogStore.open(path: path, options: options)
        let segmentBytes = store.segmentBytes

        var factory = RecordFactory(streamCount: CrashedLogFixture.streamCount, seed: 0x4352_4153_48)
        let pool = factory.batches(count: CrashedLogFixture.poolCommits, size: CrashedLogFixture.commitRecords)
        let window = CommitWindow(limit: 8)
        var commits = 0
        while true {
            // Drained before each look, so the file comes out the same on every run.
            if commits % 8 == 0 {
                try window.drain()
                let stats = store.stats()
                if stats.slotCount >= CrashedLogFixture.slotCount, stats.headBlocksEnd >= segmentBytes / 2 { break }
            }
            guard commits < CrashedLogFixture.fillCommitsMax else {
                throw BenchmarkSetupError(
                    "crash fixture: expected \(CrashedLogFixture.slotCount) slots within "
                        + "\(CrashedLogFixture.fillCommitsMax) commits, found \(store.stats().slotCount)"
                )
            }
            try window.submit(pool[commits % pool.count], to: store)
            commits += 1
        }
        try window.drain()

        // The torn commit: one write of one block at the end of the head.
        let before = store.stats()
        try store.appendBlocking(Array(pool[0].prefix(CrashedLogFixture.tornCommitRecords)))
        let after = store.stats()
        guard after.headSlot == before.headSlot, after.headBlocksEnd > before.headBlocksEnd else {
            throw BenchmarkSetupError(
                "crash fixture: expected the torn commit in head slot \(before.headSlot) after offset "
                    + "\(before.headBlocksEnd), found slot \(after.headSlot) ending at \(after.headBlocksEnd)"
            )
        }
        expectedLastLSN = before.lastLSN
        recordsWritten = after.lastLSN
        fileBytes = after.fileBytes
        headBytes = after.headBlocksEnd
        let slotStart = Layout.dataOffset + UInt64(after.headSlot) * segmentBytes
        let tornOffset = slotStart + before.headBlocksEnd
        let blockBytes = Int(after.headBlocksEnd - before.headBlocksEnd)
        let tailBytes = min(CrashedLogFixture.tailImageBytes, Int(slotStart + segmentBytes - tornOffset))
        guard blockBytes < tailBytes else {
            throw BenchmarkSetupError(
                "crash fixture: expected a torn block under \(tailBytes) bytes, found \(blockBytes)")
        }

        // The image of the crash, read while the store is open: what the disk holds once the torn
        // commit was acknowledged. Tear the block in it: the header and the start of the payload
        // reached the disk, the rest holds what was there before (garbage, here).
        let superblocks = try RawFile.read(path, at: 0, count: Int(Layout.dataOffset))
        var tail = try RawFile.read(path, at: tornOffset, count: tailBytes)
        let keptBytes = Layout.blockHeaderBytes + 256
        guard blockBytes > keptBytes + 512 else {
            throw BenchmarkSetupError(
                "crash fixture: expected a torn block over \(keptBytes + 512) bytes, found \(blockBytes)")
        }
        var garbage = SplitMix64(seed: 0x544F_524E)
        for index in keptBytes..<blockBytes { tail[index] = UInt8(truncatingIfNeeded: garbage.next()) }
        image = CrashImage(
            path: path, superblocks: superblocks, tailOffset: tornOffset, tail: tail, fileBytes: after.fileBytes)
        try store.close()

        // Check, twice, that the image is the crash it claims to be and that restoring it undoes what
        // an open and close wrote.
        var tornBytesSeen: UInt64 = 0
        for _ in 0..<2 {
            try image.restore()
            let reopened = try LogStore.open(path: path)
            let recovered = reopened.stats()
            try reopened.close()
            guard recovered.lastLSN == expectedLastLSN, recovered.counters.tornTailBytes > 0 else {
                throw BenchmarkSetupError(
                    "crash fixture: expected recovery to cut a torn tail and end at LSN \(expectedLastLSN), found LSN "
                        + "\(recovered.lastLSN) with \(recovered.counters.tornTailBytes) torn bytes"
                )
            }
            tornBytesSeen = recovered.counters.tornTailBytes
        }
        tornTailBytes = tornBytesSeen
        try image.restore()
        setupDuration = started.duration(to: .now)
        isComplete = true
    }

    /// Writes the crash image back over what the last open and close changed.
    func restoreCrashImage() throws { try image.restore() }

    /// One line for the benchmark log: what the file holds and how long it took to build.
    var summary: String {
        "open-after-crash fixture: \(fileBytes >> 20) MiB file, \(recordsWritten) records, head segment of "
            + "\(headBytes >> 20) MiB, torn tail of \(tornTailBytes) bytes at offset \(image.tailOffset), "
            + "built in \(setupDuration)"
    }

    func tearDown() { directory.remove() }
}

/// The bytes of a data file at a crash that opening and closing it change: the superblock copies and
/// the head from the torn block on.
struct CrashImage {
    let path: String
    let superblocks: [UInt8]
    let tailOffset: UInt64
    let tail: [UInt8]
    let fileBytes: UInt64

    /// Writes the image back over the file.
    func restore() throws {
        try RawFile.write(superblocks, to: path, at: 0)
        try RawFile.write(tail, to: path, at: tailOffset)
        try RawFile.setSize(path, to: fileBytes)
    }
}

/// Keeps up to `limit` commits in flight, so the writer can group them while the setup produces more.
final class CommitWindow: Sendable {
    let limit: Int
    private let slots: DispatchSemaphore
    private let failure = Mutex<LogError?>(nil)

    init(limit: Int) {
        self.limit = limit
        slots = DispatchSemaphore(value: limit)
    }

    /// Waits for a free slot, then appends `records` without waiting for their acknowledgement.
    func submit(_ records: [LogRecord], to store: LogStore) throws(LogError) {
        slots.wait()
        if let failure = failure.withLock({ $0 }) {
            slots.signal()
            throw failure
        }
        store.append(records) { result in
            if case .failure(let error) = result { self.failure.withLock { $0 = $0 ?? error } }
            self.slots.signal()
        }
    }

    /// Waits until every submitted commit is acknowledged; throws the first failure.
    func drain() throws(LogError) {
        for _ in 0..<limit { slots.wait() }
        for _ in 0..<limit { slots.signal() }
        if let failure = failure.withLock({ $0 }) { throw failure }
    }
}
