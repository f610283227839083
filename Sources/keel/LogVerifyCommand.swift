import ArgumentParser
import Foundation
import KeelLog

/// `keel log verify FILE`: checks every structure of a data file without changing it.
struct LogVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a data file without changing it.",
        discussion: """
            Checks both superblock copies, the checkpoint, every sealed segment (header, every block's \
            checksum and records, LSN order, counts, index) and the head as recovery would scan it. \
            The file is opened read-only with a shared lock, so it cannot be checked while a store \
            has it open. Exit status: 0 when the file is sound (warnings allowed), 1 when errors were \
            found, 2 when the file cannot be opened.
            """
    )

    @Argument(help: "The data file.") var file: String
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        let storage = try openForInspection(file, command: "verify")
        let report = LogInspector.verify(file: storage)
        storage.close()
        print(json ? jsonLine(reportJSON(report)) : reportText(report), terminator: json ? "\n" : "")
        if !report.isSound { throw LogExit.unsound }
    }

    func reportJSON(_ report: VerifyReport) -> [String: Any] {
        var head: Any = NSNull()
        if let report = report.head {
            head =
                [
                    "slot": report.slot, "segmentID": report.segmentID, "offset": report.offset,
                    "firstLSN": report.firstLSN,
                    "checkpointOffset": report.checkpointOffset, "durableEnd": jsonOptional(report.durableEnd),
                    "nextLSN": jsonOptional(report.nextLSN), "tornTailBytes": report.tornTailBytes,
                ] as [String: Any]
        }
        return [
            "file": file, "sound": report.isSound, "fileBytes": report.fileBytes,
            "segmentBytes": jsonOptional(report.segmentBytes), "slotCount": report.slotCount,
            "superblocks": report.superblocks.map(\.json), "head": head,
            "sealedSegments": jsonOptional(report.checkpoint?.segments.count),
            "deadStreams": jsonOptional(report.checkpoint?.dead.count),
            "counts": [
                "superblocksValid": report.superblocksValid, "segments": report.segmentCount,
                "sealedSegments": report.sealedSegmentCount, "blocks": report.blockCount, "records": report.recordCount,
                "blockBytes": report.blockBytes,
            ] as [String: Any],
            "errors": report.errors.count, "warnings": report.warnings.count,
            "problems": report.problems.map(\.json),
        ]
    }

    func reportText(_ report: VerifyReport) -> String {
        var lines: [String] = []
        var title = "Keel data file \(file): \(report.fileBytes) bytes"
        if let segmentBytes = report.segmentBytes {
            title += ", \(segmentBytes)-byte segments, \(counted(report.slotCount, "slot"))"
        }
        lines.append(title)
        for copy in report.superblocks {
            let inUse = report.superblock.map { copy.isValid && $0.copyIndex == copy.copy } ?? false
            lines.append(copy.text + (inUse ? " [in use]" : ""))
        }
        if let checkpoint = report.checkpoint, let superblock = report.superblock {
            lines.append(
                "checkpoint at offset \(superblock.checkpointOffset): \(counted(checkpoint.segments.count, "sealed segment")), "
                    + "next LSN \(checkpoint.nextLSN), \(counted(checkpoint.dead.count, "dead stream"))")
        }
        if let head = report.head {
            var line =
                "head: segment \(head.segmentID) in slot \(head.slot) at offset \(head.offset), LSNs from \(head.firstLSN)"
            if let durableEnd = head.durableEnd, let nextLSN = head.nextLSN {
                line += "; durable blocks end at offset \(durableEnd), next LSN \(nextLSN), "
                line += head.tornTailBytes == 0 ? "no torn tail" : "torn tail of \(head.tornTailBytes) bytes after it"
            }
            lines.append(line)
        }
        lines.append(
            "checked \(counted(report.segmentCount, "segment")) (\(report.sealedSegmentCount) sealed"
                + "\(report.head?.durableEnd != nil ? " and the head" : "")), \(counted(report.blockCount, "block")) "
                + "(\(counted(report.blockBytes, "byte"))), \(counted(report.recordCount, "record"))")
        for problem in report.problems { lines.append(problem.description) }
        let errors = report.errors.count
        let warnings = report.warnings.count
        let counts = "\(counted(errors, "error")), \(counted(warnings, "warning"))"
        lines.append(report.isSound ? "result: sound (\(counts))" : "result: NOT SOUND (\(counts))")
        return lines.joined(separator: "\n") + "\n"
    }
}
