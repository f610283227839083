import Synchronization

/// What a bank operation did.
public enum BankOperation: String, Codable, Sendable, Hashable {
    case withdraw
    case deposit
    case refund
}

/// The bank's record of one operation. A repeated request with the same idempotency key gets the
/// same receipt back and moves no money.
public struct BankReceipt: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The bank's transaction number, from 1; 0 for a refund that found nothing to give back.
    public var transactionID: Int
    /// The idempotency key the request carried.
    public var key: String
    /// What the operation did.
    public var operation: BankOperation
    /// The account it touched; empty for a refund that found nothing to give back.
    public var account: String
    /// The amount moved, in cents.
    public var amount: Int
    /// The account's balance right after the operation, in cents.
    public var balanceAfter: Int

    public var description: String {
        "#\(transactionID) \(operation.rawValue) \(amount) cents, \(account) now holds \(balanceAfter)"
    }
}

/// Why the bank refused or could not answer a request.
public enum BankError: Error, Hashable, CustomStringConvertible {
    /// No account has this name.
    case unknownAccount(String)
    /// The account holds less than the request takes.
    case insufficientFunds(account: String, balance: Int, requested: Int)
    /// Amounts are positive numbers of cents.
    case invalidAmount(Int)
    /// The bank is down for this kind of operation; the request moved nothing and may be sent again.
    case unavailable(BankOperation)
    /// The bank applied the request but its reply was lost on the way back; sending the request
    /// again with the same key returns the original receipt.
    case replyLost(key: String)
    /// The key was used before for a different request.
    case keyReused(key: String, firstUse: BankReceipt)
    /// The withdrawal was refunded (voided) before it reached the bank, so it will never run.
    case withdrawalVoided(key: String)

    public var description: String {
        switch self {
        case .unknownAccount(let account): "no account is named '\(account)'"
        case .insufficientFunds(let account, let balance, let requested):
            "account '\(account)' holds \(balance) cents, but the request takes \(requested)"
        case .invalidAmount(let amount): "expected a positive amount of cents, found \(amount)"
        case .unavailable(let operation): "the bank cannot take \(operation.rawValue) requests right now"
        case .replyLost(let key): "the reply to request '\(key)' was lost"
        case .keyReused(let key, let first):
            "idempotency key '\(key)' was first used for a different request (\(first))"
        case .withdrawalVoided(let key): "withdrawal '\(key)' was refunded before it ran"
        }
    }
}

/// An in-memory bank whose operations are idempotent by key: a request that is sent again (because
/// an activity was retried after a timeout or a lost reply) returns the first receipt and moves no
/// money. It also injects faults on demand, so tests can play out outages and lost replies.
public final class Bank: Sendable {
    private struct State {
        var balances: [String: Int]
        var receipts: [String: BankReceipt] = [:]
        var journal: [BankReceipt] = []
        var voided: Set<String> = []
        var refusals: [BankOperation: Int] = [:]
        var lostReplies: [BankOperation: Int] = [:]
        var requests: [BankOperation: Int] = [:]
    }
    private let state: Mutex<State>

    /// Creates a bank with the given accounts and their balances in cents.
    public init(balances: [String: Int]) {
        state = Mutex(State(balances: balances))
    }

    /// Returns the balance of `account` in cents, or nil when there is no such account.
    public func balance(of account: String) -> Int? {
        state.withLock { $0.balances[account] }
    }

    /// Every account's balance in cents.
    public var balances: [String: Int] { state.withLock { $0.balances } }

    /// The sum of all balances in cents: transfers and refunds never change it.
    public var totalHoldings: Int { state.withLock { $0.balances.values.reduce(0, +) } }

    /// The operations that moved money, in the order the bank applied them.
    public var journal: [BankReceipt] { state.withLock { $0.journal } }

    /// Returns how many requests of `operation` reached the bank, repeats included.
    public func requestCount(_ operation: BankOperation) -> Int {
        state.withLock { $0.requests[operation, default: 0] }
    }

    /// Makes the next `count` requests of `operation` fail with `BankError.unavailable` before they
    /// are applied; `Int.max` keeps the operation down.
    public func refuse(_ operation: BankOperation, count: Int) {
        state.withLock { $0.refusals[operation] = count }
    }

    /// Makes the next `count` requests of `operation` be applied and then fail with
    /// `BankError.replyLost`, as when a network drops the bank's answer.
    public func loseReplies(_ operation: BankOperation, count: Int) {
        state.withLock { $0.lostReplies[operation] = count }
    }

    /// Takes `amount` cents from `account`, once per `key`.
    ///
    /// - Throws: `BankError` when the account is unknown, holds too little, the key was voided by a
    ///   refund, or a fault was injected.
    public func withdraw(_ amount: Int, from account: String, key: String) throws(BankError) -> BankReceipt {
        try perform(.withdraw, account: account, amount: amount, key: key) { state, balance throws(BankError) in
            if state.voided.contains(key) { throw .withdrawalVoided(key: key) }
            guard balance >= amount else {
                throw .insufficientFunds(account: account, balance: balance, requested: amount)
            }
            return -amount
        }
    }

    /// Adds `amount` cents to `account`, once per `key`.
    ///
    /// - Throws: `BankError` when the account is unknown or a fault was injected.
    public func deposit(_ amount: Int, to account: String, key: String) throws(BankError) -> BankReceipt {
        try perform(.deposit, account: account, amount: amount, key: key) { _, _ throws(BankError) in amount }
    }

    /// Gives back the withdrawal made with `withdrawalKey`, once per `key`. When that withdrawal never
    /// reached the bank, the refund voids its key instead, so a late copy of it is refused, and the
    /// receipt moves 0 cents.
    ///
    /// - Throws: `BankError` when a fault was injected.
    public func refund(withdrawalKey: String, key: String) throws(BankError) -> BankReceipt {
        try state.withLock { state throws(BankError) in
            state.requests[.refund, default: 0] += 1
            if let receipt = state.receipts[key] { return receipt }
            if let remaining = state.refusals[.refund], remaining > 0 {
                state.refusals[.refund] = remaining - 1
                throw .unavailable(.refund)
            }
            let receipt: BankReceipt
            if let withdrawal = state.receipts[withdrawalKey] {
                let balance = state.balances[withdrawal.account, default: 0] + withdrawal.amount
                state.balances[withdrawal.account] = balance
                receipt = BankReceipt(
                    transactionID: state.journal.count + 1, key: key, operation: .refund, account: withdrawal.account,
                    amount: withdrawal.amount, balanceAfter: balance)
                state.journal.append(receipt)
            } else {
                state.voided.insert(withdrawalKey)
                receipt = BankReceipt(
                    transactionID: 0, key: key, operation: .refund, account: "", amount: 0, balanceAfter: 0)
            }
            state.receipts[key] = receipt
            return receipt
        }
    }

    /// Applies one withdrawal or deposit: `change` checks the request against the account's balance
    /// and returns how the balance moves. Repeats of a key return the first receipt before any check,
    /// so a retry after a lost reply succeeds even if the balance has changed since.
    private func perform(
        _ operation: BankOperation, account: String, amount: Int, key: String,
        change: (State, _ balance: Int) throws(BankError) -> Int
    ) throws(BankError) -> BankReceipt {
        try state.withLock { state throws(BankError) in
            state.requests[operation, default: 0] += 1
            if let receipt = state.receipts[key] {
                guard receipt.operation == operation, receipt.account == account, receipt.amount == amount else {
                    throw .keyReused(key: key, firstUse: receipt)
                }
                return receipt
            }
            if let remaining = state.refusals[operation], remaining > 0 {
                state.refusals[operation] = remaining - 1
                throw .unavailable(operation)
            }
            guard amount > 0 else { throw .invalidAmount(amount) }
            guard let balance = state.balances[account] else { throw .unknownAccount(account) }
            let newBalance = balance + (try change(state, balance))
            state.balances[account] = newBalance
            let receipt = BankReceipt(
                transactionID: state.journal.count + 1, key: key, operation: operation, account: account,
                amount: amount, balanceAfter: newBalance)
            state.receipts[key] = receipt
            state.journal.append(receipt)
            if let remaining = state.lostReplies[operation], remaining > 0 {
                state.lostReplies[operation] = remaining - 1
                throw .replyLost(key: key)
            }
            return receipt
        }
    }
}
