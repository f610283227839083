import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Keel's throughput and latency.",
        discussion: "With no subcommand, runs every suite (`keel bench all`).",
        subcommands: [
            BenchAllCommand.self, BenchLogCommand.self, BenchTimersCommand.self, BenchDispatchCommand.self,
            BenchEngineCommand.self, BenchE2ECommand.self, BenchReplayCommand.self, BenchSoakCommand.self,
        ],
        defaultSubcommand: BenchAllCommand.self
    )
}
