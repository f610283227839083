import KeelLog
import Testing

/// `markDead` calls that arrive together share one checkpoint, and each returns only once its marks
/// are durable.
@Suite("Dead marks share checkpoints")
struct MarkDeadCheckpointTests {
    static func options() -> LogOptions {
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        return options
    }

    static func key(_ index: Int) -> StreamKey { StreamKey("run-\(index)") }

    @Test func concurrentMarksShareCheckpointsAndSurviveACrash() async throws {
        let disk = SimulatedDisk(seed: 11)
        let store = try LogStore.open(file: try disk.open("keel.db", create: true), options: Self.options())
        let streams = 200
        for index in 0..<streams {
            try store.appendBlocking([
                LogRecord(stream: Self.key(index), payload: Array(repeating: UInt8(index & 0xFF), count: 64))
            ])
        }
        try store.appendBlocking([LogRecord(stream: StreamKey("kept"), payload: [1, 2, 3])])
        let before = store.stats().counters.checkpoints

        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<streams {
                group.addTask { try await store.markDead([Self.key(index)]) }
            }
            try await group.waitForAll()
        }
        let checkpoints = store.stats().counters.checkpoints - before
        #expect(checkpoints >= 1, "expected the marks to be made durable by a checkpoint, found none written")
        #expect(
            checkpoints < UInt64(streams / 4),
            "expected \(streams) concurrent marks to share checkpoints, found \(checkpoints) checkpoints")

        // Every call returned, so every mark is durable: a crash that drops everything unsynced keeps them.
        disk.crash(.dropUnsynced)
        let reopened = try LogStore.open(file: try disk.open("keel.db", create: false), options: Self.options())
        defer { try? reopened.close() }
        for index in 0..<streams {
            let records = try reopened.read(stream: Self.key(index))
            #expect(
                records.isEmpty,
                "expected stream run-\(index) to stay dead after the crash, found \(records.count) records")
        }
        #expect(try reopened.read(stream: StreamKey("kept")).count == 1)
    }

    @Test func aMarkWaitingForItsCheckpointFailsWhenTheStoreFails() async throws {
        let disk = SimulatedDisk(seed: 12)
        let store = try LogStore.open(file: try disk.open("keel.db", create: true), options: Self.options())
        try store.appendBlocking([LogRecord(stream: Self.key(1), payload: [7])])
        // The checkpoint that would make the mark durable cannot be synced.
        disk.failSync(number: 1)
        await #expect(throws: LogError.self) { try await store.markDead([Self.key(1)]) }
        try? store.close()
    }
}
