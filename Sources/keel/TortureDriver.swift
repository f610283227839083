import Foundation
import Keel
import KeelEngine
import KeelLog

/// Drives the torture workload through a client: begins rounds, starts their workflows, sends
/// their signals and updates, and waits for their results, reporting each acknowledged call only
/// after it returned. Calls the journal already holds are not sent again; every other call is sent
/// again idempotently (the start's request id, the signal's request id, the update's id), because a
/// call cut short by a crash may or may not have taken effect.
struct TortureDriver: Sendable {
    let client: KeelClient
    let plan: TorturePlan
    /// What earlier lifetimes had acknowledged when this one began.
    let journal: TortureJournal
    /// Seeds the order and pacing of calls in this lifetime.
    let paceSeed: UInt64
    /// Completes the rounds begun and begins no new one.
    let isFinishing: Bool
    /// Receives each acknowledged call.
    let report: @Sendable (TortureJournalEntry) -> Void
    /// Whether this lifetime is over (a simulated crash); calls then stop being retried.
    var isStopped: @Sendable () -> Bool = { false }
    /// Where retried errors are told (standard error by default).
    var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Rounds driven at once: a new round begins when one of them completes, so a workflow that
    /// waits out a long retry backoff holds back only its own round.
    static let roundsInFlight = 4

    /// Runs rounds until stopped, or, when finishing, until the rounds begun have completed.
    func run() async throws {
        let begun = journal.lastRound
        try await withThrowingTaskGroup(of: Void.self) { group in
            var active = 0
            if begun >= 0 {
                for round in 0...begun where plan.round(round).contains(where: { journal.completed[$0.id] == nil }) {
                    group.addTask { try await drive(round: round) }
                    active += 1
                }
            }
            var next = begun + 1
            while true {
                while !isFinishing && active < Self.roundsInFlight {
                    report(.round(next))
                    let round = next
                    group.addTask { try await drive(round: round) }
                    next += 1
                    active += 1
                }
                if active == 0 { return }
                try await group.next()
                active -= 1
            }
        }
    }

    private func drive(round: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for workflow in plan.round(round) where journal.completed[workflow.id] == nil {
                group.addTask { try await drive(workflow) }
            }
            try await group.waitForAll()
        }
    }

    private func drive(_ workflow: TorturePlan.Workflow) async throws {
        let id = workflow.id
        var random = SplitMix64(seed: paceSeed ^ id.stableHash)
        if !journal.started.contains(id) {
            try await retrying { try await start(workflow) }
            report(.started(workflow: id))
        }
        var calls: [Call] = workflow.signals.filter { !(journal.signals[id]?.contains($0) ?? false) }.map {
            .signal($0)
        }
        calls += workflow.updates.filter { journal.updates[id]?[$0.name] == nil }.map { .update($0) }
        calls.shuffle(using: &random)
        for call in calls {
            if random.next(below: 3) == 0 { try await Task.sleep(for: .milliseconds(Int(random.next(below: 4)))) }
            switch call {
            case .signal(let signal):
                let closed = try await retrying { try await send(signal, to: id) }
                report(.signaled(workflow: id, signal: signal, closed: closed))
            case .update(let update):
                let ack = try await retrying { try await send(update, to: id) }
                report(.updated(workflow: id, update: update.name, ack: ack))
            }
        }
        let outcome = try await retrying { try await result(of: workflow) }
        report(.completed(workflow: id, outcome: outcome))
    }

    private enum Call {
        case signal(String)
        case update(TorturePlan.PlannedUpdate)
    }

    private func start(_ workflow: TorturePlan.Workflow) async throws {
        let options = WorkflowOptions(
            id: WorkflowID(workflow.id), taskQueue: tortureTaskQueue, idReusePolicy: .rejectDuplicate,
            idConflictPolicy: .useExisting, requestID: "start/\(workflow.id)")
        do {
            switch workflow.kind {
            case .order(let input):
                _ = try await client.startWorkflow(TortureOrder.self, input: input, options: options)
            case .loop(let input): _ = try await client.startWorkflow(TortureLoop.self, input: input, options: options)
            }
        } catch let error as EngineError where error.code == .workflowAlreadyStarted {
            // The run started in an earlier lifetime and has closed since: the start took effect.
        }
    }

    /// Sends a signal; returns true when the workflow had closed (so the signal took effect before).
    private func send(_ signal: String, to id: String) async throws -> Bool {
        do {
            try await client.engine.signal(
                execution: WorkflowExecution(workflowID: WorkflowID(id), runID: ""),
                SignalRequest(
                    name: TortureOrder.add.name, input: try client.converter.encode(signal), identity: "torture",
                    requestID: "\(id)#\(signal)"))
            return false
        } catch let error as EngineError where error.code == .failedPrecondition {
            return true
        }
    }

    private func send(_ update: TorturePlan.PlannedUpdate, to id: String) async throws -> TortureJournalEntry.UpdateAck
    {
        do {
            let result = try await client.handle(TortureOrder.self, id: WorkflowID(id)).update(
                TortureOrder.adjust, TortureUpdateInput(name: update.name, value: update.value),
                id: "\(id)#\(update.name)")
            return .accepted(result: result)
        } catch let error as ApplicationError where error.type == "TortureRejected" {
            return .rejected
        } catch let error as EngineError where error.code == .failedPrecondition {
            return .closed
        }
    }

    private func result(of workflow: TorturePlan.Workflow) async throws -> TortureOutcome {
        let id = WorkflowID(workflow.id)
        switch workflow.kind {
        case .order: return try await client.handle(TortureOrder.self, id: id).result()
        case .loop: return TortureOutcome(value: try await client.handle(TortureLoop.self, id: id).result())
        }
    }

    /// Runs `body` until it returns, retrying after errors that a busy or restarting engine gives
    /// (limits, a failed store), until the lifetime is over.
    private func retrying<Value>(_ body: () async throws -> Value) async throws -> Value {
        var failures = 0
        while true {
            if isStopped() || Task.isCancelled { throw CancellationError() }
            do {
                return try await body()
            } catch {
                failures += 1
                if isStopped() || Task.isCancelled { throw CancellationError() }
                if failures == 1 || failures % 100 == 0 {
                    log("torture driver: retrying after \(error)")
                }
                try await Task.sleep(for: .milliseconds(min(5 * failures, 100)))
            }
        }
    }
}

extension String {
    /// A hash of the string's bytes that is the same in every process (FNV-1a), unlike `hashValue`.
    var stableHash: UInt64 {
        utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
