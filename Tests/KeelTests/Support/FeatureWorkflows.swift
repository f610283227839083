import Foundation
import Keel
import KeelEngine
import Synchronization

/// Version 1 of a workflow that changes shape: an activity, then a long sleep, then done.
final class VersionOne: Workflow {
    static var name: String { "Versioned" }
    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> String {
        _ = try await context.executeActivity(
            GreetingActivities.greet, input: "v1", options: ActivityOptions(startToCloseTimeout: .seconds(10)))
        try await context.sleep(for: .seconds(3_600))
        return "done"
    }
}

/// Version 2 of the same workflow type: it sleeps first, which does not match version 1's history.
final class VersionTwo: Workflow {
    static var name: String { "Versioned" }
    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> String {
        try await context.sleep(for: .seconds(60))
        return "never"
    }
}

/// Sleeps for a day unless canceled; on cancellation runs a compensating activity the cancellation
/// does not reach, then rethrows.
final class CancellableWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> String {
        do {
            try await context.sleep(for: .seconds(86_400))
            return "slept"
        } catch is CancellationError {
            _ = try await context.shielded {
                try await context.executeActivity(
                    GreetingActivities.greet, input: "cleanup",
                    options: ActivityOptions(startToCloseTimeout: .seconds(5)))
            }
            throw CancellationError()
        }
    }
}

final class ChildDoubler: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Int) async throws -> Int { input * 2 }
}

final class ParentWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        let handle = try await context.startChildWorkflow(ChildDoubler.self, input: input)
        let doubled = try await handle.result()
        let again = try await context.executeChildWorkflow(ChildDoubler.self, input: doubled)
        return again + 1
    }
}

/// Counts up by continuing as new until it reaches 3.
final class ChainWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Int) async throws -> String {
        if input < 3 { try context.continueAsNew(ChainWorkflow.self, input: input + 1) }
        return "reached \(input) in run continued from \(context.info.continuedFromRunID?.rawValue.isEmpty == false)"
    }
}

/// Runs three activities at once with `async let` and a task group, sleeping in between so that
/// every later task replays the earlier ones.
final class ConcurrentWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> [String] {
        let options = ActivityOptions(startToCloseTimeout: .seconds(10))
        async let a = context.executeActivity(GreetingActivities.greet, input: "a", options: options)
        async let b = context.executeActivity(GreetingActivities.greet, input: "b", options: options)
        let first = try await [a, b]
        try await context.sleep(for: .seconds(10))
        let rest = try await withThrowingTaskGroup(of: String.self) { group in
            for name in ["c", "d", "e"] {
                group.addTask {
                    try await context.executeActivity(GreetingActivities.greet, input: name, options: options)
                }
            }
            var results: [String] = []
            for try await result in group { results.append(result) }
            return results.sorted()
        }
        return first + rest
    }
}

/// Counts how often a side effect's closure really runs.
let sideEffectRuns = Mutex(0)

/// Uses the deterministic helpers, then sleeps so that the next task replays them.
final class DeterminismWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> [String] {
        let token = try context.sideEffect { () -> String in
            sideEffectRuns.withLock { $0 += 1 }
            return UUID().uuidString
        }
        let uuid = context.uuid().uuidString
        let number = context.random(in: 1...1_000_000)
        let isPatched = context.patched("new-greeting")
        let local = try await context.executeLocalActivity(GreetingActivities.greet, input: "local")
        try await context.sleep(for: .seconds(5))
        let uuidAfter = context.uuid().uuidString
        return [token, uuid, String(number), String(isPatched), local, uuidAfter]
    }
}

/// Waits for a condition with a timeout; a signal makes it hold.
final class ConditionWorkflow: Workflow {
    var isReady = false
    static let ready = Signal<ConditionWorkflow, Nothing>("ready") { workflow, _, _ in workflow.isReady = true }
    static var handlers: [WorkflowHandler<ConditionWorkflow>] { [ready.handler] }
    init() {}
    func run(context: WorkflowContext, input: Int) async throws -> String {
        let held = try await context.condition(timeout: .seconds(Int64(input))) { self.isReady }
        return held ? "ready" : "timed out"
    }
}

/// Fails with a non-retryable activity error.
final class FailingWorkflow: Workflow {
    init() {}
    func run(context: WorkflowContext, input: Nothing) async throws -> String {
        try await context.executeActivity(
            GreetingActivities.fail, input: "Bob",
            options: ActivityOptions(startToCloseTimeout: .seconds(5), retryPolicy: RetryPolicy(maximumAttempts: 5)))
    }
}
