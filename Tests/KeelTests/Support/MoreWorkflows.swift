import Foundation
import Keel
import KeelEngine
import Synchronization

/// An activity that heartbeats until it is canceled, and a raw-bytes echo.
struct LongActivities: ActivityContainer {
    static let wait = ActivityDefinition<Nothing, Int>("WaitForCancel")
    static let echo = ActivityDefinition<RawBytes, RawBytes>("Echo")
    let log: CallLog

    var activities: [ActivityImplementation] {
        [
            ActivityImplementation(Self.wait) { _, context in
                var beats = 0
                while true {
                    beats += 1
                    context.heartbeat(beats)
                    do {
                        try await Task.sleep(for: .milliseconds(2))
                    } catch {
                        log.record("canceled after \(beats) beats")
                        throw error
                    }
                }
            },
            ActivityImplementation(Self.echo) { bytes, _ in RawBytes(bytes.bytes.reversed()) },
        ]
    }
}

/// Waits for a long activity and waits for its cancellation to complete when canceled.
final class WaitsForActivity: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> Int {
        try await context.executeActivity(
            LongActivities.wait,
            options: ActivityOptions(
                startToCloseTimeout: .seconds(60), heartbeatTimeout: .milliseconds(100),
                cancellationType: .waitCancellationCompleted))
    }
}

/// Echoes bytes through an activity.
final class EchoWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: RawBytes) async throws -> RawBytes {
        try await context.executeActivity(
            LongActivities.echo, input: input, options: ActivityOptions(startToCloseTimeout: .seconds(5)))
    }
}

/// Starts a timer, cancels it when a condition times out first, and records what happened.
final class TimerWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> String {
        let timer = context.timer(for: .seconds(86_400))
        _ = try await context.condition(timeout: .seconds(60)) { false }
        timer.cancel()
        do {
            try await timer.wait()
            return "fired"
        } catch is CancellationError {
            return "canceled at \(Int(context.now.timeIntervalSince1970) % 86_400) s"
        }
    }
}

/// Signals another workflow, then asks a third to cancel.
final class MessengerWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: [String]) async throws -> String {
        try await context.externalWorkflow(WorkflowID(input[0])).signal(ConditionWorkflow.ready, Nothing())
        context.externalWorkflow(WorkflowID(input[1])).cancel()
        try context.upsertMemo(["note": "sent"])
        context.upsertSearchAttributes(["Stage": .keyword("messaged")])
        return "sent"
    }
}

/// A codec that flips every byte, standing in for encryption.
struct FlipCodec: PayloadCodec {
    func encode(_ payloads: [Payload]) throws -> [Payload] {
        payloads.map {
            Payload(metadata: $0.metadata.merging(["codec": Array("flip".utf8)]) { $1 }, data: $0.data.map { ~$0 })
        }
    }
    func decode(_ payloads: [Payload]) throws -> [Payload] {
        payloads.map { payload in
            guard payload.metadata["codec"] == Array("flip".utf8) else { return payload }
            var metadata = payload.metadata
            metadata["codec"] = nil
            return Payload(metadata: metadata, data: payload.data.map { ~$0 })
        }
    }
}

/// Logs before and after a sleep, so that a worker without a cache replays the first line.
final class LoggingWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> Nothing {
        context.logger.info("before the sleep")
        try await context.sleep(for: .seconds(60))
        context.logger.info("after the sleep")
        return Nothing()
    }
}

/// Counts how many `SleepyWorkflow` objects were freed.
let sleepyDeinits = Mutex(0)
let sleepyInits = Mutex(0)

/// Sleeps twice; counts its instances, to check that a worker frees runs it drops.
final class SleepyWorkflow: Workflow {
    init() { sleepyInits.withLock { $0 += 1 } }
    deinit { sleepyDeinits.withLock { $0 += 1 } }
    func run(context: WorkflowContext, input: Nothing) async throws -> Nothing {
        try await context.sleep(for: .seconds(60))
        _ = try await context.condition(timeout: .seconds(60)) { false }
        return Nothing()
    }
}
