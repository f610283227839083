import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxMacros

/// The kinds of workflow handler a method can be marked as.
enum WorkflowHandlerKind: CaseIterable {
    case signal, query, update

    /// The attribute that marks a method as this kind.
    var attributeName: String {
        switch self {
        case .signal: "WorkflowSignal"
        case .query: "WorkflowQuery"
        case .update: "WorkflowUpdate"
        }
    }

    /// The nested enum that holds the typed values of this kind.
    var namespace: String {
        switch self {
        case .signal: "Signals"
        case .query: "Queries"
        case .update: "Updates"
        }
    }

    /// Returns the kind the attribute `name` marks, if it is one of the handler attributes.
    static func marked(by name: String) -> WorkflowHandlerKind? {
        allCases.first { $0.attributeName == name }
    }
}

/// A method of a `@Workflow` class marked as a signal, query or update handler, checked and ready
/// to generate its typed value.
struct WorkflowHandlerMethod {
    let kind: WorkflowHandlerKind
    /// The name histories and clients use.
    let name: String
    let attribute: AttributeSyntax
    let signature: MethodSignature
    /// The update's validator, nil for signals, queries and updates without one.
    let validator: MethodSignature?

    /// The name of the static value in the kind's namespace: the method's own name.
    var memberName: String { signature.declaration.name.text }

    /// Reads `method`, marked with `attribute`, as a handler of `workflow`. Diagnoses each problem
    /// and returns nil when there is any.
    static func read(
        _ method: FunctionDeclSyntax, attribute: AttributeSyntax, kind: WorkflowHandlerKind,
        in workflow: ClassDeclSyntax, context: some MacroExpansionContext
    ) -> WorkflowHandlerMethod? {
        let macro = kind.attributeName
        func reject(_ node: some SyntaxProtocol, _ id: String, _ message: String) {
            context.diagnose(Diagnostic(node: node, message: MacroDiagnostic(id, "@\(macro) " + message)))
        }
        guard case .success(let customName) = attribute.stringArgument("name", in: context),
            let signature = MethodSignature.read(method, macro: macro, contextType: "WorkflowContext", in: context)
        else { return nil }

        switch kind {
        case .signal:
            if let result = signature.result {
                reject(
                    result, "signalResult",
                    "expects a method that returns nothing, since a signal has no reply, found one that returns "
                        + "'\(result.trimmedDescription)'")
                return nil
            }
        case .query:
            var problemCount = 0
            if let async = signature.declaration.signature.effectSpecifiers?.asyncSpecifier {
                reject(
                    async, "asyncQuery",
                    "expects a synchronous method, since a query answers at once without waiting, found 'async'")
                problemCount += 1
            }
            if let parameter = signature.context {
                reject(
                    parameter, "queryContext",
                    "expects no WorkflowContext parameter, since a query only reads the workflow's state, found "
                        + "'\(parameter.with(\.trailingComma, nil).trimmedDescription)'")
                problemCount += 1
            }
            if signature.result == nil {
                reject(
                    method.name, "queryWithoutResult",
                    "expects a method that returns the answer, found '\(method.name.text)' that returns nothing")
                problemCount += 1
            }
            guard problemCount == 0 else { return nil }
        case .update:
            break
        }

        var validator: MethodSignature?
        if kind == .update {
            guard case .success(let validatorName) = attribute.stringArgument("validator", in: context) else {
                return nil
            }
            if let validatorName {
                guard
                    let found = readValidator(validatorName, of: signature, in: workflow, attribute: attribute, context)
                else { return nil }
                validator = found
            }
        }
        return WorkflowHandlerMethod(
            kind: kind, name: customName ?? signature.baseName, attribute: attribute, signature: signature,
            validator: validator)
    }

    /// Finds and checks the validator method `name` of an update whose handler is `update`: a
    /// synchronous method of the workflow that returns nothing and takes the update's input or nothing.
    private static func readValidator(
        _ name: String, of update: MethodSignature, in workflow: ClassDeclSyntax, attribute: AttributeSyntax,
        _ context: some MacroExpansionContext
    ) -> MethodSignature? {
        func reject(_ node: some SyntaxProtocol, _ id: String, _ message: String) {
            context.diagnose(Diagnostic(node: node, message: MacroDiagnostic(id, "@WorkflowUpdate " + message)))
        }
        let candidates = workflow.memberBlock.members.compactMap { $0.decl.as(FunctionDeclSyntax.self) }
            .filter { ($0.name.identifier?.name ?? $0.name.text) == name }
        guard let method = candidates.first else {
            let argument = validatorArgument(of: attribute) ?? Syntax(attribute)
            let others = workflow.memberBlock.members.compactMap { $0.decl.as(FunctionDeclSyntax.self) }
                .filter { $0.name.text != "run" && $0.name.text != update.declaration.name.text }
                .map { "'\($0.name.text)'" }
            let found =
                others.isEmpty
                ? "no method named '\(name)', nor any other method"
                : "no method named '\(name)'; the other methods are \(others.joined(separator: ", "))"
            reject(
                argument, "validatorNotFound",
                "expects 'validator' to name a method of '\(workflow.name.text)' like "
                    + "'func \(name)(_ input: \(update.inputType)) throws', found \(found)")
            return nil
        }
        guard
            let validator = MethodSignature.read(
                method, macro: "WorkflowUpdate", contextType: "WorkflowContext", in: context)
        else { return nil }
        var problemCount = 0
        if let async = validator.declaration.signature.effectSpecifiers?.asyncSpecifier {
            reject(
                async, "asyncValidator",
                "expects validator '\(name)' to be synchronous, since it decides before the update is accepted, "
                    + "found 'async'")
            problemCount += 1
        }
        if let result = validator.result {
            reject(
                result, "validatorResult",
                "expects validator '\(name)' to return nothing and throw to reject, found one that returns "
                    + "'\(result.trimmedDescription)'")
            problemCount += 1
        }
        if let parameter = validator.context {
            reject(
                parameter, "validatorContext",
                "expects validator '\(name)' to take no WorkflowContext, since it must not act on the world, found "
                    + "'\(parameter.with(\.trailingComma, nil).trimmedDescription)'")
            problemCount += 1
        }
        if let parameter = validator.input, update.input == nil {
            reject(
                parameter, "validatorInput",
                "expects validator '\(name)' to take no input, like the update '\(update.declaration.name.text)', "
                    + "found '\(parameter.with(\.trailingComma, nil).trimmedDescription)'")
            problemCount += 1
        }
        return problemCount == 0 ? validator : nil
    }

    /// The expression given for `validator:`, to point a diagnostic at.
    private static func validatorArgument(of attribute: AttributeSyntax) -> Syntax? {
        guard case .argumentList(let arguments) = attribute.arguments else { return nil }
        return arguments.first { $0.label?.text == "validator" }.map { Syntax($0.expression) }
    }

    /// Returns the declaration of the typed value in the kind's namespace, which both registers the
    /// handler and types the client's calls.
    func valueDeclaration(workflowType: String, access: String) -> String {
        let input = signature.input == nil ? "_" : "input"
        let contextName = signature.context == nil ? "_" : "context"
        let call = signature.call(on: "workflow", inputName: "input", contextName: "context")
        let literal = StringLiteralExprSyntax(content: name).trimmedDescription
        switch kind {
        case .signal:
            return """
                \(access)static let \(memberName) = Keel.Signal<\(workflowType), \(signature.inputType)>(\(literal)) { workflow, \(contextName), \(input) in
                    \(call)
                }
                """
        case .query:
            return """
                \(access)static let \(memberName) = Keel.Query<\(workflowType), \(signature.inputType), \
                \(signature.outputType)>(\(literal)) { workflow, \(input) in
                    \(call)
                }
                """
        case .update:
            let body = signature.result == nil ? "\(call)\n    return Keel.Nothing()" : call
            var arguments = literal
            if let validator {
                let validatorInput = validator.input == nil ? "_" : "input"
                let validatorCall = validator.call(on: "workflow", inputName: "input", contextName: "context")
                arguments += ",\nvalidator: { workflow, \(validatorInput) in\n    \(validatorCall)\n}"
            }
            return """
                \(access)static let \(memberName) = Keel.Update<\(workflowType), \(signature.inputType), \
                \(signature.outputType)>(
                \(arguments),
                handler: { workflow, \(contextName), \(input) in
                    \(body)
                })
                """
        }
    }
}
