import ArgumentParser
import Foundation
import KeelLog

/// `keel log stats FILE`: opens the store and reports its space use.
struct LogStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Open a data file's store and report its space use.",
        discussion: """
            Opens the store as an application would (read-write, with recovery: a torn tail is cut \
            and a damaged index rebuilt, which the report counts), reads its statistics, measures \
            compression from the block headers, and closes it. Use `keel log verify` to check a file \
            without changing it. Exit status: 0 on success, 2 when the store cannot be opened.
            """
    )

    @Argument(help: "The data file.") var file: String
    @Flag(help: "Print the report as one JSON object.") var json = false

    /// Space use, as printed.
    struct Report {
        var stats: LogStats
        var rawRecordBytes: UInt64 = 0
        var storedRecordBytes: UInt64 = 0
        var recordBlocks = 0
        var checkpointBlocks = 0

        /// Raw bytes per stored byte of record blocks (above 1 when compression saves space).
        var compressionRatio: Double? {
            storedRecordBytes == 0 ? nil : Double(rawRecordBytes) / Double(storedRecordBytes)
        }
    }

    func run() throws {
        try requireRegularFile(file, command: "stats")
        if let attributes = try? FileManager.default.attributesOfItem(atPath: file),
            (attributes[.size] as? NSNumber)?.intValue == 0
        {
            printError("keel log stats: cannot open \(file): the file is empty, expected a Keel data file")
            throw LogExit.cannotOpen
        }
        let store: LogStore
        do {
            store = try LogStore.open(path: file)
        } catch {
            printError("keel log stats: cannot open \(file): \(error)")
            throw LogExit.cannotOpen
        }
        var report = Report(stats: store.stats())
        // Block headers carry raw and stored sizes: one walk over them measures compression.
        LogInspector.dump(file: store.file, records: false) { item in
            guard case .block(let block) = item else { return }
            switch block.header.kind {
            case .records:
                report.recordBlocks += 1
                report.rawRecordBytes += UInt64(block.header.rawBytes)
                report.storedRecordBytes += UInt64(block.header.storedBytes)
            case .checkpoint:
                report.checkpointBlocks += 1
            }
        }
        do {
            try store.close()
        } catch {
            printError("keel log stats: closing \(file) failed: \(error)")
        }
        print(json ? jsonLine(reportJSON(report)) : reportText(report), terminator: json ? "\n" : "")
    }

    func reportJSON(_ report: Report) -> [String: Any] {
        let stats = report.stats
        return [
            "file": file, "fileBytes": stats.fileBytes, "segmentBytes": stats.segmentBytes,
            "slots": stats.slotCount, "sealedSlots": stats.sealedSegments.count, "headSlots": 1,
            "freeSlots": stats.freeSlots,
            "recordsTotal": stats.totalRecords, "recordsLive": stats.liveRecords,
            "recordsDead": stats.totalRecords - stats.liveRecords, "lastLSN": stats.lastLSN,
            "blockBytes": stats.blockBytes, "recordBlocks": report.recordBlocks,
            "checkpointBlocks": report.checkpointBlocks,
            "rawRecordBytes": report.rawRecordBytes, "storedRecordBytes": report.storedRecordBytes,
            "compressionRatio": jsonOptional(report.compressionRatio.map { ($0 * 1000).rounded() / 1000 }),
            "deadStreams": stats.deadStreams, "tornTailBytesCut": stats.counters.tornTailBytes,
            "indexesRebuilt": stats.counters.indexesRebuilt,
        ]
    }

    func reportText(_ report: Report) -> String {
        let stats = report.stats
        let ratio = report.compressionRatio.map { String(format: "%.2fx", $0) } ?? "n/a (no record blocks)"
        let lines = [
            "file: \(file)",
            "file bytes: \(stats.fileBytes) (\(Layout.dataOffset) bytes of superblocks, \(counted(stats.slotCount, "slot")) of \(stats.segmentBytes) bytes)",
            "slots: \(stats.slotCount) (\(stats.sealedSegments.count) sealed, 1 head, \(stats.freeSlots) free)",
            "records: \(stats.totalRecords) total, \(stats.liveRecords) live, \(stats.totalRecords - stats.liveRecords) dead",
            "last LSN: \(stats.lastLSN)",
            "block bytes: \(stats.blockBytes) (segment headers and blocks of sealed segments and the head)",
            "record blocks: \(report.recordBlocks), \(report.storedRecordBytes) bytes stored for \(report.rawRecordBytes) raw bytes, compression \(ratio)",
            "dead streams: \(stats.deadStreams)",
            "recovery on open: \(counted(stats.counters.tornTailBytes, "torn tail byte")) cut, \(stats.counters.indexesRebuilt) \(stats.counters.indexesRebuilt == 1 ? "index" : "indexes") rebuilt",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
