import Keel
import KeelEngine
import KeelExamples
import Synchronization
import Testing

@Suite("Examples: 30-day customer onboarding")
struct OnboardingTests {
    private static let queue = OnboardingExample.taskQueue

    private func start(_ customerID: String, client: KeelClient) async throws -> WorkflowHandle<OnboardingWorkflow> {
        try await client.startWorkflow(
            OnboardingWorkflow.self, input: OnboardingInput(customerID: customerID, email: "\(customerID)@example.com"),
            options: WorkflowOptions(id: WorkflowID("onboard-\(customerID)"), taskQueue: Self.queue))
    }

    @Test func exampleRunWelcomesBothAndChasesOnlyTheIdleCustomer() async throws {
        let summary = try await withEnvironment { env in try await OnboardingExample.run(on: env) }
        #expect(summary.customers.map { $0.emails.map(\.kind) } == [[.welcome], [.welcome, .nudge, .winBack]])
        #expect(summary.description.contains("bob: welcome at day 0, nudge at day 7, winBack at day 30"))
    }

    @Test func customerWhoNeverActivatesGetsTheNudgeOnDay7AndTheWinBackOnDay30() async throws {
        let outbox = Outbox()
        try await withEnvironment { env in
            OnboardingExample.addWorker(to: env, mailer: outbox)
            let started = env.clock.now()
            let handle = try await start("idle", client: env.client)
            let progress = try await handle.result()
            #expect(progress.emails.map(\.kind) == [.welcome, .nudge, .winBack])
            #expect(progress.emails.map(\.after) == [.zero, days(7), days(30)])
            #expect(progress.activatedAfter == nil)
            #expect(progress.isFinished)

            // The history's own clock agrees: the emails were scheduled 7 and 30 days into the run,
            // and the run itself ended 30 days after it started, in milliseconds of real time.
            let history = try handle.history()
            let emails = history.scheduledActivities.map { $0.time - history.startTime }
            #expect(emails == [.zero, days(7), days(30)])
            #expect(history.last?.eventType == .workflowExecutionCompleted)
            #expect(try #require(history.last).time - history.startTime == days(30))
            #expect(env.clock.now() - started >= days(30))
            #expect(try await handle.query(OnboardingWorkflow.progress) == progress)
        }
        #expect(outbox.kinds(for: "idle") == [.welcome, .nudge, .winBack])
        let sentAfter = outbox.sent.map { $0.scheduledTime - outbox.sent[0].scheduledTime }
        #expect(sentAfter == [.zero, days(7), days(30)])
    }

    @Test func customerWhoActivatesRightAwayGetsOnlyTheWelcome() async throws {
        let outbox = Outbox()
        try await withEnvironment { env in
            OnboardingExample.addWorker(to: env, mailer: outbox)
            let handle = try await start("eager", client: env.client)
            try await handle.signal(OnboardingWorkflow.activated)
            let progress = try await handle.result()
            #expect(progress.emails.map(\.kind) == [.welcome])
            #expect(progress.activatedAfter == .zero)
            let history = try handle.history()
            #expect(history.scheduledActivities.map(\.id) == ["welcome"])
            // The run did not wait out the 7 days.
            #expect(try #require(history.last).time - history.startTime < days(1))
        }
        #expect(outbox.kinds(for: "eager") == [.welcome])
    }

    @Test func customerWhoActivatesAfterTheNudgeGetsNoWinBack() async throws {
        let outbox = Outbox()
        try await withEnvironment { env in
            let handle = env.client.handle(OnboardingWorkflow.self, id: "onboard-nudged")
            // The customer follows the nudge's link at once, on day 7.
            env.addWorker(
                taskQueue: Self.queue, workflows: [OnboardingWorkflow.self],
                activities: [OnboardingActivities(mailer: ActivatingMailer(outbox: outbox, onboarding: handle))],
                options: nil)
            _ = try await start("nudged", client: env.client)
            let progress = try await handle.result()
            #expect(progress.emails.map(\.kind) == [.welcome, .nudge])
            #expect(progress.activatedAfter == days(7))
            let history = try handle.history()
            #expect(history.scheduledActivities.map(\.id) == ["welcome", "nudge"])
            #expect(try #require(history.last).time - history.startTime == days(7))
        }
        #expect(outbox.kinds(for: "nudged") == [.welcome, .nudge])
    }
}

/// Sends email to an outbox and, when the email is a nudge, has the customer activate.
private struct ActivatingMailer: Mailer {
    let outbox: Outbox
    let onboarding: WorkflowHandle<OnboardingWorkflow>

    func send(_ email: Email, info: ActivityInfo) async throws {
        try await outbox.send(email, info: info)
        if email.kind == .nudge { try await onboarding.signal(OnboardingWorkflow.activated) }
    }
}
