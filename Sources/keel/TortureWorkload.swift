import Foundation
import Keel
import KeelEngine
import KeelLog
import Synchronization

/// The task queue every torture workflow and activity runs on.
let tortureTaskQueue = "torture"

/// What a torture workflow returns: a value computed from its input and its activities' and
/// children's results, and the signals and updates it handled, in the order it handled them.
struct TortureOutcome: Codable, Sendable, Equatable {
    var value: Int
    var signals: [String] = []
    var updates: [String] = []

    /// The outcome as one line of JSON, the form journals keep.
    var line: String {
        let data = (try? JSONEncoder.sorted.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes the form `line` writes.
    init?(line: String) {
        guard let decoded = try? JSONDecoder().decode(TortureOutcome.self, from: Data(line.utf8)) else { return nil }
        self = decoded
    }

    init(value: Int, signals: [String] = [], updates: [String] = []) {
        self.value = value
        self.signals = signals
        self.updates = updates
    }
}

extension JSONEncoder {
    /// An encoder whose output does not depend on dictionary order.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

/// The input of one activity that applies a side effect once, after `failures` planned failures.
struct TortureEffectInput: Codable, Sendable {
    /// The idempotency key: the side effect is applied at most once per key.
    var key: String
    var value: Int
    var failures: Int
}

/// An update's input: its name (what the workflow records) and a value the validator checks.
struct TortureUpdateInput: Codable, Sendable {
    var name: String
    var value: Int
}

/// The input of `TortureOrder`.
struct TortureOrderInput: Codable, Sendable, Equatable {
    var id: String
    var base: Int
    var chargeFailures: Int
    var sleepMilliseconds: Int
    /// How many signals and accepted updates the workflow waits for.
    var signals: Int
    var updates: Int
    /// For each child, how many times it continues as new.
    var childLoops: [Int]
}

/// The input of `TortureLoop`, one run of a chain of runs that continue as new.
struct TortureLoopInput: Codable, Sendable, Equatable {
    var id: String
    var value: Int
    var loops: Int
    var failures: Int
    var iteration: Int = 0
    var total: Int = 0
}

/// The activities of the torture workload. Each applies a side effect to the effect log at most
/// once per idempotency key, after recording the attempt.
struct TortureActivities: ActivityContainer {
    static let charge = ActivityDefinition<TortureEffectInput, Int>("TortureCharge")
    static let step = ActivityDefinition<TortureEffectInput, Int>("TortureStep")

    let effects: any TortureEffectLog

    var activities: [ActivityImplementation] {
        let effects = self.effects
        let body: @Sendable (TortureEffectInput, ActivityContext) async throws -> Int = { input, context in
            let attempt = Int(context.info.attempt)
            try effects.recordAttempt(key: input.key, attempt: attempt)
            if attempt <= input.failures {
                throw ApplicationError(
                    "planned failure \(attempt) of \(input.failures) for \(input.key)", type: "TortureFlake")
            }
            try effects.applyOnce(key: input.key, value: input.value)
            return input.value
        }
        return [ActivityImplementation(Self.charge, body), ActivityImplementation(Self.step, body)]
    }

    /// Short timeouts and fast retries, so planned failures and lost workers cost milliseconds.
    static let options = ActivityOptions(
        startToCloseTimeout: .seconds(5),
        retryPolicy: RetryPolicy(
            initialInterval: .milliseconds(5), backoffCoefficient: 2, maximumInterval: .milliseconds(50),
            maximumAttempts: 0))
}

/// A workflow with an activity that fails its first attempts, a durable timer, signals, updates
/// with a validator, and child workflows that continue as new.
final class TortureOrder: Workflow {
    var signals: [String] = []
    var updates: [String] = []

    static let add = Signal<TortureOrder, String>("add") { workflow, _, id in workflow.signals.append(id) }
    static let adjust = Update<TortureOrder, TortureUpdateInput, Int>(
        "adjust",
        validator: { _, input in
            guard input.value >= 0 else {
                throw ApplicationError(
                    "expected a non-negative value, found \(input.value)", type: "TortureRejected",
                    isNonRetryable: true)
            }
        },
        handler: { workflow, _, input in
            workflow.updates.append(input.name)
            return input.value * 2
        })
    static var handlers: [WorkflowHandler<TortureOrder>] { [add.handler, adjust.handler] }

    init() {}

    func run(context: WorkflowContext, input: TortureOrderInput) async throws -> TortureOutcome {
        let charged = try await context.executeActivity(
            TortureActivities.charge,
            input: TortureEffectInput(key: "\(input.id)#charge", value: input.base * 3, failures: input.chargeFailures),
            options: TortureActivities.options)
        try await context.sleep(for: .milliseconds(input.sleepMilliseconds))
        try await context.condition { self.signals.count >= input.signals && self.updates.count >= input.updates }
        var children: [ChildWorkflowHandle<TortureLoop>] = []
        for (index, loops) in input.childLoops.enumerated() {
            let id = TorturePlan.childID(input.id, index)
            children.append(
                try await context.startChildWorkflow(
                    TortureLoop.self,
                    input: TortureLoopInput(id: id, value: input.base + index, loops: loops, failures: index % 2),
                    options: ChildWorkflowOptions(id: WorkflowID(id))))
        }
        var value = charged
        for child in children { value += try await child.result() }
        return TortureOutcome(value: value, signals: signals, updates: updates)
    }
}

/// A workflow that runs one activity per run and continues as new `loops` times, summing the results.
final class TortureLoop: Workflow {
    init() {}

    func run(context: WorkflowContext, input: TortureLoopInput) async throws -> Int {
        let step = try await context.executeActivity(
            TortureActivities.step,
            input: TortureEffectInput(
                key: "\(input.id)#\(input.iteration)", value: input.value + input.iteration,
                failures: input.iteration == 0 ? input.failures : 0),
            options: TortureActivities.options)
        if input.iteration % 2 == 1 { try await context.sleep(for: .milliseconds(3)) }
        var next = input
        next.iteration += 1
        next.total += step
        if input.iteration < input.loops { try context.continueAsNew(TortureLoop.self, input: next) }
        return next.total
    }
}

/// Where activities record their attempts and apply their side effects, outside the engine.
protocol TortureEffectLog: Sendable {
    /// Records that an attempt of the activity with `key` ran.
    func recordAttempt(key: String, attempt: Int) throws
    /// Applies the side effect of `key` unless the log shows it applied already.
    func applyOnce(key: String, value: Int) throws
    /// The log's lines so far.
    func lines() throws -> [String]
}

/// The line formats of an effect log.
enum TortureEffectLine {
    static func attempt(key: String, attempt: Int) -> String { "attempt\t\(key)\t\(attempt)" }
    static func applied(key: String, value: Int) -> String { "applied\t\(key)\t\(value)" }
}

/// An effect log in a file that survives SIGKILL: every line is one `write` with `O_APPEND`,
/// followed by `fsync` before the activity goes on. The applied keys are read back from the file
/// when it is opened, so the check before applying stands on what is durable.
final class TortureEffectFile: TortureEffectLog {
    private let descriptor: Int32
    private let path: String
    /// The keys applied so far; the lock also makes check-then-apply one step among this
    /// process's activities (only one process writes the file at a time).
    private let applied: Mutex<Set<String>>

    init(path: String) throws {
        self.path = path
        descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ValidationErrorText("cannot open the effect log \(path): errno \(errno)")
        }
        var keys = Set<String>()
        for line in try Self.read(path: path) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.count == 3, fields[0] == "applied" { keys.insert(String(fields[1])) }
        }
        applied = Mutex(keys)
    }

    deinit { Glibc.close(descriptor) }

    /// The complete lines of the file at `path` (a line cut short by a kill is left out).
    static func read(path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // Empty after the last newline, or a cut line.
        return lines
    }

    private func append(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw ValidationErrorText("writing the effect log \(path) failed: errno \(errno)")
        }
        guard fsync(descriptor) == 0 else {
            throw ValidationErrorText("fsync of the effect log \(path) failed: errno \(errno)")
        }
    }

    func recordAttempt(key: String, attempt: Int) throws {
        try append(TortureEffectLine.attempt(key: key, attempt: attempt))
    }

    func applyOnce(key: String, value: Int) throws {
        try applied.withLock { keys in
            guard !keys.contains(key) else { return }
            try append(TortureEffectLine.applied(key: key, value: value))
            keys.insert(key)
        }
    }

    func lines() throws -> [String] { try Self.read(path: path) }
}

/// An effect log in memory, for the simulated mode: it stands for an outside system that the
/// simulated crashes of the engine's disk do not touch.
final class TortureEffectMemory: TortureEffectLog {
    private let state = Mutex<(lines: [String], applied: Set<String>)>(([], []))

    func recordAttempt(key: String, attempt: Int) throws {
        state.withLock { $0.lines.append(TortureEffectLine.attempt(key: key, attempt: attempt)) }
    }

    func applyOnce(key: String, value: Int) throws {
        state.withLock { state in
            guard state.applied.insert(key).inserted else { return }
            state.lines.append(TortureEffectLine.applied(key: key, value: value))
        }
    }

    func lines() throws -> [String] { state.withLock { $0.lines } }
}

/// An error that is only a message.
struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
