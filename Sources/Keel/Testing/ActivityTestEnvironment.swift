import KeelEngine
import Synchronization

/// Runs activity implementations outside any engine, for unit tests: it records heartbeats, can
/// deliver a cancellation request, and lets a test pick the attempt number and earlier heartbeat
/// details the activity sees.
public final class ActivityTestEnvironment: Sendable {
    private struct State {
        var heartbeats: [[Payload]] = []
        var isCancelRequested = false
        var running: Task<[Payload], any Error>?
    }
    private let state = Mutex(State())
    public let converter: DataConverter

    public init(converter: DataConverter = .default) { self.converter = converter }

    /// Every heartbeat's details so far, in order (heartbeats are not throttled here).
    public var heartbeats: [[Payload]] { state.withLock { $0.heartbeats } }

    /// The details of every heartbeat so far, decoded as `type`.
    public func heartbeatDetails<Details: Decodable>(as type: Details.Type) throws -> [Details] {
        try heartbeats.map { try converter.decode(type, from: $0) }
    }

    /// Asks the running activity to cancel: its task is canceled and its next heartbeat learns of it.
    public func cancel() {
        let running = state.withLock { state in
            state.isCancelRequested = true
            return state.running
        }
        running?.cancel()
    }

    /// Runs `definition`'s implementation from `container` with `input`.
    ///
    /// - Throws: whatever the activity throws; `ReplayError` when the container lacks the activity.
    public func run<Input, Output>(
        _ definition: ActivityDefinition<Input, Output>, in container: any ActivityContainer, input: Input,
        attempt: Int32 = 1, lastHeartbeatDetails: [Payload] = []
    ) async throws -> Output {
        guard let implementation = container.activities.first(where: { $0.name == definition.name }) else {
            throw ReplayError(description: "the container has no activity named '\(definition.name)'")
        }
        let heartbeater = Heartbeater(
            interval: .zero,
            send: { [self] details in
                state.withLock { state in
                    state.heartbeats.append(details)
                    return state.isCancelRequested
                }
            },
            onCancel: {})
        let info = ActivityInfo(
            activityID: "test", activityType: definition.name, attempt: attempt,
            workflowExecution: WorkflowExecution(workflowID: "test", runID: "test"), workflowType: "Test",
            taskQueue: "test", namespace: "default", scheduledTime: .epoch, startedTime: .epoch,
            startToCloseTimeout: nil, scheduleToCloseTimeout: nil, heartbeatTimeout: nil, taskToken: nil)
        let context = ActivityContext(
            info: info, converter: converter, heartbeater: heartbeater, previousDetails: lastHeartbeatDetails)
        let payloads = try converter.encode(input)
        let running = Task { try await implementation.body(payloads, context) }
        let cancelFirst = state.withLock { state in
            state.running = running
            return state.isCancelRequested
        }
        if cancelFirst { running.cancel() }
        let result = try await running.value
        return try converter.decode(Output.self, from: result)
    }
}
