import ArgumentParser

@main
struct Keel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keel",
        abstract: "Keel: durable execution in one binary and one data file.",
        subcommands: [
            DemoCommand.self, ExampleCommand.self, LogCommand.self, BenchCommand.self, AppendChildCommand.self,
            TortureCommand.self,
        ]
    )
}
