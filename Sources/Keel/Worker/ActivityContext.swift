import Foundation
import KeelEngine
import Synchronization

/// Facts about one attempt of an activity.
public struct ActivityInfo: Sendable {
    public var activityID: String
    public var activityType: String
    /// The attempt number, from 1.
    public var attempt: Int32
    public var workflowExecution: WorkflowExecution
    public var workflowType: String
    public var taskQueue: String
    public var namespace: String
    public var scheduledTime: Timestamp
    public var startedTime: Timestamp
    public var startToCloseTimeout: Duration?
    public var scheduleToCloseTimeout: Duration?
    public var heartbeatTimeout: Duration?
    /// The token that completes the activity from outside the worker (nil for a local activity).
    public var taskToken: TaskToken?
}

/// What an activity uses while it runs: its info, heartbeats, and whether it was asked to cancel.
/// The worker cancels the activity's Swift task when a heartbeat learns of a cancellation request.
public final class ActivityContext: Sendable {
    /// Facts about this attempt.
    public let info: ActivityInfo
    /// The converter that turned the input into payloads.
    public let converter: DataConverter
    let heartbeater: Heartbeater
    private let previousDetails: [Payload]

    init(info: ActivityInfo, converter: DataConverter, heartbeater: Heartbeater, previousDetails: [Payload]) {
        self.info = info
        self.converter = converter
        self.heartbeater = heartbeater
        self.previousDetails = previousDetails
    }

    /// Tells the engine the activity is alive, with progress details the next attempt can read.
    /// Heartbeats are throttled: at most one reaches the engine per throttle interval, carrying the
    /// latest details.
    public func heartbeat<Details: Encodable>(_ details: Details) {
        heartbeater.beat((try? converter.encode(details)) ?? [])
    }

    /// Tells the engine the activity is alive.
    public func heartbeat() { heartbeater.beat([]) }

    /// Whether the engine asked this activity to cancel (learned from a heartbeat).
    public var isCancelRequested: Bool { heartbeater.isCancelRequested }

    /// The details of the last heartbeat of an earlier attempt, or nil.
    public func lastHeartbeatDetails<Details: Decodable>(as type: Details.Type) -> Details? {
        previousDetails.isEmpty ? nil : try? converter.decode(type, from: previousDetails)
    }
}

/// Sends an activity's heartbeats at most once per interval and notices cancellation requests.
final class Heartbeater: Sendable {
    private struct State {
        var lastSent: ContinuousClock.Instant?
        var pending: [Payload]?
        var flush: Task<Void, Never>?
        var isCancelRequested = false
        var isFinished = false
    }
    private let state = Mutex(State())
    private let interval: Duration
    private let send: @Sendable ([Payload]) -> Bool
    private let onCancel: @Sendable () -> Void

    init(interval: Duration, send: @escaping @Sendable ([Payload]) -> Bool, onCancel: @escaping @Sendable () -> Void) {
        self.interval = interval
        self.send = send
        self.onCancel = onCancel
    }

    var isCancelRequested: Bool { state.withLock { $0.isCancelRequested } }

    func beat(_ details: [Payload]) {
        let now = ContinuousClock.now
        let sendNow = state.withLock { state -> Bool in
            if state.isFinished { return false }
            if let last = state.lastSent, last.duration(to: now) < interval {
                state.pending = details
                if state.flush == nil {
                    let wait = interval - last.duration(to: now)
                    state.flush = Task { [self] in
                        try? await Task.sleep(for: wait)
                        flushPending()
                    }
                }
                return false
            }
            state.lastSent = now
            return true
        }
        if sendNow { deliver(details) }
    }

    private func flushPending() {
        let details = state.withLock { state -> [Payload]? in
            state.flush = nil
            guard !state.isFinished, let pending = state.pending else { return nil }
            state.pending = nil
            state.lastSent = ContinuousClock.now
            return pending
        }
        if let details { deliver(details) }
    }

    private func deliver(_ details: [Payload]) {
        if send(details) {
            let first = state.withLock { state -> Bool in
                defer { state.isCancelRequested = true }
                return !state.isCancelRequested
            }
            if first { onCancel() }
        }
    }

    /// Stops sending; called when the activity returns.
    func finish() {
        let flush = state.withLock { state -> Task<Void, Never>? in
            state.isFinished = true
            defer { state.flush = nil }
            return state.flush
        }
        flush?.cancel()
    }
}
