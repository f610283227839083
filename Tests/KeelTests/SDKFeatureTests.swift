import Foundation
import KeelEngine
import Synchronization
import Testing

@testable import Keel

@Suite("SDK features: activities, timers, messages, payloads", .timeLimit(.minutes(2)))
struct SDKFeatureTests {
    @Test func cancelingTheRunCancelsAHeartbeatingActivityAndWaitsForIt() async throws {
        let env = try TestEnvironment.start()
        let log = CallLog()
        env.addWorker(taskQueue: "q", workflows: [WaitsForActivity.self], activities: [LongActivities(log: log)])
        let handle = try await env.client.startWorkflow(
            WaitsForActivity.self, options: WorkflowOptions(id: "long", taskQueue: "q"))
        try await waitUntil("the activity runs") { try handle.describe().pendingActivities.first?.state == "Started" }
        try await handle.cancel()
        let error = await #expect(throws: WorkflowFailedError.self) { try await handle.result() }
        #expect(error?.closeEvent == .workflowExecutionCanceled)
        let types = try handle.history().map(\.eventType)
        #expect(types.contains(.activityTaskCancelRequested))
        #expect(types.contains(.activityTaskCanceled))
        #expect(log.count("canceled after") == 1)
        try await env.shutdown()
    }

    @Test func heartbeatsAreThrottledAndCarryTheLatestDetails() async throws {
        let testEnv = ActivityTestEnvironment()
        let log = CallLog()
        let running = Task {
            try await testEnv.run(LongActivities.wait, in: LongActivities(log: log), input: Nothing())
        }
        try await waitUntil("three heartbeats") { testEnv.heartbeats.count >= 3 }
        testEnv.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
        let details = try testEnv.heartbeatDetails(as: Int.self)
        #expect(Array(details.prefix(3)) == [1, 2, 3])
        #expect(log.count("canceled after") == 1)

        // A worker sends the first beat at once and then at most one per interval, with the latest details.
        let sent = Mutex<[[Payload]]>([])
        let heartbeater = Heartbeater(
            interval: .seconds(3_600),
            send: { details in
                sent.withLock { $0.append(details) }
                return false
            }, onCancel: {})
        for beat in 1...100 { heartbeater.beat(try DataConverter.default.encode(beat)) }
        heartbeater.finish()
        let beats = try sent.withLock { try $0.map { try DataConverter.default.decode(Int.self, from: $0) } }
        #expect(beats == [1])
    }

    @Test func aHeartbeatThatLearnsOfACancellationCancelsOnce() async throws {
        let cancels = Mutex(0)
        let heartbeater = Heartbeater(
            interval: .zero, send: { _ in true }, onCancel: { cancels.withLock { $0 += 1 } })
        for _ in 1...5 { heartbeater.beat([]) }
        #expect(cancels.withLock { $0 } == 1)
        #expect(heartbeater.isCancelRequested)
    }

    @Test func aCancellableTimerIsCanceledOnItsOwn() async throws {
        let env = try TestEnvironment.start()
        env.addWorker(taskQueue: "q", workflows: [TimerWorkflow.self])
        let handle = try await env.client.startWorkflow(
            TimerWorkflow.self, options: WorkflowOptions(id: "t", taskQueue: "q"))
        #expect(try await handle.result() == "canceled at 60 s")
        #expect(try handle.hasEvent(.timerCanceled))
        try await env.shutdown()
    }

    @Test func externalSignalsCancelsAndUpsertsReachTheirTargets() async throws {
        let env = try TestEnvironment.start()
        try await env.engine.registerNamespace(
            NamespaceSettings(name: "default", retention: .seconds(86_400), searchAttributes: ["Stage": .keyword]))
        env.addWorker(
            taskQueue: "q", workflows: [MessengerWorkflow.self, ConditionWorkflow.self, CancellableWorkflow.self],
            activities: [GreetingActivities(log: CallLog())])
        let waiting = try await env.client.startWorkflow(
            ConditionWorkflow.self, input: 86_400, options: WorkflowOptions(id: "waiting", taskQueue: "q"))
        let sleeper = try await env.client.startWorkflow(
            CancellableWorkflow.self, options: WorkflowOptions(id: "sleeper", taskQueue: "q"))
        let messenger = try await env.client.startWorkflow(
            MessengerWorkflow.self, input: ["waiting", "sleeper"],
            options: WorkflowOptions(id: "messenger", taskQueue: "q"))
        #expect(try await messenger.result() == "sent")
        #expect(try await waiting.result() == "ready")
        await #expect(throws: WorkflowFailedError.self) { try await sleeper.result() }
        let memo = try messenger.describe().memo["note"]
        #expect(try memo.map { try DataConverter.default.decode(String.self, from: [$0]) } == "sent")
        #expect(try env.client.countWorkflows(query: "Stage = 'messaged'") == 1)
        try await env.shutdown()
    }

    @Test func rawBytesPassThroughAndACodecSeesEveryPayload() async throws {
        let env = try TestEnvironment.start()
        let converter = DataConverter(codec: FlipCodec())
        var client = env.client
        client.converter = converter
        env.addWorker(
            taskQueue: "q", workflows: [EchoWorkflow.self], activities: [LongActivities(log: CallLog())],
            options: WorkerOptions(taskQueue: "q", converter: converter, logSink: { _ in }))
        let handle = try await client.startWorkflow(
            EchoWorkflow.self, input: RawBytes([1, 2, 3]), options: WorkflowOptions(id: "echo", taskQueue: "q"))
        #expect(try await handle.result() == RawBytes([3, 2, 1]))
        guard case .workflowExecutionStarted(let started) = try handle.history().first?.attributes else {
            Issue.record("expected a started event")
            return
        }
        #expect(started.input.first?.data == [1, 2, 3].map { ~$0 })
        #expect(started.input.first?.metadata["encoding"] == Array("binary/plain".utf8))
        try await env.shutdown()
    }

    @Test func signalWithStartStartsAndSignalsAndTerminateEndsARun() async throws {
        let env = try TestEnvironment.start()
        env.addWorker(taskQueue: "q", workflows: [ApprovalWorkflow.self])
        let approved = try await env.client.signalWithStart(
            ApprovalWorkflow.self, input: Nothing(), options: WorkflowOptions(id: "sws", taskQueue: "q"),
            signal: ApprovalWorkflow.decide, signalInput: true)
        #expect(try await approved.result() == "approved with limit 100")
        let doomed = try await env.client.startWorkflow(
            ApprovalWorkflow.self, options: WorkflowOptions(id: "doomed", taskQueue: "q"))
        try await doomed.terminate(reason: "test")
        let error = await #expect(throws: WorkflowFailedError.self) { try await doomed.result() }
        #expect(error?.closeEvent == .workflowExecutionTerminated)
        #expect(error?.cause?.message == "test")
        try await env.shutdown()
    }

    @Test func theCacheHoldsAtMostItsSizeAndDroppedRunsGoOnByReplay() async throws {
        let env = try TestEnvironment.start()
        let worker = env.addWorker(
            taskQueue: "q", workflows: [ConditionWorkflow.self],
            options: WorkerOptions(taskQueue: "q", cacheSize: 4, logSink: { _ in }))
        var handles: [WorkflowHandle<ConditionWorkflow>] = []
        for index in 0..<10 {
            handles.append(
                try await env.client.startWorkflow(
                    ConditionWorkflow.self, input: 86_400,
                    options: WorkflowOptions(id: WorkflowID("c\(index)"), taskQueue: "q")))
        }
        try await waitUntil("every run waits") { try handles.allSatisfy { try $0.hasEvent(.timerStarted) } }
        #expect(worker.cachedRuns <= 4)
        for handle in handles { try await handle.signal(ConditionWorkflow.ready) }
        for handle in handles { #expect(try await handle.result() == "ready") }
        #expect(worker.cachedRuns <= 4)
        try await env.shutdown()
    }
}
