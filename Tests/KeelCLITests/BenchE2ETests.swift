import Foundation
import Testing

/// `keel bench e2e` and `keel bench replay`, run as the real binary with tiny sizes. They check what
/// the commands report and that the counts add up, never how fast anything is.
@Suite struct BenchE2ETests {
    /// Keys of one `keel bench e2e` run (SDK or engine), each a positive number.
    static let e2eRunPositiveKeys = [
        "elapsed_s", "workflows_per_s", "events_per_s", "cpu_us_per_event", "result_p50_us", "result_p99_us",
        "result_max_us",
    ]

    /// Keys that scripts read from `keel bench replay --json`, each a positive number.
    static let replayPositiveKeys = [
        "encoded_bytes_per_event", "record_s", "replay_elapsed_s", "replay_events_per_s", "replay_ns_per_event",
        "replay_cpu_ns_per_event", "decode_elapsed_s", "decode_events_per_s", "decode_ns_per_event",
        "read_elapsed_s", "read_events_per_s", "read_ns_per_event", "ratio_vs_decode", "ratio_vs_read",
        "max_rss_mib",
    ]

    /// A fresh directory for one test, removed by the caller.
    private func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "keel-bench-e2e-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Runs `keel` with its temporary directory (`TMPDIR`) set to `directory`, so the test sees every
    /// file the benchmark makes.
    private func run(_ arguments: [String], temporaryDirectory directory: String) async throws -> KeelBinary.Output {
        try await KeelBinary.run(arguments, environment: ["TMPDIR": directory + "/"])
    }

    private func object(_ output: KeelBinary.Output) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        return try #require(parsed as? [String: Any], "expected one JSON object, found: \(output.stdout)")
    }

    private func number(_ object: [String: Any], _ key: String) -> Double? {
        (object[key] as? NSNumber)?.doubleValue
    }

    private func expectPositive(_ object: [String: Any], _ keys: [String]) {
        for key in keys {
            #expect(
                number(object, key).map { $0 > 0 } == true,
                "\(key) should be a positive number, found \(String(describing: object[key]))")
        }
    }

    @Test func benchE2ERunsEveryWorkflowThroughTheSDKAndTheEngineWithAndWithoutACache() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await run(
            [
                "bench", "e2e", "--workflows", "12", "--concurrency", "4", "--activities", "2", "--compare-cache",
                "--json",
            ], temporaryDirectory: directory)
        #expect(output.status == 0, "keel bench e2e failed: \(output.stderr)")
        let object = try object(output)
        #expect(object["workflows"] as? Int == 12)
        #expect(object["activities_per_workflow"] as? Int == 2)
        #expect(object["cache_size"] as? Int == 1_000)
        #expect(object["durability"] as? String == "fsync")
        // Each workflow of 2 activities writes 5 + 6 * 2 history events, in every run.
        #expect(object["events_per_workflow"] as? Int == 17)
        for prefix in ["", "engine_", "nocache_", "nocache_engine_"] {
            #expect(object[prefix + "completed"] as? Int == 12, "\(prefix)completed")
            #expect(object[prefix + "events"] as? Int == 12 * 17, "\(prefix)events")
            expectPositive(object, Self.e2eRunPositiveKeys.map { prefix + $0 })
            let p50 = number(object, prefix + "result_p50_us") ?? 0
            let p99 = number(object, prefix + "result_p99_us") ?? 0
            #expect(p99 >= p50, "\(prefix)result p99 \(p99) should not be below p50 \(p50)")
        }
        expectPositive(
            object,
            [
                "ratio_vs_engine", "cpu_per_event_vs_engine", "nocache_ratio_vs_engine",
                "nocache_cpu_per_event_vs_engine", "cache_speedup", "nocache_cpu_per_event_vs_cache", "max_rss_mib",
            ])
        let left = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(left.isEmpty, "the benchmark should remove its data files, found \(left)")
    }

    @Test func benchE2EWithoutABaselinePrintsATableOfTheSDKRunAlone() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await run(
            ["bench", "e2e", "--workflows", "5", "--concurrency", "2", "--activities", "0", "--baseline", "none"],
            temporaryDirectory: directory)
        #expect(output.status == 0, "keel bench e2e failed: \(output.stderr)")
        #expect(
            output.stdout.contains("keel bench e2e: 5 workflows of 0 activities (5 events each)"), "\(output.stdout)")
        #expect(output.stdout.contains("workflows/s"), "\(output.stdout)")
        #expect(!output.stdout.contains("engine API"), "no baseline column without a baseline: \(output.stdout)")
        let json = try await run(
            [
                "bench", "e2e", "--workflows", "5", "--concurrency", "2", "--activities", "0", "--baseline", "none",
                "--json",
            ],
            temporaryDirectory: directory)
        let object = try object(json)
        #expect(object["events"] as? Int == 5 * 5)
        #expect(object["engine_events"] == nil && object["ratio_vs_engine"] == nil && object["nocache_events"] == nil)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(left.isEmpty, "the benchmark should remove its data files, found \(left)")
    }

    @Test func benchE2ERejectsComparingACacheOfSizeZeroWithItself() async throws {
        let output = try await KeelBinary.run(["bench", "e2e", "--compare-cache", "--cache-size", "0", "--json"])
        #expect(output.status != 0)
        #expect(
            output.stderr.contains("--cache-size must be above 0, found 0"), "stderr: \(output.stderr)")
    }

    /// Returns the JSON objects of the `RESULT {...}` lines in `text`.
    private func resultLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").filter { $0.hasPrefix("RESULT ") }.map { line in
            let parsed = try JSONSerialization.jsonObject(with: Data(line.dropFirst("RESULT ".count).utf8))
            return try #require(parsed as? [String: Any], "expected a JSON object, found: \(line)")
        }
    }

    @Test func benchE2EResultLinesReportEachFigureUnderThePeersMetricNamesForTheSDKAndTheEngine() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await run(
            ["bench", "e2e", "--workflows", "4", "--concurrency", "1", "--activities", "3", "--result-lines"],
            temporaryDirectory: directory)
        #expect(output.status == 0, "keel bench e2e failed: \(output.stderr)")
        let lines = try resultLines(output.stdout)
        #expect(
            output.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("RESULT ") },
            "only RESULT lines on standard output: \(output.stdout)")
        for caseName in ["keel-sdk/seq/activities=3", "keel-engine-api/seq/activities=3"] {
            let metrics = Dictionary(
                lines.filter { $0["case"] as? String == caseName }.map { ($0["metric"] as? String ?? "", $0) },
                uniquingKeysWith: { first, _ in first })
            #expect(
                Set(metrics.keys)
                    == [
                        "workflows_per_s", "steps_per_s", "workflow_p50_ms", "workflow_p99_ms", "events_per_s",
                        "cpu_us_per_event",
                    ], "\(caseName): \(metrics.keys.sorted())")
            let workflows = try #require(metrics["workflows_per_s"].flatMap { number($0, "value") })
            let steps = try #require(metrics["steps_per_s"].flatMap { number($0, "value") })
            #expect(workflows > 0)
            // Three steps per workflow; both values are rounded to one decimal.
            #expect(abs(steps - 3 * workflows) <= 0.2, "steps_per_s \(steps) should be 3 x \(workflows)")
            #expect(metrics["workflows_per_s"]?["unit"] as? String == "wf/s")
            #expect(metrics["workflow_p50_ms"]?["workflows"] as? Int == 4)
        }
        let named = try await run(
            [
                "bench", "e2e", "--workflows", "2", "--concurrency", "2", "--activities", "1", "--baseline", "none",
                "--result-lines", "--result-case", "mine/two",
            ], temporaryDirectory: directory)
        let cases = Set(try resultLines(named.stdout).compactMap { $0["case"] as? String })
        #expect(cases == ["mine/two"], "\(named.stdout) \(named.stderr)")
    }

    @Test func benchE2EWarmupRunsWorkflowsBeforeTheTimingWithoutCountingThem() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await run(
            [
                "bench", "e2e", "--workflows", "3", "--concurrency", "2", "--activities", "1", "--warmup", "2",
                "--json",
            ], temporaryDirectory: directory)
        #expect(output.status == 0, "keel bench e2e failed: \(output.stderr)")
        let object = try object(output)
        #expect(object["warmup_workflows"] as? Int == 2)
        for prefix in ["", "engine_"] {
            #expect(object[prefix + "completed"] as? Int == 3, "\(prefix)completed")
            #expect(object[prefix + "events"] as? Int == 3 * 11, "\(prefix)events")
        }
    }

    @Test func benchE2ETimersWaitOneSecondEachAfterTheActivities() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await run(
            [
                "bench", "e2e", "--workflows", "2", "--concurrency", "2", "--activities", "1", "--timers", "1",
                "--baseline", "none", "--json",
            ], temporaryDirectory: directory)
        #expect(output.status == 0, "keel bench e2e failed: \(output.stderr)")
        let object = try object(output)
        // One activity (six events) and one timer (five) on top of the five every run writes.
        #expect(object["events_per_workflow"] as? Int == 16)
        #expect(object["timers_per_workflow"] as? Int == 1)
        #expect(object["events"] as? Int == 2 * 16)
        let p50 = number(object, "result_p50_us") ?? 0
        #expect(p50 >= 1_000_000, "a workflow with a 1 s timer took \(p50) µs")
        let lines = try await run(
            [
                "bench", "e2e", "--workflows", "1", "--concurrency", "1", "--activities", "0", "--timers", "1",
                "--baseline", "none", "--result-lines",
            ], temporaryDirectory: directory)
        let wall = try resultLines(lines.stdout).first { $0["metric"] as? String == "workflow_wall_s" }
        #expect(wall?["case"] as? String == "keel-sdk/seq/activities=0/timers=1", "\(lines.stdout)")
        #expect((wall.flatMap { number($0, "value") } ?? 0) >= 1.0, "\(lines.stdout)")
    }

    @Test func benchE2EActivityMillisecondsMakeEachActivityWait() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await run(
            [
                "bench", "e2e", "--workflows", "2", "--concurrency", "1", "--activities", "2", "--activity-ms", "20",
                "--baseline", "none", "--json",
            ], temporaryDirectory: directory)
        #expect(output.status == 0, "keel bench e2e failed: \(output.stderr)")
        let object = try object(output)
        #expect(object["activity_ms"] as? Int == 20)
        let p50 = number(object, "result_p50_us") ?? 0
        #expect(p50 >= 40_000, "two activities of 20 ms took \(p50) µs in all")
    }

    @Test func benchE2ECrashAfterKillsTheProcessAndRecoverFinishesEveryWorkflowFromTheDataFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dataPath = directory + "/crash.keel"
        let shape = [
            "bench", "e2e", "--workflows", "8", "--concurrency", "2", "--activities", "2", "--baseline", "none",
            "--data-path", dataPath,
        ]
        let crashed = try await run(shape + ["--crash-after", "3"], temporaryDirectory: directory)
        #expect(crashed.status == SIGKILL, "the crash run should kill itself, found status \(crashed.status)")
        #expect(crashed.stdout.isEmpty, "a killed run prints no report: \(crashed.stdout)")
        #expect(FileManager.default.fileExists(atPath: dataPath), "the crash run leaves its data file")
        let recovered = try await run(shape + ["--recover", "--json"], temporaryDirectory: directory)
        #expect(recovered.status == 0, "keel bench e2e --recover failed: \(recovered.stderr)")
        let object = try object(recovered)
        #expect(object["completed"] as? Int == 8)
        // A workflow task cut off by the kill times out and runs again, adding events to its history.
        #expect((object["events"] as? Int ?? 0) >= 8 * 17, "events: \(String(describing: object["events"]))")
        let launched = number(object, "restart_to_launched_s") ?? -1
        let allDone = number(object, "restart_to_all_done_s") ?? -1
        #expect(launched > 0 && allDone >= launched, "launched \(launched) s, all done \(allDone) s")
        let lines = try await run(shape + ["--recover", "--result-lines"], temporaryDirectory: directory)
        let metrics = Set(try resultLines(lines.stdout).compactMap { $0["metric"] as? String })
        #expect(metrics == ["restart_to_launched_s", "restart_to_all_done_s"], "\(lines.stdout) \(lines.stderr)")
    }

    @Test(arguments: [
        (["--timers", "1"], "--timers and --activity-ms need --baseline none, found --baseline engine"),
        (["--json", "--result-lines"], "--json and --result-lines print different things"),
        (["--recover", "--baseline", "none"], "--recover needs --data-path, found none"),
        (["--crash-after", "0", "--baseline", "none"], "--crash-after must be 1...1999"),
        (["--data-path", "/", "--baseline", "none"], "--data-path must name a file that does not exist yet"),
    ])
    func benchE2ERejectsOptionsThatCannotGoTogether(arguments: [String], message: String) async throws {
        let output = try await KeelBinary.run(["bench", "e2e"] + arguments)
        #expect(output.status != 0)
        #expect(output.stderr.contains(message), "stderr: \(output.stderr)")
    }

    @Test func benchReplayReplaysEveryRecordedEventAndDecodesAndReadsTheSameEvents() async throws {
        let output = try await KeelBinary.run([
            "bench", "replay", "--events", "200", "--histories", "2", "--repetitions", "3", "--json",
        ])
        #expect(output.status == 0, "keel bench replay failed: \(output.stderr)")
        let object = try object(output)
        // 200 events hold 32 activities of six events each, plus five: 197 events per history.
        #expect(object["kind"] as? String == "activities")
        #expect(object["steps"] as? Int == 32)
        #expect(object["events_per_history"] as? Int == 197)
        #expect(object["histories"] as? Int == 2)
        #expect(object["repetitions"] as? Int == 3)
        for key in ["replayed_events", "decoded_events", "read_events"] {
            #expect(object[key] as? Int == 2 * 197 * 3, "\(key)")
        }
        expectPositive(object, Self.replayPositiveKeys)
    }

    @Test func benchReplayOfTimersRecordsFiveEventsPerTimer() async throws {
        let output = try await KeelBinary.run([
            "bench", "replay", "--kind", "timers", "--events", "100", "--repetitions", "2",
        ])
        #expect(output.status == 0, "keel bench replay failed: \(output.stderr)")
        #expect(
            output.stdout.contains("1 history of 100 events (19 timers in sequence)"), "stdout: \(output.stdout)")
        #expect(output.stdout.contains("WorkflowReplayer.replay"), "stdout: \(output.stdout)")
        let json = try await KeelBinary.run([
            "bench", "replay", "--kind", "timers", "--events", "100", "--repetitions", "2", "--json",
        ])
        let object = try object(json)
        #expect(object["events_per_history"] as? Int == 100)
        #expect(object["replayed_events"] as? Int == 200)
        expectPositive(object, Self.replayPositiveKeys)
    }

    @Test func benchReplayRejectsAHistoryShorterThanOneStepNamingTheValueFound() async throws {
        let output = try await KeelBinary.run(["bench", "replay", "--events", "5"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("--events must be 11...51200"), "stderr: \(output.stderr)")
        #expect(output.stderr.contains("found 5"), "stderr: \(output.stderr)")
    }
}
