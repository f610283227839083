import Foundation
import Keel
import KeelEngine

extension SDKBench {
    /// What a replay history is made of.
    enum ReplayKind: String, CaseIterable, Sendable {
        /// Activities in sequence: six events each.
        case activities
        /// Timers in sequence: five events each.
        case timers

        /// Returns the steps whose history is the longest not above `events` (at least one step).
        func steps(events: Int) -> Steps {
            switch self {
            case .activities: Steps(activities: max(1, (events - 5) / 6), timers: 0)
            case .timers: Steps(activities: 0, timers: max(1, (events - 5) / 5))
            }
        }
    }

    /// The histories a replay benchmark replays, recorded by running the workflow once.
    struct RecordedHistories: Sendable {
        /// Each workflow's whole history, in order.
        var histories: [[HistoryEvent]]
        /// How long running the workflows took.
        var buildTime: Duration
        /// Reading every history back from the data file (`Engine.history`) `repetitions` times, timed
        /// while the engine that wrote them was still open.
        var read: Timing

        var events: Int { histories.reduce(0) { $0 + $1.count } }
    }

    /// Wall and CPU time of one timed phase over a number of events.
    struct Timing: Sendable {
        var events: Int
        var elapsed: Duration
        var cpuTime: Duration

        var eventsPerSecond: Double { SDKBench.rate(events, elapsed) }
        var nanosecondsPerEvent: Double { events > 0 ? elapsed.seconds * 1e9 / Double(events) : 0 }
        var cpuNanosecondsPerEvent: Double { events > 0 ? cpuTime.seconds * 1e9 / Double(events) : 0 }

        /// Times `body`, which handles `events` events.
        static func measure(events: Int, _ body: () throws -> Void) rethrows -> Timing {
            let clock = ContinuousClock()
            let startCPU = processCPUTime()
            let start = clock.now
            try body()
            let elapsed = start.duration(to: clock.now)
            return Timing(events: events, elapsed: elapsed, cpuTime: processCPUTime() - startCPU)
        }

        /// Times `body`, which handles `events` events.
        static func measure(events: Int, _ body: () async throws -> Void) async rethrows -> Timing {
            let clock = ContinuousClock()
            let startCPU = processCPUTime()
            let start = clock.now
            try await body()
            let elapsed = start.duration(to: clock.now)
            return Timing(events: events, elapsed: elapsed, cpuTime: processCPUTime() - startCPU)
        }
    }

    /// Runs `count` workflows of `steps` to completion in a test environment (a temporary data file
    /// without fsync, and a manual clock that jumps to each timer) and returns their histories.
    ///
    /// - Throws: `EngineError` or a workflow's failure; `BenchError` when a history's length is not
    ///   `steps.eventsPerWorkflow`.
    static func recordHistories(steps: Steps, count: Int, repetitions: Int) async throws -> RecordedHistories {
        var options = EngineOptions()
        options.log.durability = .relaxed(syncIntervalMilliseconds: 100)
        let environment = try TestEnvironment.start(options: options)
        do {
            environment.addWorker(
                taskQueue: taskQueue, workflows: [StepsWorkflow.self], activities: [Activities()],
                options: WorkerOptions(taskQueue: taskQueue, identity: "bench-worker", logSink: { _ in }))
            let clock = ContinuousClock()
            let start = clock.now
            // One at a time: the environment's clock moves for every waiting client at once.
            var histories: [[HistoryEvent]] = []
            for index in 0..<count {
                let handle = try await environment.client.startWorkflow(
                    StepsWorkflow.self, input: steps,
                    options: WorkflowOptions(id: workflowID(index), taskQueue: taskQueue))
                _ = try await handle.result()
                let history = try handle.history()
                guard history.count == steps.eventsPerWorkflow else {
                    throw BenchError(
                        "record", "expected a history of \(steps.eventsPerWorkflow) events, found \(history.count)")
                }
                histories.append(history)
            }
            let buildTime = start.duration(to: clock.now)
            let engine = environment.engine
            let read = try Timing.measure(events: repetitions * histories.reduce(0) { $0 + $1.count }) {
                var events = 0
                for _ in 0..<repetitions {
                    for index in 0..<count {
                        let execution = WorkflowExecution(workflowID: workflowID(index), runID: RunID(""))
                        events += try engine.history(execution: execution).count
                    }
                }
                precondition(events == repetitions * histories.reduce(0) { $0 + $1.count }, "a history changed")
            }
            try await environment.shutdown()
            return RecordedHistories(histories: histories, buildTime: buildTime, read: read)
        } catch {
            try? await environment.shutdown()
            throw error
        }
    }

    /// Times `WorkflowReplayer.replay` over every history, `repetitions` times, after one untimed pass.
    ///
    /// - Throws: the replayer's error, such as a `NondeterminismError`.
    static func timeReplay(_ histories: [[HistoryEvent]], repetitions: Int) async throws -> Timing {
        let replayer = WorkflowReplayer(workflows: [StepsWorkflow.self])
        for history in histories { try await replayer.replay(history) }
        let events = histories.reduce(0) { $0 + $1.count }
        return try await Timing.measure(events: repetitions * events) {
            for _ in 0..<repetitions {
                for history in histories { try await replayer.replay(history) }
            }
        }
    }

    /// Times `EventCodec.decode` of every history's encoded events, `repetitions` times, after one
    /// untimed pass: what turning the stored bytes into events costs, without any workflow code.
    ///
    /// - Throws: `EngineError` when an encoding does not decode, `BenchError` when it decodes to another event.
    static func timeDecode(_ histories: [[HistoryEvent]], repetitions: Int) throws -> (timing: Timing, bytes: Int) {
        let encoded = histories.map { history in history.map { EventCodec.encode($0) } }
        let bytes = encoded.reduce(0) { total, history in history.reduce(total) { $0 + $1.count } }
        for (history, encodings) in zip(histories, encoded) {
            for (event, encoding) in zip(history, encodings) {
                guard try EventCodec.decode(encoding) == event else {
                    throw BenchError("decode", "event \(event.eventID) decoded to a different event")
                }
            }
        }
        let events = histories.reduce(0) { $0 + $1.count }
        var checksum: Int64 = 0
        let timing = try Timing.measure(events: repetitions * events) {
            for _ in 0..<repetitions {
                for encodings in encoded {
                    for encoding in encodings { checksum &+= try EventCodec.decode(encoding).eventID }
                }
            }
        }
        // Using the decoded events keeps the optimizer from dropping the work.
        let expected = Int64(repetitions) * histories.reduce(0) { $0 + $1.reduce(0) { $0 + $1.eventID } }
        guard checksum == expected else {
            throw BenchError("decode", "expected event ids summing to \(expected), found \(checksum)")
        }
        return (timing, bytes)
    }
}
