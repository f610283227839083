import Foundation
import KeelLog
import Testing

@testable import KeelEngine

/// Seeded random workloads with checkpoints, crashes (also in the middle of writing a checkpoint) and
/// reopens. At every quiet point the engine's live state, as a restart would rebuild it, must equal the
/// fold of the whole log and the fold from the newest checkpoint; after every crash the two folds of
/// what survived must be equal too.
@Suite("Engine checkpoints under random workloads")
struct CheckpointWorkloadTests {
    /// `KEEL_CHECKPOINT_SEED` alone when set, otherwise `KEEL_CHECKPOINT_SEEDS` (default 6) seeds.
    static func seeds() -> [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["KEEL_CHECKPOINT_SEED"], let seed = UInt64(text) { return [seed] }
        let count = environment["KEEL_CHECKPOINT_SEEDS"].flatMap { Int($0) } ?? 6
        let base = UInt64.random(in: 0...(UInt64.max / 2))
        return (0..<UInt64(max(count, 0))).map { base &+ $0 }
    }

    @Test func checkpointRecoveryEqualsAFullFoldUnderRandomWorkloads() async throws {
        for seed in Self.seeds() {
            print("checkpoint workload seed \(seed) (KEEL_CHECKPOINT_SEED=\(seed) replays it)")
            let workload = try CheckpointWorkload(seed: seed)
            try await workload.run(steps: 250)
            for problem in workload.problems.prefix(5) { Issue.record(Comment(rawValue: problem)) }
            if !workload.problems.isEmpty { return }
            print(
                "checkpoint workload seed \(seed): \(workload.checkpoints) checkpoints, \(workload.crashes) crashes, \(workload.checkpointOpens) opens from a checkpoint, \(workload.coverage.sorted { $0.key < $1.key })"
            )
        }
    }
}

/// One seeded workload: workflows that schedule activities, timers, children and signals, workers that
/// hold tasks (so events are buffered), failing activities, time jumps, checkpoints, crashes and reopens.
final class CheckpointWorkload {
    let seed: UInt64
    var random: SplitMix64
    let harness: EngineHarness
    var problems: [String] = []
    var heldWorkflowTasks: [WorkflowTask] = []
    var heldActivityTasks: [ActivityTask] = []
    var checkpoints = 0
    var crashes = 0
    var checkpointOpens = 0
    var step = 0
    var signalNumber = 0

    init(seed: UInt64) throws {
        self.seed = seed
        random = SplitMix64(seed: seed)
        var choices = SplitMix64(seed: seed ^ 0xC0FFEE)
        let partitions = Int(choices.next(below: 4)) + 1
        let interval = [0, 25, 120][Int(choices.next(below: 3))]
        harness = try EngineHarness(seed: seed, partitions: partitions) { options in
            options.checkpointIntervalRecords = interval
            options.defaultNamespaceRetention = .seconds(6 * 3600)
        }
    }

    var engine: Engine { harness.engine }

    func below(_ bound: Int) -> Int { Int(random.next(below: UInt64(bound))) }

    func chance(_ percent: Int) -> Bool { below(100) < percent }

    func fail(_ message: String) { problems.append("seed \(seed), step \(step): \(message)") }

    func run(steps: Int) async throws {
        for index in 0..<steps {
            step = index
            await randomStep()
            await engine.settle()
            if engine.core.failure == nil { checkQuietState() }
            if !problems.isEmpty { return }
        }
        try await engine.close()
    }

    func randomStep() async {
        switch below(100) {
        case 0..<12: await start()
        case 12..<22: await signal()
        case 22..<40: await pollWorkflowTask()
        case 40..<52: await answerHeldWorkflowTask()
        case 52..<64: await pollActivityTask()
        case 64..<74: await answerHeldActivityTask()
        case 74..<84:
            // Mostly less than a workflow task timeout, so that held tasks stay held and events buffer.
            let milliseconds = chance(75) ? 100 + below(8_000) : 10_000 + below(3_600_000)
            await harness.advance(by: .milliseconds(Int64(milliseconds)))
        case 84..<86: await terminateOrCancel()
        case 86..<92:
            if (try? await engine.checkpoint()) != nil { checkpoints += 1 }
        case 92..<96: await crash(duringCheckpoint: true)
        case 96..<98: await crash(duringCheckpoint: false)
        default:
            do {
                try await harness.reopen()
                if engine.recoveryReport.checkpointSequence != nil { checkpointOpens += 1 }
            } catch {
                fail("reopening failed: \(error)")
            }
        }
    }

    // MARK: - Checks

    /// The live state as a restart would rebuild it, the whole log's fold and the fold from the newest
    /// checkpoint must all be equal.
    var coverage: [String: Int] = [:]

    func checkQuietState() {
        for partition in engine.core.partitions {
            partition.lock.withLock {
                for run in partition.runs.values {
                    if run.heldBack != nil { coverage["held back", default: 0] += 1 }
                    if !run.buffered.isEmpty { coverage["buffered", default: 0] += 1 }
                    if run.activities.values.contains(where: { $0.lastAttempt != nil }) {
                        coverage["retried activity", default: 0] += 1
                    }
                    if run.activities.values.contains(where: { $0.isStarted }) {
                        coverage["running activity", default: 0] += 1
                    }
                    if !run.children.isEmpty { coverage["child", default: 0] += 1 }
                    if !run.timers.isEmpty { coverage["timer", default: 0] += 1 }
                    if !run.isOpen { coverage["closed", default: 0] += 1 }
                    if run.stickyQueue != nil { coverage["sticky", default: 0] += 1 }
                    if !run.pendingExternalSignals.isEmpty { coverage["external signal", default: 0] += 1 }
                }
            }
        }
        let live = engine.debugStateDigest()
        let now = harness.clock.now()
        do {
            let full = try EngineRecovery.recoveredDigest(
                store: engine.store, partitionCount: harness.options.partitionCount, useCheckpoint: false, now: now)
            let fromCheckpoint = try EngineRecovery.recoveredDigest(
                store: engine.store, partitionCount: harness.options.partitionCount, useCheckpoint: true, now: now)
            compare(live, full.digest, "live state", "full fold")
            compare(fromCheckpoint.digest, full.digest, "fold from checkpoint", "full fold")
        } catch {
            fail("folding the log failed: \(error)")
        }
    }

    func compare(_ left: [String: [UInt8]], _ right: [String: [UInt8]], _ leftName: String, _ rightName: String) {
        guard left != right else { return }
        let keys = Set(left.keys).union(right.keys).sorted()
        for key in keys where left[key] != right[key] {
            let leftSize = left[key].map { "\($0.count) bytes" } ?? "nothing"
            let rightSize = right[key].map { "\($0.count) bytes" } ?? "nothing"
            var detail = ""
            if let leftBytes = left[key], let rightBytes = right[key] {
                let first =
                    (0..<min(leftBytes.count, rightBytes.count)).first { leftBytes[$0] != rightBytes[$0] }
                    ?? min(leftBytes.count, rightBytes.count)
                detail = ", first difference at byte \(first)"
            }
            fail("\(key): \(leftName) has \(leftSize), \(rightName) has \(rightSize)\(detail)")
            return
        }
    }

    /// Crashes the disk, optionally while a checkpoint is being written (a write of it fails), checks
    /// that both folds of what survived agree, and reopens.
    func crash(duringCheckpoint: Bool) async {
        crashes += 1
        if duringCheckpoint {
            // The snapshot's commits, the index record and the marking of the previous checkpoint each
            // take a write: fail one of them.
            let writes = engine.core.checkpoints.newest == nil ? 2 : 3
            harness.disk.failWrite(number: 1 + below(writes))
            _ = try? await engine.checkpoint()
            await engine.settle()
        }
        let mode: SimulatedDisk.CrashMode = chance(50) ? .dropUnsynced : .random(tearUnit: 512, garble: true)
        harness.disk.crash(mode)
        do {
            let file = try harness.disk.open(EngineHarness.fileName, create: true)
            let store = try LogStore.open(file: file, options: harness.options.log)
            let now = harness.clock.now()
            let count = harness.options.partitionCount
            let full = try EngineRecovery.recoveredDigest(
                store: store, partitionCount: count, useCheckpoint: false, now: now)
            let fromCheckpoint = try EngineRecovery.recoveredDigest(
                store: store, partitionCount: count, useCheckpoint: true, now: now)
            try store.close()
            compare(fromCheckpoint.digest, full.digest, "fold from checkpoint after a crash", "full fold")
            try await harness.crashAndReopen(.keepUnsynced)
            if engine.recoveryReport.checkpointSequence != nil { checkpointOpens += 1 }
        } catch {
            fail("recovering after a crash failed: \(error)")
        }
    }

    // MARK: - Clients

    func someExecution() -> WorkflowExecution {
        WorkflowExecution(workflowID: WorkflowID("wf-\(below(10))"), runID: RunID(""))
    }

    func start() async {
        let workflowID = "wf-\(below(10))"
        do {
            _ = try await harness.start(workflowID, input: [.text("go")]) { request in
                if self.chance(30) { request.requestID = "request-\(self.below(6))" }
                if self.chance(20) { request.memo = ["note": .text("m\(self.below(3))")] }
                if self.chance(15) { request.runTimeout = .seconds(Int64(60 + self.below(7200))) }
                if self.chance(10) { request.startDelay = .seconds(Int64(1 + self.below(600))) }
            }
        } catch {
            // Starting a workflow id that has an open run is refused; that is part of the workload.
        }
    }

    func signal() async {
        signalNumber += 1
        let requestID = chance(30) ? "signal-\(below(signalNumber))" : ""
        try? await engine.signal(
            execution: someExecution(),
            SignalRequest(name: "poke", input: [.text("s\(signalNumber)")], requestID: requestID))
    }

    func terminateOrCancel() async {
        if chance(50) {
            try? await engine.terminate(execution: someExecution(), reason: "test")
        } else {
            try? await engine.requestCancel(execution: someExecution())
        }
    }

    func pollWorkflowTask() async {
        guard let task = try? await engine.pollWorkflowTask(taskQueue: "main", identity: "w", timeout: .zero) else {
            return
        }
        if chance(55) {
            heldWorkflowTasks.append(task)
        } else {
            await complete(task)
        }
    }

    func answerHeldWorkflowTask() async {
        guard !heldWorkflowTasks.isEmpty else { return await pollWorkflowTask() }
        let task = heldWorkflowTasks.remove(at: below(heldWorkflowTasks.count))
        if chance(15) {
            try? await engine.failWorkflowTask(task.taskToken, cause: .workflowWorkerUnhandledFailure, failure: nil)
        } else {
            await complete(task)
        }
    }

    func complete(_ task: WorkflowTask) async {
        var commands: [Command] = []
        let started = task.history.filter { $0.eventType == .activityTaskScheduled }.count
        for _ in 0..<below(3) {
            switch below(10) {
            case 0, 1:
                commands.append(
                    .scheduleActivityTask(
                        ScheduleActivityTask(
                            activityID: "a\(started)-\(below(1000))", activityType: "Work", input: [.text("x")],
                            startToCloseTimeout: .seconds(Int64(10 + below(600))),
                            heartbeatTimeout: chance(30) ? .seconds(30) : nil,
                            retryPolicy: RetryPolicy(
                                initialInterval: .seconds(1), backoffCoefficient: 2, maximumInterval: .seconds(60),
                                maximumAttempts: Int32(below(4))))))
            case 2, 3:
                commands.append(
                    .startTimer(timerID: "t\(below(5))", startToFireTimeout: .seconds(Int64(1 + below(5000)))))
            case 4:
                commands.append(
                    .startChildWorkflowExecution(
                        StartChildWorkflow(
                            workflowID: WorkflowID("child-\(task.execution.workflowID)-\(below(3))"),
                            workflowType: "Child", input: [.text("c")],
                            parentClosePolicy: [.terminate, .abandon, .requestCancel][below(3)])))
            case 5:
                commands.append(
                    .signalExternalWorkflowExecution(
                        SignalExternal(execution: someExecution(), signalName: "hello", input: [.text("e")])))
            case 6:
                commands.append(.upsertWorkflowSearchAttributes(["CustomKeywordField": .keyword("k\(below(3))")]))
            case 7:
                commands.append(.cancelTimer(timerID: "t\(below(5))"))
            default:
                commands.append(.modifyWorkflowProperties(upsertedMemo: ["step": .text("\(step)")]))
            }
        }
        switch below(20) {
        case 0, 1: commands.append(.completeWorkflowExecution(result: [.text("done")]))
        case 2: commands.append(.failWorkflowExecution(failure: .application("boom")))
        case 3: commands.append(.continueAsNewWorkflowExecution(ContinueAsNew(workflowType: task.workflowType)))
        default: break
        }
        let sticky = chance(30) ? StickyAttributes(taskQueue: "sticky-w", scheduleToStartTimeout: .seconds(5)) : nil
        try? await engine.completeWorkflowTask(task.taskToken, commands: commands, identity: "w", sticky: sticky)
    }

    func pollActivityTask() async {
        guard let task = try? await engine.pollActivityTask(taskQueue: "main", identity: "w", timeout: .zero) else {
            return
        }
        if chance(50) {
            heldActivityTasks.append(task)
        } else {
            await answer(task)
        }
    }

    func answerHeldActivityTask() async {
        guard !heldActivityTasks.isEmpty else { return await pollActivityTask() }
        let task = heldActivityTasks.remove(at: below(heldActivityTasks.count))
        if chance(25) {
            _ = try? engine.recordActivityHeartbeat(task.taskToken, details: [.text("beat \(step)")])
            heldActivityTasks.append(task)
        } else {
            await answer(task)
        }
    }

    func answer(_ task: ActivityTask) async {
        switch below(3) {
        case 0:
            try? await engine.failActivity(task.taskToken, failure: .application("flaky"), lastHeartbeatDetails: nil)
        case 1:
            try? await engine.reportActivityCanceled(task.taskToken)
            try? await engine.completeActivity(task.taskToken, result: [.text("ok")])
        default:
            try? await engine.completeActivity(task.taskToken, result: [.text("ok")])
        }
    }
}
