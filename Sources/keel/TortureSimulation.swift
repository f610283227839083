import Foundation
import Keel
import KeelEngine
import KeelLog
import Synchronization

/// Simulated mode: the same workload and oracle, in this process, on a `SimulatedDisk`. Each
/// lifetime opens the engine from the disk, runs workers and the driver for a random while, and
/// ends in a crash that drops, keeps, tears or garbles the writes that were never synced; some
/// lifetimes first inject a write or fsync failure, after which the store must refuse to go on.
struct TortureSimulation {
    let settings: TortureSettings

    func run() async throws -> TortureReport {
        var report = TortureReport(seed: settings.seed, faultMode: "simulated")
        let clock = ContinuousClock()
        let start = clock.now
        var random = SplitMix64(seed: settings.seed)
        var epoch = 0
        repeat {
            let plan = settings.plan(epoch: epoch)
            let disk = SimulatedDisk(seed: settings.seed &+ UInt64(epoch))
            let file = TortureSimulatedFile(
                disk: disk, plan: plan, settings: settings, directory: settings.directory + "/epoch-\(epoch)")
            await file.run(
                kills: min(settings.killsPerFile, settings.kills - report.kills), random: &random,
                deadline: start + settings.maxTime, report: &report, started: start)
            epoch += 1
        } while report.kills < settings.kills && (report.violations.isEmpty || settings.keepsGoing)
            && clock.now - start < settings.maxTime
        report.files = epoch
        report.seconds = (clock.now - start).seconds
        return report
    }
}

/// The journal of a simulated run: an acknowledgement counts only if it arrived before the crash
/// that ended its lifetime, which the lock makes a single point in time.
final class TortureSimulatedJournal: Sendable {
    private struct State {
        var journal = TortureJournal()
        var violations: [String] = []
        var generation = 0
        var isFinished = false
    }

    private let state = Mutex(State())
    private let oracle: TortureOracle

    init(oracle: TortureOracle) { self.oracle = oracle }

    /// Records `entry` if lifetime `generation` has not crashed yet.
    func record(_ entry: TortureJournalEntry, generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            state.violations += oracle.check(entry, before: state.journal)
            state.journal.append(entry)
        }
    }

    /// Ends the current lifetime and runs `crash` while no acknowledgement can be recorded.
    func endLifetime(_ crash: () -> Void) {
        state.withLock { state in
            state.generation += 1
            crash()
        }
    }

    /// Notes that the finishing driver of lifetime `generation` saw every workflow begun complete.
    func markFinished(generation: Int) {
        state.withLock { state in
            if state.generation == generation { state.isFinished = true }
        }
    }

    var isFinished: Bool { state.withLock { $0.isFinished } }
    var generation: Int { state.withLock { $0.generation } }
    var journal: TortureJournal { state.withLock { $0.journal } }
    var violations: [String] { state.withLock { $0.violations } }
}

/// One simulated data file: lifetimes of an engine on it, each ended by a crash.
final class TortureSimulatedFile {
    static let fileName = "torture.keel"
    let disk: SimulatedDisk
    let plan: TorturePlan
    let settings: TortureSettings
    let oracle: TortureOracle
    let effects = TortureEffectMemory()
    let journal: TortureSimulatedJournal
    private var violations: [String] = []

    /// Where the disk's durable image, the journal and the effect log are written when files are kept.
    let directory: String

    init(disk: SimulatedDisk, plan: TorturePlan, settings: TortureSettings, directory: String) {
        self.disk = disk
        self.directory = directory
        self.plan = plan
        self.settings = settings
        oracle = TortureOracle(plan: plan)
        journal = TortureSimulatedJournal(oracle: oracle)
        journal.record(.plan(seed: plan.seed, workflowsPerRound: plan.workflowsPerRound), generation: 0)
    }

    /// A running engine with its workers and driver.
    private struct Lifetime {
        var engine: Engine
        var workers: [Worker]
        var tasks: [Task<Void, Never>]
    }

    private func open(finishing: Bool) throws -> Lifetime {
        let store = try LogStore.open(
            file: try disk.open(Self.fileName, create: true), options: tortureEngineOptions().log)
        let engine = try Engine.open(store: store, options: tortureEngineOptions())
        let generation = journal.generation
        let journal = self.journal
        var workers: [Worker] = []
        var tasks: [Task<Void, Never>] = []
        for index in 0..<settings.workers {
            let worker = Worker(
                engine: engine,
                options: WorkerOptions(
                    taskQueue: tortureTaskQueue, pollTimeout: .milliseconds(100),
                    identity: "torture-\(generation)-\(index)", logSink: { _ in }),
                workflows: [TortureOrder.self, TortureLoop.self], activities: [TortureActivities(effects: effects)])
            workers.append(worker)
            tasks.append(Task { await worker.run() })
        }
        let driver = TortureDriver(
            client: KeelClient(engine: engine), plan: plan, journal: journal.journal,
            paceSeed: plan.seed ^ UInt64(generation) &* 0x9E37_79B9_7F4A_7C15, isFinishing: finishing,
            report: { journal.record($0, generation: generation) },
            isStopped: { journal.generation != generation },
            // Injected faults make calls fail on purpose; the oracle judges the outcome, not the noise.
            log: { _ in })
        tasks.append(
            Task {
                do {
                    try await driver.run()
                    journal.markFinished(generation: generation)
                } catch {}
            })
        return Lifetime(engine: engine, workers: workers, tasks: tasks)
    }

    /// Stops a lifetime's workers and driver after its crash, and closes what is left of its engine.
    private func abandon(_ lifetime: Lifetime) async {
        for worker in lifetime.workers { worker.shutdown() }
        for task in lifetime.tasks { task.cancel() }
        try? await lifetime.engine.close()
    }

    func run(
        kills: Int, random: inout SplitMix64, deadline: ContinuousClock.Instant, report: inout TortureReport,
        started: ContinuousClock.Instant
    ) async {
        var crashed = 0
        while crashed < kills && ((violations.isEmpty && journal.violations.isEmpty) || settings.keepsGoing)
            && ContinuousClock.now < deadline
        {
            guard let lifetime = reopen(finishing: false, after: report.kills) else { break }
            // Inject a write or fsync failure in one lifetime in six: the store must fail and
            // acknowledge nothing that did not reach the disk.
            switch random.next(below: 12) {
            case 0: disk.failSync(number: 1 + Int(random.next(below: 20)))
            case 1: disk.failWrite(number: 1 + Int(random.next(below: 20)))
            default: break
            }
            let wait = Int(random.next(below: UInt64(settings.killMax.wholeMilliseconds + 1)))
            try? await Task.sleep(for: .milliseconds(wait))
            let mode: SimulatedDisk.CrashMode =
                switch random.next(below: 4) {
                case 0: .dropUnsynced
                case 1: .keepUnsynced
                case 2: .random(tearUnit: disk.sectorBytes, garble: false)
                default: .random(tearUnit: 4096, garble: true)
                }
            journal.endLifetime { disk.crash(mode) }
            await abandon(lifetime)
            crashed += 1
            report.kills += 1
            violations = (violations + oracle.check(TortureEffects(lines: (try? effects.lines()) ?? []))).uniqued()
            if report.kills % settings.verifyEvery == 0 { violations += verify() }
            if report.kills % 10 == 0 || report.kills == settings.kills {
                let journal = self.journal.journal
                settings.progress(
                    "  crash \(report.kills)/\(settings.kills): round \(journal.lastRound), \(journal.completed.count) workflows completed on this disk, \(report.violations.count + violations.count + self.journal.violations.count) violations, \(String(format: "%.1f", (ContinuousClock.now - started).seconds)) s"
                )
            }
        }
        // Finish even after a violation, so that the final check tells lost work from work cut short.
        await finish()
        let verdict = await TortureVerdict.final(
            plan: plan, journal: journal.journal, effects: TortureEffects(lines: (try? effects.lines()) ?? []),
            verify: verify(),
            engine: {
                let store = try LogStore.open(
                    file: try self.disk.open(Self.fileName, create: true), options: tortureEngineOptions().log)
                return try Engine.open(store: store, options: tortureEngineOptions())
            })
        report.violations = (report.violations + violations + journal.violations).uniqued()
        report.add(verdict)
        if settings.keepsFiles { keepFiles() }
    }

    /// Opens the next lifetime. A write or fsync failure injected in an earlier lifetime may strike
    /// while the store recovers; then opening fails as it should, and the process "crashes" and
    /// tries again, as a restarted process would. Any other failure is a violation.
    private func reopen(finishing: Bool, after kills: Int) -> Lifetime? {
        for _ in 0..<10 {
            do {
                return try open(finishing: finishing)
            } catch {
                guard Self.isInjectedFault(error) else {
                    violations.append("reopening the engine after crash \(kills) failed: \(error)")
                    return nil
                }
                journal.endLifetime { disk.crash(.dropUnsynced) }
            }
        }
        violations.append("reopening the engine after crash \(kills) failed ten times in a row")
        return nil
    }

    /// Whether `error` is an I/O error, which on a simulated disk only fault injection makes.
    private static func isInjectedFault(_ error: any Error) -> Bool {
        let cause = (error as? LogError) ?? (error as? EngineError)?.storageCause
        return cause?.code == .io && cause?.errno == EIO
    }

    /// Runs a last lifetime without faults until every workflow begun has completed.
    private func finish() async {
        // A fault armed for a lifetime that crashed before reaching it is still armed: it would fail
        // the store in this lifetime, and nothing could complete.
        disk.clearFaults()
        guard let lifetime = reopen(finishing: true, after: -1) else { return }
        let clock = ContinuousClock()
        let start = clock.now
        while !journal.isFinished && clock.now - start < settings.finishTime {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if !journal.isFinished {
            violations.append(
                "the workflows begun did not all complete within \(settings.finishTime) after the crashes stopped")
        }
        journal.endLifetime {}
        for worker in lifetime.workers { worker.shutdown() }
        for task in lifetime.tasks { task.cancel() }
        do {
            try await lifetime.engine.close()
        } catch {
            violations.append("closing the engine after finishing failed: \(error)")
        }
    }

    /// Writes the disk's durable data file, the journal and the effect log to `directory`, in the
    /// layout of real mode, so that `keel torture --check` and `--history` work on them.
    private func keepFiles() {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let data = Data(disk.durableBytes(of: Self.fileName) ?? [])
            try data.write(to: URL(fileURLWithPath: directory + "/" + TortureFiles.data))
            let journal = self.journal.journal.entries.map { $0.line + "\n" }.joined()
            try Data(journal.utf8).write(to: URL(fileURLWithPath: directory + "/" + TortureFiles.journal))
            let effects = ((try? self.effects.lines()) ?? []).map { $0 + "\n" }.joined()
            try Data(effects.utf8).write(to: URL(fileURLWithPath: directory + "/" + TortureFiles.effects))
        } catch {
            settings.progress("could not keep the simulated data file in \(directory): \(error)")
        }
    }

    /// `keel log verify` on the disk's durable image.
    private func verify() -> [String] {
        do {
            let file = try disk.open(Self.fileName, create: false)
            defer { file.close() }
            return LogInspector.verify(file: file).errors.map { "keel log verify: \($0.message)" }
        } catch {
            return ["keel log verify could not open the simulated data file: \(error)"]
        }
    }
}
