import Keel
import KeelEngine

/// Runs two orders of two shipments each: the first is delivered in full; the second is canceled
/// a day in, while both of its parcels are in transit, which cancels both shipment workflows,
/// releases their stock and refunds the payment.
public enum OrderFulfilmentExample {
    /// The task queue the example's worker serves.
    public static let taskQueue = "orders"

    /// Starts a worker for the order and shipment workflows and their activities.
    @discardableResult
    public static func addWorker(to host: some ExampleHost, services: FulfilmentServices) -> Worker {
        host.addWorker(
            taskQueue: taskQueue,
            workflows: [OrderWorkflow.self, ShipmentWorkflow.self, OrderCancellationWorkflow.self],
            activities: [FulfilmentActivities(services: services)], options: nil)
    }

    /// Starts a worker with in-memory services on `host` and runs the example.
    ///
    /// - Throws: an engine error when a workflow cannot be started, or `WorkflowFailedError`.
    public static func run(on host: some ExampleHost) async throws -> OrderFulfilmentSummary {
        let services = FulfilmentServices()
        addWorker(to: host, services: services)
        return try await run(client: host.client, services: services)
    }

    /// Runs the example with `client` (a worker with `services` must serve `taskQueue`) and returns
    /// both orders' reports and what the services did.
    ///
    /// - Throws: an engine error when a workflow cannot be started, or `WorkflowFailedError`.
    public static func run(client: KeelClient, services: FulfilmentServices, idPrefix: String = "order")
        async throws -> OrderFulfilmentSummary
    {
        let delivered = Order(
            orderID: "\(idPrefix)-A", customer: "ada", total: 80_00,
            shipments: [
                Shipment(shipmentID: "\(idPrefix)-A-books", items: ["book"], transitDays: 2),
                Shipment(shipmentID: "\(idPrefix)-A-lamp", items: ["lamp", "bulb"], transitDays: 5),
            ])
        let canceled = Order(
            orderID: "\(idPrefix)-B", customer: "bob", total: 45_00,
            shipments: [
                Shipment(shipmentID: "\(idPrefix)-B-mug", items: ["mug"], transitDays: 3),
                Shipment(shipmentID: "\(idPrefix)-B-tea", items: ["tea"], transitDays: 4),
            ])
        let first = try await client.executeWorkflow(
            OrderWorkflow.self, input: delivered,
            options: WorkflowOptions(id: WorkflowID(delivered.orderID), taskQueue: taskQueue))
        let canceledHandle = try await client.startWorkflow(
            OrderWorkflow.self, input: canceled,
            options: WorkflowOptions(id: WorkflowID(canceled.orderID), taskQueue: taskQueue))
        _ = try await client.startWorkflow(
            OrderCancellationWorkflow.self,
            input: OrderCancellation(orderID: canceled.orderID, after: .seconds(86_400)),
            options: WorkflowOptions(id: WorkflowID("\(canceled.orderID)/cancellation"), taskQueue: taskQueue))
        let second = try await canceledHandle.result()
        return OrderFulfilmentSummary(orders: [first, second], entries: services.entries)
    }
}

/// What the order example did, printable.
public struct OrderFulfilmentSummary: Sendable, CustomStringConvertible {
    /// Each order's final report.
    public var orders: [OrderReport]
    /// What the payment provider, warehouse and carrier did, in order.
    public var entries: [FulfilmentServices.Entry]

    public var description: String {
        var lines: [String] = []
        for order in orders {
            lines.append("\(order.orderID): \(order.state.rawValue), payment \(order.payment.rawValue)")
            for shipment in order.shipments {
                let when = shipment.deliveredAfter.map { " at \(describeElapsed($0))" } ?? ""
                lines.append("  \(shipment.shipmentID): \(shipment.state.rawValue)\(when)")
            }
        }
        lines.append("services:")
        lines.append(contentsOf: entries.map { "  \($0)" })
        return lines.joined(separator: "\n")
    }
}
