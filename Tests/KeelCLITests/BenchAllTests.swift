import Foundation
import Testing

/// `keel bench` with no subcommand and `keel bench soak`, run as the real binary with tiny sizes.
/// They check what the reports say happened, never how fast it was.
@Suite struct BenchAllTests {
    /// Each suite's key in `keel bench --json`, with keys its own object documents.
    static let suiteKeys: [String: [String]] = [
        "log": ["records_per_s", "sqlite_records_per_s", "ratio_vs_sqlite", "commit_p99_us"],
        "replay": ["replay_events_per_s", "decode_events_per_s", "ratio_vs_decode"],
        "dispatch": ["dispatches_per_s", "baseline_dispatches_per_s", "ratio_vs_baseline"],
        "timers": ["ops_per_s", "bytes_per_timer", "expire_per_s"],
        "engine": ["events_per_s", "log_records_per_s", "ratio_vs_log"],
        "e2e": ["events_per_s", "workflows_per_s", "engine_events_per_s", "ratio_vs_engine"],
    ]

    private func object(_ output: KeelBinary.Output) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        return try #require(parsed as? [String: Any], "expected one JSON object, found: \(output.stdout)")
    }

    private func number(_ object: [String: Any]?, _ key: String) -> Double? {
        (object?[key] as? NSNumber)?.doubleValue
    }

    @Test func benchWithNoSubcommandRunsEverySuiteAndPrintsOneObject() async throws {
        let output = try await KeelBinary.run(["bench", "--quick", "--json"])
        #expect(output.status == 0, "keel bench --quick --json failed: \(output.stderr)")
        let object = try object(output)
        for (suite, keys) in Self.suiteKeys {
            let report = object[suite] as? [String: Any]
            #expect(report != nil, "the suite \(suite) is missing from \(object.keys.sorted())")
            for key in keys {
                #expect(
                    number(report, key).map { $0 > 0 } == true,
                    "\(suite).\(key) should be a positive number, found \(String(describing: report?[key]))")
            }
        }
        let machine = object["machine"] as? [String: Any]
        #expect(number(machine, "cores").map { $0 >= 1 } == true)
        #expect(machine?["build"] as? String != nil)
        // The executable links jemalloc, and jemalloc serves its allocations (not only loaded).
        let allocator = machine?["allocator"] as? String
        #expect(
            allocator?.hasPrefix("jemalloc ") == true, "expected jemalloc in charge, found \(allocator ?? "nothing")")
        let summary = try #require(object["summary"] as? [[String: Any]])
        #expect(
            summary.compactMap { $0["suite"] as? String } == ["log", "replay", "dispatch", "timers", "engine", "e2e"])
        // Each suite announced itself on standard error, where progress goes.
        for suite in Self.suiteKeys.keys { #expect(output.stderr.contains("keel bench \(suite)")) }
    }

    @Test func benchAllListsTheSuitesWithTheirArguments() async throws {
        let output = try await KeelBinary.run(["bench", "all", "--list"])
        #expect(output.status == 0, "keel bench all --list failed: \(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.first?.hasPrefix("keel bench log --records") == true)
    }

    @Test func soakReportsEveryIntervalAndRetentionRemovesClosedRuns() async throws {
        let output = try await KeelBinary.run([
            "bench", "soak", "--workflows", "2000", "--report-every", "500", "--retention", "0.5",
            "--concurrency", "32", "--workers", "2", "--segment-mib", "1", "--json",
        ])
        #expect(output.status == 0, "keel bench soak failed: \(output.stderr)")
        let object = try object(output)
        #expect(object["workflows"] as? Int == 2000)
        // One activity and a timer: 16 history events per workflow.
        #expect(object["events_per_workflow"] as? Int == 16)
        #expect(number(object, "events").map { $0 >= 2000 * 16 } == true)
        for key in ["workflows_per_s", "events_per_s", "max_rss_bytes", "max_file_bytes", "flatness"] {
            #expect(
                number(object, key).map { $0 > 0 } == true,
                "\(key) should be a positive number, found \(String(describing: object[key]))")
        }
        let intervals = try #require(object["intervals"] as? [[String: Any]])
        #expect(intervals.map { $0["workflows_done"] as? Int } == [500, 1000, 1500, 2000])
        #expect(intervals.allSatisfy { $0["workflows"] as? Int == 500 })
        // Retention of half a second removed closed runs during the run: by the last interval
        // visibility no longer lists every closed run, and their history streams were marked dead in
        // the log. (A much shorter retention can remove a run before its client reads the result,
        // which `Engine.awaitClose` does not survive.)
        let last = try #require(intervals.last)
        let closed = try #require(last["closed_runs"] as? Int)
        #expect(closed < 2000, "retention removed no closed run: \(closed) still listed")
        #expect((last["removed_runs"] as? Int).map { $0 > 0 } == true)
        #expect((object["removed_runs"] as? Int) == last["removed_runs"] as? Int)
        let live = try #require(number(last, "live_bytes"))
        let blocks = try #require(number(last, "block_bytes"))
        #expect(live < blocks, "no record on disk is dead: live \(live) of \(blocks) block bytes")
    }
}
