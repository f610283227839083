import ArgumentParser
import Foundation
import KeelEngine

/// `keel bench e2e`: whole workflows through the embedded SDK (runtime, workers, client) on a real
/// data file, with the same workflows driven at the engine's worker API as the baseline in the same run.
struct BenchE2ECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Measure workflows per second through the SDK, with the engine's worker API as baseline.",
        discussion: """
            A KeelRuntime opens a new data file in a temporary directory and W workers serve one task queue; \
            C clients (Swift tasks) each start a workflow with KeelClient.startWorkflow, wait for its result \
            and start the next, until N workflows have completed. Each workflow runs K trivial activities in \
            sequence, writing 5 + 6K history events. Every commit is durable (fdatasync) unless --durability \
            relaxed. The baseline runs the same workflows, with the same payloads, clients, pollers and sticky \
            queues, at the engine's worker API (poll, complete, awaitClose) without running workflow code, \
            on a data file of its own: ratio_vs_engine is the SDK's events/s over the baseline's, and \
            cpu_per_event_vs_engine compares CPU time per event. --compare-cache repeats both with \
            --cache-size 0, where every workflow task replays the run's whole history (and the baseline asks \
            for no sticky queue).

            For comparisons with other engines: --timers adds 1-second timers after the activities, \
            --activity-ms makes each activity wait, --warmup runs workflows before the timing starts, and \
            --result-lines prints one `RESULT {...}` JSON line per figure instead of the table. \
            --crash-after N starts every workflow first and kills the process (SIGKILL) after N results, \
            leaving the data file at --data-path; --recover then opens that file and times the restart \
            until every workflow is done.
            """
    )

    /// Whether the engine-level baseline runs.
    enum BaselineChoice: String, ExpressibleByArgument, CaseIterable {
        case engine, none
    }

    static let workflowsMax = 1_000_000
    static let concurrencyMax = 10_000
    static let activitiesMax = 1_000
    static let workersMax = 64
    static let pollersMax = 1_000
    static let cacheSizeMax = 1_000_000
    static let timersMax = 100
    static let activityMillisecondsMax = 60_000
    /// Most history events in one run (the engine keeps every run's state in memory).
    static let eventsMax = 20_000_000

    @Option(help: "Workflows to run to completion.") var workflows = 2_000
    @Option(help: "Workflows started at once: clients that each start one and wait for its result.")
    var concurrency = 64
    @Option(help: "Activities each workflow runs in sequence.") var activities = 2
    @Option(help: "Workers on the task queue, each with its own sticky queue and cache.") var workers = 1
    @Option(help: "Workflow-task pollers per worker (WorkerOptions.maxConcurrentWorkflowTasks).")
    var maxConcurrentWorkflowTasks = 16
    @Option(help: "Activity pollers per worker (WorkerOptions.maxConcurrentActivities).")
    var maxConcurrentActivities = 64
    @Option(help: "Runs each worker keeps in memory; 0 replays the whole history on every workflow task.")
    var cacheSize = 1_000
    @Flag(help: "Also run everything with --cache-size 0 and compare.") var compareCache = false
    @Option(help: "Engine partitions.") var partitions = 4
    @Option(help: "When a commit is acknowledged.") var durability = DurabilityChoice.fsync
    @Option(help: "The baseline to run before the SDK.") var baseline = BaselineChoice.engine
    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Option(
        help: "Timers of 1 second each workflow waits for in sequence, after its activities (needs --baseline none).")
    var timers = 0
    @Option(help: "Milliseconds each activity waits before it returns (needs --baseline none).")
    var activityMs = 0
    @Option(help: "Workflows run one at a time before the timing starts, not counted.") var warmup = 0
    @Flag(help: "Print one `RESULT {...}` JSON line per figure instead of a table (for comparison scripts).")
    var resultLines = false
    @Option(help: "The `case` of the RESULT lines (default: named after the options).") var resultCase: String?
    @Option(help: "The data file to use and keep, instead of one in a temporary directory.") var dataPath: String?
    @Option(help: "Start every workflow first, then kill the process (SIGKILL) after this many results.")
    var crashAfter: Int?
    @Flag(help: "Finish the workflows a --crash-after run left in --data-path and time the restart.")
    var recover = false

    func validate() throws {
        try checkOption("--workflows", workflows, in: 1...Self.workflowsMax)
        try checkOption("--concurrency", concurrency, in: 1...Self.concurrencyMax)
        try checkOption("--activities", activities, in: 0...Self.activitiesMax)
        try checkOption("--workers", workers, in: 1...Self.workersMax)
        try checkOption("--max-concurrent-workflow-tasks", maxConcurrentWorkflowTasks, in: 1...Self.pollersMax)
        try checkOption("--max-concurrent-activities", maxConcurrentActivities, in: 1...Self.pollersMax)
        try checkOption("--cache-size", cacheSize, in: 0...Self.cacheSizeMax)
        try checkOption(
            !compareCache || cacheSize > 0,
            "--compare-cache compares --cache-size with 0, so --cache-size must be above 0, found \(cacheSize)")
        try checkOption("--partitions", partitions, in: 1...256)
        try checkOption("--timers", timers, in: 0...Self.timersMax)
        try checkOption("--activity-ms", activityMs, in: 0...Self.activityMillisecondsMax)
        try checkOption("--warmup", warmup, in: 0...Self.workflowsMax)
        // The engine baseline answers activity tasks at once and issues no timers.
        try checkOption(
            baseline == .none || (timers == 0 && activityMs == 0),
            "--timers and --activity-ms need --baseline none, found --baseline \(baseline.rawValue)")
        try checkOption(!(json && resultLines), "--json and --result-lines print different things; pick one")
        try checkOption(!(crashAfter != nil && recover), "--crash-after and --recover are two separate runs; pick one")
        if let crashAfter {
            try checkOption(
                (1..<workflows).contains(crashAfter),
                "--crash-after must be 1...\(workflows - 1) (below --workflows), found \(crashAfter)")
        }
        if crashAfter != nil || recover {
            let name = recover ? "--recover" : "--crash-after"
            try checkOption(dataPath != nil, "\(name) needs --data-path, found none")
            try checkOption(baseline == .none, "\(name) needs --baseline none, found --baseline \(baseline.rawValue)")
            try checkOption(!compareCache, "\(name) runs one cache size; --compare-cache is not allowed")
            try checkOption(warmup == 0, "\(name) runs no warm-up, found --warmup \(warmup)")
        }
        if let dataPath {
            try checkOption(!compareCache, "--data-path holds one run; --compare-cache is not allowed")
            let exists = FileManager.default.fileExists(atPath: dataPath)
            try checkOption(
                exists == recover,
                recover
                    ? "--recover needs the data file a --crash-after run left, found no file at \(dataPath)"
                    : "--data-path must name a file that does not exist yet, found one at \(dataPath)")
        }
        let events = workflows * SDKBench.Steps(activities: activities, timers: timers).eventsPerWorkflow
        try checkOption(
            events <= Self.eventsMax,
            "\(BenchFormat.grouped(workflows)) workflows of \(activities) activities write "
                + "\(BenchFormat.grouped(events)) events; at most \(BenchFormat.grouped(Self.eventsMax)) are allowed")
    }

    /// The options of one pair of runs with `cacheSize`.
    func options(cacheSize: Int) -> SDKBench.E2EOptions {
        var options = SDKBench.E2EOptions(
            workflows: workflows, concurrency: concurrency, activities: activities, workers: workers,
            workflowTaskPollers: maxConcurrentWorkflowTasks, activityPollers: maxConcurrentActivities,
            cacheSize: cacheSize,
            engine: SDKBench.engineOptions(partitions: partitions, isDurable: durability == .fsync))
        options.timers = timers
        options.activityDelay = .milliseconds(activityMs)
        options.warmupWorkflows = warmup
        if let crashAfter {
            options.crash = .kill(afterWorkflows: crashAfter)
        } else if recover {
            options.crash = .recover
        }
        return options
    }

    /// The `case` of the RESULT lines: given, or named after the shape, the concurrency and the durability.
    var resultCaseName: String {
        if let resultCase { return resultCase }
        var name = "keel-sdk/"
        if recover || crashAfter != nil {
            name += "recovery/c=\(concurrency)"
        } else {
            name += concurrency == 1 ? "seq" : "concurrent/c=\(concurrency)"
        }
        name += "/activities=\(activities)"
        if timers > 0 { name += "/timers=\(timers)" }
        if activityMs > 0 { name += "/activity-ms=\(activityMs)" }
        if durability == .relaxed { name += "/relaxed" }
        return name
    }

    func run() throws {
        let report = try measure()
        if resultLines {
            print(report.resultLines.joined(separator: "\n"))
        } else {
            print(json ? report.json.text : report.table)
        }
    }

    /// Runs the SDK and its baseline and returns the results; progress goes to standard error.
    ///
    /// - Throws: `BenchError` when a run falls short, or the engine's and the SDK's errors.
    func measure() throws -> BenchE2EReport {
        let commandStart = ContinuousClock.now
        let bar = BenchBar(command: "e2e", isQuiet: false)
        let directory = NSTemporaryDirectory() + "keel-bench-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cleanUp: @Sendable () -> Void = { try? FileManager.default.removeItem(atPath: directory) }
        defer { cleanUp() }
        let interruptions = BenchInterrupt.cleanUpOnInterrupt(command: "e2e", cleanUp)
        defer { interruptions.forEach { $0.cancel() } }

        var pairs: [BenchE2EReport.Pair] = []
        for size in compareCache ? [cacheSize, 0] : [cacheSize] {
            let options = self.options(cacheSize: size)
            let expected = options.steps.eventsPerWorkflow * workflows
            let total = workflows
            func check(_ result: SDKBench.E2EResult, _ label: String) throws {
                guard result.workflows == workflows, result.events >= expected else {
                    throw BenchError(
                        label,
                        "expected \(workflows) workflows and at least \(expected) events, found \(result.workflows) "
                            + "and \(result.events)")
                }
            }
            var engine: SDKBench.E2EResult? = nil
            if baseline == .engine {
                bar.phase(
                    "engine baseline: \(BenchFormat.grouped(workflows)) workflows of \(activities) activities, "
                        + "\(concurrency) at once" + (options.isSticky ? ", sticky" : ", no sticky queue"))
                let path = directory + "/engine-\(size).keel"
                let result = try BlockingAsync.run {
                    try await SDKBench.runEngine(path: path, options: options) { done in
                        bar.update("engine", done: done, of: total, unit: "workflows")
                    }
                }
                bar.finishLine()
                try check(result, "engine")
                engine = result
                try? FileManager.default.removeItem(atPath: path)
            }
            bar.phase(
                "SDK: \(BenchFormat.grouped(workflows)) workflows of \(activities) activities, \(concurrency) at once, "
                    + "cache size \(BenchFormat.grouped(size))")
            let path = dataPath ?? directory + "/sdk-\(size).keel"
            let sdk = try BlockingAsync.run {
                try await SDKBench.runSDK(path: path, options: options) { done in
                    bar.update("SDK", done: done, of: total, unit: "workflows")
                }
            }
            bar.finishLine()
            try check(sdk, "sdk")
            if dataPath == nil { try? FileManager.default.removeItem(atPath: path) }
            pairs.append(BenchE2EReport.Pair(cacheSize: size, sdk: sdk, engine: engine))
        }
        return BenchE2EReport(
            command: self, pairs: pairs, commandStart: commandStart,
            maxResidentBytes: BenchDispatchCommand.maxResidentBytes())
    }
}

/// The results of `keel bench e2e` as one JSON object or a table.
struct BenchE2EReport {
    /// The SDK run with one cache size and its baseline.
    struct Pair {
        var cacheSize: Int
        var sdk: SDKBench.E2EResult
        var engine: SDKBench.E2EResult?
    }

    let command: BenchE2ECommand
    /// The run with `--cache-size`, then with `--compare-cache` the run with cache size 0.
    let pairs: [Pair]
    /// When the command began: a `--recover` run's restart is timed from here.
    let commandStart: ContinuousClock.Instant
    let maxResidentBytes: UInt64

    /// With `--recover`: from the command's start to the runtime open with its workers, and to the last result.
    var recovery: (launched: Duration, allDone: Duration)? {
        guard command.recover, let sdk = pairs.first?.sdk else { return nil }
        return (commandStart.duration(to: sdk.openedAt), commandStart.duration(to: sdk.finishedAt))
    }

    var json: BenchJSON {
        var object = BenchJSON()
        object.set("workflows", command.workflows)
        object.set("concurrency", command.concurrency)
        object.set("activities_per_workflow", command.activities)
        object.set("workers", command.workers)
        object.set("max_concurrent_workflow_tasks", command.maxConcurrentWorkflowTasks)
        object.set("max_concurrent_activities", command.maxConcurrentActivities)
        object.set("cache_size", command.cacheSize)
        object.set("partitions", command.partitions)
        object.set("durability", command.durability.rawValue)
        object.set(
            "events_per_workflow",
            SDKBench.Steps(activities: command.activities, timers: command.timers).eventsPerWorkflow)
        if command.timers > 0 { object.set("timers_per_workflow", command.timers) }
        if command.activityMs > 0 { object.set("activity_ms", command.activityMs) }
        if command.warmup > 0 { object.set("warmup_workflows", command.warmup) }
        if let recovery {
            object.set("restart_to_launched_s", recovery.launched.seconds, decimals: 3)
            object.set("restart_to_all_done_s", recovery.allDone.seconds, decimals: 3)
        }
        for (index, pair) in pairs.enumerated() {
            // The first pair's keys have no prefix; the cache-size-0 comparison's start with "nocache_".
            let prefix = index == 0 ? "" : "nocache_"
            Self.add(pair.sdk, prefix: prefix, to: &object)
            if let engine = pair.engine {
                Self.add(engine, prefix: prefix + "engine_", to: &object)
                object.set(
                    prefix + "ratio_vs_engine", SDKBench.ratio(pair.sdk.eventsPerSecond, engine.eventsPerSecond),
                    decimals: 3)
                object.set(
                    prefix + "cpu_per_event_vs_engine",
                    SDKBench.ratio(pair.sdk.cpuMicrosecondsPerEvent, engine.cpuMicrosecondsPerEvent), decimals: 2)
            }
        }
        if pairs.count == 2 {
            object.set(
                "cache_speedup", SDKBench.ratio(pairs[0].sdk.eventsPerSecond, pairs[1].sdk.eventsPerSecond),
                decimals: 2)
            object.set(
                "nocache_cpu_per_event_vs_cache",
                SDKBench.ratio(pairs[1].sdk.cpuMicrosecondsPerEvent, pairs[0].sdk.cpuMicrosecondsPerEvent),
                decimals: 2)
        }
        object.set("max_rss_mib", Double(maxResidentBytes) / Double(1 << 20), decimals: 1)
        return object
    }

    private static func add(_ result: SDKBench.E2EResult, prefix: String, to object: inout BenchJSON) {
        let latency = LatencySummary(nanoseconds: result.resultLatencyNanoseconds)
        object.set(prefix + "completed", result.workflows)
        object.set(prefix + "events", result.events)
        object.set(prefix + "elapsed_s", result.elapsed.seconds, decimals: 3)
        object.set(prefix + "workflows_per_s", result.workflowsPerSecond, decimals: 0)
        object.set(prefix + "events_per_s", result.eventsPerSecond, decimals: 0)
        object.set(prefix + "cpu_us_per_event", result.cpuMicrosecondsPerEvent, decimals: 2)
        object.set(prefix + "result_p50_us", latency.p50.microseconds)
        object.set(prefix + "result_p99_us", latency.p99.microseconds)
        object.set(prefix + "result_max_us", latency.max.microseconds)
    }

    var table: String {
        var lines: [String] = []
        func line(_ label: String, _ values: [String]) {
            lines.append(
                "  " + label.padding(toLength: 22, withPad: " ", startingAt: 0)
                    + values.enumerated().map { index, value in
                        // The last column is free text; padding would cut it.
                        index == values.count - 1 ? value : value.padding(toLength: 18, withPad: " ", startingAt: 0)
                    }.joined())
        }
        let steps = SDKBench.Steps(activities: command.activities, timers: command.timers)
        lines.append(
            "keel bench e2e: \(BenchFormat.grouped(command.workflows)) workflows of \(command.activities) activities "
                + (command.timers > 0 ? "and \(command.timers) timers " : "")
                + "(\(steps.eventsPerWorkflow) events each), "
                + "\(command.concurrency) at once, \(command.partitions) partitions, \(command.durability.rawValue)")
        lines.append(
            "  \(command.workers) worker" + (command.workers == 1 ? "" : "s") + ", each polling with "
                + "\(command.maxConcurrentWorkflowTasks) workflow-task pollers (as many on its sticky queue) and "
                + "\(command.maxConcurrentActivities) activity pollers")
        for pair in pairs {
            lines.append("")
            lines.append(
                pair.cacheSize > 0
                    ? "Cache size \(BenchFormat.grouped(pair.cacheSize)): later workflow tasks come on the sticky queue"
                    : "Cache size 0: every workflow task replays the whole history (no sticky queue)")
            let sdk = pair.sdk
            let sdkLatency = LatencySummary(nanoseconds: sdk.resultLatencyNanoseconds)
            guard let engine = pair.engine else {
                line("", ["SDK"])
                line("workflows/s", [BenchFormat.rate(sdk.workflowsPerSecond)])
                line("events/s", [BenchFormat.rate(sdk.eventsPerSecond)])
                line("CPU per event", [String(format: "%.2f µs", sdk.cpuMicrosecondsPerEvent)])
                line("start to result p50", [BenchFormat.latency(sdkLatency.p50)])
                line("start to result p99", [BenchFormat.latency(sdkLatency.p99)])
                continue
            }
            let engineLatency = LatencySummary(nanoseconds: engine.resultLatencyNanoseconds)
            func compare(_ label: String, _ value: Double, _ base: Double, _ format: (Double) -> String) {
                line(label, [format(value), format(base), String(format: "%.2fx", SDKBench.ratio(value, base))])
            }
            line("", ["SDK", "engine API", "SDK / engine"])
            compare("workflows/s", sdk.workflowsPerSecond, engine.workflowsPerSecond, BenchFormat.rate)
            compare("events/s", sdk.eventsPerSecond, engine.eventsPerSecond, BenchFormat.rate)
            compare("CPU per event", sdk.cpuMicrosecondsPerEvent, engine.cpuMicrosecondsPerEvent) {
                String(format: "%.2f µs", $0)
            }
            compare("start to result p50", sdkLatency.p50.microseconds, engineLatency.p50.microseconds) {
                BenchFormat.latency(.nanoseconds(Int64($0 * 1_000)))
            }
            compare("start to result p99", sdkLatency.p99.microseconds, engineLatency.p99.microseconds) {
                BenchFormat.latency(.nanoseconds(Int64($0 * 1_000)))
            }
            line(
                "elapsed",
                [String(format: "%.3f s", sdk.elapsed.seconds), String(format: "%.3f s", engine.elapsed.seconds)])
        }
        if pairs.count == 2 {
            lines.append("")
            line(
                "cache / no cache",
                [
                    String(
                        format: "%.2fx the events/s, %.2fx the CPU per event",
                        SDKBench.ratio(pairs[0].sdk.eventsPerSecond, pairs[1].sdk.eventsPerSecond),
                        SDKBench.ratio(pairs[0].sdk.cpuMicrosecondsPerEvent, pairs[1].sdk.cpuMicrosecondsPerEvent))
                ])
        }
        if let recovery {
            lines.append("")
            line("restart to launched", [String(format: "%.3f s", recovery.launched.seconds)])
            line("restart to all done", [String(format: "%.3f s", recovery.allDone.seconds)])
        }
        lines.append("")
        line("peak memory", [BenchFormat.bytes(maxResidentBytes)])
        return lines.joined(separator: "\n")
    }
}

extension BenchE2EReport {
    /// One `RESULT {...}` line per figure, in the format of the peer-baseline scripts: `case`, `metric`,
    /// `value` and `unit`, then the run's shape. The engine baseline's lines name the engine API in their case.
    var resultLines: [String] {
        var lines: [String] = []
        let name = command.resultCaseName
        func emit(_ caseName: String, _ metric: String, _ value: Double, _ unit: String, decimals: Int) {
            var object = BenchJSON()
            object.set("case", caseName)
            object.set("metric", metric)
            object.set("value", value, decimals: decimals)
            object.set("unit", unit)
            object.set("workflows", command.workflows)
            object.set("concurrency", command.concurrency)
            object.set("activities_per_workflow", command.activities)
            object.set("timers_per_workflow", command.timers)
            object.set("durability", command.durability.rawValue)
            object.set("engine", "keel")
            lines.append("RESULT " + Self.singleLine(object))
        }
        func emitRun(_ caseName: String, _ result: SDKBench.E2EResult) {
            let latency = LatencySummary(nanoseconds: result.resultLatencyNanoseconds)
            if command.timers > 0 {
                // The peers time a timer workflow by its median wall time.
                emit(caseName, "workflow_wall_s", latency.p50.seconds, "s", decimals: 3)
            } else {
                emit(caseName, "workflows_per_s", result.workflowsPerSecond, "wf/s", decimals: 1)
                emit(
                    caseName, "steps_per_s", result.workflowsPerSecond * Double(command.activities), "step/s",
                    decimals: 1)
            }
            emit(caseName, "workflow_p50_ms", latency.p50.seconds * 1_000, "ms", decimals: 3)
            emit(caseName, "workflow_p99_ms", latency.p99.seconds * 1_000, "ms", decimals: 3)
            emit(caseName, "events_per_s", result.eventsPerSecond, "event/s", decimals: 0)
            emit(caseName, "cpu_us_per_event", result.cpuMicrosecondsPerEvent, "us", decimals: 2)
        }
        for (index, pair) in pairs.enumerated() {
            let suffix = index == 0 ? "" : "/nocache"
            if let recovery {
                emit(name, "restart_to_launched_s", recovery.launched.seconds, "s", decimals: 3)
                emit(name, "restart_to_all_done_s", recovery.allDone.seconds, "s", decimals: 3)
            } else {
                emitRun(name + suffix, pair.sdk)
            }
            if let engine = pair.engine {
                emitRun(name.replacingOccurrences(of: "keel-sdk/", with: "keel-engine-api/") + suffix, engine)
            }
        }
        return lines
    }

    /// Returns `object` on one line: its text puts one key per line and escapes line breaks inside strings.
    private static func singleLine(_ object: BenchJSON) -> String {
        let inner = object.text.split(separator: "\n").dropFirst().dropLast()
        return "{" + inner.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ") + "}"
    }
}
