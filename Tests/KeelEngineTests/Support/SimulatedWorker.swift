@testable import KeelEngine

/// One step of a simulated workflow: what the workflow does next once the step before it is done.
enum ScriptStep: Hashable, Sendable {
    /// Runs activity `name`, whose first `failures` attempts fail, with at most `maximumAttempts`
    /// attempts (0: unlimited) and a first retry after `backoffSeconds`.
    case activity(name: String, failures: Int, maximumAttempts: Int32, backoffSeconds: Int)
    /// Sleeps on timer `name` for `seconds`.
    case timer(name: String, seconds: Int)
    /// Waits for the next signal called `name` that this step has not used yet.
    case signal(name: String)
    /// Makes the worker fail the first `attempts` attempts of every workflow task of the run (as a
    /// worker whose replay keeps failing would); it is not a step the workflow waits on.
    case flakyReplay(attempts: Int)
    /// Runs child workflow `name`, whose script is an activity failing `failures` times, then a
    /// timer of `seconds`, and waits for it to complete.
    case child(name: String, failures: Int, seconds: Int)

    /// The script of the child a `.child` step starts.
    static func childScript(failures: Int, seconds: Int) -> WorkflowScript {
        WorkflowScript(steps: [
            .activity(name: "x", failures: failures, maximumAttempts: 0, backoffSeconds: 1),
            .timer(name: "y", seconds: seconds),
        ])
    }
}

/// A workflow as a list of steps, carried in the workflow's input so that a worker holding nothing
/// but the history can run it.
struct WorkflowScript: Hashable, Sendable {
    var steps: [ScriptStep]

    /// The activities' start-to-close timeout: a worker that forgets an attempt sees it time out after this.
    static let activityTimeout = Duration.seconds(20)

    /// The script as text: steps separated by commas, fields by colons ("a:charge:2:3:1,t:nap:30,s:go").
    var encoded: String {
        steps.map { step in
            switch step {
            case .activity(let name, let failures, let maximumAttempts, let backoffSeconds):
                "a:\(name):\(failures):\(maximumAttempts):\(backoffSeconds)"
            case .timer(let name, let seconds): "t:\(name):\(seconds)"
            case .signal(let name): "s:\(name)"
            case .child(let name, let failures, let seconds): "c:\(name):\(failures):\(seconds)"
            case .flakyReplay(let attempts): "f:\(attempts)"
            }
        }.joined(separator: ",")
    }

    /// The script as the workflow's input.
    var input: [Payload] { [.binary(Array(encoded.utf8))] }

    init(steps: [ScriptStep]) { self.steps = steps }

    /// Reads a script from a workflow's input; nil when the input is not a script.
    init?(input: [Payload]) {
        guard input.count == 1 else { return nil }
        let text = String(decoding: input[0].data, as: UTF8.self)
        var steps: [ScriptStep] = []
        for piece in text.split(separator: ",") {
            let fields = piece.split(separator: ":").map(String.init)
            switch (fields.first, fields.count) {
            case ("a", 5):
                guard let failures = Int(fields[2]), let maximumAttempts = Int32(fields[3]),
                    let backoffSeconds = Int(fields[4])
                else { return nil }
                steps.append(
                    .activity(
                        name: fields[1], failures: failures, maximumAttempts: maximumAttempts,
                        backoffSeconds: backoffSeconds))
            case ("t", 3):
                guard let seconds = Int(fields[2]) else { return nil }
                steps.append(.timer(name: fields[1], seconds: seconds))
            case ("s", 2):
                steps.append(.signal(name: fields[1]))
            case ("f", 2):
                guard let attempts = Int(fields[1]) else { return nil }
                steps.append(.flakyReplay(attempts: attempts))
            case ("c", 4):
                guard let failures = Int(fields[2]), let seconds = Int(fields[3]) else { return nil }
                steps.append(.child(name: fields[1], failures: failures, seconds: seconds))
            default:
                return nil
            }
        }
        self.steps = steps
    }

    /// How many signals called `name` the script waits for.
    func signalsNeeded(_ name: String) -> Int {
        steps.filter { $0 == .signal(name: name) }.count
    }

    /// The names of the signals the script waits for, each once.
    var signalNames: [String] {
        var names: [String] = []
        for case .signal(let name) in steps where !names.contains(name) { names.append(name) }
        return names
    }

    /// The result the workflow completes with, given the inputs of the signals it received in order.
    ///
    /// An activity succeeds unless its failures use up every allowed attempt; a timer fires; a
    /// signal step takes the input of the next signal of its name; a child step takes the child's result.
    func expectedResult(signals: [(name: String, input: String)]) -> String {
        var used: [String: Int] = [:]
        var parts: [String] = []
        for step in steps {
            switch step {
            case .activity(let name, let failures, let maximumAttempts, _):
                let succeeds = maximumAttempts == 0 || failures < Int(maximumAttempts)
                parts.append("\(name)=\(succeeds ? "ok" : "failed")")
            case .timer(let name, _):
                parts.append("\(name)=fired")
            case .signal(let name):
                let inputs = signals.filter { $0.name == name }.map(\.input)
                let index = used[name, default: 0]
                parts.append("\(name)=\(index < inputs.count ? inputs[index] : "?")")
                used[name] = index + 1
            case .child(let name, let failures, let seconds):
                let child = ScriptStep.childScript(failures: failures, seconds: seconds)
                parts.append("\(name)=(\(child.expectedResult(signals: [])))")
            case .flakyReplay:
                break
            }
        }
        return parts.joined(separator: ",")
    }
}

/// A worker that runs scripted workflows and activities deterministically.
///
/// It keeps no state between tasks: every decision is derived from the task alone (the workflow's
/// full history, or the activity's input and attempt), as a worker without a cache replays a run.
enum SimulatedWorker {
    /// What an activity attempt does.
    enum ActivityAnswer: Equatable {
        case complete([Payload])
        case fail(Failure)
    }

    /// The commands the workflow issues at this point of its history.
    ///
    /// The script's steps run one after the other: the first step that is not done yet is either
    /// started (an activity scheduled, a timer started) or waited for, and when every step is done
    /// the workflow completes with the outcome of each.
    static func commands(for history: [HistoryEvent], of execution: WorkflowExecution) -> [Command] {
        guard case .workflowExecutionStarted(let started)? = history.first?.attributes,
            let script = WorkflowScript(input: started.input)
        else {
            return [.failWorkflowExecution(failure: .application("the input is not a script", nonRetryable: true))]
        }
        var scheduled: [Int64: String] = [:]
        var activityOutcomes: [String: String] = [:]
        var timersStarted: Set<String> = []
        var timersFired: Set<String> = []
        var signals: [(name: String, input: String)] = []
        var childrenInitiated: [Int64: String] = [:]
        var childResults: [String: String] = [:]
        for event in history {
            switch event.attributes {
            case .activityTaskScheduled(let attributes):
                scheduled[event.eventID] = attributes.activityID
            case .activityTaskCompleted(let attributes):
                activityOutcomes[scheduled[attributes.scheduledEventID] ?? ""] = "ok"
            case .activityTaskFailed(let attributes):
                activityOutcomes[scheduled[attributes.scheduledEventID] ?? ""] = "failed"
            case .activityTaskTimedOut(let attributes):
                activityOutcomes[scheduled[attributes.scheduledEventID] ?? ""] = "failed"
            case .activityTaskCanceled(let attributes):
                activityOutcomes[scheduled[attributes.scheduledEventID] ?? ""] = "failed"
            case .timerStarted(let attributes):
                timersStarted.insert(attributes.timerID)
            case .timerFired(let attributes):
                timersFired.insert(attributes.timerID)
            case .workflowExecutionSignaled(let attributes):
                let input = attributes.input.first.map { String(decoding: $0.data, as: UTF8.self) } ?? ""
                signals.append((attributes.signalName, input))
            case .startChildWorkflowExecutionInitiated(let attributes):
                childrenInitiated[event.eventID] = attributes.workflowID.rawValue
            case .childWorkflowExecutionCompleted(let attributes):
                let result = attributes.result.first.map { String(decoding: $0.data, as: UTF8.self) } ?? ""
                childResults[childrenInitiated[attributes.initiatedEventID] ?? ""] = "(\(result))"
            case .childWorkflowExecutionFailed(let attributes):
                childResults[childrenInitiated[attributes.initiatedEventID] ?? ""] = "failed"
            case .childWorkflowExecutionTimedOut(let attributes):
                childResults[childrenInitiated[attributes.initiatedEventID] ?? ""] = "timed out"
            case .childWorkflowExecutionCanceled(let attributes):
                childResults[childrenInitiated[attributes.initiatedEventID] ?? ""] = "canceled"
            case .childWorkflowExecutionTerminated(let attributes):
                childResults[childrenInitiated[attributes.initiatedEventID] ?? ""] = "terminated"
            case .startChildWorkflowExecutionFailed(let attributes):
                childResults[attributes.workflowID.rawValue] = "not started"
            default:
                break
            }
        }
        let scheduledNames = Set(scheduled.values)
        let childIDs = Set(childrenInitiated.values)
        var used: [String: Int] = [:]
        var parts: [String] = []
        for step in script.steps {
            switch step {
            case .activity(let name, let failures, let maximumAttempts, let backoffSeconds):
                if let outcome = activityOutcomes[name] {
                    parts.append("\(name)=\(outcome)")
                    continue
                }
                if scheduledNames.contains(name) { return [] }
                return [
                    .scheduleActivityTask(
                        ScheduleActivityTask(
                            activityID: name, activityType: "Scripted", input: [.binary(Array("\(failures)".utf8))],
                            startToCloseTimeout: WorkflowScript.activityTimeout,
                            retryPolicy: RetryPolicy(
                                initialInterval: .seconds(backoffSeconds), backoffCoefficient: 2,
                                maximumInterval: .seconds(backoffSeconds * 8), maximumAttempts: maximumAttempts)))
                ]
            case .timer(let name, let seconds):
                if timersFired.contains(name) {
                    parts.append("\(name)=fired")
                    continue
                }
                if timersStarted.contains(name) { return [] }
                return [.startTimer(timerID: name, startToFireTimeout: .seconds(seconds))]
            case .signal(let name):
                let inputs = signals.filter { $0.name == name }.map(\.input)
                let index = used[name, default: 0]
                guard index < inputs.count else { return [] }
                parts.append("\(name)=\(inputs[index])")
                used[name] = index + 1
            case .child(let name, let failures, let seconds):
                let childID = childWorkflowID(parent: execution.workflowID, name: name)
                if let result = childResults[childID] {
                    parts.append("\(name)=\(result)")
                    continue
                }
                if childIDs.contains(childID) { return [] }
                return [
                    .startChildWorkflowExecution(
                        StartChildWorkflow(
                            workflowID: WorkflowID(childID), workflowType: "ScriptedChild",
                            input: ScriptStep.childScript(failures: failures, seconds: seconds).input))
                ]
            case .flakyReplay:
                continue
            }
        }
        return [.completeWorkflowExecution(result: [.binary(Array(parts.joined(separator: ",").utf8))])]
    }

    /// True when the worker fails this workflow task, as the run's script asks (`flakyReplay`).
    static func failsReplay(_ task: WorkflowTask) -> Bool {
        guard case .workflowExecutionStarted(let started)? = task.history.first?.attributes,
            let script = WorkflowScript(input: started.input)
        else { return false }
        for case .flakyReplay(let attempts) in script.steps where task.attempt <= Int32(attempts) { return true }
        return false
    }

    /// The workflow id of the child that step `name` of `parent` starts.
    static func childWorkflowID(parent: WorkflowID, name: String) -> String { "\(parent.rawValue)-\(name)" }

    /// The number of attempts a scripted activity fails before it succeeds (from its input).
    static func failures(of task: ActivityTask) -> Int {
        task.input.first.flatMap { Int(String(decoding: $0.data, as: UTF8.self)) } ?? 0
    }

    /// What an attempt of a scripted activity does: its first attempts fail, the rest succeed.
    static func answer(_ task: ActivityTask) -> ActivityAnswer {
        if Int(task.attempt) <= failures(of: task) {
            return .fail(.application("attempt \(task.attempt) of \(task.activityID) fails", type: "Scripted"))
        }
        return .complete([.binary(Array("done:\(task.activityID)".utf8))])
    }

    /// True when a lost answer to this attempt cannot change how the activity ends: the attempt was
    /// going to fail anyway, or the policy retries without limit.
    static func mayForget(_ task: ActivityTask) -> Bool {
        Int(task.attempt) <= failures(of: task) || (task.retryPolicy?.maximumAttempts ?? 0) == 0
    }
}
