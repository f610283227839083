import Keel
import KeelEngine

// The workflows the replay target registers. Together they issue every command a workflow can: activities
// (each cancellation type), local activities, timers (slept on, canceled), side effects, patches and
// deprecated patches, search attribute and memo upserts, child workflows (awaited, signaled, canceled),
// signals and cancellations of external workflows, continue-as-new, completion, failure and cancellation;
// they take signals, queries and updates (with a validator), and decode inputs and results of several
// types (a nested struct, integers, strings, booleans, doubles, dictionaries, raw bytes, nothing), so a
// history's payloads reach the data converter too.

/// An order, the structured input of `OrderWorkflow`.
struct Order: Codable, Sendable, Hashable {
    var id: String
    var amount: Int
    var items: [String]
    var express: Bool
}

/// What `OrderWorkflow` returns.
struct Receipt: Codable, Sendable, Hashable {
    var orderID: String
    var charged: Int
    var reference: String
    var approved: Bool?
}

/// The activities the workflows call; the worker that records the seed histories implements them.
struct ShopActivities: ActivityContainer {
    static let charge = ActivityDefinition<Order, Int>("Charge")
    static let validate = ActivityDefinition<String, Bool>("Validate")
    static let pack = ActivityDefinition<String, RawBytes>("Pack")
    static let notify = ActivityDefinition<[String: Int], Nothing>("Notify")
    static let refund = ActivityDefinition<Int, Double>("Refund")
    static let wait = ActivityDefinition<Nothing, String>("Wait")

    var activities: [ActivityImplementation] {
        [
            ActivityImplementation(Self.charge) { order, _ in order.amount * 100 },
            ActivityImplementation(Self.validate) { id, _ in !id.isEmpty },
            ActivityImplementation(Self.pack) { item, _ in RawBytes(Array(item.utf8)) },
            ActivityImplementation(Self.notify) { _, _ in Nothing() },
            ActivityImplementation(Self.refund) { cents, _ in Double(cents) / 100 },
            ActivityImplementation(Self.wait) { _, context in
                // Runs until canceled, so the workflows' cancellations have something to cancel, or for two
                // seconds of real time (an abandoned one must end for the test clock to skip again).
                for _ in 0..<400 {
                    if context.isCancelRequested { throw CancellationError() }
                    try await Task.sleep(for: .milliseconds(5))
                    context.heartbeat()
                }
                return "waited"
            },
        ]
    }
}

/// Charges an order after validating it, waiting for approval (a signal, with a timeout) and taking
/// amount changes (an update), with side effects, patches, randomness, timers and upserts along the way.
final class OrderWorkflow: Workflow {
    var approved: Bool?
    var amount = 0
    var notes: [String] = []
    var status = "new"

    static let approve = Signal<OrderWorkflow, Bool>("approve") { workflow, _, approved in workflow.approved = approved
    }
    static let note = Signal<OrderWorkflow, String>("note") { workflow, _, note in workflow.notes.append(note) }
    static let currentStatus = Query<OrderWorkflow, Nothing, String>("status") { workflow, _ in workflow.status }
    static let setAmount = Update<OrderWorkflow, Int, Int>(
        "setAmount",
        validator: { _, amount in
            if amount < 0 { throw ApplicationError("expected a non-negative amount, found \(amount)") }
        },
        handler: { workflow, context, amount in
            // An update handler that waits on an activity, so update events interleave with others.
            let valid = try await context.executeActivity(
                ShopActivities.validate, input: "amount \(amount)",
                options: ActivityOptions(startToCloseTimeout: .seconds(5)))
            guard valid else { throw ApplicationError("amount \(amount) is not valid") }
            defer { workflow.amount = amount }
            return workflow.amount
        })
    static var handlers: [WorkflowHandler<OrderWorkflow>] {
        [approve.handler, note.handler, currentStatus.handler, setAmount.handler]
    }

    init() {}

    func run(context: WorkflowContext, input: Order) async throws -> Receipt {
        amount = input.amount
        status = "validating"
        let valid = try await context.executeLocalActivity(ShopActivities.validate, input: input.id)
        guard valid else { throw ApplicationError("order \(input.id) is not valid", type: "InvalidOrder") }
        let reference = try context.sideEffect { "ref-\(input.id)" }
        _ = context.uuid()
        let delay = context.random(in: 1...5)
        if context.patched("express-lane") && input.express {
            context.upsertSearchAttributes(["Lane": .keyword("express")])
        } else {
            try await context.sleep(for: .seconds(Int64(delay)))
        }
        context.deprecatePatch("old-pricing")
        try context.upsertMemo(["note": "order \(input.id)"])
        status = "waiting"
        let decided = try await context.condition(timeout: .seconds(3_600)) { self.approved != nil }
        let reminder = context.timer(for: .seconds(600))
        reminder.cancel()
        let charged = try await context.executeActivity(
            ShopActivities.charge, input: Order(id: input.id, amount: amount, items: input.items, express: false),
            options: ActivityOptions(
                startToCloseTimeout: .seconds(30),
                retryPolicy: RetryPolicy(maximumAttempts: 3)))
        status = "charged"
        for item in input.items.prefix(2) {
            _ = try await context.executeActivity(
                ShopActivities.pack, input: item, options: ActivityOptions(scheduleToCloseTimeout: .seconds(60)))
        }
        return Receipt(orderID: input.id, charged: charged, reference: reference, approved: decided ? approved : nil)
    }
}

/// Starts children and talks to them and to other workflows; continues as new while its input is
/// above zero.
final class ParentWorkflow: Workflow {
    init() {}

    func run(context: WorkflowContext, input: Int) async throws -> [String] {
        async let first = context.executeChildWorkflow(
            ChildWorkflow.self, input: "first", options: ChildWorkflowOptions(id: "child-first"))
        let second = try await context.startChildWorkflow(ChildWorkflow.self, input: "second")
        try await second.signal(ChildWorkflow.poke, 2)
        second.cancel()
        let secondResult: String
        do {
            secondResult = try await second.result()
        } catch {
            secondResult = "second canceled"
        }
        let other = context.externalWorkflow("other-order")
        do {
            try await other.signal(OrderWorkflow.approve, true)
        } catch {
            // A signal that cannot be delivered is part of the history too; the run goes on.
        }
        other.cancel()
        try await context.executeActivity(
            ShopActivities.notify, input: ["children": 2, "round": input],
            options: ActivityOptions(startToCloseTimeout: .seconds(5)))
        let results = [try await first, secondResult]
        if input > 0 {
            try context.continueAsNew(ParentWorkflow.self, input: input - 1)
        }
        return results
    }
}

/// A child: packs an item, sleeps, and waits for a poke.
final class ChildWorkflow: Workflow {
    var pokes = 0

    static let poke = Signal<ChildWorkflow, Int>("poke") { workflow, _, count in workflow.pokes += count }
    static var handlers: [WorkflowHandler<ChildWorkflow>] { [poke.handler] }

    init() {}

    func run(context: WorkflowContext, input: String) async throws -> String {
        let packed = try await context.executeActivity(
            ShopActivities.pack, input: input, options: ActivityOptions(startToCloseTimeout: .seconds(5)))
        _ = try await context.condition(timeout: .seconds(30)) { self.pokes > 0 }
        try await context.sleep(for: .seconds(5))
        return "\(input): \(packed.bytes.count) bytes, \(pokes) pokes"
    }
}

/// Waits on activities of each cancellation type and a long timer until it is canceled, then refunds in a
/// shielded task and rethrows, which closes the run as canceled.
final class CancellableWorkflow: Workflow {
    init() {}

    func run(context: WorkflowContext, input: Int) async throws -> Double {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for cancellation in [ActivityCancellationType.tryCancel, .waitCancellationCompleted, .abandon] {
                    group.addTask {
                        _ = try await context.executeActivity(
                            ShopActivities.wait,
                            options: ActivityOptions(
                                startToCloseTimeout: .seconds(3_600), heartbeatTimeout: .seconds(1),
                                cancellationType: cancellation))
                    }
                }
                group.addTask { try await context.sleep(for: .seconds(86_400)) }
                try await group.waitForAll()
            }
            return 0
        } catch is CancellationError {
            let refunded = try await context.shielded {
                try await context.executeActivity(
                    ShopActivities.refund, input: input, options: ActivityOptions(startToCloseTimeout: .seconds(5)))
            }
            if refunded < 0 { return refunded }
            throw CancellationError()
        }
    }
}

/// Every registered workflow type.
let replayWorkflows: [any Workflow.Type] = [
    OrderWorkflow.self, ParentWorkflow.self, ChildWorkflow.self, CancellableWorkflow.self,
]
