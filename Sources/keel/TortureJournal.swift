/// One line of the torture journal: a client call the driving process saw acknowledged, or a
/// workflow result it received. The supervisor writes an entry only after the call returned, so
/// the journal is the oracle's record of what the engine promised.
enum TortureJournalEntry: Sendable, Equatable {
    /// How an update call returned.
    enum UpdateAck: Sendable, Equatable {
        case accepted(result: Int)
        case rejected
        /// The workflow had closed: the update took effect before, or was rejected before.
        case closed
    }

    case plan(seed: UInt64, workflowsPerRound: Int)
    /// The driver began the round's starts: every workflow of it must complete.
    case round(Int)
    case started(workflow: String)
    /// A signal call returned; `closed` when the workflow had closed (the signal took effect before).
    case signaled(workflow: String, signal: String, closed: Bool)
    case updated(workflow: String, update: String, ack: UpdateAck)
    case completed(workflow: String, outcome: TortureOutcome)

    /// The entry as one tab-separated line.
    var line: String {
        switch self {
        case .plan(let seed, let workflows): "plan\t\(seed)\t\(workflows)"
        case .round(let round): "round\t\(round)"
        case .started(let workflow): "start\t\(workflow)"
        case .signaled(let workflow, let signal, let closed):
            "signal\t\(workflow)\t\(signal)\t\(closed ? "closed" : "ok")"
        case .updated(let workflow, let update, .accepted(let result)):
            "update\t\(workflow)\t\(update)\taccepted\t\(result)"
        case .updated(let workflow, let update, .rejected): "update\t\(workflow)\t\(update)\trejected"
        case .updated(let workflow, let update, .closed): "update\t\(workflow)\t\(update)\tclosed"
        case .completed(let workflow, let outcome): "done\t\(workflow)\t\(outcome.line)"
        }
    }

    /// Decodes the form `line` writes; nil for any other line.
    init?(line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        switch (fields.first ?? "", fields.count) {
        case ("plan", 3):
            guard let seed = UInt64(fields[1]), let workflows = Int(fields[2]) else { return nil }
            self = .plan(seed: seed, workflowsPerRound: workflows)
        case ("round", 2):
            guard let round = Int(fields[1]) else { return nil }
            self = .round(round)
        case ("start", 2):
            self = .started(workflow: fields[1])
        case ("signal", 4):
            self = .signaled(workflow: fields[1], signal: fields[2], closed: fields[3] == "closed")
        case ("update", 4) where fields[3] == "rejected":
            self = .updated(workflow: fields[1], update: fields[2], ack: .rejected)
        case ("update", 4) where fields[3] == "closed":
            self = .updated(workflow: fields[1], update: fields[2], ack: .closed)
        case ("update", 5) where fields[3] == "accepted":
            guard let result = Int(fields[4]) else { return nil }
            self = .updated(workflow: fields[1], update: fields[2], ack: .accepted(result: result))
        case ("done", 3):
            guard let outcome = TortureOutcome(line: fields[2]) else { return nil }
            self = .completed(workflow: fields[1], outcome: outcome)
        default:
            return nil
        }
    }
}

/// The journal's entries and what they add up to.
struct TortureJournal: Sendable {
    private(set) var entries: [TortureJournalEntry] = []
    /// The highest round the driver began, or -1.
    private(set) var lastRound = -1
    private(set) var started: Set<String> = []
    private(set) var signals: [String: Set<String>] = [:]
    private(set) var updates: [String: [String: TortureJournalEntry.UpdateAck]] = [:]
    /// The first result received for each workflow.
    private(set) var completed: [String: TortureOutcome] = [:]

    init() {}

    /// A journal of `lines`; lines that are not entries are skipped.
    ///
    /// - Complexity: O(lines).
    init(lines: [String]) {
        for line in lines {
            if let entry = TortureJournalEntry(line: line) { append(entry) }
        }
    }

    /// The plan the journal's first line names, if any.
    var plan: TorturePlan? {
        guard case .plan(let seed, let workflows) = entries.first else { return nil }
        return TorturePlan(seed: seed, workflowsPerRound: workflows)
    }

    mutating func append(_ entry: TortureJournalEntry) {
        entries.append(entry)
        switch entry {
        case .plan: break
        case .round(let round): lastRound = max(lastRound, round)
        case .started(let workflow): started.insert(workflow)
        case .signaled(let workflow, let signal, _): signals[workflow, default: []].insert(signal)
        case .updated(let workflow, let update, let ack):
            if updates[workflow]?[update] == nil { updates[workflow, default: [:]][update] = ack }
        case .completed(let workflow, let outcome):
            if completed[workflow] == nil { completed[workflow] = outcome }
        }
    }
}

/// What an effect log says: attempts and applications per idempotency key.
struct TortureEffects: Sendable, Equatable {
    private(set) var attempts: [String: Int] = [:]
    /// The values applied for each key, in log order; more than one is a violation.
    private(set) var applied: [String: [Int]] = [:]
    /// Lines that are neither attempts nor applications.
    private(set) var malformed: [String] = []

    /// Reads an effect log's lines.
    ///
    /// - Complexity: O(lines).
    init(lines: [String]) {
        for line in lines { add(line) }
    }

    /// Adds one line of the effect log.
    mutating func add(_ line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 3, let number = Int(fields[2]) else {
            malformed.append(line)
            return
        }
        switch fields[0] {
        case "attempt": attempts[String(fields[1]), default: 0] += 1
        case "applied": applied[String(fields[1]), default: []].append(number)
        default: malformed.append(line)
        }
    }
}
