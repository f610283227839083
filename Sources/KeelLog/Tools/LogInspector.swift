/// Offline checking and dumping of a data file. Nothing here writes to the file: recovery in
/// `LogStore.open` cuts torn tails and rewrites damaged indexes, so the inspector reads the file
/// through its own code paths (sharing the validation of each structure with the store) and reports
/// what it finds instead of repairing it.
///
/// Every length and count read from the file is checked against the file size and the segment size
/// before anything is allocated or read, so any input, random bytes included, yields a report
/// rather than a crash or a huge allocation.
public enum LogInspector {
    /// Checks every structure of the file the newest valid superblock reaches: both superblock
    /// copies, the head segment header, the checkpoint and its segment table, every sealed segment
    /// (header, each block's checksum, fields and records, LSN order, counts, index), the slots they
    /// use, the head as recovery would scan it, and free slots holding segments newer than the
    /// checkpoint.
    ///
    /// A torn, unacknowledged tail after the head's last durable block is a warning (opening the
    /// store cuts it); damage to acknowledged data, or data only a damaged superblock reached, is an
    /// error. The file is only read: pass a file opened with `PosixFile(path:readOnly: true)`.
    ///
    /// - Complexity: O(*n*) in the size of the file; holds at most one segment in memory.
    public static func verify(file: any StorageFile) -> VerifyReport {
        var verifier = Verifier(file: file)
        verifier.run()
        return verifier.report
    }

    /// Walks the file in order and calls `body` for each item: both superblock copies, then each
    /// sealed segment in LSN order followed by the head, each with its blocks and, with `records`,
    /// the records of each block. Damage ends the walk of the segment it is in and is reported as a
    /// `.problem` item; the head's walk ends quietly at its first unwritten (all-zero) block header.
    ///
    /// - Complexity: O(*n*) in the size of the file.
    public static func dump(file: any StorageFile, records: Bool = true, body: (DumpItem) -> Void) {
        dump(
            file: file, records: records,
            while: { item in
                body(item)
                return true
            })
    }

    /// `dump(file:records:body:)` that stops as soon as `body` returns false.
    public static func dump(file: any StorageFile, records: Bool = true, while body: (DumpItem) -> Bool) {
        withoutActuallyEscaping(body) { body in
            var dumper = Dumper(file: file, records: records, body: body)
            dumper.run()
        }
    }
}

// MARK: - Reports

/// One thing `LogInspector.verify` found wrong, where it is and how bad it is.
public struct VerifyProblem: Sendable, Equatable, CustomStringConvertible {
    /// How bad a problem is.
    public enum Severity: String, Sendable {
        /// Data the store acknowledged (or needs in order to open) is damaged or inconsistent.
        case error
        /// Something a crash leaves behind that the store copes with on open without losing
        /// acknowledged data: a torn tail, one torn superblock copy, a segment an interrupted head
        /// roll or compaction left in a free slot.
        case warning
    }

    /// The structure a problem is about.
    public enum Area: String, Sendable {
        /// The file as a whole: its size, or reading it.
        case file
        /// A superblock copy, or a field of the one in use.
        case superblock
        /// The checkpoint block the superblock names, or its segment table.
        case checkpoint
        /// Which segment lives in which slot.
        case slot
        /// A segment header, or a segment's totals against the checkpoint.
        case segment
        /// A block of a sealed segment or its records.
        case block
        /// A sealed segment's index region.
        case index
        /// The head segment's blocks, as recovery scans them.
        case head
    }

    /// How bad the problem is.
    public var severity: Severity
    /// The structure the problem is about.
    public var area: Area
    /// The byte offset in the file the problem is about.
    public var offset: UInt64
    /// What was expected and what was found.
    public var message: String

    /// Creates a problem.
    public init(severity: Severity, area: Area, offset: UInt64, message: String) {
        self.severity = severity
        self.area = area
        self.offset = offset
        self.message = message
    }

    /// "error at offset 123 (block): message".
    public var description: String { "\(severity.rawValue) at offset \(offset) (\(area.rawValue)): \(message)" }
}

/// What `LogInspector` read from one superblock copy.
public struct SuperblockCopy: Sendable, Equatable {
    /// The copy number (0 or 1).
    public var copy: Int
    /// The copy's byte offset.
    public var offset: UInt64
    /// The decoded fields, when the copy decodes.
    public var superblock: Superblock?
    /// Why the copy is not usable, when it is not.
    public var error: String?

    /// Whether recovery may open the file from this copy.
    public var isValid: Bool { superblock != nil && error == nil }
}

/// The head segment as `LogInspector.verify` found it.
public struct HeadReport: Sendable, Equatable {
    /// The head's slot.
    public var slot: UInt32
    /// The head's segment id.
    public var segmentID: UInt64
    /// Byte offset of the head's slot.
    public var offset: UInt64
    /// The LSN of the head's first record.
    public var firstLSN: UInt64
    /// Byte offset of the checkpoint block the superblock names.
    public var checkpointOffset: UInt64
    /// Byte offset just past the last durable block, when the scan got through the head.
    public var durableEnd: UInt64?
    /// The LSN the next append would get, when the scan got through the head.
    public var nextLSN: UInt64?
    /// Bytes of torn, unacknowledged tail after `durableEnd` that opening the store would cut.
    public var tornTailBytes: UInt64 = 0
}

/// The outcome of `LogInspector.verify`: the problems found, and what was checked.
public struct VerifyReport: Sendable {
    /// Size of the file.
    public var fileBytes: UInt64 = 0
    /// Segment slot size, from the superblock used.
    public var segmentBytes: UInt64?
    /// Whole segment slots the file holds.
    public var slotCount: UInt32 = 0
    /// Both superblock copies, in copy order.
    public var superblocks: [SuperblockCopy] = []
    /// The superblock the check started from: the valid copy with the highest sequence.
    public var superblock: Superblock?
    /// The checkpoint that superblock names, when it decoded.
    public var checkpoint: Checkpoint?
    /// The head segment, when its header was readable.
    public var head: HeadReport?
    /// Everything found wrong, in the order it was found.
    public var problems: [VerifyProblem] = []
    /// Segments checked: sealed segments plus the head.
    public var segmentCount = 0
    /// Sealed segments checked.
    public var sealedSegmentCount = 0
    /// Blocks checked (records and checkpoint blocks, sealed and head).
    public var blockCount = 0
    /// Records checked.
    public var recordCount: UInt64 = 0
    /// Bytes of the blocks checked (headers, payloads and padding).
    public var blockBytes: UInt64 = 0

    /// An empty report, filled in by `LogInspector.verify`.
    public init() {}

    /// Superblock copies recovery may open the file from.
    public var superblocksValid: Int { superblocks.filter(\.isValid).count }
    /// The problems of severity `.error`.
    public var errors: [VerifyProblem] { problems.filter { $0.severity == .error } }
    /// The problems of severity `.warning`.
    public var warnings: [VerifyProblem] { problems.filter { $0.severity == .warning } }
    /// True when no error was found (warnings allowed).
    public var isSound: Bool { !problems.contains { $0.severity == .error } }
}

// MARK: - Dump items

/// One item of `LogInspector.dump`.
public enum DumpItem: Sendable {
    /// A superblock copy, valid or not.
    case superblock(SuperblockCopy)
    /// A segment, before its blocks.
    case segment(DumpSegment)
    /// A block that validated, before its records.
    case block(DumpBlock)
    /// A record of the block before it.
    case record(DumpRecord)
    /// Something that stopped the walk of a segment (or of the file).
    case problem(VerifyProblem)
}

/// A segment in `LogInspector.dump`.
public struct DumpSegment: Sendable, Equatable {
    /// True for the head, false for a sealed segment.
    public var isHead: Bool
    /// Byte offset of the segment's slot.
    public var offset: UInt64
    /// The segment's header.
    public var header: SegmentHeader
    /// The checkpoint's description of a sealed segment (nil for the head).
    public var descriptor: SegmentDescriptor?
}

/// A block in `LogInspector.dump`.
public struct DumpBlock: Sendable, Equatable {
    /// Byte offset of the block in the file.
    public var offset: UInt64
    /// The id of the segment holding the block.
    public var segmentID: UInt64
    /// The slot of the segment holding the block.
    public var slot: UInt32
    /// The block's header.
    public var header: BlockHeader
}

/// A record in `LogInspector.dump`.
public struct DumpRecord: Sendable, Equatable {
    /// The record's LSN.
    public var lsn: UInt64
    /// Byte offset of the block holding the record.
    public var blockOffset: UInt64
    /// Size of the record's stream key.
    public var keyBytes: Int
    /// Size of the record's payload.
    public var payloadBytes: Int
    /// The key's first bytes, printable ASCII kept and every other byte shown as `.`.
    public var keyPreview: String
    /// The payload's first bytes, shown the same way.
    public var payloadPreview: String

    /// Longest key preview, in bytes of the key.
    public static let keyPreviewBytesMax = 64
    /// Longest payload preview, in bytes of the payload.
    public static let payloadPreviewBytesMax = 48
}

extension DumpRecord {
    /// A printable preview of `bytes`: at most `limit` bytes, non-printable ones as `.`, and `...`
    /// when cut.
    static func preview(_ bytes: UnsafeRawBufferPointer, limit: Int) -> String {
        var text = ""
        text.reserveCapacity(min(bytes.count, limit) + 3)
        for byte in bytes.prefix(limit) {
            text.unicodeScalars.append(byte >= 0x20 && byte < 0x7F ? Unicode.Scalar(byte) : ".")
        }
        if bytes.count > limit { text += "..." }
        return text
    }
}

// MARK: - Reading

/// LSNs and write sequences at or past this are refused before any arithmetic on them, so a block
/// with a forged checksum cannot overflow a counter. No real log comes near it.
private let inspectorSequenceLimit: UInt64 = 1 << 62

/// Reads regions of the file, never more bytes than the file holds. Callers ask for at most one
/// segment slot at a time and keep at most one slot's bytes alive.
private struct RegionReader {
    let file: any StorageFile
    let fileBytes: UInt64

    /// Reads up to `count` bytes at `offset`; returns the bytes the file holds there. `count` is
    /// clamped to the file's size before anything is allocated.
    func read(_ count: Int, at offset: UInt64) throws(LogError) -> [UInt8] {
        guard offset < fileBytes, count > 0 else { return [] }
        let wanted = Int(min(UInt64(count), fileBytes - offset))
        var bytes = [UInt8](repeating: 0, count: wanted)
        let read = try bytes.withMutableBytes { all throws(LogError) in try file.read(into: all, at: offset) }
        if read < wanted { bytes.removeLast(wanted - read) }
        return bytes
    }
}

/// Reads and decodes both superblock copies.
private func readSuperblocks(_ reader: RegionReader) throws(LogError) -> [SuperblockCopy] {
    let bytes = try reader.read(Layout.superblockBytes * Layout.superblockCopies, at: 0)
    let count = bytes.count
    var copies: [SuperblockCopy] = []
    for copy in 0..<Layout.superblockCopies {
        let start = copy * Layout.superblockBytes
        var entry = SuperblockCopy(copy: copy, offset: UInt64(start))
        if count < start + Layout.superblockBytes {
            entry.error = "expected \(Layout.superblockBytes) bytes, the file ends after \(max(0, count - start))"
        } else {
            do {
                let superblock = try bytes.withBytes { all throws(LogError) in
                    try Superblock.decode(
                        UnsafeRawBufferPointer(rebasing: all[start..<start + Layout.superblockBytes]),
                        offset: UInt64(start))
                }
                entry.superblock = superblock
                if superblock.copyIndex != copy {
                    entry.error =
                        "sequence \(superblock.sequence) belongs in copy \(superblock.copyIndex), found in copy \(copy)"
                }
            } catch {
                entry.error = error.message
            }
        }
        copies.append(entry)
    }
    return copies
}

/// The valid copy with the highest sequence, as recovery chooses.
private func newest(_ copies: [SuperblockCopy]) -> SuperblockCopy? {
    copies.filter(\.isValid).max { $0.superblock!.sequence < $1.superblock!.sequence }
}

/// Decodes and checks the checkpoint block at `relative` in the head's bytes.
private func decodeCheckpoint(
    _ head: UnsafeRawBufferPointer, relative: Int, salt: UInt64, superblock: Superblock
) throws(LogError) -> Checkpoint {
    let offset = superblock.checkpointOffset
    let slice = UnsafeRawBufferPointer(rebasing: head[relative...])
    let header = try Block.validate(slice, salt: salt, offset: offset, payloadBytesMax: head.count)
    guard header.kind == .checkpoint else {
        throw .corrupt("checkpoint: expected a checkpoint block, found a block of kind \(header.kind)", at: offset)
    }
    let payload = try Block.payload(slice, header: header, offset: offset)
    let checkpoint = try payload.withBytes { bytes throws(LogError) in try Checkpoint.decode(bytes, offset: offset) }
    guard checkpoint.nextLSN == header.firstLSN, checkpoint.nextLSN == superblock.checkpointLSN else {
        throw .corrupt(
            "checkpoint: next LSN \(checkpoint.nextLSN) disagrees with its block (\(header.firstLSN)) or the superblock (\(superblock.checkpointLSN))",
            at: offset)
    }
    return checkpoint
}

private func slotOffset(_ slot: UInt32, _ segmentBytes: UInt64) -> UInt64 {
    Recovery.slotOffset(slot, segmentBytes)
}

// MARK: - Verify

private struct Verifier {
    var report = VerifyReport()
    var reader: RegionReader
    /// Which segment uses each slot, for the shared-slot check.
    var slotOwners: [UInt32: String] = [:]
    var segmentIDs: Set<UInt64> = []

    init(file: any StorageFile) {
        reader = RegionReader(file: file, fileBytes: 0)
    }

    mutating func addError(_ area: VerifyProblem.Area, _ offset: UInt64, _ message: String) {
        report.problems.append(VerifyProblem(severity: .error, area: area, offset: offset, message: message))
    }

    mutating func addWarning(_ area: VerifyProblem.Area, _ offset: UInt64, _ message: String) {
        report.problems.append(VerifyProblem(severity: .warning, area: area, offset: offset, message: message))
    }

    mutating func run() {
        let file = reader.file
        do {
            report.fileBytes = try file.size()
        } catch {
            addError(.file, 0, "cannot read the file size: \(error.message)")
            return
        }
        reader = RegionReader(file: file, fileBytes: report.fileBytes)
        guard let superblock = checkSuperblocks() else { return }
        let superblockOffset = UInt64(superblock.copyIndex * Layout.superblockBytes)
        let segmentBytes = superblock.segmentBytes
        report.segmentBytes = segmentBytes

        // Geometry: the superblock's segment size is validated (1 MiB to 1 GiB, page multiple).
        let fileBytes = report.fileBytes
        guard fileBytes >= Layout.dataOffset + segmentBytes else {
            addError(
                .file, fileBytes,
                "file of \(fileBytes) bytes is too short: expected at least \(Layout.dataOffset + segmentBytes) bytes (superblocks and one \(segmentBytes)-byte segment slot)"
            )
            return
        }
        let slotSpace = fileBytes - Layout.dataOffset
        guard slotSpace / segmentBytes <= UInt64(UInt32.max) else {
            addError(.file, fileBytes, "file of \(fileBytes) bytes holds more than \(UInt32.max) segment slots")
            return
        }
        report.slotCount = UInt32(slotSpace / segmentBytes)
        if slotSpace % segmentBytes != 0 {
            let partialStart = Layout.dataOffset + UInt64(report.slotCount) * segmentBytes
            addWarning(
                .file, partialStart,
                "the file ends \(slotSpace % segmentBytes) bytes into slot \(report.slotCount): expected whole \(segmentBytes)-byte slots"
            )
        }

        // The head segment's header.
        guard superblock.headSlot < report.slotCount else {
            addError(
                .superblock, superblockOffset,
                "head slot expected below \(report.slotCount) (the slots the file holds), found \(superblock.headSlot)")
            return
        }
        let headOffset = slotOffset(superblock.headSlot, segmentBytes)
        guard let start = checkHeadStart(superblock, headOffset: headOffset), var head = report.head else { return }
        let (header, checkpoint, checkpointRelative) = start
        report.checkpoint = checkpoint

        // Sealed segments, in LSN order.
        slotOwners[superblock.headSlot] = "head segment \(header.segmentID)"
        segmentIDs.insert(header.segmentID)
        for descriptor in checkpoint.segments {
            checkSealed(descriptor, superblock: superblock, headFirstLSN: header.firstLSN)
        }

        // The head, scanned as recovery scans it.
        guard let headAgain = loadSlot(headOffset, count: Int(segmentBytes), what: "head segment") else { return }
        checkHead(headAgain, header: header, checkpointRelative: checkpointRelative, head: &head)
        report.head = head
        report.segmentCount += 1

        checkFreeSlots(superblock: superblock, checkpoint: checkpoint, logEnd: head.nextLSN ?? checkpoint.nextLSN)
    }

    /// Checks the head segment's header and decodes the checkpoint the superblock names; returns
    /// them with the checkpoint's slot-relative offset, or nil after reporting why not.
    mutating func checkHeadStart(_ superblock: Superblock, headOffset: UInt64) -> (SegmentHeader, Checkpoint, Int)? {
        let segmentBytes = superblock.segmentBytes
        let superblockOffset = UInt64(superblock.copyIndex * Layout.superblockBytes)
        guard let headBytes = loadSlot(headOffset, count: Int(segmentBytes), what: "head segment") else { return nil }
        let header: SegmentHeader
        do {
            header = try headBytes.withBytes { bytes throws(LogError) in
                try SegmentHeader.decode(bytes, offset: headOffset)
            }
        } catch {
            addError(.segment, error.offset ?? headOffset, "head segment: \(error.message)")
            return nil
        }
        let mismatches = differences([
            ("segment", superblock.headSegmentID, header.segmentID), ("file", superblock.fileID, header.fileID),
            ("slot", UInt64(superblock.headSlot), UInt64(header.slot)),
        ])
        guard mismatches.isEmpty else {
            addError(.segment, headOffset, "head segment header disagrees with the superblock: \(mismatches)")
            return nil
        }
        report.head = HeadReport(
            slot: superblock.headSlot, segmentID: header.segmentID, offset: headOffset, firstLSN: header.firstLSN,
            checkpointOffset: superblock.checkpointOffset)
        guard superblock.checkpointOffset >= headOffset + UInt64(Layout.segmentHeaderBytes),
            superblock.checkpointOffset < headOffset + segmentBytes
        else {
            addError(
                .superblock, superblockOffset,
                "checkpoint offset expected in \(headOffset + UInt64(Layout.segmentHeaderBytes))..<\(headOffset + segmentBytes) (the head segment), found \(superblock.checkpointOffset)"
            )
            return nil
        }
        let checkpointRelative = Int(superblock.checkpointOffset - headOffset)
        do {
            let checkpoint = try headBytes.withBytes { bytes throws(LogError) in
                try decodeCheckpoint(bytes, relative: checkpointRelative, salt: header.salt, superblock: superblock)
            }
            return (header, checkpoint, checkpointRelative)
        } catch {
            addError(
                .checkpoint, error.offset ?? superblock.checkpointOffset,
                "the checkpoint that superblock copy \(superblock.copyIndex) names is damaged: \(error.message)")
            return nil
        }
    }

    /// Looks for segments written after the checkpoint in slots it leaves free. A head roll or a
    /// compaction writes its new segment before publishing the superblock that reaches it, so an
    /// interrupted one leaves such a segment behind, harmlessly. Records in it past the log's end
    /// mean a newer superblock reached them and was then damaged or lost: the superblocks are
    /// wrong (an error), and opening the store repairs them by adopting that head.
    mutating func checkFreeSlots(superblock: Superblock, checkpoint: Checkpoint, logEnd: UInt64) {
        let segmentBytes = superblock.segmentBytes
        for slot in 0..<report.slotCount where slotOwners[slot] == nil {
            let base = slotOffset(slot, segmentBytes)
            guard let headerBytes = try? reader.read(Layout.segmentHeaderBytes, at: base),
                headerBytes.count == Layout.segmentHeaderBytes,
                let header = try? headerBytes.withBytes({ bytes throws(LogError) in
                    try SegmentHeader.decode(bytes, offset: base)
                }),
                header.fileID == superblock.fileID, header.segmentID >= checkpoint.nextSegmentID
            else { continue }
            guard let slotBytes = try? reader.read(Int(segmentBytes), at: base), slotBytes.count == Int(segmentBytes)
            else { continue }
            // The blocks that validate, from the start of the slot.
            let lastLSN: UInt64? = slotBytes.withUnsafeBytes { all in
                var position = Layout.segmentHeaderBytes
                var last: UInt64? = nil
                while position + Layout.blockHeaderBytes <= all.count,
                    let block = try? Block.validate(
                        UnsafeRawBufferPointer(rebasing: all[position...]), salt: header.salt,
                        offset: base + UInt64(position), payloadBytesMax: all.count)
                {
                    if block.kind == .records { last = max(last ?? 0, block.lastLSN) }
                    position += block.totalBytes
                }
                return last
            }
            let name = "slot \(slot) is free in the checkpoint but holds segment \(header.segmentID) of this file"
            let newer = "written after the checkpoint (next segment id \(checkpoint.nextSegmentID))"
            if let lastLSN, lastLSN >= logEnd, header.flags & SegmentHeader.compactedFlag == 0 {
                addError(
                    .slot, base,
                    "\(name), \(newer), with records up to LSN \(lastLSN) past the log's end (next LSN \(logEnd)): the superblock that reached them was damaged or lost; opening the store adopts segment \(header.segmentID) as the head and rewrites the superblock"
                )
            } else {
                addWarning(
                    .slot, base,
                    "\(name), \(newer), with no record past the log's end: an interrupted head roll or compaction left it, and the store reuses the slot"
                )
            }
        }
    }

    /// Reads a slot region whole; reports an error and returns nil when the file cannot supply it.
    mutating func loadSlot(_ offset: UInt64, count: Int, what: String) -> [UInt8]? {
        do {
            let bytes = try reader.read(count, at: offset)
            guard bytes.count == count else {
                addError(
                    .file, offset + UInt64(bytes.count),
                    "\(what): expected \(count) bytes at offset \(offset), the file ends after \(bytes.count)")
                return nil
            }
            return bytes
        } catch {
            addError(.file, offset, "\(what): cannot read \(count) bytes at offset \(offset): \(error.message)")
            return nil
        }
    }

    /// Checks both copies; returns the one recovery would use.
    mutating func checkSuperblocks() -> Superblock? {
        do {
            report.superblocks = try readSuperblocks(reader)
        } catch {
            addError(.file, 0, "cannot read the superblocks: \(error.message)")
            return nil
        }
        guard let chosen = newest(report.superblocks), let superblock = chosen.superblock else {
            let hasMagic = report.superblocks.contains { $0.superblock != nil || !($0.error ?? "").contains("magic") }
            for copy in report.superblocks {
                let reason = copy.error ?? "not valid"
                addError(.superblock, copy.offset, "superblock copy \(copy.copy) is not valid: \(reason)")
            }
            if !hasMagic {
                addError(
                    .file, 0, "not a Keel data file: expected the magic KEELFILE at offset 0 or 4096, found neither")
            }
            return nil
        }
        report.superblock = superblock
        for copy in report.superblocks where copy.copy != chosen.copy {
            if let error = copy.error {
                addWarning(
                    .superblock, copy.offset,
                    "superblock copy \(copy.copy) is damaged (\(error)); the store opens from copy \(chosen.copy) (sequence \(superblock.sequence)) and rewrites this copy at its next checkpoint"
                )
            } else if let other = copy.superblock {
                let mismatches = differences([
                    ("file", superblock.fileID, other.fileID),
                    ("segment size", superblock.segmentBytes, other.segmentBytes),
                ])
                if !mismatches.isEmpty {
                    addError(
                        .superblock, copy.offset,
                        "superblock copy \(copy.copy) describes another file than copy \(chosen.copy): \(mismatches)")
                }
            }
        }
        return superblock
    }

    /// Checks one sealed segment: descriptor, header, blocks, records, counts and index.
    mutating func checkSealed(_ descriptor: SegmentDescriptor, superblock: Superblock, headFirstLSN: UInt64) {
        let checkpointOffset = superblock.checkpointOffset
        let segmentBytes = superblock.segmentBytes
        let name = "segment \(descriptor.segmentID)"
        guard descriptor.slot < report.slotCount else {
            addError(
                .slot, checkpointOffset,
                "checkpoint: \(name) expected in one of the file's \(report.slotCount) slots (the file ends at byte \(report.fileBytes)), found slot \(descriptor.slot)"
            )
            return
        }
        let base = slotOffset(descriptor.slot, segmentBytes)
        if let owner = slotOwners[descriptor.slot] {
            addError(.slot, base, "slot \(descriptor.slot) is used by both \(owner) and \(name) in the checkpoint")
            return
        }
        slotOwners[descriptor.slot] = name
        if !segmentIDs.insert(descriptor.segmentID).inserted {
            addError(.checkpoint, checkpointOffset, "checkpoint: segment id \(descriptor.segmentID) appears twice")
        }
        if descriptor.lastLSN >= headFirstLSN {
            addError(
                .checkpoint, checkpointOffset,
                "checkpoint: \(name) holds LSNs \(descriptor.firstLSN)...\(descriptor.lastLSN), expected them below the head's first LSN \(headFirstLSN)"
            )
        }
        let minimumEnd = UInt64(Layout.segmentHeaderBytes + Layout.blockHeaderBytes)
        guard descriptor.blocksEnd >= minimumEnd, descriptor.blocksEnd <= descriptor.indexOffset,
            descriptor.indexOffset % UInt64(Layout.pageBytes) == 0, descriptor.indexOffset <= segmentBytes,
            descriptor.indexBytes >= UInt64(Layout.indexHeaderBytes),
            descriptor.indexBytes <= segmentBytes - descriptor.indexOffset,
            descriptor.lastLSN < inspectorSequenceLimit
        else {
            addError(
                .checkpoint, checkpointOffset,
                "checkpoint: \(name) expected blocks from \(Layout.segmentHeaderBytes) to at most a page-aligned index inside its \(segmentBytes)-byte slot, found blocks end \(descriptor.blocksEnd) and index \(descriptor.indexBytes) bytes at \(descriptor.indexOffset)"
            )
            return
        }
        let regionEnd = Int(descriptor.indexOffset + descriptor.indexBytes)
        guard let bytes = loadSlot(base, count: regionEnd, what: name) else { return }
        report.sealedSegmentCount += 1
        report.segmentCount += 1

        do {
            let header = try bytes.withBytes { all throws(LogError) in try SegmentHeader.decode(all, offset: base) }
            let mismatches = differences([
                ("segment", descriptor.segmentID, header.segmentID), ("salt", descriptor.salt, header.salt),
                ("file", superblock.fileID, header.fileID), ("slot", UInt64(descriptor.slot), UInt64(header.slot)),
                ("first LSN", descriptor.firstLSN, header.firstLSN),
                ("flags", UInt64(descriptor.flags), UInt64(header.flags)),
            ])
            if !mismatches.isEmpty {
                addError(.segment, base, "\(name): header disagrees with the checkpoint: \(mismatches)")
            }
        } catch {
            addError(.segment, error.offset ?? base, "\(name): \(error.message)")
        }

        let walk = bytes.withUnsafeBytes { all in
            checkSealedBlocks(
                UnsafeRawBufferPointer(rebasing: all[0..<Int(descriptor.blocksEnd)]), descriptor, base: base,
                segmentBytes: segmentBytes)
        }
        let indexAt = base + descriptor.indexOffset
        let region = bytes.withUnsafeBytes { all in
            MappedRegion.copying(UnsafeRawBufferPointer(rebasing: all[Int(descriptor.indexOffset)..<regionEnd]))
        }
        let repair = "; opening the store rebuilds the index from the segment's blocks"
        do {
            let index = try IndexRegion(
                region: region, salt: descriptor.salt, segmentID: descriptor.segmentID, offset: indexAt)
            if index.blocksEnd != descriptor.blocksEnd {
                addError(
                    .index, indexAt,
                    "\(name): index blocks end expected \(descriptor.blocksEnd) (the checkpoint), found \(index.blocksEnd)\(repair)"
                )
            } else if let rebuilt = walk {
                compareIndex(index, rebuilt: rebuilt, at: indexAt, name: name, repair: repair)
            }
        } catch {
            addError(.index, error.offset ?? indexAt, "\(name): \(error.message)\(repair)")
        }
    }

    /// Walks a sealed segment's blocks; returns the index they imply when every block is sound.
    mutating func checkSealedBlocks(
        _ bytes: UnsafeRawBufferPointer, _ descriptor: SegmentDescriptor, base: UInt64, segmentBytes: UInt64
    ) -> HeadState? {
        let name = "segment \(descriptor.segmentID)"
        let isCompacted = descriptor.flags & SegmentHeader.compactedFlag != 0
        let end = bytes.count
        var position = Layout.segmentHeaderBytes
        var expected = descriptor.firstLSN
        var isSound = true
        var records: UInt64 = 0
        var rebuilt = HeadState(
            slot: descriptor.slot, segmentID: descriptor.segmentID, salt: descriptor.salt,
            firstLSN: descriptor.firstLSN,
            blocksEnd: 0)
        var counts: [UInt64: UInt32] = [:]
        var order: [UInt64] = []

        func lsnRule(_ found: UInt64) -> Bool { isCompacted ? found >= expected : found == expected }
        let rule = isCompacted ? "at least " : ""

        while position < end {
            let offset = base + UInt64(position)
            let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<end])
            do throws(LogError) {
                let header = try Block.validate(
                    slice, salt: descriptor.salt, offset: offset, payloadBytesMax: Int(segmentBytes))
                guard header.lastLSN < inspectorSequenceLimit, header.firstLSN < inspectorSequenceLimit else {
                    throw LogError.corrupt(
                        "block: LSNs \(header.firstLSN)...\(header.lastLSN) are past the LSN limit \(inspectorSequenceLimit)",
                        at: offset)
                }
                report.blockCount += 1
                report.blockBytes += UInt64(header.totalBytes)
                let payload = try Block.payload(slice, header: header, offset: offset)
                switch header.kind {
                case .records:
                    if !lsnRule(header.firstLSN) {
                        isSound = false
                        addError(
                            .block, offset,
                            "\(name): block first LSN expected \(rule)\(expected), found \(header.firstLSN)")
                    }
                    if header.lastLSN > descriptor.lastLSN {
                        isSound = false
                        addError(
                            .block, offset,
                            "\(name): block last LSN expected at most \(descriptor.lastLSN) (the checkpoint's end of the segment), found \(header.lastLSN)"
                        )
                    }
                    counts.removeAll(keepingCapacity: true)
                    order.removeAll(keepingCapacity: true)
                    try payload.withBytes { raw throws(LogError) in
                        try Block.forEachRecord(raw, header: header, offset: offset) { _, key, _ in
                            let stream = Codec.hash128(key).low
                            if let count = counts[stream] {
                                counts[stream] = count + 1
                            } else {
                                counts[stream] = 1
                                order.append(stream)
                            }
                        }
                    }
                    rebuilt.add(block: header, at: UInt64(position), counts: order.map { ($0, counts[$0]!) })
                    records += UInt64(header.recordCount)
                    report.recordCount += UInt64(header.recordCount)
                    expected = header.lastLSN + 1
                case .checkpoint:
                    if !lsnRule(header.firstLSN) {
                        isSound = false
                        addError(
                            .block, offset,
                            "\(name): checkpoint block next LSN expected \(rule)\(expected), found \(header.firstLSN)")
                    }
                    _ = try payload.withBytes { raw throws(LogError) in try Checkpoint.decode(raw, offset: offset) }
                }
                position += header.totalBytes
            } catch {
                isSound = false
                addError(.block, error.offset ?? offset, "\(name): \(error.message)")
                // The header's sizes still say where the next block starts when the header decodes;
                // the checksum covers it too, so this is a guess that the next block confirms.
                guard let header = try? BlockHeader.decode(slice, offset: offset), header.totalBytes <= end - position
                else {
                    addError(
                        .block, offset,
                        "\(name): blocks from offset \(offset) to \(base + UInt64(end)) are not checked: the damaged block's header does not say where the next block starts"
                    )
                    return nil
                }
                if header.kind == .records, header.lastLSN < inspectorSequenceLimit { expected = header.lastLSN + 1 }
                position += header.totalBytes
            }
        }
        if position != end {
            addError(
                .block, base + UInt64(end),
                "\(name): blocks end expected at \(end) (the checkpoint), the last block ends at \(position)")
            return nil
        }
        guard isSound else { return nil }
        if !isCompacted, expected - 1 != descriptor.lastLSN {
            addError(
                .segment, base,
                "\(name): last LSN expected \(descriptor.lastLSN) (the checkpoint), the blocks end at LSN \(expected - 1)"
            )
        }
        if records != descriptor.recordCount {
            addError(
                .segment, base,
                "\(name): record count expected \(descriptor.recordCount) (the checkpoint), the blocks hold \(records)")
        }
        return rebuilt
    }

    /// Compares a sealed index with the entries rebuilt from its blocks.
    mutating func compareIndex(
        _ index: IndexRegion, rebuilt: HeadState, at indexAt: UInt64, name: String, repair: String
    ) {
        let entries = rebuilt.sortedEntries()
        let lsnEntries = rebuilt.lsnEntries
        guard index.entryCount == entries.count, index.lsnEntryCount == lsnEntries.count else {
            addError(
                .index, indexAt,
                "\(name): index expected \(entries.count) stream entries and \(lsnEntries.count) LSN entries (rebuilt from the blocks), found \(index.entryCount) and \(index.lsnEntryCount)\(repair)"
            )
            return
        }
        for (number, expected) in entries.enumerated() {
            let found = index.entry(at: number)
            if found != expected {
                let at = indexAt + UInt64(Layout.indexHeaderBytes + number * Layout.indexEntryBytes)
                addError(
                    .index, at,
                    "\(name): index entry \(number) expected stream \(hex(expected.stream)) block \(expected.blockOffset) \(expected.recordCount) records (rebuilt from the blocks), found stream \(hex(found.stream)) block \(found.blockOffset) \(found.recordCount) records\(repair)"
                )
                return
            }
        }
        for (number, expected) in lsnEntries.enumerated() {
            let found = index.lsnEntry(at: number)
            if found != expected {
                let at =
                    indexAt
                    + UInt64(
                        Layout.indexHeaderBytes + entries.count * Layout.indexEntryBytes + number * Layout.lsnEntryBytes
                    )
                addError(
                    .index, at,
                    "\(name): index LSN entry \(number) expected LSN \(expected.firstLSN) at block \(expected.blockOffset) (rebuilt from the blocks), found LSN \(found.firstLSN) at block \(found.blockOffset)\(repair)"
                )
                return
            }
        }
    }

    /// Scans the head as recovery does, without cutting anything.
    mutating func checkHead(_ bytes: [UInt8], header: SegmentHeader, checkpointRelative: Int, head: inout HeadReport) {
        let headOffset = head.offset
        let segmentBytes = bytes.count
        let name = "head segment \(header.segmentID)"
        // Recovery's scan adds to LSNs and write sequences; refuse blocks whose values would overflow.
        let implausible: (offset: UInt64, header: BlockHeader)? = bytes.withUnsafeBytes { all in
            var candidate = Layout.segmentHeaderBytes
            while candidate + Layout.blockHeaderBytes <= segmentBytes {
                if all.u32(candidate + 8) == Layout.blockMagic,
                    let block = try? Block.validate(
                        UnsafeRawBufferPointer(rebasing: all[candidate...]), salt: header.salt,
                        offset: headOffset + UInt64(candidate), payloadBytesMax: segmentBytes),
                    block.lastLSN >= inspectorSequenceLimit || block.firstLSN >= inspectorSequenceLimit
                        || block.writeSequence >= inspectorSequenceLimit
                {
                    return (headOffset + UInt64(candidate), block)
                }
                candidate += Layout.blockAlignment
            }
            return nil
        }
        if let implausible {
            addError(
                .head, implausible.offset,
                "\(name): block LSNs \(implausible.header.firstLSN)...\(implausible.header.lastLSN) or write sequence \(implausible.header.writeSequence) expected below \(inspectorSequenceLimit)"
            )
            return
        }
        var state = HeadState(
            slot: head.slot, segmentID: header.segmentID, salt: header.salt, firstLSN: header.firstLSN,
            blocksEnd: UInt64(Layout.segmentHeaderBytes))
        var scan = HeadScan(
            headOffset: headOffset, salt: header.salt, segmentBytes: segmentBytes,
            checkpointRelative: checkpointRelative,
            expectedLSN: header.firstLSN)
        do {
            try bytes.withBytes { all throws(LogError) in try scan.run(all, head: &state) }
        } catch {
            addError(.head, error.offset ?? headOffset, "\(name): \(error.message)")
            return
        }
        head.durableEnd = headOffset + state.blocksEnd
        head.nextLSN = scan.expectedLSN
        head.tornTailBytes = scan.tornBytes
        if let zero = scan.zeroRange {
            let start = headOffset + UInt64(zero.lowerBound)
            addWarning(
                .head, start,
                "\(name): torn tail: \(zero.count) bytes after the last durable block (offset \(start) to \(headOffset + UInt64(zero.upperBound))) look like a block but do not validate; they are a write that was never acknowledged (or bytes an earlier use of the slot left), and opening the store overwrites them with zeros"
            )
        }
        // Every block up to the durable end was validated by the scan; count them.
        bytes.withUnsafeBytes { all in
            var position = Layout.segmentHeaderBytes
            while position < Int(state.blocksEnd) {
                guard let block = try? BlockHeader.decode(UnsafeRawBufferPointer(rebasing: all[position...]), offset: 0)
                else { break }
                report.blockCount += 1
                report.blockBytes += UInt64(block.totalBytes)
                position += block.totalBytes
            }
        }
        report.recordCount += state.recordCount
    }
}

/// "name expected X, found Y" for each pair that differs, joined; empty when all agree.
private func differences(_ pairs: [(String, UInt64, UInt64)]) -> String {
    pairs.filter { $0.1 != $0.2 }.map { "\($0.0) expected \($0.1), found \($0.2)" }.joined(separator: "; ")
}

// MARK: - Dump

private struct Dumper {
    var reader: RegionReader
    let records: Bool
    let body: (DumpItem) -> Bool
    var isStopped = false

    init(file: any StorageFile, records: Bool, body: @escaping (DumpItem) -> Bool) {
        self.reader = RegionReader(file: file, fileBytes: 0)
        self.records = records
        self.body = body
    }

    /// Passes `item` on; returns false once the caller asked to stop.
    mutating func emit(_ item: DumpItem) -> Bool {
        if isStopped { return false }
        if !body(item) { isStopped = true }
        return !isStopped
    }

    mutating func problem(
        _ area: VerifyProblem.Area, _ offset: UInt64, _ message: String, severity: VerifyProblem.Severity = .error
    ) {
        _ = emit(.problem(VerifyProblem(severity: severity, area: area, offset: offset, message: message)))
    }

    mutating func run() {
        let file = reader.file
        let fileBytes: UInt64
        do {
            fileBytes = try file.size()
        } catch {
            problem(.file, 0, "cannot read the file size: \(error.message)")
            return
        }
        reader = RegionReader(file: file, fileBytes: fileBytes)
        let copies: [SuperblockCopy]
        do {
            copies = try readSuperblocks(reader)
        } catch {
            problem(.file, 0, "cannot read the superblocks: \(error.message)")
            return
        }
        for copy in copies where !emit(.superblock(copy)) { return }
        guard let superblock = newest(copies)?.superblock else {
            problem(.superblock, 0, "no valid superblock copy: nothing more can be found in the file")
            return
        }
        let segmentBytes = superblock.segmentBytes
        let slotCount = fileBytes >= Layout.dataOffset ? (fileBytes - Layout.dataOffset) / segmentBytes : 0
        guard UInt64(superblock.headSlot) < slotCount else {
            problem(
                .superblock, UInt64(superblock.copyIndex * Layout.superblockBytes),
                "head slot expected below \(slotCount) (the slots the file holds), found \(superblock.headSlot)")
            return
        }
        let headOffset = slotOffset(superblock.headSlot, segmentBytes)
        guard let start = readHeadStart(superblock, headOffset: headOffset) else { return }
        let (headHeader, checkpoint) = start
        for descriptor in checkpoint?.segments ?? [] {
            guard UInt64(descriptor.slot) < slotCount, descriptor.blocksEnd <= segmentBytes,
                descriptor.blocksEnd >= UInt64(Layout.segmentHeaderBytes)
            else {
                problem(
                    .checkpoint, superblock.checkpointOffset,
                    "segment \(descriptor.segmentID): slot \(descriptor.slot) or blocks end \(descriptor.blocksEnd) is outside the file"
                )
                continue
            }
            let base = slotOffset(descriptor.slot, segmentBytes)
            guard let bytes = load(base, count: Int(descriptor.blocksEnd)) else { continue }
            let header: SegmentHeader
            do {
                header = try bytes.withBytes { all throws(LogError) in try SegmentHeader.decode(all, offset: base) }
            } catch {
                problem(.segment, error.offset ?? base, "segment \(descriptor.segmentID): \(error.message)")
                continue
            }
            guard emit(.segment(DumpSegment(isHead: false, offset: base, header: header, descriptor: descriptor)))
            else { return }
            walkBlocks(
                bytes, base: base, slot: descriptor.slot, segmentID: descriptor.segmentID, salt: descriptor.salt,
                segmentBytes: segmentBytes, isHead: false)
            if isStopped { return }
        }
        guard emit(.segment(DumpSegment(isHead: true, offset: headOffset, header: headHeader, descriptor: nil))),
            let headBytes = load(headOffset, count: Int(segmentBytes))
        else { return }
        walkBlocks(
            headBytes, base: headOffset, slot: superblock.headSlot, segmentID: headHeader.segmentID,
            salt: headHeader.salt,
            segmentBytes: segmentBytes, isHead: true)
    }

    /// Reads the head segment's header and the checkpoint the superblock names (nil when damaged,
    /// after reporting it); returns nil when the head's header itself is unreadable.
    mutating func readHeadStart(_ superblock: Superblock, headOffset: UInt64) -> (SegmentHeader, Checkpoint?)? {
        let segmentBytes = superblock.segmentBytes
        guard let headBytes = load(headOffset, count: Int(segmentBytes)) else { return nil }
        let headHeader: SegmentHeader
        do {
            headHeader = try headBytes.withBytes { all throws(LogError) in
                try SegmentHeader.decode(all, offset: headOffset)
            }
        } catch {
            problem(.segment, error.offset ?? headOffset, "head segment: \(error.message)")
            return nil
        }
        guard superblock.checkpointOffset >= headOffset + UInt64(Layout.segmentHeaderBytes),
            superblock.checkpointOffset < headOffset + segmentBytes
        else {
            problem(
                .superblock, UInt64(superblock.copyIndex * Layout.superblockBytes),
                "checkpoint offset \(superblock.checkpointOffset) is outside the head segment: sealed segments are not listed"
            )
            return (headHeader, nil)
        }
        let relative = Int(superblock.checkpointOffset - headOffset)
        do {
            let checkpoint = try headBytes.withBytes { all throws(LogError) in
                try decodeCheckpoint(all, relative: relative, salt: headHeader.salt, superblock: superblock)
            }
            return (headHeader, checkpoint)
        } catch {
            problem(
                .checkpoint, error.offset ?? superblock.checkpointOffset,
                "sealed segments are not listed: \(error.message)")
            return (headHeader, nil)
        }
    }

    mutating func load(_ offset: UInt64, count: Int) -> [UInt8]? {
        do {
            let bytes = try reader.read(count, at: offset)
            guard bytes.count == count else {
                problem(
                    .file, offset + UInt64(bytes.count),
                    "expected \(count) bytes at offset \(offset), the file ends after \(bytes.count)")
                return nil
            }
            return bytes
        } catch {
            problem(.file, offset, "cannot read \(count) bytes at offset \(offset): \(error.message)")
            return nil
        }
    }

    /// Emits the blocks (and records) of one segment's bytes, from its first block to the end of
    /// `bytes` or the first block that does not validate.
    mutating func walkBlocks(
        _ bytes: [UInt8], base: UInt64, slot: UInt32, segmentID: UInt64, salt: UInt64, segmentBytes: UInt64,
        isHead: Bool
    ) {
        bytes.withUnsafeBytes { all in
            var position = Layout.segmentHeaderBytes
            while position + Layout.blockHeaderBytes <= all.count {
                let offset = base + UInt64(position)
                let slice = UnsafeRawBufferPointer(rebasing: all[position...])
                let header: BlockHeader
                do throws(LogError) {
                    header = try Block.validate(slice, salt: salt, offset: offset, payloadBytesMax: Int(segmentBytes))
                } catch {
                    // The head ends where nothing was written yet; anything else there is a torn tail.
                    let isUnwritten = slice.prefix(Layout.blockHeaderBytes).allSatisfy { $0 == 0 }
                    if isHead, isUnwritten { return }
                    problem(
                        isHead ? .head : .block, error.offset ?? offset,
                        "segment \(segmentID): the walk stops here: \(error.message)",
                        severity: isHead ? .warning : .error)
                    return
                }
                guard emit(.block(DumpBlock(offset: offset, segmentID: segmentID, slot: slot, header: header))) else {
                    return
                }
                if records, header.kind == .records, header.firstLSN < inspectorSequenceLimit {
                    do throws(LogError) {
                        let payload = try Block.payload(slice, header: header, offset: offset)
                        try payload.withBytes { raw throws(LogError) in
                            try Block.forEachRecord(raw, header: header, offset: offset) {
                                lsn, key, value throws(LogError) in
                                let record = DumpRecord(
                                    lsn: lsn, blockOffset: offset, keyBytes: key.count, payloadBytes: value.count,
                                    keyPreview: DumpRecord.preview(key, limit: DumpRecord.keyPreviewBytesMax),
                                    payloadPreview: DumpRecord.preview(value, limit: DumpRecord.payloadPreviewBytesMax))
                                guard emit(.record(record)) else { throw LogError(.closed, "the dump was stopped") }
                            }
                        }
                    } catch {
                        if !isStopped {
                            problem(
                                .block, error.offset ?? offset,
                                "segment \(segmentID): the walk stops here: \(error.message)")
                        }
                        return
                    }
                }
                position += header.totalBytes
            }
        }
    }
}
