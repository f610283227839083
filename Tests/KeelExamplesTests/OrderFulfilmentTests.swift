import Keel
import KeelEngine
import KeelExamples
import Testing

@Suite("Examples: order fulfilment with child workflows and cancellation")
struct OrderFulfilmentTests {
    private static let queue = OrderFulfilmentExample.taskQueue

    private static let order = Order(
        orderID: "o-1", customer: "ada", total: 99_00,
        shipments: [
            Shipment(shipmentID: "o-1-desk", items: ["desk"], transitDays: 1),
            Shipment(shipmentID: "o-1-chair", items: ["chair"], transitDays: 2),
        ])

    private func start(_ order: Order, client: KeelClient) async throws -> WorkflowHandle<OrderWorkflow> {
        try await client.startWorkflow(
            OrderWorkflow.self, input: order,
            options: WorkflowOptions(id: WorkflowID(order.orderID), taskQueue: Self.queue))
    }

    /// Returns the history of a shipment's child workflow.
    private func shipmentHistory(_ shipmentID: String, of order: Order, client: KeelClient) throws -> [HistoryEvent] {
        try client.handle(ShipmentWorkflow.self, id: WorkflowID("\(order.orderID)/\(shipmentID)")).history()
    }

    @Test func exampleRunDeliversOneOrderAndCancelsTheOther() async throws {
        let summary = try await withEnvironment { env in try await OrderFulfilmentExample.run(on: env) }
        #expect(summary.orders.map(\.state) == [.fulfilled, .canceled])
        #expect(summary.orders.map(\.payment) == [.charged, .refunded])
        #expect(summary.orders[1].canceledShipments == ["order-B-mug", "order-B-tea"])
        #expect(!summary.entries.contains(.delivered(shipmentID: "order-B-mug")))
    }

    @Test func orderShipsEachParcelInItsOwnChildWorkflow() async throws {
        let services = FulfilmentServices()
        try await withEnvironment { env in
            OrderFulfilmentExample.addWorker(to: env, services: services)
            let handle = try await start(Self.order, client: env.client)
            let report = try await handle.result()
            #expect(report.state == .fulfilled)
            #expect(report.payment == .charged)
            #expect(report.shipments.map(\.state) == [.delivered, .delivered])
            #expect(report.shipments.map(\.deliveredAfter) == [days(1), days(2)])
            let history = try handle.history()
            #expect(history.count(of: .startChildWorkflowExecutionInitiated) == 2)
            #expect(history.count(of: .childWorkflowExecutionCompleted) == 2)
            #expect(try #require(history.last).time - history.startTime == days(2))
            for shipment in Self.order.shipments {
                let child = try shipmentHistory(shipment.shipmentID, of: Self.order, client: env.client)
                #expect(child.last?.eventType == .workflowExecutionCompleted)
                #expect(child.scheduledActivities.map(\.type) == ["ReserveStock", "ConfirmDelivery"])
            }
        }
        #expect(services.entries.filter { if case .delivered = $0 { true } else { false } }.count == 2)
        #expect(!services.entries.contains { if case .refunded = $0 { true } else { false } })
    }

    @Test func cancelingTheOrderCancelsItsShipmentsReleasesStockAndRefunds() async throws {
        let services = FulfilmentServices()
        try await withEnvironment { env in
            OrderFulfilmentExample.addWorker(to: env, services: services)
            let handle = try await start(Self.order, client: env.client)
            // Half a day in, both parcels are in transit (one day and two days away).
            _ = try await env.client.startWorkflow(
                OrderCancellationWorkflow.self, input: OrderCancellation(orderID: "o-1", after: .seconds(43_200)),
                options: WorkflowOptions(id: "o-1/cancellation", taskQueue: Self.queue))
            let report = try await handle.result()
            #expect(report.state == .canceled)
            #expect(report.payment == .refunded)
            #expect(report.shipments.map(\.state) == [.canceled, .canceled])
            #expect(report.canceledShipments == ["o-1-desk", "o-1-chair"])

            // The parent asked each child to cancel and saw each one end canceled; it then completed
            // with its report, half a day after it started.
            let history = try handle.history()
            #expect(history.count(of: .workflowExecutionCancelRequested) == 1)
            #expect(history.count(of: .requestCancelExternalWorkflowExecutionInitiated) == 2)
            #expect(history.count(of: .childWorkflowExecutionCanceled) == 2)
            #expect(history.last?.eventType == .workflowExecutionCompleted)
            #expect(try #require(history.last).time - history.startTime == .seconds(43_200))
            for shipment in Self.order.shipments {
                let child = try shipmentHistory(shipment.shipmentID, of: Self.order, client: env.client)
                #expect(child.last?.eventType == .workflowExecutionCanceled)
                #expect(child.scheduledActivities.map(\.type) == ["ReserveStock", "ReleaseStock"])
                #expect(child.count(of: .timerCanceled) == 1)
            }
        }
        let entries = services.entries
        #expect(entries.contains(.released(shipmentID: "o-1-desk")))
        #expect(entries.contains(.released(shipmentID: "o-1-chair")))
        #expect(entries.contains(.refunded(orderID: "o-1", amount: 99_00)))
        #expect(!entries.contains { if case .delivered = $0 { true } else { false } })
    }

    @Test func cancelingAnOrderThatHasClosedChangesNothing() async throws {
        let services = FulfilmentServices()
        try await withEnvironment { env in
            OrderFulfilmentExample.addWorker(to: env, services: services)
            let handle = try await start(Self.order, client: env.client)
            let canceller = try await env.client.startWorkflow(
                OrderCancellationWorkflow.self, input: OrderCancellation(orderID: "o-1", after: days(3)),
                options: WorkflowOptions(id: "o-1/cancellation", taskQueue: Self.queue))
            #expect(try await handle.result().state == .fulfilled)
            _ = try await canceller.result()
            #expect(try handle.history().last?.eventType == .workflowExecutionCompleted)
        }
        #expect(!services.entries.contains { if case .refunded = $0 { true } else { false } })
    }
}
