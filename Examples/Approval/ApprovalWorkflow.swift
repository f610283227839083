import Keel
import KeelEngine

/// An expense that needs someone's approval.
public struct ApprovalRequest: Codable, Sendable, Hashable {
    /// The request's own id.
    public var requestID: String
    /// Who asks for the money.
    public var requester: String
    /// What the money is for.
    public var purpose: String
    /// The amount in cents.
    public var amount: Int
    /// How long the request waits for a decision before it expires.
    public var decisionTimeout: Duration

    /// Creates a request that expires after three days without a decision.
    public init(
        requestID: String, requester: String, purpose: String, amount: Int,
        decisionTimeout: Duration = .seconds(3 * 86_400)
    ) {
        self.requestID = requestID
        self.requester = requester
        self.purpose = purpose
        self.amount = amount
        self.decisionTimeout = decisionTimeout
    }
}

/// An approver's answer.
public struct Decision: Codable, Sendable, Hashable {
    /// Who decided.
    public var approver: String
    /// Whether the request is approved.
    public var isApproved: Bool
    /// Why, in the approver's words.
    public var comment: String

    /// Creates a decision.
    public init(approver: String, isApproved: Bool, comment: String = "") {
        self.approver = approver
        self.isApproved = isApproved
        self.comment = comment
    }
}

/// Where a request stands.
public enum ApprovalState: String, Codable, Sendable, Hashable {
    case pending
    case approved
    case rejected
    /// No decision came before the request's timeout.
    case expired
}

/// A request's state, amount and the changes made to it, as the `status` query answers.
public struct ApprovalStatus: Codable, Sendable, Hashable {
    /// One accepted change of the amount.
    public struct AmountChange: Codable, Sendable, Hashable {
        /// The amount before, in cents.
        public var from: Int
        /// The amount after, in cents.
        public var to: Int

        /// Creates a record of a change from one amount to another.
        public init(from: Int, to: Int) {
            self.from = from
            self.to = to
        }
    }

    /// The request's own id.
    public var requestID: String
    /// Where the request stands.
    public var state: ApprovalState
    /// The amount in cents.
    public var amount: Int
    /// The accepted changes of the amount, in order.
    public var changes: [AmountChange]
    /// The approver's decision, once there is one.
    public var decision: Decision?
}

/// An approval flow: the request waits for a `decide` signal, answers a `status` query at any time,
/// and takes a `changeAmount` update while it is pending. The update's validator turns away amounts
/// outside the expense policy and changes after a decision; a rejected update leaves no trace in
/// the workflow's history. Without a decision the request expires after its timeout.
public final class ApprovalWorkflow: Workflow {
    public static let name = "ExpenseApproval"

    /// The amounts in cents the expense policy allows.
    public static let allowedAmounts = 1...10_000_00

    /// An approver approves or rejects the request; only the first decision counts.
    public static let decide = Signal<ApprovalWorkflow, Decision>("decide") { workflow, _, decision in
        guard workflow.status.state == .pending else { return }
        workflow.status.decision = decision
        workflow.status.state = decision.isApproved ? .approved : .rejected
    }

    /// The request's current status.
    public static let status = Query<ApprovalWorkflow, Nothing, ApprovalStatus>("status") { workflow, _ in
        workflow.status
    }

    /// Changes the amount of a pending request; returns the new status.
    public static let changeAmount = Update<ApprovalWorkflow, Int, ApprovalStatus>(
        "changeAmount",
        validator: { workflow, amount in
            // The validator runs before the update is accepted and must not change state; what it
            // throws goes back to the caller, and history records no update events.
            guard workflow.status.state == .pending else {
                throw ApplicationError(
                    "expected a pending request, found one that is \(workflow.status.state.rawValue)",
                    type: ApprovalErrorType.notPending)
            }
            guard allowedAmounts.contains(amount) else {
                throw ApplicationError(
                    "expected an amount of \(allowedAmounts.lowerBound)...\(allowedAmounts.upperBound) cents, "
                        + "found \(amount)",
                    type: ApprovalErrorType.amountOutOfRange)
            }
        },
        handler: { workflow, _, amount in
            // A decision that reached the workflow in the same task as this update was not decided yet
            // when the validator ran (validators run before any handler of the task), so look again.
            guard workflow.status.state == .pending else {
                throw ApplicationError(
                    "expected a pending request, found one that is \(workflow.status.state.rawValue)",
                    type: ApprovalErrorType.notPending)
            }
            workflow.status.changes.append(.init(from: workflow.status.amount, to: amount))
            workflow.status.amount = amount
            return workflow.status
        })

    public static var handlers: [WorkflowHandler<ApprovalWorkflow>] {
        [decide.handler, status.handler, changeAmount.handler]
    }

    private var status = ApprovalStatus(requestID: "", state: .pending, amount: 0, changes: [], decision: nil)

    public init() {}

    public func run(context: WorkflowContext, input: ApprovalRequest) async throws -> ApprovalStatus {
        status.requestID = input.requestID
        status.amount = input.amount
        let decided = try await context.condition(timeout: input.decisionTimeout) { self.status.state != .pending }
        if !decided { status.state = .expired }
        return status
    }
}

/// The application error types the approval flow's update is rejected with.
public enum ApprovalErrorType {
    /// The request already has a decision or expired.
    public static let notPending = "NotPending"
    /// The amount is outside `ApprovalWorkflow.allowedAmounts`.
    public static let amountOutOfRange = "AmountOutOfRange"
}
