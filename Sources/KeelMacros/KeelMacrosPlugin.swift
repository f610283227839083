import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin that serves Keel's macros.
@main
struct KeelMacrosPlugin: CompilerPlugin {
    let providingMacros: [Macro.Type] = [
        WorkflowMacro.self,
        WorkflowSignalMacro.self,
        WorkflowQueryMacro.self,
        WorkflowUpdateMacro.self,
        ActivityContainerMacro.self,
        ActivityMacro.self,
    ]
}
