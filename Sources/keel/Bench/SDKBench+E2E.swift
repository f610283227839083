import Foundation
import Keel
import KeelEngine
import Synchronization

extension SDKBench {
    /// The size and shape of one end-to-end run, shared by the SDK run and its engine-level baseline.
    struct E2EOptions: Sendable {
        /// Workflows to run to completion.
        var workflows: Int
        /// Clients (Swift tasks), each starting a workflow and waiting for its result before the next.
        var concurrency: Int
        /// Activities each workflow runs in sequence.
        var activities: Int
        /// Workers on the task queue, each with its own sticky queue and cache.
        var workers: Int
        /// Pollers of the normal workflow-task queue per worker (`maxConcurrentWorkflowTasks`).
        var workflowTaskPollers: Int
        /// Activity pollers per worker (`maxConcurrentActivities`).
        var activityPollers: Int
        /// Runs each worker keeps in memory; 0 replays every task and asks for no sticky queue.
        var cacheSize: Int
        /// The data file's engine options.
        var engine: EngineOptions
        /// Timers (of `SDKBench.timerDuration` each) each workflow waits for in sequence, after its activities.
        var timers = 0
        /// How long each activity waits before it returns (SDK runs only; zero returns at once).
        var activityDelay: Duration = .zero
        /// Workflows each run completes one at a time before the timing starts; not counted.
        var warmupWorkflows = 0
        /// How an SDK run starts its workflows, and whether it ends the process on purpose.
        var crash = CrashPlan.none

        var steps: Steps { Steps(activities: activities, timers: timers) }
        /// Whether workers ask for their runs' next tasks on their own queues.
        var isSticky: Bool { cacheSize > 0 }
    }

    /// The crash-recovery shape of an SDK run.
    enum CrashPlan: Sendable, Equatable {
        /// Each client starts a workflow and waits for its result before starting the next.
        case none
        /// Every workflow is started first (one durable start each, as a durable queue takes them), then
        /// the clients wait for the results; after `afterWorkflows` results the process kills itself
        /// with `SIGKILL`, leaving the data file as a crash would.
        case kill(afterWorkflows: Int)
        /// The data file already holds every workflow, started by a run that was killed: the clients
        /// only wait for the results while the workers finish what is left.
        case recover
    }

    /// What one end-to-end run measured.
    struct E2EResult: Sendable {
        /// Workflows whose result came back.
        var workflows: Int
        /// History events of all runs (the sum of their history lengths).
        var events: Int
        /// From the first start to the last result.
        var elapsed: Duration
        /// CPU time the process used in that time (every thread).
        var cpuTime: Duration
        /// Per workflow, from just before its start call to its result, in nanoseconds, in no order.
        var resultLatencyNanoseconds: [UInt64]
        /// When the runtime had opened its data file and its workers were added.
        var openedAt: ContinuousClock.Instant
        /// When the last result came back.
        var finishedAt: ContinuousClock.Instant

        var workflowsPerSecond: Double { SDKBench.rate(workflows, elapsed) }
        var eventsPerSecond: Double { SDKBench.rate(events, elapsed) }
        var cpuMicrosecondsPerEvent: Double { events > 0 ? cpuTime.seconds * 1e6 / Double(events) : 0 }
    }

    /// What the clients of a run measured.
    private struct ClientsOutcome: Sendable {
        var elapsed: Duration
        var cpuTime: Duration
        var latencies: [UInt64]
        var finishedAt: ContinuousClock.Instant
    }

    /// The benchmark's activity when each call waits `delay` before it echoes its input, standing in
    /// for a step that does some work.
    struct DelayedActivities: ActivityContainer {
        var delay: Duration

        var activities: [ActivityImplementation] {
            [
                ActivityImplementation(SDKBench.echo) { [delay] value, _ in
                    try await Task.sleep(for: delay)
                    return value
                }
            ]
        }
    }

    /// Runs `options.workflows` workflows through the SDK: a `KeelRuntime` on the data file at `path`
    /// (created), `options.workers` workers, and `options.concurrency` clients that each start a
    /// workflow with `KeelClient.startWorkflow` and wait for `result()`. `progress` gets the number
    /// of workflows done, about a hundred times per run.
    ///
    /// - Throws: the first error of a client (a start, a result, a wrong result) or of the engine.
    static func runSDK(
        path: String, options: E2EOptions, progress: @escaping @Sendable (Int) -> Void
    ) async throws -> E2EResult {
        let runtime = try KeelRuntime.open(path: path, options: options.engine)
        let container: any ActivityContainer =
            options.activityDelay > .zero ? DelayedActivities(delay: options.activityDelay) : Activities()
        for index in 0..<options.workers {
            let workerOptions = WorkerOptions(
                taskQueue: taskQueue, maxConcurrentWorkflowTasks: options.workflowTaskPollers,
                maxConcurrentActivities: options.activityPollers, cacheSize: options.cacheSize,
                pollTimeout: pollTimeout, identity: "bench-worker-\(index)")
            runtime.addWorker(
                taskQueue: taskQueue, workflows: [StepsWorkflow.self], activities: [container],
                options: workerOptions)
        }
        let openedAt = ContinuousClock.now
        let client = runtime.client
        let steps = options.steps
        let outcome: ClientsOutcome
        do {
            @Sendable func check(_ echoed: Int, _ index: Int) throws {
                guard echoed == steps.activities else {
                    throw BenchError(
                        "sdk", "workflow \(index) expected \(steps.activities) activities echoed, found \(echoed)")
                }
            }
            @Sendable func start(_ index: Int) async throws -> WorkflowHandle<StepsWorkflow> {
                try await client.startWorkflow(
                    StepsWorkflow.self, input: steps,
                    options: WorkflowOptions(id: workflowID(index), taskQueue: taskQueue))
            }
            switch options.crash {
            case .none:
                outcome = try await runClients(
                    options: options, progress: progress,
                    // Closing the engine wakes every client still waiting for a result.
                    onFailure: { try? await runtime.engine.close() }
                ) { index in
                    try check(try await start(index).result(), index)
                }
            case .kill(let afterWorkflows):
                for index in 0..<options.workflows { _ = try await start(index) }
                let finished = Atomic<Int>(0)
                outcome = try await runClients(
                    options: options, progress: progress, onFailure: { try? await runtime.engine.close() }
                ) { index in
                    try check(try await client.handle(StepsWorkflow.self, id: workflowID(index)).result(), index)
                    // The kill comes from inside the run, so the data file is left exactly as a crash leaves it.
                    if finished.wrappingAdd(1, ordering: .relaxed).newValue == afterWorkflows {
                        kill(getpid(), SIGKILL)
                    }
                }
            case .recover:
                outcome = try await runClients(
                    options: options, progress: progress, onFailure: { try? await runtime.engine.close() }
                ) { index in
                    try check(try await client.handle(StepsWorkflow.self, id: workflowID(index)).result(), index)
                }
            }
        } catch {
            try? await runtime.shutdown()
            throw error
        }
        let events: Int
        do {
            events = try countEvents(runtime.engine, workflows: options.workflows)
        } catch {
            try? await runtime.shutdown()
            throw error
        }
        try await runtime.shutdown()
        return E2EResult(
            workflows: outcome.latencies.count, events: events, elapsed: outcome.elapsed, cpuTime: outcome.cpuTime,
            resultLatencyNanoseconds: outcome.latencies, openedAt: openedAt, finishedAt: outcome.finishedAt)
    }

    /// Runs `workflow` for indices `0..<options.workflows` from `options.concurrency` Swift tasks and
    /// times each call and the whole. After the first error, the clients take no new index and
    /// `onFailure` runs: it must end the calls still waiting (by closing the engine).
    ///
    /// - Throws: the first error `workflow` threw.
    private static func runClients(
        options: E2EOptions, progress: @escaping @Sendable (Int) -> Void,
        onFailure: @escaping @Sendable () async -> Void, _ workflow: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> ClientsOutcome {
        // Warm-up workflows take indices below zero, so their ids never meet a timed workflow's.
        for index in 0..<options.warmupWorkflows { try await workflow(-1 - index) }
        let shared = ClientsShared(workflows: options.workflows)
        let total = options.workflows
        let step = max(1, total / 100)
        let clock = ContinuousClock()
        let startCPU = processCPUTime()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<min(options.concurrency, total) {
                group.addTask {
                    while true {
                        let index = shared.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < total else { return }
                        let began = clock.now
                        try await workflow(index)
                        let latency = nanoseconds(began.duration(to: clock.now))
                        shared.latencies.withLock { $0.append(latency) }
                        let finished = shared.done.wrappingAdd(1, ordering: .relaxed).newValue
                        if finished % step == 0 || finished == total { progress(finished) }
                    }
                }
            }
            do {
                try await group.waitForAll()
            } catch {
                shared.next.store(total, ordering: .relaxed)
                await onFailure()
                throw error
            }
        }
        let finishedAt = clock.now
        return ClientsOutcome(
            elapsed: start.duration(to: finishedAt), cpuTime: processCPUTime() - startCPU,
            latencies: shared.latencies.withLock { $0 }, finishedAt: finishedAt)
    }

    /// What the clients of one run share.
    private final class ClientsShared: Sendable {
        /// The index of the next workflow to start.
        let next = Atomic<Int>(0)
        /// Workflows whose result came back.
        let done = Atomic<Int>(0)
        let latencies: Mutex<[UInt64]>

        init(workflows: Int) {
            var latencies: [UInt64] = []
            latencies.reserveCapacity(workflows)
            self.latencies = Mutex(latencies)
        }
    }

    /// Returns the sum of the benchmark workflows' history lengths.
    ///
    /// - Complexity: O(workflows).
    /// - Throws: `EngineError` when a run is missing.
    private static func countEvents(_ engine: Engine, workflows: Int) throws -> Int {
        var events = 0
        for index in 0..<workflows {
            // An empty run id names the workflow id's current run: the one this benchmark started.
            let execution = WorkflowExecution(workflowID: workflowID(index), runID: RunID(""))
            events += Int(try engine.describe(execution: execution).historyLength)
        }
        return events
    }

    /// Runs the same workflows at the engine's worker API, as the baseline: the same clients start
    /// each workflow with `Engine.startWorkflow` and wait with `Engine.awaitClose`, and Swift tasks
    /// poll and answer tasks the way the SDK's workers do (per worker: `workflowTaskPollers` on the
    /// normal queue and as many on its sticky queue, `activityPollers` for activities, the same poll
    /// timeout and sticky attributes), issuing the commands the workflow code would issue with the
    /// same payloads, but without running any workflow code: the next command follows from the last
    /// activity scheduled in the task's events.
    ///
    /// - Throws: the first error of a client or a poller.
    static func runEngine(
        path: String, options: E2EOptions, progress: @escaping @Sendable (Int) -> Void
    ) async throws -> E2EResult {
        let engine = try Engine.open(path: path, options: options.engine)
        let openedAt = ContinuousClock.now
        let converter = DataConverter.default
        let steps = options.steps
        let plan = EnginePlan(
            input: try converter.encode(steps), result: try converter.encode(steps.activities),
            activityInputs: try (0..<steps.activities).map { try converter.encode($0) }, activities: steps.activities)
        let outcome: ClientsOutcome
        do {
            outcome = try await withThrowingTaskGroup(of: ClientsOutcome?.self) { group in
                for worker in 0..<options.workers {
                    let identity = "bench-worker-\(worker)"
                    let sticky =
                        options.isSticky
                        ? StickyAttributes(
                            taskQueue: "\(taskQueue)/sticky/\(worker)", scheduleToStartTimeout: .seconds(5))
                        : nil
                    var queues = Array(repeating: taskQueue, count: options.workflowTaskPollers)
                    if let sticky {
                        queues += Array(repeating: sticky.taskQueue, count: options.workflowTaskPollers)
                    }
                    for queue in queues {
                        group.addTask {
                            try await pollWorkflowTasks(engine, queue: queue, sticky: sticky, identity: identity, plan)
                            return nil
                        }
                    }
                    for _ in 0..<options.activityPollers {
                        group.addTask {
                            try await pollActivityTasks(engine, identity: identity)
                            return nil
                        }
                    }
                }
                group.addTask {
                    try await runClients(
                        options: options, progress: progress, onFailure: { try? await engine.close() }
                    ) { index in
                        let request = StartWorkflowRequest(
                            workflowID: workflowID(index), workflowType: workflowType, taskQueue: taskQueue,
                            input: plan.input, identity: "bench-client", requestID: UUID().uuidString)
                        let started = try await engine.startWorkflow(request)
                        let close = try await engine.awaitClose(
                            execution: WorkflowExecution(workflowID: workflowID(index), runID: started.runID))
                        guard case .workflowExecutionCompleted = close.attributes else {
                            throw BenchError(
                                "engine", "workflow \(index) expected to complete, found \(close.eventType)")
                        }
                    }
                }
                do {
                    // Pollers end only when canceled or by throwing; the clients' outcome ends the run.
                    while let finished = try await group.next() {
                        if let finished {
                            group.cancelAll()
                            return finished
                        }
                    }
                    preconditionFailure("the clients' task ended without an outcome")
                } catch {
                    group.cancelAll()
                    // Closing the engine wakes the clients waiting for a run to close.
                    try? await engine.close()
                    throw error
                }
            }
        } catch {
            try? await engine.close()
            throw error
        }
        let events: Int
        do {
            events = try countEvents(engine, workflows: options.workflows)
        } catch {
            try? await engine.close()
            throw error
        }
        try await engine.close()
        return E2EResult(
            workflows: outcome.latencies.count, events: events, elapsed: outcome.elapsed, cpuTime: outcome.cpuTime,
            resultLatencyNanoseconds: outcome.latencies, openedAt: openedAt, finishedAt: outcome.finishedAt)
    }

    /// The payloads the baseline's pollers send: the same bytes the SDK's data converter makes.
    private struct EnginePlan: Sendable {
        var input: [Payload]
        var result: [Payload]
        var activityInputs: [[Payload]]
        var activities: Int
    }

    private static func pollWorkflowTasks(
        _ engine: Engine, queue: String, sticky: StickyAttributes?, identity: String, _ plan: EnginePlan
    ) async throws {
        while !Task.isCancelled {
            guard
                let task = try await engine.pollWorkflowTask(taskQueue: queue, identity: identity, timeout: pollTimeout)
            else { continue }
            let done = completedActivities(in: task.history)
            let command: Command
            if done >= plan.activities {
                command = .completeWorkflowExecution(result: plan.result)
            } else {
                command = .scheduleActivityTask(
                    ScheduleActivityTask(
                        activityID: String(done + 1), activityType: activityType, taskQueue: taskQueue,
                        input: plan.activityInputs[done], startToCloseTimeout: activityTimeout))
            }
            try await engine.completeWorkflowTask(
                task.taskToken, commands: [command], identity: identity, sticky: sticky)
        }
    }

    /// The activities a workflow has completed, read from the events its task carries: every
    /// activity it scheduled completed before this task, so the last scheduled activity's id (its
    /// number) is the count. A sticky task's partial history still holds the last scheduling.
    private static func completedActivities(in history: [HistoryEvent]) -> Int {
        for event in history.reversed() {
            if case .activityTaskScheduled(let scheduled) = event.attributes { return Int(scheduled.activityID) ?? 0 }
        }
        return 0
    }

    private static func pollActivityTasks(_ engine: Engine, identity: String) async throws {
        while !Task.isCancelled {
            guard
                let task = try await engine.pollActivityTask(
                    taskQueue: taskQueue, identity: identity, timeout: pollTimeout)
            else { continue }
            try await engine.completeActivity(task.taskToken, result: task.input, identity: identity)
        }
    }
}
