import ArgumentParser
import Foundation
import Keel
import KeelEngine
import KeelExamples

/// `keel example <name>`: runs one of the SDK examples and prints what it did.
///
/// Examples run in a time-skipping test environment by default, so waits of days pass in
/// milliseconds; `--data` runs them on a real data file with the real clock instead.
struct ExampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Run one of the SDK examples (\(ExampleName.allCases.map(\.rawValue).joined(separator: ", ")))."
    )

    enum ExampleName: String, CaseIterable, ExpressibleByArgument {
        case moneyTransfer = "money-transfer"
        case onboarding
        case approval
        case orderFulfilment = "order-fulfilment"
        case entityCounter = "entity-counter"
    }

    @Argument(help: "The example to run.") var name: ExampleName

    @Option(help: "Run on this data file with the real clock (waits take their full time).")
    var data: String?

    func run() async throws {
        if let data {
            let runtime = try KeelRuntime.open(path: data)
            do {
                print(try await run(on: runtime))
            } catch {
                try? await runtime.shutdown()
                throw error
            }
            try await runtime.shutdown()
        } else {
            let env = try TestEnvironment.start()
            do {
                print(try await run(on: env))
            } catch {
                try? await env.shutdown()
                throw error
            }
            try await env.shutdown()
        }
    }

    private func run(on host: some ExampleHost) async throws -> String {
        switch name {
        case .moneyTransfer: String(describing: try await MoneyTransferExample.run(on: host))
        case .onboarding: String(describing: try await OnboardingExample.run(on: host))
        case .approval: String(describing: try await ApprovalExample.run(on: host))
        case .orderFulfilment: String(describing: try await OrderFulfilmentExample.run(on: host))
        case .entityCounter: String(describing: try await EntityCounterExample.run(on: host))
        }
    }
}
