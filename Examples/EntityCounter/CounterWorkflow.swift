import Keel
import KeelEngine

/// A counter entity's state, carried from run to run.
public struct CounterState: Codable, Sendable, Hashable {
    /// The counter's value.
    public var count: Int
    /// How many `add` signals the entity applied, over all its runs.
    public var additions: Int
    /// The run's place in the chain of runs, from 1.
    public var run: Int
    /// The history length in events past which the entity continues as new.
    public var historyLimit: Int
    /// Whether a `stop` signal arrived; a run that starts with it set completes at once.
    public var isStopRequested: Bool

    /// Creates the state of a new counter.
    public init(count: Int = 0, historyLimit: Int = 1_000) {
        self.count = count
        self.additions = 0
        self.run = 1
        self.historyLimit = historyLimit
        self.isStopRequested = false
    }
}

/// A long-lived counter entity: one workflow per counter, which takes `add` signals for as long as
/// it lives and answers a `state` query. Each signal adds events to the run's history, so once the
/// history passes `historyLimit` events the entity continues as new: the run closes and a new run of
/// the same workflow id starts with the state as its input and an empty history. Clients address the
/// entity by workflow id alone and never notice the change of run.
public final class CounterWorkflow: Workflow {
    public static let name = "EntityCounter"

    /// The fewest events a limit may allow: a new run's history needs a few events before it can
    /// take a signal, so a smaller limit would continue as new forever.
    public static let historyLimitMin = 10

    /// Adds a number to the counter.
    public static let add = Signal<CounterWorkflow, Int>("add") { workflow, _, amount in
        workflow.pending.append(amount)
    }

    /// Ends the entity; its run completes with the final state.
    public static let stop = Signal<CounterWorkflow, Nothing>("stop") { workflow, _, _ in
        workflow.state.isStopRequested = true
    }

    /// The counter's state, including what earlier runs counted.
    public static let state = Query<CounterWorkflow, Nothing, CounterState>("state") { workflow, _ in workflow.state }

    public static var handlers: [WorkflowHandler<CounterWorkflow>] { [add.handler, stop.handler, state.handler] }

    private var state = CounterState()
    // Signals wait here until the main loop applies them, so a signal that arrives before the run's
    // body has taken its input is not lost, and none is dropped when the run continues as new.
    private var pending: [Int] = []

    public init() {}

    public func run(context: WorkflowContext, input: CounterState) async throws -> CounterState {
        guard input.historyLimit >= Self.historyLimitMin else {
            throw ApplicationError(
                "expected a history limit of at least \(Self.historyLimitMin) events, found \(input.historyLimit)",
                type: "InvalidHistoryLimit", isNonRetryable: true)
        }
        // A stop that arrived with the run's first task is kept.
        let isStopRequested = state.isStopRequested
        state = input
        state.isStopRequested = state.isStopRequested || isStopRequested
        while true {
            try await context.condition {
                !self.pending.isEmpty || self.state.isStopRequested || self.isHistoryFull(context)
            }
            for amount in pending {
                state.count += amount
                state.additions += 1
            }
            pending.removeAll()
            // A full history comes first, even before a stop: the run hands its state on at once,
            // and the next run, with room in its history, completes the stop.
            if isHistoryFull(context) {
                var next = state
                next.run += 1
                try context.continueAsNew(CounterWorkflow.self, input: next)
            }
            if state.isStopRequested { return state }
        }
    }

    private func isHistoryFull(_ context: WorkflowContext) -> Bool {
        context.info.historyLength >= Int64(state.historyLimit)
    }
}
