import Keel
import KeelEngine
import KeelExamples
import Testing

@Suite("Examples: approval with a signal, a query and a validated update")
struct ApprovalTests {
    private static let queue = ApprovalExample.taskQueue

    private func start(id: WorkflowID, amount: Int = 120_00, client: KeelClient) async throws
        -> WorkflowHandle<ApprovalWorkflow>
    {
        try await client.startWorkflow(
            ApprovalWorkflow.self,
            input: ApprovalRequest(requestID: id.rawValue, requester: "ada", purpose: "laptop", amount: amount),
            options: WorkflowOptions(id: id, taskQueue: Self.queue))
    }

    @Test func exampleRunRaisesTheAmountRejectsTheOutOfRangeOneAndApproves() async throws {
        let summary = try await withEnvironment { env in try await ApprovalExample.run(on: env) }
        #expect(summary.final.state == .approved)
        #expect(summary.final.amount == 150_00)
        #expect(summary.steps.count == 4)
        #expect(summary.steps[2].contains("rejected: \(ApprovalErrorType.amountOutOfRange)"))
    }

    @Test func approvedRequestKeepsTheChangedAmountAndAnswersQueriesAfterItCloses() async throws {
        try await withEnvironment { env in
            ApprovalExample.addWorker(to: env)
            let handle = try await start(id: "expense-ok", client: env.client)
            #expect(try await handle.query(ApprovalWorkflow.status).state == .pending)
            let changed = try await handle.update(ApprovalWorkflow.changeAmount, 150_00)
            #expect(changed.amount == 150_00)
            #expect(changed.changes == [.init(from: 120_00, to: 150_00)])
            #expect(try await handle.query(ApprovalWorkflow.status).amount == 150_00)
            try await handle.signal(ApprovalWorkflow.decide, Decision(approver: "grace", isApproved: true))
            let final = try await handle.result()
            #expect(final.state == .approved)
            #expect(final.amount == 150_00)
            #expect(final.decision?.approver == "grace")
            #expect(try await handle.query(ApprovalWorkflow.status) == final)
        }
    }

    @Test func rejectedRequestEndsRejected() async throws {
        try await withEnvironment { env in
            ApprovalExample.addWorker(to: env)
            let handle = try await start(id: "expense-no", client: env.client)
            try await handle.signal(
                ApprovalWorkflow.decide, Decision(approver: "grace", isApproved: false, comment: "too much"))
            let final = try await handle.result()
            #expect(final.state == .rejected)
            #expect(final.decision?.comment == "too much")
        }
    }

    @Test(arguments: [0, -5, ApprovalWorkflow.allowedAmounts.upperBound + 1])
    func updateRejectedByTheValidatorLeavesNoTraceInHistory(amount: Int) async throws {
        try await withEnvironment { env in
            ApprovalExample.addWorker(to: env)
            let handle = try await start(id: "expense-bad", client: env.client)
            // An accepted update first, so the run has finished its first workflow task and history
            // holds everything the workflow will write before the decision.
            _ = try await handle.update(ApprovalWorkflow.changeAmount, 130_00, id: "good")
            let before = try handle.history()
            let error = await #expect(throws: ApplicationError.self) {
                try await handle.update(ApprovalWorkflow.changeAmount, amount, id: "bad")
            }
            #expect(error?.type == ApprovalErrorType.amountOutOfRange)
            #expect(error?.message.contains("found \(amount)") == true)
            let after = try handle.history()
            let updateIDs = after.compactMap { event -> String? in
                switch event.attributes {
                case .workflowExecutionUpdateAccepted(let accepted): accepted.acceptedRequest.updateID
                case .workflowExecutionUpdateCompleted(let completed): completed.updateID
                default: nil
                }
            }
            #expect(updateIDs == ["good", "good"])
            let added = after.dropFirst(before.count).map(\.eventType)
            #expect(
                added.allSatisfy {
                    [.workflowTaskScheduled, .workflowTaskStarted, .workflowTaskCompleted].contains($0)
                })
            // The task that carried the rejected update is recorded (Keel has no speculative tasks),
            // but no update event is.
            #expect(added.count <= 3, "the rejected update left \(added) in history")
            #expect(try await handle.query(ApprovalWorkflow.status).amount == 130_00)
            try await handle.signal(ApprovalWorkflow.decide, Decision(approver: "grace", isApproved: true))
            #expect(try await handle.result().amount == 130_00)
        }
    }

    @Test func requestWithoutADecisionExpiresAfterItsTimeout() async throws {
        try await withEnvironment { env in
            ApprovalExample.addWorker(to: env)
            let handle = try await start(id: "expense-late", client: env.client)
            let final = try await handle.result()
            #expect(final.state == .expired)
            #expect(final.decision == nil)
            let history = try handle.history()
            #expect(try #require(history.last).time - history.startTime == days(3))
        }
    }
}
