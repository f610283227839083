import KeelEngine
import KeelLog

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Drives one engine, kept for the whole process, with workflow tasks whose commands come from the input.
///
/// Per input: a fresh run of workflow `fuzz` starts on queue `fuzz`; signals and updates may reach it first;
/// its workflow task is taken and completed with the commands `CommandGenerator` makes of the input (a signal
/// may arrive while the task runs). Then an activity task may be answered, the clock may move, every workflow
/// task still offered is completed, the run is made to take one more workflow task, and everything the input
/// started is terminated.
///
/// Checked besides "no crash": completing the task succeeds or fails with `.invalidArgument`,
/// `.limitExceeded` or `.staleTaskToken`; the engine keeps working afterwards (the follow-up polls,
/// completions with valid commands, signals, terminations succeed); every history the input made is well
/// formed (`HistoryValidator`).
///
/// The engine runs with low limits (its byte limits and its log's are the defaults divided by 128: payloads
/// 16 KiB, a task completion 256 KiB, log records 128 KiB; a few pending items of each kind), so that inputs of
/// a few kilobytes reach every limit. The runs of earlier inputs are all closed; every few hundred inputs the
/// clock moves past the namespaces' one-day retention so the engine removes them, and every few thousand inputs
/// the engine is built again on a fresh simulated disk, which keeps memory and the time per input flat.
final class CommandsHarness: @unchecked Sendable {
    // libFuzzer runs one input at a time, and each input runs to its end before the next starts, so the
    // harness's state is never touched by two threads at once.
    static let shared = CommandsHarness()

    static let workflowID = WorkflowID("fuzz")
    static let taskQueue = "fuzz"
    static let retention: Duration = .seconds(86_400)
    static let rebuildFileBytes: UInt64 = 64 << 20
    static let rebuildAfter: Duration = .seconds(100 * 365 * 86_400)
    static let inputsPerEngine = 2_048
    static let inputsPerExpiry = 256
    /// Queues a child or an activity may be put on; each is polled in both namespaces.
    static let queues = ["fuzz", "side", ""]
    static let namespaces = ["default", "other"]

    /// A minimal `WorkflowExecutionUpdateAccepted` event (FORMAT.md section 18): kind 1, version 1, type 41,
    /// event id 1, time 0, then 2 bytes of attributes holding only field 4, an empty `UpdateRequest`.
    /// `UpdateRequest` has no public initializer, so the harness takes one from this event.
    static let updateTemplate: UpdateRequest = {
        let bytes: [UInt8] = [0x01, 0x01, 0x29, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x22, 0x00]
        guard case .workflowExecutionUpdateAccepted(let accepted) = try? EventCodec.decode(bytes).attributes else {
            fail("the update template no longer decodes as WorkflowExecutionUpdateAccepted")
        }
        return accepted.acceptedRequest
    }()

    /// `FUZZ_COMMANDS_VERBOSE=1` prints each input's choices and commands, cut to 400 characters each;
    /// `FUZZ_COMMANDS_VERBOSE=2` prints the commands whole.
    static let verbosity = getenv("FUZZ_COMMANDS_VERBOSE").flatMap { Int(String(cString: $0)) } ?? 0
    static var isVerbose: Bool { verbosity > 0 }

    private var disk = SimulatedDisk(seed: 1)
    private var clock = ManualClock()
    private var engine: Engine?
    private var engines = 0
    private var inputs = 0

    func run(_ bytes: [UInt8]) async {
        let engine = await prepare()
        var reader = ByteReader(bytes)
        let flags = reader.byte()
        let sticky: StickyAttributes? =
            flags & 0x10 == 0
            ? nil
            : StickyAttributes(
                taskQueue: reader.pick(["fuzz-sticky", "", "fuzz"]),
                scheduleToStartTimeout: reader.pick([.seconds(5), .zero, .seconds(-1), .seconds(Int64.max)]))
        let activityAction = reader.below(6)
        let advance = reader.below(5)

        let execution: WorkflowExecution
        do {
            let result = try await engine.startWorkflow(
                StartWorkflowRequest(workflowID: Self.workflowID, workflowType: "Fuzz", taskQueue: Self.taskQueue))
            execution = WorkflowExecution(workflowID: Self.workflowID, runID: result.runID)
        } catch {
            fail("starting run \(engines).\(Self.workflowID) failed: \(error)")
        }
        if flags & 1 != 0 { await signal(engine, execution, "before") }
        let (task, updateIDs) = await takeTask(engine, of: execution, update: flags & 4 != 0)
        if flags & 2 != 0 { await signal(engine, execution, "during") }
        let history = task.history.map(\.eventID)
        var generator = CommandGenerator(
            reader: reader,
            context: CommandContext(execution: execution, eventIDs: history, updateIDs: updateIDs))
        let commands = generator.commands()
        reader = generator.reader
        if Self.isVerbose {
            var text =
                "flags \(flags), sticky \(sticky as Any), activity action \(activityAction), advance \(advance)\n"
            let length = Self.verbosity > 1 ? Int.max : 400
            for command in commands { text += "  " + String(String(describing: command).prefix(length)) + "\n" }
            Self.printToStandardError(text)
        }
        do {
            try await engine.completeWorkflowTask(
                task.taskToken, commands: commands, identity: "fuzz", sticky: sticky)
            if Self.isVerbose, let description = try? engine.describe(execution: execution) {
                Self.printToStandardError(
                    "completed: \(description.historyLength) events, \(description.historySizeBytes) bytes\n")
            }
        } catch {
            if Self.isVerbose { Self.printToStandardError(String("refused: \(error)".prefix(400)) + "\n") }
            let allowed: [EngineError.Code] = [.invalidArgument, .limitExceeded, .staleTaskToken]
            check(
                allowed.contains(error.code),
                "completing a workflow task with \(commands.map(\.name)) failed with \(error)")
        }
        await engine.settle()

        await answerActivity(engine, action: activityAction, reader: &reader)
        switch advance {
        case 1: clock.advance(by: .seconds(11))
        case 2: clock.advance(by: .seconds(300))
        case 3: clock.advance(by: .seconds(12 * 3_600))
        case 4:
            let now = clock.now()
            if let next = engine.nextDeadline() { clock.advance(to: min(next, now + .seconds(12 * 3_600))) }
        default: break
        }
        await engine.fireDueTimers()

        let didCompleteOwnTask = await completeOfferedTasks(engine, sticky: sticky?.taskQueue, reader: &reader)
        if !didCompleteOwnTask { await requireWorkingRun(engine, from: execution, sticky: sticky?.taskQueue) }
        await terminateAll(engine, from: execution)
        validateAll(engine, from: execution)
        await drainQueues(engine, sticky: sticky?.taskQueue)
    }

    /// Writes `text` to standard error, unbuffered, so that it is out before a crash.
    static func printToStandardError(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }

    // MARK: - The engine

    /// Returns the engine, built again every `inputsPerEngine` inputs, or sooner when its clock nears the end of
    /// `Timestamp`'s range or its file grows large. Every `inputsPerExpiry` inputs the clock moves past the
    /// retention of the runs of earlier inputs, which the engine then removes.
    private func prepare() async -> Engine {
        inputs += 1
        if let engine {
            let tooLate = clock.now() > ManualClock().now() + Self.rebuildAfter
            let isFresh = inputs % Self.inputsPerEngine != 0
            if isFresh && !tooLate && engine.store.stats().fileBytes <= Self.rebuildFileBytes {
                if inputs % Self.inputsPerExpiry == 0 {
                    clock.advance(by: Self.retention * 2)
                    await engine.fireDueTimers()
                }
                return engine
            }
            do {
                try await engine.close()
            } catch {
                fail("closing engine \(engines) failed: \(error)")
            }
        }
        engines += 1
        disk = SimulatedDisk(seed: UInt64(engines))
        clock = ManualClock()
        var options = EngineOptions()
        options.partitionCount = 2
        options.defaultNamespaceRetention = Self.retention
        // The byte limits are the defaults divided by 128, which keeps the proportions the engine relies on
        // (a record holds a few payload lists, a commit a task completion and the events buffered meanwhile).
        // The 1 MiB segments cap a commit at 256 KiB, so large completions are written as several commits.
        let scale = 128
        options.limits.payloadBytesMax = EngineLimits().payloadBytesMax / scale
        options.limits.historyBytesMax = EngineLimits().historyBytesMax / scale
        options.limits.workflowTaskCompletionBytesMax = EngineLimits().workflowTaskCompletionBytesMax / scale
        options.limits.bufferedBytesMax = EngineLimits().bufferedBytesMax / scale
        options.log.recordBytesMax = EngineOptions().log.recordBytesMax / scale
        options.log.commitBytesMax = EngineOptions().log.commitBytesMax / scale
        options.limits.pendingActivitiesMax = 4
        options.limits.pendingChildrenMax = 3
        options.limits.pendingSignalsMax = 3
        options.limits.pendingCancelRequestsMax = 3
        options.limits.pendingUpdatesMax = 2
        options.log.segmentBytes = 1 << 20
        options.log.durability = .relaxed(syncIntervalMilliseconds: 1_000)
        let engine: Engine
        do {
            let store = try LogStore.open(file: try disk.open("keel.db", create: true), options: options.log)
            engine = try Engine.open(store: store, options: options, clock: clock, runIDSeed: UInt64(engines))
            let attributes: [String: SearchAttributeType] = [
                "CustomKeyword": .keyword, "CustomInt": .int, "CustomDatetime": .datetime,
                "CustomKeywordList": .keywordList,
            ]
            try await engine.registerNamespace(
                NamespaceSettings(name: "default", retention: Self.retention, searchAttributes: attributes))
            try await engine.registerNamespace(
                NamespaceSettings(name: "other", retention: Self.retention, searchAttributes: ["CustomInt": .int]))
        } catch {
            fail("opening engine \(engines) on a simulated disk failed: \(error)")
        }
        self.engine = engine
        return engine
    }

    // MARK: - Steps

    private func signal(_ engine: Engine, _ execution: WorkflowExecution, _ name: String) async {
        do {
            try await engine.signal(execution: execution, SignalRequest(name: name, input: [.binary([1])]))
        } catch {
            fail("signalling open run \(execution) failed: \(error)")
        }
    }

    /// Sends an update without waiting for it: it waits until the workflow accepts or rejects it, or the run
    /// closes, which ends every input.
    private func sendUpdate(_ engine: Engine, _ execution: WorkflowExecution, _ updateID: String) {
        var request = Self.updateTemplate
        request.updateID = updateID
        request.name = "approve"
        Task {
            do throws(EngineError) {
                _ = try await engine.update(execution: execution, request, waitFor: .accepted)
            } catch {
                let allowed: [EngineError.Code] = [.failedPrecondition, .notFound, .limitExceeded]
                check(allowed.contains(error.code), "update \(updateID) of \(execution) failed with \(error)")
            }
        }
    }

    /// Takes the run's workflow task. With `update`, completes that first task without commands, sends an
    /// update and takes the task the update schedules, which carries it: the run then has one update admitted.
    private func takeTask(_ engine: Engine, of execution: WorkflowExecution, update: Bool) async
        -> (WorkflowTask, [String])
    {
        var task = await takeOwnTask(engine, of: execution, timeout: .zero)
        guard update else { return (task, []) }
        await complete(engine, task, [], "completing the first task without commands")
        sendUpdate(engine, execution, "u0")
        // A long poll, not a sleep: it returns as soon as the update's task is offered.
        task = await takeOwnTask(engine, of: execution, timeout: .seconds(30))
        check(
            task.updates.map(\.updateID) == ["u0"], "the update's task carries \(task.updates.map(\.updateID))")
        return (task, ["u0"])
    }

    private func takeOwnTask(_ engine: Engine, of execution: WorkflowExecution, timeout: Duration) async
        -> WorkflowTask
    {
        let found: WorkflowTask?
        do {
            found = try await engine.pollWorkflowTask(taskQueue: Self.taskQueue, identity: "fuzz", timeout: timeout)
        } catch {
            fail("polling \(Self.taskQueue) for \(execution) failed: \(error)")
        }
        guard let task = found else { fail("no workflow task for \(execution) on \(Self.taskQueue)") }
        check(task.execution == execution, "took a task of \(task.execution), expected \(execution)")
        return task
    }

    /// Polls the queues in order, each without waiting; returns the first task found.
    private func poll(_ engine: Engine, queues: [(String, String)]) async -> WorkflowTask? {
        for (namespace, queue) in queues {
            do {
                if let task = try await engine.pollWorkflowTask(
                    namespace: namespace, taskQueue: queue, identity: "fuzz", timeout: .zero)
                {
                    return task
                }
            } catch {
                fail("polling \(namespace)/\(queue) failed: \(error)")
            }
        }
        return nil
    }

    private func complete(_ engine: Engine, _ task: WorkflowTask, _ commands: [Command], _ what: String) async {
        do {
            try await engine.completeWorkflowTask(task.taskToken, commands: commands, identity: "fuzz")
        } catch {
            fail("\(what) of \(task.execution) with \(commands.map(\.name)) failed: \(error)")
        }
    }

    private func workflowQueues(sticky: String?) -> [(String, String)] {
        var queues = Self.namespaces.flatMap { namespace in Self.queues.map { (namespace, $0) } }
        if let sticky { queues.append(("default", sticky)) }
        return queues
    }

    /// Takes one activity task, if any, and answers it as `action` says (1 complete, 2 fail, 3 fail for good,
    /// 4 heartbeat, 5 report canceled).
    private func answerActivity(_ engine: Engine, action: Int, reader: inout ByteReader) async {
        guard action != 0 else { return }
        var found: ActivityTask?
        for namespace in Self.namespaces {
            for queue in Self.queues where found == nil {
                do {
                    found = try await engine.pollActivityTask(
                        namespace: namespace, taskQueue: queue, identity: "fuzz", timeout: .zero)
                } catch {
                    fail("polling activities of \(namespace)/\(queue) failed: \(error)")
                }
            }
        }
        guard let task = found else { return }
        let details: [Payload] = [.binary(reader.take(reader.below(32)))]
        do {
            switch action {
            case 1:
                try await engine.completeActivity(task.taskToken, result: details)
            case 2:
                try await engine.failActivity(
                    task.taskToken, failure: .application("retry me", type: "Transient"), lastHeartbeatDetails: details)
            case 3:
                try await engine.failActivity(task.taskToken, failure: .application("give up", nonRetryable: true))
            case 4:
                _ = try engine.recordActivityHeartbeat(task.taskToken, details: details)
            default:
                try await engine.reportActivityCanceled(task.taskToken, details: details)
            }
        } catch {
            // Reporting a cancellation nobody asked for may be refused; nothing else may fail.
            check(
                action == 5 && error.code == .failedPrecondition,
                "answering activity \(task.activityID) of \(task.workflowExecution) (action \(action)) failed: \(error)"
            )
        }
        await engine.settle()
    }

    /// Completes every workflow task on offer, for a few rounds: the input's run with no commands, the runs it
    /// started (children, continued runs) with a command that closes them, chosen by the input. Returns true
    /// when a task of `fuzz` was completed, which shows the engine still works for it.
    private func completeOfferedTasks(_ engine: Engine, sticky: String?, reader: inout ByteReader) async -> Bool {
        var didCompleteOwnTask = false
        for _ in 0..<8 {
            await engine.settle()
            guard let task = await poll(engine, queues: workflowQueues(sticky: sticky)) else { break }
            if task.namespace == "default" && task.execution.workflowID == Self.workflowID {
                await complete(engine, task, [], "completing a task without commands")
                didCompleteOwnTask = true
                continue
            }
            let commands: [Command]
            switch reader.below(4) {
            case 0: commands = [.completeWorkflowExecution(result: [.binary([7])])]
            case 1: commands = [.failWorkflowExecution(failure: .application("child failed", type: "Declined"))]
            case 2: commands = [.continueAsNewWorkflowExecution(ContinueAsNew())]
            default: commands = []
            }
            await complete(engine, task, commands, "completing a task of a run the input started")
        }
        await engine.settle()
        return didCompleteOwnTask
    }

    /// Requires the current run of `fuzz`, if open, to take a workflow task after a signal and complete it.
    ///
    /// A continued run whose first task waits for a backoff takes no task before the backoff ends, signal or
    /// not; a backoff ending within 30 days is waited for (the clock moves), a longer one is accepted as is.
    private func requireWorkingRun(_ engine: Engine, from original: WorkflowExecution, sticky: String?) async {
        let current = WorkflowExecution(workflowID: Self.workflowID, runID: "")
        guard let description = try? engine.describe(execution: current), description.record.status == .running
        else { return }
        let execution = description.record.execution
        await signal(engine, execution, "after")
        var isValidated = false
        for _ in 0..<16 {
            await engine.settle()
            // A continued run may have moved to another queue.
            let queues = [("default", description.record.taskQueue), ("default", sticky ?? Self.taskQueue)]
            if let task = await poll(engine, queues: queues) {
                check(task.execution == execution, "took a task of \(task.execution), expected \(execution)")
                await complete(engine, task, [], "completing a task without commands after a signal")
                return
            }
            let now = clock.now()
            let horizon = now + .seconds(30 * 86_400)
            var backoffEnd: Timestamp? = nil
            if let due = firstTaskBackoffEnd(engine, execution), due > now {
                if due > horizon { return }
                backoffEnd = due
            }
            // The task may wait for a backoff (a continued run's first task, a retried task). Moving the clock
            // to it may pass the retention of the runs the input closed, so their histories are checked first.
            if !isValidated {
                validateAll(engine, from: original)
                isValidated = true
            }
            // A first task's backoff is waited for in one step: other deadlines (timers and retention of other
            // runs) may come every few seconds, far more often than the 16 steps here could pass days of backoff.
            guard let next = backoffEnd ?? engine.nextDeadline(), next <= horizon else { break }
            clock.advance(to: next)
            await engine.fireDueTimers()
            // The deadline may have closed the run (a run timeout), and a later one removed it.
            guard let now = try? engine.describe(execution: execution), now.record.status == .running else { return }
        }
        let task = (try? engine.describe(execution: execution)).map { "\($0.pendingWorkflowTask as Any)" } ?? "?"
        fail("open run \(execution) was signalled but offers no workflow task (pending: \(task))")
    }

    /// When the run has not scheduled its first workflow task and waits for a backoff, the time it ends.
    private func firstTaskBackoffEnd(_ engine: Engine, _ execution: WorkflowExecution) -> Timestamp? {
        guard let events = try? engine.history(execution: execution), let first = events.first,
            case .workflowExecutionStarted(let started) = first.attributes,
            let backoff = started.firstWorkflowTaskBackoff, backoff > .zero,
            !events.contains(where: { $0.eventType == .workflowTaskScheduled })
        else { return nil }
        return first.time + backoff
    }

    /// Terminates every run the input may have left open: the current run of `fuzz` and of every workflow id
    /// the runs of `fuzz` started a child with. (The children themselves only ever close or continue.)
    private func terminateAll(_ engine: Engine, from execution: WorkflowExecution) async {
        var targets: [(String, String)] = [("default", Self.workflowID.rawValue)]
        for (namespace, workflowID) in childWorkflows(engine, from: execution)
        where !targets.contains(where: { $0 == (namespace, workflowID) }) {
            targets.append((namespace, workflowID))
        }
        for (namespace, workflowID) in targets {
            let execution = WorkflowExecution(workflowID: WorkflowID(workflowID), runID: "")
            do {
                try await engine.terminate(namespace: namespace, execution: execution, reason: "input done")
            } catch {
                check(
                    error.code == .notFound || error.code == .failedPrecondition,
                    "terminating \(namespace)/\(workflowID.prefix(64)) failed: \(error)")
            }
        }
        await engine.settle()
    }

    /// The namespaces and workflow ids of the children the run and the runs that continued it started.
    private func childWorkflows(_ engine: Engine, from execution: WorkflowExecution) -> [(String, String)] {
        var children: [(String, String)] = []
        var next: WorkflowExecution? = execution
        var runs = 0
        while let current = next, runs < 16 {
            runs += 1
            next = nil
            guard let events = try? engine.history(execution: current) else { break }
            for event in events {
                switch event.attributes {
                case .startChildWorkflowExecutionInitiated(let attributes):
                    let namespace = attributes.namespace.isEmpty ? "default" : attributes.namespace
                    children.append((namespace, attributes.workflowID.rawValue))
                case .workflowExecutionContinuedAsNew(let attributes):
                    next = WorkflowExecution(workflowID: current.workflowID, runID: attributes.newExecutionRunID)
                default:
                    break
                }
            }
        }
        return children
    }

    /// Polls every queue the input may have used until it is empty, so entries of closed runs do not pile up.
    private func drainQueues(_ engine: Engine, sticky: String?) async {
        while let task = await poll(engine, queues: workflowQueues(sticky: sticky)) {
            fail("a workflow task of \(task.execution) is offered after every run was terminated")
        }
        for namespace in Self.namespaces {
            for queue in Self.queues {
                do {
                    if let task = try await engine.pollActivityTask(
                        namespace: namespace, taskQueue: queue, timeout: .zero)
                    {
                        fail(
                            "activity \(task.activityID) of \(task.workflowExecution) is offered after its run ended")
                    }
                } catch {
                    fail("polling activities of \(namespace)/\(queue) failed: \(error)")
                }
            }
        }
    }

    // MARK: - Histories

    /// Checks the history of a run; returns its events, or nil when the run is gone (its retention passed).
    private func validate(_ engine: Engine, namespace: String, _ execution: WorkflowExecution) -> [HistoryEvent]? {
        let events: [HistoryEvent]
        do {
            events = try engine.history(namespace: namespace, execution: execution)
        } catch {
            check(error.code == .notFound, "reading the history of \(namespace)/\(execution) failed: \(error)")
            return nil
        }
        let problems = HistoryValidator.problems(in: events)
        check(
            problems.isEmpty,
            "history of \(namespace)/\(execution) is not well formed: \(problems); events: "
                + events.map { "\($0.eventID) \($0.eventType)" }.joined(separator: ", "))
        return events
    }

    /// Validates the input's run, the runs that continued it, and its children and theirs (at most 16 runs).
    private func validateAll(_ engine: Engine, from execution: WorkflowExecution) {
        var pending = [("default", execution)]
        var seen: Set<String> = []
        while let (namespace, execution) = pending.popLast(), seen.count < 16 {
            guard seen.insert("\(namespace)/\(execution)").inserted else { continue }
            guard let events = validate(engine, namespace: namespace, execution) else { continue }
            for event in events {
                switch event.attributes {
                case .workflowExecutionContinuedAsNew(let attributes):
                    pending.append(
                        (
                            namespace,
                            WorkflowExecution(workflowID: execution.workflowID, runID: attributes.newExecutionRunID)
                        ))
                case .workflowExecutionFailed(let attributes):
                    if let runID = attributes.newExecutionRunID {
                        pending.append((namespace, WorkflowExecution(workflowID: execution.workflowID, runID: runID)))
                    }
                case .workflowExecutionTimedOut(let attributes):
                    if let runID = attributes.newExecutionRunID {
                        pending.append((namespace, WorkflowExecution(workflowID: execution.workflowID, runID: runID)))
                    }
                case .childWorkflowExecutionStarted(let attributes):
                    pending.append((attributes.namespace, attributes.execution))
                default:
                    break
                }
            }
        }
    }
}

/// Stops the process with `message` when `condition` is false. Unlike `precondition`, it prints the message in
/// release builds too, which is how the fuzz targets are built.
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// Stops the process with `message`, in every build configuration.
func fail(_ message: String) -> Never { fatalError(message) }
