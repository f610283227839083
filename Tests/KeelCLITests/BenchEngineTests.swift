import Foundation
import Testing

/// `keel bench engine` and `keel bench dispatch`, run as the real binary with tiny sizes.
@Suite struct BenchEngineTests {
    /// Keys that scripts read from `keel bench engine --json`, each a positive number.
    static let enginePositiveKeys = [
        "events_per_s", "workflows_per_s", "cpu_us_per_event", "workflow_task_p50_us", "workflow_task_p99_us",
        "complete_p50_us", "start_p50_us", "commits", "records_per_commit", "group_writes", "syncs", "bytes_written",
        "log_records_per_s", "log_commit_p50_us", "log_cpu_us_per_record", "ratio_vs_log", "cpu_per_event_vs_log",
    ]

    /// Keys that scripts read from `keel bench dispatch --json`, each a positive number.
    static let dispatchPositiveKeys = [
        "dispatches_per_s", "handoff_p99_us", "baseline_dispatches_per_s", "baseline_handoff_p99_us",
        "ratio_vs_baseline", "cpu_ns_per_dispatch", "baseline_cpu_ns_per_dispatch", "backlog_offers_per_s",
        "backlog_drain_per_s", "baseline_backlog_offers_per_s", "baseline_backlog_drain_per_s",
    ]

    /// A fresh directory for one test, removed by the caller.
    private func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "keel-bench-engine-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    private func object(_ output: KeelBinary.Output) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        return try #require(parsed as? [String: Any], "expected one JSON object, found: \(output.stdout)")
    }

    private func number(_ object: [String: Any], _ key: String) -> Double? {
        (object[key] as? NSNumber)?.doubleValue
    }

    @Test func benchEngineRunsEveryWorkflowToCompletionAndRemovesItsFiles() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await KeelBinary.run([
            "bench", "engine", "--workflows", "24", "--concurrency", "4", "--activities-per-workflow", "2",
            "--path", directory + "/engine.keel", "--json",
        ])
        #expect(output.status == 0, "keel bench engine failed: \(output.stderr)")
        let object = try object(output)
        #expect(object["workflows"] as? Int == 24)
        // Each workflow of 2 activities writes 5 + 6 * 2 history events, and nothing else is written.
        #expect(object["events"] as? Int == 24 * 17)
        #expect(object["records"] as? Int == 24 * 17)
        #expect(object["log_records"] as? Int == 24 * 17)
        #expect(object["log_commits"] as? Int == object["commits"] as? Int)
        // Per workflow: the start, a started and a completed commit for each of its 3 workflow tasks,
        // and the completion of each of its 2 activities.
        #expect(object["commits"] as? Int == 24 * (1 + 2 * 3 + 2))
        #expect(object["workflow_tasks"] as? Int == 24 * 3)
        #expect(object["sticky"] as? Bool == true)
        for key in Self.enginePositiveKeys {
            #expect(
                number(object, key).map { $0 > 0 } == true,
                "\(key) should be a positive number, found \(String(describing: object[key]))")
        }
        let p50 = number(object, "workflow_task_p50_us") ?? 0
        let p99 = number(object, "workflow_task_p99_us") ?? 0
        #expect(p99 >= p50, "p99 \(p99) should not be below p50 \(p50)")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(left.isEmpty, "the benchmark should remove its data files, found \(left)")
    }

    @Test func benchEngineWithoutStickyExecutionKeepsAVerifiableDataFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/kept.keel"
        let output = try await KeelBinary.run([
            "bench", "engine", "--workflows", "10", "--concurrency", "3", "--activities-per-workflow", "1",
            "--no-sticky", "--baseline", "none", "--path", path, "--keep", "--json",
        ])
        #expect(output.status == 0, "keel bench engine failed: \(output.stderr)")
        let object = try object(output)
        #expect(object["events"] as? Int == 10 * 11)
        #expect(object["sticky"] as? Bool == false)
        #expect(object["log_records_per_s"] == nil && object["ratio_vs_log"] == nil)
        #expect(object["data_file"] as? String == path)
        #expect(FileManager.default.fileExists(atPath: path), "--keep should leave \(path)")
        let verify = try await KeelBinary.run(["log", "verify", path])
        #expect(verify.status == 0, "the kept data file should verify: \(verify.stdout) \(verify.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(left == ["kept.keel"], "only the kept data file should be left, found \(left)")
    }

    @Test func benchEngineRefusesToOverwriteAnExistingFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/existing.keel"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        let output = try await KeelBinary.run(["bench", "engine", "--workflows", "1", "--path", path, "--json"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("--path must name a new file, found an existing"), "stderr: \(output.stderr)")
        #expect((try? Data(contentsOf: URL(fileURLWithPath: path))) == Data("x".utf8), "the file must be untouched")
    }

    @Test func benchDispatchTakesEveryTaskThroughMatchingAndTheBaseline() async throws {
        let output = try await KeelBinary.run([
            "bench", "dispatch", "--tasks", "5000", "--pollers", "8", "--queues", "2", "--producers", "2", "--json",
        ])
        #expect(output.status == 0, "keel bench dispatch failed: \(output.stderr)")
        let object = try object(output)
        #expect(object["tasks"] as? Int == 5000)
        #expect(object["pollers"] as? Int == 8)
        #expect(object["queues"] as? Int == 2)
        for key in Self.dispatchPositiveKeys {
            #expect(
                number(object, key).map { $0 > 0 } == true,
                "\(key) should be a positive number, found \(String(describing: object[key]))")
        }
        let p50 = number(object, "handoff_p50_us") ?? -1
        let p99 = number(object, "handoff_p99_us") ?? -1
        #expect(p50 >= 0 && p99 >= p50, "expected 0 <= p50 <= p99, found \(p50) and \(p99)")
    }

    @Test func benchDispatchRejectsFewerPollersThanQueuesNamingTheValueFound() async throws {
        let output = try await KeelBinary.run(["bench", "dispatch", "--pollers", "2", "--queues", "4", "--json"])
        #expect(output.status != 0)
        #expect(
            output.stderr.contains("--pollers must be 4...10000 (at least one per queue), found 2"),
            "stderr: \(output.stderr)")
    }
}
