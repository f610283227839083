import KeelLog
import Testing

@testable import KeelEngine

@Suite("Engine checkpoints")
struct CheckpointTests {
    /// Both folds of the harness's log (from the newest checkpoint, and of the whole log) and the live
    /// state, as a restart would rebuild it.
    static func digests(_ harness: EngineHarness) throws -> (
        live: [String: [UInt8]], full: [String: [UInt8]], checkpoint: [String: [UInt8]]
    ) {
        let count = harness.options.partitionCount
        let now = harness.clock.now()
        let full = try EngineRecovery.recoveredDigest(
            store: harness.engine.store, partitionCount: count, useCheckpoint: false, now: now)
        let fromCheckpoint = try EngineRecovery.recoveredDigest(
            store: harness.engine.store, partitionCount: count, useCheckpoint: true, now: now)
        return (harness.engine.debugStateDigest(), full.digest, fromCheckpoint.digest)
    }

    static func startAndRun(_ harness: EngineHarness, _ count: Int, prefix: String) async throws {
        for index in 0..<count {
            _ = try await harness.start("\(prefix)-\(index)")
        }
        while let task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .zero) {
            try await harness.complete(task, [.startTimer(timerID: "nap", startToFireTimeout: .seconds(3600))])
        }
    }

    /// The index records in the log, oldest first.
    static func indexRecords(_ store: LogStore) throws -> [CheckpointIndex] {
        try store.read(stream: EngineCheckpoint.indexStream).map { try CheckpointIndex.decode($0.payload) }
    }

    @Test func reopenFoldsOnlyTheRecordsAfterTheCheckpoint() async throws {
        let harness = try EngineHarness(partitions: 3)
        try await Self.startAndRun(harness, 30, prefix: "before")
        let info = try await harness.engine.checkpoint()
        #expect(info.sequence == 1)
        #expect(info.runCount == 30)
        for index in 0..<3 { _ = try await harness.start("after-\(index)") }
        try await harness.crashAndReopen()
        let report = harness.engine.recoveryReport
        #expect(report.checkpointSequence == 1)
        #expect(report.checkpointRuns == 30)
        // Each start after the checkpoint wrote two records: WorkflowExecutionStarted and WorkflowTaskScheduled.
        #expect(report.recordsFolded == 6)
        let digests = try Self.digests(harness)
        #expect(digests.checkpoint == digests.full)
        #expect(digests.live == digests.full)
        #expect(try harness.engine.countWorkflows(query: "ExecutionStatus = 'Running'") == 33)
    }

    @Test func withoutACheckpointReopenFoldsTheWholeLog() async throws {
        let harness = try EngineHarness { $0.checkpointOnClose = false }
        try await Self.startAndRun(harness, 10, prefix: "run")
        let records = Int(harness.engine.store.lastLSN.rawValue)
        try await harness.reopen()
        let report = harness.engine.recoveryReport
        #expect(report.checkpointSequence == nil)
        #expect(report.scanStartLSN == 1)
        // Every record but the default namespace's is a run's.
        #expect(report.recordsFolded == records)
    }

    @Test func cleanCloseWritesACheckpointAndAnIdleCloseDoesNot() async throws {
        let harness = try EngineHarness()
        try await Self.startAndRun(harness, 5, prefix: "run")
        try await harness.reopen()
        #expect(harness.engine.recoveryReport.checkpointSequence == 1)
        #expect(harness.engine.recoveryReport.recordsFolded == 0)
        try await harness.reopen()
        #expect(harness.engine.recoveryReport.checkpointSequence == 1)
        #expect(try Self.indexRecords(harness.engine.store).count == 1)
    }

    @Test func automaticCheckpointsFollowTheRecordInterval() async throws {
        let harness = try EngineHarness { $0.checkpointIntervalRecords = 10 }
        // Each round appends more than ten records, and the checkpoint it starts ends before the next.
        for round in 0..<3 {
            try await Self.startAndRun(harness, 6, prefix: "round-\(round)")
            await harness.engine.settle()
        }
        let sequence = try #require(harness.engine.core.checkpoints.newest?.sequence)
        #expect(sequence >= 2)
        try await harness.crashAndReopen()
        #expect(harness.engine.recoveryReport.checkpointSequence == sequence)
    }

    @Test func aSnapshotLargerThanACommitIsSplitAcrossRecords() async throws {
        // One-MiB segments take commits of at most 256 KiB; these runs' inputs add up to about 600 KiB.
        let harness = try EngineHarness(partitions: 1)
        let input = Payload.text(String(repeating: "x", count: 4_000))
        for index in 0..<150 { _ = try await harness.start("big-\(index)", input: [input]) }
        let info = try await harness.engine.checkpoint()
        #expect(info.snapshotBytes > 600_000)
        #expect(info.recordCount >= 3)
        try await harness.crashAndReopen()
        #expect(harness.engine.recoveryReport.checkpointSequence == 1)
        #expect(harness.engine.recoveryReport.checkpointRuns == 150)
        let digests = try Self.digests(harness)
        #expect(digests.checkpoint == digests.full)
    }

    @Test func oldCheckpointsAreMarkedDead() async throws {
        let harness = try EngineHarness(partitions: 2)
        try await Self.startAndRun(harness, 4, prefix: "run")
        try await harness.engine.checkpoint()
        _ = try await harness.start("more")
        try await harness.engine.checkpoint()
        let store = harness.engine.store
        let indexes = try Self.indexRecords(store)
        #expect(indexes.map(\.sequence) == [1, 2])
        #expect(indexes[1].previousID == indexes[0].checkpointID)
        for stream in indexes[0].partStreams { #expect(try store.read(stream: stream).isEmpty) }
        for stream in indexes[1].partStreams { #expect(try !store.read(stream: stream).isEmpty) }
        #expect(store.stats().deadStreams == 2)
    }

    @Test func aCheckpointTornByACrashFallsBackToThePreviousOne() async throws {
        for failingWrite in 1...2 {
            let harness = try EngineHarness(seed: UInt64(failingWrite), partitions: 2)
            try await Self.startAndRun(harness, 6, prefix: "run")
            try await harness.engine.checkpoint()
            _ = try await harness.start("after")
            // The second checkpoint's snapshot commit (write 1) or its index record (write 2) fails.
            harness.disk.failWrite(number: failingWrite)
            await #expect(throws: EngineError.self) { try await harness.engine.checkpoint() }
            try await harness.crashAndReopen(.random(tearUnit: 512, garble: true))
            #expect(harness.engine.recoveryReport.checkpointSequence == 1)
            let digests = try Self.digests(harness)
            #expect(digests.checkpoint == digests.full)
            #expect(digests.live == digests.full)
            #expect(try harness.engine.countWorkflows() == 7)
            // The unfinished checkpoint's parts were marked dead on open.
            await harness.engine.settle()
            var stray = 0
            try harness.engine.store.scan(from: LSN(1)) { record in
                if let id = EngineCheckpoint.checkpointID(ofPart: record.stream),
                    id != harness.engine.core.checkpoints.newest?.checkpointID
                {
                    stray += 1
                }
                return true
            }
            #expect(stray == 0)
        }
    }

    @Test func aCheckpointThatDoesNotDecodeIsSkipped() async throws {
        let harness = try EngineHarness(partitions: 2)
        try await Self.startAndRun(harness, 4, prefix: "run")
        let good = try await harness.engine.checkpoint()
        _ = try await harness.start("after")
        // A second checkpoint whose snapshot of partition 0 is two chunks of garbage.
        let store = harness.engine.store
        let stream = EngineCheckpoint.partStream(checkpointID: 77, partition: 0)
        let garbage: [UInt8] = Array(repeating: 0xEE, count: 40)
        let range = try await store.append(EngineCheckpoint.partRecords(garbage, stream: stream, chunkBytes: 25))
        let previous = try #require(harness.engine.core.checkpoints.newest)
        let bogus = CheckpointIndex(
            checkpointID: 77, sequence: good.sequence + 1, previousID: previous.checkpointID, previousPartitions: 2,
            parts: [
                .init(firstLSN: range.lowerBound.rawValue, recordCount: 2, snapshotBytes: 40, runCount: 1),
                .init(firstLSN: range.upperBound.rawValue + 1, recordCount: 1, snapshotBytes: 10, runCount: 1),
            ])
        try await store.append([LogRecord(stream: EngineCheckpoint.indexStream, payload: bogus.encode())])
        try await harness.crashAndReopen()
        let report = harness.engine.recoveryReport
        #expect(report.checkpointSequence == good.sequence)
        #expect(report.skippedCheckpoints.count == 1)
        #expect(
            report.skippedCheckpoints.first?.hasPrefix("checkpoint \(good.sequence + 1): partition snapshot") == true)
        let digests = try Self.digests(harness)
        #expect(digests.checkpoint == digests.full)
        #expect(try harness.engine.countWorkflows() == 5)
    }

    @Test func aCheckpointThatContradictsItsIndexIsAnError() async throws {
        let harness = try EngineHarness(partitions: 2)
        try await Self.startAndRun(harness, 4, prefix: "run")
        try await harness.engine.checkpoint()
        var index = try #require(harness.engine.core.checkpoints.newest)
        index.sequence += 1
        index.parts[1].runCount += 5
        try await harness.engine.store.append([
            LogRecord(stream: EngineCheckpoint.indexStream, payload: index.encode())
        ])
        let error = await engineError { try await harness.crashAndReopen() }
        #expect(error?.code == .corruptData)
        #expect(error?.message.contains("checkpoint 2, partition 1: the index expects") == true)
    }

    @Test func aCheckpointOfAnotherPartitionCountIsNotUsed() async throws {
        let harness = try EngineHarness(partitions: 2)
        try await Self.startAndRun(harness, 6, prefix: "run")
        try await harness.engine.close()
        var options = harness.options
        options.partitionCount = 3
        let engine = try EngineHarness.open(disk: harness.disk, clock: harness.clock, options: options, seed: 99)
        #expect(engine.recoveryReport.checkpointSequence == nil)
        #expect(engine.recoveryReport.skippedCheckpoints.count == 1)
        #expect(try engine.countWorkflows() == 6)
        try await engine.close()
    }

    /// Buffered events, a fired timer whose event is buffered, an accepted update, a retried activity
    /// and a running one: the checkpoint holds them as the log does, and reopening from it resumes the run.
    @Test func inFlightWorkIsCheckpointedAsTheLogHasIt() async throws {
        let harness = try EngineHarness(partitions: 1)
        let execution = try await harness.start("busy")
        let first = try await harness.workflowTask()
        try await harness.complete(
            first,
            [
                .startTimer(timerID: "soon", startToFireTimeout: .seconds(5)),
                .scheduleActivityTask(
                    .simple("flaky", retry: RetryPolicy(initialInterval: .seconds(1), maximumAttempts: 5))),
                .scheduleActivityTask(.simple("steady")),
            ])
        let engine = harness.engine
        let updating = Task {
            try await engine.update(
                execution: execution, UpdateRequest(updateID: "u1", name: "bump"), waitFor: .accepted)
        }
        var second: WorkflowTask?
        while second == nil {
            second = try await engine.pollWorkflowTask(taskQueue: "main", identity: "w", timeout: .seconds(5))
        }
        let updateTask = try #require(second)
        #expect(updateTask.updates.map(\.updateID) == ["u1"])
        try await harness.complete(updateTask, [.acceptUpdate(updateID: "u1")])
        _ = try await updating.value
        var activities: [String: ActivityTask] = [:]
        while let task = try await engine.pollActivityTask(taskQueue: "main", identity: "w", timeout: .zero) {
            activities[task.activityID] = task
        }
        let flaky = try #require(activities["flaky"])
        try await engine.failActivity(flaky.taskToken, failure: .application("try again"))
        _ = try engine.recordActivityHeartbeat(try #require(activities["steady"]).taskToken, details: [.text("half")])
        // A workflow task runs while the timer fires and a signal arrives: both are buffered.
        try await engine.signal(execution: execution, SignalRequest(name: "wake"))
        let third = try await harness.workflowTask()
        await harness.advance(by: .seconds(5))
        try await engine.signal(execution: execution, SignalRequest(name: "poke", requestID: "p1"))
        let run = try #require(engine.core.partitions[0].runs.values.first { $0.key.execution == execution })
        #expect(run.buffered.count == 2)
        #expect(run.timers.isEmpty)
        try await engine.checkpoint()
        let digests = try Self.digests(harness)
        #expect(digests.live == digests.full)
        #expect(digests.checkpoint == digests.full)
        try await harness.crashAndReopen()
        #expect(harness.engine.recoveryReport.checkpointSequence == 1)
        #expect(harness.engine.recoveryReport.recordsFolded == 0)
        // The held task timed out on open and the buffered events entered the history once each.
        await #expect(throws: EngineError.self) { try await harness.complete(third, []) }
        let types = try harness.types(execution)
        #expect(types.filter { $0 == .timerFired }.count == 1)
        #expect(types.filter { $0 == .workflowExecutionSignaled }.count == 2)
        #expect(types.filter { $0 == .workflowExecutionUpdateAccepted }.count == 1)
        let after = try Self.digests(harness)
        #expect(after.live == after.full)
    }
}
