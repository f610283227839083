/// One run of a workflow id as read back from the data file.
struct TortureRunObservation: Sendable, Equatable {
    var runID: String
    /// The closing event's type, or nil while the run is open.
    var closeEvent: String?
    /// The decoded result of a completed run.
    var outcome: TortureOutcome?
    /// The names of the signals the history holds, in order.
    var signals: [String]
    /// The names of the updates the history accepted, in order.
    var updates: [String] = []
    /// What the history validator and the replayer found wrong.
    var problems: [String]
    var eventCount: Int
    /// The type of the history's last event.
    var lastEvent: String = ""
    /// How many times a workflow task of the run timed out.
    var workflowTaskTimeouts = 0
}

/// The torture test's oracle: it judges the journal of acknowledged calls, the effect log and what
/// the data file holds against the plan, and names every violation. It knows the workload only
/// through the plan, never through the engine's bookkeeping.
struct TortureOracle: Sendable {
    let plan: TorturePlan

    /// Checks one journal entry as it arrives, against the plan and the entries before it.
    func check(_ entry: TortureJournalEntry, before journal: TortureJournal) -> [String] {
        switch entry {
        case .plan, .round:
            return []
        case .started(let id):
            return planned(id, journal) == nil ? ["acknowledged start of \(id), a workflow the plan does not have"] : []
        case .signaled(let id, let signal, _):
            guard let workflow = planned(id, journal), workflow.signals.contains(signal) else {
                return ["acknowledged signal \(signal) to \(id), a signal the plan does not have"]
            }
            return []
        case .updated(let id, let name, let ack):
            guard let workflow = planned(id, journal), let update = workflow.updates.first(where: { $0.name == name })
            else { return ["acknowledged update \(name) of \(id), an update the plan does not have"] }
            switch ack {
            case .accepted(let result) where update.isRejected:
                return [
                    "update \(name) of \(id) with value \(update.value) was accepted (result \(result)), expected the validator to reject it"
                ]
            case .accepted(let result) where result != update.value * 2:
                return ["update \(name) of \(id) returned \(result), expected \(update.value * 2)"]
            case .rejected where !update.isRejected:
                return ["update \(name) of \(id) with value \(update.value) was rejected, expected it accepted"]
            default:
                return []
            }
        case .completed(let id, let outcome):
            guard let workflow = planned(id, journal) else {
                return ["a result for \(id), a workflow the plan does not have"]
            }
            var problems: [String] = []
            if let first = journal.completed[id], first != outcome {
                problems.append("\(id) completed twice with different results: \(first.line) and \(outcome.line)")
            }
            return problems + compare(outcome, with: workflow, journal: journal, source: "result")
        }
    }

    /// Checks an effect log: no side effect applied twice or with a value the plan does not give it.
    /// With `through` set, keys must belong to workflows of rounds up to it.
    func check(_ effects: TortureEffects, through lastRound: Int? = nil) -> [String] {
        var problems = effects.malformed.map { "the effect log has a malformed line: \($0)" }
        var planned: [String: Int]?
        if let lastRound {
            planned = [:]
            for workflow in plan.workflows(through: lastRound).values {
                for effect in workflow.effects { planned?[effect.key] = effect.value }
            }
        }
        for (key, values) in effects.applied.sorted(by: { $0.key < $1.key }) {
            if values.count > 1 {
                problems.append("the side effect \(key) was applied \(values.count) times, expected once")
            }
            if let planned {
                if let value = planned[key] {
                    if let wrong = values.first(where: { $0 != value }) {
                        problems.append("the side effect \(key) was applied with value \(wrong), expected \(value)")
                    }
                } else {
                    problems.append("the side effect \(key) was applied, but no planned workflow has it")
                }
            }
        }
        return problems
    }

    /// The final verdict once every workflow had the time to complete: every workflow of every round
    /// the driver began completed exactly once with the right result, every call was acknowledged
    /// and took effect, every side effect was applied exactly once, and the data file agrees.
    ///
    /// - Parameter observations: the runs of each workflow id read from the data file; nil when the
    ///   data file could not be read (a violation of its own, reported by the caller).
    /// - Complexity: O(workflows + effects + events observed).
    func checkFinal(journal: TortureJournal, effects: TortureEffects, observations: [String: [TortureRunObservation]]?)
        -> [String]
    {
        var problems = check(effects, through: journal.lastRound)
        let workflows = plan.workflows(through: journal.lastRound)
        var expectedRuns: [String: Int] = [:]
        var owners: [String: String] = [:]
        for workflow in workflows.values.sorted(by: { ($0.round, $0.id) < ($1.round, $1.id) }) {
            let id = workflow.id
            for (workflowID, runs) in workflow.runsByWorkflowID {
                expectedRuns[workflowID] = runs
                owners[workflowID] = id
            }
            if let outcome = journal.completed[id] {
                problems += compare(outcome, with: workflow, journal: journal, source: "result")
            } else {
                var detail =
                    journal.started.contains(id) ? "its start was acknowledged" : "its start was never acknowledged"
                if let runs = observations?[id], let last = runs.last {
                    detail += "; the data file has \(runs.count) run(s), the last \(last.closeEvent ?? "still open")"
                    if last.closeEvent == nil {
                        detail +=
                            " (its last event \(last.lastEvent), after \(last.workflowTaskTimeouts) workflow task timeouts)"
                    }
                    let lost = (journal.signals[id] ?? []).subtracting(runs.flatMap(\.signals)).sorted()
                    if !lost.isEmpty { detail += "; acknowledged signals missing from its history: \(lost)" }
                    let accepted = (journal.updates[id] ?? [:]).filter {
                        if case .accepted = $0.value { true } else { false }
                    }
                    let lostUpdates = Set(accepted.keys).subtracting(runs.flatMap(\.updates)).sorted()
                    if !lostUpdates.isEmpty {
                        detail += "; acknowledged updates missing from its history: \(lostUpdates)"
                    }
                } else if observations != nil {
                    detail += "; the data file has no run of it"
                }
                problems.append("\(id) did not complete: \(detail)")
            }
            for signal in workflow.signals where !(journal.signals[id]?.contains(signal) ?? false) {
                problems.append("signal \(signal) to \(id) was never acknowledged")
            }
            for update in workflow.updates where journal.updates[id]?[update.name] == nil {
                problems.append("update \(update.name) of \(id) was never acknowledged")
            }
            guard journal.completed[id] != nil else { continue }
            for effect in workflow.effects {
                let attempts = effects.attempts[effect.key] ?? 0
                if attempts < effect.failures + 1 {
                    problems.append(
                        "the activity \(effect.key) ran \(attempts) attempt(s), expected at least \(effect.failures + 1) (\(effect.failures) planned failures)"
                    )
                }
                if effects.applied[effect.key] == nil {
                    problems.append("the side effect \(effect.key) of completed workflow \(id) was never applied")
                }
            }
        }
        if let observations {
            problems += check(
                observations, expectedRuns: expectedRuns, owners: owners, workflows: workflows, journal: journal)
        }
        return problems
    }

    /// Compares the data file's runs with the plan: each workflow id has exactly its planned runs, the
    /// last completed with the right result and the others continued as new, and every history is
    /// well formed.
    private func check(
        _ observations: [String: [TortureRunObservation]], expectedRuns: [String: Int], owners: [String: String],
        workflows: [String: TorturePlan.Workflow], journal: TortureJournal
    ) -> [String] {
        var problems: [String] = []
        for (id, runs) in observations.sorted(by: { $0.key < $1.key }) {
            for run in runs {
                problems += run.problems.map { "history of \(id) run \(run.runID): \($0)" }
            }
            guard let expected = expectedRuns[id] else {
                problems.append("the data file has \(runs.count) run(s) of \(id), a workflow the plan does not have")
                continue
            }
            let completed = runs.filter { $0.closeEvent == "WorkflowExecutionCompleted" }
            if completed.count > 1 {
                problems.append("\(id) completed \(completed.count) times in the data file, expected once")
            }
            // A workflow that did not complete is reported as such; its runs say nothing more.
            guard let owner = owners[id], journal.completed[owner] != nil else { continue }
            if runs.count != expected {
                problems.append("the data file has \(runs.count) run(s) of \(id), expected \(expected)")
            }
            for run in runs.dropLast() where run.closeEvent != "WorkflowExecutionContinuedAsNew" {
                problems.append(
                    "run \(run.runID) of \(id) closed with \(run.closeEvent ?? "nothing"), expected WorkflowExecutionContinuedAsNew"
                )
            }
            if let last = runs.last, last.closeEvent != "WorkflowExecutionCompleted" {
                problems.append(
                    "the last run of \(id) closed with \(last.closeEvent ?? "nothing (still open)"), expected WorkflowExecutionCompleted"
                )
            }
            if let workflow = workflows[id], let outcome = runs.last?.outcome {
                problems += compare(outcome, with: workflow, journal: journal, source: "data file's result")
            }
        }
        for id in expectedRuns.keys.sorted() where observations[id] == nil {
            problems.append("the data file has no run of \(id)")
        }
        return problems
    }

    /// The planned workflow `id` if its round was begun.
    private func planned(_ id: String, _ journal: TortureJournal) -> TorturePlan.Workflow? {
        guard let round = Self.round(of: id), round <= journal.lastRound else { return nil }
        return plan.round(round).first { $0.id == id }
    }

    /// The round a top-level workflow id belongs to ("t12-3" is in round 12).
    static func round(of id: String) -> Int? {
        guard id.hasPrefix("t"), let dash = id.firstIndex(of: "-") else { return nil }
        return Int(id[id.index(after: id.startIndex)..<dash])
    }

    /// Names how `outcome` differs from what `workflow` must return, and every acknowledged signal or
    /// update it lacks.
    private func compare(
        _ outcome: TortureOutcome, with workflow: TorturePlan.Workflow, journal: TortureJournal, source: String
    ) -> [String] {
        let id = workflow.id
        let expected = workflow.expected
        var problems: [String] = []
        if outcome.value != expected.value {
            problems.append("\(id)'s \(source) has value \(outcome.value), expected \(expected.value)")
        }
        problems += compare(
            outcome.signals, expected: expected.signals, acknowledged: journal.signals[id] ?? [], kind: "signal",
            id: id, source: source)
        let acknowledgedUpdates = Set(
            (journal.updates[id] ?? [:]).filter { if case .accepted = $0.value { true } else { false } }.keys)
        problems += compare(
            outcome.updates, expected: expected.updates, acknowledged: acknowledgedUpdates, kind: "update", id: id,
            source: source)
        return problems
    }

    private func compare(
        _ seen: [String], expected: [String], acknowledged: Set<String>, kind: String, id: String, source: String
    ) -> [String] {
        var problems: [String] = []
        var counts: [String: Int] = [:]
        for name in seen { counts[name, default: 0] += 1 }
        for (name, count) in counts.sorted(by: { $0.key < $1.key }) where count > 1 {
            problems.append("\(kind) \(name) took effect \(count) times in \(id) (\(source)), expected once")
        }
        for name in Set(seen).subtracting(expected).sorted() {
            problems.append("\(kind) \(name) took effect in \(id) (\(source)), but the plan never sends or accepts it")
        }
        for name in Set(expected).subtracting(seen).sorted() {
            let how = acknowledged.contains(name) ? "acknowledged " : ""
            problems.append("\(how)\(kind) \(name) to \(id) is missing from its \(source)")
        }
        return problems
    }
}
