import KeelEngine

/// Checks workflow code against recorded histories: replays each history through the code and
/// reports the first place where they disagree. Run it in tests before deploying changed workflow
/// code, against histories exported from production (`WorkflowHandle.history()`, or JSON).
public struct WorkflowReplayer: Sendable {
    private let registrations: [String: WorkflowRegistration]
    private let converter: DataConverter

    /// A replayer for `workflows`.
    public init(workflows: [any Workflow.Type], converter: DataConverter = .default) {
        var registrations: [String: WorkflowRegistration] = [:]
        for type in workflows {
            let registration = WorkflowRegistration(type)
            registrations[registration.name] = registration
        }
        self.registrations = registrations
        self.converter = converter
    }

    /// Replays one history (complete or not) through its workflow's code.
    ///
    /// - Parameter workflowID: the run's workflow id, when the code derives ids from it (child
    ///   workflow ids do by default); exported histories do not record it.
    /// - Throws: `NondeterminismError` naming the event, what history has and what the code did;
    ///   `ReplayError` when the history does not start a run or its workflow type is not registered.
    public func replay(_ history: [HistoryEvent], workflowID: WorkflowID = "replay") async throws {
        guard let first = history.first, case .workflowExecutionStarted(let started) = first.attributes else {
            throw ReplayError(
                description:
                    "expected a history starting with WorkflowExecutionStarted, found \(history.first.map { $0.eventType.description } ?? "no events")"
            )
        }
        guard let registration = registrations[started.workflowType] else {
            throw ReplayError(
                description:
                    "workflow type '\(started.workflowType)' is not registered with the replayer; it has \(registrations.keys.sorted())"
            )
        }
        let instance = WorkflowInstance(
            registration: registration, namespace: "default",
            execution: WorkflowExecution(workflowID: workflowID, runID: started.originalRunID),
            taskQueue: started.taskQueue.name, converter: converter, localActivities: nil, logSink: { _ in })
        _ = await instance.advance(events: history, updates: [], replayOnly: true)
        let problem = instance.checkReplayEnd()
        instance.destroy()
        if let problem { throw problem }
    }
}

extension WorkflowReplayer {
    /// Replays a history exported as JSON (by `WorkflowHandle.exportHistoryJSON()` or Temporal's
    /// `temporal workflow show --output json`).
    ///
    /// - Throws: `HistoryJSONError` when the JSON is not a history; otherwise as `replay(_:workflowID:)`.
    public func replay(json: some Collection<UInt8>, workflowID: WorkflowID = "replay") async throws {
        try await replay(try HistoryJSON.decode(json), workflowID: workflowID)
    }
}

/// A history the replayer cannot replay at all.
public struct ReplayError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
