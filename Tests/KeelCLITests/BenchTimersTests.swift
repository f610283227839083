import Foundation
import Testing

@Suite struct BenchTimersTests {
    /// Keys that scripts read from `keel bench timers --json`, each a positive number.
    static let positiveKeys = [
        "ops_per_s", "ops_per_cpu_s", "insert_per_s", "cancel_per_s", "expire_per_s", "cpu_share", "bytes_per_timer",
        "memory_bytes", "advances",
    ]

    @Test func benchTimersPrintsOneJSONObjectWithThroughputAndMemoryPerTimer() async throws {
        let output = try await KeelBinary.run(["bench", "timers", "--timers", "20001", "--json"])
        #expect(output.status == 0, "keel bench timers failed: \(output.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        let object = try #require(parsed as? [String: Any], "expected one JSON object, found: \(output.stdout)")
        #expect(object["timers"] as? Int == 20001)
        #expect(object["cancelled"] as? Int == 10000)
        #expect(object["fired"] as? Int == 10001)
        for key in Self.positiveKeys {
            let value = (object[key] as? NSNumber)?.doubleValue
            #expect(
                value.map { $0 > 0 } == true,
                "\(key) should be a positive number, found \(String(describing: object[key]))")
        }
        let bytesPerTimer = (object["bytes_per_timer"] as? NSNumber)?.doubleValue ?? 0
        #expect(
            bytesPerTimer >= 32 && bytesPerTimer < 100,
            "a pending timer takes a 32-byte node and up to as much again in spare capacity, found \(bytesPerTimer)")
        let operations = (object["ops_per_s"] as? NSNumber)?.doubleValue ?? 0
        let inserts = (object["insert_per_s"] as? NSNumber)?.doubleValue ?? 0
        let cancels = (object["cancel_per_s"] as? NSNumber)?.doubleValue ?? 0
        #expect(
            operations >= min(inserts, cancels) && operations <= max(inserts, cancels),
            "ops_per_s \(operations) should lie between insert_per_s \(inserts) and cancel_per_s \(cancels)")
        #expect(object.keys.contains("rss_bytes_per_timer"))
    }

    @Test func benchTimersPrintsATableForPeople() async throws {
        let output = try await KeelBinary.run(["bench", "timers", "--timers", "1000", "--horizon-ticks", "5000"])
        #expect(output.status == 0, "keel bench timers failed: \(output.stderr)")
        #expect(output.stdout.contains("schedule + cancel"), "stdout: \(output.stdout)")
        #expect(output.stdout.contains("bytes per pending timer"), "stdout: \(output.stdout)")
        #expect(output.stderr.contains("keel bench timers: firing"), "progress goes to stderr: \(output.stderr)")
    }

    @Test func benchTimersRejectsZeroTimersNamingTheValueFound() async throws {
        let output = try await KeelBinary.run(["bench", "timers", "--timers", "0", "--json"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("--timers must be 1...50000000, found 0"), "stderr: \(output.stderr)")
    }
}
