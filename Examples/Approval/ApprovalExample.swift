import Keel
import KeelEngine

/// Files an expense, asks for its status, raises its amount (accepted), tries an amount beyond the
/// policy (rejected by the update's validator), and approves it.
public enum ApprovalExample {
    /// The task queue the example's worker serves.
    public static let taskQueue = "approval"

    /// Starts a worker for the approval workflow.
    @discardableResult
    public static func addWorker(to host: some ExampleHost) -> Worker {
        host.addWorker(taskQueue: taskQueue, workflows: [ApprovalWorkflow.self], activities: [], options: nil)
    }

    /// Starts a worker on `host` and runs the example.
    ///
    /// - Throws: an engine error when the workflow cannot be started or a query is not answered.
    public static func run(on host: some ExampleHost) async throws -> ApprovalSummary {
        addWorker(to: host)
        return try await run(client: host.client)
    }

    /// Runs the example with `client` (a worker must serve `taskQueue`) and returns what each step
    /// answered.
    ///
    /// - Throws: an engine error when the workflow cannot be started or a query is not answered.
    public static func run(client: KeelClient, id: WorkflowID = "expense-1") async throws -> ApprovalSummary {
        let request = ApprovalRequest(requestID: id.rawValue, requester: "ada", purpose: "team offsite", amount: 120_00)
        let handle = try await client.startWorkflow(
            ApprovalWorkflow.self, input: request, options: WorkflowOptions(id: id, taskQueue: taskQueue))
        var steps: [String] = []
        let before = try await handle.query(ApprovalWorkflow.status)
        steps.append("status: \(before.state.rawValue), \(formatCents(before.amount))")
        let raised = try await handle.update(ApprovalWorkflow.changeAmount, 150_00)
        steps.append("changeAmount(150.00): accepted, amount now \(formatCents(raised.amount))")
        do {
            _ = try await handle.update(ApprovalWorkflow.changeAmount, 20_000_00)
            steps.append("changeAmount(20000.00): accepted")
        } catch let error as ApplicationError {
            steps.append("changeAmount(20000.00): rejected: \(error)")
        }
        try await handle.signal(ApprovalWorkflow.decide, Decision(approver: "grace", isApproved: true, comment: "ok"))
        let final = try await handle.result()
        steps.append(
            "result: \(final.state.rawValue) by \(final.decision?.approver ?? "nobody"), \(formatCents(final.amount))")
        return ApprovalSummary(steps: steps, final: final)
    }
}

/// What the approval example did, printable.
public struct ApprovalSummary: Sendable, CustomStringConvertible {
    /// One line per step.
    public var steps: [String]
    /// The request's final status.
    public var final: ApprovalStatus

    public var description: String { steps.joined(separator: "\n") }
}
