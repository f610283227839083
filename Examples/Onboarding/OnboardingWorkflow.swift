import Keel
import KeelEngine

/// Whom to onboard and how long each wait lasts.
public struct OnboardingInput: Codable, Sendable, Hashable {
    /// The customer the sequence is for.
    public var customerID: String
    /// Where the emails go.
    public var email: String
    /// The wait after the welcome email before a customer who has not activated gets a nudge.
    public var nudgeAfter: Duration
    /// The wait after the nudge before a customer who still has not activated gets a win-back offer.
    public var winBackAfter: Duration

    /// Creates the input of the 30-day sequence: a nudge after 7 days and a win-back offer 23 days later.
    public init(
        customerID: String, email: String, nudgeAfter: Duration = .seconds(7 * 86_400),
        winBackAfter: Duration = .seconds(23 * 86_400)
    ) {
        self.customerID = customerID
        self.email = email
        self.nudgeAfter = nudgeAfter
        self.winBackAfter = winBackAfter
    }
}

/// What the onboarding sequence did for one customer, in workflow time since it started.
public struct OnboardingProgress: Codable, Sendable, Hashable {
    /// One email and how long after the start it went out.
    public struct SentEmail: Codable, Sendable, Hashable {
        /// Which email it was.
        public var kind: EmailKind
        /// How long after the run started it was sent.
        public var after: Duration
    }

    /// The customer the sequence is for.
    public var customerID: String
    /// The emails sent so far, in order.
    public var emails: [SentEmail] = []
    /// How long after the start the customer activated, or nil when they have not.
    public var activatedAfter: Duration?
    /// Whether the sequence is over.
    public var isFinished = false
}

/// The 30-day customer onboarding: a welcome email, then up to 7 days waiting for the customer to
/// activate, a nudge if they have not, up to 23 more days, and a win-back offer if they still have
/// not. The `activated` signal ends whichever wait is running, so an activated customer gets no
/// further email.
///
/// The waits are durable timers: for those 30 days no worker holds anything of the run in memory,
/// and a restarted worker picks it up from its history.
public final class OnboardingWorkflow: Workflow {
    public static let name = "CustomerOnboarding"

    /// The customer activated their account.
    public static let activated = Signal<OnboardingWorkflow, Nothing>("activated") { workflow, context, _ in
        if workflow.progress.activatedAfter == nil {
            workflow.progress.activatedAfter = context.timestamp - context.info.startTime
        }
    }

    /// What the sequence has done so far.
    public static let progress = Query<OnboardingWorkflow, Nothing, OnboardingProgress>("progress") { workflow, _ in
        workflow.progress
    }

    public static var handlers: [WorkflowHandler<OnboardingWorkflow>] { [activated.handler, progress.handler] }

    private var progress = OnboardingProgress(customerID: "")

    public init() {}

    public func run(context: WorkflowContext, input: OnboardingInput) async throws -> OnboardingProgress {
        progress.customerID = input.customerID
        try await send(.welcome, to: input, context: context)
        if try await !waitForActivation(input.nudgeAfter, context: context) {
            try await send(.nudge, to: input, context: context)
            if try await !waitForActivation(input.winBackAfter, context: context) {
                try await send(.winBack, to: input, context: context)
            }
        }
        progress.isFinished = true
        return progress
    }

    /// Waits up to `duration` for the customer to activate; returns whether they have.
    private func waitForActivation(_ duration: Duration, context: WorkflowContext) async throws -> Bool {
        try await context.condition(timeout: duration) { self.progress.activatedAfter != nil }
    }

    private func send(_ kind: EmailKind, to input: OnboardingInput, context: WorkflowContext) async throws {
        let email = Email(customerID: input.customerID, address: input.email, kind: kind)
        let sentAfter = context.timestamp - context.info.startTime
        _ = try await context.executeActivity(
            OnboardingActivities.sendEmail, input: email,
            options: ActivityOptions(activityID: kind.rawValue, startToCloseTimeout: .seconds(30)))
        progress.emails.append(.init(kind: kind, after: sentAfter))
    }
}
