import Foundation
import Keel
import KeelEngine
import Synchronization

/// Counts calls of each activity, to check that replay does not run activities again.
final class CallLog: Sendable {
    private let calls = Mutex<[String]>([])
    func record(_ call: String) { calls.withLock { $0.append(call) } }
    var all: [String] { calls.withLock { $0 } }
    func count(_ prefix: String) -> Int { all.filter { $0.hasPrefix(prefix) }.count }
}

struct GreetingActivities: ActivityContainer {
    static let greet = ActivityDefinition<String, String>("Greet")
    static let fail = ActivityDefinition<String, String>("AlwaysFails")
    let log: CallLog

    var activities: [ActivityImplementation] {
        [
            ActivityImplementation(Self.greet) { name, _ in
                log.record("greet \(name)")
                return "Hello, \(name)!"
            },
            ActivityImplementation(Self.fail) { name, context in
                log.record("fail \(name) \(context.info.attempt)")
                throw ApplicationError("no greeting for \(name)", type: "NoGreeting", isNonRetryable: true)
            },
        ]
    }
}

/// Greets, sleeps, greets again.
final class GreetingWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: String) async throws -> [String] {
        let options = ActivityOptions(startToCloseTimeout: .seconds(10))
        let first = try await context.executeActivity(GreetingActivities.greet, input: input, options: options)
        try await context.sleep(for: .seconds(86_400 * 30))
        let second = try await context.executeActivity(
            GreetingActivities.greet, input: input + " again", options: options)
        return [first, second]
    }
}

/// Waits for approval (a signal), answers a status query, takes a limit update with a validator.
final class ApprovalWorkflow: Workflow {
    var approved: Bool?
    var limit = 100
    var status = "waiting"

    static let decide = Signal<ApprovalWorkflow, Bool>("decide") { workflow, _, approved in
        workflow.approved = approved
    }
    static let currentStatus = Query<ApprovalWorkflow, Nothing, String>("status") { workflow, _ in workflow.status }
    static let setLimit = Update<ApprovalWorkflow, Int, Int>(
        "setLimit",
        validator: { _, limit in
            if limit <= 0 { throw ApplicationError("expected a positive limit, found \(limit)", type: "BadLimit") }
        },
        handler: { workflow, _, limit in
            let old = workflow.limit
            workflow.limit = limit
            return old
        })
    static var handlers: [WorkflowHandler<ApprovalWorkflow>] {
        [decide.handler, currentStatus.handler, setLimit.handler]
    }

    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> String {
        try await context.condition { self.approved != nil }
        status = approved == true ? "approved" : "rejected"
        return "\(status) with limit \(limit)"
    }
}
