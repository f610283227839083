import Keel
import KeelEngine

/// A request to move money between two accounts.
public struct TransferRequest: Codable, Sendable, Hashable {
    /// The account the money leaves.
    public var from: String
    /// The account the money goes to.
    public var to: String
    /// The amount in cents.
    public var amount: Int
    /// How long the money is held between the withdrawal and the deposit (a fraud check), or nil.
    public var hold: Duration?

    /// Creates a request to move `amount` cents from one account to another.
    public init(from: String, to: String, amount: Int, hold: Duration? = nil) {
        self.from = from
        self.to = to
        self.amount = amount
        self.hold = hold
    }
}

/// The bank's receipts for a completed transfer.
public struct TransferReceipt: Codable, Sendable, Hashable {
    /// The receipt of the withdrawal from the source account.
    public var withdrawal: BankReceipt
    /// The receipt of the deposit into the target account.
    public var deposit: BankReceipt
}

/// A money transfer as a saga: withdraw from one account, deposit into the other, and refund the
/// withdrawal when the deposit fails for good or the transfer is canceled.
///
/// The bank refusing the withdrawal (an unknown account, too little money) fails the transfer at
/// once, with nothing to undo. Outages are retried a few times. The refund runs shielded from the
/// workflow's cancellation, so canceling a transfer midway still gives the money back.
public final class TransferWorkflow: Workflow {
    public static let name = "MoneyTransfer"

    /// The activity ids of the three steps; with the workflow id they make the bank's idempotency keys.
    public static let withdrawalID = "withdraw"
    /// The activity id of the deposit.
    public static let depositID = "deposit"
    /// The activity id of the refund.
    public static let refundID = "refund"

    /// How the withdrawal and the deposit are retried: a few attempts, since a transfer should fail
    /// (and refund) rather than hang while a bank is down.
    public static let stepRetryPolicy = RetryPolicy(
        initialInterval: .seconds(1), backoffCoefficient: 2, maximumInterval: .seconds(10), maximumAttempts: 5)

    public init() {}

    public func run(context: WorkflowContext, input: TransferRequest) async throws -> TransferReceipt {
        guard input.amount > 0 else {
            throw ApplicationError(
                "expected a positive amount of cents, found \(input.amount)", type: TransferErrorType.invalidAmount,
                isNonRetryable: true)
        }
        let withdrawal: BankReceipt
        do {
            withdrawal = try await context.executeActivity(
                BankActivities.withdraw, input: AccountOperation(account: input.from, amount: input.amount),
                options: Self.stepOptions(id: Self.withdrawalID))
        } catch let error as ActivityError where error.applicationError?.isNonRetryable == true {
            // The bank refused the withdrawal, so no money moved and there is nothing to undo.
            throw error.applicationError ?? error
        } catch {
            // The withdrawal may or may not have reached the bank (it was canceled, or the bank stayed
            // down); the refund gives it back or voids it so a late copy is refused.
            _ = try await refund(context)
            throw error
        }
        do {
            if let hold = input.hold { try await context.sleep(for: hold) }
            let deposit = try await context.executeActivity(
                BankActivities.deposit, input: AccountOperation(account: input.to, amount: input.amount),
                options: Self.stepOptions(id: Self.depositID))
            return TransferReceipt(withdrawal: withdrawal, deposit: deposit)
        } catch {
            let refund = try await refund(context)
            if Task.isCancelled { throw error }
            let cause = (error as? ActivityError)?.applicationError?.message ?? String(describing: error)
            throw ApplicationError(
                "depositing \(input.amount) cents into '\(input.to)' failed (\(cause)); "
                    + "refunded \(refund.amount) cents to '\(input.from)'",
                type: TransferErrorType.depositFailed, isNonRetryable: true)
        }
    }

    /// Refunds the withdrawal, shielded from cancellation; retried until the bank answers, because
    /// a refund that gives up would lose the customer's money.
    private func refund(_ context: WorkflowContext) async throws -> BankReceipt {
        let request = RefundRequest(withdrawalActivityID: Self.withdrawalID)
        let options = ActivityOptions(
            activityID: Self.refundID, startToCloseTimeout: .seconds(10),
            retryPolicy: RetryPolicy(initialInterval: .seconds(1), maximumInterval: .seconds(60)))
        return try await context.shielded {
            try await context.executeActivity(BankActivities.refund, input: request, options: options)
        }
    }

    private static func stepOptions(id: String) -> ActivityOptions {
        ActivityOptions(activityID: id, startToCloseTimeout: .seconds(10), retryPolicy: stepRetryPolicy)
    }
}
