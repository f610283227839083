import SwiftSyntax

extension SyntaxProtocol {
    /// What the declaration is, with an article, for messages: "a struct", "an extension", "a variable".
    var declarationKind: String {
        switch Syntax(self).as(SyntaxEnum.self) {
        case .classDecl: "a class"
        case .structDecl: "a struct"
        case .enumDecl: "an enum"
        case .actorDecl: "an actor"
        case .protocolDecl: "a protocol"
        case .extensionDecl: "an extension"
        case .functionDecl: "a method"
        case .variableDecl: "a property"
        case .initializerDecl: "an initializer"
        case .subscriptDecl: "a subscript"
        case .typeAliasDecl: "a type alias"
        default: "a declaration"
        }
    }
}

extension DeclGroupSyntax {
    /// The access modifier to repeat on generated members so they are as visible as the type:
    /// "public " or "package ", and empty for internal and narrower types, whose members default
    /// to the type's own access.
    var memberAccessPrefix: String {
        for modifier in modifiers {
            switch modifier.name.tokenKind {
            case .keyword(.public), .keyword(.open): return "public "
            case .keyword(.package): return "package "
            default: continue
            }
        }
        return ""
    }

    /// Returns the property or method named `name` that the type declares in its own body, if any.
    func member(named name: String) -> MemberBlockItemSyntax? {
        memberBlock.members.first { item in
            if let variable = item.decl.as(VariableDeclSyntax.self) {
                return variable.bindings.contains {
                    $0.pattern.as(IdentifierPatternSyntax.self)?.identifier.text == name
                }
            }
            return item.decl.as(FunctionDeclSyntax.self)?.name.text == name
        }
    }
}

extension DeclModifierListSyntax {
    /// Whether the list holds the keyword `keyword`.
    func contains(_ keyword: Keyword) -> Bool {
        contains { $0.name.tokenKind == .keyword(keyword) }
    }
}
