import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Keel's throughput and latency.",
        subcommands: [
            BenchLogCommand.self, BenchTimersCommand.self, BenchDispatchCommand.self, BenchEngineCommand.self,
            BenchE2ECommand.self, BenchReplayCommand.self,
        ]
    )
}
