import SwiftDiagnostics

/// An error a Keel macro reports at the declaration that misuses it.
struct MacroDiagnostic: DiagnosticMessage, Error {
    let message: String
    let diagnosticID: MessageID
    let severity: DiagnosticSeverity = .error

    /// Creates an error; `id` is a stable code that tests and tools can match.
    init(_ id: String, _ message: String) {
        self.message = message
        self.diagnosticID = MessageID(domain: "Keel", id: id)
    }
}

/// The label of a Fix-It a Keel macro offers.
struct MacroFixIt: FixItMessage {
    let message: String
    let fixItID: MessageID

    init(_ id: String, _ message: String) {
        self.message = message
        self.fixItID = MessageID(domain: "Keel", id: id)
    }
}
