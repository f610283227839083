import KeelEngine

/// An activity type: its name and the types of its input and output. Workflows call it by this
/// value; workers implement it with an `ActivityImplementation`.
public struct ActivityDefinition<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    /// The activity type name histories record.
    public let name: String
    public init(_ name: String) { self.name = name }
}

/// The code behind one activity type, registered on a worker.
public struct ActivityImplementation: Sendable {
    /// The activity type name.
    public let name: String
    let body: @Sendable ([Payload], ActivityContext) async throws -> [Payload]

    /// Implements `definition` with `body`, which gets the decoded input and the activity's context.
    public init<Input, Output>(
        _ definition: ActivityDefinition<Input, Output>,
        _ body: @escaping @Sendable (Input, ActivityContext) async throws -> Output
    ) {
        self.name = definition.name
        self.body = { payloads, context in
            let input = try context.converter.decode(Input.self, from: payloads)
            return try context.converter.encode(try await body(input, context))
        }
    }
}

/// A value that holds activities and the dependencies they need (a database handle, a client),
/// registered on a worker as a whole.
public protocol ActivityContainer: Sendable {
    /// The activities the container implements.
    var activities: [ActivityImplementation] { get }
}
