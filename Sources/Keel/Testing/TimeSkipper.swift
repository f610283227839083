import KeelEngine
import Synchronization

/// Moves a manual clock to the engine's next deadline whenever the engine and its workers are idle
/// and a client waits for a result, so that a workflow that sleeps for 30 days completes in
/// milliseconds. Idle means: no engine work in flight, no task in any worker's hands, every poller
/// waiting, and no task in any backlog. Each of those is checked after the engine has settled, so
/// time never jumps while a task is on its way to a worker.
final class TimeSkipper: Sendable {
    let engine: Engine
    let clock: ManualClock
    private struct State {
        var workers: [Worker] = []
        var waiting = 0
        var loop: Task<Void, Never>?
    }
    private let state = Mutex(State())

    init(engine: Engine, clock: ManualClock) {
        self.engine = engine
        self.clock = clock
    }

    func add(_ worker: Worker) { state.withLock { $0.workers.append(worker) } }

    /// Runs `body` (a wait for a result) with time skipping on.
    func whileWaiting<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        state.withLock { state in
            state.waiting += 1
            if state.loop == nil {
                state.loop = Task { await self.skip() }
            }
        }
        defer { state.withLock { $0.waiting -= 1 } }
        return try await body()
    }

    private func skip() async {
        while true {
            let (waiting, workers) = state.withLock { state in
                if state.waiting == 0 { state.loop = nil }
                return (state.waiting, state.workers)
            }
            if waiting == 0 || engine.isClosed { return }
            await engine.settle()
            if isIdle(workers), let next = engine.nextWorkDeadline() {
                clock.advance(to: next)
                await engine.fireDueTimers()
            } else {
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    private func isIdle(_ workers: [Worker]) -> Bool {
        struct Queue: Hashable {
            var namespace: String
            var name: String
            var activities: Bool
        }
        // A poller that the engine handed a task leaves the queue's waiting pollers at once, before
        // the worker knows; so every queue must have all its workers' pollers waiting.
        var expected: [Queue: Int] = [:]
        for worker in workers {
            guard worker.isIdle else { return false }
            for (name, activities, count) in worker.pollers {
                expected[Queue(namespace: worker.options.namespace, name: name, activities: activities), default: 0] +=
                    count
            }
        }
        for (queue, count) in expected {
            let stats = engine.taskQueueStats(
                namespace: queue.namespace, taskQueue: queue.name, activities: queue.activities)
            if stats.backlog > 0 || stats.pollers < count { return false }
        }
        return workers.allSatisfy(\.isIdle)
    }
}
