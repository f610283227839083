import Keel
import KeelEngine

/// A customer's order: what it costs and how it ships.
public struct Order: Codable, Sendable, Hashable {
    /// The order's id, also its workflow id.
    public var orderID: String
    /// Who ordered.
    public var customer: String
    /// The total in cents.
    public var total: Int
    /// The parcels the order ships in.
    public var shipments: [Shipment]

    /// Creates an order.
    public init(orderID: String, customer: String, total: Int, shipments: [Shipment]) {
        self.orderID = orderID
        self.customer = customer
        self.total = total
        self.shipments = shipments
    }
}

/// What happened to one shipment.
public struct ShipmentOutcome: Codable, Sendable, Hashable {
    /// Where a shipment stands.
    public enum State: String, Codable, Sendable, Hashable {
        case pending
        /// The order was canceled before the shipment's workflow started.
        case notStarted
        case delivered
        /// The shipment's workflow was canceled and gave its stock back.
        case canceled
        case failed
    }

    /// The shipment's id.
    public var shipmentID: String
    /// Where the shipment stands.
    public var state: State
    /// How long after its workflow started the shipment was delivered.
    public var deliveredAfter: Duration?
    /// Why the shipment failed.
    public var failure: String?

    /// Creates an outcome.
    public init(shipmentID: String, state: State, deliveredAfter: Duration? = nil, failure: String? = nil) {
        self.shipmentID = shipmentID
        self.state = state
        self.deliveredAfter = deliveredAfter
        self.failure = failure
    }
}

/// One parcel's journey, as a child workflow of its order: reserve the stock, wait for the carrier,
/// confirm delivery. A cancellation before delivery releases the stock and cancels the run.
public final class ShipmentWorkflow: Workflow {
    public static let name = "Shipment"

    public init() {}

    public func run(context: WorkflowContext, input: ShipmentRequest) async throws -> ShipmentOutcome {
        // Waiting for a canceled step to finish (rather than abandoning it) tells the code for sure
        // whether the stock was reserved, so the release below is never skipped or doubled.
        let options = ActivityOptions(startToCloseTimeout: .seconds(30), cancellationType: .waitCancellationCompleted)
        _ = try await context.executeActivity(FulfilmentActivities.reserveStock, input: input, options: options)
        do {
            try await context.sleep(for: .seconds(input.shipment.transitDays * 86_400))
            _ = try await context.executeActivity(FulfilmentActivities.confirmDelivery, input: input, options: options)
            return ShipmentOutcome(
                shipmentID: input.shipment.shipmentID, state: .delivered,
                deliveredAfter: context.timestamp - context.info.startTime)
        } catch {
            if Task.isCancelled {
                _ = try await context.shielded {
                    try await context.executeActivity(FulfilmentActivities.releaseStock, input: input, options: options)
                }
            }
            throw error
        }
    }
}

/// Where an order stands, as its result and its `report` query tell.
public struct OrderReport: Codable, Sendable, Hashable {
    /// Where an order stands.
    public enum State: String, Codable, Sendable, Hashable {
        case inProgress
        case fulfilled
        /// The order was canceled; `shipments` says what each shipment did.
        case canceled
        /// A shipment failed.
        case failed
    }

    /// What happened to the customer's money.
    public enum Payment: String, Codable, Sendable, Hashable {
        case notCharged
        case charged
        case refunded
    }

    /// The order's id.
    public var orderID: String
    /// Where the order stands.
    public var state: State
    /// What happened to the customer's money.
    public var payment: Payment
    /// Each shipment's outcome, in the same order as `Order.shipments`.
    public var shipments: [ShipmentOutcome]

    /// The shipments the cancellation stopped, including those that never started.
    public var canceledShipments: [String] {
        shipments.filter { $0.state == .canceled || $0.state == .notStarted }.map(\.shipmentID)
    }
}

/// An order: charge the customer, then ship each parcel in a child workflow, all at once.
/// Canceling the order cancels every shipment still under way (each one releases its stock),
/// refunds the payment, and completes with a report of what was canceled.
public final class OrderWorkflow: Workflow {
    public static let name = "OrderFulfilment"

    /// The order's progress so far.
    public static let report = Query<OrderWorkflow, Nothing, OrderReport>("report") { workflow, _ in workflow.report }

    public static var handlers: [WorkflowHandler<OrderWorkflow>] { [report.handler] }

    private var report = OrderReport(orderID: "", state: .inProgress, payment: .notCharged, shipments: [])

    public init() {}

    public func run(context: WorkflowContext, input: Order) async throws -> OrderReport {
        report.orderID = input.orderID
        report.shipments = input.shipments.map { ShipmentOutcome(shipmentID: $0.shipmentID, state: .pending) }
        let payment = PaymentRequest(orderID: input.orderID, amount: input.total)
        let options = ActivityOptions(startToCloseTimeout: .seconds(30), cancellationType: .waitCancellationCompleted)
        do {
            _ = try await context.executeActivity(FulfilmentActivities.chargePayment, input: payment, options: options)
            report.payment = .charged
        } catch {
            // The order was canceled before the charge was made: there is nothing to undo.
            guard Task.isCancelled else { throw error }
        }
        if report.payment == .charged {
            await withTaskGroup(of: (Int, ShipmentOutcome).self) { group in
                for (index, shipment) in input.shipments.enumerated() {
                    let request = ShipmentRequest(orderID: input.orderID, shipment: shipment)
                    group.addTask { (index, await Self.ship(request, context: context)) }
                }
                for await (index, outcome) in group {
                    report.shipments[index] = outcome
                }
            }
        }
        if Task.isCancelled {
            for index in report.shipments.indices where report.shipments[index].state == .pending {
                report.shipments[index].state = .notStarted
            }
            if report.payment == .charged {
                _ = try await context.shielded {
                    try await context.executeActivity(
                        FulfilmentActivities.refundPayment, input: payment,
                        options: ActivityOptions(startToCloseTimeout: .seconds(30)))
                }
                report.payment = .refunded
            }
            report.state = .canceled
        } else {
            report.state = report.shipments.allSatisfy { $0.state == .delivered } ? .fulfilled : .failed
        }
        return report
    }

    /// Runs one shipment's child workflow and returns how it ended. The child's id is the order's
    /// id and the shipment's, so shipping the same order again cannot ship a parcel twice.
    private static func ship(_ request: ShipmentRequest, context: WorkflowContext) async -> ShipmentOutcome {
        let id = request.shipment.shipmentID
        let child: ChildWorkflowHandle<ShipmentWorkflow>
        do {
            child = try await context.startChildWorkflow(
                ShipmentWorkflow.self, input: request,
                options: ChildWorkflowOptions(id: WorkflowID("\(request.orderID)/\(id)")))
        } catch {
            return ShipmentOutcome(shipmentID: id, state: Task.isCancelled ? .notStarted : .failed, failure: "\(error)")
        }
        do {
            return try await child.result()
        } catch let error as ChildWorkflowError {
            if case .canceled = error.cause.info { return ShipmentOutcome(shipmentID: id, state: .canceled) }
            return ShipmentOutcome(shipmentID: id, state: .failed, failure: error.description)
        } catch {
            return ShipmentOutcome(shipmentID: id, state: .failed, failure: "\(error)")
        }
    }
}
