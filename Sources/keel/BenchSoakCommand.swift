import ArgumentParser
import Foundation
import KeelEngine

/// `keel bench soak`: a million workflows through the embedded engine with retention on, reporting
/// throughput, memory and file space every `--report-every` workflows, to show whether they stay flat.
struct BenchSoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run many workflows with retention on and report whether throughput, memory and file size stay flat.",
        discussion: """
            A KeelRuntime opens a new data file in a temporary directory whose default namespace keeps \
            closed runs for --retention seconds; W workers serve one task queue, and C clients (Swift \
            tasks) each start a workflow, wait for its result and start the next, so at most C workflows \
            are in flight and nothing grows with the number done. Each workflow runs one activity and then \
            a durable timer of --timer-ms, writing 16 history events (11 with --timer-ms 0). Every \
            --report-every results a row gives that interval's workflows/s and events/s (records the log \
            appended), the resident set, the data file's size and its live bytes, the runs open and the \
            closed runs retention has not removed yet. The end gives the curve's flatness: the last \
            interval's rate over the first's, and the slowest over the fastest. Keep --retention well above \
            the time a result takes to reach its client: a run removed before its client reads the closing \
            event leaves that client waiting, and the run stops after --stall-seconds without a result.
            """
    )

    static let workflowsMax = 100_000_000
    static let concurrencyMax = 10_000
    static let workersMax = 64
    static let pollersMax = 1_000
    static let cacheSizeMax = 1_000_000
    /// Longest retention: a soak needs runs removed while it goes on.
    static let retentionSecondsMax = 86_400.0
    static let timerMillisecondsMax = 60_000

    @Option(help: "Workflows to run to completion.") var workflows = 1_000_000
    @Option(help: "Seconds the namespace keeps a closed run before removing it.") var retention = 5.0
    @Option(help: "Workflows per reported interval.") var reportEvery = 100_000
    @Option(help: "Workflows in flight at once: clients that each start one and wait for its result.")
    var concurrency = 256
    @Option(help: "Milliseconds of each workflow's timer (0: no timer).") var timerMs = 1
    @Option(help: "Workers on the task queue.") var workers = 4
    @Option(help: "Workflow-task pollers per worker.") var maxConcurrentWorkflowTasks = 8
    @Option(help: "Activity pollers per worker.") var maxConcurrentActivities = 16
    @Option(help: "Runs each worker keeps in memory.") var cacheSize = 1_000
    @Option(help: "Engine partitions.") var partitions = 4
    @Option(help: "Segment size of the data file in MiB.") var segmentMib = 64
    @Option(help: "When a commit is acknowledged.") var durability = DurabilityChoice.fsync
    @Option(help: "Seconds without any result after which the run stops with an error.") var stallSeconds = 60.0
    @Option(help: "Directory in which a temporary directory is made (and removed afterwards).")
    var path = NSTemporaryDirectory()
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        try checkOption("--workflows", workflows, in: 1...Self.workflowsMax)
        try checkOption(
            retention > 0 && retention <= Self.retentionSecondsMax,
            "--retention must be above 0 and at most \(Int(Self.retentionSecondsMax)) seconds, found \(retention)")
        try checkOption("--report-every", reportEvery, in: 1...workflows)
        try checkOption("--concurrency", concurrency, in: 1...Self.concurrencyMax)
        try checkOption("--timer-ms", timerMs, in: 0...Self.timerMillisecondsMax)
        try checkOption("--workers", workers, in: 1...Self.workersMax)
        try checkOption("--max-concurrent-workflow-tasks", maxConcurrentWorkflowTasks, in: 1...Self.pollersMax)
        try checkOption("--max-concurrent-activities", maxConcurrentActivities, in: 1...Self.pollersMax)
        try checkOption("--cache-size", cacheSize, in: 0...Self.cacheSizeMax)
        try checkOption("--partitions", partitions, in: 1...256)
        try checkOption(
            stallSeconds > 0 && stallSeconds <= 3_600,
            "--stall-seconds must be above 0 and at most 3600, found \(stallSeconds)")
        let segmentMibMax = 1 << 10
        try checkOption("--segment-mib", segmentMib, in: 1...segmentMibMax)
        var isDirectory: ObjCBool = false
        try checkOption(
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue,
            "--path must be an existing directory, found \(path)")
    }

    var options: SoakBench.Options {
        var engine = SDKBench.engineOptions(partitions: partitions, isDurable: durability == .fsync)
        engine.defaultNamespaceRetention = .milliseconds(Int64(retention * 1000))
        engine.log.segmentBytes = segmentMib << 20
        var options = SoakBench.Options(
            workflows: workflows, concurrency: concurrency, reportEvery: reportEvery, timerMilliseconds: timerMs,
            workers: workers, workflowTaskPollers: maxConcurrentWorkflowTasks,
            activityPollers: maxConcurrentActivities, cacheSize: cacheSize, engine: engine)
        options.stallLimit = .milliseconds(Int64(stallSeconds * 1000))
        return options
    }

    func run() throws {
        let report = try measure()
        print(json ? report.json.text : report.summary)
    }

    /// Runs the soak and returns its snapshots; each interval's row is printed as it ends (on standard
    /// output for the table, on standard error with `--json`), with progress on standard error.
    ///
    /// - Throws: `BenchError` when a workflow returns a wrong result or the run falls short, or the
    ///   engine's and the SDK's errors.
    func measure() throws -> BenchSoakReport {
        let bar = BenchBar(command: "soak", isQuiet: false)
        let directory = (path as NSString).appendingPathComponent(
            "keel-bench-soak-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cleanUp: @Sendable () -> Void = { try? FileManager.default.removeItem(atPath: directory) }
        defer { cleanUp() }
        let interruptions = BenchInterrupt.cleanUpOnInterrupt(command: "soak", cleanUp)
        defer { interruptions.forEach { $0.cancel() } }

        let options = self.options
        let events = SoakBench.eventsPerWorkflow(timerMilliseconds: timerMs)
        bar.phase(
            "\(BenchFormat.grouped(workflows)) workflows of one activity"
                + (timerMs > 0 ? " and a \(timerMs) ms timer" : "") + " (\(events) events each), "
                + "\(concurrency) in flight, \(workers) workers, retention \(retention) s, \(durability.rawValue)")
        let isJSON = json
        let rowsOut = isJSON ? FileHandle.standardError : FileHandle.standardOutput
        rowsOut.write(Data((BenchSoakReport.rowHeading + "\n").utf8))
        let total = workflows
        let snapshots = try BlockingAsync.run {
            try await SoakBench.run(
                path: directory + "/soak.keel", options: options,
                progress: { done in bar.update("soak", done: done, of: total, unit: "workflows") },
                report: { previous, snapshot in
                    bar.finishLine()
                    rowsOut.write(Data((BenchSoakReport.row(previous, snapshot) + "\n").utf8))
                })
        }
        bar.finishLine()
        let report = BenchSoakReport(command: self, snapshots: snapshots)
        guard report.workflows == workflows, report.events >= workflows * events else {
            throw BenchError(
                "soak",
                "expected \(workflows) workflows and at least \(workflows * events) events, found "
                    + "\(report.workflows) and \(report.events)")
        }
        return report
    }
}

/// The results of `keel bench soak`: one interval between each pair of consecutive snapshots.
struct BenchSoakReport {
    /// One reported interval.
    struct Interval {
        var start: SoakBench.Snapshot
        var end: SoakBench.Snapshot

        var workflows: Int { end.workflowsDone - start.workflowsDone }
        var events: Int { Int(end.recordsAppended - start.recordsAppended) }
        var elapsed: Duration { start.at.duration(to: end.at) }
        var workflowsPerSecond: Double { SDKBench.rate(workflows, elapsed) }
        var eventsPerSecond: Double { SDKBench.rate(events, elapsed) }
        var cpuMicrosecondsPerEvent: Double {
            events > 0 ? (end.cpuTime - start.cpuTime).seconds * 1e6 / Double(events) : 0
        }
    }

    let command: BenchSoakCommand
    let snapshots: [SoakBench.Snapshot]

    var intervals: [Interval] { zip(snapshots, snapshots.dropFirst()).map { Interval(start: $0, end: $1) } }
    var workflows: Int { snapshots.last?.workflowsDone ?? 0 }
    var events: Int { Int((snapshots.last?.recordsAppended ?? 0) - (snapshots.first?.recordsAppended ?? 0)) }
    var elapsed: Duration {
        snapshots.first.flatMap { first in snapshots.last.map { first.at.duration(to: $0.at) } } ?? .zero
    }
    var maxResidentBytes: UInt64 {
        max(snapshots.map(\.residentBytes).max() ?? 0, BenchDispatchCommand.maxResidentBytes())
    }
    var maxFileBytes: UInt64 { snapshots.map(\.fileBytes).max() ?? 0 }

    /// The intervals the flatness figures compare: full ones, leaving out a shorter last one.
    private var fullIntervals: [Interval] {
        let full = intervals.filter { $0.workflows == command.reportEvery }
        return full.isEmpty ? intervals : full
    }

    /// The last full interval's workflows/s over the first's.
    var flatness: Double {
        guard let first = fullIntervals.first, let last = fullIntervals.last else { return 0 }
        return SDKBench.ratio(last.workflowsPerSecond, first.workflowsPerSecond)
    }

    /// The slowest full interval's workflows/s over the fastest's.
    var flatnessMinMax: Double {
        let rates = fullIntervals.map(\.workflowsPerSecond)
        guard let low = rates.min(), let high = rates.max() else { return 0 }
        return SDKBench.ratio(low, high)
    }

    /// The heading of the rows `row` prints.
    static var rowHeading: String {
        cells([
            "workflows", "workflows/s", "events/s", "CPU/event", "RSS", "file", "live", "open", "closed", "removed",
            "dead streams", "sealed", "compacted",
        ])
    }

    /// Returns the row of the interval from `start` to `end`.
    static func row(_ start: SoakBench.Snapshot, _ end: SoakBench.Snapshot) -> String {
        let interval = Interval(start: start, end: end)
        return cells([
            BenchFormat.grouped(end.workflowsDone), BenchFormat.rate(interval.workflowsPerSecond),
            BenchFormat.rate(interval.eventsPerSecond), String(format: "%.1f µs", interval.cpuMicrosecondsPerEvent),
            BenchFormat.bytes(end.residentBytes), BenchFormat.bytes(end.fileBytes), BenchFormat.bytes(end.liveBytes),
            BenchFormat.grouped(end.openRuns), BenchFormat.grouped(end.closedRuns),
            BenchFormat.grouped(end.removedRuns), BenchFormat.grouped(end.deadStreams),
            BenchFormat.grouped(Int(end.segmentsSealed)), BenchFormat.grouped(Int(end.segmentsCompacted)),
        ])
    }

    private static func cells(_ values: [String]) -> String {
        "  " + values.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined()
    }

    var json: BenchJSON {
        var object = BenchJSON()
        object.set("machine", BenchMachine.json())
        object.set("workflows", workflows)
        object.set("events", events)
        object.set("events_per_workflow", SoakBench.eventsPerWorkflow(timerMilliseconds: command.timerMs))
        object.set("retention_s", command.retention, decimals: 3)
        object.set("concurrency", command.concurrency)
        object.set("timer_ms", command.timerMs)
        object.set("workers", command.workers)
        object.set("cache_size", command.cacheSize)
        object.set("partitions", command.partitions)
        object.set("segment_mib", command.segmentMib)
        object.set("durability", command.durability.rawValue)
        object.set("report_every", command.reportEvery)
        object.set("elapsed_s", elapsed.seconds, decimals: 3)
        object.set("workflows_per_s", SDKBench.rate(workflows, elapsed), decimals: 1)
        object.set("events_per_s", SDKBench.rate(events, elapsed), decimals: 0)
        object.set("max_rss_bytes", maxResidentBytes)
        object.set("max_file_bytes", maxFileBytes)
        object.set("final_file_bytes", snapshots.last?.fileBytes ?? 0)
        object.set("final_live_bytes", snapshots.last?.liveBytes ?? 0)
        object.set("removed_runs", snapshots.last?.removedRuns ?? 0)
        object.set("flatness", flatness, decimals: 3)
        object.set("flatness_min_max", flatnessMinMax, decimals: 3)
        object.set("intervals", .array(intervals.map { .object(Self.json($0)) }))
        return object
    }

    private static func json(_ interval: Interval) -> BenchJSON {
        let end = interval.end
        var object = BenchJSON()
        object.set("workflows_done", end.workflowsDone)
        object.set("workflows", interval.workflows)
        object.set("events", interval.events)
        object.set("elapsed_s", interval.elapsed.seconds, decimals: 3)
        object.set("workflows_per_s", interval.workflowsPerSecond, decimals: 1)
        object.set("events_per_s", interval.eventsPerSecond, decimals: 0)
        object.set("cpu_us_per_event", interval.cpuMicrosecondsPerEvent, decimals: 2)
        object.set("rss_bytes", end.residentBytes)
        object.set("file_bytes", end.fileBytes)
        object.set("block_bytes", end.blockBytes)
        object.set("live_bytes", end.liveBytes)
        object.set("live_records", end.liveRecords)
        object.set("total_records", end.totalRecords)
        object.set("open_runs", end.openRuns)
        object.set("closed_runs", end.closedRuns)
        object.set("removed_runs", end.removedRuns)
        object.set("dead_streams", end.deadStreams)
        object.set("segments_sealed", end.segmentsSealed)
        object.set("segments_compacted", end.segmentsCompacted)
        object.set("slots_freed", end.slotsFreed)
        object.set("checkpoints", end.checkpoints)
        return object
    }

    /// What the table ends with, after the rows printed as the run went: the whole run and the curve's flatness.
    var summary: String {
        var lines = [""]
        func line(_ label: String, _ value: String) {
            lines.append("  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + value)
        }
        lines.append(
            "keel bench soak: \(BenchFormat.grouped(workflows)) workflows, \(BenchFormat.grouped(events)) events in "
                + String(format: "%.1f s", elapsed.seconds) + "; " + BenchMachine.summary())
        line(
            "rate",
            "\(BenchFormat.rate(SDKBench.rate(workflows, elapsed))) workflows/s, "
                + "\(BenchFormat.rate(SDKBench.rate(events, elapsed))) events/s")
        line(
            "flatness",
            String(format: "last / first interval %.2fx, slowest / fastest %.2fx", flatness, flatnessMinMax))
        line("peak memory", BenchFormat.bytes(maxResidentBytes))
        line(
            "data file",
            "largest \(BenchFormat.bytes(maxFileBytes)), at the end \(BenchFormat.bytes(snapshots.last?.fileBytes ?? 0)) "
                + "(\(BenchFormat.bytes(snapshots.last?.liveBytes ?? 0)) live)")
        line(
            "retention",
            "\(BenchFormat.grouped(snapshots.last?.removedRuns ?? 0)) closed runs removed, "
                + "\(BenchFormat.grouped(snapshots.last?.closedRuns ?? 0)) still kept")
        return lines.joined(separator: "\n")
    }
}
