import KeelEngine

/// A workflow type with its generic parts erased, as a worker keeps it.
struct WorkflowRegistration: Sendable {
    let name: String
    let make: @Sendable () -> AnyObject
    let run: @Sendable (AnyObject, WorkflowContext, [Payload]) async throws -> [Payload]
    let handlers: [String: ErasedHandler]

    enum ErasedHandler: Sendable {
        case signal(@Sendable (AnyObject, WorkflowContext, [Payload]) async throws -> Void)
        case query(@Sendable (AnyObject, [Payload], DataConverter) throws -> [Payload])
        case update(
            validate: @Sendable (AnyObject, [Payload], DataConverter) throws -> Void,
            run: @Sendable (AnyObject, WorkflowContext, [Payload]) async throws -> [Payload])
    }

    init<W: Workflow>(_ type: W.Type) {
        name = W.name
        make = { W() }
        run = { object, context, payloads in
            let workflow = object as! W
            let input = try context.converter.decode(W.Input.self, from: payloads)
            return try context.converter.encode(try await workflow.run(context: context, input: input))
        }
        var handlers: [String: ErasedHandler] = [:]
        for handler in W.handlers {
            switch handler.body {
            case .signal(let body):
                handlers[handler.name] = .signal { object, context, payloads in
                    try await body(object as! W, context, payloads)
                }
            case .query(let body):
                handlers[handler.name] = .query { object, payloads, converter in
                    try body(object as! W, payloads, converter)
                }
            case .update(let validate, let body):
                handlers[handler.name] = .update(
                    validate: { object, payloads, converter in try validate(object as! W, payloads, converter) },
                    run: { object, context, payloads in try await body(object as! W, context, payloads) })
            }
        }
        self.handlers = handlers
    }
}

/// Holds a value that only the workflow's executor thread touches, so it may cross into the tasks
/// that executor runs.
final class ExecutorBound<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
