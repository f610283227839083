import Foundation
import KeelEngine

/// What workflow code uses to act on the world: activities, timers, child workflows, signals to
/// other workflows, and deterministic stand-ins for time, randomness and ids. Every call is
/// recorded in history (or checked against it on replay), so the code stays deterministic.
///
/// Call it only from the workflow's own code: `run`, its handlers, and the tasks they create with
/// `async let` or task groups.
public final class WorkflowContext: @unchecked Sendable {
    unowned let instance: WorkflowInstance

    init(instance: WorkflowInstance) { self.instance = instance }

    /// The converter that turns inputs and results into payloads.
    public var converter: DataConverter { instance.converter }

    /// Facts about the run: ids, type, attempt, history length.
    public var info: WorkflowInfo { instance.info }

    /// Whether the code is replaying history rather than running a new workflow task.
    public var isReplaying: Bool { instance.isReplaying }

    /// The workflow time: when the current workflow task started. Use it instead of `Date()`.
    public var now: Date {
        Date(timeIntervalSince1970: Double(instance.now.nanosecondsSinceEpoch) / 1e9)
    }

    /// The workflow time as a `Timestamp`.
    public var timestamp: Timestamp { instance.now }

    /// A logger that is quiet while the code replays, so each line is written once.
    public var logger: WorkflowLogger { WorkflowLogger(instance: instance) }

    // MARK: - Activities

    /// Runs an activity and returns its result; throws `ActivityError` when it fails for good,
    /// times out or is canceled. Canceling the calling task cancels the activity.
    @discardableResult
    public func executeActivity<Input, Output>(
        _ activity: ActivityDefinition<Input, Output>, input: Input, options: ActivityOptions
    ) async throws -> Output {
        let payloads = try converter.encode(input)
        let activityID = options.activityID ?? String(instance.nextSequence("activity"))
        let attributes = ScheduleActivityTask(
            activityID: activityID, activityType: activity.name, taskQueue: options.taskQueue ?? info.taskQueue,
            input: payloads, scheduleToCloseTimeout: options.scheduleToCloseTimeout,
            scheduleToStartTimeout: options.scheduleToStartTimeout,
            startToCloseTimeout: options.startToCloseTimeout, heartbeatTimeout: options.heartbeatTimeout,
            retryPolicy: options.retryPolicy)
        let result = try await instance.scheduleActivity(attributes, cancellation: options.cancellationType)
        return try converter.decode(Output.self, from: result)
    }

    /// Runs an activity of no input.
    @discardableResult
    public func executeActivity<Output>(_ activity: ActivityDefinition<Nothing, Output>, options: ActivityOptions)
        async throws -> Output
    {
        try await executeActivity(activity, input: Nothing(), options: options)
    }

    /// Runs a short activity in the worker's own process, without a task queue round trip; its
    /// result is recorded in history as a marker, so replay does not run it again.
    @discardableResult
    public func executeLocalActivity<Input, Output>(
        _ activity: ActivityDefinition<Input, Output>, input: Input, options: LocalActivityOptions = .init()
    ) async throws -> Output {
        let payloads = try converter.encode(input)
        let operation = LocalActivityOperation(
            id: String(instance.nextSequence("local")), activityType: activity.name, input: payloads,
            options: options)
        let result = try await instance.runLocalActivity(operation)
        return try converter.decode(Output.self, from: result)
    }

    // MARK: - Time

    /// Waits for `duration` of workflow time with a durable timer. Canceling the calling task
    /// cancels the timer and throws `CancellationError`.
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await instance.startTimer(duration)
    }

    /// Starts a durable timer that can be canceled on its own; await `wait()` on the result.
    public func timer(for duration: Duration) -> WorkflowTimer {
        let timer = WorkflowTimer(instance: instance)
        timer.timerID = instance.startCallbackTimer(duration) { [timer] in timer.fire() }
        return timer
    }

    /// Waits until `predicate` holds (checked whenever the workflow's state may have changed).
    public func condition(_ predicate: @escaping () -> Bool) async throws {
        _ = try await instance.waitCondition(timeout: nil, predicate)
    }

    /// Waits until `predicate` holds or `timeout` passes; returns whether it holds.
    public func condition(timeout: Duration, _ predicate: @escaping () -> Bool) async throws -> Bool {
        try await instance.waitCondition(timeout: timeout, predicate)
    }

    // MARK: - Determinism

    /// A random number from the run's seeded generator: the same on every replay.
    public func randomUInt64() -> UInt64 { instance.nextRandom() }

    /// A random integer in `range` from the run's seeded generator.
    public func random(in range: ClosedRange<Int>) -> Int {
        var generator = ContextGenerator(context: self)
        return Int.random(in: range, using: &generator)
    }

    /// A random number in 0..<1 from the run's seeded generator.
    public func randomDouble() -> Double {
        Double(randomUInt64() >> 11) / Double(1 << 53)
    }

    /// A version 4 UUID from the run's seeded generator.
    public func uuid() -> UUID {
        let high = randomUInt64()
        let low = randomUInt64()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
            bytes[index + 8] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index))
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// Runs `body` once and records its result; replay returns the recorded value without running it.
    /// For small non-deterministic values (a generated id, a reading of the wall clock).
    public func sideEffect<Value: Codable & Sendable>(_ body: () throws -> Value) throws -> Value {
        let id = String(instance.nextSequence("sideEffect"))
        if instance.isReplaying {
            guard let marker = instance.marker(MarkerName.sideEffect, id: id) else {
                throw instance.fail("the workflow code ran side effect \(id), which history does not have")
            }
            instance.recordMarker(MarkerName.sideEffect, id: id, details: ["data": marker.details["data"] ?? []])
            return try converter.decode(Value.self, from: marker.details["data"] ?? [])
        }
        let value = try body()
        instance.recordMarker(MarkerName.sideEffect, id: id, details: ["data": try converter.encode(value)])
        return value
    }

    /// Whether this run takes the code path of `patchID`: true for runs that start on code that has
    /// the patch, false for runs replaying history written before it. Keep both paths until no run
    /// from before the patch is open, then call `deprecatePatch` and remove the old one.
    public func patched(_ patchID: String) -> Bool {
        instance.patched(patchID, deprecated: false)
    }

    /// Marks `patchID` as the only path left, so histories with and without its marker both replay.
    public func deprecatePatch(_ patchID: String) {
        _ = instance.patched(patchID, deprecated: true)
    }

    // MARK: - Cancellation

    /// Runs `body` in a task that the workflow's cancellation does not reach, for cleanup such as a
    /// saga's compensations.
    public func shielded<Value: Sendable>(_ body: sending @escaping () async throws -> Value) async throws -> Value {
        let task = Task(executorPreference: instance.executor) { try await body() }
        return try await task.value
    }

    // MARK: - Child and external workflows

    /// Starts a child workflow and returns once it has started.
    public func startChildWorkflow<Child: Workflow>(
        _ type: Child.Type, input: Child.Input, options: ChildWorkflowOptions = .init()
    ) async throws -> ChildWorkflowHandle<Child> {
        if Task.isCancelled { throw CancellationError() }
        let workflowID = options.id ?? WorkflowID("\(info.workflowID.rawValue)/child-\(instance.nextSequence("child"))")
        let attributes = StartChildWorkflow(
            namespace: "", workflowID: workflowID, workflowType: Child.name,
            taskQueue: options.taskQueue ?? info.taskQueue, input: try converter.encode(input),
            executionTimeout: options.executionTimeout, runTimeout: options.runTimeout,
            taskTimeout: options.taskTimeout, parentClosePolicy: options.parentClosePolicy,
            workflowIDReusePolicy: options.idReusePolicy, retryPolicy: options.retryPolicy,
            memo: try options.memo.mapValues { try converter.encodeOne($0) },
            searchAttributes: options.searchAttributes)
        let operation = ChildOperation(workflowID: workflowID, workflowType: Child.name)
        instance.startChild(attributes, operation: operation)
        let runID = try await withTaskCancellationHandler {
            try await self.instance.suspend(on: operation.start)
        } onCancel: {
            self.instance.cancelChild(operation)
        }
        return ChildWorkflowHandle(
            context: self, operation: operation, execution: WorkflowExecution(workflowID: workflowID, runID: runID))
    }

    /// Starts a child workflow and returns its result.
    @discardableResult
    public func executeChildWorkflow<Child: Workflow>(
        _ type: Child.Type, input: Child.Input, options: ChildWorkflowOptions = .init()
    ) async throws -> Child.Output {
        try await startChildWorkflow(type, input: input, options: options).result()
    }

    /// A handle to another workflow, to signal or cancel it.
    public func externalWorkflow(_ workflowID: WorkflowID, runID: RunID = "") -> ExternalWorkflowHandle {
        ExternalWorkflowHandle(context: self, execution: WorkflowExecution(workflowID: workflowID, runID: runID))
    }

    // MARK: - The run itself

    /// Closes this run and starts a new one of the same workflow with `input` and a fresh history.
    /// Never returns.
    public func continueAsNew<W: Workflow>(_ type: W.Type, input: W.Input, options: ContinueAsNewOptions = .init())
        throws -> Never
    {
        throw ContinueAsNewRequest(
            attributes: ContinueAsNew(
                workflowType: W.name, taskQueue: options.taskQueue ?? info.taskQueue,
                input: try converter.encode(input), runTimeout: options.runTimeout, taskTimeout: options.taskTimeout,
                memo: try options.memo.map { try $0.mapValues { try converter.encodeOne($0) } },
                searchAttributes: options.searchAttributes))
    }

    /// Sets search attributes of the run (visible to `list` filters once the task completes).
    public func upsertSearchAttributes(_ attributes: [String: SearchAttributeValue]) {
        instance.info.searchAttributes.merge(attributes) { $1 }
        instance.issue(.upsertWorkflowSearchAttributes(attributes), key: .searchAttributes)
    }

    /// Sets memo fields of the run.
    public func upsertMemo(_ memo: [String: any Encodable & Sendable]) throws {
        var payloads: [String: Payload] = [:]
        for (key, value) in memo { payloads[key] = try converter.encodeOne(value) }
        instance.issue(.modifyWorkflowProperties(upsertedMemo: payloads), key: .properties)
    }
}

/// A seeded generator over the context, for `Int.random(in:using:)` and the like.
struct ContextGenerator: RandomNumberGenerator {
    let context: WorkflowContext
    mutating func next() -> UInt64 { context.randomUInt64() }
}

/// A logger for workflow code that writes only when the code is not replaying.
public struct WorkflowLogger {
    let instance: WorkflowInstance

    /// Writes `message`, unless the code is replaying.
    public func info(_ message: @autoclosure () -> String) {
        if !instance.isReplaying { instance.log(message()) }
    }

    /// Writes `message` as a warning, unless the code is replaying.
    public func warning(_ message: @autoclosure () -> String) {
        if !instance.isReplaying { instance.log("warning: " + message()) }
    }
}

/// A durable timer that can be canceled on its own.
public final class WorkflowTimer: @unchecked Sendable {
    private let instance: WorkflowInstance
    fileprivate var timerID = ""
    private let waiter = Waiter<Void>()

    fileprivate init(instance: WorkflowInstance) { self.instance = instance }

    fileprivate func fire() { waiter.resolve(.success(())) }

    /// Waits until the timer fires; throws `CancellationError` when it was canceled.
    public func wait() async throws {
        try await instance.suspend(on: waiter)
    }

    /// Cancels the timer; `wait()` then throws `CancellationError`.
    public func cancel() {
        instance.cancelTimer(timerID)
        waiter.resolve(.failure(CancellationError()))
    }
}

/// A started child workflow.
public struct ChildWorkflowHandle<Child: Workflow>: Sendable {
    let context: WorkflowContext
    let operation: ChildOperation
    /// The child's workflow id and first run id.
    public let execution: WorkflowExecution

    /// Waits for the child's result; throws `ChildWorkflowError` when it did not complete.
    public func result() async throws -> Child.Output {
        let operation = self.operation
        let context = self.context
        let payloads = try await withTaskCancellationHandler {
            try await context.instance.suspend(on: operation.result)
        } onCancel: {
            context.instance.cancelChild(operation)
        }
        return try context.converter.decode(Child.Output.self, from: payloads)
    }

    /// Sends the child a signal.
    public func signal<Input>(_ signal: Signal<Child, Input>, _ input: Input) async throws {
        try await ExternalWorkflowHandle(context: context, execution: execution).signal(
            signal.name, input: input, childOnly: true)
    }

    /// Asks the child to cancel.
    public func cancel() {
        context.instance.cancelChild(operation)
    }
}

/// Another workflow, reached by id.
public struct ExternalWorkflowHandle: Sendable {
    let context: WorkflowContext
    /// The workflow id, and the run id or empty for the current run.
    public let execution: WorkflowExecution

    /// Sends the workflow a signal; returns once it is delivered.
    public func signal<W: Workflow, Input>(_ signal: Signal<W, Input>, _ input: Input) async throws {
        try await self.signal(signal.name, input: input, childOnly: false)
    }

    func signal<Input: Encodable>(_ name: String, input: Input, childOnly: Bool) async throws {
        let attributes = SignalExternal(
            namespace: "", execution: execution, signalName: name, input: try context.converter.encode(input),
            childWorkflowOnly: childOnly)
        try await context.instance.signalExternal(attributes)
    }

    /// Asks the workflow to cancel.
    public func cancel() {
        context.instance.requestCancelExternal(execution, childOnly: false, operation: nil)
    }
}
