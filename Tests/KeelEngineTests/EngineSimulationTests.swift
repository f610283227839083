import Foundation
import KeelLog
import Testing

@testable import KeelEngine

/// Deterministic simulation of the engine: seeded random workloads of scripted workflows, signals,
/// workers that forget tasks, time jumps, crashes and reopens, checked against what the test itself
/// acknowledged (an oracle independent of the engine).
@Suite("Engine simulation")
struct EngineSimulationTests {
    /// The seeds of this run: `KEEL_SIM_SEED` alone when set, otherwise `KEEL_SIM_SEEDS` (default 8)
    /// seeds from a random base.
    static func seeds() -> [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["KEEL_SIM_SEED"], let seed = UInt64(text) { return [seed] }
        let count = environment["KEEL_SIM_SEEDS"].flatMap { Int($0) } ?? 8
        let base = UInt64.random(in: 0...(UInt64.max / 2))
        return (0..<UInt64(max(count, 0))).map { base &+ $0 }
    }

    @Test func randomWorkloadsKeepEveryPromise() async throws {
        for seed in Self.seeds() {
            print("simulation seed \(seed) (KEEL_SIM_SEED=\(seed) replays it)")
            let simulation = try EngineSimulation(seed: seed)
            await simulation.run()
            simulation.recordProblems()
            if !simulation.problems.isEmpty { return }
        }
    }

    /// Seeds kept because they once failed or reach paths that once failed, replayed on every run:
    /// 1805450746722588192 found (with an earlier version of the workload) a run left without a
    /// workflow task by a restart during its retry backoff; 8911307231206264972 restarts the engine
    /// many times while activities retry, which lost their attempt counts before the engine kept them.
    @Test(arguments: [UInt64(1_805_450_746_722_588_192), 8_911_307_231_206_264_972])
    func regressionSeed(_ seed: UInt64) async throws {
        print("simulation seed \(seed) (KEEL_SIM_SEED=\(seed) replays it)")
        let simulation = try EngineSimulation(seed: seed)
        await simulation.run()
        simulation.recordProblems()
    }

    @Test func scriptsSurviveTheirEncodingAndPredictTheirResult() {
        let script = WorkflowScript(steps: [
            .flakyReplay(attempts: 2), .activity(name: "a0", failures: 3, maximumAttempts: 3, backoffSeconds: 2),
            .timer(name: "t1", seconds: 30), .signal(name: "go"), .child(name: "c3", failures: 1, seconds: 5),
            .signal(name: "go"),
        ])
        #expect(WorkflowScript(input: script.input) == script)
        #expect(
            script.expectedResult(signals: [("noise", "sig-1"), ("go", "sig-2"), ("go", "sig-3")])
                == "a0=failed,t1=fired,go=sig-2,c3=(x=ok,y=fired),go=sig-3")
        #expect(WorkflowScript(input: [.binary(Array("a:x:1".utf8))]) == nil)
    }

    @Test func sameSeedReplaysTheSameHistories() async throws {
        let seed = Self.seeds()[0]
        print("simulation seed \(seed) (KEEL_SIM_SEED=\(seed) replays it)")
        var digests: [String] = []
        for _ in 0..<2 {
            let simulation = try EngineSimulation(seed: seed, steps: 150)
            await simulation.run()
            simulation.recordProblems()
            digests.append(simulation.finalDigest)
        }
        #expect(digests[0] == digests[1], "seed \(seed): two runs of the same seed wrote different histories")
    }
}

extension EventType {
    /// True for the events of a workflow task's life.
    var isWorkflowTaskEvent: Bool {
        switch self {
        case .workflowTaskScheduled, .workflowTaskStarted, .workflowTaskCompleted, .workflowTaskFailed,
            .workflowTaskTimedOut:
            true
        default: false
        }
    }
}

/// What the test acknowledged about one workflow, kept apart from the engine.
final class WorkflowRecord {
    let number: Int
    let script: WorkflowScript
    let execution: WorkflowExecution
    let requestID: String
    /// Signals the engine acknowledged, in order: each must be in the history exactly once.
    var signals: [SentSignal] = []
    /// Inputs of signals the engine refused: none may be in the history.
    var refusedInputs: [String] = []
    /// True once a completion that closes the run, or a termination, was acknowledged.
    var isClosed = false
    /// True once the test's termination of the run was acknowledged.
    var isTerminated = false

    init(number: Int, script: WorkflowScript, execution: WorkflowExecution, requestID: String) {
        self.number = number
        self.script = script
        self.execution = execution
        self.requestID = requestID
    }
}

struct SentSignal {
    var name: String
    var input: String
    var requestID: String
}

/// One activity attempt as the worker saw it.
struct AttemptRecord {
    var attempt: Int32
    var generation: UInt64
    var startedTime: Timestamp
    var policy: RetryPolicy
    /// When the worker's failure of the attempt was acknowledged.
    var failedTime: Timestamp?
    var isCompleted = false
}

struct ActivityKey: Hashable {
    var runID: RunID
    var scheduledEventID: Int64
}

/// One seeded simulation: a workload phase of random steps, then a drain that lets every workflow
/// finish, with the oracle's checks after each reopen and at the end.
final class EngineSimulation {
    let seed: UInt64
    let steps: Int
    let host: SimulationHost
    var random: SplitMix64
    var workflows: [WorkflowRecord] = []
    var heldWorkflowTasks: [WorkflowTask] = []
    var heldActivityTasks: [ActivityTask] = []
    var attempts: [ActivityKey: AttemptRecord] = [:]
    /// When the drain first saw each run waiting for a workflow task retry.
    var waitingSince: [WorkflowExecution: Timestamp] = [:]
    var problems: [String] = []
    var step = 0
    var signalNumber = 0
    /// How often each kind of step ran, for the summary line.
    var tally: [String: Int] = [:]
    let queue = "main"
    /// How many workflows the workload starts: about one per 25 steps.
    let workflowsMax: Int
    let watchdog: SimulationWatchdog
    /// The digest of every history at the end of the run.
    private(set) var finalDigest = ""

    init(seed: UInt64, steps: Int = 600) throws {
        self.seed = seed
        self.steps = steps
        workflowsMax = max(4, steps / 25)
        random = SplitMix64(seed: seed)
        watchdog = SimulationWatchdog(name: "simulation seed \(seed) (KEEL_SIM_SEED=\(seed) replays it)")
        var partitionChoice = SplitMix64(seed: seed ^ 0x5EED)
        host = try SimulationHost(seed: seed, partitions: Int(partitionChoice.next(below: 4)) + 1)
    }

    var engine: Engine { host.engine }

    // MARK: - Random choices

    func below(_ bound: Int) -> Int { Int(random.next(below: UInt64(bound))) }

    func chance(_ percent: Int) -> Bool { below(100) < percent }

    func fail(_ message: String) {
        problems.append("seed \(seed), step \(step): \(message)")
    }

    func count(_ what: String) {
        tally[what, default: 0] += 1
        if isTracing { print("  step \(step): \(what)") }
    }

    /// With `KEEL_SIM_RACES=1`, steps do not wait for the engine's messages between runs to finish:
    /// child starts race the next step. That finds ordering bugs, but a seed no longer replays exactly.
    let allowsRaces = ProcessInfo.processInfo.environment["KEEL_SIM_RACES"] == "1"

    /// With `KEEL_SIM_TRACE=1`, every step is printed as it completes, to follow a failing seed.
    let isTracing = ProcessInfo.processInfo.environment["KEEL_SIM_TRACE"] == "1"

    // MARK: - Running

    func run() async {
        defer { watchdog.stop() }
        let clock = ContinuousClock()
        let began = clock.now
        for index in 0..<steps {
            step = index
            watchdog.progress("step \(index)")
            await randomStep()
            // Child starts and other messages between runs finish before the next step, so that
            // what the next step sees does not depend on the engine's threads.
            if !allowsRaces { await engine.settle() }
            if !problems.isEmpty { return }
        }
        watchdog.progress("draining")
        step = steps
        await drain()
        if problems.isEmpty { await checkPromises("at the end") }
        if problems.isEmpty { checkResults() }
        finalDigest = digest()
        do {
            try await engine.close()
        } catch {
            fail("closing the engine failed: \(error)")
        }
        let elapsed = clock.now - began
        let summary = tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print(
            "simulation seed \(seed): \(steps) steps, \(workflows.count) workflows, \(host.options.partitionCount) partitions, \(elapsed), digest \(finalDigest): \(summary)"
        )
    }

    func recordProblems() {
        for problem in problems.prefix(10) { Issue.record(Comment(rawValue: problem)) }
    }

    func randomStep() async {
        let roll = below(100)
        switch roll {
        case 0..<8: await startWorkflow()
        case 8..<18: await sendSignal()
        case 18..<21: await resendSignal()
        case 21..<23: await repeatStart()
        case 23..<36: await advanceClock()
        case 36..<52: await pollWorkflowTask()
        case 52..<66: await answerHeldWorkflowTask()
        case 66..<78: await pollActivityTask()
        case 78..<90: await answerHeldActivityTask()
        case 90..<97: await pollWorkflowTask()
        case 97: await terminateWorkflow()
        default:
            if chance(50) { await restart() } else { await advanceClock() }
        }
    }

    // MARK: - Clients

    func randomScript() -> WorkflowScript {
        var steps: [ScriptStep] = chance(20) ? [.flakyReplay(attempts: 1 + below(3))] : []
        for index in 0..<(1 + below(4)) {
            switch below(7) {
            case 0, 1:
                steps.append(
                    .activity(
                        name: "a\(index)", failures: below(4), maximumAttempts: [0, 2, 3, 5][below(4)],
                        backoffSeconds: 1 + below(5)))
            case 2, 3:
                steps.append(.timer(name: "t\(index)", seconds: 1 + below(120)))
            case 4:
                steps.append(.child(name: "c\(index)", failures: below(3), seconds: 1 + below(60)))
            default:
                steps.append(.signal(name: ["go", "more"][below(2)]))
            }
        }
        return WorkflowScript(steps: steps)
    }

    /// A new signal with a unique input: mostly one the script waits for, sometimes noise it ignores.
    func nextSignal(for script: WorkflowScript) -> SentSignal {
        signalNumber += 1
        let names = script.signalNames
        let name = names.isEmpty || chance(25) ? "noise" : names[below(names.count)]
        return SentSignal(
            name: name, input: "sig-\(signalNumber)", requestID: "signal-\(signalNumber)")
    }

    func signalRequest(_ signal: SentSignal) -> SignalRequest {
        SignalRequest(name: signal.name, input: [.binary(Array(signal.input.utf8))], requestID: signal.requestID)
    }

    func startRequest(number: Int, script: WorkflowScript) -> StartWorkflowRequest {
        StartWorkflowRequest(
            workflowID: WorkflowID("wf-\(number)"), workflowType: "Scripted", taskQueue: queue, input: script.input,
            taskTimeout: .seconds(5 + Int64(number % 4) * 5), requestID: "start-\(number)")
    }

    func startWorkflow() async {
        guard workflows.count < workflowsMax else { return await sendSignal() }
        let number = workflows.count
        let script = randomScript()
        let request = startRequest(number: number, script: script)
        let signal = chance(35) ? nextSignal(for: script) : nil
        do {
            let result: StartWorkflowResult
            if let signal {
                result = try await engine.signalWithStart(request, signal: signalRequest(signal))
                count("signalWithStart")
            } else {
                result = try await engine.startWorkflow(request)
                count("start")
            }
            guard result.started else {
                fail("start of new workflow \(request.workflowID) joined run \(result.runID) instead of starting one")
                return
            }
            let record = WorkflowRecord(
                number: number, script: script,
                execution: WorkflowExecution(workflowID: request.workflowID, runID: result.runID),
                requestID: request.requestID)
            if let signal { record.signals.append(signal) }
            workflows.append(record)
        } catch {
            fail("start of \(request.workflowID) failed: \(error)")
        }
    }

    func repeatStart() async {
        guard !workflows.isEmpty else { return }
        let record = workflows[below(workflows.count)]
        let request = startRequest(number: record.number, script: record.script)
        do {
            let result = try await engine.startWorkflow(request)
            count("repeatStart")
            if result.runID != record.execution.runID || result.started {
                fail(
                    "repeated start request \(record.requestID) returned run \(result.runID) (started: \(result.started)), expected run \(record.execution.runID) (started: false)"
                )
            }
        } catch {
            fail("repeated start request \(record.requestID) failed: \(error)")
        }
    }

    func sendSignal() async {
        guard !workflows.isEmpty else { return await startWorkflow() }
        var record = workflows[below(workflows.count)]
        if record.isClosed, chance(80), let open = workflows.first(where: { !$0.isClosed }) { record = open }
        await deliver(nextSignal(for: record.script), to: record)
    }

    func deliver(_ signal: SentSignal, to record: WorkflowRecord) async {
        do {
            try await engine.signal(execution: record.execution, signalRequest(signal))
            count("signal")
            if record.isClosed {
                fail("signal \(signal.input) to closed run \(record.execution) was acknowledged")
            }
            record.signals.append(signal)
        } catch {
            if record.isClosed, error.code == .failedPrecondition {
                count("signalRefused")
                record.refusedInputs.append(signal.input)
                return
            }
            fail("signal \(signal.input) to \(record.execution) (closed: \(record.isClosed)) failed: \(error)")
        }
    }

    /// Terminates an open workflow now and then: its children are terminated with it.
    func terminateWorkflow() async {
        let open = workflows.filter { !$0.isClosed }
        guard !open.isEmpty, chance(30) else { return await advanceClock() }
        let record = open[below(open.count)]
        do {
            try await engine.terminate(execution: record.execution, reason: "simulation")
            count("terminate")
            record.isClosed = true
            record.isTerminated = true
        } catch {
            fail("terminating \(record.execution) failed: \(error)")
        }
    }

    /// A client that did not hear back sends a signal again with its request id: the engine must
    /// acknowledge it and keep one copy.
    func resendSignal() async {
        let candidates = workflows.filter { !$0.isClosed && !$0.signals.isEmpty }
        guard !candidates.isEmpty else { return }
        let record = candidates[below(candidates.count)]
        let signal = record.signals[below(record.signals.count)]
        do {
            try await engine.signal(execution: record.execution, signalRequest(signal))
            count("resendSignal")
        } catch {
            fail(
                "repeated signal \(signal.input) (request \(signal.requestID)) to \(record.execution) failed: \(error)")
        }
    }

    // MARK: - Time and restarts

    func advanceClock() async {
        let roll = below(100)
        let milliseconds: Int
        switch roll {
        case 0..<70: milliseconds = below(15_000)
        case 70..<95: milliseconds = 15_000 + below(105_000)
        default: milliseconds = 120_000 + below(780_000)
        }
        await host.advance(by: .milliseconds(milliseconds))
        count("advance")
    }

    func restart() async {
        let roll = below(10)
        do {
            switch roll {
            case 0..<4:
                try await host.reopen()
                count("reopen")
            case 4..<7:
                try await host.crashAndReopen(.dropUnsynced)
                count("crashDrop")
            default:
                try await host.crashAndReopen(.random(tearUnit: 512, garble: true))
                count("crashTear")
            }
        } catch {
            fail("reopening the engine failed: \(error)")
            return
        }
        await checkPromises("after reopening (generation \(host.generation))")
    }

    // MARK: - Workflow worker

    /// Takes every workflow task that is ready, in an order that does not depend on the engine's
    /// threads: the queue's order follows when commits finish, but a task's content does not.
    func pollWorkflowTasks() async -> [WorkflowTask] {
        var tasks: [WorkflowTask] = []
        while true {
            do {
                guard let task = try await engine.pollWorkflowTask(taskQueue: queue, identity: "sim", timeout: .zero)
                else { break }
                tasks.append(task)
            } catch {
                fail("polling workflow tasks failed: \(error)")
                break
            }
        }
        tasks.sort { $0.execution.description < $1.execution.description }
        for task in tasks {
            count("workflowTask")
            if task.isPartial {
                fail("a worker without sticky queues got a partial history for \(task.execution)")
            }
            let problems = HistoryValidator.problems(in: task.history)
            if !problems.isEmpty {
                fail("workflow task history of \(task.execution) is malformed: \(problems.prefix(3))")
            }
            if task.history.last?.eventID != task.startedEventID {
                fail(
                    "workflow task of \(task.execution) ends at event \(task.history.last?.eventID ?? 0), expected its started event \(task.startedEventID)"
                )
            }
        }
        return tasks
    }

    func pollWorkflowTask() async {
        for task in await pollWorkflowTasks() {
            if chance(50) {
                await answer(task, mayForget: true)
            } else {
                heldWorkflowTasks.append(task)
            }
        }
    }

    func answerHeldWorkflowTask() async {
        guard !heldWorkflowTasks.isEmpty else { return await pollWorkflowTask() }
        let task = heldWorkflowTasks.remove(at: below(heldWorkflowTasks.count))
        await answer(task, mayForget: true)
    }

    func answer(_ task: WorkflowTask, mayForget: Bool) async {
        if mayForget, chance(7) {
            count("workflowTaskForgotten")
            return
        }
        if (mayForget && chance(5)) || SimulatedWorker.failsReplay(task) {
            do {
                try await engine.failWorkflowTask(
                    task.taskToken, cause: .nonDeterministicError, failure: .application("simulated replay failure"),
                    identity: "sim")
                count("workflowTaskFailed")
            } catch {
                expectStale(error, "failing the workflow task of \(task.execution)")
            }
            return
        }
        let commands = SimulatedWorker.commands(for: task.history, of: task.execution)
        if task.workflowType == "ScriptedChild" { count("childWorkflowTask") }
        let closes = commands.contains { if case .completeWorkflowExecution = $0 { true } else { false } }
        do {
            try await engine.completeWorkflowTask(task.taskToken, commands: commands, identity: "sim")
            count("workflowTaskCompleted")
            if closes, let record = record(of: task.execution) { record.isClosed = true }
        } catch {
            if closes, error.code == .invalidArgument, error.message.contains("UnhandledCommand") {
                // Signals arrived while the task ran; the next task sees them.
                count("closeRefusedForNewEvents")
                return
            }
            expectStale(error, "completing the workflow task of \(task.execution) with \(commands.map(\.name))")
        }
    }

    func expectStale(_ error: EngineError, _ what: String) {
        switch error.code {
        case .staleTaskToken, .notFound:
            count("staleAnswer")
        default:
            fail("\(what) failed: \(error)")
        }
    }

    func record(of execution: WorkflowExecution) -> WorkflowRecord? {
        workflows.first { $0.execution == execution }
    }

    // MARK: - Activity worker

    /// Takes every activity task that is ready, in an order that does not depend on the engine's threads.
    func pollActivityTasks() async -> [ActivityTask] {
        var tasks: [ActivityTask] = []
        while true {
            do {
                guard let task = try await engine.pollActivityTask(taskQueue: queue, identity: "sim", timeout: .zero)
                else { break }
                tasks.append(task)
            } catch {
                fail("polling activity tasks failed: \(error)")
                break
            }
        }
        tasks.sort {
            ($0.workflowExecution.description, $0.taskToken.scheduledEventID, $0.attempt)
                < ($1.workflowExecution.description, $1.taskToken.scheduledEventID, $1.attempt)
        }
        for task in tasks {
            count("activityTask")
            observe(task)
        }
        return tasks
    }

    func pollActivityTask() async {
        for task in await pollActivityTasks() {
            if !SimulatedWorker.mayForget(task) || chance(40) {
                await answer(task, mayForget: false)
            } else {
                heldActivityTasks.append(task)
            }
        }
    }

    func answerHeldActivityTask() async {
        guard !heldActivityTasks.isEmpty else { return await pollActivityTask() }
        let task = heldActivityTasks.remove(at: below(heldActivityTasks.count))
        await answer(task, mayForget: SimulatedWorker.mayForget(task))
    }

    /// Checks an attempt against the one before it: numbered in sequence, within the policy's
    /// attempts, and started no earlier than the retry backoff allows.
    func observe(_ task: ActivityTask) {
        let key = ActivityKey(runID: task.workflowExecution.runID, scheduledEventID: task.taskToken.scheduledEventID)
        let policy = task.retryPolicy ?? RetryPolicy()
        let now = host.clock.now()
        if policy.maximumAttempts > 0, task.attempt > policy.maximumAttempts {
            fail(
                "activity \(task.activityID) of \(task.workflowExecution) started attempt \(task.attempt), beyond maximumAttempts \(policy.maximumAttempts)"
            )
        }
        if let previous = attempts[key] {
            check(task, after: previous, restarted: previous.generation != host.generation, policy: policy, now: now)
        }
        attempts[key] = AttemptRecord(
            attempt: task.attempt, generation: host.generation, startedTime: now, policy: policy)
    }

    func check(
        _ task: ActivityTask, after previous: AttemptRecord, restarted: Bool, policy: RetryPolicy, now: Timestamp
    ) {
        let name = "activity \(task.activityID) of \(task.workflowExecution)"
        if restarted { count("attemptAfterRestart") }
        if previous.isCompleted {
            fail("\(name) started attempt \(task.attempt) after it completed")
            return
        }
        // An attempt that was running when the engine restarted may be handed out again.
        if restarted, previous.failedTime == nil, task.attempt == previous.attempt { return }
        if task.attempt != previous.attempt + 1 {
            fail(
                "\(name): expected attempt \(previous.attempt + 1) after attempt \(previous.attempt), found \(task.attempt)"
            )
        }
        // A failed attempt retries after the backoff; a forgotten one first times out.
        let ended = previous.failedTime ?? previous.startedTime + WorkflowScript.activityTimeout
        let earliest = ended + policy.delay(afterAttempt: previous.attempt)
        if now < earliest {
            fail("\(name) started attempt \(task.attempt) at \(now), before its backoff ended at \(earliest)")
        }
    }

    func answer(_ task: ActivityTask, mayForget: Bool) async {
        if mayForget, chance(12) {
            count("activityForgotten")
            return
        }
        let key = ActivityKey(runID: task.workflowExecution.runID, scheduledEventID: task.taskToken.scheduledEventID)
        do {
            switch SimulatedWorker.answer(task) {
            case .complete(let result):
                try await engine.completeActivity(task.taskToken, result: result, identity: "sim")
                count("activityCompleted")
                if attempts[key]?.attempt == task.attempt { attempts[key]?.isCompleted = true }
            case .fail(let failure):
                try await engine.failActivity(task.taskToken, failure: failure, identity: "sim")
                count("activityFailed")
                if attempts[key]?.attempt == task.attempt { attempts[key]?.failedTime = host.clock.now() }
            }
        } catch {
            expectStale(
                error, "answering attempt \(task.attempt) of activity \(task.activityID) of \(task.workflowExecution)")
        }
    }

    // MARK: - Drain

    /// Lets every workflow finish: no more forgetting, failing or crashing; the signals the scripts
    /// still wait for are sent, and time moves to each next deadline.
    func drain() async {
        for task in heldWorkflowTasks { await answer(task, mayForget: false) }
        heldWorkflowTasks.removeAll()
        for task in heldActivityTasks { await answer(task, mayForget: false) }
        heldActivityTasks.removeAll()
        for _ in 0..<2_000 {
            if !problems.isEmpty { return }
            for record in workflows where !record.isClosed {
                for name in record.script.signalNames {
                    let sent = record.signals.filter { $0.name == name }.count
                    for _ in sent..<max(sent, record.script.signalsNeeded(name)) {
                        signalNumber += 1
                        let signal = SentSignal(
                            name: name, input: "sig-\(signalNumber)", requestID: "signal-\(signalNumber)")
                        await deliver(signal, to: record)
                    }
                }
            }
            var busy = true
            while busy, problems.isEmpty {
                let workflowTasks = await pollWorkflowTasks()
                for task in workflowTasks { await answer(task, mayForget: false) }
                let activityTasks = await pollActivityTasks()
                for task in activityTasks { await answer(task, mayForget: false) }
                await engine.settle()
                busy = !workflowTasks.isEmpty || !activityTasks.isEmpty
            }
            if workflows.allSatisfy(\.isClosed) { return }
            checkNoRunIsStuck()
            let now = host.clock.now()
            if let next = engine.nextDeadline(), next <= now {
                await engine.fireDueTimers()
            } else {
                let next = engine.nextDeadline() ?? now + .seconds(60)
                await host.advance(by: min(next - now, .seconds(600)))
            }
        }
        for record in workflows where !record.isClosed {
            fail("draining did not close \(record.execution): \(explain(record))")
        }
    }

    /// Fails when an open run (a child too) has had no workflow task since its last one failed or
    /// timed out for longer than the longest retry backoff (10 minutes): nothing would ever wake it.
    func checkNoRunIsStuck() {
        var open: [WorkflowExecution] = []
        for record in workflows where !record.isClosed {
            open.append(record.execution)
            if let events = try? engine.history(execution: record.execution) { open += children(in: events) }
        }
        let now = host.clock.now()
        for execution in open {
            guard let events = try? engine.history(execution: execution), events.last?.eventType.isClosing == false,
                let lastTask = events.last(where: { $0.eventType.isWorkflowTaskEvent }),
                lastTask.eventType == .workflowTaskFailed || lastTask.eventType == .workflowTaskTimedOut
            else {
                waitingSince[execution] = nil
                continue
            }
            let since = waitingSince[execution] ?? now
            waitingSince[execution] = since
            if now - since > .seconds(900) {
                fail(
                    "\(execution) has had no workflow task for \(now - since) since event \(lastTask.eventID) (\(lastTask.eventType))"
                )
            }
        }
    }

    /// Describes where a run stands, for a failure message: its script, pending work and last events.
    func explain(_ record: WorkflowRecord) -> String {
        var text = "script \(record.script.encoded)"
        if let description = try? engine.describe(execution: record.execution) {
            let task = description.pendingWorkflowTask.map { "task \($0.scheduledEventID) (started: \($0.isStarted))" }
            let activities = description.pendingActivities.map { "\($0.activityID) \($0.state) attempt \($0.attempt)" }
            text += "; status \(description.record.status), workflow task: \(task ?? "none"), activities: \(activities)"
        }
        if let events = try? engine.history(execution: record.execution) {
            let tail = events.suffix(12).map { "\($0.eventID) \($0.eventType)" }
            text += "; last events: \(tail.joined(separator: ", "))"
        }
        return text
    }

    // MARK: - Oracle

    /// Checks every promise the engine made so far: acknowledged starts exist, acknowledged signals
    /// are in history exactly once and refused ones never, histories (children's too) are well
    /// formed, timers fire once and not early, attempts stay within the policy, and visibility counts
    /// the open runs.
    func checkPromises(_ when: String) async {
        for record in workflows {
            let events: [HistoryEvent]
            do {
                events = try engine.history(execution: record.execution)
            } catch {
                fail("\(when): history of acknowledged run \(record.execution) cannot be read: \(error)")
                continue
            }
            check(record, events, when)
            for child in children(in: events) {
                do {
                    let childEvents = try engine.history(execution: child)
                    checkHistory(childEvents, "\(when), child \(child)")
                    if case .workflowExecutionStarted(let started)? = childEvents.first?.attributes,
                        started.parent?.execution != record.execution
                    {
                        fail(
                            "\(when): child \(child) names parent \(String(describing: started.parent)), expected \(record.execution)"
                        )
                    }
                } catch {
                    fail("\(when): history of child \(child) of \(record.execution) cannot be read: \(error)")
                }
            }
        }
        let open = workflows.filter { !$0.isClosed }.count
        do {
            let running = try engine.countWorkflows(query: "ExecutionStatus = 'Running' AND WorkflowType = 'Scripted'")
            if running != open { fail("\(when): visibility counts \(running) running workflows, expected \(open)") }
        } catch {
            fail("\(when): counting running workflows failed: \(error)")
        }
    }

    /// The child runs a history records as started.
    func children(in events: [HistoryEvent]) -> [WorkflowExecution] {
        events.compactMap { event in
            if case .childWorkflowExecutionStarted(let started) = event.attributes { return started.execution }
            return nil
        }
    }

    /// Checks what every run's history must satisfy: well formed, timers not early, attempts within the policy.
    func checkHistory(_ events: [HistoryEvent], _ run: String) {
        let problems = HistoryValidator.problems(in: events)
        if !problems.isEmpty { fail("\(run): malformed history: \(problems.prefix(3))") }
        var timers: [Int64: HistoryEvent] = [:]
        var scheduled: [Int64: ActivityTaskScheduled] = [:]
        for event in events {
            switch event.attributes {
            case .timerStarted:
                timers[event.eventID] = event
            case .timerFired(let fired):
                guard let start = timers[fired.startedEventID], case .timerStarted(let timer) = start.attributes else {
                    continue
                }
                let deadline = start.time + timer.startToFireTimeout
                if event.time < deadline {
                    fail("\(run): timer \(fired.timerID) fired at \(event.time), before its deadline \(deadline)")
                }
            case .activityTaskScheduled(let attributes):
                scheduled[event.eventID] = attributes
            case .activityTaskStarted(let attempt):
                let maximum = scheduled[attempt.scheduledEventID]?.retryPolicy?.maximumAttempts ?? 0
                if maximum > 0, attempt.attempt > maximum {
                    fail(
                        "\(run): event \(event.eventID) records attempt \(attempt.attempt), beyond maximumAttempts \(maximum)"
                    )
                }
            default:
                break
            }
        }
    }

    /// Checks a workflow the test started against what the test acknowledged.
    func check(_ record: WorkflowRecord, _ events: [HistoryEvent], _ when: String) {
        let run = "\(when), \(record.execution)"
        guard case .workflowExecutionStarted(let started)? = events.first?.attributes else {
            let first = events.first.map { "\($0.eventType)" } ?? "no events"
            fail("\(run): expected WorkflowExecutionStarted first, found \(first)")
            return
        }
        if started.input != record.script.input { fail("\(run): the started event holds another input") }
        checkHistory(events, run)
        var copies: [String: Int] = [:]
        for event in events {
            if case .workflowExecutionSignaled(let signal) = event.attributes {
                let input = signal.input.first.map { String(decoding: $0.data, as: UTF8.self) } ?? ""
                copies[input, default: 0] += 1
            }
        }
        for signal in record.signals where copies[signal.input, default: 0] != 1 {
            fail(
                "\(run): acknowledged signal \(signal.input) is in the history \(copies[signal.input, default: 0]) times"
            )
        }
        for input in record.refusedInputs where copies[input, default: 0] != 0 {
            fail("\(run): refused signal \(input) is in the history \(copies[input, default: 0]) times")
        }
        let known = Set(record.signals.map(\.input) + record.refusedInputs)
        for input in copies.keys where !known.contains(input) {
            fail("\(run): the history holds signal \(input), which was never sent to this run")
        }
        let isClosed = events.last?.eventType.isClosing ?? false
        if isClosed != record.isClosed {
            let acknowledged = record.isClosed ? "" : "not "
            fail(
                "\(run): the run is \(isClosed ? "closed" : "open") but its completion was \(acknowledged)acknowledged")
        }
    }

    /// After the drain: every workflow completed with the result its script predicts (or ended as
    /// terminated when the test terminated it), and so did its children.
    func checkResults() {
        for record in workflows {
            guard let events = try? engine.history(execution: record.execution), let last = events.last else {
                fail("the history of \(record.execution) cannot be read")
                continue
            }
            for child in children(in: events) {
                let end = (try? engine.history(execution: child))?.last?.eventType
                // A terminated parent's children are terminated too (parent close policy).
                let expected: EventType =
                    record.isTerminated ? .workflowExecutionTerminated : .workflowExecutionCompleted
                if end != expected, end != .workflowExecutionCompleted {
                    fail(
                        "child \(child) of \(record.execution) ended with \(end.map { "\($0)" } ?? "nothing"), expected \(expected)"
                    )
                }
            }
            if record.isTerminated {
                if last.eventType != .workflowExecutionTerminated {
                    fail("\(record.execution) was terminated but its history ends with \(last.eventType)")
                }
                continue
            }
            guard case .workflowExecutionCompleted(let completed) = last.attributes else {
                fail("\(record.execution) did not complete; its history ends with \(last.eventType)")
                continue
            }
            let result = completed.result.first.map { String(decoding: $0.data, as: UTF8.self) } ?? ""
            let expected = record.script.expectedResult(signals: record.signals.map { ($0.name, $0.input) })
            if result != expected {
                fail(
                    "\(record.execution) (script \(record.script.encoded)) completed with '\(result)', expected '\(expected)'"
                )
            }
        }
    }

    /// A digest of every history, to compare two runs of one seed.
    func digest() -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for record in workflows {
            let events = (try? engine.history(execution: record.execution)) ?? []
            for byte in Array(record.execution.description.utf8) + events.flatMap(EventCodec.encode) {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
        }
        return String(hash, radix: 16)
    }
}

/// Engine bugs the simulation found, each as the smallest sequence that shows it. Fixed ones stay as
/// regression tests; open ones are disabled until the engine is fixed.
@Suite("Engine simulation findings")
struct EngineSimulationFindingsTests {
    @Test func workflowTaskRetryBackoffSurvivesARestart() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("backoff")
        for _ in 1...2 {
            let task = try await harness.workflowTask()
            try await harness.engine.failWorkflowTask(task.taskToken, cause: .nonDeterministicError)
        }
        // The third attempt waits out a 1 s backoff before it is scheduled.
        #expect(try await harness.noWorkflowTask())
        try await harness.reopen()
        await harness.advance(by: .seconds(60))
        let task = try await harness.engine.pollWorkflowTask(taskQueue: "main", timeout: .zero)
        let types = try harness.types(execution)
        #expect(task?.attempt == 3, "history: \(types)")
    }

    @Test func acknowledgedActivityFailureSurvivesARestart() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("retry-state")
        let policy = RetryPolicy(initialInterval: .seconds(10), maximumAttempts: 2)
        try await harness.complete(
            try await harness.workflowTask(), [.scheduleActivityTask(.simple("pay", retry: policy))])
        let first = try await harness.activityTask()
        try await harness.engine.failActivity(first.taskToken, failure: .application("declined"))
        try await harness.reopen()
        // The failure was acknowledged: the retry still waits out its 10 s backoff, as attempt 2 of 2.
        let early = try await harness.engine.pollActivityTask(taskQueue: "main", timeout: .zero)
        #expect(early == nil, "attempt \(early?.attempt ?? 0) was handed out before the 10 s backoff ended")
        guard early == nil else { return }
        await harness.advance(by: .seconds(10))
        let second = try await harness.activityTask()
        #expect(second.attempt == 2)
        try await harness.engine.failActivity(second.taskToken, failure: .application("declined"))
        #expect(try harness.types(execution).contains(.activityTaskFailed))
    }

    @Test func signalRequestIDStillDeduplicatesAfterARestart() async throws {
        let harness = try EngineHarness()
        let execution = try await harness.start("dedupe")
        let signal = SignalRequest(name: "add", input: [.text("item")], requestID: "client-retry-1")
        try await harness.engine.signal(execution: execution, signal)
        try await harness.reopen()
        // The client did not hear the answer and sends the same request again.
        try await harness.engine.signal(execution: execution, signal)
        #expect(try harness.types(execution).filter { $0 == .workflowExecutionSignaled }.count == 1)
    }

    @Test func eventTypeNamesItself() {
        #expect("\(EventType.timerFired)" == "TimerFired")
    }

    @Test func childClosingEventNamesItsStartedEventWhenBothWereBuffered() async throws {
        // Whether the child's start reaches the parent before or after the parent's next task starts
        // depends on the engine's threads; it is after in most rounds, so a few rounds show it.
        var rounds = 0
        for round in 0..<20 {
            let harness = try EngineHarness(seed: UInt64(round), partitions: 2)
            let parent = try await harness.start("parent", type: "Order")
            let first = try await harness.workflowTask()
            // A signal during the first task makes the second one follow at once.
            try await harness.engine.signal(execution: parent, SignalRequest(name: "go"))
            try await harness.complete(
                first,
                [
                    .startChildWorkflowExecution(
                        StartChildWorkflow(workflowID: "child", workflowType: "Kid", taskQueue: "kids"))
                ])
            let second = try await harness.workflowTask()
            await harness.engine.settle()
            let child = try #require(try await harness.engine.pollWorkflowTask(taskQueue: "kids", timeout: .zero))
            try await harness.complete(child, [.completeWorkflowExecution(result: [])])
            await harness.engine.settle()
            try await harness.complete(second, [])
            let events = try harness.history(parent)
            guard let started = events.first(where: { $0.eventType == .childWorkflowExecutionStarted }),
                started.eventID > second.startedEventID
            else { continue }
            rounds += 1
            #expect(HistoryValidator.problems(in: events) == [], "round \(round)")
        }
        // The race needs the child's start to reach the parent while its task runs; say how often it did.
        print("child-start race reproduced in \(rounds) of 20 rounds")
    }
}
