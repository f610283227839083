import KeelLog

/// The torture workload, decided by a seed alone: rounds of workflows, each with the signals and
/// updates a client sends it and the outcome it must return. Both the process that drives the
/// workload and the oracle that checks it derive everything from this plan, so the oracle's
/// expectations never come from the engine.
struct TorturePlan: Sendable, Equatable {
    let seed: UInt64
    let workflowsPerRound: Int

    /// One planned update: its name, the value sent, and whether the validator must reject it.
    struct PlannedUpdate: Sendable, Equatable {
        var name: String
        var value: Int
        var isRejected: Bool { value < 0 }
    }

    /// One top-level workflow of a round.
    struct Workflow: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case order(TortureOrderInput)
            case loop(TortureLoopInput)
        }

        var id: String
        var round: Int
        var kind: Kind
        var signals: [String]
        var updates: [PlannedUpdate]

        /// The outcome the workflow must return.
        var expected: TortureOutcome {
            switch kind {
            case .loop(let input):
                return TortureOutcome(value: TorturePlan.loopTotal(input))
            case .order(let input):
                var value = input.base * 3
                for (index, loops) in input.childLoops.enumerated() {
                    value += TorturePlan.loopTotal(
                        TortureLoopInput(id: "", value: input.base + index, loops: loops, failures: 0))
                }
                return TortureOutcome(
                    value: value, signals: signals.sorted(),
                    updates: updates.filter { !$0.isRejected }.map(\.name).sorted())
            }
        }

        /// Every workflow id the workflow runs under, its own and its children's, with the number of
        /// runs each must have (one, plus one per continue-as-new).
        var runsByWorkflowID: [(id: String, runs: Int)] {
            switch kind {
            case .loop(let input): return [(id, input.loops + 1)]
            case .order(let input):
                return [(id, 1)]
                    + input.childLoops.enumerated().map { (TorturePlan.childID(id, $0.offset), $0.element + 1) }
            }
        }

        /// Every side effect the workflow applies: its idempotency key, value and planned failures.
        var effects: [(key: String, value: Int, failures: Int)] {
            func loop(_ input: TortureLoopInput) -> [(key: String, value: Int, failures: Int)] {
                (0...input.loops).map { ("\(input.id)#\($0)", input.value + $0, $0 == 0 ? input.failures : 0) }
            }
            switch kind {
            case .loop(let input): return loop(input)
            case .order(let input):
                var effects = [("\(input.id)#charge", input.base * 3, input.chargeFailures)]
                for (index, loops) in input.childLoops.enumerated() {
                    effects += loop(
                        TortureLoopInput(
                            id: TorturePlan.childID(id, index), value: input.base + index, loops: loops,
                            failures: index % 2))
                }
                return effects
            }
        }
    }

    /// The id of a workflow's `index`-th child.
    static func childID(_ parent: String, _ index: Int) -> String { "\(parent)-c\(index)" }

    /// What a chain of `TortureLoop` runs returns: the sum of its steps' values.
    static func loopTotal(_ input: TortureLoopInput) -> Int {
        (0...input.loops).reduce(0) { $0 + input.value + $1 }
    }

    /// The workflows of round `round`.
    func round(_ round: Int) -> [Workflow] {
        var random = SplitMix64(seed: seed ^ (UInt64(round) &* 0x9E37_79B9_7F4A_7C15))
        func next(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(random.next(below: UInt64(range.count)))
        }
        return (0..<workflowsPerRound).map { index in
            let id = "t\(round)-\(index)"
            if next(0...3) == 0 {
                let input = TortureLoopInput(id: id, value: next(1...100), loops: next(1...3), failures: next(0...1))
                return Workflow(id: id, round: round, kind: .loop(input), signals: [], updates: [])
            }
            let signals = (0..<next(0...3)).map { "s\($0)" }
            var updates = (0..<next(0...2)).map { PlannedUpdate(name: "u\($0)", value: next(0...50)) }
            updates += (0..<next(0...1)).map { PlannedUpdate(name: "r\($0)", value: -next(1...9)) }
            let input = TortureOrderInput(
                id: id, base: next(1...1_000), chargeFailures: next(0...2), sleepMilliseconds: next(1...40),
                signals: signals.count, updates: updates.filter { !$0.isRejected }.count,
                childLoops: (0..<next(0...2)).map { _ in next(0...2) })
            return Workflow(id: id, round: round, kind: .order(input), signals: signals, updates: updates)
        }
    }

    /// Every workflow of rounds `0...lastRound`, by id.
    ///
    /// - Complexity: O(rounds × workflows per round).
    func workflows(through lastRound: Int) -> [String: Workflow] {
        var all: [String: Workflow] = [:]
        if lastRound >= 0 {
            for round in 0...lastRound {
                for workflow in self.round(round) { all[workflow.id] = workflow }
            }
        }
        return all
    }
}
