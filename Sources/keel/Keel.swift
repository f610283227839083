import ArgumentParser
import KeelLog

@main
struct Keel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keel", abstract: "Keel durable execution engine.")
}
