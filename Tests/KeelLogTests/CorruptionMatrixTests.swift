import Foundation
import Synchronization
import Testing

@testable import KeelLog

/// The corruption matrix: one bit flipped in one structure of a data file, then a reopen whose
/// outcome must be the documented one (docs/log.md, "Recovery"): open from the other superblock copy,
/// rebuild a derived index, cut a torn unacknowledged tail, or refuse with `.corrupt` naming the offset
/// when acknowledged data is damaged. Each row is one structure × position × expected outcome.
@Suite struct CorruptionMatrixTests {
    // MARK: The table

    /// Every row of the matrix.
    static let rows: [MatrixRow] = {
        var rows: [MatrixRow] = []
        func add(_ shape: Fixture.Shape, _ damage: Damage, _ expected: Expectation) {
            rows.append(MatrixRow(shape: shape, damage: damage, expected: expected))
        }
        let corners: [Position] = [.start, .middle, .checksum, .lastByte]

        for shape in Fixture.Shape.allCases { add(shape, .none, .opensIntact) }

        // Superblocks: one copy damaged opens from the other; both damaged refuse.
        for position in corners {
            add(.standard, .flip(.newestSuperblock, position), .opensIntact)
            add(.standard, .flip(.olderSuperblock, position), .opensIntact)
        }
        add(.standard, .flip(.bothSuperblocks, .start), .refuses(.notAKeelFile, at: .unchecked))
        for position in [Position.middle, .checksum, .lastByte] {
            add(.standard, .flip(.bothSuperblocks, position), .refuses(.corrupt, at: .structureStart))
        }
        add(.justRolled, .flip(.olderSuperblock, .middle), .opensIntact)
        add(.justRolled, .flip(.newestSuperblock, .middle), .opensIntact)
        add(.deadMarkedLast, .flip(.newestSuperblock, .middle), .opensIntact)
        add(.deadMarkedLast, .flip(.olderSuperblock, .middle), .opensIntact)

        // The head segment's header and the checkpoint the superblock names are not repairable.
        for position in corners {
            add(.standard, .flip(.headSegmentHeader, position), .refuses(.corrupt, at: .structureStart))
        }
        for position in corners + [.field(8, "magic"), .field(16, "firstLSN")] {
            add(.standard, .flip(.checkpointBlock, position), .refuses(.corrupt, at: .structureStart))
        }
        add(.justRolled, .flip(.checkpointBlock, .middle), .refuses(.corrupt, at: .structureStart))
        add(.deadMarkedLast, .flip(.checkpointBlock, .lastByte), .refuses(.corrupt, at: .structureStart))

        // A sealed segment's header is not repairable.
        add(.standard, .flip(.sealedSegmentHeader(0), .start), .refuses(.corrupt, at: .structureStart))
        add(.standard, .flip(.sealedSegmentHeader(1), .middle), .refuses(.corrupt, at: .structureStart))
        add(.standard, .flip(.sealedSegmentHeader(2), .checksum), .refuses(.corrupt, at: .structureStart))
        add(.standard, .flip(.sealedSegmentHeader(2), .lastByte), .refuses(.corrupt, at: .structureStart))

        // A sealed index is derived data: rebuilt from the blocks and rewritten.
        add(.standard, .flip(.sealedIndex(0), .start), .rebuildsIndex)
        add(.standard, .flip(.sealedIndex(0), .field(24, "entry count")), .rebuildsIndex)
        add(.standard, .flip(.sealedIndex(1), .field(40, "blocks end")), .rebuildsIndex)
        add(.standard, .flip(.sealedIndex(1), .indexEntry(1)), .rebuildsIndex)
        add(.standard, .flip(.sealedIndex(2), .lsnEntry(0)), .rebuildsIndex)
        add(.standard, .flip(.sealedIndex(2), .field(48, "body checksum")), .rebuildsIndex)
        add(.standard, .flip(.sealedIndex(0), .checksum), .rebuildsIndex)
        add(.standard, .flip(.sealedIndex(1), .lastByte), .rebuildsIndex)
        add(.justRolled, .flip(.sealedIndex(1), .middle), .rebuildsIndex)

        // A sealed block is not read at open; reads that reach it fail, others do not.
        add(.standard, .flip(.sealedBlock(0, .first), .start), .sealedBlockUnreadable)
        add(.standard, .flip(.sealedBlock(0, .middle), .field(16, "firstLSN")), .sealedBlockUnreadable)
        add(.standard, .flip(.sealedBlock(1, .middle), .middle), .sealedBlockUnreadable)
        add(.standard, .flip(.sealedBlock(1, .last), .checksum), .sealedBlockUnreadable)
        add(.standard, .flip(.sealedBlock(2, .last), .lastByte), .sealedBlockUnreadable)
        add(.standard, .flip(.sealedBlock(2, .first), .field(48, "stored size")), .sealedBlockUnreadable)

        // Head blocks before the checkpoint were acknowledged: damage refuses, naming the block.
        add(.standard, .flip(.headBlock(.rollCheckpoint), .middle), .refuses(.corrupt, at: .structureStart))
        add(.standard, .flip(.headBlock(.beforeCheckpoint(0, .first)), .start), .refuses(.corrupt, at: .structureStart))
        add(
            .standard, .flip(.headBlock(.beforeCheckpoint(1, .first)), .middle), .refuses(.corrupt, at: .structureStart)
        )
        add(
            .standard, .flip(.headBlock(.beforeCheckpoint(2, .last)), .lastByte),
            .refuses(.corrupt, at: .structureStart))
        add(
            .standard, .flip(.headBlock(.beforeCheckpoint(2, .first)), .field(8, "magic")),
            .refuses(.corrupt, at: .structureStart)
        )
        add(.standard, .flip(.headBlock(.previousCheckpoint), .checksum), .refuses(.corrupt, at: .structureStart))
        add(
            .deadMarkedLast, .flip(.headBlock(.beforeCheckpoint(1, .last)), .middle),
            .refuses(.corrupt, at: .structureStart))

        // Head blocks after the checkpoint followed by a later durable write: acknowledged data lost.
        add(.standard, .flip(.headBlock(.afterCheckpoint(0, .first)), .start), .refuses(.corrupt, at: .structureStart))
        add(.standard, .flip(.headBlock(.afterCheckpoint(0, .first)), .middle), .refuses(.corrupt, at: .structureStart))
        add(
            .standard, .flip(.headBlock(.afterCheckpoint(1, .first)), .lastByte),
            .refuses(.corrupt, at: .structureStart))
        add(.standard, .flip(.headBlock(.afterCheckpoint(1, .last)), .middle), .refuses(.corrupt, at: .structureStart))
        add(
            .standard, .flip(.headBlock(.afterCheckpoint(1, .last)), .field(8, "magic")),
            .refuses(.corrupt, at: .structureStart))
        add(
            .deadMarkedLast, .flip(.headBlock(.afterCheckpoint(0, .first)), .checksum),
            .refuses(.corrupt, at: .structureStart))
        add(
            .justRolled, .flip(.headBlock(.afterCheckpoint(0, .first)), .middle),
            .refuses(.corrupt, at: .structureStart))

        // The last write of the head torn: it was never acknowledged as far as the file can tell.
        for position in [Position.start, .middle, .checksum, .lastByte, .field(8, "magic")] {
            add(.standard, .flip(.headBlock(.lastCommit(.first)), position), .tornTail)
        }
        add(.standard, .flip(.headBlock(.lastCommit(.last)), .middle), .tornTail)
        add(.standard, .flip(.headBlock(.lastCommit(.last)), .lastByte), .tornTail)
        add(.standard, .flip(.headBlock(.lastCommit(.last)), .field(8, "magic")), .tornTail)
        add(.deadMarkedLast, .flip(.headBlock(.lastCommit(.first)), .middle), .tornTail)
        add(.justRolled, .flip(.headBlock(.lastCommit(.first)), .start), .tornTail)
        add(.justRolled, .flip(.headBlock(.lastCommit(.first)), .lastByte), .tornTail)
        // With its magic gone, the last write's only block cannot be told from stale bytes: the commit
        // is dropped, but nothing is counted as torn (stale bytes after a tail are normal in a reused slot).
        add(.justRolled, .flip(.headBlock(.lastCommit(.first)), .field(8, "magic")), .tornTailUncounted)

        // Garbage after the head's tail was never part of the log.
        add(.standard, .garbageAfterHead(bytes: 64, blockMagic: false), .opensIntact)
        add(.standard, .garbageAfterHead(bytes: 5000, blockMagic: false), .opensIntact)
        add(.standard, .garbageAfterHead(bytes: 300, blockMagic: true), .opensIntact)
        add(.justRolled, .garbageAfterHead(bytes: 4096, blockMagic: false), .opensIntact)
        add(.deadMarkedLast, .garbageAfterHead(bytes: 700, blockMagic: true), .opensIntact)
        return rows
    }()

    @Test(arguments: rows, ImageBackend.allCases)
    func damagedStructureGivesTheDocumentedOutcome(row: MatrixRow, backend: ImageBackend) throws {
        try Self.run(row, backend: backend)
    }

    @Test func matrixCoversEveryStructure() {
        let names = Set(Self.rows.map(\.damage.structureName))
        for expected in [
            "superblock", "head segment header", "checkpoint block", "sealed segment header", "sealed index",
            "sealed block", "head block", "garbage",
        ] {
            #expect(names.contains(expected), "no row damages the \(expected)")
        }
        #expect(Self.rows.count >= 60)
    }

    // MARK: Running a row

    static func run(_ row: MatrixRow, backend: ImageBackend) throws {
        let fixture = try Fixture.shared(row.shape)
        let context = row.testDescription
        var image = fixture.image
        let target = try row.damage.apply(to: &image, fixture: fixture)
        let host = try ImageHost(backend, image: image)

        switch row.expected {
        case .opensIntact:
            var log = fixture.log
            let store = try host.open()
            try log.verify(store, context: context)
            #expect(store.stats().counters.indexesRebuilt == 0, "\(context): an index was rebuilt")
            try appendCloseAndReopen(host, store: store, log: &log, context: context)

        case .refuses(let code, let at):
            let writesBefore = host.disk.writeCount
            do {
                let store = try host.open()
                try? store.close()
                Issue.record("\(context): the damaged file opened; expected \(code)")
            } catch {
                #expect(error.code == code, "\(context): \(error)")
                #expect(!error.message.isEmpty, "\(context): the error has no message")
                if case .structureStart = at {
                    #expect(
                        error.offset == target.start,
                        "\(context): offset \(error.offset.map(String.init) ?? "nil"), expected \(target.start): \(error)"
                    )
                }
            }
            #expect(host.disk.writeCount == writesBefore, "\(context): a refused open wrote to the file")
            #expect(try host.fileBytes() == image, "\(context): a refused open changed the file")

        case .rebuildsIndex:
            var log = fixture.log
            do {
                let store = try host.open()
                #expect(store.stats().counters.indexesRebuilt == 1, "\(context): indexes rebuilt")
                try log.verify(store, context: context)
                try store.close()
            }
            let store = try host.open()
            #expect(store.stats().counters.indexesRebuilt == 0, "\(context): the rebuilt index was not rewritten")
            try log.verify(store, context: context + " (second reopen)")
            try store.close()

        case .sealedBlockUnreadable:
            let store = try host.open()
            #expect(store.stats().counters.indexesRebuilt == 0, "\(context): sealed blocks must not be read at open")
            let block = try #require(target.block, "\(context): the target is not a block")
            let expected = fixture.log.liveRecordsByStream()
            for stream in fixture.log.streams.sorted(by: { $0.description < $1.description }) {
                let hitsBlock = block.streams.contains(stream) && !fixture.log.dead.contains(stream)
                do {
                    let records = try store.read(stream: stream)
                    #expect(!hitsBlock, "\(context): stream \(stream) read past the damaged block at \(block.offset)")
                    #expect(records == expected[stream, default: []], "\(context): stream \(stream) differs")
                } catch {
                    #expect(hitsBlock, "\(context): stream \(stream) is not in the damaged block yet failed: \(error)")
                    #expect(error.code == .corrupt && error.offset == block.offset, "\(context): \(error)")
                }
            }
            #expect(
                fixture.log.streams.contains { !block.streams.contains($0) && !fixture.log.dead.contains($0) },
                "\(context): every live stream is in the damaged block; the row proves nothing about the others")
            #expect(throws: LogError.self, "\(context): a scan over the damaged block succeeded") {
                try store.scan(from: LSN(1)) { _ in true }
            }
            try store.close()

        case .tornTail, .tornTailUncounted:
            var log = fixture.log
            let dropped = log.dropLastAcknowledged()
            let lost = try #require(dropped)
            let store = try host.open()
            if case .tornTail = row.expected {
                #expect(store.stats().counters.tornTailBytes > 0, "\(context): no torn bytes reported")
            }
            #expect(
                store.lastLSN.rawValue == lost.range!.lowerBound.rawValue - 1, "\(context): last LSN \(store.lastLSN)")
            try log.verify(store, context: context)
            try appendCloseAndReopen(host, store: store, log: &log, context: context)
        }
    }

    /// Appends one commit to an opened store, closes it, reopens and checks everything again.
    static func appendCloseAndReopen(_ host: ImageHost, store: LogStore, log: inout AcknowledgedLog, context: String)
        throws
    {
        let commit = log.makeCommit("after-reopen", count: 2, payloadBytes: 200)
        let range = try store.appendBlocking(commit.records)
        #expect(range.lowerBound.rawValue == log.lastLSN.rawValue + 1, "\(context): the next append got \(range)")
        log.acknowledge(commit, range: range)
        try store.close()
        let reopened = try host.open()
        #expect(reopened.stats().counters.tornTailBytes == 0, "\(context): a second reopen found a torn tail")
        try log.verify(reopened, context: context + " (after an append and a reopen)")
        try reopened.close()
    }

    // MARK: Whole-file damage

    @Test(arguments: BadFile.allCases, ImageBackend.allCases)
    func damagedFileIsRefusedWithAClearError(file: BadFile, backend: ImageBackend) throws {
        let fixture = try Fixture.shared(.standard)
        let host = try ImageHost(backend, image: file.bytes(fixture: fixture))
        let context = "\(file.testDescription) on \(backend)"
        do {
            let store = try host.open()
            if let code = file.expected {
                Issue.record("\(context): opened; expected \(code)")
            } else {
                #expect(store.lastLSN == .zero)
                #expect(try store.appendBlocking([record("a", "first")]) == LSN(1)...LSN(1))
            }
            try store.close()
        } catch {
            #expect(error.code == file.expected, "\(context): \(error)")
            #expect(!error.message.isEmpty)
        }
    }
}

extension CorruptionMatrixTests {
    // MARK: - Rows

    /// Where a row's file lives.
    enum ImageBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case simulatedDisk
        case realFile
        var testDescription: String { rawValue }
    }

    /// One row of the matrix: the fixture, the damage done to it, and the documented outcome.
    struct MatrixRow: Sendable, CustomTestStringConvertible {
        var shape: Fixture.Shape
        var damage: Damage
        var expected: Expectation

        var testDescription: String { "[\(shape)] \(damage) → \(expected)" }
    }

    /// What a row expects of the reopen.
    enum Expectation: Sendable, CustomStringConvertible {
        /// Opens with every acknowledged record, dead streams dead, and accepts appends.
        case opensIntact
        /// Refuses to open with `code`; the error names the damaged structure's offset when `at` says so.
        case refuses(LogError.Code, at: ErrorOffset)
        /// Opens after rebuilding exactly one index, which a second reopen finds sound.
        case rebuildsIndex
        /// Opens; reads of streams in the damaged sealed block fail naming it, others succeed.
        case sealedBlockUnreadable
        /// Opens without the last commit, reports torn bytes, and accepts appends that survive a reopen.
        case tornTail
        /// As `tornTail`, for damage that leaves the cut block unrecognizable, so no torn bytes are counted.
        case tornTailUncounted

        enum ErrorOffset: Sendable {
            case structureStart
            case unchecked
        }

        var description: String {
            switch self {
            case .opensIntact: "opens intact"
            case .refuses(let code, .structureStart): "refuses .\(code.rawValue) at the structure's offset"
            case .refuses(let code, .unchecked): "refuses .\(code.rawValue)"
            case .rebuildsIndex: "opens, rebuilds the index once"
            case .sealedBlockUnreadable: "opens, reads of that block fail"
            case .tornTail: "opens without the last commit (torn tail)"
            case .tornTailUncounted: "opens without the last commit (torn tail, not counted)"
            }
        }
    }

    /// A structure of the data file.
    enum Structure: Sendable, CustomStringConvertible {
        case newestSuperblock
        case olderSuperblock
        case bothSuperblocks
        case headSegmentHeader
        /// The checkpoint block the newest superblock names.
        case checkpointBlock
        case sealedSegmentHeader(Int)
        case sealedIndex(Int)
        case sealedBlock(Int, BlockPick)
        case headBlock(HeadPick)

        /// Which of several blocks.
        enum BlockPick: String, Sendable {
            case first, middle, last
            func pick<Element>(_ items: [Element]) -> Element? {
                guard !items.isEmpty else { return nil }
                switch self {
                case .first: return items.first
                case .middle: return items[items.count / 2]
                case .last: return items.last
                }
            }
        }

        /// A block of the head segment, named by its role.
        enum HeadPick: Sendable, CustomStringConvertible {
            /// The checkpoint the head starts with, written when it was rolled.
            case rollCheckpoint
            /// The checkpoint block just before the one the superblock names.
            case previousCheckpoint
            /// A block of the `n`-th commit written before the named checkpoint.
            case beforeCheckpoint(Int, BlockPick)
            /// A block of the `n`-th commit after the named checkpoint that is not the last commit.
            case afterCheckpoint(Int, BlockPick)
            /// A block of the last commit.
            case lastCommit(BlockPick)

            var description: String {
                switch self {
                case .rollCheckpoint: "the checkpoint the head starts with"
                case .previousCheckpoint: "the checkpoint before the named one"
                case .beforeCheckpoint(let n, let pick): "\(pick) block of commit \(n) before the checkpoint"
                case .afterCheckpoint(let n, let pick): "\(pick) block of commit \(n) after the checkpoint"
                case .lastCommit(let pick): "\(pick) block of the last commit"
                }
            }
        }

        var name: String {
            switch self {
            case .newestSuperblock, .olderSuperblock, .bothSuperblocks: "superblock"
            case .headSegmentHeader: "head segment header"
            case .checkpointBlock: "checkpoint block"
            case .sealedSegmentHeader: "sealed segment header"
            case .sealedIndex: "sealed index"
            case .sealedBlock: "sealed block"
            case .headBlock: "head block"
            }
        }

        var description: String {
            switch self {
            case .newestSuperblock: "newest superblock copy"
            case .olderSuperblock: "older superblock copy"
            case .bothSuperblocks: "both superblock copies"
            case .headSegmentHeader: "head segment header"
            case .checkpointBlock: "checkpoint block named by the superblock"
            case .sealedSegmentHeader(let n): "header of sealed segment \(n)"
            case .sealedIndex(let n): "index of sealed segment \(n)"
            case .sealedBlock(let n, let pick): "\(pick) block of sealed segment \(n)"
            case .headBlock(let pick): "head: \(pick)"
            }
        }
    }

    /// A byte within a structure.
    enum Position: Sendable, CustomStringConvertible {
        case start
        case middle
        /// A byte of the structure's (header) checksum field.
        case checksum
        /// The last byte the structure's checksum covers.
        case lastByte
        /// A named field at a byte offset inside the structure.
        case field(Int, String)
        /// The block offset of the `n`-th stream entry of an index region.
        case indexEntry(Int)
        /// The first LSN of the `n`-th LSN entry of an index region.
        case lsnEntry(Int)

        var description: String {
            switch self {
            case .start: "first byte"
            case .middle: "middle byte"
            case .checksum: "checksum field"
            case .lastByte: "last byte"
            case .field(let at, let name): "\(name) (byte \(at))"
            case .indexEntry(let n): "block offset of stream entry \(n)"
            case .lsnEntry(let n): "first LSN of LSN entry \(n)"
            }
        }

        /// Which bit to flip: varied by position so the matrix does not test bit 0 alone.
        var bit: Int {
            switch self {
            case .start: 0
            case .middle: 3
            case .checksum: 5
            case .lastByte: 7
            case .field: 1
            case .indexEntry: 2
            case .lsnEntry: 0
            }
        }
    }

    /// A structure located in a fixture: its bytes and, for blocks, what the block holds.
    struct Located {
        var start: UInt64
        var length: Int
        /// Offset of the (header) checksum within the structure.
        var checksumAt: Int
        var block: DataFileMap.BlockInfo?
        var indexEntryCount = 0
    }

    /// What a row does to the fixture's image.
    enum Damage: Sendable, CustomStringConvertible {
        case none
        case flip(Structure, Position)
        /// Random bytes written right after the head's last block; with `blockMagic` they start with a
        /// block header carrying the block magic and a plausible size.
        case garbageAfterHead(bytes: Int, blockMagic: Bool)

        var structureName: String {
            switch self {
            case .none: "nothing"
            case .flip(let structure, _): structure.name
            case .garbageAfterHead: "garbage"
            }
        }

        var description: String {
            switch self {
            case .none: "no damage"
            case .flip(let structure, let position): "\(structure), \(position), bit \(position.bit)"
            case .garbageAfterHead(let bytes, let magic):
                "\(bytes) random bytes after the head's tail\(magic ? " starting with a block magic" : "")"
            }
        }

        /// Damages `image`; returns the (first) structure damaged.
        func apply(to image: inout [UInt8], fixture: Fixture) throws -> Located {
            switch self {
            case .none:
                return Located(start: 0, length: 0, checksumAt: 0)
            case .flip(let structure, let position):
                let targets = try fixture.locate(structure)
                for target in targets {
                    let relative: Int
                    switch position {
                    case .start: relative = 0
                    case .middle: relative = target.length / 2
                    case .checksum: relative = target.checksumAt + 3
                    case .lastByte: relative = target.length - 1
                    case .field(let at, _): relative = at
                    case .indexEntry(let n):
                        try #require(n < target.indexEntryCount, "the index has \(target.indexEntryCount) entries")
                        relative = Layout.indexHeaderBytes + n * Layout.indexEntryBytes + 8
                    case .lsnEntry(let n):
                        relative =
                            Layout.indexHeaderBytes + target.indexEntryCount * Layout.indexEntryBytes + n
                            * Layout.lsnEntryBytes
                    }
                    try #require(relative >= 0 && relative < target.length, "\(position) is outside the \(structure)")
                    image[Int(target.start) + relative] ^= UInt8(1) << UInt8(position.bit)
                }
                return targets[0]
            case .garbageAfterHead(let count, let blockMagic):
                let start = Int(fixture.map.headEnd)
                var random = SplitMix64(seed: UInt64(count) &* 31 &+ (blockMagic ? 1 : 0))
                var garbage = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if blockMagic {
                    garbage.withUnsafeMutableBytes { out in
                        out.put(Layout.blockMagic, at: 8)
                        out.put(BlockKind.records.rawValue, at: 12)
                        out.put(UInt32(count - Layout.blockHeaderBytes), at: 48)
                    }
                }
                try #require(
                    start + count <= Int(fixture.map.headBase + fixture.map.segmentBytes),
                    "garbage passes the head slot")
                image.replaceSubrange(start..<start + count, with: garbage)
                return Located(start: UInt64(start), length: count, checksumAt: 0)
            }
        }
    }

    // MARK: - Whole files

    /// A file that is not a sound data file.
    enum BadFile: Sendable, CaseIterable, CustomTestStringConvertible {
        case empty
        case randomBytes(Int)
        case zeros(Int)
        case keelMagicThenRandomBytes
        case truncated(Truncation)

        enum Truncation: Sendable, CaseIterable {
            case insideFirstSuperblock
            case insideSecondSuperblock
            case atFirstSlot
            case insideFirstSlot
            case insideHeadSlot
            case lastByteMissing
        }

        static var allCases: [BadFile] {
            [
                .empty, .randomBytes(1), .randomBytes(100), .randomBytes(8192), .randomBytes(3 << 20), .zeros(1),
                .zeros(4096),
                .zeros(8192 + (1 << 20)), .keelMagicThenRandomBytes,
            ]
                + Truncation.allCases.map { .truncated($0) }
        }

        var testDescription: String {
            switch self {
            case .empty: "a zero-byte file"
            case .randomBytes(let n): "\(n) random bytes"
            case .zeros(let n): "\(n) zero bytes"
            case .keelMagicThenRandomBytes: "the superblock magic followed by random bytes"
            case .truncated(let where_): "a data file truncated \(where_)"
            }
        }

        /// The error code opening must give; nil when opening must succeed with an empty store.
        var expected: LogError.Code? {
            switch self {
            case .empty: nil
            case .randomBytes, .zeros: .notAKeelFile
            case .keelMagicThenRandomBytes: .corrupt
            // With less than one whole superblock copy there is no magic to be seen.
            case .truncated(.insideFirstSuperblock): .notAKeelFile
            case .truncated: .corrupt
            }
        }

        func bytes(fixture: Fixture) -> [UInt8] {
            var random = SplitMix64(seed: 0xBAD_F11E)
            func randomBytes(_ count: Int) -> [UInt8] {
                (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            let image = fixture.image
            let segment = Int(fixture.map.segmentBytes)
            switch self {
            case .empty: return []
            case .randomBytes(let count): return randomBytes(count)
            case .zeros(let count): return [UInt8](repeating: 0, count: count)
            case .keelMagicThenRandomBytes:
                var bytes = randomBytes(8192 + segment)
                bytes.withUnsafeMutableBytes { $0.put(Layout.superblockMagic, at: 0) }
                return bytes
            case .truncated(let truncation):
                let length: Int
                switch truncation {
                case .insideFirstSuperblock: length = 100
                case .insideSecondSuperblock: length = 5000
                case .atFirstSlot: length = Int(Layout.dataOffset)
                case .insideFirstSlot: length = Int(Layout.dataOffset) + segment / 2
                case .insideHeadSlot: length = Int(fixture.map.headBase) + segment / 2
                case .lastByteMissing: length = image.count - 1
                }
                return Array(image[..<length])
            }
        }
    }

    // MARK: - Fixtures

    /// A data file with sealed segments, a head with several commits, and dead streams, as a crash
    /// right after the last acknowledged commit leaves it, plus the log of what was acknowledged and
    /// where each structure lives.
    struct Fixture: Sendable {
        enum Shape: String, Sendable, CaseIterable, CustomStringConvertible {
            /// Three sealed segments; the head holds commits, a markDead checkpoint, an explicit checkpoint
            /// (named by the newest superblock), then three more commits, the last spanning two blocks.
            case standard
            /// Two sealed segments; the head holds commits, then the markDead checkpoint (named by the newest
            /// superblock), then two commits.
            case deadMarkedLast
            /// Two sealed segments, markDead, then a seal: the newest superblock names a new head that holds
            /// two single-block commits after its checkpoint.
            case justRolled
            var description: String { rawValue }
        }

        static let options: LogOptions = {
            var options = LogOptions()
            options.segmentBytes = 1 << 20
            options.compression = false
            options.blockRawBytesMax = 1024
            options.autoCompact = false
            return options
        }()

        let shape: Shape
        let image: [UInt8]
        let map: DataFileMap
        let log: AcknowledgedLog
        /// Head commits before the named checkpoint, and after it (the last commit included).
        let headBeforeCheckpoint: [AcknowledgedLog.Commit]
        let headAfterCheckpoint: [AcknowledgedLog.Commit]

        private static let cache = Mutex<[Shape: Fixture]>([:])

        /// The fixture of `shape`, built once per test process.
        static func shared(_ shape: Shape) throws -> Fixture {
            if let fixture = cache.withLock({ $0[shape] }) { return fixture }
            let fixture = try build(shape)
            cache.withLock { $0[shape] = fixture }
            return fixture
        }

        static func build(_ shape: Shape) throws -> Fixture {
            let disk = SimulatedDisk(seed: 0x5EED_0000 &+ UInt64(Shape.allCases.firstIndex(of: shape)!))
            let store = try LogStore.open(file: try disk.open("keel.db", create: true), options: options)
            var log = AcknowledgedLog()
            func append(_ stream: String, _ count: Int, _ bytes: Int) throws -> AcknowledgedLog.Commit {
                let commit = log.makeCommit(stream, count: count, payloadBytes: bytes)
                log.acknowledge(commit, range: try store.appendBlocking(commit.records))
                return log.acknowledged.last!
            }
            let live = ["order-1", "order-2", "order-3", "order-4"]
            let sealedCount = shape == .standard ? 3 : 2
            for segment in 0..<sealedCount {
                for index in 0..<5 {
                    // One stream per commit, so a damaged sealed block hits some streams and not others.
                    let stream =
                        index == 2 && segment < 2 ? "dead-\(segment + 1)" : live[(segment + index) % live.count]
                    _ = try append(stream, 1 + index % 3, 300 + 100 * index)
                }
                try store.sealBlocking()
            }
            var before: [AcknowledgedLog.Commit] = []
            var after: [AcknowledgedLog.Commit] = []
            func markDead() throws {
                try store.markDeadBlocking([StreamKey("dead-1"), StreamKey("dead-2")])
                log.dead = [StreamKey("dead-1"), StreamKey("dead-2")]
            }
            switch shape {
            case .standard:
                before.append(try append("order-1", 2, 400))
                before.append(try append("dead-2", 1, 300))
                before.append(try append("order-3", 3, 600))
                try markDead()
                try store.checkpointBlocking()
                after.append(try append("order-2", 1, 300))
                after.append(try append("order-4", 3, 600))
                after.append(try append("order-1", 3, 600))
            case .deadMarkedLast:
                before.append(try append("order-1", 1, 300))
                before.append(try append("order-3", 3, 600))
                try markDead()
                after.append(try append("order-2", 3, 600))
                after.append(try append("order-4", 2, 700))
            case .justRolled:
                try markDead()
                try store.sealBlocking()
                after.append(try append("order-2", 1, 300))
                after.append(try append("order-3", 1, 500))
            }
            // The image is what a crash right after the last acknowledged commit leaves on disk (every
            // acknowledged commit was synced). A clean close may append a checkpoint after the last
            // commit, and then no write of the head would follow the named checkpoint: nothing to tear.
            let image = try #require(disk.durableBytes(of: "keel.db"))
            try store.close()
            let map = try DataFileMap(image: image)
            return Fixture(
                shape: shape, image: image, map: map, log: log, headBeforeCheckpoint: before, headAfterCheckpoint: after
            )
        }

        /// Where `structure` is in this fixture.
        func locate(_ structure: Structure) throws -> [Located] {
            func superblock(_ copy: Int) -> Located {
                Located(
                    start: UInt64(copy * Layout.superblockBytes), length: Layout.superblockBytes,
                    checksumAt: Layout.superblockBytes - 8)
            }
            func block(_ info: DataFileMap.BlockInfo) -> Located {
                Located(start: info.offset, length: info.checkedBytes, checksumAt: 0, block: info)
            }
            func commitBlocks(_ commit: AcknowledgedLog.Commit, _ pick: Structure.BlockPick) throws -> Located {
                let blocks = map.headBlocks(holding: commit.range!)
                return block(try #require(pick.pick(blocks), "commit \(commit.id) has no blocks in the head"))
            }
            let newestCopy = map.newest.copyIndex
            switch structure {
            case .newestSuperblock: return [superblock(newestCopy)]
            case .olderSuperblock: return [superblock(1 - newestCopy)]
            case .bothSuperblocks: return [superblock(0), superblock(1)]
            case .headSegmentHeader:
                return [Located(start: map.headBase, length: Layout.segmentHeaderBytes, checksumAt: 56)]
            case .checkpointBlock:
                return [block(try #require(map.headBlock(at: map.checkpointOffset)))]
            case .sealedSegmentHeader(let n):
                let segment = try #require(
                    map.sealed.indices.contains(n) ? map.sealed[n] : nil, "no sealed segment \(n)")
                return [Located(start: segment.base, length: Layout.segmentHeaderBytes, checksumAt: 56)]
            case .sealedIndex(let n):
                let segment = try #require(
                    map.sealed.indices.contains(n) ? map.sealed[n] : nil, "no sealed segment \(n)")
                return [
                    Located(
                        start: segment.indexOffset, length: Int(segment.descriptor.indexBytes), checksumAt: 56,
                        indexEntryCount: segment.indexEntryCount)
                ]
            case .sealedBlock(let n, let pick):
                let segment = try #require(
                    map.sealed.indices.contains(n) ? map.sealed[n] : nil, "no sealed segment \(n)")
                return [block(try #require(pick.pick(segment.blocks.filter { $0.header.kind == .records })))]
            case .headBlock(let pick):
                switch pick {
                case .rollCheckpoint:
                    let first = try #require(map.headBlocks.first)
                    try #require(
                        first.header.kind == .checkpoint && first.offset != map.checkpointOffset,
                        "the head does not start with an earlier checkpoint")
                    return [block(first)]
                case .previousCheckpoint:
                    let earlier = map.headBlocks.filter {
                        $0.header.kind == .checkpoint && $0.offset < map.checkpointOffset
                    }
                    return [block(try #require(earlier.last, "no checkpoint before the named one"))]
                case .beforeCheckpoint(let n, let pick):
                    let commit = try #require(
                        headBeforeCheckpoint.indices.contains(n) ? headBeforeCheckpoint[n] : nil,
                        "no commit \(n) before the checkpoint")
                    return [try commitBlocks(commit, pick)]
                case .afterCheckpoint(let n, let pick):
                    try #require(
                        n < headAfterCheckpoint.count - 1, "commit \(n) after the checkpoint is the last one or missing"
                    )
                    return [try commitBlocks(headAfterCheckpoint[n], pick)]
                case .lastCommit(let pick):
                    return [try commitBlocks(try #require(headAfterCheckpoint.last), pick)]
                }
            }
        }
    }

    // MARK: - Hosting an image

    /// A data file image placed on a simulated disk or in a real file, opened as often as a test needs.
    final class ImageHost {
        let backend: ImageBackend
        /// The simulated disk (also present for real files, unused there).
        let disk: SimulatedDisk
        private let directory: TemporaryDirectory?
        static let name = "keel.db"

        init(_ backend: ImageBackend, image: [UInt8]) throws {
            self.backend = backend
            disk = SimulatedDisk(seed: 7)
            switch backend {
            case .simulatedDisk:
                directory = nil
                disk.setDurableBytes(image, of: Self.name)
            case .realFile:
                let directory = TemporaryDirectory()
                self.directory = directory
                try Data(image).write(to: URL(fileURLWithPath: directory.file(Self.name)))
            }
        }

        /// The file's bytes: the durable image on the simulated disk, the contents of the real file.
        func fileBytes() throws -> [UInt8] {
            switch backend {
            case .simulatedDisk: try #require(disk.durableBytes(of: Self.name))
            case .realFile: [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory!.file(Self.name))))
            }
        }

        /// Opens the store on the hosted file.
        func open(_ options: LogOptions = Fixture.options) throws(LogError) -> LogStore {
            switch backend {
            case .simulatedDisk: try LogStore.open(file: try disk.open(Self.name, create: false), options: options)
            case .realFile: try LogStore.open(path: directory!.file(Self.name), options: options)
            }
        }
    }
}
