import Foundation
import KeelEngine
import Synchronization

/// Keel in one process: an engine on a data file, a client, and workers, with no network.
///
/// ```swift
/// let keel = try KeelRuntime.open(path: "app.keel")
/// keel.addWorker(taskQueue: "payments", workflows: [Transfer.self], activities: [BankActivities(bank: bank)])
/// let receipt = try await keel.client.executeWorkflow(Transfer.self, input: order, options: .init(id: "t-1", taskQueue: "payments"))
/// try await keel.shutdown()
/// ```
///
/// Kill the process at any point and open the file again: runs continue where their history ends.
public final class KeelRuntime: Sendable {
    /// The engine on the data file.
    public let engine: Engine
    /// A client of the engine.
    public let client: KeelClient
    private let workers = WorkerSet()

    init(engine: Engine, client: KeelClient) {
        self.engine = engine
        self.client = client
    }

    /// Opens (or creates) the data file at `path` and returns a runtime with a client; add workers
    /// with `addWorker`.
    ///
    /// - Throws: `EngineError` when the file cannot be opened or recovered.
    public static func open(path: String, options: EngineOptions = EngineOptions()) throws -> KeelRuntime {
        let engine = try Engine.open(path: path, options: options)
        return KeelRuntime(engine: engine, client: KeelClient(engine: engine))
    }

    /// Starts a worker for a task queue; it polls until `shutdown()`.
    @discardableResult
    public func addWorker(
        taskQueue: String, workflows: [any Workflow.Type] = [], activities: [any ActivityContainer] = [],
        options: WorkerOptions? = nil
    ) -> Worker {
        let worker = Worker(
            engine: engine, options: options ?? WorkerOptions(taskQueue: taskQueue), workflows: workflows,
            activities: activities)
        workers.start(worker)
        return worker
    }

    /// Stops the workers (letting running tasks finish) and closes the data file.
    public func shutdown() async throws {
        await workers.stopAll()
        try await engine.close()
    }
}

/// The workers a runtime started and the tasks that run them.
final class WorkerSet: Sendable {
    private let state = Mutex<[(Worker, Task<Void, Never>)]>([])

    func start(_ worker: Worker) {
        let task = Task { await worker.run() }
        state.withLock { $0.append((worker, task)) }
    }

    func stopAll() async {
        let all = state.withLock { state in
            defer { state = [] }
            return state
        }
        for (worker, _) in all { worker.shutdown() }
        for (_, task) in all { await task.value }
    }
}
