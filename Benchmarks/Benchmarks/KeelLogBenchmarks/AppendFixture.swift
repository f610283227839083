import KeelLog
import Synchronization

/// A store with default options (fsync per commit) in a fresh directory, and a pool of prepared
/// commits to append in turn, so that the measured region holds the append alone.
final class AppendFixture {
    /// Records prepared up front; commits cycle through them.
    static let poolRecords = 65_536
    /// Streams the records are spread over.
    static let streamCount = 10_000

    let directory: ScratchDirectory
    let store: LogStore
    let batchSize: Int
    private let batches: [[LogRecord]]
    private var cursor = 0

    init(batchSize: Int) throws {
        precondition(
            (1...AppendFixture.poolRecords).contains(batchSize),
            "batch size must be 1...\(AppendFixture.poolRecords), found \(batchSize)")
        self.batchSize = batchSize
        var factory = RecordFactory(streamCount: AppendFixture.streamCount, seed: 0x4150_5045_4E44 &+ UInt64(batchSize))
        batches = factory.batches(count: AppendFixture.poolRecords / batchSize, size: batchSize)
        let directory = try ScratchDirectory(label: "append-\(batchSize)")
        // A setup that fails gets no teardown: remove what it made here.
        var isComplete = false
        defer { if !isComplete { directory.remove() } }
        self.directory = directory
        store = try LogStore.open(path: directory.file("append.keel"))
        isComplete = true
    }

    /// The next prepared commit.
    func nextBatch() -> [LogRecord] {
        let batch = batches[cursor]
        cursor = cursor + 1 == batches.count ? 0 : cursor + 1
        return batch
    }

    func tearDown() {
        try? store.close()
        directory.remove()
    }
}

/// A store shared by `appenders` concurrent tasks, each appending one record per commit and awaiting
/// its acknowledgement before the next, as workflow workers do.
final class ConcurrentAppendFixture: Sendable {
    static let appenders = 64
    /// Sequential appends each appender makes in one benchmark iteration.
    static let appendsPerAppender = 16
    static let appendsPerIteration = appenders * appendsPerAppender
    /// Prepared single-record commits per appender; iterations cycle through them.
    static let poolPerAppender = 1_024
    /// Streams of one appender; appenders own disjoint streams.
    static let streamsPerAppender = 150

    let directory: ScratchDirectory
    let store: LogStore
    /// Acknowledgement latency of each append of the current iteration, in nanoseconds.
    let latencies: LatencyBuffer
    private let commits: [[[LogRecord]]]
    private let round = Atomic<Int>(0)

    init() throws {
        let appenders = ConcurrentAppendFixture.appenders
        var factory = RecordFactory(
            streamCount: appenders * ConcurrentAppendFixture.streamsPerAppender, seed: 0x434F_4E43)
        var random = SplitMix64(seed: 0x5354_5245_414D)
        commits = (0..<appenders).map { appender in
            (0..<ConcurrentAppendFixture.poolPerAppender).map { _ in
                let stream = appender + appenders * random.next(below: ConcurrentAppendFixture.streamsPerAppender)
                return [factory.record(stream: stream)]
            }
        }
        latencies = LatencyBuffer(count: ConcurrentAppendFixture.appendsPerIteration)
        let directory = try ScratchDirectory(label: "concurrent")
        var isComplete = false
        defer { if !isComplete { directory.remove() } }
        self.directory = directory
        store = try LogStore.open(path: directory.file("concurrent.keel"))
        isComplete = true
    }

    /// Starts an iteration; returns its number.
    func nextRound() -> Int { round.add(1, ordering: .relaxed).oldValue }

    /// The commit appender `appender` makes as its `step`th append of iteration `round`.
    func commit(appender: Int, round: Int, step: Int) -> [LogRecord] {
        let pool = commits[appender]
        return pool[(round * ConcurrentAppendFixture.appendsPerAppender + step) % pool.count]
    }

    func tearDown() {
        try? store.close()
        directory.remove()
    }
}

/// A fixed array of durations written by concurrent tasks without allocating during the measured
/// region. Each task writes only its own indices, and the task group is joined before the array
/// is read, so no two threads touch one element at once.
final class LatencyBuffer: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Int64>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: 0)
    }

    deinit { storage.deallocate() }

    func set(_ index: Int, nanoseconds: Int64) { storage[index] = nanoseconds }

    /// The values, sorted (allocates; call outside the measured region).
    func sorted() -> [Int64] { Array(storage).sorted() }
}

/// Holds what a benchmark's setup made until its teardown, which the framework calls without it.
final class FixtureSlot<Fixture> {
    private var fixture: Fixture?

    /// Keeps `fixture` for `take()` and returns it.
    func keep(_ fixture: Fixture) -> Fixture {
        self.fixture = fixture
        return fixture
    }

    func take() -> Fixture? {
        defer { fixture = nil }
        return fixture
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
