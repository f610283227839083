import KeelLog
import Testing

@testable import KeelEngine

/// Golden bytes for the checkpoint records of FORMAT.md section 16.5.
@Suite("Checkpoint records (FORMAT.md section 16.5)")
struct CheckpointFormatTests {
    /// A varint byte count and `bytes`, as the snapshot writes an embedded value.
    static func prefixed(_ bytes: [UInt8]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.lengthPrefixed(bytes)
        return writer.bytes
    }

    static func event(_ id: Int64, _ time: Int64, _ attributes: EventAttributes) -> [UInt8] {
        prefixed(EventCodec.encode(HistoryEvent(eventID: id, time: Timestamp(rawValue: time), attributes: attributes)))
    }

    static let started = WorkflowExecutionStarted(
        workflowType: "T", taskQueue: TaskQueue(name: "q"), taskTimeout: .seconds(10), originalRunID: "r",
        firstRunID: "r", attempt: 1)

    static func bareRun() -> RunState {
        RunState(
            key: RunKey(namespace: "d", execution: WorkflowExecution(workflowID: "w", runID: "r")), started: started,
            startTime: Timestamp(rawValue: 5))
    }

    @Test func indexRecordMatchesGoldenBytes() throws {
        let index = CheckpointIndex(
            checkpointID: 0x0102_0304_0506_0708, sequence: 3, previousID: 9, previousPartitions: 2,
            parts: [CheckpointIndex.Part(firstLSN: 300, recordCount: 2, snapshotBytes: 1_000, runCount: 7)])
        let expected: [UInt8] =
            [7, 1] + [8, 7, 6, 5, 4, 3, 2, 1] + [3, 0, 0, 0, 0, 0, 0, 0] + [9, 0, 0, 0, 0, 0, 0, 0] + [2, 0] + [1, 0]
            + [0x2C, 1, 0, 0, 0, 0, 0, 0] + [2, 0, 0, 0] + [0xE8, 3, 0, 0, 0, 0, 0, 0] + [7, 0, 0, 0, 0, 0, 0, 0]
        #expect(index.encode() == expected)
        #expect(try CheckpointIndex.decode(expected) == index)
        for length in 0..<expected.count {
            #expect(throws: EngineError.self) { _ = try CheckpointIndex.decode(Array(expected.prefix(length))) }
        }
        #expect(throws: EngineError.self) { _ = try CheckpointIndex.decode(expected + [0]) }
        guard case .checkpointIndex = try EngineRecord.decode(expected) else {
            Issue.record("expected a checkpoint index record")
            return
        }
    }

    @Test func partStreamsAndRecordsMatchGoldenBytes() throws {
        let stream = EngineCheckpoint.partStream(checkpointID: 0x0A0B, partition: 3)
        #expect(stream.bytes == [4, 0x0B, 0x0A, 0, 0, 0, 0, 0, 0, 3, 0])
        #expect(EngineCheckpoint.checkpointID(ofPart: stream) == 0x0A0B)
        #expect(EngineCheckpoint.indexStream.bytes == [3] + Array("checkpoints".utf8))
        let records = EngineCheckpoint.partRecords([1, 2, 3, 4, 5], stream: stream, chunkBytes: 3)
        #expect(
            records.map(\.payload) == [[6, 1, 0, 0, 0, 0, 2, 0, 0, 0, 1, 2, 3], [6, 1, 1, 0, 0, 0, 2, 0, 0, 0, 4, 5]])
        let stored = records.enumerated().map {
            StoredRecord(lsn: LSN(UInt64(10 + $0.offset)), stream: stream, payload: $0.element.payload)
        }
        #expect(try EngineCheckpoint.joinParts(stored) == [1, 2, 3, 4, 5])
        // A chunk missing, out of order, or repeated is refused.
        #expect(throws: EngineError.self) { _ = try EngineCheckpoint.joinParts([stored[0]]) }
        #expect(throws: EngineError.self) { _ = try EngineCheckpoint.joinParts([stored[1], stored[0]]) }
        #expect(throws: EngineError.self) { _ = try EngineCheckpoint.joinParts([stored[0], stored[0]]) }
        #expect(throws: EngineError.self) { _ = try EngineCheckpoint.joinParts([]) }
    }

    @Test func bareRunAndSnapshotMatchGoldenBytes() throws {
        let run = Self.bareRun()
        var writer = BinaryWriter()
        run.encodeSnapshot(into: &writer)
        let expected: [UInt8] =
            Self.event(1, 5, .workflowExecutionStarted(Self.started))
            + [1, 0x64, 1, 0x77, 1, 0x72]  // namespace "d", workflow id "w", run id "r"
            + [1, 1, 0, 0, 1]  // status Running, next event id 1, history bytes 0, last completed 0, attempt 1
            + [0, 0]  // no first task time, no workflow task
            + [0, 0, 0, 0, 0, 0]  // buffered, activities, timers, children, external signals and cancels
            + [0, 0, 0, 0]  // no close event, no close time, close event id 0, no next run
            + [0, 0, 0, 0]  // signal count, signal request ids, cancel requested, updates
            + [0, 0]  // no memo, no search attributes
            + [0]  // tail
        #expect(writer.bytes == expected)
        let retiring = StreamKey([1, 2, 3])
        let snapshot = PartitionSnapshot(partition: 1, partitionCount: 2, runs: [run], retiring: [retiring])
        let bytes = snapshot.encode()
        #expect(bytes == [1, 1, 2, 1] + Self.prefixed(expected) + [1, 3, 1, 2, 3])
        let decoded = try PartitionSnapshot.decode(bytes)
        #expect(decoded.partition == 1 && decoded.partitionCount == 2 && decoded.retiring == [retiring])
        #expect(decoded.encode() == bytes)
        for length in 0..<bytes.count {
            #expect(throws: EngineError.self) { _ = try PartitionSnapshot.decode(Array(bytes.prefix(length))) }
        }
        #expect(throws: EngineError.self) { _ = try PartitionSnapshot.decode(bytes + [0]) }
    }

    @Test func aRunWithEveryPartRoundTrips() throws {
        let run = Self.bareRun()
        let now = Timestamp(rawValue: 1_000)
        run.apply(
            HistoryEvent(eventID: 1, time: Timestamp(rawValue: 5), attributes: .workflowExecutionStarted(Self.started)),
            encodedBytes: 40)
        for (index, attributes) in [
            EventAttributes.workflowTaskScheduled(
                WorkflowTaskScheduled(taskQueue: TaskQueue(name: "q"), startToCloseTimeout: .seconds(10), attempt: 1)),
            .workflowTaskStarted(
                WorkflowTaskStarted(
                    scheduledEventID: 2, identity: "w", requestID: "", suggestContinueAsNew: false, historySizeBytes: 0)
            ),
        ].enumerated() {
            run.apply(HistoryEvent(eventID: Int64(index + 2), time: now, attributes: attributes), encodedBytes: 20)
        }
        run.buffered.append(
            (now, .workflowExecutionSignaled(WorkflowExecutionSignaled(signalName: "s", input: [.text("x")]))))
        var activity = ActivityState(
            scheduledEventID: 9,
            attributes: ActivityTaskScheduled(
                activityID: "a", activityType: "A", taskQueue: TaskQueue(name: "q"), workflowTaskCompletedEventID: 4),
            scheduledTime: now, attemptScheduledTime: now)
        activity.recordAttempt(
            ActivityAttemptRecord(
                scheduledEventID: 9, attempt: 3, retryTime: Timestamp(rawValue: 9_000), lastFailure: .application("x"),
                heartbeatDetails: [.text("h")]))
        activity.cancelRequestedEventID = 11
        run.activities[9] = activity
        run.activityIDs["a"] = 9
        run.timers["t"] = (7, Timestamp(rawValue: 77))
        run.children[8] = ChildState(
            initiatedEventID: 8,
            attributes: StartChildWorkflowExecutionInitiated(
                namespace: "d", workflowID: "c", workflowType: "C", taskQueue: TaskQueue(name: "q"),
                taskTimeout: .seconds(1), parentClosePolicy: .abandon, workflowTaskCompletedEventID: 4,
                workflowIDReusePolicy: .allowDuplicate),
            runID: "cr", startedEventID: 10)
        run.signalRequestIDs = ["b", "a"]
        run.signalCount = 4
        run.cancelRequested = true
        var update = UpdateState(request: UpdateRequest(updateID: "u", name: "n", input: [.text("i")]))
        update.acceptedEventID = 12
        update.outcome = .success([.text("o")])
        run.updates["u"] = update
        run.updateOrder = ["u"]
        run.memo = ["m": .text("v")]
        run.searchAttributes = ["CustomKeywordField": .keyword("k")]
        run.firstTaskTime = Timestamp(rawValue: -3)
        var writer = BinaryWriter()
        run.encodeSnapshot(into: &writer)
        let bytes = writer.bytes
        let decoded = try bytes.span.bytes.withEngineBytes { (raw) throws(EngineError) -> RunState in
            var reader = SnapshotReader(raw, subject: "run")
            return try RunState.decodeSnapshot(&reader, index: 0)
        }
        var again = BinaryWriter()
        decoded.encodeSnapshot(into: &again)
        #expect(again.bytes == bytes)
        #expect(decoded.activities[9]?.attempt == 3)
        #expect(decoded.activities[9]?.retryTime == Timestamp(rawValue: 9_000))
        #expect(decoded.activityIDs == ["a": 9])
        #expect(decoded.workflowTask?.startedEventID == 3)
        #expect(decoded.bufferedBytes == EngineRecord.encodeBuffered(run.buffered[0].attributes, time: now).count)
        #expect(decoded.updateOrder == ["u"])
        #expect(decoded.children[8]?.runID == "cr")
    }

    /// The snapshot must hold every field of a run. These counts change when a field is added: then the
    /// snapshot (RunState+Snapshot.swift), FORMAT.md section 16.5 and these counts change together.
    @Test func theSnapshotKnowsEveryFieldOfARun() {
        #expect(Mirror(reflecting: Self.bareRun()).children.count == 34)
        let activity = ActivityState(
            scheduledEventID: 1,
            attributes: ActivityTaskScheduled(
                activityID: "a", activityType: "A", taskQueue: TaskQueue(name: "q"), workflowTaskCompletedEventID: 0),
            scheduledTime: .epoch, attemptScheduledTime: .epoch)
        #expect(Mirror(reflecting: activity).children.count == 14)
        #expect(
            Mirror(
                reflecting: WorkflowTaskState(
                    scheduledEventID: 1, attempt: 1, taskQueue: TaskQueue(name: "q"), scheduledTime: .epoch,
                    timeout: .zero)
            ).children.count == 8)
        #expect(Mirror(reflecting: UpdateState(request: UpdateRequest(updateID: "u", name: "n"))).children.count == 4)
    }
}
