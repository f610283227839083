import Keel
import KeelEngine

/// Runs three transfers against an in-memory bank: one that completes, one the bank refuses for
/// lack of funds, and one whose deposit fails so the saga refunds the withdrawal.
public enum MoneyTransferExample {
    /// The task queue the example's worker serves.
    public static let taskQueue = "money-transfer"
    /// The accounts the example's bank opens with, in cents.
    public static let openingBalances = ["alice": 100_00, "bob": 50_00]

    /// Starts a worker for the transfer workflow and the bank's activities.
    @discardableResult
    public static func addWorker(to host: some ExampleHost, bank: Bank) -> Worker {
        host.addWorker(
            taskQueue: taskQueue, workflows: [TransferWorkflow.self], activities: [BankActivities(bank: bank)],
            options: nil)
    }

    /// Opens a bank, starts a worker on `host` and runs the example's transfers.
    ///
    /// - Throws: an engine error when a workflow cannot be started.
    public static func run(on host: some ExampleHost) async throws -> MoneyTransferSummary {
        let bank = Bank(balances: openingBalances)
        addWorker(to: host, bank: bank)
        return try await run(client: host.client, bank: bank)
    }

    /// Runs the example's transfers with `client` (a worker with `bank` must serve `taskQueue`) and
    /// returns what happened to each and the bank's final state.
    ///
    /// - Throws: an engine error when a workflow cannot be started.
    public static func run(client: KeelClient, bank: Bank, idPrefix: String = "transfer") async throws
        -> MoneyTransferSummary
    {
        let requests = [
            TransferRequest(from: "alice", to: "bob", amount: 25_00),
            TransferRequest(from: "bob", to: "alice", amount: 500_00),
            TransferRequest(from: "alice", to: "carol", amount: 10_00),
        ]
        var outcomes: [MoneyTransferSummary.Outcome] = []
        for (index, request) in requests.enumerated() {
            let id = WorkflowID("\(idPrefix)-\(index + 1)")
            let handle = try await client.startWorkflow(
                TransferWorkflow.self, input: request, options: WorkflowOptions(id: id, taskQueue: taskQueue))
            do {
                let receipt = try await handle.result()
                outcomes.append(.init(workflowID: id, request: request, receipt: receipt, failure: nil))
            } catch let error as WorkflowFailedError {
                let failure = error.cause.flatMap { ApplicationError(failure: $0) }
                outcomes.append(
                    .init(
                        workflowID: id, request: request, receipt: nil,
                        failure: failure?.description ?? error.description))
            }
        }
        return MoneyTransferSummary(outcomes: outcomes, balances: bank.balances, journal: bank.journal)
    }
}

/// What the money transfer example did, printable.
public struct MoneyTransferSummary: Sendable, CustomStringConvertible {
    /// One transfer's end.
    public struct Outcome: Sendable {
        /// The transfer's workflow id.
        public var workflowID: WorkflowID
        /// What was asked.
        public var request: TransferRequest
        /// The bank's receipts when the transfer completed.
        public var receipt: TransferReceipt?
        /// The failure's type and message when it did not.
        public var failure: String?
    }

    /// Each transfer's end, in the order they ran.
    public var outcomes: [Outcome]
    /// Every account's final balance in cents.
    public var balances: [String: Int]
    /// The bank's operations in order.
    public var journal: [BankReceipt]

    public var description: String {
        var lines: [String] = []
        for outcome in outcomes {
            let request = outcome.request
            let what = "\(outcome.workflowID): \(formatCents(request.amount)) from \(request.from) to \(request.to)"
            if outcome.receipt != nil {
                lines.append("\(what): completed")
            } else {
                lines.append("\(what): failed: \(outcome.failure ?? "unknown")")
            }
        }
        lines.append("bank journal:")
        lines.append(contentsOf: journal.map { "  \($0)" })
        lines.append("balances:")
        for account in balances.keys.sorted() {
            lines.append("  \(account): \(formatCents(balances[account] ?? 0))")
        }
        return lines.joined(separator: "\n")
    }
}
