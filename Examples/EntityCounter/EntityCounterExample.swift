import Keel
import KeelEngine

/// Runs a counter entity with a small history limit, sends it a stream of `add` signals (more than
/// one run's history may hold, so it continues as new at least once), stops it and reads its state
/// and its chain of runs.
public enum EntityCounterExample {
    /// The task queue the example's worker serves.
    public static let taskQueue = "entities"

    /// Starts a worker for the counter workflow.
    @discardableResult
    public static func addWorker(to host: some ExampleHost) -> Worker {
        host.addWorker(taskQueue: taskQueue, workflows: [CounterWorkflow.self], activities: [], options: nil)
    }

    /// Starts a worker on `host` and runs the example.
    ///
    /// - Throws: an engine error when the workflow cannot be started or signaled, or `WorkflowFailedError`.
    public static func run(on host: some ExampleHost) async throws -> EntityCounterSummary {
        addWorker(to: host)
        return try await run(client: host.client)
    }

    /// Runs the example with `client` (a worker must serve `taskQueue`): adds 1 through `signals` and
    /// returns the final state, what the `state` query answers, and the runs the entity went through.
    ///
    /// - Throws: an engine error when the workflow cannot be started or signaled, or `WorkflowFailedError`.
    public static func run(
        client: KeelClient, id: WorkflowID = "counter-1", signals: Int = 60, historyLimit: Int = 20
    ) async throws -> EntityCounterSummary {
        let first = try await client.startWorkflow(
            CounterWorkflow.self, input: CounterState(historyLimit: historyLimit),
            options: WorkflowOptions(id: id, taskQueue: taskQueue))
        // Signals go to the workflow id's current run, whichever run that is by then.
        let entity = client.handle(CounterWorkflow.self, id: id)
        for amount in 1...max(1, signals) {
            try await entity.signal(CounterWorkflow.add, amount)
        }
        try await entity.signal(CounterWorkflow.stop)
        let final = try await entity.result()
        let queried = try await entity.query(CounterWorkflow.state)
        let runs = try runChain(client: client, from: first.execution)
        return EntityCounterSummary(final: final, queried: queried, runs: runs)
    }

    /// Returns the runs of a chain of continue-as-new, from `execution` to the last, by following
    /// each run's closing event.
    ///
    /// - Complexity: O(events in all the runs).
    /// - Throws: an engine error when a history cannot be read.
    public static func runChain(client: KeelClient, from execution: WorkflowExecution) throws -> [RunID] {
        var runs = [execution.runID]
        var current = execution
        while let last = try client.engine.history(namespace: client.namespace, execution: current).last,
            case .workflowExecutionContinuedAsNew(let continued) = last.attributes
        {
            runs.append(continued.newExecutionRunID)
            current = WorkflowExecution(workflowID: execution.workflowID, runID: continued.newExecutionRunID)
        }
        return runs
    }
}

/// What the entity example did, printable.
public struct EntityCounterSummary: Sendable, CustomStringConvertible {
    /// The state the last run completed with.
    public var final: CounterState
    /// What the `state` query answered after the entity stopped.
    public var queried: CounterState
    /// The entity's runs, first to last.
    public var runs: [RunID]

    public var description: String {
        """
        count \(final.count) after \(final.additions) additions, over \(runs.count) runs \
        (continued as new past \(final.historyLimit) events)
        state query: count \(queried.count), run \(queried.run)
        """
    }
}
