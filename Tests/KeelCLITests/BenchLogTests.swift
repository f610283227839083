import Foundation
import Testing

@Suite struct BenchLogTests {
    /// Keys that scripts read from `keel bench log --json`, each a positive number.
    static let positiveKeys = [
        "records_per_s", "acks_per_s", "commit_p50_us", "commit_p99_us", "commit_max_us", "bytes_written",
        "raw_bytes", "compression_ratio", "stream_read_records_per_s", "stream_read_cold_records_per_s",
        "stream_read_uncached_records_per_s", "stream_read_in_place_records_per_s",
        "stream_read_in_place_uncached_records_per_s",
        "scan_records_per_s", "sqlite_records_per_s", "ratio_vs_sqlite", "file_records_per_s", "ratio_vs_file",
    ]

    /// A fresh directory for one test, removed by the caller.
    private func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "keel-bench-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func benchLogPrintsOneJSONObjectWithEveryFigureAndRemovesItsFiles() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await KeelBinary.run([
            "bench", "log", "--records", "2000", "--batch", "100", "--json", "--baseline", "all", "--path", directory,
        ])
        #expect(output.status == 0, "keel bench log failed: \(output.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        let object = try #require(parsed as? [String: Any], "expected one JSON object, found: \(output.stdout)")
        #expect(object["records"] as? Int == 2000)
        #expect(object["batch"] as? Int == 100)
        #expect(object["concurrency"] as? Int == 1)
        #expect(object["scan_records"] as? Int == 2000 + (object["stream_records"] as? Int ?? -1))
        for key in Self.positiveKeys {
            let value = (object[key] as? NSNumber)?.doubleValue
            #expect(
                value.map { $0 > 0 } == true,
                "\(key) should be a positive number, found \(String(describing: object[key]))")
        }
        let compression = (object["compression_ratio"] as? NSNumber)?.doubleValue ?? 0
        #expect(
            compression > 1 && compression < 20, "generated records should compress realistically, found \(compression)"
        )
        let left = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(left.isEmpty, "the benchmark should remove its temporary directory, found \(left)")
    }

    @Test func benchLogWithConcurrentTaskAppendersAcknowledgesEveryCommit() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try await KeelBinary.run([
            "bench", "log", "--records", "2000", "--batch", "10", "--concurrency", "8", "--appenders", "tasks",
            "--stream-records", "1000", "--baseline", "none", "--json", "--path", directory,
        ])
        #expect(output.status == 0, "keel bench log failed: \(output.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        let object = try #require(parsed as? [String: Any], "expected one JSON object, found: \(output.stdout)")
        #expect(object["records"] as? Int == 2000)
        #expect(object["commits"] as? Int == 200)
        #expect(object["appenders"] as? String == "tasks")
        #expect(object["sqlite_records_per_s"] == nil && object["file_records_per_s"] == nil)
        #expect(((object["acks_per_s"] as? NSNumber)?.doubleValue ?? 0) > 0)
    }

    @Test func benchLogRejectsABatchOutsideItsLimitNamingTheValueFound() async throws {
        let output = try await KeelBinary.run(["bench", "log", "--batch", "0", "--json"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("--batch must be 1...65536, found 0"), "stderr: \(output.stderr)")
    }

    /// The compression ratio `keel bench log --json` reports for 2,000 records of `data`.
    private func compressionRatio(data: String, directory: String) async throws -> Double {
        let output = try await KeelBinary.run([
            "bench", "log", "--records", "2000", "--batch", "100", "--data", data, "--stream-records", "100",
            "--baseline", "none", "--json", "--path", directory,
        ])
        #expect(output.status == 0, "keel bench log --data \(data) failed: \(output.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        let object = try #require(parsed as? [String: Any], "expected one JSON object, found: \(output.stdout)")
        #expect(object["data"] as? String == data)
        #expect(object["records"] as? Int == 2000)
        return try #require((object["compression_ratio"] as? NSNumber)?.doubleValue)
    }

    @Test func benchLogWithThePeersRecordsAppendsTheirMoreRepetitiveText() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let history = try await compressionRatio(data: "history", directory: directory)
        let peers = try await compressionRatio(data: "peers", directory: directory)
        // The peer kit's records differ only in a few counters and padding; the history events carry
        // random identifiers and numbers.
        #expect(peers > 4 && peers > history * 1.3, "peers \(peers)x against history \(history)x")
    }

    @Test func benchLogRejectsARecordSizeForThePeersFixedSizeRecords() async throws {
        let output = try await KeelBinary.run(["bench", "log", "--data", "peers", "--record-bytes", "100", "--json"])
        #expect(output.status != 0)
        #expect(
            output.stderr.contains(
                "--record-bytes applies to --data history; the peers' records are 160 bytes, found 100"),
            "stderr: \(output.stderr)")
    }
}
