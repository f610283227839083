import Foundation
import Keel
import KeelEngine
import Testing

/// Activities declared with the macros: a custom name, a synchronous one that takes its context and
/// returns nothing, and one of no input.
@ActivityContainer
struct MacroShippingActivities {
    let log: CallLog

    @Activity(name: "Reserve")
    func reserve(_ item: String) async throws -> Int {
        log.record("reserve \(item)")
        return item.count
    }

    @Activity
    func audit(_ entry: String, context: ActivityContext) {
        log.record("audit \(entry) on attempt \(context.info.attempt)")
    }

    @Activity
    func trackingNumber() async -> String {
        log.record("tracking")
        return "TRACK-1"
    }
}

/// An order that takes items by signal until it is closed, answers queries about them, takes a
/// limit update with a validator, and ships the items through activities.
@Workflow
final class MacroOrderWorkflow {
    var items: [String] = []
    var isClosed = false
    var limit = 3

    init() {}

    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.condition { self.isClosed }
        let options = ActivityOptions(startToCloseTimeout: .seconds(10))
        var reserved = 0
        for item in items {
            reserved += try await context.executeActivity(
                MacroShippingActivities.Activities.reserve, input: item, options: options)
        }
        _ = try await context.executeActivity(
            MacroShippingActivities.Activities.audit, input: "order \(input)", options: options)
        let tracking = try await context.executeActivity(
            MacroShippingActivities.Activities.trackingNumber, options: options)
        return "\(input): \(items.joined(separator: ",")), \(reserved) letters, \(tracking)"
    }

    @WorkflowSignal
    func add(_ item: String) {
        items.append(item)
    }

    @WorkflowSignal(name: "close")
    func closeOrder() async throws {
        isClosed = true
    }

    @WorkflowQuery
    func count() -> Int {
        items.count
    }

    @WorkflowQuery(name: "contains")
    func containsItem(_ item: String) throws -> Bool {
        items.contains(item)
    }

    @WorkflowUpdate(validator: "validateLimit")
    func setLimit(_ newLimit: Int) -> Int {
        let old = limit
        limit = newLimit
        return old
    }

    func validateLimit(_ newLimit: Int) throws {
        guard newLimit > 0 else {
            throw ApplicationError("expected a positive limit, found \(newLimit)", type: "BadLimit")
        }
    }

    @WorkflowUpdate(name: "addReserved")
    func addReserving(_ item: String, context: WorkflowContext) async throws -> Int {
        let options = ActivityOptions(startToCloseTimeout: .seconds(10))
        let letters = try await context.executeActivity(
            MacroShippingActivities.Activities.reserve, input: item, options: options)
        items.append(item)
        return letters
    }

    @WorkflowUpdate
    func clear() {
        items.removeAll()
    }
}

@Suite("Workflows and activities declared with macros")
struct MacroWorkflowTests {
    @Test func macrosNameTheHandlersAndActivitiesTheyGenerate() {
        #expect(
            MacroOrderWorkflow.handlers.map(\.name) == [
                "add", "close", "count", "contains", "setLimit", "addReserved", "clear",
            ])
        #expect(MacroOrderWorkflow.Signals.closeOrder.name == "close")
        #expect(MacroOrderWorkflow.Queries.containsItem.name == "contains")
        #expect(MacroOrderWorkflow.Updates.addReserving.name == "addReserved")
        #expect(MacroOrderWorkflow.name == "MacroOrderWorkflow")
        let activities = MacroShippingActivities(log: CallLog()).activities.map(\.name)
        #expect(activities == ["Reserve", "audit", "trackingNumber"])
        #expect(MacroShippingActivities.Activities.reserve.name == "Reserve")
    }

    @Test func signalQueryUpdateAndActivitiesRunThroughTheGeneratedHandlers() async throws {
        let env = try TestEnvironment.start()
        let log = CallLog()
        env.addWorker(
            taskQueue: "q", workflows: [MacroOrderWorkflow.self], activities: [MacroShippingActivities(log: log)])
        let handle = try await env.client.startWorkflow(
            MacroOrderWorkflow.self, input: "order-7", options: WorkflowOptions(id: "macro-order-1", taskQueue: "q"))

        // Queries and updates come first: a query sees a signal's effect only once a workflow task
        // has handled it, while an update returns after its own task has.
        #expect(try await handle.query(MacroOrderWorkflow.Queries.count) == 0)
        #expect(try await handle.update(MacroOrderWorkflow.Updates.setLimit, 5) == 3)
        let rejection = await #expect(throws: ApplicationError.self) {
            try await handle.update(MacroOrderWorkflow.Updates.setLimit, 0)
        }
        #expect(rejection?.type == "BadLimit")
        #expect(try await handle.update(MacroOrderWorkflow.Updates.setLimit, 7) == 5)
        #expect(try await handle.update(MacroOrderWorkflow.Updates.addReserving, "bread") == 5)
        #expect(try await handle.query(MacroOrderWorkflow.Queries.count) == 1)
        #expect(try await handle.query(MacroOrderWorkflow.Queries.containsItem, "bread"))
        #expect(try await handle.query(MacroOrderWorkflow.Queries.containsItem, "milk") == false)
        _ = try await handle.update(MacroOrderWorkflow.Updates.clear, Nothing())
        #expect(try await handle.query(MacroOrderWorkflow.Queries.count) == 0)
        try await handle.signal(MacroOrderWorkflow.Signals.add, "honey")
        try await handle.signal(MacroOrderWorkflow.Signals.closeOrder)

        #expect(try await handle.result() == "order-7: honey, 5 letters, TRACK-1")
        #expect(log.all == ["reserve bread", "reserve honey", "audit order order-7 on attempt 1", "tracking"])
        #expect(try await handle.query(MacroOrderWorkflow.Queries.containsItem, "honey"))
        let history = try handle.history()
        let signals = history.compactMap { event -> String? in
            guard case .workflowExecutionSignaled(let signaled) = event.attributes else { return nil }
            return signaled.signalName
        }
        #expect(signals == ["add", "close"])
        let activityTypes = history.compactMap { event -> String? in
            guard case .activityTaskScheduled(let scheduled) = event.attributes else { return nil }
            return scheduled.activityType
        }
        #expect(activityTypes == ["Reserve", "Reserve", "audit", "trackingNumber"])
        try await env.shutdown()
    }
}
