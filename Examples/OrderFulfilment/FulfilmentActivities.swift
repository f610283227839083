import Keel
import KeelEngine
import Synchronization

/// One parcel of an order.
public struct Shipment: Codable, Sendable, Hashable {
    /// The shipment's id, unique across orders.
    public var shipmentID: String
    /// What the parcel holds.
    public var items: [String]
    /// How many days the carrier takes to deliver it.
    public var transitDays: Int

    /// Creates a shipment.
    public init(shipmentID: String, items: [String], transitDays: Int) {
        self.shipmentID = shipmentID
        self.items = items
        self.transitDays = transitDays
    }
}

/// The input of the payment activities.
public struct PaymentRequest: Codable, Sendable, Hashable {
    /// The order paid for.
    public var orderID: String
    /// The amount in cents.
    public var amount: Int

    /// Creates a payment request.
    public init(orderID: String, amount: Int) {
        self.orderID = orderID
        self.amount = amount
    }
}

/// The input of the shipment activities.
public struct ShipmentRequest: Codable, Sendable, Hashable {
    /// The order the shipment belongs to.
    public var orderID: String
    /// The shipment.
    public var shipment: Shipment

    /// Creates a shipment request.
    public init(orderID: String, shipment: Shipment) {
        self.orderID = orderID
        self.shipment = shipment
    }
}

/// The payment provider, warehouse and carrier of the example, in memory: a journal of what they
/// did. Each entry is recorded once per key, so retried activities do not charge or ship twice.
public final class FulfilmentServices: Sendable {
    /// One thing the services did.
    public enum Entry: Hashable, Sendable, CustomStringConvertible {
        case charged(orderID: String, amount: Int)
        case refunded(orderID: String, amount: Int)
        case reserved(shipmentID: String)
        case released(shipmentID: String)
        case delivered(shipmentID: String)

        public var description: String {
            switch self {
            case .charged(let order, let amount): "charged \(formatCents(amount)) for \(order)"
            case .refunded(let order, let amount): "refunded \(formatCents(amount)) for \(order)"
            case .reserved(let shipment): "reserved stock for \(shipment)"
            case .released(let shipment): "released stock of \(shipment)"
            case .delivered(let shipment): "delivered \(shipment)"
            }
        }
    }

    private let state = Mutex<(entries: [Entry], keys: Set<String>)>(([], []))

    /// Creates services that have done nothing yet.
    public init() {}

    /// Records `entry` unless an entry with `key` was recorded before; returns whether it is new.
    @discardableResult
    public func record(_ entry: Entry, key: String) -> Bool {
        state.withLock { state in
            guard state.keys.insert(key).inserted else { return false }
            state.entries.append(entry)
            return true
        }
    }

    /// What the services did, in order.
    public var entries: [Entry] { state.withLock { $0.entries } }
}

/// The activities of the order and shipment workflows.
public struct FulfilmentActivities: ActivityContainer {
    /// Charges the customer for the order.
    public static let chargePayment = ActivityDefinition<PaymentRequest, Nothing>("ChargePayment")
    /// Gives the customer's money back.
    public static let refundPayment = ActivityDefinition<PaymentRequest, Nothing>("RefundPayment")
    /// Sets a shipment's items aside in the warehouse.
    public static let reserveStock = ActivityDefinition<ShipmentRequest, Nothing>("ReserveStock")
    /// Puts a shipment's items back on the shelf.
    public static let releaseStock = ActivityDefinition<ShipmentRequest, Nothing>("ReleaseStock")
    /// Records that the carrier delivered a shipment.
    public static let confirmDelivery = ActivityDefinition<ShipmentRequest, Nothing>("ConfirmDelivery")

    /// The services the activities call.
    public let services: FulfilmentServices

    /// Creates the activities over `services`.
    public init(services: FulfilmentServices) {
        self.services = services
    }

    /// Returns the key that makes one activity of one workflow take effect at most once.
    public static func idempotencyKey(_ info: ActivityInfo) -> String {
        "\(info.workflowExecution.workflowID.rawValue)/\(info.activityID)"
    }

    public var activities: [ActivityImplementation] {
        let services = self.services
        return [
            ActivityImplementation(Self.chargePayment) { request, context in
                services.record(
                    .charged(orderID: request.orderID, amount: request.amount), key: Self.idempotencyKey(context.info))
                return Nothing()
            },
            ActivityImplementation(Self.refundPayment) { request, context in
                services.record(
                    .refunded(orderID: request.orderID, amount: request.amount), key: Self.idempotencyKey(context.info))
                return Nothing()
            },
            ActivityImplementation(Self.reserveStock) { request, context in
                services.record(
                    .reserved(shipmentID: request.shipment.shipmentID), key: Self.idempotencyKey(context.info))
                return Nothing()
            },
            ActivityImplementation(Self.releaseStock) { request, context in
                services.record(
                    .released(shipmentID: request.shipment.shipmentID), key: Self.idempotencyKey(context.info))
                return Nothing()
            },
            ActivityImplementation(Self.confirmDelivery) { request, context in
                services.record(
                    .delivered(shipmentID: request.shipment.shipmentID), key: Self.idempotencyKey(context.info))
                return Nothing()
            },
        ]
    }
}
