import KeelMacros
import SwiftSyntax
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacrosGenericTestSupport
import Testing

/// Keel's macros under the names the `Keel` module declares them with.
let keelMacros: [String: MacroSpec] = [
    "Workflow": MacroSpec(
        type: WorkflowMacro.self, conformances: [TypeSyntax(IdentifierTypeSyntax(name: .identifier("Workflow")))]),
    "WorkflowSignal": MacroSpec(type: WorkflowSignalMacro.self),
    "WorkflowQuery": MacroSpec(type: WorkflowQueryMacro.self),
    "WorkflowUpdate": MacroSpec(type: WorkflowUpdateMacro.self),
    "ActivityContainer": MacroSpec(
        type: ActivityContainerMacro.self,
        conformances: [TypeSyntax(IdentifierTypeSyntax(name: .identifier("ActivityContainer")))]),
    "Activity": MacroSpec(type: ActivityMacro.self),
]

/// Expands Keel's macros in `source` and records a test issue when the expansion, the
/// diagnostics or the source after Fix-Its differ from what is expected.
func assertKeelExpansion(
    _ source: String, expandedSource: String, diagnostics: [DiagnosticSpec] = [], fixedSource: String? = nil,
    fileID: StaticString = #fileID, filePath: StaticString = #filePath, line: UInt = #line, column: UInt = #column
) {
    assertMacroExpansion(
        source, expandedSource: expandedSource, diagnostics: diagnostics, macroSpecs: keelMacros,
        fixedSource: fixedSource,
        failureHandler: { failure in
            Issue.record(
                Comment(rawValue: failure.message),
                sourceLocation: SourceLocation(
                    fileID: failure.location.fileID, filePath: failure.location.filePath, line: failure.location.line,
                    column: failure.location.column))
        }, fileID: fileID, filePath: filePath, line: line, column: column)
}
