import SwiftSyntaxMacrosGenericTestSupport
import Testing

@Suite("Workflow macro diagnostics")
struct WorkflowMacroDiagnosticTests {
    @Test func workflowOnAStructIsRejected() {
        assertKeelExpansion(
            """
            @Workflow
            struct Order {
                func run(context: WorkflowContext, input: Nothing) async throws {}
            }
            """,
            expandedSource: """
                struct Order {
                    func run(context: WorkflowContext, input: Nothing) async throws {}
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Workflow expects a final class, since a run keeps one instance whose state its "
                        + "handlers change, found a struct", line: 1, column: 1)
            ])
    }

    @Test func workflowOnAClassThatIsNotFinalOffersToAddFinal() {
        assertKeelExpansion(
            """
            @Workflow
            class Order {
                required init() {}
            }
            """,
            expandedSource: """
                class Order {
                    required init() {}
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Workflow expects a final class, found a class that is not final", line: 2, column: 1,
                    fixIts: [FixItSpec(message: "Add 'final'")])
            ],
            fixedSource: """
                @Workflow
                final class Order {
                    required init() {}
                }
                """)
    }

    @Test func genericWorkflowIsRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Box<Value> {
                init() {}
            }
            """,
            expandedSource: """
                final class Box<Value> {
                    init() {}
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Workflow expects a class without generic parameters, since its workflow type name "
                        + "and handlers are static, found '<Value>'", line: 2, column: 16)
            ])
    }

    @Test func signalWithTwoInputsIsRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowSignal
                func ship(_ address: String, express: Bool) {}
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    func ship(_ address: String, express: Bool) {}
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowSignal expects at most one input parameter (wrap several values in one "
                        + "Codable struct) and an optional WorkflowContext, found 2 inputs: '_ address: String', "
                        + "'express: Bool'", line: 5, column: 34)
            ])
    }

    @Test func signalThatReturnsAValueIsRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowSignal
                func cancel() -> Bool { true }
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    func cancel() -> Bool { true }
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowSignal expects a method that returns nothing, since a signal has no reply, "
                        + "found one that returns 'Bool'", line: 5, column: 22)
            ])
    }

    @Test func asyncQueryWithContextAndNoResultReportsEachProblem() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowQuery
                func peek(context: WorkflowContext) async {}
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    func peek(context: WorkflowContext) async {}
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowQuery expects a synchronous method, since a query answers at once without "
                        + "waiting, found 'async'", line: 5, column: 41),
                DiagnosticSpec(
                    message: "@WorkflowQuery expects no WorkflowContext parameter, since a query only reads the "
                        + "workflow's state, found 'context: WorkflowContext'", line: 5, column: 15),
                DiagnosticSpec(
                    message: "@WorkflowQuery expects a method that returns the answer, found 'peek' that returns "
                        + "nothing", line: 5, column: 10),
            ])
    }

    @Test func validatorThatDoesNotExistIsNamed() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowUpdate(validator: "checkQuantity")
                func setQuantity(_ quantity: Int) -> Int { quantity }
                func checkQuantities(_ quantity: Int) throws {}
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    func setQuantity(_ quantity: Int) -> Int { quantity }
                    func checkQuantities(_ quantity: Int) throws {}
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowUpdate expects 'validator' to name a method of 'Order' like "
                        + "'func checkQuantity(_ input: Int) throws', found no method named 'checkQuantity'; the "
                        + "other methods are 'checkQuantities'", line: 4, column: 32)
            ])
    }

    @Test func validatorThatIsAsyncOrReturnsAValueIsRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowUpdate(validator: "check")
                func setQuantity(_ quantity: Int) -> Int { quantity }
                func check(_ quantity: Int) async throws -> Bool { true }
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    func setQuantity(_ quantity: Int) -> Int { quantity }
                    func check(_ quantity: Int) async throws -> Bool { true }
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowUpdate expects validator 'check' to be synchronous, since it decides before "
                        + "the update is accepted, found 'async'", line: 6, column: 33),
                DiagnosticSpec(
                    message: "@WorkflowUpdate expects validator 'check' to return nothing and throw to reject, "
                        + "found one that returns 'Bool'", line: 6, column: 49),
            ])
    }

    @Test func validatorWithAnInputForAnUpdateWithoutOneIsRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowUpdate(validator: "check")
                func reset() {}
                func check(_ quantity: Int) throws {}
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    func reset() {}
                    func check(_ quantity: Int) throws {}
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowUpdate expects validator 'check' to take no input, like the update 'reset', "
                        + "found '_ quantity: Int'", line: 6, column: 16)
            ])
    }

    @Test func handlerNamesUsedTwiceAreRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowSignal(name: "status")
                func setStatus(_ status: String) {}
                @WorkflowQuery
                func status() -> String { "" }
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    func setStatus(_ status: String) {}
                    func status() -> String { "" }

                    enum Signals {
                        static let setStatus = Keel.Signal<Order, String>("status") { workflow, _, input in
                            workflow.setStatus(input)
                        }
                    }

                    static var handlers: [Keel.WorkflowHandler<Order>] {
                        [
                            Signals.setStatus.handler,
                        ]
                    }
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowQuery expects a name no other signal, query or update of 'Order' uses, "
                        + "found 'status' on both 'setStatus' and 'status'", line: 6, column: 5)
            ])
    }

    @Test func handWrittenHandlersNextToMarkedMethodsAreRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                static var handlers: [WorkflowHandler<Order>] { [] }
                @WorkflowSignal
                func cancel() {}
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    static var handlers: [WorkflowHandler<Order>] { [] }
                    func cancel() {}
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Workflow expects the handlers to come from its @WorkflowSignal, @WorkflowQuery and "
                        + "@WorkflowUpdate methods, found a hand-written 'handlers' as well; remove one of the two",
                    line: 4, column: 5)
            ])
    }

    @Test func nameThatIsNotAPlainStringLiteralIsRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowSignal(name: "cancel-\\(1)")
                func cancel() {}
                @WorkflowSignal(name: "")
                func pause() {}
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    func cancel() {}
                    func pause() {}
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: #"@WorkflowSignal expects a string literal for 'name', found '"cancel-\(1)"'"#, line: 4,
                    column: 27),
                DiagnosticSpec(
                    message: #"@WorkflowSignal expects a non-empty 'name', found """#, line: 6, column: 27),
            ])
    }

    @Test func staticGenericAndInoutHandlersAreRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowSignal
                static func cancel() {}
                @WorkflowSignal
                func tag<T: Codable>(_ value: T) {}
                @WorkflowSignal
                func bump(_ count: inout Int) {}
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    static func cancel() {}
                    func tag<T: Codable>(_ value: T) {}
                    func bump(_ count: inout Int) {}
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowSignal expects an instance method, found a 'static' method", line: 5, column: 5),
                DiagnosticSpec(
                    message: "@WorkflowSignal expects a method without generic parameters, found '<T: Codable>'",
                    line: 7, column: 13),
                DiagnosticSpec(
                    message: "@WorkflowSignal expects parameters passed by value, found 'inout' on 'count'", line: 9,
                    column: 24),
            ])
    }

    @Test func methodWithTwoHandlerAttributesIsRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowSignal
                @WorkflowUpdate
                func cancel() {}
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    func cancel() {}
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowUpdate expects a method with one handler attribute, found 'cancel' already "
                        + "marked @WorkflowSignal", line: 5, column: 5)
            ])
    }

    @Test func markerInATypeWithoutWorkflowIsRejected() {
        assertKeelExpansion(
            """
            struct Plain {
                @WorkflowSignal
                func cancel() {}
            }
            """,
            expandedSource: """
                struct Plain {
                    func cancel() {}
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowSignal expects a method declared in the body of a @Workflow class, found a "
                        + "struct 'Plain' without @Workflow", line: 2, column: 5)
            ])
    }

    @Test func markerInAnExtensionIsRejected() {
        assertKeelExpansion(
            """
            extension Order {
                @WorkflowQuery
                func status() -> String { "" }
            }
            """,
            expandedSource: """
                extension Order {
                    func status() -> String { "" }
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@WorkflowQuery expects a method declared in the body of a @Workflow class, found an "
                        + "extension of 'Order', which @Workflow cannot see", line: 2, column: 5)
            ])
    }

    @Test func markerOnAPropertyIsRejected() {
        assertKeelExpansion(
            """
            @Workflow
            final class Order {
                init() {}
                @WorkflowSignal
                var cancelled = false
            }
            """,
            expandedSource: """
                final class Order {
                    init() {}
                    var cancelled = false
                }

                extension Order: Keel.Workflow {
                }
                """,
            diagnostics: [
                DiagnosticSpec(message: "@WorkflowSignal expects a method, found a property", line: 4, column: 5)
            ])
    }
}
