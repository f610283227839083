import Foundation
import Keel
import KeelEngine

/// Reads every run of an engine back for the oracle: each history is checked by the history
/// validator and replayed through the workflow code, and completed runs' results are decoded.
enum TortureObserver {
    /// The runs of every workflow id in the engine's default namespace, oldest first, and the number
    /// of history events they hold.
    ///
    /// - Complexity: O(events of all runs).
    static func observe(engine: Engine) async throws -> (runs: [String: [TortureRunObservation]], events: Int) {
        let client = KeelClient(engine: engine)
        let replayer = WorkflowReplayer(workflows: [TortureOrder.self, TortureLoop.self])
        var runs: [String: [(start: Timestamp, next: String?, run: TortureRunObservation)]] = [:]
        var events = 0
        for record in try client.listWorkflows() {
            let history = try engine.history(execution: record.execution)
            events += history.count
            var problems = HistoryValidator.problems(in: history)
            do {
                try await replayer.replay(history, workflowID: record.execution.workflowID)
            } catch {
                problems.append("replay failed: \(error)")
            }
            var signals: [String] = []
            var updates: [String] = []
            var closeEvent: String?
            var outcome: TortureOutcome?
            var next: String?
            for event in history {
                switch event.attributes {
                case .workflowExecutionUpdateAccepted(let accepted):
                    let input = try? client.converter.decode(
                        TortureUpdateInput.self, from: accepted.acceptedRequest.input)
                    updates.append(input?.name ?? "?")
                case .workflowExecutionSignaled(let signaled):
                    signals.append((try? client.converter.decode(String.self, from: signaled.input)) ?? "?")
                case .workflowExecutionCompleted(let completed):
                    closeEvent = event.eventType.description
                    if record.workflowType == TortureLoop.name {
                        outcome = (try? client.converter.decode(Int.self, from: completed.result)).map {
                            TortureOutcome(value: $0)
                        }
                    } else {
                        outcome = try? client.converter.decode(TortureOutcome.self, from: completed.result)
                    }
                    if outcome == nil { problems.append("the completed run's result does not decode") }
                case .workflowExecutionContinuedAsNew(let continued):
                    closeEvent = event.eventType.description
                    next = continued.newExecutionRunID.rawValue
                case .workflowExecutionFailed, .workflowExecutionTimedOut,
                    .workflowExecutionCanceled, .workflowExecutionTerminated:
                    closeEvent = event.eventType.description
                default:
                    break
                }
            }
            let observation = TortureRunObservation(
                runID: record.execution.runID.rawValue, closeEvent: closeEvent, outcome: outcome, signals: signals,
                updates: updates, problems: problems, eventCount: history.count,
                lastEvent: history.last.map { $0.eventType.description } ?? "none",
                workflowTaskTimeouts: history.filter { $0.eventType == .workflowTaskTimedOut }.count)
            runs[record.execution.workflowID.rawValue, default: []].append((record.startTime, next, observation))
        }
        return (runs.mapValues(chain), events)
    }

    /// Orders the runs of one workflow id along their continue-as-new links, from the run no other
    /// run continued into; runs outside the chain follow by start time.
    private static func chain(_ runs: [(start: Timestamp, next: String?, run: TortureRunObservation)])
        -> [TortureRunObservation]
    {
        let byStart = runs.sorted { $0.start < $1.start }
        let continued = Set(runs.compactMap(\.next))
        var ordered: [TortureRunObservation] = []
        var seen = Set<String>()
        var current = byStart.first { !continued.contains($0.run.runID) }
        while let link = current, seen.insert(link.run.runID).inserted {
            ordered.append(link.run)
            current = link.next.flatMap { next in byStart.first { $0.run.runID == next } }
        }
        return ordered + byStart.filter { !seen.contains($0.run.runID) }.map(\.run)
    }
}
