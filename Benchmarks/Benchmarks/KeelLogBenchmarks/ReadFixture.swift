import KeelLog

/// A store holding one long stream of `streamRecords` records, written once in commits of 64 of its
/// records interleaved with 64 records of other streams (one long-running workflow among many).
final class ReadFixture {
    static let streamRecords = 50_000
    static let recordsPerCommit = 64
    static let otherStreams = 10_000

    let directory: ScratchDirectory
    let store: LogStore
    let stream: StreamKey

    init(label: String, options: LogOptions) throws {
        let directory = try ScratchDirectory(label: label)
        // A setup that fails gets no teardown: remove what it made here.
        var isComplete = false
        defer { if !isComplete { directory.remove() } }
        self.directory = directory
        store = try LogStore.open(path: directory.file("read.keel"), options: options)
        // Stream 0 is the long one; the others fill the commits in between.
        var factory = RecordFactory(streamCount: ReadFixture.otherStreams + 1, seed: 0x5245_4144)
        stream = factory.streams[0]
        var random = SplitMix64(seed: 0x4F54_4845_52)
        var written = 0
        while written < ReadFixture.streamRecords {
            let count = min(ReadFixture.recordsPerCommit, ReadFixture.streamRecords - written)
            var commit: [LogRecord] = []
            commit.reserveCapacity(count + ReadFixture.recordsPerCommit)
            for _ in 0..<count { commit.append(factory.record(stream: 0)) }
            for _ in 0..<ReadFixture.recordsPerCommit {
                commit.append(factory.record(stream: 1 + random.next(below: ReadFixture.otherStreams)))
            }
            try store.appendBlocking(commit)
            written += count
        }
        let found = try store.read(stream: stream).count
        guard found == ReadFixture.streamRecords else {
            throw BenchmarkSetupError(
                "read fixture: expected \(ReadFixture.streamRecords) records of \(stream), read \(found)")
        }
        isComplete = true
    }

    /// Reads the whole stream and returns how many records it holds (the records are freed on return).
    func readAll() throws -> Int {
        try store.read(stream: stream).count
    }

    /// Reads the whole stream in place and returns how many records it holds.
    func readInPlace() throws -> Int {
        var count = 0
        var bytes = 0
        try store.read(stream: stream) { _, payload in
            count += 1
            bytes += payload.count
            return true
        }
        guard bytes > 0 else { throw BenchmarkSetupError("read fixture: \(stream) has no payload bytes") }
        return count
    }

    func tearDown() {
        try? store.close()
        directory.remove()
    }
}
