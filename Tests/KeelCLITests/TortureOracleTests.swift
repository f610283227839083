import Foundation
import Testing

/// The torture oracle must catch what it exists to catch. Each test keeps a short real run on disk,
/// breaks it the way a faulty engine or activity would show up (a result without an acknowledged
/// signal, a side effect applied twice, a wrong result, a workflow that never completed) and runs
/// `keel torture --check` on it.
@Suite struct TortureOracleTests {
    /// Runs a short torture run kept on disk and returns its directory and its data file directory;
    /// the caller removes the directory.
    func keptRun() async throws -> (root: String, epoch: String) {
        let root = NSTemporaryDirectory() + "keel-torture-oracle-" + UUID().uuidString
        let output = try await KeelBinary.run([
            "torture", "--kills", "1", "--seed", "11", "--workflows", "6", "--path", root, "--json",
        ])
        #expect(output.status == 0, "the run to break failed: \(output.stdout) \(output.stderr)")
        return (root, root + "/epoch-0")
    }

    func check(_ directory: String) async throws -> (status: Int32, violations: [String]) {
        let output = try await KeelBinary.run(["torture", "--check", directory, "--json"])
        let line = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            "expected a JSON report, found \(output.stdout) \(output.stderr)")
        let details = object["violation_details"] as? [String] ?? []
        #expect(object["violations"] as? Int == details.count)
        return (output.status, details)
    }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Rewrites the result of the first completed workflow `select` accepts; returns its id.
    func editFirstResult(
        in directory: String, where select: ([String: Any]) -> Bool, _ edit: (inout [String: Any]) -> Void
    )
        throws -> String
    {
        let path = directory + "/journal.log"
        var journal = try lines(path)
        for (index, line) in journal.enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, fields[0] == "done",
                var result = try JSONSerialization.jsonObject(with: Data(fields[2].utf8)) as? [String: Any],
                select(result)
            else { continue }
            edit(&result)
            let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            journal[index] = "done\t\(fields[1])\t\(String(decoding: json, as: UTF8.self))"
            try write(journal, to: path)
            return fields[1]
        }
        Issue.record("the kept run has no completed workflow to edit")
        return ""
    }

    @Test func theUntouchedRunPasses() async throws {
        let (root, directory) = try await keptRun()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (status, violations) = try await check(directory)
        #expect(status == 0)
        #expect(violations.isEmpty, "\(violations)")
    }

    @Test func aResultWithoutAnAcknowledgedSignalIsCaught() async throws {
        let (root, directory) = try await keptRun()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var dropped = ""
        let id = try editFirstResult(
            in: directory, where: { !($0["signals"] as? [String] ?? []).isEmpty },
            { result in
                var signals = result["signals"] as? [String] ?? []
                dropped = signals.removeFirst()
                result["signals"] = signals
            })
        let (status, violations) = try await check(directory)
        #expect(status == 1)
        #expect(
            violations.contains("acknowledged signal \(dropped) to \(id) is missing from its result"), "\(violations)")
    }

    @Test func aSideEffectAppliedTwiceIsCaught() async throws {
        let (root, directory) = try await keptRun()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = directory + "/effects.log"
        var effects = try lines(path)
        let applied = try #require(effects.first { $0.hasPrefix("applied\t") })
        effects.append(applied)
        try write(effects, to: path)
        let key = applied.split(separator: "\t")[1]
        let (status, violations) = try await check(directory)
        #expect(status == 1)
        #expect(violations.contains("the side effect \(key) was applied 2 times, expected once"), "\(violations)")
    }

    @Test func aWrongResultIsCaught() async throws {
        let (root, directory) = try await keptRun()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var expected = 0
        let id = try editFirstResult(in: directory, where: { _ in true }) { result in
            expected = result["value"] as? Int ?? 0
            result["value"] = expected + 1
        }
        let (status, violations) = try await check(directory)
        #expect(status == 1)
        #expect(violations.contains("\(id)'s result has value \(expected + 1), expected \(expected)"), "\(violations)")
    }

    @Test func aWorkflowThatNeverCompletedIsCaught() async throws {
        let (root, directory) = try await keptRun()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = directory + "/journal.log"
        var journal = try lines(path)
        let lastRound =
            journal.compactMap { line -> Int? in
                let fields = line.split(separator: "\t")
                return fields.count == 2 && fields[0] == "round" ? Int(fields[1]) : nil
            }.max() ?? 0
        // The journal says the next round began and its first start was acknowledged, but the data
        // file never saw it: a lost start and a missing completion.
        let id = "t\(lastRound + 1)-0"
        journal += ["round\t\(lastRound + 1)", "start\t\(id)"]
        try write(journal, to: path)
        let (status, violations) = try await check(directory)
        #expect(status == 1)
        #expect(
            violations.contains("\(id) did not complete: its start was acknowledged; the data file has no run of it"),
            "\(violations)")
        #expect(violations.contains("the data file has no run of \(id)"), "\(violations)")
    }
}
