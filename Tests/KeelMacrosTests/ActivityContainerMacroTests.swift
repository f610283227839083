import SwiftSyntaxMacrosGenericTestSupport
import Testing

@Suite("ActivityContainer macro expansions and diagnostics")
struct ActivityContainerMacroTests {
    @Test func activityMethodsOfEveryShapeBecomeDefinitionsAndImplementations() {
        assertKeelExpansion(
            """
            @ActivityContainer
            struct Mail {
                let mailer: Mailer

                @Activity
                func send(_ letter: Letter) async throws -> Receipt {
                    try await mailer.send(letter)
                }

                @Activity(name: "Heartbeat")
                func beat(context: ActivityContext) {
                }

                @Activity
                func count() async -> Int { 0 }

                @Activity
                func archive(id: String, context: ActivityContext) throws {
                }
            }
            """,
            expandedSource: """
                struct Mail {
                    let mailer: Mailer
                    func send(_ letter: Letter) async throws -> Receipt {
                        try await mailer.send(letter)
                    }
                    func beat(context: ActivityContext) {
                    }
                    func count() async -> Int { 0 }
                    func archive(id: String, context: ActivityContext) throws {
                    }

                    enum Activities {
                        static let send = Keel.ActivityDefinition<Letter, Receipt>("send")
                        static let beat = Keel.ActivityDefinition<Keel.Nothing, Keel.Nothing>("Heartbeat")
                        static let count = Keel.ActivityDefinition<Keel.Nothing, Int>("count")
                        static let archive = Keel.ActivityDefinition<String, Keel.Nothing>("archive")
                    }

                    var activities: [Keel.ActivityImplementation] {
                        [
                            Keel.ActivityImplementation(Activities.send) { input, _ in
                                try await self.send(input)
                            },
                            Keel.ActivityImplementation(Activities.beat) { _, context in
                                self.beat(context: context)
                                return Keel.Nothing()
                            },
                            Keel.ActivityImplementation(Activities.count) { _, _ in
                                await self.count()
                            },
                            Keel.ActivityImplementation(Activities.archive) { input, context in
                                try self.archive(id: input, context: context)
                                return Keel.Nothing()
                            },
                        ]
                    }
                }

                extension Mail: Keel.ActivityContainer {
                }
                """)
    }

    @Test func publicContainerWithoutActivitiesGetsAnEmptyList() {
        assertKeelExpansion(
            """
            @ActivityContainer
            public final class Idle {
            }
            """,
            expandedSource: """
                public final class Idle {

                    public var activities: [Keel.ActivityImplementation] {
                        []
                    }
                }

                extension Idle: Keel.ActivityContainer {
                }
                """)
    }

    @Test func containerThatIsAnEnumOrGenericIsRejected() {
        assertKeelExpansion(
            """
            @ActivityContainer
            enum Mail {
            }

            @ActivityContainer
            struct Box<Item> {
            }
            """,
            expandedSource: """
                enum Mail {
                }
                struct Box<Item> {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@ActivityContainer expects a Sendable struct or final class, found an enum", line: 1,
                    column: 1),
                DiagnosticSpec(
                    message: "@ActivityContainer expects a type without generic parameters, since its activity "
                        + "definitions are static, found '<Item>'", line: 6, column: 11),
            ])
    }

    @Test func activityWithTwoInputsAndMutatingActivityAreRejected() {
        assertKeelExpansion(
            """
            @ActivityContainer
            struct Mail {
                @Activity
                func send(_ letter: Letter, to address: String) async throws {}
                @Activity
                mutating func reset() {}
            }
            """,
            expandedSource: """
                struct Mail {
                    func send(_ letter: Letter, to address: String) async throws {}
                    mutating func reset() {}

                    var activities: [Keel.ActivityImplementation] {
                        []
                    }
                }

                extension Mail: Keel.ActivityContainer {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Activity expects at most one input parameter (wrap several values in one Codable "
                        + "struct) and an optional ActivityContext, found 2 inputs: '_ letter: Letter', "
                        + "'to address: String'", line: 4, column: 33),
                DiagnosticSpec(
                    message: "@Activity expects a method that does not mutate its value, found 'mutating'", line: 6,
                    column: 5),
            ])
    }

    @Test func activityNamesUsedTwiceAndHandWrittenActivitiesAreRejected() {
        assertKeelExpansion(
            """
            @ActivityContainer
            struct Mail {
                @Activity
                func send(_ letter: Letter) {}
                @Activity(name: "send")
                func resend(_ letter: Letter) {}
                var activities: [ActivityImplementation] { [] }
            }
            """,
            expandedSource: """
                struct Mail {
                    func send(_ letter: Letter) {}
                    func resend(_ letter: Letter) {}
                    var activities: [ActivityImplementation] { [] }
                }

                extension Mail: Keel.ActivityContainer {
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Activity expects a name no other activity of the container uses, found 'send' on both "
                        + "'send' and 'resend'", line: 5, column: 5),
                DiagnosticSpec(
                    message: "@ActivityContainer expects the activities to come from its @Activity methods, found a "
                        + "hand-written 'activities' as well; remove one of the two", line: 7, column: 5),
            ])
    }

    @Test func activityOutsideAContainerIsRejected() {
        assertKeelExpansion(
            """
            struct Plain {
                @Activity
                func send() {}
            }
            """,
            expandedSource: """
                struct Plain {
                    func send() {}
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@Activity expects a method declared in the body of an @ActivityContainer type, found a "
                        + "struct 'Plain' without @ActivityContainer", line: 2, column: 5)
            ])
    }
}
