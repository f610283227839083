import Foundation
import KeelLog
import Testing

/// `keel log verify`, `dump` and `stats`, run as the real binary on real data files.
@Suite struct LogCommandTests {
    /// A data file with two sealed segments and a head, written by the store in this process.
    final class DataFile {
        let directory = NSTemporaryDirectory() + "keel-log-cli-" + UUID().uuidString
        var path: String { directory + "/keel.db" }
        let stats: LogStats
        /// Records of the stream `wf-3`, marked dead when `markDead` is set.
        let deadStreamRecords: UInt64

        init(markDead: Bool = false) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var options = LogOptions()
            options.segmentBytes = 1 << 20
            let store = try LogStore.open(path: directory + "/keel.db", options: options)
            var next = 0
            while store.stats().sealedSegments.count < 2 {
                let commit = (next..<next + 1000).map { number in
                    LogRecord(stream: StreamKey("wf-\(number % 13)"), payload: LogCommandTests.payload(number))
                }
                try store.appendBlocking(commit)
                next += 1000
            }
            deadStreamRecords = markDead ? UInt64((0..<next).filter { $0 % 13 == 3 }.count) : 0
            if markDead { try store.markDeadBlocking([StreamKey("wf-3")]) }
            stats = store.stats()
            try store.close()
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// The offset of the first records block of the first sealed segment.
        func firstSealedRecordsBlock() throws -> UInt64 {
            let descriptor = try #require(stats.sealedSegments.first)
            let checkpointAt =
                Layout.dataOffset + UInt64(descriptor.slot) * stats.segmentBytes + UInt64(Layout.segmentHeaderBytes)
            let header = try readBytes(at: checkpointAt, count: Layout.blockHeaderBytes).withUnsafeBytes { bytes in
                try BlockHeader.decode(bytes, offset: checkpointAt)
            }
            return checkpointAt + UInt64(header.totalBytes)
        }

        func readBytes(at offset: UInt64, count: Int) throws -> [UInt8] {
            let handle = try #require(FileHandle(forReadingAtPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: offset)
            return Array(try handle.read(upToCount: count) ?? Data())
        }

        /// Inverts the byte at `offset`.
        func flipByte(at offset: UInt64) throws {
            let byte = try readBytes(at: offset, count: 1)
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: offset)
            try handle.write(contentsOf: Data([~byte[0]]))
        }
    }

    static func payload(_ number: Int) -> [UInt8] {
        let text =
            "{\"event\":\"ActivityTaskCompleted\",\"number\":\(number),\"result\":\"\(String(repeating: "ok", count: 30 + number % 7))\"}"
        return Array(text.utf8)
    }

    /// Parses each line of `text` as a JSON object.
    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(line)")
        }
    }

    func number(_ value: Any?) -> UInt64? { (value as? NSNumber)?.uint64Value }

    // MARK: - verify

    @Test func verifyOfASoundFileExitsZero() async throws {
        let file = try DataFile()
        let text = try await KeelBinary.run(["log", "verify", file.path])
        #expect(text.status == 0, "stderr: \(text.stderr)")
        #expect(text.stderr == "")
        #expect(
            text.stdout.hasPrefix("Keel data file \(file.path): \(file.stats.fileBytes) bytes, 1048576-byte segments"))
        #expect(text.stdout.contains(", \(file.stats.totalRecords) records\n"))
        #expect(text.stdout.hasSuffix("result: sound (0 errors, 0 warnings)\n"))

        let json = try await KeelBinary.run(["log", "verify", file.path, "--json"])
        #expect(json.status == 0)
        let report = try #require(try jsonLines(json.stdout).first)
        #expect(report["sound"] as? Bool == true)
        #expect(number(report["fileBytes"]) == file.stats.fileBytes)
        #expect((report["problems"] as? [Any])?.count == 0)
        let counts = try #require(report["counts"] as? [String: Any])
        #expect(number(counts["records"]) == file.stats.totalRecords)
        #expect(number(counts["sealedSegments"]) == UInt64(file.stats.sealedSegments.count))
        #expect(number(counts["superblocksValid"]) == 2)
        let head = try #require(report["head"] as? [String: Any])
        #expect(number(head["nextLSN"]) == file.stats.lastLSN + 1)
        #expect(number(head["tornTailBytes"]) == 0)
    }

    @Test func verifyOfADamagedFileExitsOneAndNamesTheOffset() async throws {
        let file = try DataFile()
        let offset = try file.firstSealedRecordsBlock()
        try file.flipByte(at: offset + UInt64(Layout.blockHeaderBytes) + 7)
        let text = try await KeelBinary.run(["log", "verify", file.path])
        #expect(text.status == 1)
        #expect(
            text.stdout.contains(
                "\nerror at offset \(offset) (block): segment \(file.stats.sealedSegments[0].segmentID): block: checksum expected 0x"
            ))
        #expect(text.stdout.hasSuffix("result: NOT SOUND (1 error, 0 warnings)\n"))

        let json = try await KeelBinary.run(["log", "verify", "--json", file.path])
        #expect(json.status == 1)
        let report = try #require(try jsonLines(json.stdout).first)
        #expect(report["sound"] as? Bool == false)
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(number(problems.first?["offset"]) == offset)
        #expect(problems.first?["severity"] as? String == "error")
        #expect(problems.first?["area"] as? String == "block")
    }

    @Test func verifyOfAMissingFileExitsTwo() async throws {
        let path = NSTemporaryDirectory() + "keel-missing-" + UUID().uuidString + ".db"
        let output = try await KeelBinary.run(["log", "verify", path])
        #expect(output.status == 2)
        #expect(output.stdout == "")
        #expect(output.stderr == "keel log verify: cannot open \(path): no such file\n")
    }

    @Test func verifyOfAFileAStoreHoldsExitsTwo() async throws {
        let file = try DataFile()
        let store = try LogStore.open(path: file.path)
        let output = try await KeelBinary.run(["log", "verify", file.path])
        try store.close()
        #expect(output.status == 2)
        #expect(output.stdout == "")
        #expect(output.stderr.hasPrefix("keel log verify: cannot open \(file.path): locked: "))
        #expect(output.stderr.contains("is in use by an open store"))
    }

    // MARK: - dump

    @Test func dumpJSONLinesParseWithStableKeys() async throws {
        let file = try DataFile()
        let output = try await KeelBinary.run(["log", "dump", file.path, "--json", "--records"])
        #expect(output.status == 0, "stderr: \(output.stderr)")
        let items = try jsonLines(output.stdout)
        let byType = Dictionary(grouping: items) { $0["type"] as? String ?? "none" }
        #expect(Set(byType.keys) == ["superblock", "segment", "block", "record"])
        #expect(byType["superblock"]?.count == 2)
        #expect(byType["segment"]?.map { $0["role"] as? String } == ["sealed", "sealed", "head"])
        #expect(byType["record"]?.compactMap { number($0["lsn"]) } == Array(1...file.stats.lastLSN))
        let expectedKeys: [String: Set<String>] = [
            "superblock": [
                "type", "copy", "offset", "valid", "error", "sequence", "fileID", "segmentBytes", "headSlot",
                "headSegmentID", "checkpointOffset", "checkpointLSN",
            ],
            "segment": [
                "type", "role", "slot", "offset", "segmentID", "firstLSN", "compacted", "lastLSN", "blocksEnd",
                "indexOffset", "indexBytes", "recordCount", "deadRecordCount",
            ],
            "block": [
                "type", "offset", "segmentID", "slot", "kind", "codec", "flags", "firstLSN", "lastLSN", "writeSequence",
                "recordCount", "rawBytes", "storedBytes", "totalBytes",
            ],
            "record": ["type", "lsn", "blockOffset", "keyBytes", "key", "payloadBytes", "preview"],
        ]
        for item in items {
            let type = item["type"] as? String ?? "none"
            #expect(Set(item.keys) == expectedKeys[type], "\(type) keys")
        }
        let first = try #require(byType["record"]?.first)
        #expect(first["key"] as? String == "wf-0")
        #expect(number(first["payloadBytes"]) == UInt64(Self.payload(0).count))
        #expect(first["preview"] as? String == String(decoding: Self.payload(0).prefix(48), as: UTF8.self) + "...")
        let blockRecords = byType["block"]?.filter { $0["kind"] as? String == "records" }.compactMap {
            number($0["recordCount"])
        }
        #expect(blockRecords?.reduce(0, +) == file.stats.totalRecords)
    }

    @Test func dumpStopsAtTheLimit() async throws {
        let file = try DataFile()
        let blocks = try await KeelBinary.run(["log", "dump", file.path, "--json", "--limit", "7"])
        #expect(blocks.status == 0)
        let items = try jsonLines(blocks.stdout)
        #expect(items.filter { $0["type"] as? String == "block" }.count == 7)
        #expect(items.last?["type"] as? String == "block")

        let records = try await KeelBinary.run(["log", "dump", file.path, "--records", "--limit", "10"])
        #expect(records.status == 0)
        let lines = records.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("    record ") }.count == 10)
        #expect(lines.last?.hasPrefix("    record 10: key \"wf-9\" (4 bytes), payload ") == true)
        #expect(lines.first?.hasPrefix("superblock copy 0 at offset 0: valid, sequence ") == true)

        let refused = try await KeelBinary.run(["log", "dump", file.path, "--limit", "0"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--limit must be at least 1, found 0"))
    }

    @Test func dumpOfADamagedFileReportsTheProblemAndExitsOne() async throws {
        let file = try DataFile()
        let offset = try file.firstSealedRecordsBlock()
        try file.flipByte(at: offset + UInt64(Layout.blockHeaderBytes) + 7)
        let output = try await KeelBinary.run(["log", "dump", file.path, "--json"])
        #expect(output.status == 1)
        let problems = try jsonLines(output.stdout).filter { $0["type"] as? String == "problem" }
        #expect(problems.count == 1)
        #expect(number(problems.first?["offset"]) == offset)
    }

    // MARK: - stats

    @Test func statsReportsSpaceUse() async throws {
        let file = try DataFile(markDead: true)
        #expect(file.deadStreamRecords > 0)
        let output = try await KeelBinary.run(["log", "stats", file.path, "--json"])
        #expect(output.status == 0, "stderr: \(output.stderr)")
        let stats = try #require(try jsonLines(output.stdout).first)
        let keys: Set<String> = [
            "file", "fileBytes", "segmentBytes", "slots", "sealedSlots", "headSlots", "freeSlots", "recordsTotal",
            "recordsLive", "recordsDead", "lastLSN", "blockBytes", "recordBlocks", "checkpointBlocks", "rawRecordBytes",
            "storedRecordBytes", "compressionRatio", "deadStreams", "tornTailBytesCut", "indexesRebuilt",
        ]
        #expect(Set(stats.keys) == keys)
        let total = file.stats.totalRecords
        #expect(number(stats["recordsTotal"]) == total)
        #expect(number(stats["lastLSN"]) == total)
        #expect(number(stats["recordsDead"]) == file.deadStreamRecords)
        #expect(number(stats["recordsLive"]) == total - file.deadStreamRecords)
        #expect(number(stats["deadStreams"]) == 1)
        #expect(number(stats["fileBytes"]) == file.stats.fileBytes)
        #expect(number(stats["segmentBytes"]) == 1 << 20)
        #expect(number(stats["sealedSlots"]) == 2)
        #expect(number(stats["headSlots"]) == 1)
        #expect(number(stats["slots"]) == UInt64(file.stats.slotCount))
        #expect(number(stats["freeSlots"]) == UInt64(file.stats.slotCount) - 3)
        #expect(number(stats["tornTailBytesCut"]) == 0)
        let raw = try #require(number(stats["rawRecordBytes"]))
        let stored = try #require(number(stats["storedRecordBytes"]))
        #expect(raw > stored, "the repetitive payloads compress")
        let ratio = try #require(stats["compressionRatio"] as? Double)
        #expect(abs(ratio - Double(raw) / Double(stored)) < 0.001)

        let text = try await KeelBinary.run(["log", "stats", file.path])
        #expect(text.status == 0)
        #expect(
            text.stdout.contains(
                "\nrecords: \(total) total, \(total - file.deadStreamRecords) live, \(file.deadStreamRecords) dead\n"))
        #expect(
            text.stdout.contains(
                "\nslots: \(file.stats.slotCount) (2 sealed, 1 head, \(file.stats.slotCount - 3) free)\n"))
    }

    @Test func statsOfAMissingFileExitsTwoAndCreatesNothing() async throws {
        let path = NSTemporaryDirectory() + "keel-missing-" + UUID().uuidString + ".db"
        let output = try await KeelBinary.run(["log", "stats", path])
        #expect(output.status == 2)
        #expect(output.stderr == "keel log stats: cannot open \(path): no such file\n")
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
