import Keel
import KeelEngine
import KeelExamples
import Synchronization
import Testing

@Suite("Examples: a counter entity that continues as new")
struct EntityCounterTests {
    private static let queue = EntityCounterExample.taskQueue

    @Test func exampleRunCountsEverySignalOverSeveralRuns() async throws {
        let summary = try await withEnvironment { env in try await EntityCounterExample.run(on: env) }
        #expect(summary.final.count == (1...60).reduce(0, +))
        #expect(summary.final.additions == 60)
        #expect(summary.runs.count >= 2)
        #expect(summary.final.run == summary.runs.count)
        #expect(summary.queried == summary.final)
    }

    @Test func entityKeepsItsCountAcrossContinueAsNewRuns() async throws {
        let limit = 12
        try await withEnvironment { env in
            EntityCounterExample.addWorker(to: env)
            let first = try await env.client.startWorkflow(
                CounterWorkflow.self, input: CounterState(count: 100, historyLimit: limit),
                options: WorkflowOptions(id: "counter-cas", taskQueue: Self.queue))
            let entity = env.client.handle(CounterWorkflow.self, id: "counter-cas")
            // Forty signals are more events than one run may hold, so the entity continues as new at
            // least once; each signal goes to whichever run is current when it arrives.
            for amount in 1...40 { try await entity.signal(CounterWorkflow.add, amount) }
            try await entity.signal(CounterWorkflow.stop)

            let final = try await entity.result()
            #expect(final.count == 100 + (1...40).reduce(0, +))
            #expect(final.additions == 40)
            #expect(try await entity.query(CounterWorkflow.state) == final)

            let runs = try EntityCounterExample.runChain(client: env.client, from: first.execution)
            #expect(runs.count >= 2)
            #expect(final.run == runs.count)
            for (index, run) in runs.enumerated() {
                let history = try env.client.handle(CounterWorkflow.self, id: "counter-cas", runID: run).history()
                if index < runs.count - 1 {
                    // A run continues as new only once its history has reached the limit.
                    #expect(history.last?.eventType == .workflowExecutionContinuedAsNew)
                    #expect(history.count >= limit)
                } else {
                    #expect(history.last?.eventType == .workflowExecutionCompleted)
                }
                if index > 0, case .workflowExecutionStarted(let started) = history.first?.attributes {
                    #expect(started.continuedFromRunID == runs[index - 1])
                }
            }
        }
    }

    @Test func entityBelowItsHistoryLimitStaysInOneRun() async throws {
        try await withEnvironment { env in
            EntityCounterExample.addWorker(to: env)
            let first = try await env.client.startWorkflow(
                CounterWorkflow.self, input: CounterState(historyLimit: 1_000),
                options: WorkflowOptions(id: "counter-small", taskQueue: Self.queue))
            for amount in 1...5 { try await first.signal(CounterWorkflow.add, amount) }
            try await first.signal(CounterWorkflow.stop)
            let final = try await first.result()
            #expect(final.count == 15)
            #expect(final.run == 1)
            #expect(try EntityCounterExample.runChain(client: env.client, from: first.execution).count == 1)
        }
    }

    @Test func historyLimitTooSmallToHoldASignalIsRefused() async throws {
        try await withEnvironment { env in
            EntityCounterExample.addWorker(to: env)
            let handle = try await env.client.startWorkflow(
                CounterWorkflow.self, input: CounterState(historyLimit: 3),
                options: WorkflowOptions(id: "counter-tiny", taskQueue: Self.queue))
            let error = await #expect(throws: WorkflowFailedError.self) { try await handle.result() }
            #expect(error?.cause.flatMap { ApplicationError(failure: $0) }?.type == "InvalidHistoryLimit")
        }
    }
}

@Suite("Examples: entities racing their own signals")
struct EntityEngineIssueTests {
    @Test func closingTaskRacedByNewEventsIsRetriedAtOnce() async throws {
        try await withEnvironment { env in
            env.addWorker(
                taskQueue: "racing", workflows: [RacedClosingWorkflow.self],
                activities: [SelfSignaler(client: env.client, workflowID: "raced", times: 4)],
                options: nil)
            let handle = try await env.client.startWorkflow(
                RacedClosingWorkflow.self, options: WorkflowOptions(id: "raced", taskQueue: "racing"))
            #expect(try await handle.result() == 4)
            let history = try handle.history()
            // Each of the first four tasks tried to complete while a signal it caused was arriving;
            // the engine rightly refused each completion and the fifth task completed the run.
            #expect(history.count(of: .workflowTaskFailed) == 4)
            let elapsed = try #require(history.last).time - history.startTime
            // A task refused with UnhandledCommand is retried at once, as a first attempt.
            #expect(elapsed == .zero, "the run took \(elapsed) of workflow time in task backoffs")
        }
    }
}

/// Runs one local activity (which signals this very workflow while the task runs) and completes;
/// returns how many signals it saw.
private final class RacedClosingWorkflow: Workflow {
    static let ping = Signal<RacedClosingWorkflow, Nothing>("ping") { workflow, _, _ in workflow.pings += 1 }
    static var handlers: [WorkflowHandler<RacedClosingWorkflow>] { [ping.handler] }
    private var pings = 0

    init() {}

    func run(context: WorkflowContext, input: Nothing) async throws -> Int {
        _ = try await context.executeLocalActivity(SelfSignaler.pingSelf, input: Nothing())
        return pings
    }
}

/// A local activity that signals its own workflow the first `times` times it runs.
private struct SelfSignaler: ActivityContainer {
    static let pingSelf = ActivityDefinition<Nothing, Nothing>("PingSelf")
    let client: KeelClient
    let workflowID: WorkflowID
    let times: Int
    private let runs = Runs()

    init(client: KeelClient, workflowID: WorkflowID, times: Int) {
        self.client = client
        self.workflowID = workflowID
        self.times = times
    }

    private final class Runs: Sendable {
        let count = Mutex(0)
    }

    var activities: [ActivityImplementation] {
        let client = self.client
        let workflowID = self.workflowID
        let runs = self.runs
        let times = self.times
        return [
            ActivityImplementation(Self.pingSelf) { _, _ in
                let isPinging = runs.count.withLock { count in
                    count += 1
                    return count <= times
                }
                if isPinging {
                    try await client.handle(RacedClosingWorkflow.self, id: workflowID).signal(RacedClosingWorkflow.ping)
                }
                return Nothing()
            }
        ]
    }
}
