import SwiftSyntax
import SwiftSyntaxMacros

/// A method of an `@ActivityContainer` type marked `@Activity`, checked and ready to generate its
/// definition and implementation.
struct ActivityMethod {
    /// The activity type name histories record.
    let name: String
    let signature: MethodSignature

    /// The name of the definition in `Activities`: the method's own name.
    var memberName: String { signature.declaration.name.text }

    /// Reads `method`, marked with `attribute`. Diagnoses each problem and returns nil when there is any.
    static func read(
        _ method: FunctionDeclSyntax, attribute: AttributeSyntax, context: some MacroExpansionContext
    ) -> ActivityMethod? {
        guard case .success(let customName) = attribute.stringArgument("name", in: context),
            let signature = MethodSignature.read(method, macro: "Activity", contextType: "ActivityContext", in: context)
        else { return nil }
        return ActivityMethod(name: customName ?? signature.baseName, signature: signature)
    }

    /// Returns the declaration of the definition workflows call the activity by.
    func definitionDeclaration(access: String) -> String {
        let literal = StringLiteralExprSyntax(content: name).trimmedDescription
        return "\(access)static let \(memberName) = Keel.ActivityDefinition<\(signature.inputType), "
            + "\(signature.outputType)>(\(literal))"
    }

    /// Returns the expression that implements the definition by calling the method on `self`.
    var implementationExpression: String {
        let input = signature.input == nil ? "_" : "input"
        let context = signature.context == nil ? "_" : "context"
        let call = signature.call(on: "self", inputName: "input", contextName: "context")
        let body = signature.result == nil ? "\(call)\n    return Keel.Nothing()" : call
        return """
            Keel.ActivityImplementation(Activities.\(memberName)) { \(input), \(context) in
                \(body)
            }
            """
    }
}
