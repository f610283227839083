import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@ActivityContainer`: makes a struct or class an `ActivityContainer` and generates, from its
/// methods marked `@Activity`, the typed `Activities` that workflows call and the `activities`
/// list a worker registers.
public struct ActivityContainerMacro: MemberMacro, ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, providingMembersOf declaration: some DeclGroupSyntax,
        conformingTo protocols: [TypeSyntax], in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard isContainer(declaration, attribute: node, in: context) else { return [] }
        let activities = markedActivities(of: declaration, in: context)
        if let written = declaration.member(named: "activities") {
            guard !activities.isEmpty else { return [] }
            context.diagnose(
                Diagnostic(
                    node: written,
                    message: MacroDiagnostic(
                        "activitiesWritten",
                        "@ActivityContainer expects the activities to come from its @Activity methods, found a "
                            + "hand-written 'activities' as well; remove one of the two")))
            return []
        }

        let access = declaration.memberAccessPrefix
        var members: [DeclSyntax] = []
        if !activities.isEmpty {
            let definitions = activities.map { $0.definitionDeclaration(access: access) }
            members.append("\(raw: access)enum Activities {\n\(raw: definitions.joined(separator: "\n"))\n}")
        }
        let list =
            activities.isEmpty
            ? "[]" : "[\n" + activities.map { $0.implementationExpression + ",\n" }.joined() + "]"
        members.append("\(raw: access)var activities: [Keel.ActivityImplementation] {\n\(raw: list)\n}")
        return members
    }

    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        // The member expansion reports what is wrong with the declaration; see WorkflowMacro.
        guard !protocols.isEmpty, isStructOrClass(declaration), genericParameters(of: declaration) == nil else {
            return []
        }
        return [try ExtensionDeclSyntax("extension \(type.trimmed): Keel.ActivityContainer {}")]
    }

    /// Whether `declaration` is a struct or a class, the types that can hold activities.
    private static func isStructOrClass(_ declaration: some DeclGroupSyntax) -> Bool {
        declaration.is(StructDeclSyntax.self) || declaration.is(ClassDeclSyntax.self)
    }

    /// The generic parameters of a struct or class declaration, if it has any.
    private static func genericParameters(of declaration: some DeclGroupSyntax) -> GenericParameterClauseSyntax? {
        declaration.as(StructDeclSyntax.self)?.genericParameterClause
            ?? declaration.as(ClassDeclSyntax.self)?.genericParameterClause
    }

    /// Whether `declaration` is a struct or class without generic parameters; diagnoses it when not.
    private static func isContainer(
        _ declaration: some DeclGroupSyntax, attribute: AttributeSyntax, in context: some MacroExpansionContext
    ) -> Bool {
        guard isStructOrClass(declaration) else {
            context.diagnose(
                Diagnostic(
                    node: attribute,
                    message: MacroDiagnostic(
                        "containerKind",
                        "@ActivityContainer expects a Sendable struct or final class, found "
                            + declaration.declarationKind)))
            return false
        }
        if let generics = genericParameters(of: declaration) {
            context.diagnose(
                Diagnostic(
                    node: generics,
                    message: MacroDiagnostic(
                        "genericContainer",
                        "@ActivityContainer expects a type without generic parameters, since its activity "
                            + "definitions are static, found '\(generics.trimmedDescription)'")))
            return false
        }
        return true
    }

    /// Reads the `@Activity` methods of `container`, diagnosing bad ones and names used twice, and
    /// returns the good ones in declaration order.
    private static func markedActivities(
        of container: some DeclGroupSyntax, in context: some MacroExpansionContext
    ) -> [ActivityMethod] {
        var activities: [ActivityMethod] = []
        for member in container.memberBlock.members {
            guard let method = member.decl.as(FunctionDeclSyntax.self),
                let attribute = method.attributes.named(["Activity"]).first,
                let activity = ActivityMethod.read(method, attribute: attribute, context: context)
            else { continue }
            if let other = activities.first(where: { $0.name == activity.name }) {
                context.diagnose(
                    Diagnostic(
                        node: attribute,
                        message: MacroDiagnostic(
                            "duplicateActivityName",
                            "@Activity expects a name no other activity of the container uses, found "
                                + "'\(activity.name)' on both '\(other.memberName)' and '\(activity.memberName)'")))
                continue
            }
            if activities.contains(where: { $0.memberName == activity.memberName }) {
                context.diagnose(
                    Diagnostic(
                        node: method.name,
                        message: MacroDiagnostic(
                            "duplicateActivityMethod",
                            "@Activity expects one marked method named '\(activity.memberName)', since it names "
                                + "Activities.\(activity.memberName), found a second one")))
                continue
            }
            activities.append(activity)
        }
        return activities
    }
}
