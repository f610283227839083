/// Makes a final class a `Workflow` and generates, from its methods marked `@WorkflowSignal`,
/// `@WorkflowQuery` and `@WorkflowUpdate`, the `handlers` list and the nested `Signals`, `Queries`
/// and `Updates` whose typed values clients send and ask by (`handle.signal(Order.Signals.cancel)`).
/// The class keeps its own `init()` and `run(context:input:)`.
@attached(member, names: named(handlers), named(Signals), named(Queries), named(Updates))
@attached(extension, conformances: Workflow)
public macro Workflow() = #externalMacro(module: "KeelMacros", type: "WorkflowMacro")

/// Marks a method of a `@Workflow` class as the handler of the signal `name` (the method's name by
/// default): `func f(_ input: T) async throws` or `func f()`, optionally with a trailing
/// `context: WorkflowContext` parameter.
@attached(peer)
public macro WorkflowSignal(name: String? = nil) = #externalMacro(module: "KeelMacros", type: "WorkflowSignalMacro")

/// Marks a method of a `@Workflow` class as the handler of the query `name` (the method's name by
/// default): a synchronous `func f(_ input: T) throws -> R` or `func f() -> R` that only reads state.
@attached(peer)
public macro WorkflowQuery(name: String? = nil) = #externalMacro(module: "KeelMacros", type: "WorkflowQueryMacro")

/// Marks a method of a `@Workflow` class as the handler of the update `name` (the method's name by
/// default): `func f(_ input: T) async throws -> R`, optionally with a `context: WorkflowContext`
/// parameter. `validator` names a synchronous method `func v(_ input: T) throws` of the class that
/// throws to reject an update before it is accepted; it must not change state.
@attached(peer)
public macro WorkflowUpdate(name: String? = nil, validator: String? = nil) =
    #externalMacro(module: "KeelMacros", type: "WorkflowUpdateMacro")

/// Makes a struct or final class an `ActivityContainer` and generates, from its methods marked
/// `@Activity`, the nested `Activities` whose typed definitions workflows call
/// (`context.executeActivity(Mail.Activities.send, ...)`) and the `activities` list a worker registers.
@attached(member, names: named(activities), named(Activities))
@attached(extension, conformances: ActivityContainer)
public macro ActivityContainer() = #externalMacro(module: "KeelMacros", type: "ActivityContainerMacro")

/// Marks a method of an `@ActivityContainer` type as the activity `name` (the method's name by
/// default): `func f(_ input: T) async throws -> R`, or without input, or returning nothing
/// (`Nothing` on the wire), optionally with a `context: ActivityContext` parameter.
@attached(peer)
public macro Activity(name: String? = nil) = #externalMacro(module: "KeelMacros", type: "ActivityMacro")
