import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@Workflow`: makes a final class a `Workflow` and generates, from its methods marked
/// `@WorkflowSignal`, `@WorkflowQuery` and `@WorkflowUpdate`, the `handlers` list and the typed
/// `Signals`, `Queries` and `Updates` that clients call them by.
public struct WorkflowMacro: MemberMacro, ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, providingMembersOf declaration: some DeclGroupSyntax,
        conformingTo protocols: [TypeSyntax], in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard let workflow = workflowClass(declaration, attribute: node, in: context) else { return [] }
        let handlers = markedHandlers(of: workflow, in: context)
        guard !handlers.isEmpty else { return [] }
        if let written = workflow.member(named: "handlers") {
            context.diagnose(
                Diagnostic(
                    node: written,
                    message: MacroDiagnostic(
                        "handlersWritten",
                        "@Workflow expects the handlers to come from its @WorkflowSignal, @WorkflowQuery and "
                            + "@WorkflowUpdate methods, found a hand-written 'handlers' as well; remove one of the two"
                    )))
            return []
        }

        let access = workflow.memberAccessPrefix
        let workflowType = workflow.name.text
        var members: [DeclSyntax] = []
        for kind in WorkflowHandlerKind.allCases {
            let values = handlers.filter { $0.kind == kind }
                .map { $0.valueDeclaration(workflowType: workflowType, access: access) }
            guard !values.isEmpty else { continue }
            members.append("\(raw: access)enum \(raw: kind.namespace) {\n\(raw: values.joined(separator: "\n"))\n}")
        }
        let list = handlers.map { "\($0.kind.namespace).\($0.memberName).handler,\n" }.joined()
        members.append(
            "\(raw: access)static var handlers: [Keel.WorkflowHandler<\(raw: workflowType)>] {\n[\n\(raw: list)]\n}")
        return members
    }

    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        // The member expansion reports what is wrong with the declaration; a conformance on top of
        // that would only add errors about the same mistake.
        guard !protocols.isEmpty, isWorkflowClass(declaration) else { return [] }
        return [try ExtensionDeclSyntax("extension \(type.trimmed): Keel.Workflow {}")]
    }

    /// Whether `declaration` is a final class without generic parameters, the only shape a workflow takes.
    private static func isWorkflowClass(_ declaration: some DeclGroupSyntax) -> Bool {
        guard let workflow = declaration.as(ClassDeclSyntax.self) else { return false }
        return workflow.modifiers.contains(.final) && workflow.genericParameterClause == nil
    }

    /// Returns `declaration` as a workflow class, or diagnoses why it is not one.
    private static func workflowClass(
        _ declaration: some DeclGroupSyntax, attribute: AttributeSyntax, in context: some MacroExpansionContext
    ) -> ClassDeclSyntax? {
        guard let workflow = declaration.as(ClassDeclSyntax.self) else {
            context.diagnose(
                Diagnostic(
                    node: attribute,
                    message: MacroDiagnostic(
                        "workflowNotClass",
                        "@Workflow expects a final class, since a run keeps one instance whose state its handlers "
                            + "change, found \(declaration.declarationKind)")))
            return nil
        }
        guard workflow.modifiers.contains(.final) else {
            // The Fix-It only edits text, so one token that reads "final class" is enough to add the modifier.
            let keyword = workflow.classKeyword
            let finalClass = TokenSyntax.identifier(
                "final class", leadingTrivia: keyword.leadingTrivia, trailingTrivia: keyword.trailingTrivia)
            context.diagnose(
                Diagnostic(
                    node: keyword,
                    message: MacroDiagnostic(
                        "workflowNotFinal", "@Workflow expects a final class, found a class that is not final"),
                    fixIt: FixIt(
                        message: MacroFixIt("addFinal", "Add 'final'"),
                        changes: [.replace(oldNode: Syntax(keyword), newNode: Syntax(finalClass))])))
            return nil
        }
        if let generics = workflow.genericParameterClause {
            context.diagnose(
                Diagnostic(
                    node: generics,
                    message: MacroDiagnostic(
                        "genericWorkflow",
                        "@Workflow expects a class without generic parameters, since its workflow type name "
                            + "and handlers are static, found '\(generics.trimmedDescription)'")))
            return nil
        }
        return workflow
    }

    /// Reads the marked methods of `workflow`, diagnosing bad ones and names used twice, and
    /// returns the good ones in declaration order.
    private static func markedHandlers(
        of workflow: ClassDeclSyntax, in context: some MacroExpansionContext
    ) -> [WorkflowHandlerMethod] {
        let attributeNames = Set(WorkflowHandlerKind.allCases.map(\.attributeName))
        var handlers: [WorkflowHandlerMethod] = []
        for member in workflow.memberBlock.members {
            guard let method = member.decl.as(FunctionDeclSyntax.self) else { continue }
            let attributes = method.attributes.named(attributeNames)
            guard let attribute = attributes.first,
                let kind = WorkflowHandlerKind.marked(by: attribute.simpleName)
            else { continue }
            if attributes.count > 1 {
                context.diagnose(
                    Diagnostic(
                        node: attributes[1],
                        message: MacroDiagnostic(
                            "twoHandlerKinds",
                            "@\(attributes[1].simpleName) expects a method with one handler attribute, found "
                                + "'\(method.name.text)' already marked @\(attribute.simpleName)")))
                continue
            }
            guard
                let handler = WorkflowHandlerMethod.read(
                    method, attribute: attribute, kind: kind, in: workflow, context: context)
            else { continue }
            if let other = handlers.first(where: { $0.name == handler.name }) {
                context.diagnose(
                    Diagnostic(
                        node: attribute,
                        message: MacroDiagnostic(
                            "duplicateHandlerName",
                            "@\(kind.attributeName) expects a name no other signal, query or update of "
                                + "'\(workflow.name.text)' uses, found '\(handler.name)' on both "
                                + "'\(other.memberName)' and '\(handler.memberName)'")))
                continue
            }
            if let other = handlers.first(where: { $0.kind == kind && $0.memberName == handler.memberName }) {
                context.diagnose(
                    Diagnostic(
                        node: method.name,
                        message: MacroDiagnostic(
                            "duplicateHandlerMethod",
                            "@\(kind.attributeName) expects one marked method named '\(handler.memberName)', "
                                + "since it names \(kind.namespace).\(handler.memberName), found a second one "
                                + "besides the \(other.name == handler.name ? "first" : "one named '\(other.name)'")"
                        )))
                continue
            }
            handlers.append(handler)
        }
        return handlers
    }
}
