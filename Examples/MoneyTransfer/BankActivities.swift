import Keel
import KeelEngine

/// A request to take money from or put money into one account.
public struct AccountOperation: Codable, Sendable, Hashable {
    /// The account's name.
    public var account: String
    /// The amount in cents.
    public var amount: Int

    /// Creates a request to move `amount` cents in or out of `account`.
    public init(account: String, amount: Int) {
        self.account = account
        self.amount = amount
    }
}

/// A request to give back a withdrawal of the same workflow.
public struct RefundRequest: Codable, Sendable, Hashable {
    /// The activity id the withdrawal ran under.
    public var withdrawalActivityID: String

    /// Creates a request to refund the withdrawal that ran under `withdrawalActivityID`.
    public init(withdrawalActivityID: String) {
        self.withdrawalActivityID = withdrawalActivityID
    }
}

/// The bank's operations as activities. Each one sends the bank an idempotency key made of the
/// workflow id and the activity id, which stay the same across the activity's retries, so a retry
/// after a timeout or a lost reply never moves money twice.
public struct BankActivities: ActivityContainer {
    /// Takes money from an account.
    public static let withdraw = ActivityDefinition<AccountOperation, BankReceipt>("Withdraw")
    /// Puts money into an account.
    public static let deposit = ActivityDefinition<AccountOperation, BankReceipt>("Deposit")
    /// Gives back a withdrawal, or voids it when it never happened.
    public static let refund = ActivityDefinition<RefundRequest, BankReceipt>("Refund")

    /// The bank the activities talk to.
    public let bank: Bank

    /// Creates the activities over `bank`.
    public init(bank: Bank) {
        self.bank = bank
    }

    /// Returns the key that makes one activity of one workflow apply at most once at the bank.
    public static func idempotencyKey(workflowID: WorkflowID, activityID: String) -> String {
        "\(workflowID.rawValue)/\(activityID)"
    }

    public var activities: [ActivityImplementation] {
        let bank = self.bank
        return [
            ActivityImplementation(Self.withdraw) { request, context in
                let key = Self.idempotencyKey(context.info)
                return try Self.call { () throws(BankError) in
                    try bank.withdraw(request.amount, from: request.account, key: key)
                }
            },
            ActivityImplementation(Self.deposit) { request, context in
                let key = Self.idempotencyKey(context.info)
                return try Self.call { () throws(BankError) in
                    try bank.deposit(request.amount, to: request.account, key: key)
                }
            },
            ActivityImplementation(Self.refund) { request, context in
                let withdrawalKey = Self.idempotencyKey(
                    workflowID: context.info.workflowExecution.workflowID, activityID: request.withdrawalActivityID)
                let key = Self.idempotencyKey(context.info)
                return try Self.call { () throws(BankError) in
                    try bank.refund(withdrawalKey: withdrawalKey, key: key)
                }
            },
        ]
    }

    private static func idempotencyKey(_ info: ActivityInfo) -> String {
        idempotencyKey(workflowID: info.workflowExecution.workflowID, activityID: info.activityID)
    }

    /// Runs a bank call and turns its errors into application errors: the bank's refusals are final
    /// (retrying cannot make an account exist), its outages and lost replies are worth retrying.
    private static func call(_ body: () throws(BankError) -> BankReceipt) throws(ApplicationError) -> BankReceipt {
        do throws(BankError) {
            return try body()
        } catch {
            switch error {
            case .unknownAccount:
                throw ApplicationError(error.description, type: TransferErrorType.invalidAccount, isNonRetryable: true)
            case .insufficientFunds:
                throw ApplicationError(
                    error.description, type: TransferErrorType.insufficientFunds, isNonRetryable: true)
            case .invalidAmount:
                throw ApplicationError(error.description, type: TransferErrorType.invalidAmount, isNonRetryable: true)
            case .unavailable, .replyLost:
                throw ApplicationError(error.description, type: TransferErrorType.bankUnavailable)
            case .keyReused, .withdrawalVoided:
                throw ApplicationError(error.description, type: TransferErrorType.rejected, isNonRetryable: true)
            }
        }
    }
}

/// The application error types a transfer fails with.
public enum TransferErrorType {
    /// An account does not exist.
    public static let invalidAccount = "InvalidAccount"
    /// The source account holds too little.
    public static let insufficientFunds = "InsufficientFunds"
    /// The amount is not a positive number of cents.
    public static let invalidAmount = "InvalidAmount"
    /// The bank was down or its reply was lost; retried.
    public static let bankUnavailable = "BankUnavailable"
    /// The bank refused a request for good for another reason.
    public static let rejected = "BankRejected"
    /// The deposit failed after the withdrawal, which was refunded.
    public static let depositFailed = "DepositFailed"
}
