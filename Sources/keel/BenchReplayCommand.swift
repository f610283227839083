import ArgumentParser
import Foundation
import KeelEngine

/// `keel bench replay`: `WorkflowReplayer.replay` over long recorded histories, with decoding the
/// same events and reading them back from the data file as baselines in the same run.
struct BenchReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Measure history events per second replayed through workflow code, with event decoding as baseline.",
        discussion: """
            Records H histories of about --events events each, once, by running a workflow of K activities \
            (six events each) or K timers (five events each) in sequence in a test environment (a temporary \
            data file and a clock that jumps to each timer). Then times WorkflowReplayer.replay over every \
            history R times (after one untimed pass): the workflow code runs again and every command it issues \
            is matched against the history. Baselines in the same run: EventCodec.decode of the same events' \
            encodings R times (the cost of turning stored bytes into events, with no workflow code), and \
            Engine.history reading each history back from the data file R times (log read and decode). \
            ratio_vs_decode is replay's events/s over decoding's.
            """
    )

    /// Longest history: the engine's limit on one run's history.
    static var eventsMax: Int { SDKBench.historyEventsMax }
    static let historiesMax = 1_000
    static let repetitionsMax = 100_000
    /// Most events replayed in one timed phase, so a run ends in reasonable time.
    static let replayedEventsMax = 2_000_000_000

    @Option(help: "Events in each history (rounded down to whole steps).") var events = 10_000
    @Option(help: "What the workflow does in sequence.") var kind = SDKBench.ReplayKind.activities
    @Option(help: "Histories to record (one workflow each).") var histories = 1
    @Option(help: "Times each history is replayed (and decoded, and read).") var repetitions = 20
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    var steps: SDKBench.Steps { kind.steps(events: events) }

    func validate() throws {
        try checkOption(
            (11...Self.eventsMax).contains(events),
            "--events must be 11...\(Self.eventsMax) (one step to the engine's history limit), found \(events)")
        try checkOption("--histories", histories, in: 1...Self.historiesMax)
        try checkOption("--repetitions", repetitions, in: 1...Self.repetitionsMax)
        let replayed = steps.eventsPerWorkflow * histories * repetitions
        try checkOption(
            replayed <= Self.replayedEventsMax,
            "\(histories) histories of \(steps.eventsPerWorkflow) events replayed \(repetitions) times are "
                + "\(BenchFormat.grouped(replayed)) events; at most \(BenchFormat.grouped(Self.replayedEventsMax)) "
                + "are allowed")
    }

    func run() throws {
        let report = try measure()
        print(json ? report.json.text : report.table)
    }

    /// Records the histories, times replay and its baselines, and returns the results; progress goes
    /// to standard error.
    ///
    /// - Throws: `BenchError` or the SDK's errors when recording or replaying fails.
    func measure() throws -> BenchReplayReport {
        let bar = BenchBar(command: "replay", isQuiet: false)
        let steps = self.steps
        let count = histories
        let repetitions = self.repetitions
        bar.phase(
            "recording \(count) " + (count == 1 ? "history" : "histories")
                + " of \(BenchFormat.grouped(steps.eventsPerWorkflow)) events "
                + "(\(BenchFormat.grouped(max(steps.activities, steps.timers))) \(kind.rawValue))")
        let recorded = try BlockingAsync.run {
            try await SDKBench.recordHistories(steps: steps, count: count, repetitions: repetitions)
        }
        let total = recorded.events * repetitions
        bar.phase("replaying \(BenchFormat.grouped(total)) events")
        let histories = recorded.histories
        let replay = try BlockingAsync.run { try await SDKBench.timeReplay(histories, repetitions: repetitions) }
        bar.phase("decoding \(BenchFormat.grouped(total)) events")
        let decode = try SDKBench.timeDecode(histories, repetitions: repetitions)
        return BenchReplayReport(
            command: self, recorded: recorded, replay: replay, decode: decode.timing, encodedBytes: decode.bytes,
            maxResidentBytes: BenchDispatchCommand.maxResidentBytes())
    }
}

/// The results of `keel bench replay` as one JSON object or a table.
struct BenchReplayReport {
    let command: BenchReplayCommand
    let recorded: SDKBench.RecordedHistories
    let replay: SDKBench.Timing
    let decode: SDKBench.Timing
    /// Bytes of the encoded events of all histories (one copy).
    let encodedBytes: Int
    let maxResidentBytes: UInt64

    var json: BenchJSON {
        var object = BenchJSON()
        let steps = command.steps
        object.set("kind", command.kind.rawValue)
        object.set("steps", max(steps.activities, steps.timers))
        object.set("events_per_history", recorded.histories.first?.count ?? 0)
        object.set("histories", recorded.histories.count)
        object.set("repetitions", command.repetitions)
        object.set("encoded_bytes_per_event", Double(encodedBytes) / Double(max(1, recorded.events)), decimals: 1)
        object.set("record_s", recorded.buildTime.seconds, decimals: 3)
        object.set("replayed_events", replay.events)
        object.set("replay_elapsed_s", replay.elapsed.seconds, decimals: 6)
        object.set("replay_events_per_s", replay.eventsPerSecond, decimals: 0)
        object.set("replay_ns_per_event", replay.nanosecondsPerEvent, decimals: 1)
        object.set("replay_cpu_ns_per_event", replay.cpuNanosecondsPerEvent, decimals: 1)
        object.set("decoded_events", decode.events)
        object.set("decode_elapsed_s", decode.elapsed.seconds, decimals: 6)
        object.set("decode_events_per_s", decode.eventsPerSecond, decimals: 0)
        object.set("decode_ns_per_event", decode.nanosecondsPerEvent, decimals: 1)
        object.set("read_events", recorded.read.events)
        object.set("read_elapsed_s", recorded.read.elapsed.seconds, decimals: 6)
        object.set("read_events_per_s", recorded.read.eventsPerSecond, decimals: 0)
        object.set("read_ns_per_event", recorded.read.nanosecondsPerEvent, decimals: 1)
        object.set("ratio_vs_decode", SDKBench.ratio(replay.eventsPerSecond, decode.eventsPerSecond), decimals: 3)
        object.set("ratio_vs_read", SDKBench.ratio(replay.eventsPerSecond, recorded.read.eventsPerSecond), decimals: 3)
        object.set("max_rss_mib", Double(maxResidentBytes) / Double(1 << 20), decimals: 1)
        return object
    }

    var table: String {
        var lines: [String] = []
        func line(_ label: String, _ values: [String]) {
            lines.append(
                "  " + label.padding(toLength: 26, withPad: " ", startingAt: 0)
                    + values.enumerated().map { index, value in
                        // The last column is free text; padding would cut it.
                        index == values.count - 1 ? value : value.padding(toLength: 18, withPad: " ", startingAt: 0)
                    }.joined())
        }
        let steps = command.steps
        let length = recorded.histories.first?.count ?? 0
        lines.append(
            "keel bench replay: \(recorded.histories.count) "
                + (recorded.histories.count == 1 ? "history" : "histories")
                + " of \(BenchFormat.grouped(length)) events "
                + "(\(BenchFormat.grouped(max(steps.activities, steps.timers))) \(command.kind.rawValue) in sequence), "
                + "each replayed \(command.repetitions) times; recorded in "
                + String(format: "%.2f s", recorded.buildTime.seconds))
        lines.append("")
        line("", ["events/s", "ns per event", "CPU ns per event", "replay / this"])
        func row(_ label: String, _ timing: SDKBench.Timing) {
            line(
                label,
                [
                    BenchFormat.rate(timing.eventsPerSecond), String(format: "%.0f", timing.nanosecondsPerEvent),
                    String(format: "%.0f", timing.cpuNanosecondsPerEvent),
                    String(format: "%.3fx", SDKBench.ratio(replay.eventsPerSecond, timing.eventsPerSecond)),
                ])
        }
        row("WorkflowReplayer.replay", replay)
        row("EventCodec.decode", decode)
        row("Engine.history (read)", recorded.read)
        lines.append("")
        line(
            "encoded event",
            [String(format: "%.1f bytes on average", Double(encodedBytes) / Double(max(1, recorded.events)))])
        line("peak memory", [BenchFormat.bytes(maxResidentBytes)])
        return lines.joined(separator: "\n")
    }
}

extension SDKBench.ReplayKind: ExpressibleByArgument {}
