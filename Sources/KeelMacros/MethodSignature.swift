import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxMacros

/// A method that a Keel macro turns into a handler or an activity, read off its declaration: at
/// most one input parameter, at most one context parameter, its effects and its result.
struct MethodSignature {
    /// The method as written.
    let declaration: FunctionDeclSyntax
    /// The parameter that carries the input, nil when the method takes none.
    let input: FunctionParameterSyntax?
    /// The parameter of the context type, nil when the method does not ask for it.
    let context: FunctionParameterSyntax?
    /// The declared result, nil when the method returns nothing (no arrow, `Void` or `()`).
    let result: TypeSyntax?
    /// Whether the method is `async`, so a call needs `await`.
    let isAsync: Bool
    /// Whether the method throws, so a call needs `try`.
    let isThrowing: Bool

    /// The method's name without backticks: the default name of the handler or activity.
    var baseName: String { declaration.name.identifier?.name ?? declaration.name.text }

    /// The input type to write in generated code: the parameter's type, or `Nothing`.
    var inputType: String { input?.type.trimmedDescription ?? "Keel.Nothing" }

    /// The output type to write in generated code: the result type, or `Nothing`.
    var outputType: String { result?.trimmedDescription ?? "Keel.Nothing" }

    /// Reads `declaration` as a method for `@macro`, where `contextType` names the one parameter type
    /// that is passed as context rather than input. Diagnoses each problem at its place and returns
    /// nil when there is any.
    static func read(
        _ declaration: FunctionDeclSyntax, macro: String, contextType: String, in context: some MacroExpansionContext
    ) -> MethodSignature? {
        // Problems are collected rather than returned early, so one expansion reports all of them.
        var problems: [Diagnostic] = []
        func reject(_ node: some SyntaxProtocol, _ id: String, _ message: String) {
            problems.append(Diagnostic(node: node, message: MacroDiagnostic(id, "@\(macro) " + message)))
        }

        if let modifier = declaration.modifiers.first(where: {
            $0.name.tokenKind == .keyword(.static) || $0.name.tokenKind == .keyword(.class)
        }) {
            reject(modifier, "staticMethod", "expects an instance method, found a '\(modifier.name.text)' method")
        }
        if let modifier = declaration.modifiers.first(where: { $0.name.tokenKind == .keyword(.mutating) }) {
            reject(modifier, "mutatingMethod", "expects a method that does not mutate its value, found 'mutating'")
        }
        if let generics = declaration.genericParameterClause {
            reject(
                generics, "genericMethod",
                "expects a method without generic parameters, found '\(generics.trimmedDescription)'")
        }

        var inputs: [FunctionParameterSyntax] = []
        var contexts: [FunctionParameterSyntax] = []
        for parameter in declaration.signature.parameterClause.parameters {
            let parameterName = (parameter.secondName ?? parameter.firstName).text
            if let attributed = parameter.type.as(AttributedTypeSyntax.self),
                let specifier = attributed.specifiers.first(where: { $0.trimmedDescription == "inout" })
            {
                reject(
                    specifier, "inoutParameter",
                    "expects parameters passed by value, found 'inout' on '\(parameterName)'")
            }
            if let ellipsis = parameter.ellipsis {
                reject(
                    ellipsis, "variadicParameter",
                    "expects one input value, found the variadic parameter '\(parameterName)'")
            }
            if isType(parameter.type, named: contextType) {
                contexts.append(parameter)
            } else {
                inputs.append(parameter)
            }
        }
        if inputs.count > 1 {
            let found = inputs.map { "'\($0.with(\.trailingComma, nil).trimmedDescription)'" }.joined(separator: ", ")
            reject(
                inputs[1], "tooManyInputs",
                "expects at most one input parameter (wrap several values in one Codable struct) and an "
                    + "optional \(contextType), found \(inputs.count) inputs: \(found)")
        }
        if contexts.count > 1 {
            reject(
                contexts[1], "tooManyContexts",
                "expects at most one \(contextType) parameter, found \(contexts.count)")
        }
        guard problems.isEmpty else {
            problems.forEach(context.diagnose)
            return nil
        }

        let effects = declaration.signature.effectSpecifiers
        var result = declaration.signature.returnClause?.type
        if let type = result, isType(type, named: "Void") || type.as(TupleTypeSyntax.self)?.elements.isEmpty == true {
            result = nil
        }
        return MethodSignature(
            declaration: declaration, input: inputs.first, context: contexts.first, result: result,
            isAsync: effects?.asyncSpecifier != nil, isThrowing: effects?.throwsClause != nil)
    }

    /// Returns a call of the method on `receiver` that passes `inputName` and `contextName` to the
    /// parameters they belong to, with exactly the `try` and `await` the method's effects call for,
    /// since a needless one is a warning and warnings fail the build.
    func call(on receiver: String, inputName: String, contextName: String) -> String {
        let arguments = declaration.signature.parameterClause.parameters.map { parameter in
            let value = parameter.id == context?.id ? contextName : inputName
            return parameter.firstName.tokenKind == .wildcard ? value : "\(parameter.firstName.text): \(value)"
        }
        return (isThrowing ? "try " : "") + (isAsync ? "await " : "")
            + "\(receiver).\(declaration.name.text)(\(arguments.joined(separator: ", ")))"
    }

    /// Whether `type` is written as `name` or `Keel.name`/`Swift.name`.
    static func isType(_ type: TypeSyntax, named name: String) -> Bool {
        if let identifier = type.as(IdentifierTypeSyntax.self) {
            return identifier.name.text == name && identifier.genericArgumentClause == nil
        }
        if let member = type.as(MemberTypeSyntax.self) {
            let module = member.baseType.trimmedDescription
            return member.name.text == name && (module == "Keel" || module == "Swift")
        }
        return false
    }
}
