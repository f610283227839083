import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxMacros

/// `@WorkflowSignal`: marks a method of a `@Workflow` class as a signal handler.
public struct WorkflowSignalMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        checkMarker(node, on: declaration, container: "Workflow", place: "a @Workflow class", in: context)
        return []
    }
}

/// `@WorkflowQuery`: marks a method of a `@Workflow` class as a query handler.
public struct WorkflowQueryMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        checkMarker(node, on: declaration, container: "Workflow", place: "a @Workflow class", in: context)
        return []
    }
}

/// `@WorkflowUpdate`: marks a method of a `@Workflow` class as an update handler.
public struct WorkflowUpdateMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        checkMarker(node, on: declaration, container: "Workflow", place: "a @Workflow class", in: context)
        return []
    }
}

/// `@Activity`: marks a method of an `@ActivityContainer` type as an activity.
public struct ActivityMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        checkMarker(
            node, on: declaration, container: "ActivityContainer", place: "an @ActivityContainer type", in: context)
        return []
    }
}

/// Checks that the marker `attribute` sits on a method declared in the body of a type marked
/// `@container`, the only place where the type's macro sees it; the marker itself generates
/// nothing, so a misplaced one would otherwise be ignored without a word.
private func checkMarker(
    _ attribute: AttributeSyntax, on declaration: some DeclSyntaxProtocol, container: String, place: String,
    in context: some MacroExpansionContext
) {
    let marker = attribute.simpleName
    guard declaration.is(FunctionDeclSyntax.self) else {
        context.diagnose(
            Diagnostic(
                node: attribute,
                message: MacroDiagnostic(
                    "markerNotOnMethod", "@\(marker) expects a method, found \(declaration.declarationKind)")))
        return
    }
    let enclosing = context.lexicalContext.first
    if let group = enclosing?.asProtocol(DeclGroupSyntax.self), !group.is(ExtensionDeclSyntax.self),
        !group.attributes.named([container]).isEmpty
    {
        return
    }
    let found: String
    if let enclosing, let extensionDecl = enclosing.as(ExtensionDeclSyntax.self) {
        found = "an extension of '\(extensionDecl.extendedType.trimmedDescription)', which @\(container) cannot see"
    } else if let enclosing, let named = enclosing.asProtocol(NamedDeclSyntax.self) {
        found = "\(enclosing.declarationKind) '\(named.name.text)' without @\(container)"
    } else {
        found = enclosing?.declarationKind ?? "no enclosing type"
    }
    context.diagnose(
        Diagnostic(
            node: attribute,
            message: MacroDiagnostic(
                "markerOutsideContainer",
                "@\(marker) expects a method declared in the body of \(place), found "
                    + found)))
}
