import ArgumentParser
import Foundation
import KeelEngine
import KeelLog

/// `keel bench engine`: synthetic workflows through a real engine on a real data file with durable
/// commits, and the same history records appended straight to a log as the baseline in the same run.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure history events per second through the engine, with raw log appends as baseline.",
        discussion: """
            Starters start N workflows (at most --open-workflows open at once); C workflow-task pollers and C \
            activity pollers (Swift tasks) drive them: each workflow runs K activities in sequence, one \
            workflow task each, then completes, writing 5 + 6K history events. With sticky execution (the \
            default) a workflow's later tasks come from the worker's sticky queue with only the new events; \
            with --no-sticky every task carries the whole history, read back from the log. Every commit is \
            durable (fdatasync with --durability fsync). The baseline appends the same event records, in as \
            many commits as the engine made, from as many appenders as the engine had callers, straight to a \
            new log: ratio_vs_log is the engine's events/s over the log's records/s, and cpu_per_event_vs_log \
            compares CPU time per record, which moves less than wall time on a shared machine.
            """
    )

    /// Whether the log baseline runs.
    enum BaselineChoice: String, ExpressibleByArgument, CaseIterable {
        case log, none
    }

    static let workflowsMax = 5_000_000
    static let concurrencyMax = 5_000
    static let activitiesMax = 1_000
    /// Most history events in one run: the baseline keeps all their records in memory.
    static let eventsMax = 20_000_000
    static let payloadBytesMax = 1 << 20

    @Option(help: "Workflows to run to completion.") var workflows = 20_000
    @Option(help: "Workflow-task pollers, and as many activity pollers (Swift tasks).") var concurrency = 64
    @Option(help: "Activities each workflow runs in sequence before it completes.") var activitiesPerWorkflow = 3
    @Option(help: "Bytes of each input and result payload.") var payloadBytes = 32
    @Flag(
        inversion: .prefixedNo,
        help: "Sticky execution: later workflow tasks carry only new events instead of the whole history read back.")
    var sticky = true
    @Option(help: "Engine partitions.") var partitions = 4
    @Option(help: "Most workflows open at once (default: 4 per workflow-task poller).") var openWorkflows: Int?
    @Option(help: "Swift tasks starting workflows (default: as many as --concurrency).") var starters: Int?
    @Option(help: "When a commit is acknowledged.") var durability = DurabilityChoice.fsync
    @Option(help: "Sync interval with --durability relaxed, in milliseconds.") var syncIntervalMs = 10
    @Option(help: "The baseline to run after the engine.") var baseline = BaselineChoice.log
    @Option(help: "Data file to create for the engine (default: a temporary file, removed afterwards).")
    var path: String?
    @Flag(help: "Keep the engine's data file afterwards.") var keep = false
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        try checkOption("--workflows", workflows, in: 1...Self.workflowsMax)
        try checkOption("--concurrency", concurrency, in: 1...Self.concurrencyMax)
        try checkOption("--activities-per-workflow", activitiesPerWorkflow, in: 0...Self.activitiesMax)
        try checkOption("--payload-bytes", payloadBytes, in: 0...Self.payloadBytesMax)
        try checkOption("--partitions", partitions, in: 1...256)
        if let starters {
            try checkOption("--starters", starters, in: 1...Self.concurrencyMax)
        }
        if let openWorkflows {
            try checkOption("--open-workflows", openWorkflows, in: 1...Self.workflowsMax)
        }
        try checkOption("--sync-interval-ms", syncIntervalMs, in: 1...60_000)
        let events = workflows * EngineBenchmark.eventsPerWorkflow(activities: activitiesPerWorkflow)
        try checkOption(
            events <= Self.eventsMax,
            "\(BenchFormat.grouped(workflows)) workflows of \(activitiesPerWorkflow) activities write "
                + "\(BenchFormat.grouped(events)) events; at most \(BenchFormat.grouped(Self.eventsMax)) are allowed")
        if let path {
            try checkOption(
                !FileManager.default.fileExists(atPath: path), "--path must name a new file, found an existing \(path)")
            let directory = (path as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            try checkOption(
                FileManager.default.fileExists(atPath: directory.isEmpty ? "." : directory, isDirectory: &isDirectory)
                    && isDirectory.boolValue,
                "--path must be in an existing directory, found \(directory)")
        }
    }

    var options: EngineBenchmark.Options {
        EngineBenchmark.Options(
            workflows: workflows, concurrency: concurrency, activitiesPerWorkflow: activitiesPerWorkflow,
            payloadBytes: payloadBytes, isSticky: sticky, starters: starters, openWorkflowsMax: openWorkflows,
            keepsEventRecords: baseline == .log)
    }

    var engineOptions: EngineOptions {
        var engine = EngineOptions()
        engine.partitionCount = partitions
        engine.log = logOptions
        return engine
    }

    var logOptions: LogOptions {
        var log = EngineOptions().log
        log.durability = durability == .fsync ? .fsync : .relaxed(syncIntervalMilliseconds: syncIntervalMs)
        return log
    }

    func run() throws {
        let report = try measure()
        print(json ? report.json.text : report.table)
    }

    /// Runs the engine and its baseline and returns the results; progress goes to standard error.
    ///
    /// - Throws: `ValidationError` for inconsistent options, `BenchError` when a run falls short, or
    ///   the engine's and the log's errors.
    func measure() throws -> BenchEngineReport {
        let bar = BenchBar(command: "engine", isQuiet: false)
        let options = self.options
        if let problem = options.problem { throw ValidationError(problem) }
        let directory: String
        let dataFile: String
        let isTemporary = path == nil
        if let path {
            dataFile = path
            let parent = (path as NSString).deletingLastPathComponent
            directory = parent.isEmpty ? "." : parent
        } else {
            directory = NSTemporaryDirectory() + "keel-bench-engine-\(getpid())-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            dataFile = directory + "/engine.keel"
        }
        let baselineFile = directory + "/keel-bench-log-baseline-\(getpid())-\(UUID().uuidString.prefix(8)).keel"
        var removals = [baselineFile]
        if !keep { removals.append(dataFile) }
        if isTemporary && !keep { removals.append(directory) }
        let cleanUp: @Sendable () -> Void = { [removals] in
            for path in removals { try? FileManager.default.removeItem(atPath: path) }
        }
        defer { cleanUp() }
        let interruptions = BenchInterrupt.cleanUpOnInterrupt(command: "engine", cleanUp)
        defer { interruptions.forEach { $0.cancel() } }

        let engineOptions = self.engineOptions
        bar.phase(
            "\(BenchFormat.grouped(workflows)) workflows of \(activitiesPerWorkflow) activities, "
                + "\(concurrency) workflow-task and \(concurrency) activity pollers, \(options.starters) starters, "
                + "\(durability.rawValue)" + (sticky ? ", sticky" : "") + " (\(dataFile))")
        let total = workflows
        let engine = try BlockingAsync.run {
            try await EngineBenchmark.run(path: dataFile, engineOptions: engineOptions, options: options) { progress in
                bar.update(
                    "engine", done: progress.workflowsCompleted, of: total, unit: "workflows",
                    detail: "\(BenchFormat.grouped(Int(progress.recordsAppended))) records appended")
            }
        }
        bar.finishLine()
        let expected = EngineBenchmark.eventsPerWorkflow(activities: activitiesPerWorkflow) * workflows
        guard engine.workflows == workflows, engine.events >= expected else {
            throw BenchError(
                "engine",
                "expected \(workflows) workflows and at least \(expected) events, found \(engine.workflows) and \(engine.events)"
            )
        }

        var log: EngineBenchmark.LogBaselineResult? = nil
        if baseline == .log {
            let records = engine.eventRecords
            let commits = Int(min(UInt64(records.count), max(1, engine.log.commits)))
            let appenders = 2 * concurrency + options.starters
            bar.phase(
                "log baseline: the same \(BenchFormat.grouped(records.count)) event records in "
                    + "\(BenchFormat.grouped(commits)) commits from \(appenders) appenders")
            let logOptions = self.logOptions
            log = try BlockingAsync.run {
                try await EngineBenchmark.runLogBaseline(
                    records: records, commits: commits, appenders: appenders, path: baselineFile, options: logOptions
                ) { done, total in bar.update("log", done: done, of: total, unit: "records") }
            }
            bar.finishLine()
        }
        return BenchEngineReport(
            command: self, engine: engine, log: log, dataFile: keep ? dataFile : nil,
            maxResidentBytes: BenchDispatchCommand.maxResidentBytes())
    }
}

/// The results of `keel bench engine` as one JSON object or a table.
struct BenchEngineReport {
    let command: BenchEngineCommand
    let engine: EngineBenchmark.Result
    let log: EngineBenchmark.LogBaselineResult?
    /// The kept data file, if any.
    let dataFile: String?
    let maxResidentBytes: UInt64

    private var ratioVersusLog: Double {
        guard let log, log.recordsPerSecond > 0 else { return 0 }
        return engine.eventsPerSecond / log.recordsPerSecond
    }

    private static func divide(_ value: UInt64, _ by: UInt64) -> Double { by > 0 ? Double(value) / Double(by) : 0 }

    var json: BenchJSON {
        var object = BenchJSON()
        object.set("workflows", engine.workflows)
        object.set("concurrency", command.concurrency)
        object.set("activities_per_workflow", command.activitiesPerWorkflow)
        object.set("payload_bytes", command.payloadBytes)
        object.set("sticky", command.sticky)
        object.set("partitions", command.partitions)
        object.set("open_workflows_max", command.options.openWorkflowsMax)
        object.set("starters", command.options.starters)
        object.set("durability", command.durability.rawValue)
        object.set("elapsed_s", engine.elapsed.seconds, decimals: 3)
        object.set("events", engine.events)
        object.set("events_per_s", engine.eventsPerSecond, decimals: 0)
        object.set("workflows_per_s", engine.workflowsPerSecond, decimals: 0)
        object.set("cpu_us_per_event", engine.cpuMicrosecondsPerEvent, decimals: 2)
        let task = LatencySummary(nanoseconds: engine.workflowTaskLatencyNanoseconds)
        let complete = LatencySummary(nanoseconds: engine.completeLatencyNanoseconds)
        let start = LatencySummary(nanoseconds: engine.startLatencyNanoseconds)
        object.set("workflow_tasks", task.count)
        object.set("workflow_task_p50_us", task.p50.microseconds)
        object.set("workflow_task_p99_us", task.p99.microseconds)
        object.set("complete_p50_us", complete.p50.microseconds)
        object.set("complete_p99_us", complete.p99.microseconds)
        object.set("start_p50_us", start.p50.microseconds)
        object.set("start_p99_us", start.p99.microseconds)
        object.set("records", engine.log.records)
        object.set("commits", engine.log.commits)
        object.set("records_per_commit", Self.divide(engine.log.records, engine.log.commits), decimals: 2)
        object.set("group_writes", engine.log.writes)
        object.set("commits_per_write", Self.divide(engine.log.commits, engine.log.writes), decimals: 1)
        object.set("syncs", engine.log.syncs)
        object.set("raw_bytes", engine.log.rawBytes)
        object.set("bytes_written", engine.log.storedBytes)
        object.set("data_file_bytes", engine.dataFileBytes)
        if let log {
            let latency = LatencySummary(nanoseconds: log.commitLatencyNanoseconds)
            object.set("log_records", log.records)
            object.set("log_commits", log.commits)
            object.set("log_appenders", 2 * command.concurrency + command.options.starters)
            object.set("log_elapsed_s", log.elapsed.seconds, decimals: 3)
            object.set("log_records_per_s", log.recordsPerSecond, decimals: 0)
            object.set("log_commit_p50_us", latency.p50.microseconds)
            object.set("log_commit_p99_us", latency.p99.microseconds)
            object.set("log_group_writes", log.log.writes)
            object.set("log_commits_per_write", Self.divide(log.log.commits, log.log.writes), decimals: 1)
            object.set("log_cpu_us_per_record", log.cpuMicrosecondsPerRecord, decimals: 2)
            object.set("ratio_vs_log", ratioVersusLog, decimals: 3)
            object.set(
                "cpu_per_event_vs_log",
                log.cpuMicrosecondsPerRecord > 0 ? engine.cpuMicrosecondsPerEvent / log.cpuMicrosecondsPerRecord : 0,
                decimals: 2)
        }
        object.set("max_rss_mib", Double(maxResidentBytes) / Double(1 << 20), decimals: 1)
        object.set("allocator", BenchAllocator.description)
        if let dataFile { object.set("data_file", dataFile) }
        return object
    }

    var table: String {
        var lines: [String] = []
        func line(_ label: String, _ value: String) {
            lines.append("  " + label.padding(toLength: 24, withPad: " ", startingAt: 0) + value)
        }
        func latency(_ summary: LatencySummary) -> String {
            "p50 \(BenchFormat.latency(summary.p50))   p99 \(BenchFormat.latency(summary.p99))   "
                + "max \(BenchFormat.latency(summary.max))"
        }
        lines.append(
            "keel bench engine: \(BenchFormat.grouped(engine.workflows)) workflows of "
                + "\(command.activitiesPerWorkflow) activities, \(command.concurrency) + \(command.concurrency) pollers, "
                + "\(command.partitions) partitions, \(command.durability.rawValue)"
                + (command.sticky ? ", sticky" : ""))
        lines.append("")
        lines.append("Engine")
        line(
            "events",
            "\(BenchFormat.grouped(engine.events)) in \(String(format: "%.3f", engine.elapsed.seconds)) s: "
                + "\(BenchFormat.rate(engine.eventsPerSecond)) events/s, "
                + "\(BenchFormat.rate(engine.workflowsPerSecond)) workflows/s")
        line("CPU", String(format: "%.2f µs per event (all threads)", engine.cpuMicrosecondsPerEvent))
        line("workflow task", latency(LatencySummary(nanoseconds: engine.workflowTaskLatencyNanoseconds)))
        line("  complete call", latency(LatencySummary(nanoseconds: engine.completeLatencyNanoseconds)))
        line("start call", latency(LatencySummary(nanoseconds: engine.startLatencyNanoseconds)))
        line(
            "log",
            "\(BenchFormat.grouped(Int(engine.log.commits))) commits, "
                + String(format: "%.2f records per commit, ", Self.divide(engine.log.records, engine.log.commits))
                + "\(BenchFormat.grouped(Int(engine.log.writes))) group writes "
                + String(format: "(%.1f commits each)", Self.divide(engine.log.commits, engine.log.writes)))
        line(
            "storage",
            "\(BenchFormat.bytes(engine.log.rawBytes)) raw, \(BenchFormat.bytes(engine.log.storedBytes)) written, "
                + "data file \(BenchFormat.bytes(engine.dataFileBytes))")
        if let log {
            lines.append("")
            lines.append("Baseline: the same records and commit count appended straight to a log")
            line(
                "records",
                "\(BenchFormat.grouped(log.records)) in \(String(format: "%.3f", log.elapsed.seconds)) s: "
                    + "\(BenchFormat.rate(log.recordsPerSecond)) records/s")
            line("CPU", String(format: "%.2f µs per record (all threads)", log.cpuMicrosecondsPerRecord))
            line("commit", latency(LatencySummary(nanoseconds: log.commitLatencyNanoseconds)))
            line(
                "group writes",
                "\(BenchFormat.grouped(Int(log.log.writes))) "
                    + String(format: "(%.1f commits each)", Self.divide(log.log.commits, log.log.writes)))
            line(
                "engine / log",
                String(format: "%.2fx the rate, ", ratioVersusLog)
                    + String(
                        format: "%.2fx the CPU per event",
                        log.cpuMicrosecondsPerRecord > 0
                            ? engine.cpuMicrosecondsPerEvent / log.cpuMicrosecondsPerRecord : 0))
        }
        lines.append("")
        line("peak memory", BenchFormat.bytes(maxResidentBytes))
        line("machine", BenchMachine.summary())
        if let dataFile { line("data file", dataFile + " (kept)") }
        return lines.joined(separator: "\n")
    }
}

/// Progress of the engine benchmarks on standard error, so standard output carries only the result:
/// phase lines always, and a bar rewritten in place only when standard error is a terminal.
final class BenchBar: Sendable {
    private let command: String
    private let isQuiet: Bool
    private let isTerminal: Bool
    /// Characters of the bar.
    static let width = 30

    init(command: String, isQuiet: Bool) {
        self.command = command
        self.isQuiet = isQuiet
        isTerminal = isatty(STDERR_FILENO) != 0
    }

    /// Announces the start of a phase.
    func phase(_ text: String) {
        guard !isQuiet else { return }
        write("keel bench \(command): \(text)\n")
    }

    /// Redraws the bar of a phase that has done `done` of `total` units.
    func update(_ label: String, done: Int, of total: Int, unit: String, detail: String = "") {
        guard !isQuiet, isTerminal, total > 0 else { return }
        let filled = min(Self.width, done * Self.width / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: Self.width - filled)
        write(
            "\r\u{1B}[K  \(label) [\(bar)] \(BenchFormat.grouped(done)) of \(BenchFormat.grouped(total)) \(unit)"
                + (detail.isEmpty ? "" : ", \(detail)"))
    }

    /// Clears the bar's line.
    func finishLine() {
        guard !isQuiet, isTerminal else { return }
        write("\r\u{1B}[K")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Runs async work from a synchronous command. The command's thread waits on a semaphore; `KeelMain`
/// runs synchronous commands on a thread of their own, never one of the cooperative pool's, so the
/// work's tasks keep every pool thread.
enum BlockingAsync {
    private final class Outcome<Value: Sendable>: @unchecked Sendable {
        // Written once by the task before it signals, read once by the waiter after.
        var result: Result<Value, any Error>?
    }

    /// Returns `body`'s value once it finished.
    ///
    /// - Throws: what `body` threw.
    static func run<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
        // Called from a task, the wait would hold one of the pool's threads until `body` ends.
        precondition(
            withUnsafeCurrentTask { $0 == nil },
            "BlockingAsync.run blocks its thread; it must run on a thread of its own, not in a task")
        let outcome = Outcome<Value>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                outcome.result = .success(try await body())
            } catch {
                outcome.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        guard let result = outcome.result else { preconditionFailure("the task signalled without a result") }
        return try result.get()
    }
}

/// Removes a benchmark's files and exits when it is interrupted (SIGINT or SIGTERM).
enum BenchInterrupt {
    /// Returns the signal sources; cancel them when the benchmark ends.
    static func cleanUpOnInterrupt(command: String, _ cleanUp: @escaping @Sendable () -> Void)
        -> [any DispatchSourceSignal]
    {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                cleanUp()
                FileHandle.standardError.write(Data("keel bench \(command): interrupted; removed its files\n".utf8))
                Foundation.exit(128 + number)
            }
            source.resume()
            return source
        }
    }
}
