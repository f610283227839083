import Keel
import KeelEngine
import KeelExamples
import Testing

@Suite("Examples: money transfer saga")
struct MoneyTransferTests {
    private static let queue = MoneyTransferExample.taskQueue

    private func start(_ request: TransferRequest, id: WorkflowID, client: KeelClient) async throws
        -> WorkflowHandle<TransferWorkflow>
    {
        try await client.startWorkflow(
            TransferWorkflow.self, input: request, options: WorkflowOptions(id: id, taskQueue: Self.queue))
    }

    /// Returns the application error type a failed transfer closed with.
    private func failureType(_ error: WorkflowFailedError?) -> String? {
        error?.cause.flatMap { ApplicationError(failure: $0) }?.type
    }

    @Test func exampleRunCompletesOneTransferAndRefusesOrRefundsTheOthers() async throws {
        let summary = try await withEnvironment { env in try await MoneyTransferExample.run(on: env) }
        #expect(summary.outcomes.map { $0.receipt != nil } == [true, false, false])
        #expect(summary.outcomes[1].failure?.hasPrefix(TransferErrorType.insufficientFunds) == true)
        #expect(summary.outcomes[2].failure?.hasPrefix(TransferErrorType.depositFailed) == true)
        #expect(summary.balances == ["alice": 75_00, "bob": 75_00])
        #expect(summary.journal.map(\.operation) == [.withdraw, .deposit, .withdraw, .refund])
        #expect(summary.description.contains("alice: 75.00"))
    }

    @Test func completedTransferMovesTheMoneyOnce() async throws {
        let bank = Bank(balances: ["alice": 100_00, "bob": 0])
        try await withEnvironment { env in
            MoneyTransferExample.addWorker(to: env, bank: bank)
            let handle = try await start(
                TransferRequest(from: "alice", to: "bob", amount: 30_00), id: "t-ok", client: env.client)
            let receipt = try await handle.result()
            #expect(receipt.withdrawal.balanceAfter == 70_00)
            #expect(receipt.deposit.balanceAfter == 30_00)
            #expect(receipt.withdrawal.key == "t-ok/withdraw")
            #expect(receipt.deposit.key == "t-ok/deposit")
            let activities = try handle.history().scheduledActivities.map(\.type)
            #expect(activities == ["Withdraw", "Deposit"])
        }
        #expect(bank.balances == ["alice": 70_00, "bob": 30_00])
        #expect(bank.journal.count == 2)
    }

    @Test func insufficientFundsFailsAtOnceAndMovesNothing() async throws {
        let bank = Bank(balances: ["alice": 100_00, "bob": 50_00])
        try await withEnvironment { env in
            MoneyTransferExample.addWorker(to: env, bank: bank)
            let handle = try await start(
                TransferRequest(from: "bob", to: "alice", amount: 500_00), id: "t-poor", client: env.client)
            let error = await #expect(throws: WorkflowFailedError.self) { try await handle.result() }
            #expect(error?.closeEvent == .workflowExecutionFailed)
            #expect(failureType(error) == TransferErrorType.insufficientFunds)
            // The bank's refusal is not retryable, and with nothing withdrawn there is nothing to refund.
            #expect(try handle.history().scheduledActivities.map(\.type) == ["Withdraw"])
        }
        #expect(bank.requestCount(.withdraw) == 1)
        #expect(bank.requestCount(.refund) == 0)
        #expect(bank.journal.isEmpty)
        #expect(bank.balances == ["alice": 100_00, "bob": 50_00])
    }

    @Test func unknownSourceAccountFailsAsInvalidAccount() async throws {
        let bank = Bank(balances: ["alice": 100_00])
        try await withEnvironment { env in
            MoneyTransferExample.addWorker(to: env, bank: bank)
            let handle = try await start(
                TransferRequest(from: "mallory", to: "alice", amount: 1_00), id: "t-who", client: env.client)
            let error = await #expect(throws: WorkflowFailedError.self) { try await handle.result() }
            #expect(failureType(error) == TransferErrorType.invalidAccount)
        }
        #expect(bank.journal.isEmpty)
        #expect(bank.balances == ["alice": 100_00])
    }

    @Test func depositIntoAnUnknownAccountIsRefunded() async throws {
        let bank = Bank(balances: ["alice": 100_00])
        try await withEnvironment { env in
            MoneyTransferExample.addWorker(to: env, bank: bank)
            let handle = try await start(
                TransferRequest(from: "alice", to: "carol", amount: 40_00), id: "t-refund", client: env.client)
            let error = await #expect(throws: WorkflowFailedError.self) { try await handle.result() }
            #expect(failureType(error) == TransferErrorType.depositFailed)
            #expect(try handle.history().scheduledActivities.map(\.type) == ["Withdraw", "Deposit", "Refund"])
        }
        #expect(bank.requestCount(.deposit) == 1)
        #expect(bank.journal.map(\.operation) == [.withdraw, .refund])
        #expect(bank.balances == ["alice": 100_00])
    }

    @Test func depositThatKeepsFailingIsRetriedThenRefunded() async throws {
        let bank = Bank(balances: ["alice": 100_00, "bob": 0])
        bank.refuse(.deposit, count: .max)
        try await withEnvironment { env in
            MoneyTransferExample.addWorker(to: env, bank: bank)
            let handle = try await start(
                TransferRequest(from: "alice", to: "bob", amount: 10_00), id: "t-down", client: env.client)
            let error = await #expect(throws: WorkflowFailedError.self) { try await handle.result() }
            #expect(failureType(error) == TransferErrorType.depositFailed)
            // Five attempts with 1, 2, 4 and 8 seconds between them, all in skipped workflow time.
            let history = try handle.history()
            let scheduled = history.scheduledActivities
            let refund = try #require(scheduled.last)
            #expect(refund.type == "Refund")
            #expect(refund.time - scheduled[1].time >= .seconds(15))
        }
        #expect(bank.requestCount(.deposit) == Int(TransferWorkflow.stepRetryPolicy.maximumAttempts))
        #expect(bank.balances == ["alice": 100_00, "bob": 0])
    }

    @Test func retriesAfterLostRepliesNeverMoveMoneyTwice() async throws {
        let bank = Bank(balances: ["alice": 100_00, "bob": 0])
        // The bank applies each first request but the reply is lost, so both activities are retried
        // with the same idempotency key.
        bank.loseReplies(.withdraw, count: 1)
        bank.loseReplies(.deposit, count: 1)
        try await withEnvironment { env in
            MoneyTransferExample.addWorker(to: env, bank: bank)
            let handle = try await start(
                TransferRequest(from: "alice", to: "bob", amount: 25_00), id: "t-lossy", client: env.client)
            let receipt = try await handle.result()
            #expect(receipt.withdrawal.transactionID == 1)
            #expect(receipt.deposit.transactionID == 2)
        }
        #expect(bank.requestCount(.withdraw) == 2)
        #expect(bank.requestCount(.deposit) == 2)
        #expect(bank.journal.map(\.operation) == [.withdraw, .deposit])
        #expect(bank.balances == ["alice": 75_00, "bob": 25_00])
    }

    @Test func canceledTransferRefundsTheWithdrawalEvenThoughItIsCanceled() async throws {
        let bank = Bank(balances: ["alice": 100_00, "bob": 0])
        try await withEnvironment { env in
            let handle = env.client.handle(TransferWorkflow.self, id: "t-cancel")
            // The deposit's first attempt finds the bank down, and the customer cancels meanwhile.
            env.addWorker(
                taskQueue: Self.queue, workflows: [TransferWorkflow.self],
                activities: [CancelDuringDeposit(bank: bank, transfer: handle)], options: nil)
            _ = try await start(
                TransferRequest(from: "alice", to: "bob", amount: 60_00), id: "t-cancel", client: env.client)
            let error = await #expect(throws: WorkflowFailedError.self) { try await handle.result() }
            #expect(error?.closeEvent == .workflowExecutionCanceled)
            let history = try handle.history()
            let cancelRequested = try #require(history.firstIndex { $0.eventType == .workflowExecutionCancelRequested })
            let refundScheduled = try #require(
                history.firstIndex {
                    if case .activityTaskScheduled(let scheduled) = $0.attributes {
                        return scheduled.activityType == "Refund"
                    }
                    return false
                })
            #expect(cancelRequested < refundScheduled)
            #expect(history.last?.eventType == .workflowExecutionCanceled)
        }
        #expect(bank.journal.map(\.operation) == [.withdraw, .refund])
        #expect(bank.balances == ["alice": 100_00, "bob": 0])
    }

    @Test func bankAppliesEachKeyOnceAndRefundsVoidWithdrawalsThatNeverRan() throws {
        let bank = Bank(balances: ["alice": 100_00])
        let first = try bank.withdraw(10_00, from: "alice", key: "w1")
        #expect(try bank.withdraw(10_00, from: "alice", key: "w1") == first)
        #expect(throws: BankError.keyReused(key: "w1", firstUse: first)) {
            try bank.withdraw(20_00, from: "alice", key: "w1")
        }
        let refund = try bank.refund(withdrawalKey: "w1", key: "r1")
        #expect(refund.amount == 10_00)
        #expect(try bank.refund(withdrawalKey: "w1", key: "r1") == refund)
        #expect(bank.balance(of: "alice") == 100_00)

        // A refund that runs before its withdrawal reached the bank gives back nothing and voids the
        // withdrawal's key, so the late withdrawal is refused instead of taking money for good.
        let early = try bank.refund(withdrawalKey: "w2", key: "r2")
        #expect(early.amount == 0)
        #expect(throws: BankError.withdrawalVoided(key: "w2")) { try bank.withdraw(5_00, from: "alice", key: "w2") }
        #expect(bank.balance(of: "alice") == 100_00)
        #expect(bank.totalHoldings == 100_00)
    }
}

/// The bank's activities, except that the deposit cancels the transfer and then fails as if the bank
/// were down: a cancellation that lands after the money left the source account.
private struct CancelDuringDeposit: ActivityContainer {
    let bank: Bank
    let transfer: WorkflowHandle<TransferWorkflow>

    var activities: [ActivityImplementation] {
        let transfer = self.transfer
        let others = BankActivities(bank: bank).activities.filter { $0.name != BankActivities.deposit.name }
        return others + [
            ActivityImplementation(BankActivities.deposit) { _, _ in
                try await transfer.cancel(reason: "the customer changed their mind")
                throw ApplicationError(
                    "the bank cannot take deposits right now", type: TransferErrorType.bankUnavailable)
            }
        ]
    }
}
