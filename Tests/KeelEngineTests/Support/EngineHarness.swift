import KeelLog
import Testing

@testable import KeelEngine

/// An engine on a simulated disk with a manual clock, and shortcuts for driving it like a worker.
final class EngineHarness: @unchecked Sendable {
    let disk: SimulatedDisk
    let clock: ManualClock
    let options: EngineOptions
    let seed: UInt64
    private(set) var engine: Engine
    /// How many times the engine was opened; each open seeds run ids differently, so ids never repeat.
    private var opens = 0

    static let fileName = "keel.db"

    init(seed: UInt64 = 1, partitions: Int = 2, configure: (inout EngineOptions) -> Void = { _ in }) throws {
        self.seed = seed
        disk = SimulatedDisk(seed: seed)
        clock = ManualClock()
        var options = EngineOptions()
        options.partitionCount = partitions
        options.log.segmentBytes = 1 << 20
        configure(&options)
        self.options = options
        engine = try Self.open(disk: disk, clock: clock, options: options, seed: seed)
    }

    static func open(disk: SimulatedDisk, clock: ManualClock, options: EngineOptions, seed: UInt64) throws -> Engine {
        let file = try disk.open(fileName, create: true)
        let store = try LogStore.open(file: file, options: options.log)
        return try Engine.open(store: store, options: options, clock: clock, runIDSeed: seed)
    }

    /// Closes the engine cleanly and opens it again from the same disk.
    func reopen() async throws {
        try await engine.close()
        opens += 1
        engine = try Self.open(disk: disk, clock: clock, options: options, seed: seed &+ UInt64(opens) &* 1000)
        await engine.settle()
    }

    /// Crashes the disk (unsynced writes are lost or torn) and opens the engine again.
    func crashAndReopen(_ mode: SimulatedDisk.CrashMode = .dropUnsynced) async throws {
        disk.crash(mode)
        opens += 1
        engine = try Self.open(disk: disk, clock: clock, options: options, seed: seed &+ UInt64(opens) &* 1000)
        await engine.settle()
    }

    /// Moves the clock and fires what is due.
    func advance(by duration: Duration) async {
        clock.advance(by: duration)
        await engine.fireDueTimers()
    }

    func start(
        _ workflowID: String, type: String = "Greeting", queue: String = "main", input: [Payload] = [],
        configure: (inout StartWorkflowRequest) -> Void = { _ in }
    ) async throws -> WorkflowExecution {
        var request = StartWorkflowRequest(
            workflowID: WorkflowID(workflowID), workflowType: type, taskQueue: queue, input: input)
        configure(&request)
        let result = try await engine.startWorkflow(request)
        return WorkflowExecution(workflowID: WorkflowID(workflowID), runID: result.runID)
    }

    /// Takes the next workflow task of `queue`, requiring one to be there.
    func workflowTask(queue: String = "main", sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> WorkflowTask
    {
        let task = try await engine.pollWorkflowTask(taskQueue: queue, identity: "test-worker", timeout: .zero)
        return try #require(task, "expected a workflow task on \(queue)", sourceLocation: sourceLocation)
    }

    func activityTask(queue: String = "main", sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> ActivityTask
    {
        let task = try await engine.pollActivityTask(taskQueue: queue, identity: "test-worker", timeout: .zero)
        return try #require(task, "expected an activity task on \(queue)", sourceLocation: sourceLocation)
    }

    func noWorkflowTask(queue: String = "main") async throws -> Bool {
        try await engine.pollWorkflowTask(taskQueue: queue, timeout: .zero) == nil
    }

    func complete(_ task: WorkflowTask, _ commands: [Command], sticky: StickyAttributes? = nil) async throws {
        try await engine.completeWorkflowTask(
            task.taskToken, commands: commands, identity: "test-worker", sticky: sticky)
    }

    func history(_ execution: WorkflowExecution) throws -> [HistoryEvent] {
        try engine.history(execution: execution)
    }

    func types(_ execution: WorkflowExecution) throws -> [EventType] {
        try history(execution).map(\.eventType)
    }
}

extension Payload {
    static func text(_ value: String) -> Payload { .json(Array("\"\(value)\"".utf8)) }

    var text: String { String(decoding: data, as: UTF8.self) }
}

extension ScheduleActivityTask {
    static func simple(_ id: String, type: String = "Charge", retry: RetryPolicy? = nil) -> ScheduleActivityTask {
        ScheduleActivityTask(
            activityID: id, activityType: type, input: [.text(id)], startToCloseTimeout: .seconds(30),
            retryPolicy: retry)
    }
}

/// Runs `body` and returns the `EngineError` it threw, or nil when it threw nothing.
func engineError(_ body: () async throws -> Void) async -> EngineError? {
    do {
        try await body()
        return nil
    } catch let error as EngineError {
        return error
    } catch {
        Issue.record("expected an EngineError, found \(error)")
        return nil
    }
}
