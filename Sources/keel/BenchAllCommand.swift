import ArgumentParser
import Foundation

/// `keel bench` (or `keel bench all`): every suite at moderate sizes, one summary table of each
/// suite's headline figure against its baseline in the same run, or one JSON object holding each
/// suite's own JSON object.
struct BenchAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Run every benchmark suite and summarize each against its baseline and goal.",
        discussion: """
            Runs log, replay, dispatch, timers, engine and e2e one after another, each with the sizes \
            listed by --list (about a minute in all with a release build; --quick takes about half a \
            minute and only checks that everything runs). Progress goes to standard error. The table \
            gives each suite's headline figure, its baseline measured in the same run, their ratio and \
            the goal; --json prints one object with one member per suite, holding the object that \
            suite's own --json prints, plus the machine and the summary.
            """
    )

    @Flag(help: "Tiny sizes: about half a minute, for a smoke test; the figures mean nothing.") var quick = false
    @Flag(help: "Print the suites and the arguments each runs with, and run nothing.") var list = false
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() throws {
        let suites = BenchSuite.all(quick: quick)
        if list {
            for suite in suites { print("keel bench \(suite.name) " + suite.arguments.joined(separator: " ")) }
            return
        }
        let clock = ContinuousClock()
        let start = clock.now
        var outcomes: [BenchSuite.Outcome] = []
        for (index, suite) in suites.enumerated() {
            Self.announce(
                "[\(index + 1)/\(suites.count)] \(suite.name): keel bench \(suite.name) "
                    + suite.arguments.joined(separator: " "))
            let began = clock.now
            let report = try suite.measure(suite.arguments)
            outcomes.append(BenchSuite.Outcome(suite: suite, report: report, elapsed: began.duration(to: clock.now)))
        }
        let elapsed = start.duration(to: clock.now)
        Self.announce("done in " + String(format: "%.1f s", elapsed.seconds))
        let summary = BenchAllSummary(outcomes: outcomes, elapsed: elapsed, isQuick: quick)
        print(json ? summary.json.text : summary.table)
    }

    private static func announce(_ text: String) {
        FileHandle.standardError.write(Data("keel bench: \(text)\n".utf8))
    }
}

/// One suite of `keel bench`: how to run it and which of its figures the summary shows.
struct BenchSuite {
    /// The subcommand's name, also the suite's key in the JSON object.
    var name: String
    /// The arguments it runs with (besides `--json`).
    var arguments: [String]
    /// Parses `arguments` as the subcommand does, runs it and returns its JSON object.
    var measure: ([String]) throws -> BenchJSON
    /// What the headline figure is, for people.
    var figure: String
    /// The JSON key of the headline figure.
    var key: String
    var unit: String
    /// What the baseline is, and the JSON keys of its figure and of the ratio (nil without a baseline).
    var baseline: String?
    var baselineKey: String?
    var ratioKey: String?
    /// The goal in words, and whether a report meets it (nil when no goal is set).
    var goal: String?
    var meetsGoal: ((BenchJSON) -> Bool)?

    /// What one suite measured.
    struct Outcome {
        var suite: BenchSuite
        var report: BenchJSON
        var elapsed: Duration
    }

    /// Returns the suites in the order `keel bench` runs them, at moderate sizes or, with `quick`, tiny ones.
    static func all(quick: Bool) -> [BenchSuite] {
        [
            BenchSuite(
                name: "log",
                arguments: quick
                    ? ["--records", "20000", "--stream-records", "5000", "--max-seconds", "10"]
                    : ["--records", "1000000", "--stream-records", "50000", "--max-seconds", "30"],
                measure: { try BenchLogCommand.parse($0).measure().json },
                figure: "durable appends, commits of 1,024", key: "records_per_s", unit: "records/s",
                baseline: "SQLite WAL FULL", baselineKey: "sqlite_records_per_s", ratioKey: "ratio_vs_sqlite",
                goal: "≥ 4M records/s and ≥ 6x SQLite",
                meetsGoal: { ($0.number("records_per_s") ?? 0) >= 4e6 && ($0.number("ratio_vs_sqlite") ?? 0) >= 6 }),
            BenchSuite(
                name: "replay",
                arguments: quick
                    ? ["--events", "1000", "--repetitions", "3"] : ["--events", "10000", "--repetitions", "20"],
                measure: { try BenchReplayCommand.parse($0).measure().json },
                figure: "WorkflowReplayer.replay", key: "replay_events_per_s", unit: "events/s",
                baseline: "EventCodec.decode", baselineKey: "decode_events_per_s", ratioKey: "ratio_vs_decode",
                goal: nil, meetsGoal: nil),
            BenchSuite(
                name: "dispatch",
                arguments: quick ? ["--tasks", "10000"] : ["--tasks", "500000"],
                measure: { try BenchDispatchCommand.parse($0).measure().json },
                figure: "task-queue hand-off", key: "dispatches_per_s", unit: "tasks/s",
                baseline: "mutex + continuations queue", baselineKey: "baseline_dispatches_per_s",
                ratioKey: "ratio_vs_baseline", goal: "≥ 200k dispatches/s",
                meetsGoal: { ($0.number("dispatches_per_s") ?? 0) >= 200_000 }),
            BenchSuite(
                name: "timers",
                arguments: quick ? ["--timers", "100000"] : ["--timers", "5000000"],
                measure: { try BenchTimersCommand.parse($0).measure().json },
                figure: "timer wheel schedule + cancel", key: "ops_per_s", unit: "ops/s",
                baseline: nil, baselineKey: nil, ratioKey: nil, goal: nil, meetsGoal: nil),
            BenchSuite(
                name: "engine",
                arguments: quick ? ["--workflows", "200", "--concurrency", "8"] : ["--workflows", "20000"],
                measure: { try BenchEngineCommand.parse($0).measure().json },
                figure: "history events through the engine", key: "events_per_s", unit: "events/s",
                baseline: "the same records to the log", baselineKey: "log_records_per_s", ratioKey: "ratio_vs_log",
                goal: "≥ 500k events/s", meetsGoal: { ($0.number("events_per_s") ?? 0) >= 500_000 }),
            BenchSuite(
                name: "e2e",
                arguments: quick ? ["--workflows", "100", "--concurrency", "8"] : ["--workflows", "5000"],
                measure: { try BenchE2ECommand.parse($0).measure().json },
                figure: "workflows through the SDK", key: "events_per_s", unit: "events/s",
                baseline: "the engine's worker API", baselineKey: "engine_events_per_s", ratioKey: "ratio_vs_engine",
                goal: nil, meetsGoal: nil),
        ]
    }
}

/// The results of `keel bench` as one table or one JSON object.
struct BenchAllSummary {
    let outcomes: [BenchSuite.Outcome]
    let elapsed: Duration
    let isQuick: Bool

    /// Returns `value` with its unit as the table shows it, or a dash when it is missing.
    private static func rate(_ value: Double?, _ unit: String) -> String {
        value.map { BenchFormat.rate($0) + " " + unit } ?? "—"
    }

    /// Returns "yes", "no" or "—" (no goal set).
    private static func met(_ outcome: BenchSuite.Outcome) -> String {
        guard let meetsGoal = outcome.suite.meetsGoal else { return "—" }
        return meetsGoal(outcome.report) ? "yes" : "no"
    }

    var json: BenchJSON {
        var object = BenchJSON()
        object.set("machine", BenchMachine.json())
        object.set("quick", isQuick)
        object.set("elapsed_s", elapsed.seconds, decimals: 1)
        for outcome in outcomes { object.set(outcome.suite.name, outcome.report) }
        var rows: [BenchJSON.Value] = []
        for outcome in outcomes {
            let suite = outcome.suite
            var row = BenchJSON()
            row.set("suite", suite.name)
            row.set("figure", suite.key)
            row.set("value", outcome.report.number(suite.key) ?? .nan, decimals: 0)
            if let baselineKey = suite.baselineKey, let ratioKey = suite.ratioKey {
                row.set("baseline", baselineKey)
                row.set("baseline_value", outcome.report.number(baselineKey) ?? .nan, decimals: 0)
                row.set("ratio", outcome.report.number(ratioKey) ?? .nan, decimals: 3)
            }
            if let goal = suite.goal, let meetsGoal = suite.meetsGoal {
                row.set("goal", goal)
                row.set("goal_met", meetsGoal(outcome.report))
            }
            row.set("elapsed_s", outcome.elapsed.seconds, decimals: 1)
            rows.append(.object(row))
        }
        object.set("summary", .array(rows))
        return object
    }

    var table: String {
        var rows = [["suite", "figure", "measured", "baseline (same run)", "ratio", "goal", "met"]]
        for outcome in outcomes {
            let suite = outcome.suite
            let report = outcome.report
            var baseline = "—"
            if let name = suite.baseline, let key = suite.baselineKey {
                baseline = name + " " + Self.rate(report.number(key), suite.unit)
            }
            let ratio = suite.ratioKey.flatMap { report.number($0) }.map { String(format: "%.2fx", $0) } ?? "—"
            rows.append([
                suite.name, suite.figure, Self.rate(report.number(suite.key), suite.unit), baseline, ratio,
                suite.goal ?? "—", Self.met(outcome),
            ])
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        var lines = [
            "keel bench: \(outcomes.count) suites in " + String(format: "%.1f s", elapsed.seconds)
                + (isQuick ? " (--quick: tiny sizes, the figures mean nothing)" : "") + "; " + BenchMachine.summary(),
            "",
        ]
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            lines.append("  " + cells.joined(separator: "  "))
        }
        lines.append("")
        lines.append("Each suite's own table: keel bench <suite> with the arguments keel bench --list prints.")
        return lines.joined(separator: "\n")
    }
}
