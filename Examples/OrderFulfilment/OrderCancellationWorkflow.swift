import Keel
import KeelEngine

/// A request to cancel an order later, unless it has closed by then.
public struct OrderCancellation: Codable, Sendable, Hashable {
    /// The order to cancel.
    public var orderID: String
    /// How long to wait before canceling.
    public var after: Duration

    /// Creates a request to cancel `orderID` after `after`.
    public init(orderID: String, after: Duration) {
        self.orderID = orderID
        self.after = after
    }
}

/// Cancels an order after a delay, as a customer's "cancel unless it ships by tomorrow" would: a
/// durable timer, then a cancellation request to the order's workflow. Canceling an order that has
/// already closed does nothing.
public final class OrderCancellationWorkflow: Workflow {
    public static let name = "OrderCancellation"

    public init() {}

    public func run(context: WorkflowContext, input: OrderCancellation) async throws -> Nothing {
        try await context.sleep(for: input.after)
        context.externalWorkflow(WorkflowID(input.orderID)).cancel()
        return Nothing()
    }
}
