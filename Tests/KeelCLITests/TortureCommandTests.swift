import Foundation
import Testing

/// `keel torture` run briefly in both fault modes, through the real binary.
@Suite struct TortureCommandTests {
    static func report(_ output: KeelBinary.Output) throws -> [String: Any] {
        let line = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any], "expected one JSON object, found \(output.stdout)")
    }

    static func seed() -> String {
        let seed =
            ProcessInfo.processInfo.environment["KEEL_TORTURE_SEED"] ?? String(UInt64(Date().timeIntervalSince1970))
        print("torture test seed \(seed) (KEEL_TORTURE_SEED=\(seed) repeats it)")
        return seed
    }

    @Test func realModeSurvivesKillsWithNoViolation() async throws {
        let seed = Self.seed()
        let output = try await KeelBinary.run([
            "torture", "--kills", "6", "--seed", seed, "--workflows", "4", "--kill-max-milliseconds", "150",
            "--verify-every", "2", "--json",
        ])
        #expect(output.status == 0, "keel torture failed: \(output.stdout)\n\(output.stderr)")
        let report = try Self.report(output)
        #expect(report["kills"] as? Int == 6)
        #expect(report["violations"] as? Int == 0, "\(report["violation_details"] ?? "")")
        #expect((report["workflows_checked"] as? Int ?? 0) > 0)
        #expect((report["events_written"] as? Int ?? 0) > 0)
        #expect(report["fault_mode"] as? String == "real")
        #expect(report["seed"] as? String == seed)
        #expect(output.stderr.contains("seed \(seed)"))
    }

    @Test func simulatedModeSurvivesCrashesAndFaultsWithNoViolation() async throws {
        let seed = Self.seed()
        let output = try await KeelBinary.run([
            "torture", "--fault-mode", "simulated", "--kills", "12", "--seed", seed, "--workflows", "4",
            "--kill-max-milliseconds", "100", "--kills-per-file", "6", "--json",
        ])
        #expect(output.status == 0, "keel torture failed: \(output.stdout)\n\(output.stderr)")
        let report = try Self.report(output)
        #expect(report["kills"] as? Int == 12)
        #expect(report["data_files"] as? Int == 2)
        #expect(report["violations"] as? Int == 0, "\(report["violation_details"] ?? "")")
        #expect((report["workflows_checked"] as? Int ?? 0) > 0)
        #expect((report["events_written"] as? Int ?? 0) > 0)
    }

    /// Seed 1795710257 arms a sync failure in a lifetime that crashes before reaching it; the fault
    /// then struck in the last lifetime, meant to run without faults, and no workflow could complete.
    @Test func aFaultArmedForACrashedLifetimeDoesNotStrikeTheFinish() async throws {
        let output = try await KeelBinary.run([
            "torture", "--fault-mode", "simulated", "--kills", "12", "--seed", "1795710257", "--workflows", "4",
            "--kill-max-milliseconds", "100", "--kills-per-file", "6", "--json",
        ])
        #expect(output.status == 0, "keel torture failed: \(output.stdout)\n\(output.stderr)")
        let report = try Self.report(output)
        #expect(report["violations"] as? Int == 0, "\(report["violation_details"] ?? "")")
        #expect((report["workflows_checked"] as? Int ?? 0) > 0)
    }

    @Test func textReportNamesTheSeedAndTheResult() async throws {
        let output = try await KeelBinary.run(["torture", "--kills", "1", "--seed", "7", "--workflows", "2"])
        #expect(output.status == 0, "keel torture failed: \(output.stdout)\n\(output.stderr)")
        #expect(output.stdout.hasPrefix("keel torture: seed 7"))
        #expect(output.stdout.contains("kills survived     1"))
        #expect(output.stdout.contains("result: PASS"))
    }

    @Test func aWorkerCountOutOfRangeIsRefused() async throws {
        let output = try await KeelBinary.run(["torture", "--workers", "0"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("expected --workers from 1 to 64, found 0"))
    }
}
