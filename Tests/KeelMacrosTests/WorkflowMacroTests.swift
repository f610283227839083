import Testing

@Suite("Workflow macro expansions")
struct WorkflowMacroTests {
    @Test func signalQueryAndUpdateBecomeTypedValuesAndHandlers() {
        assertKeelExpansion(
            """
            @Workflow
            final class Approval {
                var approved = false
                var limit = 100

                init() {}
                func run(context: WorkflowContext, input: Nothing) async throws -> String { "" }

                @WorkflowSignal
                func approve() {
                    approved = true
                }

                @WorkflowSignal(name: "note")
                func addNote(_ text: String, context: WorkflowContext) async throws {
                }

                @WorkflowQuery
                func status() -> String {
                    approved ? "approved" : "waiting"
                }

                @WorkflowQuery(name: "overLimit")
                func isOver(amount: Int) throws -> Bool {
                    amount > limit
                }

                @WorkflowUpdate(validator: "checkLimit")
                func setLimit(_ newLimit: Int) async throws -> Int {
                    let old = limit
                    limit = newLimit
                    return old
                }

                func checkLimit(_ newLimit: Int) throws {
                }

                @WorkflowUpdate
                func reset(context: WorkflowContext) {
                    limit = 100
                }
            }
            """,
            expandedSource: """
                final class Approval {
                    var approved = false
                    var limit = 100

                    init() {}
                    func run(context: WorkflowContext, input: Nothing) async throws -> String { "" }
                    func approve() {
                        approved = true
                    }
                    func addNote(_ text: String, context: WorkflowContext) async throws {
                    }
                    func status() -> String {
                        approved ? "approved" : "waiting"
                    }
                    func isOver(amount: Int) throws -> Bool {
                        amount > limit
                    }
                    func setLimit(_ newLimit: Int) async throws -> Int {
                        let old = limit
                        limit = newLimit
                        return old
                    }

                    func checkLimit(_ newLimit: Int) throws {
                    }
                    func reset(context: WorkflowContext) {
                        limit = 100
                    }

                    enum Signals {
                        static let approve = Keel.Signal<Approval, Keel.Nothing>("approve") { workflow, _, _ in
                            workflow.approve()
                        }
                        static let addNote = Keel.Signal<Approval, String>("note") { workflow, context, input in
                            try await workflow.addNote(input, context: context)
                        }
                    }

                    enum Queries {
                        static let status = Keel.Query<Approval, Keel.Nothing, String>("status") { workflow, _ in
                            workflow.status()
                        }
                        static let isOver = Keel.Query<Approval, Int, Bool>("overLimit") { workflow, input in
                            try workflow.isOver(amount: input)
                        }
                    }

                    enum Updates {
                        static let setLimit = Keel.Update<Approval, Int, Int>(
                            "setLimit",
                            validator: { workflow, input in
                                try workflow.checkLimit(input)
                            },
                            handler: { workflow, _, input in
                                try await workflow.setLimit(input)
                            })
                        static let reset = Keel.Update<Approval, Keel.Nothing, Keel.Nothing>(
                            "reset",
                            handler: { workflow, context, _ in
                                workflow.reset(context: context)
                                return Keel.Nothing()
                            })
                    }

                    static var handlers: [Keel.WorkflowHandler<Approval>] {
                        [
                            Signals.approve.handler,
                            Signals.addNote.handler,
                            Queries.status.handler,
                            Queries.isOver.handler,
                            Updates.setLimit.handler,
                            Updates.reset.handler,
                        ]
                    }
                }

                extension Approval: Keel.Workflow {
                }
                """)
    }

    @Test func publicWorkflowGetsPublicMembersAndAValidatorWithoutInputIsCalledBare() {
        assertKeelExpansion(
            """
            @Workflow
            public final class Counter {
                var value = 0
                public init() {}
                public func run(context: WorkflowContext, input: Int) async throws -> Int { value }

                @WorkflowUpdate(validator: "check")
                func add(_ amount: Int) -> Int {
                    value += amount
                    return value
                }

                func check() {
                }
            }
            """,
            expandedSource: """
                public final class Counter {
                    var value = 0
                    public init() {}
                    public func run(context: WorkflowContext, input: Int) async throws -> Int { value }
                    func add(_ amount: Int) -> Int {
                        value += amount
                        return value
                    }

                    func check() {
                    }

                    public enum Updates {
                        public static let add = Keel.Update<Counter, Int, Int>(
                            "add",
                            validator: { workflow, _ in
                                workflow.check()
                            },
                            handler: { workflow, _, input in
                                workflow.add(input)
                            })
                    }

                    public static var handlers: [Keel.WorkflowHandler<Counter>] {
                        [
                            Updates.add.handler,
                        ]
                    }
                }

                extension Counter: Keel.Workflow {
                }
                """)
    }

    @Test func workflowWithoutHandlersGetsOnlyTheConformance() {
        assertKeelExpansion(
            """
            @Workflow
            final class Hello {
                init() {}
                func run(context: WorkflowContext, input: String) async throws -> String { "Hello, " + input }
            }
            """,
            expandedSource: """
                final class Hello {
                    init() {}
                    func run(context: WorkflowContext, input: String) async throws -> String { "Hello, " + input }
                }

                extension Hello: Keel.Workflow {
                }
                """)
    }

    @Test func namesAreEscapedAndBacktickedMethodsAreCalledAsWritten() {
        assertKeelExpansion(
            """
            @Workflow
            final class Quoting {
                init() {}
                func run(context: WorkflowContext, input: Nothing) async throws {}

                @WorkflowSignal(name: "say \\"hi\\"")
                func `default`(_ value: [String: Int]) async {
                }

                @WorkflowQuery
                func `self`() -> Bool { true }
            }
            """,
            expandedSource: """
                final class Quoting {
                    init() {}
                    func run(context: WorkflowContext, input: Nothing) async throws {}
                    func `default`(_ value: [String: Int]) async {
                    }
                    func `self`() -> Bool { true }

                    enum Signals {
                        static let `default` = Keel.Signal<Quoting, [String: Int]>(#"say "hi""#) { workflow, _, input in
                            await workflow.`default`(input)
                        }
                    }

                    enum Queries {
                        static let `self` = Keel.Query<Quoting, Keel.Nothing, Bool>("self") { workflow, _ in
                            workflow.`self`()
                        }
                    }

                    static var handlers: [Keel.WorkflowHandler<Quoting>] {
                        [
                            Signals.`default`.handler,
                            Queries.`self`.handler,
                        ]
                    }
                }

                extension Quoting: Keel.Workflow {
                }
                """)
    }
}
