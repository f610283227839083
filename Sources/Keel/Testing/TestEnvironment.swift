import Foundation
import KeelEngine
import KeelLog

/// A Keel engine for tests, with time that skips: while a client waits for a result and nothing
/// else can happen, the clock jumps to the next timer. A workflow that sleeps for 30 days completes
/// in milliseconds, and the history records workflow time as if the days had passed.
///
/// The data file lives in a temporary directory that `shutdown()` removes.
public final class TestEnvironment: Sendable {
    public let engine: Engine
    /// A client whose `result()` waits skip time.
    public let client: KeelClient
    /// The environment's clock; tests may also move it by hand.
    public let clock: ManualClock
    let skipper: TimeSkipper
    private let workers = WorkerSet()
    private let directory: String

    /// Opens a fresh engine on a temporary data file with a manual clock.
    public static func start(options: EngineOptions = EngineOptions()) throws -> TestEnvironment {
        let directory = NSTemporaryDirectory() + "keel-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let clock = ManualClock()
        let engine = try Engine.open(path: directory + "/test.keel", options: options, clock: clock)
        return TestEnvironment(engine: engine, clock: clock, directory: directory)
    }

    private init(engine: Engine, clock: ManualClock, directory: String) {
        self.engine = engine
        self.clock = clock
        self.directory = directory
        self.skipper = TimeSkipper(engine: engine, clock: clock)
        var client = KeelClient(engine: engine)
        client.timeSkipper = skipper
        self.client = client
    }

    /// Starts a worker on the environment's engine.
    @discardableResult
    public func addWorker(
        taskQueue: String, workflows: [any Workflow.Type] = [], activities: [any ActivityContainer] = [],
        options: WorkerOptions? = nil
    ) -> Worker {
        let worker = Worker(
            engine: engine, options: options ?? WorkerOptions(taskQueue: taskQueue, logSink: { _ in }),
            workflows: workflows, activities: activities)
        skipper.add(worker)
        workers.start(worker)
        return worker
    }

    /// Moves time forward by hand and fires what fell due.
    public func skip(by duration: Duration) async {
        await engine.settle()
        clock.advance(by: duration)
        await engine.fireDueTimers()
    }

    /// Stops the workers, closes the engine and removes the data file.
    public func shutdown() async throws {
        await workers.stopAll()
        try await engine.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
