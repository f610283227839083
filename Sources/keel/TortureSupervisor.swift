import ArgumentParser
import Foundation
import Keel
import KeelEngine
import KeelLog
import Synchronization

/// The engine options of every torture data file: small segments, so that runs seal segments and
/// roll the head often.
func tortureEngineOptions() -> EngineOptions {
    var options = EngineOptions()
    options.log.segmentBytes = 4 << 20
    return options
}

/// The file names inside one torture data file directory.
enum TortureFiles {
    static let data = "torture.keel"
    static let journal = "journal.log"
    static let effects = "effects.log"
    static let childErrors = "child-stderr.log"
}

/// Real mode: spawns the child process that runs the workload, kills it with SIGKILL at seeded
/// random moments, restarts it, and checks the journal, the effect log and the data file.
struct TortureSupervisor {
    let settings: TortureSettings

    func run() async throws -> TortureReport {
        var report = TortureReport(seed: settings.seed, faultMode: "real")
        let clock = ContinuousClock()
        let start = clock.now
        var random = SplitMix64(seed: settings.seed)
        var epoch = 0
        repeat {
            let file = try TortureFileRun(
                directory: settings.directory + "/epoch-\(epoch)", plan: settings.plan(epoch: epoch),
                settings: settings)
            try await file.run(
                kills: min(settings.killsPerFile, settings.kills - report.kills), random: &random,
                deadline: start + settings.maxTime, report: &report, started: start)
            epoch += 1
        } while report.kills < settings.kills && (report.violations.isEmpty || settings.keepsGoing)
            && clock.now - start < settings.maxTime
        report.files = epoch
        report.seconds = (clock.now - start).seconds
        return report
    }

    /// Prints every run of `workflowID` in a kept data file directory, one event per line with its
    /// time since the run's first event, to see where a run spent its time.
    static func printHistory(directory: String, workflowID: String) async throws {
        let engine = try Engine.open(path: directory + "/" + TortureFiles.data, options: tortureEngineOptions())
        let client = KeelClient(engine: engine)
        for record in try client.listWorkflows() where record.execution.workflowID.rawValue == workflowID {
            let history = try engine.history(execution: record.execution)
            let start = history.first?.time ?? .epoch
            print("run \(record.execution.runID) (\(record.status)), started at \(start.millisecondsSinceEpoch) ms:")
            for event in history {
                let milliseconds = (event.time - start).wholeMilliseconds
                print("  \(event.eventID)\t+\(milliseconds) ms\t\(event.eventType)\t\(tortureDetail(event))")
            }
        }
        try await engine.close()
    }

    /// The identities and request ids an event carries, which show which process did what.
    private static func tortureDetail(_ event: HistoryEvent) -> String {
        switch event.attributes {
        case .workflowExecutionStarted(let started):
            "request \(started.requestID), parent \(started.parent.map { "\($0)" } ?? "none"), continued from \(started.continuedFromRunID?.rawValue ?? "none"), by \(started.identity)"
        case .workflowTaskStarted(let started): started.identity
        case .childWorkflowExecutionStarted(let started): "child run \(started.execution.runID)"
        case .workflowExecutionContinuedAsNew(let continued): "next run \(continued.newExecutionRunID)"
        default: ""
        }
    }

    /// Checks a kept data file directory again: the journal, the effect log and the data file.
    static func recheck(directory: String) async throws -> TortureReport {
        let journal = TortureJournal(lines: try TortureEffectFile.read(path: directory + "/" + TortureFiles.journal))
        guard let plan = journal.plan else {
            throw ValidationError("expected a torture journal with a plan line in \(directory), found none")
        }
        let effects = TortureEffects(lines: try TortureEffectFile.read(path: directory + "/" + TortureFiles.effects))
        var report = TortureReport(seed: plan.seed, faultMode: "check")
        report.files = 1
        let verdict = await TortureVerdict.final(
            plan: plan, journal: journal, effects: effects,
            verify: TortureVerdict.verify(path: directory + "/" + TortureFiles.data),
            engine: { try Engine.open(path: directory + "/" + TortureFiles.data, options: tortureEngineOptions()) })
        report.add(verdict)
        return report
    }
}

/// The end of one data file: what its final check found.
struct TortureVerdict {
    var violations: [String]
    var workflowsChecked: Int
    var eventsWritten: Int

    /// `keel log verify` on a real data file no process has open; the errors it found.
    static func verify(path: String) -> [String] {
        do {
            let file = try PosixFile(path: path, readOnly: true)
            defer { file.close() }
            return LogInspector.verify(file: file).errors.map { "keel log verify: \($0.message)" }
        } catch {
            return ["keel log verify could not open \(path): \(error)"]
        }
    }

    /// The final check of a data file: opens an engine on it, reads every run back, and judges.
    static func final(
        plan: TorturePlan, journal: TortureJournal, effects: TortureEffects, verify: [String],
        engine open: () throws -> Engine
    ) async -> TortureVerdict {
        var violations = verify
        var observed: (runs: [String: [TortureRunObservation]], events: Int)?
        do {
            let engine = try open()
            do {
                observed = try await TortureObserver.observe(engine: engine)
            } catch {
                violations.append("reading the runs back from the data file failed: \(error)")
            }
            try await engine.close()
        } catch {
            violations.append("opening the data file for the final check failed: \(error)")
        }
        violations += TortureOracle(plan: plan).checkFinal(
            journal: journal, effects: effects, observations: observed?.runs)
        let planned = plan.workflows(through: journal.lastRound).values.reduce(0) { $0 + $1.runsByWorkflowID.count }
        return TortureVerdict(violations: violations, workflowsChecked: planned, eventsWritten: observed?.events ?? 0)
    }
}

extension TortureReport {
    /// Adds a data file's final verdict; a violation found both on the way and at the end counts once.
    mutating func add(_ verdict: TortureVerdict) {
        violations = (violations + verdict.violations).uniqued()
        workflowsChecked += verdict.workflowsChecked
        eventsWritten += verdict.eventsWritten
    }
}

/// One data file of a real-mode run: its journal, effect log, child processes and checks.
final class TortureFileRun {
    let directory: String
    let plan: TorturePlan
    let settings: TortureSettings
    let oracle: TortureOracle
    private var journal = TortureJournal()
    private let journalHandle: FileHandle
    private var effects = TortureEffects(lines: [])
    private var effectsOffset: UInt64 = 0
    private var violations: [String] = []

    init(directory: String, plan: TorturePlan, settings: TortureSettings) throws {
        self.directory = directory
        self.plan = plan
        self.settings = settings
        oracle = TortureOracle(plan: plan)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let journalPath = directory + "/" + TortureFiles.journal
        _ = FileManager.default.createFile(atPath: journalPath, contents: nil)
        _ = FileManager.default.createFile(atPath: directory + "/" + TortureFiles.childErrors, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: journalPath) else {
            throw ValidationError("cannot write the torture journal \(journalPath)")
        }
        journalHandle = handle
        record(.plan(seed: plan.seed, workflowsPerRound: plan.workflowsPerRound))
    }

    deinit { try? journalHandle.close() }

    private var dataPath: String { directory + "/" + TortureFiles.data }

    /// Survives `kills` kills on this file, then finishes it and checks it in full.
    func run(
        kills: Int, random: inout SplitMix64, deadline: ContinuousClock.Instant, report: inout TortureReport,
        started: ContinuousClock.Instant
    ) async throws {
        var killed = 0
        while killed < kills && (violations.isEmpty || settings.keepsGoing) && ContinuousClock.now < deadline {
            // One kill in eight comes at a random moment after the spawn, often during recovery; the
            // others at a random moment after the child reports that its workers run.
            let early = random.next(below: 8) == 0
            let delay = Duration.milliseconds(
                Int(random.next(below: UInt64(early ? 80 : settings.killMax.wholeMilliseconds + 1))))
            let end = try runChild(lifetime: report.kills, finishing: false, kill: (delay, early ? .spawn : .ready))
            if !end.wasKilled {
                violations.append(
                    "child process \(report.kills) ended on its own (status \(end.status)) instead of being killed; see \(directory)/\(TortureFiles.childErrors)"
                )
                break
            }
            killed += 1
            report.kills += 1
            readEffects()
            violations = (violations + oracle.check(effects)).uniqued()
            if report.kills % settings.verifyEvery == 0 { violations += TortureVerdict.verify(path: dataPath) }
            if report.kills % 10 == 0 || report.kills == settings.kills {
                settings.progress(
                    "  kill \(report.kills)/\(settings.kills): round \(journal.lastRound) of file \(directory.split(separator: "/").last ?? ""), \(journal.completed.count) workflows completed on it, \(report.violations.count + violations.count) violations, \(String(format: "%.1f", (ContinuousClock.now - started).seconds)) s"
                )
            }
        }
        // Finish even after a violation, so that the final check tells lost work from work cut short.
        let end = try runChild(lifetime: report.kills, finishing: true, kill: (settings.finishTime, .spawn))
        if end.wasKilled {
            violations.append(
                "the workflows begun on \(directory) did not all complete within \(settings.finishTime) after the kills stopped"
            )
        } else if end.status != 0 {
            violations.append(
                "the finishing child process failed with status \(end.status); see \(directory)/\(TortureFiles.childErrors)"
            )
        }
        readEffects()
        let verdict = await TortureVerdict.final(
            plan: plan, journal: journal, effects: effects, verify: TortureVerdict.verify(path: dataPath),
            engine: { try Engine.open(path: dataPath, options: tortureEngineOptions()) })
        report.violations = (report.violations + violations).uniqued()
        report.add(verdict)
    }

    private func record(_ entry: TortureJournalEntry) {
        journal.append(entry)
        journalHandle.write(Data((entry.line + "\n").utf8))
    }

    /// Reads the lines the children appended to the effect log since the last call.
    private func readEffects() {
        guard let handle = FileHandle(forReadingAtPath: directory + "/" + TortureFiles.effects) else { return }
        defer { try? handle.close() }
        try? handle.seek(toOffset: effectsOffset)
        let data = (try? handle.readToEnd()) ?? Data()
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return }
        let complete = data[data.startIndex...lastNewline]
        effectsOffset += UInt64(complete.count)
        for line in String(decoding: complete, as: UTF8.self).split(separator: "\n") { effects.add(String(line)) }
    }

    enum KillClock {
        case spawn
        case ready
    }

    /// How a child process ended.
    struct ChildEnd {
        var wasKilled: Bool
        var status: Int32
    }

    /// Runs one child process to its end, recording what it reports; kills it `kill.after` past the
    /// spawn or past its ready line.
    private func runChild(lifetime: Int, finishing: Bool, kill: (after: Duration, from: KillClock)) throws
        -> ChildEnd
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments =
            [
                "torture", "--child", "--path", directory, "--workers", String(settings.workers), "--lifetime",
                String(lifetime),
            ] + (finishing ? ["--finishing"] : [])
        let output = Pipe()
        process.standardOutput = output
        let errors = FileHandle(forWritingAtPath: directory + "/" + TortureFiles.childErrors)
        _ = try? errors?.seekToEnd()
        process.standardError = errors ?? FileHandle.nullDevice
        defer { try? errors?.close() }
        try process.run()
        // A marker for people reading the journal; the journal's parser skips it.
        journalHandle.write(
            Data("lifetime\t\(lifetime)\t\(finishing ? "finishing" : "pid \(process.processIdentifier)")\n".utf8))
        let killer = TortureKiller(pid: process.processIdentifier)
        if kill.from == .spawn { killer.arm(after: kill.after) }
        let reader = output.fileHandleForReading
        var pending = Data()
        while true {
            let data = reader.availableData
            if data.isEmpty { break }
            pending.append(data)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                if line == "ready" {
                    if kill.from == .ready { killer.arm(after: kill.after) }
                } else if let entry = TortureJournalEntry(line: line) {
                    violations += oracle.check(entry, before: journal)
                    record(entry)
                }
            }
        }
        killer.disarm()
        process.waitUntilExit()
        return ChildEnd(wasKilled: process.terminationReason == .uncaughtSignal, status: process.terminationStatus)
    }
}

/// Sends SIGKILL to a child process once a delay passes, unless disarmed first.
final class TortureKiller: Sendable {
    private let pid: Int32
    private let isArmed = Mutex(true)

    init(pid: Int32) { self.pid = pid }

    func arm(after delay: Duration) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(delay.nanoseconds))) { [self] in
            isArmed.withLock { armed in
                if armed { _ = Foundation.kill(pid, SIGKILL) }
            }
        }
    }

    /// Stops a pending kill; called once the child's output ended, before it is reaped.
    func disarm() { isArmed.withLock { $0 = false } }
}

extension Array where Element == String {
    /// The strings in order, each only the first time it appears.
    func uniqued() -> [String] {
        var seen = Set<String>()
        return filter { seen.insert($0).inserted }
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    var wholeMilliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// The child process of real mode: runs the workload in an embedded runtime on the data file and
/// reports every acknowledged call on standard output, one line each, after the call returned.
enum TortureChild {
    static func run(directory: String, workers: Int, lifetime: Int, isFinishing: Bool) async throws {
        let journal = TortureJournal(lines: try TortureEffectFile.read(path: directory + "/" + TortureFiles.journal))
        guard let plan = journal.plan else {
            throw ValidationError("expected a torture journal with a plan line in \(directory), found none")
        }
        let effects = try TortureEffectFile(path: directory + "/" + TortureFiles.effects)
        let runtime = try KeelRuntime.open(path: directory + "/" + TortureFiles.data, options: tortureEngineOptions())
        let quiet: @Sendable (String) -> Void = { _ in }
        for index in 0..<workers {
            runtime.addWorker(
                taskQueue: tortureTaskQueue, workflows: [TortureOrder.self, TortureLoop.self],
                activities: [TortureActivities(effects: effects)],
                options: WorkerOptions(
                    taskQueue: tortureTaskQueue, identity: "torture-\(lifetime)-\(index)", logSink: quiet))
        }
        emit("ready")
        let driver = TortureDriver(
            client: runtime.client, plan: plan, journal: journal,
            paceSeed: plan.seed ^ UInt64(lifetime) &* 0x9E37_79B9_7F4A_7C15, isFinishing: isFinishing,
            report: { emit($0.line) })
        try await driver.run()
        try await runtime.shutdown()
        emit("finished")
    }
}
