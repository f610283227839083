import KeelEngine

/// A workflow: plain Swift code that Keel runs durably. Keel creates one instance per run with
/// `init()`, calls `run(context:input:)` once, and rebuilds the instance from history by replay
/// when a worker restarts, so the code must be deterministic: it talks to the world only through
/// its `WorkflowContext` and activities.
///
/// Signal, query and update handlers are listed in `handlers`; they run on the same deterministic
/// executor as `run`, so they may read and change the instance's state without locks.
public protocol Workflow: AnyObject, SendableMetatype {
    /// What the workflow is started with.
    associatedtype Input: Codable & Sendable = Nothing
    /// What the workflow returns.
    associatedtype Output: Codable & Sendable = Nothing

    /// The workflow type name that clients start and histories record; the type's name by default.
    static var name: String { get }
    /// The signal, query and update handlers of the workflow; none by default.
    static var handlers: [WorkflowHandler<Self>] { get }

    /// Creates the instance a run uses.
    init()

    /// The workflow's body; its result completes the run, and an error it throws fails the run
    /// (a cancellation error cancels it).
    func run(context: WorkflowContext, input: Input) async throws -> Output
}

extension Workflow {
    public static var name: String { String(describing: self) }
    public static var handlers: [WorkflowHandler<Self>] { [] }
}

/// One handler of a workflow type: a signal, a query or an update, with its input and output
/// already converted to and from payloads.
public struct WorkflowHandler<W: Workflow>: Sendable {
    enum Body: Sendable {
        case signal(@Sendable (W, WorkflowContext, [Payload]) async throws -> Void)
        case query(@Sendable (W, [Payload], DataConverter) throws -> [Payload])
        case update(
            validate: @Sendable (W, [Payload], DataConverter) throws -> Void,
            run: @Sendable (W, WorkflowContext, [Payload]) async throws -> [Payload])
    }
    /// The signal, query or update name.
    public let name: String
    let body: Body
}

/// A signal a workflow of type `W` takes, with its input type. The same value registers the
/// handler (in `W.handlers`) and types the client's `signal` call.
public struct Signal<W: Workflow, Input: Codable & Sendable>: Sendable {
    /// The signal name histories record.
    public let name: String
    let body: (@Sendable (W, WorkflowContext, Input) async throws -> Void)?

    /// Declares a signal and its handler.
    public init(_ name: String, handler: @escaping @Sendable (W, WorkflowContext, Input) async throws -> Void) {
        self.name = name
        self.body = handler
    }

    /// Declares a signal without a handler, for sending only.
    public init(_ name: String) {
        self.name = name
        self.body = nil
    }

    /// The handler to list in `W.handlers`.
    public var handler: WorkflowHandler<W> {
        let body = self.body
        let name = self.name
        return WorkflowHandler(
            name: name,
            body: .signal { workflow, context, payloads in
                guard let body else { return }
                let input = try context.converter.decode(Input.self, from: payloads)
                try await body(workflow, context, input)
            })
    }
}

/// A query a workflow of type `W` answers: a synchronous, read-only look at its state.
public struct Query<W: Workflow, Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    /// The query type name.
    public let name: String
    let body: (@Sendable (W, Input) throws -> Output)?

    /// Declares a query and its handler.
    public init(_ name: String, handler: @escaping @Sendable (W, Input) throws -> Output) {
        self.name = name
        self.body = handler
    }

    /// Declares a query without a handler, for asking only.
    public init(_ name: String) {
        self.name = name
        self.body = nil
    }

    /// The handler to list in `W.handlers`.
    public var handler: WorkflowHandler<W> {
        let body = self.body
        let name = self.name
        return WorkflowHandler(
            name: name,
            body: .query { workflow, payloads, converter in
                guard let body else {
                    throw ApplicationError("query '\(name)' has no handler", type: "QueryNotFound")
                }
                return try converter.encode(try body(workflow, try converter.decode(Input.self, from: payloads)))
            })
    }
}

/// An update a workflow of type `W` takes: a request that may change the workflow's state and
/// returns a result. The validator runs first, after the other events of the same workflow task,
/// and may reject the update: a rejected update writes no update event (the workflow task that
/// carried it is still recorded). The validator must not change state.
public struct Update<W: Workflow, Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    /// The update name.
    public let name: String
    let validator: (@Sendable (W, Input) throws -> Void)?
    let body: (@Sendable (W, WorkflowContext, Input) async throws -> Output)?

    /// Declares an update, an optional validator, and its handler.
    public init(
        _ name: String, validator: (@Sendable (W, Input) throws -> Void)? = nil,
        handler: @escaping @Sendable (W, WorkflowContext, Input) async throws -> Output
    ) {
        self.name = name
        self.validator = validator
        self.body = handler
    }

    /// Declares an update without a handler, for sending only.
    public init(_ name: String) {
        self.name = name
        self.validator = nil
        self.body = nil
    }

    /// The handler to list in `W.handlers`.
    public var handler: WorkflowHandler<W> {
        let body = self.body
        let validator = self.validator
        let name = self.name
        return WorkflowHandler(
            name: name,
            body: .update(
                validate: { workflow, payloads, converter in
                    let input = try converter.decode(Input.self, from: payloads)
                    try validator?(workflow, input)
                },
                run: { workflow, context, payloads in
                    guard let body else {
                        throw ApplicationError("update '\(name)' has no handler", type: "UpdateNotFound")
                    }
                    let input = try context.converter.decode(Input.self, from: payloads)
                    return try context.converter.encode(try await body(workflow, context, input))
                }))
    }
}
