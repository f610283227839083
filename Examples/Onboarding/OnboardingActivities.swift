import Foundation
import Keel
import KeelEngine
import Synchronization

/// The emails of the onboarding sequence.
public enum EmailKind: String, Codable, Sendable, Hashable {
    case welcome
    case nudge
    case winBack
}

/// One email to one customer.
public struct Email: Codable, Sendable, Hashable {
    /// The customer it is for.
    public var customerID: String
    /// The address it goes to.
    public var address: String
    /// Which email of the sequence it is.
    public var kind: EmailKind

    /// Creates an email of `kind` for a customer.
    public init(customerID: String, address: String, kind: EmailKind) {
        self.customerID = customerID
        self.address = address
        self.kind = kind
    }
}

/// Sends email. The example's `Outbox` keeps what it sends in memory; a real one would call a mail
/// service.
public protocol Mailer: Sendable {
    /// Sends `email`.
    ///
    /// - Throws: when the mail service refuses or cannot be reached; the activity is then retried.
    func send(_ email: Email, info: ActivityInfo) async throws
}

/// A mailer that keeps sent emails in memory, once per activity: a retried send of an email that
/// already went out is not sent again.
public final class Outbox: Mailer {
    /// One sent email and when the workflow scheduled it (workflow time).
    public struct Sent: Sendable, Hashable {
        /// The email.
        public var email: Email
        /// When the workflow scheduled the send, in workflow time.
        public var scheduledTime: Timestamp
    }
    private let state = Mutex<(sent: [Sent], keys: Set<String>)>(([], []))

    /// Creates an empty outbox.
    public init() {}

    public func send(_ email: Email, info: ActivityInfo) async throws {
        let key = "\(info.workflowExecution.workflowID.rawValue)/\(info.activityID)"
        state.withLock { state in
            guard state.keys.insert(key).inserted else { return }
            state.sent.append(Sent(email: email, scheduledTime: info.scheduledTime))
        }
    }

    /// The emails sent so far, in order.
    public var sent: [Sent] { state.withLock { $0.sent } }

    /// Returns the kinds of email `customerID` got, in order.
    public func kinds(for customerID: String) -> [EmailKind] {
        sent.filter { $0.email.customerID == customerID }.map(\.email.kind)
    }
}

/// The onboarding sequence's one activity: sending an email.
public struct OnboardingActivities: ActivityContainer {
    /// Sends one email.
    public static let sendEmail = ActivityDefinition<Email, Nothing>("SendEmail")

    /// Where emails go.
    public let mailer: any Mailer

    /// Creates the activities over `mailer`.
    public init(mailer: any Mailer) {
        self.mailer = mailer
    }

    public var activities: [ActivityImplementation] {
        let mailer = self.mailer
        return [
            ActivityImplementation(Self.sendEmail) { email, context in
                try await mailer.send(email, info: context.info)
                return Nothing()
            }
        ]
    }
}
