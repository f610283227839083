import Testing

@Suite struct ExampleCommandTests {
    @Test(arguments: ["money-transfer", "onboarding", "approval", "order-fulfilment", "entity-counter"])
    func everyExampleRunsToItsSummary(_ name: String) async throws {
        let output = try await KeelBinary.run(["example", name])
        #expect(output.status == 0, "keel example \(name) failed: \(output.stderr)")
        #expect(!output.stdout.isEmpty)
    }

    @Test func anUnknownExampleIsRefusedWithTheKnownNames() async throws {
        let output = try await KeelBinary.run(["example", "nope"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("money-transfer"))
    }
}
