import ArgumentParser
import Foundation
import KeelEngine

/// `keel bench dispatch`: tasks through the engine's task queues (offer, then a long-polling poller
/// takes it), with the same producers and pollers over a minimal mutex-and-continuation queue as a
/// baseline in the same run.
struct BenchDispatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Measure task-queue dispatch (offer to a long-polling poller), with a minimal queue as baseline.",
        discussion: """
            P pollers (Swift tasks) long-poll Q task queues while producers (Swift tasks) offer N tasks: a \
            task goes straight to a waiting poller or into the queue's backlog. Each task carries the time \
            it was offered, so every hand-off latency is measured. The same tasks then go through the \
            backlog alone (every task offered before the pollers start, then drained). Both runs are \
            repeated over a baseline queue: a FIFO array and waiting continuations behind one mutex, with \
            no fairness lanes and no poll timeouts. Ratios compare the two in the same run.
            """
    )

    /// Most tasks in one run (each keeps one latency in memory).
    static let tasksMax = 50_000_000
    /// Most pollers and producers.
    static let pollersMax = 10_000
    static let queuesMax = 1_000
    static let producersMax = 1_000

    @Option(help: "Tasks to dispatch in each run.") var tasks = 500_000
    @Option(help: "Long-polling pollers (Swift tasks), spread evenly over the queues.") var pollers = 64
    @Option(help: "Task queues.") var queues = 4
    @Option(help: "Producers (Swift tasks) offering the tasks.") var producers = 2
    @Option(help: "Offers a producer makes before it yields to other tasks.") var burst = 64
    @Option(help: "Seconds one long poll waits before it returns empty and polls again.") var pollTimeout = 60.0
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        try checkOption("--tasks", tasks, in: 1...Self.tasksMax)
        try checkOption("--queues", queues, in: 1...Self.queuesMax)
        try checkOption(
            (queues...Self.pollersMax).contains(pollers),
            "--pollers must be \(queues)...\(Self.pollersMax) (at least one per queue), found \(pollers)")
        try checkOption("--producers", producers, in: 1...Self.producersMax)
        try checkOption("--burst", burst, in: 1...1_000_000)
        try checkOption(
            pollTimeout > 0 && pollTimeout <= 3_600,
            "--poll-timeout must be above 0 and at most 3600, found \(pollTimeout)")
    }

    var options: DispatchBenchmark.Options {
        DispatchBenchmark.Options(
            tasks: tasks, pollers: pollers, queues: queues, producers: producers, producerBurst: burst,
            pollTimeout: .milliseconds(Int64(pollTimeout * 1000)))
    }

    func run() throws {
        let report = try measure()
        print(json ? report.json.text : report.table)
    }

    /// Runs every phase and returns the results; progress goes to standard error.
    ///
    /// - Throws: `BenchError` when a run takes fewer tasks than were offered.
    func measure() throws -> BenchDispatchReport {
        let bar = BenchBar(command: "dispatch", isQuiet: false)
        let options = self.options
        // Backlog runs first: a hand-off run through matching leaves one sleeping timeout task per
        // poll that waited, and they would weigh on every run after it.
        var results: [DispatchKey: DispatchBenchmark.Result] = [:]
        for mode in [DispatchBenchmark.Mode.backlog, .handOff] {
            for subject in [DispatchBenchmark.Subject.baseline, .matching] {
                let label = "\(subject.rawValue) \(mode == .backlog ? "backlog" : "hand-off")"
                bar.phase(
                    "\(label): \(BenchFormat.grouped(tasks)) tasks, \(pollers) pollers, \(queues) queues, "
                        + "\(producers) producers")
                let result = try BlockingAsync.run {
                    await DispatchBenchmark.run(subject, mode: mode, options: options) { progress in
                        bar.update("\(label) \(progress.stage)", done: progress.done, of: progress.total, unit: "tasks")
                    }
                }
                bar.finishLine()
                guard result.tasks == tasks else {
                    throw BenchError("dispatch", "\(label): expected \(tasks) tasks taken, found \(result.tasks)")
                }
                results[DispatchKey(subject: subject, mode: mode)] = result
            }
        }
        return BenchDispatchReport(command: self, results: results, maxResidentBytes: Self.maxResidentBytes())
    }

    /// The process's peak resident memory, from `getrusage` (kilobytes on Linux).
    static func maxResidentBytes() -> UInt64 {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return UInt64(max(0, usage.ru_maxrss)) * 1024
    }
}

/// One run of `keel bench dispatch`: a queue and a mode.
struct DispatchKey: Hashable {
    var subject: DispatchBenchmark.Subject
    var mode: DispatchBenchmark.Mode
}

/// The results of `keel bench dispatch` as one JSON object or a table.
struct BenchDispatchReport {
    let command: BenchDispatchCommand
    let results: [DispatchKey: DispatchBenchmark.Result]
    let maxResidentBytes: UInt64

    private func result(_ subject: DispatchBenchmark.Subject, _ mode: DispatchBenchmark.Mode)
        -> DispatchBenchmark.Result
    {
        guard let result = results[DispatchKey(subject: subject, mode: mode)] else {
            preconditionFailure("the \(subject) \(mode) run is missing")
        }
        return result
    }

    private static func ratio(_ value: Double, _ baseline: Double) -> Double { baseline > 0 ? value / baseline : 0 }

    var json: BenchJSON {
        var object = BenchJSON()
        object.set("tasks", command.tasks)
        object.set("pollers", command.pollers)
        object.set("queues", command.queues)
        object.set("producers", command.producers)
        object.set("burst", command.burst)
        object.set("poll_timeout_s", command.pollTimeout, decimals: 1)
        let matching = result(.matching, .handOff)
        let baseline = result(.baseline, .handOff)
        let matchingLatency = LatencySummary(nanoseconds: matching.latencyNanoseconds)
        let baselineLatency = LatencySummary(nanoseconds: baseline.latencyNanoseconds)
        object.set("elapsed_s", matching.elapsed.seconds, decimals: 3)
        object.set("dispatches_per_s", matching.dispatchesPerSecond, decimals: 0)
        object.set("handoff_p50_us", matchingLatency.p50.microseconds)
        object.set("handoff_p99_us", matchingLatency.p99.microseconds)
        object.set("handoff_max_us", matchingLatency.max.microseconds)
        object.set("backlog_max", matching.backlogMax)
        object.set("backlog_mean", matching.backlogMean, decimals: 1)
        object.set("empty_backlog_fraction", matching.emptyBacklogFraction, decimals: 3)
        object.set("baseline_dispatches_per_s", baseline.dispatchesPerSecond, decimals: 0)
        object.set("baseline_handoff_p50_us", baselineLatency.p50.microseconds)
        object.set("baseline_handoff_p99_us", baselineLatency.p99.microseconds)
        object.set("baseline_backlog_max", baseline.backlogMax)
        object.set(
            "ratio_vs_baseline", Self.ratio(matching.dispatchesPerSecond, baseline.dispatchesPerSecond), decimals: 3)
        object.set("cpu_ns_per_dispatch", matching.cpuNanosecondsPerTask, decimals: 0)
        object.set("baseline_cpu_ns_per_dispatch", baseline.cpuNanosecondsPerTask, decimals: 0)
        object.set(
            "cpu_per_dispatch_vs_baseline", Self.ratio(matching.cpuNanosecondsPerTask, baseline.cpuNanosecondsPerTask),
            decimals: 2)
        let matchingBacklog = result(.matching, .backlog)
        let baselineBacklog = result(.baseline, .backlog)
        object.set("backlog_offers_per_s", matchingBacklog.offersPerSecond, decimals: 0)
        object.set("backlog_drain_per_s", matchingBacklog.dispatchesPerSecond, decimals: 0)
        object.set("baseline_backlog_offers_per_s", baselineBacklog.offersPerSecond, decimals: 0)
        object.set("baseline_backlog_drain_per_s", baselineBacklog.dispatchesPerSecond, decimals: 0)
        object.set(
            "backlog_offer_ratio_vs_baseline",
            Self.ratio(matchingBacklog.offersPerSecond, baselineBacklog.offersPerSecond), decimals: 3)
        object.set(
            "backlog_drain_ratio_vs_baseline",
            Self.ratio(matchingBacklog.dispatchesPerSecond, baselineBacklog.dispatchesPerSecond), decimals: 3)
        object.set("backlog_offer_cpu_ns", matchingBacklog.offerCPUNanosecondsPerTask, decimals: 0)
        object.set("backlog_drain_cpu_ns", matchingBacklog.cpuNanosecondsPerTask, decimals: 0)
        object.set("baseline_backlog_offer_cpu_ns", baselineBacklog.offerCPUNanosecondsPerTask, decimals: 0)
        object.set("baseline_backlog_drain_cpu_ns", baselineBacklog.cpuNanosecondsPerTask, decimals: 0)
        object.set("max_rss_mib", Double(maxResidentBytes) / Double(1 << 20), decimals: 1)
        return object
    }

    var table: String {
        var lines: [String] = []
        func line(_ label: String, _ values: [String]) {
            lines.append(
                "  " + label.padding(toLength: 22, withPad: " ", startingAt: 0)
                    + values.map { $0.padding(toLength: 18, withPad: " ", startingAt: 0) }.joined())
        }
        lines.append(
            "keel bench dispatch: \(BenchFormat.grouped(command.tasks)) tasks, \(command.pollers) pollers, "
                + "\(command.queues) queues, \(command.producers) producers, poll timeout \(command.pollTimeout) s")
        lines.append("")
        line("", ["matching", "baseline", "ratio"])
        let matching = result(.matching, .handOff)
        let baseline = result(.baseline, .handOff)
        let matchingLatency = LatencySummary(nanoseconds: matching.latencyNanoseconds)
        let baselineLatency = LatencySummary(nanoseconds: baseline.latencyNanoseconds)
        func rates(_ label: String, _ value: Double, _ base: Double, unit: String) {
            line(
                label,
                [
                    BenchFormat.rate(value) + " " + unit, BenchFormat.rate(base) + " " + unit,
                    String(format: "%.2fx", Self.ratio(value, base)),
                ])
        }
        func cpu(_ label: String, _ value: Double, _ base: Double) {
            line(
                label,
                [
                    String(format: "%.0f ns", value), String(format: "%.0f ns", base),
                    String(format: "%.2fx", Self.ratio(value, base)),
                ])
        }
        rates("hand-off", matching.dispatchesPerSecond, baseline.dispatchesPerSecond, unit: "tasks/s")
        cpu("  CPU per task", matching.cpuNanosecondsPerTask, baseline.cpuNanosecondsPerTask)
        line("  latency p50", [BenchFormat.latency(matchingLatency.p50), BenchFormat.latency(baselineLatency.p50)])
        line("  latency p99", [BenchFormat.latency(matchingLatency.p99), BenchFormat.latency(baselineLatency.p99)])
        line("  latency max", [BenchFormat.latency(matchingLatency.max), BenchFormat.latency(baselineLatency.max)])
        line(
            "  backlog mean / max",
            [
                String(format: "%.0f / ", matching.backlogMean) + BenchFormat.grouped(matching.backlogMax),
                String(format: "%.0f / ", baseline.backlogMean) + BenchFormat.grouped(baseline.backlogMax),
            ])
        let matchingBacklog = result(.matching, .backlog)
        let baselineBacklog = result(.baseline, .backlog)
        rates(
            "backlog: offer", matchingBacklog.offersPerSecond, baselineBacklog.offersPerSecond, unit: "tasks/s")
        cpu("  CPU per task", matchingBacklog.offerCPUNanosecondsPerTask, baselineBacklog.offerCPUNanosecondsPerTask)
        rates(
            "backlog: drain", matchingBacklog.dispatchesPerSecond, baselineBacklog.dispatchesPerSecond,
            unit: "tasks/s")
        cpu("  CPU per task", matchingBacklog.cpuNanosecondsPerTask, baselineBacklog.cpuNanosecondsPerTask)
        lines.append("")
        lines.append("  peak memory           " + BenchFormat.bytes(maxResidentBytes))
        return lines.joined(separator: "\n")
    }
}
