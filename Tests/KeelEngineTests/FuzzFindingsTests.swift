import Foundation
import KeelLog
import Testing

@testable import KeelEngine

/// `EngineInputs.describeRecord` and the corpus of the `FuzzEngineInputs` fuzz target.
///
/// `Fuzz/Corpus/FuzzEngineInputs` holds a valid record of every kind (a history event of every type, a
/// buffered event, activity attempts with and without a failure, namespace and signal request records),
/// records on streams that do not hold them, and task tokens, made from a fixed seed;
/// `KEEL_WRITE_ENGINE_INPUTS_CORPUS=1` rewrites it (after a format change). Every input there and in
/// `Fuzz/FailCases/FuzzEngineInputs` must keep the fuzz target's property.
@Suite struct EngineInputsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let corpus = root.appendingPathComponent("Fuzz/Corpus/FuzzEngineInputs")
    static let failCases = root.appendingPathComponent("Fuzz/FailCases/FuzzEngineInputs")

    static let run = RunKey(
        namespace: "default", execution: WorkflowExecution(workflowID: "order-1", runID: "3f2a9c1e-run"))

    /// Returns a record input of the fuzz target: mode 0, the stream key's length (2 bytes, little-endian),
    /// the key, the payload.
    static func recordInput(stream: [UInt8], payload: [UInt8]) -> [UInt8] {
        [0, UInt8(stream.count & 0xFF), UInt8(stream.count >> 8)] + stream + payload
    }

    /// Returns a token input of the fuzz target: mode 1, the token's bytes.
    static func tokenInput(_ token: TaskToken) -> [UInt8] { [1] + token.bytes }

    /// The seed inputs, by file name.
    static func seeds() -> [(name: String, bytes: [UInt8])] {
        var random = RandomEvents(seed: 0x4B45_454C_494E)
        let runStream = run.stream.bytes
        let namespaces = EngineRecord.namespaceStream.bytes
        var seeds: [(name: String, bytes: [UInt8])] = []
        for type in EventType.allCases {
            var payload = EventCodec.encode(random.event(id: 7, type: type))
            while payload.count > 2048 { payload = EventCodec.encode(random.event(id: 7, type: type)) }
            seeds.append(("record-event-\(type.rawValue)", recordInput(stream: runStream, payload: payload)))
        }
        let signaled = random.attributes(of: .workflowExecutionSignaled)
        let buffered = EngineRecord.encodeBuffered(signaled, time: Timestamp(rawValue: 1_767_225_600_000_000_000))
        seeds.append(("record-buffered-signal", recordInput(stream: runStream, payload: buffered)))
        let bare = ActivityAttemptRecord(
            scheduledEventID: 5, attempt: 2, retryTime: Timestamp(rawValue: 1_767_225_601_000_000_000),
            lastFailure: nil, heartbeatDetails: [])
        seeds.append(("record-activity-attempt", recordInput(stream: runStream, payload: bare.encode())))
        let failed = ActivityAttemptRecord(
            scheduledEventID: 9, attempt: 4, retryTime: Timestamp(rawValue: -1),
            lastFailure: .application("card declined", type: "Declined", cause: .application("timeout")),
            heartbeatDetails: [.json(Array("{\"step\":3}".utf8))])
        seeds.append(("record-activity-attempt-failure", recordInput(stream: runStream, payload: failed.encode())))
        let settings = NamespaceSettings(
            name: "payments", retention: .seconds(86_400),
            searchAttributes: ["CustomerId": .keyword, "Amount": .double, "Tags": .keywordList])
        seeds.append(("record-namespace", recordInput(stream: namespaces, payload: settings.encode())))
        let plain = NamespaceSettings(name: "default", retention: .seconds(3 * 86_400))
        seeds.append(("record-namespace-plain", recordInput(stream: namespaces, payload: plain.encode())))
        let signal = EngineRecord.encodeSignalRequest("request-7")
        seeds.append(("record-signal-request", recordInput(stream: runStream, payload: signal)))
        // Records on streams that do not hold them, and a run key that does not parse.
        seeds.append(("misplaced-namespace-on-run", recordInput(stream: runStream, payload: plain.encode())))
        seeds.append(("misplaced-signal-on-namespaces", recordInput(stream: namespaces, payload: signal)))
        seeds.append(("stream-run-key-cut", recordInput(stream: Array(runStream.dropLast()), payload: signal)))
        let workflowToken = TaskToken(
            kind: .workflow, namespace: "default", execution: run.execution, scheduledEventID: 2, sequence: 3)
        seeds.append(("token-workflow", tokenInput(workflowToken)))
        let activityToken = TaskToken(
            kind: .activity, namespace: "payments", execution: run.execution, scheduledEventID: 5, sequence: 2)
        seeds.append(("token-activity", tokenInput(activityToken)))
        return seeds
    }

    /// Returns the files of `directory` (not its README), sorted by name; none when it does not exist.
    static func inputs(in directory: URL) throws -> [(name: String, bytes: [UInt8])] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return try names.filter { !$0.hasPrefix("README") && !$0.hasPrefix(".") }.sorted().map { name in
            (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    /// Runs one input the way the fuzz target does; returns the record's description or the token, or nil.
    static func replay(_ input: [UInt8]) throws -> String? {
        guard let mode = input.first else { return nil }
        let rest = Array(input.dropFirst())
        if mode & 1 == 1 {
            let token = try TaskToken(bytes: rest)
            #expect(token.bytes == rest)
            return token.description
        }
        let length = rest.count >= 2 ? Int(rest[0]) | Int(rest[1]) << 8 : 0
        let body = rest.dropFirst(2)
        let stream = Array(body.prefix(length))
        return try EngineInputs.describeRecord(stream: stream, payload: Array(body.dropFirst(stream.count)))
    }

    @Test func corpusHoldsEveryRecordKindAndTokens() throws {
        if ProcessInfo.processInfo.environment["KEEL_WRITE_ENGINE_INPUTS_CORPUS"] == "1" {
            try FileManager.default.createDirectory(at: Self.corpus, withIntermediateDirectories: true)
            for seed in Self.seeds() {
                try Data(seed.bytes).write(to: Self.corpus.appendingPathComponent(seed.name))
            }
        }
        let inputs = try Self.inputs(in: Self.corpus)
        #expect(inputs.count >= Self.seeds().count, "KEEL_WRITE_ENGINE_INPUTS_CORPUS=1 rewrites the corpus")
        for input in inputs where input.name.hasPrefix("record-") || input.name.hasPrefix("token-") {
            do {
                _ = try Self.replay(input.bytes)
            } catch {
                Issue.record("\(input.name) does not decode: \(error); KEEL_WRITE_ENGINE_INPUTS_CORPUS=1 rewrites it")
            }
        }
    }

    @Test func corpusAndFailCasesKeepTheFuzzProperty() throws {
        for input in try Self.inputs(in: Self.corpus) + Self.inputs(in: Self.failCases) {
            do {
                if let description = try Self.replay(input.bytes) {
                    #expect(!description.isEmpty && !description.contains("\n"), "\(input.name)")
                }
            } catch let error as EngineError {
                #expect(error.code == .corruptData || error.code == .invalidArgument, "\(input.name): \(error)")
            }
        }
    }

    /// Found by `FuzzEngineInputs` (`FailCases/FuzzEngineInputs/crash-f7c1ce62…`): a checkpoint part
    /// whose chunk index is the largest 32-bit value overflowed when its description numbered it from 1.
    @Test func aCheckpointPartWithTheLargestChunkIndexIsDescribed() throws {
        let stream = EngineCheckpoint.partStream(checkpointID: 0xABC, partition: 3).bytes
        let payload = [EngineRecordKind.checkpointPart.rawValue, 0] + [UInt8](repeating: 0xFF, count: 8) + [1, 2, 3]
        let description = try EngineInputs.describeRecord(stream: stream, payload: payload)
        #expect(description.contains("chunk 4294967296 of 4294967295"), "\(description)")
        #expect(description.contains("partition 3") && description.contains("(3 bytes)"), "\(description)")
    }

    @Test func describesEachKindOfRecordOnOneLine() throws {
        let runStream = Self.run.stream.bytes
        let fired = EventCodec.encode(
            HistoryEvent(
                eventID: 3, time: Timestamp(rawValue: 1_767_225_600_000_000_000),
                attributes: .timerFired(TimerFired(timerID: "t", startedEventID: 2))))
        let event = try EngineInputs.describeRecord(stream: runStream, payload: fired)
        #expect(
            event
                == #"run "default"/"order-1"/"3f2a9c1e-run": event 3 TimerFired at 2026-01-01T00:00:00Z"#
                + " (\(fired.count) bytes)")
        let signal = try EngineInputs.describeRecord(
            stream: runStream, payload: EngineRecord.encodeSignalRequest("line\none\u{2028}\"x\""))
        #expect(signal == #"run "default"/"order-1"/"3f2a9c1e-run": signal request id "line\u{a}one\u{2028}\"x\"""#)
        let namespace = try EngineInputs.describeRecord(
            stream: EngineRecord.namespaceStream.bytes,
            payload: NamespaceSettings(name: "ops", retention: .seconds(2), searchAttributes: ["Zone": .keyword])
                .encode())
        #expect(
            namespace == #"namespaces: namespace "ops", retention 2000000000 ns, 1 search attributes ("Zone" Keyword)"#)
        let attempt = try EngineInputs.describeRecord(
            stream: runStream,
            payload: ActivityAttemptRecord(
                scheduledEventID: 5, attempt: 2, retryTime: Timestamp(rawValue: 0),
                lastFailure: .application("boom"), heartbeatDetails: []
            ).encode())
        #expect(
            attempt.hasSuffix(
                #"activity attempt 2 of scheduled event 5 at 1970-01-01T00:00:00Z, last failure "boom", 0 heartbeat payloads"#
            ))
        let long = try EngineInputs.describeRecord(
            stream: runStream, payload: EngineRecord.encodeSignalRequest(String(repeating: "é", count: 100)))
        #expect(long.hasSuffix("\u{2026}\" (200 bytes)"))
    }

    @Test func refusesMalformedStreamsAndMisplacedRecords() {
        let namespaceRecord = NamespaceSettings(name: "ops", retention: .seconds(1)).encode()
        let signal = EngineRecord.encodeSignalRequest("r")
        let cases: [(stream: [UInt8], payload: [UInt8], message: String)] = [
            (Self.run.stream.bytes, namespaceRecord, "on the namespaces stream, found one on run"),
            (EngineRecord.namespaceStream.bytes, signal, "on a run stream, found it on the namespaces stream"),
            (Array(Self.run.stream.bytes.dropLast()), signal, "three length-prefixed UTF-8 strings"),
            ([], signal, "found an empty key"),
            ([0x07, 1, 2], signal, "starting with 0x07"),
            (Self.run.stream.bytes, [], "found an empty payload"),
            (Self.run.stream.bytes, [9, 1], "found 9"),
        ]
        for (stream, payload, message) in cases {
            do {
                let description = try EngineInputs.describeRecord(stream: stream, payload: payload)
                Issue.record("expected an error containing '\(message)', found \(description)")
            } catch {
                #expect(error.code == .corruptData)
                #expect(error.message.contains(message), "\(error.message)")
            }
        }
    }
}

/// Bugs `FuzzCommands` found, one test each, named after the behaviour the engine should have. The inputs are
/// in `Fuzz/FailCases/FuzzCommands`. A test wrapped in `withKnownIssue` documents a bug still open: it passes
/// while the bug is there and fails once it is fixed, and then the wrapper goes.
@Suite struct FuzzFindingsTests {
    /// Completes the harness's first workflow task with `commands`; returns the error, and whether the engine
    /// still takes a signal and a workflow task afterwards.
    static func complete(_ commands: [Command], configure: (inout EngineOptions) -> Void = { _ in }) async throws
        -> (error: EngineError?, isWorking: Bool)
    {
        let harness = try EngineHarness(configure: configure)
        let execution = try await harness.start("fuzz")
        let task = try await harness.workflowTask()
        let error = await engineError { try await harness.complete(task, commands) }
        let isWorking =
            await engineError {
                try await harness.engine.signal(execution: execution, SignalRequest(name: "after"))
                let next = try await harness.workflowTask()
                try await harness.complete(next, [])
            } == nil
        try? await harness.engine.close()
        return (error, isWorking)
    }

    /// `Fuzz/FailCases/FuzzCommands/cancel-external-namespace-past-record-limit`: a command field the
    /// engine does not measure (here the namespace of a cancel request, which no limit covers) makes an event
    /// larger than the log's record limit; the append fails, and the engine takes that for a failed data file
    /// and refuses every later call until it is reopened. Any worker can stop the whole engine this way.
    @Test func oversizedUncheckedCommandFieldIsRefusedAndTheEngineKeepsWorking() async throws {
        let huge = String(repeating: "x", count: LogOptions().recordBytesMax + 1)
        let command = Command.requestCancelExternalWorkflowExecution(
            namespace: huge, execution: WorkflowExecution(workflowID: "other", runID: ""), childWorkflowOnly: false,
            reason: "")
        let (error, isWorking) = try await Self.complete([command])
        #expect(error?.code == .invalidArgument || error?.code == .limitExceeded, "\(error as Any)")
        #expect(isWorking)
    }

    /// `Fuzz/FailCases/FuzzCommands/markers-past-commit-limit` (markers there): every command is valid on its own
    /// (each input is under `payloadBytesMax`), but together their events pass the log's commit limit (here a
    /// quarter of the harness's 1 MiB segments; with the defaults, nine inputs of 2 MiB pass the 16 MiB
    /// `commitBytesMax`). The append used to fail and stop the engine as above; the batch is now split.
    @Test func commandsPastTheCommitLimitTogetherAreWrittenAsSeveralCommits() async throws {
        let payloadBytesMax = 40 << 10
        let input = Payload.binary([UInt8](repeating: 0x61, count: payloadBytesMax - 64))
        let commands = (0..<8).map { index in
            Command.scheduleActivityTask(
                ScheduleActivityTask(
                    activityID: "a\(index)", activityType: "Charge", input: [input], startToCloseTimeout: .seconds(30)))
        }
        let (error, isWorking) = try await Self.complete(commands) { $0.limits.payloadBytesMax = payloadBytesMax }
        // The batch is written as several commits, in order, and the task completes.
        #expect(error == nil, "\(error as Any)")
        #expect(isWorking)
    }
}

extension FuzzFindingsTests {
    /// `Fuzz/FailCases/FuzzCommands/complete-update-echoes-oversized-id`: a command refused for naming an id
    /// the run does not have (an update to accept, reject or complete, a timer to cancel) failed the workflow
    /// task with a message that quoted the whole id, which no limit bounds. The `WorkflowTaskFailed` event then
    /// outgrew what the log takes (here a quarter of the harness's 1 MiB segments), and the engine stopped as if
    /// its data file had failed. Refused commands now quote a prefix of an id.
    @Test(arguments: ["cancelTimer", "completeUpdate"])
    func refusedCommandQuotesOnlyAPrefixOfAnOversizedID(_ kind: String) async throws {
        let id = String(repeating: "x", count: 300_000)
        let command: Command =
            kind == "cancelTimer" ? .cancelTimer(timerID: id) : .completeUpdate(updateID: id, outcome: .success([]))
        let harness = try EngineHarness()
        let execution = try await harness.start("fuzz")
        let task = try await harness.workflowTask()
        let error = await engineError { try await harness.complete(task, [command]) }
        let isWorking =
            await engineError {
                try await harness.engine.signal(execution: execution, SignalRequest(name: "after"))
                try await harness.complete(try await harness.workflowTask(), [])
            } == nil
        let failed = try harness.history(execution).compactMap { event -> WorkflowTaskFailed? in
            guard case .workflowTaskFailed(let failed) = event.attributes else { return nil }
            return failed
        }
        try? await harness.engine.close()
        #expect(error?.code == .invalidArgument, "\(error as Any)")
        #expect(isWorking)
        #expect(failed.count == 1 && (failed.first?.failure?.message.utf8.count ?? 0) < 2_000)
    }

    /// `Fuzz/FailCases/FuzzCommands/marker-detail-key-past-record-limit`: a marker's details were checked by
    /// their payloads only; a detail key of any size (here 300 KB, past a quarter of the harness's 1 MiB
    /// segments; with the defaults, past 16 MiB) made the `MarkerRecorded` event larger than the log takes,
    /// and the engine stopped as if its data file had failed. Keys are now identifiers and count toward
    /// `payloadBytesMax`.
    @Test func markerWithAnOversizedDetailKeyIsRefusedAndTheEngineKeepsWorking() async throws {
        let key = String(repeating: "k", count: 300_000)
        let command = Command.recordMarker(name: "SideEffect", details: [key: []], failure: nil)
        let (error, isWorking) = try await Self.complete([command])
        #expect(error?.code == .invalidArgument || error?.code == .limitExceeded, "\(error as Any)")
        #expect(isWorking)
    }

    /// `Fuzz/FailCases/FuzzCommands/child-retry-error-types-past-record-limit`: retry policies did not bound
    /// `nonRetryableErrorTypes`, so a retry policy with a long error type (here 300 KB, past a quarter of the
    /// harness's 1 MiB segments; with the defaults, past 16 MiB) made the event that carries the policy larger
    /// than the log takes, and the engine stopped as if its data file had failed. It reached the log through a
    /// child workflow, an activity, and a client's start request alike; each type is now an identifier, and
    /// the list counts toward `payloadBytesMax`.
    @Test(arguments: ["child", "activity", "start"])
    func retryPolicyWithAnOversizedErrorTypeIsRefusedAndTheEngineKeepsWorking(_ entry: String) async throws {
        let policy = RetryPolicy(nonRetryableErrorTypes: [String(repeating: "E", count: 300_000)])
        let harness = try EngineHarness()
        let execution = try await harness.start("fuzz")
        let task = try await harness.workflowTask()
        let error: EngineError?
        switch entry {
        case "child":
            let child = StartChildWorkflow(workflowID: "child", workflowType: "Child", retryPolicy: policy)
            error = await engineError { try await harness.complete(task, [.startChildWorkflowExecution(child)]) }
        case "activity":
            let activity = ScheduleActivityTask.simple("a", retry: policy)
            error = await engineError { try await harness.complete(task, [.scheduleActivityTask(activity)]) }
        default:
            error = await engineError { _ = try await harness.start("other") { $0.retryPolicy = policy } }
        }
        let isWorking =
            await engineError {
                try await harness.engine.signal(execution: execution, SignalRequest(name: "after"))
            } == nil
        try? await harness.engine.close()
        #expect(error?.code == .invalidArgument || error?.code == .limitExceeded, "\(error as Any)")
        #expect(isWorking)
    }

    /// On the 1 MiB segments `EngineHarness` uses (the smallest KeelLog allows), the log takes commits of at
    /// most a quarter segment, 256 KiB, but the engine's limits let one event carry a 2 MiB payload list.
    /// Splitting a batch into several commits cannot split one record, so one activity input of 1 MiB, valid
    /// under `payloadBytesMax`, stopped the engine. `Engine.open` now fits `payloadBytesMax` to the log, and
    /// the input is refused.
    @Test func oneValidPayloadFitsTheLogOfTheSmallestSegments() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("fuzz")
        let task = try await harness.workflowTask()
        let input = Payload.binary([UInt8](repeating: 0x61, count: 1 << 20))
        let command = Command.scheduleActivityTask(
            ScheduleActivityTask(
                activityID: "a", activityType: "Charge", input: [input], startToCloseTimeout: .seconds(30)))
        let error = await engineError { try await harness.complete(task, [command]) }
        let isWorking =
            await engineError {
                try await harness.engine.signal(execution: execution, SignalRequest(name: "after"))
            } == nil
        try? await harness.engine.close()
        #expect(error == nil || error?.code == .invalidArgument || error?.code == .limitExceeded)
        #expect(isWorking, "\(error as Any)")
    }

    /// `Fuzz/FailCases/FuzzCommands/activity-retry-initial-interval-overflows`: an activity whose retry policy
    /// had an initial interval near `Int64.max` seconds and no maximum failed once, and `RetryPolicy.delay`
    /// computed the default cap, 100 initial intervals, with `Duration`'s trapping multiplication: the process
    /// died. Any workflow can set such a policy (it passes `RetryPolicy.problem(with:)`). It runs in a child
    /// process, so a regression fails the test rather than the test run.
    @Test func retryDelayOfAHugeInitialIntervalSaturates() async {
        await #expect(processExitsWith: .success) {
            let policy = RetryPolicy(initialInterval: .seconds(Int64.max))
            #expect(policy.delay(afterAttempt: 2) > .zero)
        }
    }

    /// `Fuzz/FailCases/FuzzCommands/child-retry-cap-past-int64`: a retry policy whose maximum interval was
    /// `Int64.max` nanoseconds or more capped the delay at 2^63 as a `Double`, which `Int64(_:)` cannot hold:
    /// the process died when such a child run (or an activity) failed and was retried.
    @Test func retryDelayCappedAtTheLargestDurationSaturates() async {
        await #expect(processExitsWith: .success) {
            let policy = RetryPolicy(initialInterval: .seconds(1), maximumInterval: .nanoseconds(Int64.max))
            #expect(policy.delay(afterAttempt: 80) > .zero)
        }
    }
}
