import KeelLog
import Testing

@testable import KeelEngine

@Suite("Engine limits: bad input gets a typed error and the engine keeps working")
struct LimitTests {
    @Test func oversizedTextsAndPayloadListsAreRefused() async throws {
        let harness = try EngineHarness { $0.limits.payloadBytesMax = 1_024 }
        let long = String(repeating: "x", count: 1_001)
        let error = await engineError { _ = try await harness.start("limits") { $0.identity = long } }
        #expect(error?.code == .limitExceeded)
        #expect(error?.message.contains("identity of 1001 bytes") == true)
        let manyEmpty = Array(repeating: Payload(data: []), count: 70_000)
        let countError = await engineError { _ = try await harness.start("limits") { $0.input = manyEmpty } }
        #expect(countError?.code == .limitExceeded)
        let big = await engineError {
            _ = try await harness.start("limits") { $0.memo = ["m": .binary(Array(repeating: 1, count: 2_000))] }
        }
        #expect(big?.message.contains("memo") == true)
        let execution = try await harness.start("limits")
        let signal = await engineError {
            try await harness.engine.signal(execution: execution, SignalRequest(name: "s", identity: long))
        }
        #expect(signal?.code == .limitExceeded)
        #expect(try harness.types(execution) == [.workflowExecutionStarted, .workflowTaskScheduled])
    }

    @Test func nonFiniteSearchAttributeIsRefused() async throws {
        let harness = try EngineHarness()
        try await harness.engine.registerNamespace(
            NamespaceSettings(name: "default", retention: .seconds(3600), searchAttributes: ["Score": .double]))
        let error = await engineError {
            _ = try await harness.start("nan") { $0.searchAttributes = ["Score": .double(.nan)] }
        }
        #expect(error?.message.contains("finite") == true)
        _ = try await harness.start("nan") { $0.searchAttributes = ["Score": .double(1.5)] }
    }

    @Test func completionAboveItsByteLimitFailsTheTaskNotTheEngine() async throws {
        let harness = try EngineHarness { $0.limits.workflowTaskCompletionBytesMax = 4_096 }
        let execution = try await harness.start("heavy")
        let task = try await harness.workflowTask()
        let commands = (0..<10).map { index in
            Command.scheduleActivityTask(
                ScheduleActivityTask(
                    activityID: "a\(index)", activityType: "T", input: [.binary(Array(repeating: 7, count: 1_000))],
                    startToCloseTimeout: .seconds(5)))
        }
        let error = await engineError { try await harness.complete(task, commands) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("workflowTaskCompletionBytesMax") == true)
        #expect(try harness.types(execution).contains(.workflowTaskFailed))
        let retry = try await harness.workflowTask()
        try await harness.complete(retry, [.completeWorkflowExecution(result: [])])
        #expect(try harness.engine.describe(execution: execution).record.status == .completed)
    }

    @Test func signalsBeyondTheBufferedLimitWaitForTheTask() async throws {
        let harness = try EngineHarness { $0.limits.bufferedBytesMax = 2_000 }
        let execution = try await harness.start("buffer")
        let task = try await harness.workflowTask()
        var accepted = 0
        var refusal: EngineError?
        for index in 0..<20 {
            let error = await engineError {
                try await harness.engine.signal(
                    execution: execution, SignalRequest(name: "s", input: [.binary(Array(repeating: 1, count: 300))]))
            }
            if let error {
                refusal = error
                break
            }
            accepted = index + 1
        }
        #expect(refusal?.code == .limitExceeded)
        #expect(accepted > 0 && accepted < 20)
        try await harness.complete(task, [])
        #expect(try harness.types(execution).filter { $0 == .workflowExecutionSignaled }.count == accepted)
        try await harness.engine.signal(execution: execution, SignalRequest(name: "after"))
    }
}
