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
            """
    )

    /// When the data file acknowledges a commit.
    enum DurabilityChoice: String, ExpressibleByArgument, CaseIterable {
        /// After `fdatasync`.
        case fsync
        /// After the write; synced every 10 ms.
        case relaxed
    }

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
    /// Most history events in one run (the engine keeps every run's state in memory).
    static let eventsMax = 20_000_000

    @Option(help: "Workflows to run to completion.") var workflows = 2_000
    @Option(help: "Workflows started at once: clients that each start one and wait for its result.")
    var concurrency = 64
    @Option(help: "Activities each workflow runs in sequence.") var activities = 2
    @Option(help: "Workers on the task queue, each with its own sticky queue and cache.") var workers = 1
    @Option(help: "Workflow-task pollers per worker (WorkerOptions.maxConcurrentWorkflowTasks).")
    var maxConcurrentWorkflowTasks = 2
    @Option(help: "Activity pollers per worker (WorkerOptions.maxConcurrentActivities).")
    var maxConcurrentActivities = 8
    @Option(help: "Runs each worker keeps in memory; 0 replays the whole history on every workflow task.")
    var cacheSize = 1_000
    @Flag(help: "Also run everything with --cache-size 0 and compare.") var compareCache = false
    @Option(help: "Engine partitions.") var partitions = 4
    @Option(help: "When a commit is acknowledged.") var durability = DurabilityChoice.fsync
    @Option(help: "The baseline to run before the SDK.") var baseline = BaselineChoice.engine
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw ValidationError(message()) }
        }
        try check(
            (1...Self.workflowsMax).contains(workflows),
            "--workflows must be 1...\(Self.workflowsMax), found \(workflows)")
        try check(
            (1...Self.concurrencyMax).contains(concurrency),
            "--concurrency must be 1...\(Self.concurrencyMax), found \(concurrency)")
        try check(
            (0...Self.activitiesMax).contains(activities),
            "--activities must be 0...\(Self.activitiesMax), found \(activities)")
        try check((1...Self.workersMax).contains(workers), "--workers must be 1...\(Self.workersMax), found \(workers)")
        try check(
            (1...Self.pollersMax).contains(maxConcurrentWorkflowTasks),
            "--max-concurrent-workflow-tasks must be 1...\(Self.pollersMax), found \(maxConcurrentWorkflowTasks)")
        try check(
            (1...Self.pollersMax).contains(maxConcurrentActivities),
            "--max-concurrent-activities must be 1...\(Self.pollersMax), found \(maxConcurrentActivities)")
        try check(
            (0...Self.cacheSizeMax).contains(cacheSize),
            "--cache-size must be 0...\(Self.cacheSizeMax), found \(cacheSize)")
        try check(
            !compareCache || cacheSize > 0,
            "--compare-cache compares --cache-size with 0, so --cache-size must be above 0, found \(cacheSize)")
        try check((1...256).contains(partitions), "--partitions must be 1...256, found \(partitions)")
        let events = workflows * SDKBench.Steps(activities: activities, timers: 0).eventsPerWorkflow
        try check(
            events <= Self.eventsMax,
            "\(BenchFormat.grouped(workflows)) workflows of \(activities) activities write "
                + "\(BenchFormat.grouped(events)) events; at most \(BenchFormat.grouped(Self.eventsMax)) are allowed")
    }

    /// The options of one pair of runs with `cacheSize`.
    func options(cacheSize: Int) -> SDKBench.E2EOptions {
        SDKBench.E2EOptions(
            workflows: workflows, concurrency: concurrency, activities: activities, workers: workers,
            workflowTaskPollers: maxConcurrentWorkflowTasks, activityPollers: maxConcurrentActivities,
            cacheSize: cacheSize,
            engine: SDKBench.engineOptions(partitions: partitions, isDurable: durability == .fsync))
    }

    func run() throws {
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
            let path = directory + "/sdk-\(size).keel"
            let sdk = try BlockingAsync.run {
                try await SDKBench.runSDK(path: path, options: options) { done in
                    bar.update("SDK", done: done, of: total, unit: "workflows")
                }
            }
            bar.finishLine()
            try check(sdk, "sdk")
            try? FileManager.default.removeItem(atPath: path)
            pairs.append(BenchE2EReport.Pair(cacheSize: size, sdk: sdk, engine: engine))
        }
        let report = BenchE2EReport(
            command: self, pairs: pairs, maxResidentBytes: BenchDispatchCommand.maxResidentBytes())
        print(json ? report.json.text : report.table)
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
    let maxResidentBytes: UInt64

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
        object.set("events_per_workflow", SDKBench.Steps(activities: command.activities, timers: 0).eventsPerWorkflow)
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
        lines.append(
            "keel bench e2e: \(BenchFormat.grouped(command.workflows)) workflows of \(command.activities) activities "
                + "(\(SDKBench.Steps(activities: command.activities, timers: 0).eventsPerWorkflow) events each), "
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
        lines.append("")
        line("peak memory", [BenchFormat.bytes(maxResidentBytes)])
        return lines.joined(separator: "\n")
    }
}
