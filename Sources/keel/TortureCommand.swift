import ArgumentParser
import Foundation
import KeelLog

/// `keel torture`: kills a process running a mixed workload at random moments, restarts it, and
/// has an independent oracle check that nothing acknowledged was lost and nothing happened twice.
struct TortureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "torture",
        abstract: "Kill a process running workflows at random moments, restart it, and check that nothing was lost.",
        discussion: """
            Real mode runs the workload in a child process on a data file and kills it with SIGKILL; \
            simulated mode runs it in this process on a simulated disk that drops, tears and garbles \
            unsynced writes at each crash and injects write and fsync failures. Every --kills-per-file \
            kills the data file is finished (every workflow begun must complete) and checked in full, \
            and a new one begins. Exit status 0 when no violation was found, 1 otherwise. \
            docs/reliability.md describes the workload and the oracle.
            """
    )

    enum FaultMode: String, ExpressibleByArgument, CaseIterable, Sendable {
        case real
        case simulated
    }

    @Option(help: "Kills (or simulated crashes) to survive.") var kills = 20
    @Option(help: "The seed of the workload and of the kill moments (default: from the clock).") var seed: UInt64?
    @Option(help: "Workers in the process that runs the workload.") var workers = 2
    @Option(help: "Workflows per round of the workload.") var workflows = 6
    @Option(help: "real: SIGKILL a child process; simulated: crash a simulated disk in this process.")
    var faultMode: FaultMode = .real
    @Option(help: "Kills on one data file before it is finished, checked in full, and replaced.")
    var killsPerFile = 100
    @Option(help: "Check the data file with `keel log verify` after every n-th kill (and at each file's end).")
    var verifyEvery = 5
    @Option(help: "The longest a kill may wait after the child is ready, in milliseconds.") var killMaxMilliseconds =
        250
    @Option(help: "Stop killing after this many seconds, finish and report.") var maxSeconds = 3_600
    @Option(help: "How long the workflows begun may take to complete once the kills stop, in seconds.")
    var finishSeconds = 60
    @Option(help: "Directory for the data files (default: a new temporary directory, removed afterwards).")
    var path: String?
    @Flag(help: "Keep the data files afterwards.") var keep = false
    @Flag(help: "Go on killing after a violation (by default the run stops at the first, finishes and reports).")
    var keepGoing = false
    @Flag(help: "Print the report as one JSON object.") var json = false
    @Option(
        help: ArgumentHelp(
            "Check a kept data file directory (one epoch-N directory) again, without running anything.",
            valueName: "directory"))
    var check: String?
    @Option(
        help: ArgumentHelp(
            "With --check: print the history of every run of this workflow id instead of checking.",
            valueName: "workflow-id"))
    var history: String?

    @Flag(help: .hidden) var child = false
    @Flag(help: .hidden) var finishing = false
    @Option(help: .hidden) var lifetime = 0

    func validate() throws {
        guard kills >= 0 else { throw ValidationError("expected --kills of 0 or more, found \(kills)") }
        guard (1...64).contains(workers) else {
            throw ValidationError("expected --workers from 1 to 64, found \(workers)")
        }
        guard (1...200).contains(workflows) else {
            throw ValidationError("expected --workflows from 1 to 200, found \(workflows)")
        }
        guard killsPerFile >= 1 else {
            throw ValidationError("expected --kills-per-file of 1 or more, found \(killsPerFile)")
        }
        guard verifyEvery >= 1 else {
            throw ValidationError("expected --verify-every of 1 or more, found \(verifyEvery)")
        }
        guard (1...60_000).contains(killMaxMilliseconds) else {
            throw ValidationError("expected --kill-max-milliseconds from 1 to 60000, found \(killMaxMilliseconds)")
        }
        guard maxSeconds >= 1, finishSeconds >= 1 else {
            throw ValidationError(
                "expected --max-seconds and --finish-seconds of 1 or more, found \(maxSeconds) and \(finishSeconds)")
        }
    }

    func run() async throws {
        if child {
            guard let path else { throw ValidationError("the child process needs --path") }
            try await TortureChild.run(
                directory: path, workers: workers, lifetime: lifetime, isFinishing: finishing)
            return
        }
        if let check, let history {
            try await TortureSupervisor.printHistory(directory: check, workflowID: history)
            return
        }
        if let check {
            let report = try await TortureSupervisor.recheck(directory: check)
            print(json ? jsonLine(report.json) : report.text)
            if !report.violations.isEmpty { throw ExitCode(1) }
            return
        }
        let seed = self.seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
        let directory = path ?? (NSTemporaryDirectory() + "keel-torture-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            if !keep && path == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        // With --json, standard output carries the report alone, so progress goes to standard error.
        let progress: @Sendable (String) -> Void
        if json {
            progress = { printError($0) }
        } else {
            progress = { print($0) }
        }
        let settings = TortureSettings(
            seed: seed, kills: kills, workers: workers, workflowsPerRound: workflows, killsPerFile: killsPerFile,
            verifyEvery: verifyEvery, killMax: .milliseconds(killMaxMilliseconds), maxTime: .seconds(maxSeconds),
            finishTime: .seconds(finishSeconds), directory: directory, faultMode: faultMode.rawValue,
            keepsGoing: keepGoing, keepsFiles: keep || path != nil,
            progress: progress)
        settings.progress(
            "keel torture: seed \(seed), \(faultMode.rawValue) faults, \(kills) kills, \(workers) workers, \(workflows) workflows per round (--seed \(seed) reproduces the plan)"
        )
        let report: TortureReport
        switch faultMode {
        case .real: report = try await TortureSupervisor(settings: settings).run()
        case .simulated: report = try await TortureSimulation(settings: settings).run()
        }
        print(json ? jsonLine(report.json) : report.text)
        if keep || path != nil { settings.progress("The data files are kept in \(directory)") }
        if !report.violations.isEmpty { throw ExitCode(1) }
    }
}

/// What one torture run does, shared by the real and the simulated mode.
struct TortureSettings: Sendable {
    var seed: UInt64
    var kills: Int
    var workers: Int
    var workflowsPerRound: Int
    var killsPerFile: Int
    var verifyEvery: Int
    var killMax: Duration
    var maxTime: Duration
    var finishTime: Duration
    var directory: String
    var faultMode: String
    /// Whether to go on after a violation.
    var keepsGoing: Bool
    /// Whether the data files are kept (simulated mode then writes each disk's durable image out).
    var keepsFiles: Bool
    var progress: @Sendable (String) -> Void

    /// The plan of the data file `epoch`: each file gets its own seed, derived from the run's.
    func plan(epoch: Int) -> TorturePlan {
        TorturePlan(seed: seed &+ UInt64(epoch) &* 0x2545_F491_4F6C_DD1D, workflowsPerRound: workflowsPerRound)
    }
}

/// The final report of a torture run.
struct TortureReport: Sendable {
    var seed: UInt64
    var faultMode: String
    var kills = 0
    var files = 0
    var workflowsChecked = 0
    var eventsWritten = 0
    var violations: [String] = []
    var seconds = 0.0
    /// The time from one kill to the next, averaged.
    var killCycleMilliseconds: Double { kills == 0 ? 0 : seconds * 1_000 / Double(kills) }

    /// The report as a JSON object; scripts rely on `kills`, `workflows_checked`, `events_written`
    /// and `violations`.
    var json: [String: Any] {
        [
            "kills": kills, "workflows_checked": workflowsChecked, "events_written": eventsWritten,
            "violations": violations.count, "violation_details": violations, "seed": "\(seed)",
            "fault_mode": faultMode, "seconds": (seconds * 1000).rounded() / 1000, "data_files": files,
            "kill_cycle_ms": (killCycleMilliseconds * 10).rounded() / 10,
        ]
    }

    var text: String {
        var lines = [
            "keel torture report (seed \(seed), \(faultMode) faults)",
            "  kills survived     \(kills)",
            "  data files         \(files)",
            "  workflows checked  \(workflowsChecked)",
            "  events written     \(eventsWritten)",
            "  time               \(String(format: "%.1f", seconds)) s (\(String(format: "%.0f", killCycleMilliseconds)) ms per kill)",
            "  lost or doubled    \(violations.count)",
        ]
        if violations.isEmpty {
            lines.append("result: PASS: every acknowledged call took effect once, every workflow completed once")
        } else {
            lines.append("result: FAIL: \(counted(violations.count, "violation"))")
            lines += violations.prefix(50).map { "  - \($0)" }
            if violations.count > 50 { lines.append("  ... and \(violations.count - 50) more") }
        }
        return lines.joined(separator: "\n")
    }
}
