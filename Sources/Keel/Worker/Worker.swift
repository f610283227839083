import Foundation
import KeelEngine
import Synchronization

/// How a worker polls and how much it runs at once.
public struct WorkerOptions: Sendable {
    /// The task queue the worker serves.
    public var taskQueue: String
    public var namespace: String
    /// Workflow tasks processed at once. The worker keeps this many pollers on the task queue and as
    /// many on its sticky queue. The default, 16, keeps two cores busy while each task waits for its
    /// durable commit; one or two make a worker handle one workflow at a time.
    public var maxConcurrentWorkflowTasks: Int
    /// Activities run at once (default 64), each with a poller of its own.
    public var maxConcurrentActivities: Int
    /// Runs kept in memory between tasks, at most (a full cache drops its least recently used tenth);
    /// 0 replays every task.
    public var cacheSize: Int
    /// How long a task may wait on this worker's sticky queue before another worker gets it.
    public var stickyScheduleToStartTimeout: Duration
    /// How long one poll waits; shutdown takes at most this long.
    public var pollTimeout: Duration
    /// The name the worker gives in history.
    public var identity: String
    public var converter: DataConverter
    /// Where workflow and worker log lines go; standard error by default.
    public var logSink: @Sendable (String) -> Void

    public init(
        taskQueue: String, namespace: String = "default", maxConcurrentWorkflowTasks: Int = 16,
        maxConcurrentActivities: Int = 64, cacheSize: Int = 1_000, stickyScheduleToStartTimeout: Duration = .seconds(5),
        pollTimeout: Duration = .milliseconds(500), identity: String? = nil, converter: DataConverter = .default,
        logSink: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) {
        self.taskQueue = taskQueue
        self.namespace = namespace
        self.maxConcurrentWorkflowTasks = max(1, maxConcurrentWorkflowTasks)
        self.maxConcurrentActivities = max(1, maxConcurrentActivities)
        self.cacheSize = max(0, cacheSize)
        self.stickyScheduleToStartTimeout = stickyScheduleToStartTimeout
        self.pollTimeout = pollTimeout
        self.identity = identity ?? "\(ProcessInfo.processInfo.processIdentifier)@\(ProcessInfo.processInfo.hostName)"
        self.converter = converter
        self.logSink = logSink
    }
}

/// Runs workflows and activities from one task queue of an engine in this process.
///
/// `run()` polls until `shutdown()`; a worker keeps recently used runs in memory (and polls its own
/// sticky queue for their next tasks), so most workflow tasks need no replay.
public final class Worker: Sendable {
    public let options: WorkerOptions
    let engine: Engine
    private let workflows: [String: WorkflowRegistration]
    private let activities: [String: ActivityImplementation]
    let stickyQueue: String
    private let state = Mutex(WorkerState())
    /// Workflow tasks run at once, shared by the normal and the sticky queue's pollers: a poller takes
    /// a slot once it has a task, so polls on one queue never hold back tasks on the other.
    private let workflowSlots: AsyncSlots

    struct WorkerState {
        var isShutdown = false
        var polling: Task<Void, Never>?
        var inFlight = 0
        var waitingPollers = 0
        var cache: [RunID: (instance: WorkflowInstance, lastUse: UInt64)] = [:]
        var useCounter: UInt64 = 0
    }

    /// Creates a worker for `workflows` and the activities of `activities`.
    public init(
        engine: Engine, options: WorkerOptions, workflows: [any Workflow.Type] = [],
        activities: [any ActivityContainer] = [], activityImplementations: [ActivityImplementation] = []
    ) {
        self.engine = engine
        self.options = options
        var registrations: [String: WorkflowRegistration] = [:]
        for type in workflows {
            let registration = WorkflowRegistration(type)
            registrations[registration.name] = registration
        }
        self.workflows = registrations
        var implementations: [String: ActivityImplementation] = [:]
        for implementation in activities.flatMap(\.activities) + activityImplementations {
            implementations[implementation.name] = implementation
        }
        self.activities = implementations
        self.stickyQueue = "\(options.taskQueue)/sticky/\(UUID().uuidString.prefix(8))"
        self.workflowSlots = AsyncSlots(options.maxConcurrentWorkflowTasks)
    }

    /// Polls and runs tasks until `shutdown()` is called or the engine closes.
    public func run() async {
        let polling = Task { await poll() }
        let isShutdown = state.withLock { state -> Bool in
            state.polling = polling
            return state.isShutdown
        }
        if isShutdown { polling.cancel() }
        await withTaskCancellationHandler {
            await polling.value
        } onCancel: {
            polling.cancel()
        }
        let cached = state.withLock { state in
            defer { state.cache = [:] }
            return state.cache.values.map(\.instance)
        }
        for instance in cached { instance.destroy() }
    }

    private func poll() async {
        await withTaskGroup(of: Void.self) { group in
            let workflowQueues = workflows.isEmpty ? [] : [options.taskQueue, stickyQueue]
            for queue in workflowQueues {
                for _ in 0..<options.maxConcurrentWorkflowTasks {
                    group.addTask { await self.pollWorkflowTasks(queue) }
                }
            }
            if !activities.isEmpty {
                for _ in 0..<options.maxConcurrentActivities {
                    group.addTask { await self.pollActivityTasks() }
                }
            }
        }
    }

    /// Stops polling; tasks already running finish, then `run()` returns.
    public func shutdown() {
        let polling = state.withLock { state in
            state.isShutdown = true
            return state.polling
        }
        // Canceling the pollers ends their long polls at once; tasks in hand still finish.
        polling?.cancel()
    }

    private var isStopped: Bool { state.withLock { $0.isShutdown } || engine.isClosed }

    /// Whether no task is running and every poller is waiting: nothing in this worker can make
    /// progress until the engine hands it a task.
    var isIdle: Bool {
        let expected = expectedPollers
        return state.withLock { $0.inFlight == 0 && ($0.isShutdown || $0.waitingPollers == expected) }
    }

    /// The queues the worker polls and how many pollers it keeps on each; none once shut down.
    var pollers: [(queue: String, activities: Bool, count: Int)] {
        if state.withLock({ $0.isShutdown }) { return [] }
        var result: [(queue: String, activities: Bool, count: Int)] = []
        if !workflows.isEmpty {
            result.append((options.taskQueue, false, options.maxConcurrentWorkflowTasks))
            result.append((stickyQueue, false, options.maxConcurrentWorkflowTasks))
        }
        if !activities.isEmpty { result.append((options.taskQueue, true, options.maxConcurrentActivities)) }
        return result
    }

    private var expectedPollers: Int {
        (workflows.isEmpty ? 0 : 2 * options.maxConcurrentWorkflowTasks)
            + (activities.isEmpty ? 0 : options.maxConcurrentActivities)
    }

    private func beginPoll() { state.withLock { $0.waitingPollers += 1 } }
    private func endPoll(gotTask: Bool) {
        state.withLock {
            $0.waitingPollers -= 1
            if gotTask { $0.inFlight += 1 }
        }
    }
    private func endTask() { state.withLock { $0.inFlight -= 1 } }

    // MARK: - Workflow tasks

    private func pollWorkflowTasks(_ queue: String) async {
        while !isStopped {
            beginPoll()
            let task: WorkflowTask?
            do {
                task = try await engine.pollWorkflowTask(
                    namespace: options.namespace, taskQueue: queue, identity: options.identity,
                    timeout: options.pollTimeout)
            } catch {
                endPoll(gotTask: false)
                options.logSink("worker: polling \(queue) failed: \(error)")
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            endPoll(gotTask: task != nil)
            guard let task else { continue }
            await workflowSlots.acquire()
            await handle(task)
            workflowSlots.release()
            endTask()
        }
    }

    private func handle(_ task: WorkflowTask) async {
        guard let registration = workflows[task.workflowType] else {
            let known = workflows.keys.sorted()
            try? await engine.failWorkflowTask(
                task.taskToken, cause: .workflowWorkerUnhandledFailure,
                failure: .application(
                    "workflow type '\(task.workflowType)' is not registered on this worker; it has \(known)",
                    type: "WorkflowTypeNotFound"),
                identity: options.identity)
            return
        }
        if let query = task.query {
            let instance = makeInstance(registration, task)
            _ = await instance.advance(events: task.history, updates: [], replayOnly: true)
            await instance.prepareForQuery()
            engine.respondQuery(queryID: query.queryID, instance.answer(query))
            instance.destroy()
            return
        }
        var instance = takeCached(task.execution.runID)
        var history = task.history
        if let cached = instance, let first = history.first, first.eventID > cached.lastEventID + 1 {
            cached.destroy()
            instance = nil
        }
        if instance == nil {
            instance = makeInstance(registration, task)
            if task.isPartial {
                history =
                    (try? engine.history(namespace: task.namespace, execution: task.execution).filter {
                        $0.eventID <= task.startedEventID
                    }) ?? history
            }
        }
        guard let instance else { return }
        let outcome = await instance.advance(events: history, updates: task.updates)
        switch outcome {
        case .commands(let commands):
            let sticky =
                options.cacheSize > 0
                ? StickyAttributes(taskQueue: stickyQueue, scheduleToStartTimeout: options.stickyScheduleToStartTimeout)
                : nil
            do {
                try await engine.completeWorkflowTask(
                    task.taskToken, commands: commands, identity: options.identity, sticky: sticky)
                if instance.isFinished || options.cacheSize == 0 {
                    instance.destroy()
                } else {
                    cache(instance)
                }
            } catch {
                instance.destroy()
                options.logSink("worker: completing a task of \(task.execution) failed: \(error)")
            }
        case .failed(let cause, let failure):
            instance.destroy()
            options.logSink("worker: workflow task of \(task.execution) failed: \(failure.message)")
            try? await engine.failWorkflowTask(
                task.taskToken, cause: cause, failure: failure, identity: options.identity)
        }
    }

    private func makeInstance(_ registration: WorkflowRegistration, _ task: WorkflowTask) -> WorkflowInstance {
        let activities = self.activities
        let sink = options.logSink
        let runner = LocalActivityRunner { type, input, options, workflow in
            await Worker.runLocal(activities[type], type: type, input: input, options: options, workflow: workflow)
        }
        return WorkflowInstance(
            registration: registration, namespace: task.namespace, execution: task.execution,
            taskQueue: task.taskQueue.name, converter: options.converter, localActivities: runner, logSink: sink)
    }

    private func takeCached(_ runID: RunID) -> WorkflowInstance? {
        state.withLock { $0.cache.removeValue(forKey: runID)?.instance }
    }

    /// Keeps `instance` for the run's next task. A full cache drops its least recently used tenth at
    /// once, so the sort that finds them is paid once per many insertions.
    ///
    /// - Complexity: amortized O(log n) for a cache of n runs.
    private func cache(_ instance: WorkflowInstance) {
        let limit = options.cacheSize
        let evicted = state.withLock { state -> [WorkflowInstance] in
            state.useCounter += 1
            state.cache[instance.execution.runID] = (instance, state.useCounter)
            guard state.cache.count > limit else { return [] }
            let excess = state.cache.count - limit + limit / 10
            let oldest = state.cache.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(excess).map(\.key)
            return oldest.compactMap { state.cache.removeValue(forKey: $0)?.instance }
        }
        // Tear down outside the lock: it runs the evicted runs' tasks until they unwind.
        for run in evicted { run.destroy() }
    }

    /// Runs in memory now, for tests and metrics.
    var cachedRuns: Int { state.withLock { $0.cache.count } }

    // MARK: - Activities

    private func pollActivityTasks() async {
        while !isStopped {
            beginPoll()
            let task: ActivityTask?
            do {
                task = try await engine.pollActivityTask(
                    namespace: options.namespace, taskQueue: options.taskQueue, identity: options.identity,
                    timeout: options.pollTimeout)
            } catch {
                endPoll(gotTask: false)
                options.logSink("worker: polling activities on \(options.taskQueue) failed: \(error)")
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            endPoll(gotTask: task != nil)
            guard let task else { continue }
            await runActivity(task)
            endTask()
        }
    }

    private func runActivity(_ task: ActivityTask) async {
        guard let implementation = activities[task.activityType] else {
            let known = activities.keys.sorted()
            _ = try? await engine.failActivity(
                task.taskToken,
                failure: .application(
                    "activity type '\(task.activityType)' is not registered on this worker; it has \(known)",
                    type: "ActivityTypeNotFound"),
                identity: options.identity)
            return
        }
        let engine = self.engine
        let token = task.taskToken
        let interval = Worker.heartbeatInterval(task.heartbeatTimeout)
        let work = Mutex<Task<[Payload], any Error>?>(nil)
        let heartbeater = Heartbeater(
            interval: interval,
            send: { details in (try? engine.recordActivityHeartbeat(token, details: details)) ?? false },
            onCancel: { work.withLock { $0?.cancel() } })
        let info = ActivityInfo(
            activityID: task.activityID, activityType: task.activityType, attempt: task.attempt,
            workflowExecution: task.workflowExecution, workflowType: task.workflowType, taskQueue: task.taskQueue,
            namespace: task.namespace, scheduledTime: task.scheduledTime, startedTime: task.startedTime,
            startToCloseTimeout: task.startToCloseTimeout, scheduleToCloseTimeout: task.scheduleToCloseTimeout,
            heartbeatTimeout: task.heartbeatTimeout, taskToken: token)
        let context = ActivityContext(
            info: info, converter: options.converter, heartbeater: heartbeater,
            previousDetails: task.heartbeatDetails)
        let input = task.input
        let running = Task { try await implementation.body(input, context) }
        work.withLock { $0 = running }
        let result = await running.result
        heartbeater.finish()
        do throws(EngineError) {
            switch result {
            case .success(let payloads):
                try await engine.completeActivity(token, result: payloads, identity: options.identity)
            case .failure(let error):
                if error is CancellationError, heartbeater.isCancelRequested {
                    try await engine.reportActivityCanceled(token, identity: options.identity)
                } else {
                    try await engine.failActivity(token, failure: Failure.from(error), identity: options.identity)
                }
            }
        } catch {
            // A stale token means the attempt timed out or the activity was canceled; nothing to do.
            if error.code != .staleTaskToken && error.code != .notFound {
                options.logSink("worker: reporting activity \(task.activityType) failed: \(error)")
            }
        }
    }

    static func heartbeatInterval(_ timeout: Duration?) -> Duration {
        guard let timeout, timeout > .zero else { return .seconds(30) }
        return min(timeout * 0.8, .seconds(60))
    }

    /// Runs a local activity with its retry policy, in this process.
    static func runLocal(
        _ implementation: ActivityImplementation?, type: String, input: [Payload], options: LocalActivityOptions,
        workflow: WorkflowInfo
    ) async -> Result<[Payload], Failure> {
        guard let implementation else {
            return .failure(
                .application(
                    "local activity type '\(type)' is not registered on this worker", type: "ActivityTypeNotFound",
                    nonRetryable: true))
        }
        let policy =
            options.retryPolicy
            ?? RetryPolicy(initialInterval: .milliseconds(100), backoffCoefficient: 2, maximumAttempts: 3)
        var attempt: Int32 = 1
        while true {
            let info = ActivityInfo(
                activityID: "local", activityType: type, attempt: attempt,
                workflowExecution: WorkflowExecution(workflowID: workflow.workflowID, runID: workflow.runID),
                workflowType: workflow.workflowType, taskQueue: workflow.taskQueue, namespace: workflow.namespace,
                scheduledTime: .epoch, startedTime: .epoch, startToCloseTimeout: options.startToCloseTimeout,
                scheduleToCloseTimeout: nil, heartbeatTimeout: nil, taskToken: nil)
            let context = ActivityContext(
                info: info, converter: .default,
                heartbeater: Heartbeater(interval: .seconds(3600), send: { _ in false }, onCancel: {}),
                previousDetails: [])
            do {
                return .success(try await implementation.body(input, context))
            } catch {
                let failure = Failure.from(error)
                let nonRetryable: Bool
                if case .application(let kind, let flag, _) = failure.info {
                    nonRetryable = flag || policy.nonRetryableErrorTypes.contains(kind)
                } else {
                    nonRetryable = false
                }
                if nonRetryable || (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) {
                    return .failure(failure)
                }
                try? await Task.sleep(for: policy.delay(afterAttempt: attempt))
                attempt += 1
            }
        }
    }
}

/// A counting semaphore for tasks: `acquire` waits (in FIFO order) while every slot is taken.
final class AsyncSlots: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(_ count: Int) { state = Mutex(State(free: count)) }

    func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
