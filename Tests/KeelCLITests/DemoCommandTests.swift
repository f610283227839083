import Testing

@Suite struct DemoCommandTests {
    @Test func demoRecoversEveryAcknowledgedEventAndFinishesEachWorkflow() throws {
        let output = try KeelBinary.run(["demo"])
        #expect(output.status == 0, "keel demo failed: \(output.stderr)")
        #expect(output.stdout.contains("Acknowledged events missing after the crash: 0."))
        #expect(output.stdout.components(separatedBy: "complete: every event exactly once, in order").count - 1 == 4)
        #expect(!output.stdout.contains("INCOMPLETE"))
    }
}
