import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxMacros

extension AttributeSyntax {
    /// The attribute's name without a module prefix: `Workflow` for both `@Workflow` and `@Keel.Workflow`.
    var simpleName: String {
        if let member = attributeName.as(MemberTypeSyntax.self) { return member.name.text }
        return attributeName.trimmedDescription
    }

    /// Returns the string given for the argument labelled `label`: nil when the argument is absent or
    /// `nil`, and a diagnosed error when it is anything but a plain string literal, since a macro
    /// cannot evaluate expressions.
    func stringArgument(_ label: String, in context: some MacroExpansionContext) -> Result<String?, MacroDiagnostic> {
        guard case .argumentList(let arguments) = self.arguments,
            let argument = arguments.first(where: { $0.label?.text == label })
        else { return .success(nil) }
        if argument.expression.is(NilLiteralExprSyntax.self) { return .success(nil) }
        guard let literal = argument.expression.as(StringLiteralExprSyntax.self),
            let value = literal.representedLiteralValue
        else {
            let error = MacroDiagnostic(
                "argumentNotLiteral",
                "@\(simpleName) expects a string literal for '\(label)', found '\(argument.expression.trimmedDescription)'"
            )
            context.diagnose(Diagnostic(node: argument.expression, message: error))
            return .failure(error)
        }
        guard !value.isEmpty else {
            let error = MacroDiagnostic("argumentEmpty", "@\(simpleName) expects a non-empty '\(label)', found \"\"")
            context.diagnose(Diagnostic(node: argument.expression, message: error))
            return .failure(error)
        }
        return .success(value)
    }
}

extension AttributeListSyntax {
    /// The attributes (not `#if` blocks) whose simple name is one of `names`.
    func named(_ names: Set<String>) -> [AttributeSyntax] {
        compactMap { element in
            guard case .attribute(let attribute) = element, names.contains(attribute.simpleName) else { return nil }
            return attribute
        }
    }
}
