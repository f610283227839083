import ArgumentParser
import Foundation
import KeelLog

/// `keel log dump FILE`: prints the superblocks, segments, blocks and (optionally) records of a data
/// file, without changing it.
struct LogDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the superblocks, segments, blocks and records of a data file.",
        discussion: """
            Segments come in LSN order, the head last. With --json, every item is one JSON object on \
            its own line with a "type" of superblock, segment, block, record or problem. Exit status: \
            0 when the walk met no damage, 1 when it stopped at damage, 2 when the file cannot be opened.
            """
    )

    @Argument(help: "The data file.") var file: String
    @Flag(help: "Print one JSON object per line (JSON Lines).") var json = false
    @Flag(help: "Print every record of every block too.") var records = false
    @Option(help: "Stop after this many blocks (with --records: records).") var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, found \(limit)") }
    }

    /// A block as one JSON line. Blocks and records are most of a dump, so they are encoded with
    /// `Codable` structs, which is many times faster than building dictionaries.
    struct BlockLine: Encodable {
        var type = "block"
        var offset: UInt64
        var segmentID: UInt64
        var slot: UInt32
        var kind: String
        var codec: String
        var flags: [String]
        var firstLSN: UInt64
        var lastLSN: UInt64
        var writeSequence: UInt64
        var recordCount: UInt32
        var rawBytes: UInt32
        var storedBytes: UInt32
        var totalBytes: Int
    }

    /// A record as one JSON line.
    struct RecordLine: Encodable {
        var type = "record"
        var lsn: UInt64
        var blockOffset: UInt64
        var keyBytes: Int
        var key: String
        var payloadBytes: Int
        var preview: String
    }

    func run() throws {
        let storage = try openForInspection(file, command: "dump")
        var shown = 0
        var sawError = false
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        LogInspector.dump(file: storage, records: records) { (item: DumpItem) -> Bool in
            print(json ? jsonText(item, encoder: encoder) : itemText(item))
            switch item {
            case .block where !records, .record:
                shown += 1
            case .problem(let problem):
                if problem.severity == .error { sawError = true }
            default:
                break
            }
            return limit.map { shown < $0 } ?? true
        }
        storage.close()
        if sawError { throw LogExit.unsound }
    }

    /// One item as one line of JSON.
    func jsonText(_ item: DumpItem, encoder: JSONEncoder) -> String {
        let data: Data?
        switch item {
        case .block(let block):
            let header = block.header
            data = try? encoder.encode(
                BlockLine(
                    offset: block.offset, segmentID: block.segmentID, slot: block.slot, kind: kindName(header.kind),
                    codec: codecName(header.codec), flags: flagNames(header.flags), firstLSN: header.firstLSN,
                    lastLSN: header.lastLSN, writeSequence: header.writeSequence, recordCount: header.recordCount,
                    rawBytes: header.rawBytes, storedBytes: header.storedBytes, totalBytes: header.totalBytes))
        case .record(let record):
            data = try? encoder.encode(
                RecordLine(
                    lsn: record.lsn, blockOffset: record.blockOffset, keyBytes: record.keyBytes, key: record.keyPreview,
                    payloadBytes: record.payloadBytes, preview: record.payloadPreview))
        default:
            return jsonLine(itemJSON(item))
        }
        guard let data else { preconditionFailure("blocks and records encode to JSON: strings and integers only") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Superblocks, segments and problems (a few per file) as JSON objects.
    func itemJSON(_ item: DumpItem) -> [String: Any] {
        switch item {
        case .superblock(let copy):
            return copy.json.merging(["type": "superblock"]) { $1 }
        case .segment(let segment):
            let descriptor = segment.descriptor
            return [
                "type": "segment", "role": segment.isHead ? "head" : "sealed", "slot": segment.header.slot,
                "offset": segment.offset, "segmentID": segment.header.segmentID, "firstLSN": segment.header.firstLSN,
                "compacted": segment.header.flags & SegmentHeader.compactedFlag != 0,
                "lastLSN": jsonOptional(descriptor?.lastLSN), "blocksEnd": jsonOptional(descriptor?.blocksEnd),
                "indexOffset": jsonOptional(descriptor?.indexOffset),
                "indexBytes": jsonOptional(descriptor?.indexBytes),
                "recordCount": jsonOptional(descriptor?.recordCount),
                "deadRecordCount": jsonOptional(descriptor?.deadRecordCount),
            ]
        case .block, .record:
            preconditionFailure("blocks and records are encoded by jsonText")
        case .problem(let problem):
            return problem.json.merging(["type": "problem"]) { $1 }
        }
    }

    func itemText(_ item: DumpItem) -> String {
        switch item {
        case .superblock(let copy):
            return copy.text
        case .segment(let segment):
            let header = segment.header
            let compacted = header.flags & SegmentHeader.compactedFlag != 0 ? ", compacted" : ""
            guard let descriptor = segment.descriptor else {
                return
                    "segment \(header.segmentID) (head) in slot \(header.slot) at offset \(segment.offset): LSNs from \(header.firstLSN)\(compacted)"
            }
            return "segment \(header.segmentID) (sealed) in slot \(header.slot) at offset \(segment.offset): "
                + "LSNs \(descriptor.firstLSN)...\(descriptor.lastLSN), \(counted(descriptor.recordCount, "record")) "
                + "(\(descriptor.deadRecordCount) dead), blocks end \(descriptor.blocksEnd), "
                + "index of \(descriptor.indexBytes) bytes at \(descriptor.indexOffset)\(compacted)"
        case .block(let block):
            let header = block.header
            let flags = flagNames(header.flags).joined(separator: ",")
            let lsns =
                header.kind == .records
                ? "LSNs \(header.firstLSN)...\(header.lastLSN), \(counted(header.recordCount, "record"))"
                : "next LSN \(header.firstLSN)"
            return "  block at \(block.offset): \(kindName(header.kind)), \(codecName(header.codec)), \(lsns), "
                + "\(header.rawBytes) raw / \(header.storedBytes) stored bytes, write \(header.writeSequence), flags [\(flags)]"
        case .record(let record):
            return "    record \(record.lsn): key \"\(record.keyPreview)\" (\(counted(record.keyBytes, "byte"))), "
                + "payload \(counted(record.payloadBytes, "byte")) \"\(record.payloadPreview)\""
        case .problem(let problem):
            return "problem: \(problem.description)"
        }
    }

    func kindName(_ kind: BlockKind) -> String {
        switch kind {
        case .records: "records"
        case .checkpoint: "checkpoint"
        }
    }

    func codecName(_ codec: BlockCodec) -> String {
        switch codec {
        case .none: "none"
        case .lz4: "lz4"
        }
    }

    func flagNames(_ flags: BlockFlags) -> [String] {
        var names: [String] = []
        if flags.contains(.afterSync) { names.append("afterSync") }
        if flags.contains(.writeEnd) { names.append("writeEnd") }
        return names
    }
}
