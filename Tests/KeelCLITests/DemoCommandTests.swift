import Testing

@Suite struct DemoCommandTests {
    /// The demo kills its first worker process with SIGKILL while both workflows wait on timers; the
    /// second process must finish them without running any finished step again.
    @Test func demoFinishesBothWorkflowsAfterTheWorkerIsKilledWithoutRepeatingAStep() async throws {
        let output = try await KeelBinary.run(["demo", "--day-milliseconds", "100"])
        #expect(output.status == 0, "keel demo failed: \(output.stderr)")
        #expect(output.stdout.contains("with SIGKILL"))
        #expect(output.stdout.contains("Each activity completed once."), "\(output.stdout)")
        #expect(output.stdout.contains("Worker process 2 itself ran: deposit bob, email nudge, email winBack."))
        #expect(output.stdout.contains("Onboarding sent ada: welcome, nudge, winBack."))
        #expect(output.stdout.contains("ran by worker process 1"))
        #expect(output.stdout.contains("Deposit    day"))
        #expect(!output.stdout.contains("PROBLEM"))
    }

    @Test func aDayLengthOutOfRangeIsRefused() async throws {
        let output = try await KeelBinary.run(["demo", "--day-milliseconds", "0"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("expected --day-milliseconds from 10 to 60000, found 0"))
    }
}
