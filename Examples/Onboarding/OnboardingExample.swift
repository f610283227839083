import Keel
import KeelEngine

/// Onboards two customers: one who activates right after the welcome email and so gets nothing
/// more, and one who never activates and gets the nudge on day 7 and the win-back offer on day 30.
public enum OnboardingExample {
    /// The task queue the example's worker serves.
    public static let taskQueue = "onboarding"

    /// Starts a worker for the onboarding workflow and its email activity.
    @discardableResult
    public static func addWorker(to host: some ExampleHost, mailer: any Mailer) -> Worker {
        host.addWorker(
            taskQueue: taskQueue, workflows: [OnboardingWorkflow.self],
            activities: [OnboardingActivities(mailer: mailer)], options: nil)
    }

    /// Starts a worker with an in-memory outbox on `host` and runs the example. On a host whose
    /// clock is real, pass short waits: the defaults take 30 days.
    ///
    /// - Throws: an engine error when a workflow cannot be started, or `WorkflowFailedError`.
    public static func run(
        on host: some ExampleHost, nudgeAfter: Duration = .seconds(7 * 86_400),
        winBackAfter: Duration = .seconds(23 * 86_400)
    ) async throws -> OnboardingSummary {
        addWorker(to: host, mailer: Outbox())
        return try await run(client: host.client, nudgeAfter: nudgeAfter, winBackAfter: winBackAfter)
    }

    /// Runs the example with `client` (a worker must serve `taskQueue`) and returns each customer's
    /// progress.
    ///
    /// - Throws: an engine error when a workflow cannot be started, or `WorkflowFailedError`.
    public static func run(
        client: KeelClient, nudgeAfter: Duration = .seconds(7 * 86_400),
        winBackAfter: Duration = .seconds(23 * 86_400), idPrefix: String = "onboarding"
    ) async throws -> OnboardingSummary {
        let eager = try await client.startWorkflow(
            OnboardingWorkflow.self,
            input: OnboardingInput(
                customerID: "ada", email: "ada@example.com", nudgeAfter: nudgeAfter, winBackAfter: winBackAfter),
            options: WorkflowOptions(id: WorkflowID("\(idPrefix)-ada"), taskQueue: taskQueue))
        let idle = try await client.startWorkflow(
            OnboardingWorkflow.self,
            input: OnboardingInput(
                customerID: "bob", email: "bob@example.com", nudgeAfter: nudgeAfter, winBackAfter: winBackAfter),
            options: WorkflowOptions(id: WorkflowID("\(idPrefix)-bob"), taskQueue: taskQueue))
        try await eager.signal(OnboardingWorkflow.activated)
        return OnboardingSummary(customers: [try await eager.result(), try await idle.result()])
    }
}

/// What the onboarding example did, printable.
public struct OnboardingSummary: Sendable, CustomStringConvertible {
    /// Each customer's emails and activation.
    public var customers: [OnboardingProgress]

    public var description: String {
        customers.map { customer in
            var parts = customer.emails.map { "\($0.kind.rawValue) at \(describeElapsed($0.after))" }
            if let activated = customer.activatedAfter {
                parts.append("activated at \(describeElapsed(activated))")
            } else {
                parts.append("never activated")
            }
            return "\(customer.customerID): " + parts.joined(separator: ", ")
        }.joined(separator: "\n")
    }
}
