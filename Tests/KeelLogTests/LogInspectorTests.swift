import Foundation
import Testing

@testable import KeelLog

/// A store written to disk for the inspector to check, and what the store said about it.
private struct InspectedStore {
    let directory = TemporaryDirectory()
    var path: String { directory.file() }
    var stats: LogStats
    var segmentBytes: UInt64 { stats.segmentBytes }

    /// Builds a store with 1 MiB segments and appends 1,000-record commits until `sealed` segments are
    /// sealed. With `compact`, most streams are then marked dead and compacted, and a few more commits
    /// follow.
    init(compression: Bool, sealed: Int = 3, compact: Bool = false) throws {
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        options.compression = compression
        let store = try LogStore.open(path: directory.file(), options: options)
        var next = 0
        while store.stats().sealedSegments.count < sealed {
            try store.appendBlocking(inspectorCommit(first: next, count: 1000))
            next += 1000
        }
        if compact {
            try store.markDeadBlocking((0..<9).map { StreamKey("wf-\($0)") })
            try store.compactBlocking()
            try store.appendBlocking(inspectorCommit(first: next, count: 200).filter { !isDeadStream($0.stream) })
        }
        try store.close()
        // The statistics of the file as it was closed. Reopening a cleanly closed file and closing it
        // again writes nothing.
        let reopened = try LogStore.open(path: directory.file(), options: options)
        stats = reopened.stats()
        try reopened.close()
    }

    func slotOffset(_ slot: UInt32) -> UInt64 { Layout.dataOffset + UInt64(slot) * segmentBytes }

    /// A copy of the data file, to damage.
    func copy(_ name: String) throws -> String {
        let target = directory.file(name)
        try FileManager.default.copyItem(atPath: path, toPath: target)
        return target
    }
}

private func isDeadStream(_ key: StreamKey) -> Bool {
    (0..<9).contains { key == StreamKey("wf-\($0)") }
}

/// `count` records numbered from `first`: JSON-like text with a random part, so LZ4 saves some but
/// not all of it, spread over 13 streams.
private func inspectorCommit(first: Int, count: Int) -> [LogRecord] {
    (first..<first + count).map { LogRecord(stream: StreamKey("wf-\($0 % 13)"), payload: inspectorPayload($0)) }
}

private func inspectorPayload(_ number: Int) -> [UInt8] {
    var state = UInt64(number) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    var random = ""
    for _ in 0..<4 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        random += String(state >> 20, radix: 16)
    }
    let text =
        "{\"event\":\"ActivityTaskCompleted\",\"number\":\(number),\"workflow\":\"wf-\(number % 13)\",\"attempt\":1,"
        + "\"result\":\"\(random)\",\"status\":\"\(String(repeating: "ok", count: 24))\"}"
    return Array(text.utf8)
}

private func verify(_ path: String) throws -> VerifyReport {
    let file = try PosixFile(path: path, readOnly: true)
    defer { file.close() }
    return LogInspector.verify(file: file)
}

private func dumpItems(_ path: String, records: Bool = true) throws -> [DumpItem] {
    let file = try PosixFile(path: path, readOnly: true)
    defer { file.close() }
    var items: [DumpItem] = []
    LogInspector.dump(file: file, records: records) { items.append($0) }
    return items
}

private func readBytes(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
    let handle = try #require(FileHandle(forReadingAtPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: offset)
    return Array(try handle.read(upToCount: count) ?? Data())
}

private func writeBytes(_ path: String, at offset: UInt64, _ bytes: [UInt8]) throws {
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: offset)
    try handle.write(contentsOf: Data(bytes))
}

/// Inverts the byte at `offset`.
private func flipByte(_ path: String, at offset: UInt64) throws {
    let byte = try readBytes(path, at: offset, count: 1)
    try writeBytes(path, at: offset, [~byte[0]])
}

private func blockHeader(_ path: String, at offset: UInt64) throws -> BlockHeader {
    let bytes = try readBytes(path, at: offset, count: Layout.blockHeaderBytes)
    return try bytes.withUnsafeBytes { buffer in try BlockHeader.decode(buffer, offset: offset) }
}

/// The offset of the first records block of the first sealed segment (its checkpoint block comes first).
private func firstSealedRecordsBlock(_ store: InspectedStore) throws -> (offset: UInt64, header: BlockHeader) {
    let descriptor = try #require(store.stats.sealedSegments.first)
    let checkpointAt = store.slotOffset(descriptor.slot) + UInt64(Layout.segmentHeaderBytes)
    let checkpoint = try blockHeader(store.path, at: checkpointAt)
    #expect(checkpoint.kind == .checkpoint)
    let offset = checkpointAt + UInt64(checkpoint.totalBytes)
    let header = try blockHeader(store.path, at: offset)
    #expect(header.kind == .records)
    return (offset, header)
}

/// A seeded generator, so a failing random-input case can be replayed.
private struct SeededBytes {
    var generator: SplitMix64
    init(state: UInt64) { generator = SplitMix64(seed: state) }
    mutating func next() -> UInt64 { generator.next() }
    mutating func bytes(_ count: Int) -> [UInt8] { generator.bytes(count: count) }
}

@Suite struct LogInspectorTests {
    // MARK: - Sound files

    @Test(arguments: [false, true])
    func soundStoreVerifiesWithoutProblems(compression: Bool) throws {
        let store = try InspectedStore(compression: compression)
        let before = try Data(contentsOf: URL(fileURLWithPath: store.path))
        let report = try verify(store.path)
        #expect(report.problems == [])
        #expect(report.isSound)
        #expect(report.superblocksValid == 2)
        #expect(report.fileBytes == store.stats.fileBytes)
        #expect(report.segmentBytes == 1 << 20)
        #expect(report.slotCount == store.stats.slotCount)
        #expect(report.sealedSegmentCount == store.stats.sealedSegments.count)
        #expect(report.sealedSegmentCount >= 3)
        #expect(report.segmentCount == report.sealedSegmentCount + 1)
        #expect(report.recordCount == store.stats.totalRecords)
        // Block bytes are the segments' block ends minus their 64-byte headers.
        #expect(report.blockBytes == store.stats.blockBytes - UInt64(report.segmentCount * Layout.segmentHeaderBytes))
        let head = try #require(report.head)
        #expect(head.slot == store.stats.headSlot)
        #expect(head.firstLSN == store.stats.headFirstLSN)
        #expect(head.durableEnd == store.slotOffset(store.stats.headSlot) + store.stats.headBlocksEnd)
        #expect(head.nextLSN == store.stats.lastLSN + 1)
        #expect(head.tornTailBytes == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path)) == before, "verify must not change the file")

        // The blocks are stored compressed exactly when compression is on.
        let codecs = Set(
            try dumpItems(store.path, records: false).compactMap { item -> BlockCodec? in
                if case .block(let block) = item, block.header.kind == .records { return block.header.codec }
                return nil
            })
        #expect(codecs == (compression ? [.lz4] : [.none]))
    }

    @Test func compactedSegmentsVerifySound() throws {
        let store = try InspectedStore(compression: true, sealed: 4, compact: true)
        #expect(store.stats.sealedSegments.contains { $0.flags & SegmentHeader.compactedFlag != 0 })
        let report = try verify(store.path)
        #expect(report.problems == [])
        #expect(report.recordCount == store.stats.totalRecords)
        #expect(report.sealedSegmentCount == store.stats.sealedSegments.count)
    }

    // MARK: - Damage

    @Test(arguments: [false, true])
    func damagedSealedBlockIsAnErrorAtItsOffset(compression: Bool) throws {
        let store = try InspectedStore(compression: compression)
        let (offset, header) = try firstSealedRecordsBlock(store)
        #expect(header.codec == (compression ? .lz4 : .none))
        let damaged = try store.copy("damaged.db")
        try flipByte(damaged, at: offset + UInt64(Layout.blockHeaderBytes) + 10)
        let report = try verify(damaged)
        #expect(!report.isSound)
        #expect(report.warnings == [])
        let error = try #require(report.errors.first)
        #expect(report.errors.count == 1, "\(report.errors)")
        #expect(error.area == .block)
        #expect(error.offset == offset)
        #expect(error.message.contains("checksum expected"))
        // The walk goes on after the damaged block: every other record is still counted.
        #expect(report.recordCount == store.stats.totalRecords - UInt64(header.recordCount))
    }

    @Test func damagedSealedIndexIsAnErrorAtTheIndex() throws {
        let store = try InspectedStore(compression: true)
        let descriptor = store.stats.sealedSegments[1]
        let indexAt = store.slotOffset(descriptor.slot) + descriptor.indexOffset
        let damaged = try store.copy("damaged.db")
        try flipByte(damaged, at: indexAt + UInt64(Layout.indexHeaderBytes) + 3)
        let report = try verify(damaged)
        #expect(!report.isSound)
        #expect(report.problems.count == 1, "\(report.problems)")
        let error = try #require(report.errors.first)
        #expect(error.area == .index)
        #expect(error.offset == indexAt)
        #expect(error.message.contains("segment \(descriptor.segmentID): index: body checksum expected"))
        #expect(error.message.contains("rebuilds the index"))
    }

    @Test func indexThatDisagreesWithItsBlocksIsAnError() throws {
        let store = try InspectedStore(compression: false)
        let descriptor = store.stats.sealedSegments[0]
        let indexAt = store.slotOffset(descriptor.slot) + descriptor.indexOffset
        let original = try readBytes(store.path, at: indexAt, count: Int(descriptor.indexBytes))
        let index = try original.withUnsafeBytes { bytes in
            try IndexRegion(
                region: MappedRegion.copying(bytes), salt: descriptor.salt, segmentID: descriptor.segmentID,
                offset: indexAt)
        }
        var entries = (0..<index.entryCount).map { index.entry(at: $0) }
        let lsnEntries = (0..<index.lsnEntryCount).map { index.lsnEntry(at: $0) }
        let entry = 2
        entries[entry].recordCount += 1
        // A well-formed index with valid checksums, wrong only in what it says about the blocks.
        let forged = IndexRegion.encode(
            segmentID: descriptor.segmentID, salt: descriptor.salt, blocksEnd: descriptor.blocksEnd, entries: entries,
            lsnEntries: lsnEntries)
        let damaged = try store.copy("damaged.db")
        try writeBytes(damaged, at: indexAt, forged)
        let report = try verify(damaged)
        #expect(report.problems.count == 1, "\(report.problems)")
        let error = try #require(report.errors.first)
        #expect(error.area == .index)
        #expect(error.offset == indexAt + UInt64(Layout.indexHeaderBytes + entry * Layout.indexEntryBytes))
        #expect(error.message.contains("index entry \(entry) expected"))
        #expect(error.message.contains("\(entries[entry].recordCount - 1) records (rebuilt from the blocks), found"))
    }

    @Test func damagedOlderSuperblockCopyIsAWarning() throws {
        let store = try InspectedStore(compression: true)
        let sound = try verify(store.path)
        let newest = try #require(sound.superblock)
        let olderOffset = UInt64((1 - newest.copyIndex) * Layout.superblockBytes)
        let damaged = try store.copy("damaged.db")
        try flipByte(damaged, at: olderOffset + 100)
        let report = try verify(damaged)
        #expect(report.isSound)
        #expect(report.superblocksValid == 1)
        #expect(report.superblock == newest)
        #expect(report.problems.count == 1, "\(report.problems)")
        let warning = try #require(report.warnings.first)
        #expect(warning.area == .superblock)
        #expect(warning.offset == olderOffset)
        #expect(warning.message.contains("superblock: checksum expected"))
        #expect(report.recordCount == sound.recordCount)
    }

    @Test func tornNewestSuperblockOfAHeadRollIsAWarning() throws {
        let store = try InspectedStore(compression: true)
        // Seal once more, so the newest superblock's head holds only its checkpoint, as when a crash
        // tears the superblock write of a roll before any append reached the new head.
        let reopened = try LogStore.open(path: store.path)
        try reopened.sealBlocking()
        try reopened.close()
        let sound = try verify(store.path)
        #expect(sound.problems == [])
        let newest = try #require(sound.superblock)
        let newestOffset = UInt64(newest.copyIndex * Layout.superblockBytes)
        let damaged = try store.copy("damaged.db")
        try flipByte(damaged, at: newestOffset + 20)
        let report = try verify(damaged)
        // The older copy describes the state before the last seal: one sealed segment fewer, the same records.
        #expect(report.isSound, "\(report.problems)")
        #expect(report.superblock?.sequence == newest.sequence - 1)
        #expect(report.sealedSegmentCount == sound.sealedSegmentCount - 1)
        #expect(report.recordCount == sound.recordCount)
        #expect(report.problems.count == 2, "\(report.problems)")
        #expect(report.warnings.first?.area == .superblock)
        #expect(report.warnings.first?.offset == newestOffset)
        let orphan = try #require(report.warnings.last)
        let headAt = Layout.dataOffset + UInt64(newest.headSlot) * newest.segmentBytes
        #expect(orphan.area == .slot)
        #expect(orphan.offset == headAt)
        #expect(orphan.message.contains("holds segment \(newest.headSegmentID) of this file"))
        #expect(orphan.message.contains("with no record past the log's end"))
    }

    @Test func superblocksThatMissANewerHeadWithRecordsIsAnErrorThatOpeningRepairs() throws {
        let directory = TemporaryDirectory()
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        let path = directory.file()
        var next = 0
        func appendUntil(sealed: Int) throws {
            let store = try LogStore.open(path: path, options: options)
            while store.stats().sealedSegments.count < sealed {
                try store.appendBlocking(inspectorCommit(first: next, count: 1000))
                next += 1000
            }
            try store.close()
        }
        try appendUntil(sealed: 2)
        let olderSuperblocks = try readBytes(path, at: 0, count: Layout.superblockBytes * Layout.superblockCopies)
        try appendUntil(sealed: 3)
        let reopened = try LogStore.open(path: path, options: options)
        let stats = reopened.stats()
        try reopened.close()
        #expect(stats.headRecordCount > 0)
        // As if the newer superblock writes were lost: both copies name the head of two seals ago,
        // and the newest head, with acknowledged records, lies in a slot they leave free.
        try writeBytes(path, at: 0, olderSuperblocks)
        let report = try verify(path)
        #expect(!report.isSound)
        #expect(report.sealedSegmentCount == 2)
        #expect(report.head?.nextLSN == stats.headFirstLSN)
        #expect(report.recordCount == stats.totalRecords - stats.headRecordCount)
        #expect(report.problems.count == 1, "\(report.problems)")
        let error = try #require(report.errors.first)
        #expect(error.area == .slot)
        #expect(error.offset == Layout.dataOffset + UInt64(stats.headSlot) * stats.segmentBytes)
        #expect(error.message.contains("slot \(stats.headSlot) is free in the checkpoint but holds segment"))
        #expect(
            error.message.contains(
                "records up to LSN \(stats.lastLSN) past the log's end (next LSN \(stats.headFirstLSN))"))
        // Opening adopts the newer head, loses nothing, and rewrites the superblock.
        let recovered = try LogStore.open(path: path, options: options)
        #expect(recovered.lastLSN.rawValue == stats.lastLSN)
        var scanned: UInt64 = 0
        try recovered.scan(from: LSN(1)) { _ in
            scanned += 1
            return true
        }
        #expect(scanned == stats.totalRecords)
        try recovered.close()
        #expect(try verify(path).isSound)
    }

    @Test func bothSuperblockCopiesDamagedIsAnErrorForEach() throws {
        let store = try InspectedStore(compression: false, sealed: 1)
        let damaged = try store.copy("damaged.db")
        try flipByte(damaged, at: 200)
        try flipByte(damaged, at: 4096 + 200)
        let report = try verify(damaged)
        #expect(!report.isSound)
        #expect(report.errors.map(\.offset) == [0, 4096])
        #expect(report.errors.allSatisfy { $0.area == .superblock && $0.message.contains("checksum expected") })
        #expect(report.head == nil)
    }

    @Test func damagedCheckpointIsAnError() throws {
        let store = try InspectedStore(compression: true)
        let superblock = try #require(try verify(store.path).superblock)
        let damaged = try store.copy("damaged.db")
        try flipByte(damaged, at: superblock.checkpointOffset + UInt64(Layout.blockHeaderBytes) + 3)
        let report = try verify(damaged)
        #expect(!report.isSound)
        #expect(report.problems.count == 1, "\(report.problems)")
        let error = try #require(report.errors.first)
        #expect(error.area == .checkpoint)
        #expect(error.offset == superblock.checkpointOffset)
        #expect(error.message.contains("the checkpoint that superblock copy \(superblock.copyIndex) names is damaged"))
        #expect(report.checkpoint == nil)
    }

    @Test func segmentsSharingASlotIsAnError() throws {
        let store = try InspectedStore(compression: false)
        let superblock = try #require(try verify(store.path).superblock)
        let headAt = store.slotOffset(superblock.headSlot)
        let segmentHeader = try readBytes(store.path, at: headAt, count: Layout.segmentHeaderBytes).withUnsafeBytes {
            bytes in
            try SegmentHeader.decode(bytes, offset: headAt)
        }
        let original = try blockHeader(store.path, at: superblock.checkpointOffset)
        let payload = try readBytes(
            store.path, at: superblock.checkpointOffset + UInt64(Layout.blockHeaderBytes),
            count: Int(original.storedBytes))
        var checkpoint = try payload.withUnsafeBytes { bytes in try Checkpoint.decode(bytes, offset: 0) }
        let first = checkpoint.segments[0]
        let second = checkpoint.segments[1]
        checkpoint.segments[1].slot = first.slot
        // The same checkpoint block, the same size and a valid checksum, naming one slot twice.
        var builder = BlockBuilder()
        builder.setCheckpoint(payload: checkpoint.encoded(), nextLSN: checkpoint.nextLSN)
        var forged: [UInt8] = []
        _ = builder.finish(
            kind: .checkpoint, flags: original.flags, writeSequence: original.writeSequence, salt: segmentHeader.salt,
            compress: false, into: &forged)
        #expect(forged.count == original.totalBytes)
        let damaged = try store.copy("damaged.db")
        try writeBytes(damaged, at: superblock.checkpointOffset, forged)
        let report = try verify(damaged)
        #expect(report.problems.count == 1, "\(report.problems)")
        let error = try #require(report.errors.first)
        #expect(error.area == .slot)
        #expect(error.offset == store.slotOffset(first.slot))
        #expect(
            error.message
                == "slot \(first.slot) is used by both segment \(first.segmentID) and segment \(second.segmentID) in the checkpoint"
        )
    }

    @Test func damagedSealedSegmentHeaderIsAnError() throws {
        let store = try InspectedStore(compression: false)
        let descriptor = store.stats.sealedSegments[2]
        let base = store.slotOffset(descriptor.slot)
        let damaged = try store.copy("damaged.db")
        try flipByte(damaged, at: base + 30)
        let report = try verify(damaged)
        #expect(report.problems.count == 1, "\(report.problems)")
        #expect(report.errors.first?.area == .segment)
        #expect(report.errors.first?.offset == base)
        #expect(
            report.errors.first?.message.contains("segment \(descriptor.segmentID): segment header: checksum expected")
                == true)
    }

    // MARK: - The head

    @Test func tornHeadTailIsAWarningThatOpeningCuts() throws {
        let store = try InspectedStore(compression: true)
        let durableEnd = store.slotOffset(store.stats.headSlot) + store.stats.headBlocksEnd
        // Half a block: a header with the block magic claiming a 200-byte payload, never completed.
        var torn = [UInt8](repeating: 0, count: Layout.blockHeaderBytes)
        torn.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: Layout.blockMagic.littleEndian, toByteOffset: 8, as: UInt32.self)
            bytes.storeBytes(of: UInt32(200).littleEndian, toByteOffset: 48, as: UInt32.self)
        }
        let damaged = try store.copy("torn.db")
        try writeBytes(damaged, at: durableEnd, torn)
        let before = try Data(contentsOf: URL(fileURLWithPath: damaged))
        let report = try verify(damaged)
        #expect(report.isSound)
        #expect(report.problems.count == 1, "\(report.problems)")
        let warning = try #require(report.warnings.first)
        #expect(warning.area == .head)
        #expect(warning.offset == durableEnd)
        #expect(
            warning.message.contains(
                "torn tail: 256 bytes after the last durable block (offset \(durableEnd) to \(durableEnd + 256))"))
        #expect(report.head?.durableEnd == durableEnd)
        #expect(report.head?.tornTailBytes == 256)
        #expect(try Data(contentsOf: URL(fileURLWithPath: damaged)) == before, "verify must not cut the tail")

        // Opening the store cuts exactly what verify reported; afterwards the file verifies clean.
        let opened = try LogStore.open(path: damaged)
        #expect(opened.stats().counters.tornTailBytes == 256)
        try opened.close()
        #expect(try verify(damaged).problems == [])
    }

    @Test func damageFollowedByALaterDurableWriteIsAnError() throws {
        let directory = TemporaryDirectory()
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        let store = try LogStore.open(path: directory.file(), options: options)
        try store.appendBlocking(inspectorCommit(first: 0, count: 50))
        // Three more commits, each its own durable write after the checkpoint.
        var offsets: [UInt64] = []
        for commit in 0..<3 {
            let stats = store.stats()
            offsets.append(Layout.dataOffset + UInt64(stats.headSlot) * stats.segmentBytes + stats.headBlocksEnd)
            try store.appendBlocking(inspectorCommit(first: 50 + commit * 10, count: 10))
        }
        // The file as a crash would leave it now: a clean close could add a checkpoint after the commits.
        let path = directory.file("crashed.db")
        try FileManager.default.copyItem(atPath: directory.file(), toPath: path)
        try store.close()
        try flipByte(path, at: offsets[1] + UInt64(Layout.blockHeaderBytes) + 5)
        let report = try verify(path)
        #expect(!report.isSound)
        #expect(report.problems.count == 1, "\(report.problems)")
        let error = try #require(report.errors.first)
        #expect(error.area == .head)
        #expect(error.offset == offsets[1])
        #expect(
            error.message.contains(
                "at offset \(offsets[2]) was written after it was durable: acknowledged data is lost"))
        #expect(report.head?.durableEnd == nil)
        // The store agrees: it refuses to open, naming the same offset.
        #expect {
            try LogStore.open(path: path)
        } throws: { error in
            (error as? LogError)?.code == .corrupt && (error as? LogError)?.offset == offsets[1]
        }
    }

    // MARK: - Hostile input

    @Test func randomBytesAreNotSoundAndDoNotCrash() throws {
        let directory = TemporaryDirectory()
        for seed: UInt64 in 1...4 {
            for size in [0, 100, 4096, 8191, 8192, 20_000, (1 << 20) + 8192] {
                var generator = SeededBytes(state: seed)
                let path = directory.file("random-\(seed)-\(size).db")
                try Data(generator.bytes(size)).write(to: URL(fileURLWithPath: path))
                let report = try verify(path)
                #expect(!report.isSound, "seed \(seed), \(size) bytes")
                #expect(
                    report.errors.filter { $0.area == .superblock }.map(\.offset) == [0, 4096],
                    "seed \(seed), \(size) bytes")
                if size >= 8192 {
                    #expect(
                        report.errors.last?.message.hasPrefix("not a Keel data file") == true,
                        "seed \(seed), \(size) bytes")
                }
                let items = try dumpItems(path)
                #expect(items.count == 3, "two superblock copies and a problem, seed \(seed), \(size) bytes")
            }
        }
    }

    @Test func validSuperblocksOverRandomSegmentsAreNotSound() throws {
        let store = try InspectedStore(compression: true, sealed: 2)
        let path = try store.copy("random.db")
        var generator = SeededBytes(state: 99)
        try writeBytes(path, at: Layout.dataOffset, generator.bytes(Int(store.stats.fileBytes - Layout.dataOffset)))
        let report = try verify(path)
        #expect(!report.isSound)
        #expect(report.problems.count == 1, "\(report.problems)")
        #expect(report.errors.first?.area == .segment)
        #expect(report.errors.first?.offset == store.slotOffset(store.stats.headSlot))
        #expect(report.errors.first?.message.contains("expected magic KEELSEGM") == true)
    }

    @Test func randomlyFlippedBytesNeverCrash() throws {
        let store = try InspectedStore(compression: true, sealed: 2)
        let seed = UInt64(ProcessInfo.processInfo.environment["KEEL_INSPECT_SEED"] ?? "") ?? 7
        print("inspector flip test: seed \(seed) (KEEL_INSPECT_SEED=\(seed) replays it)")
        var generator = SeededBytes(state: seed)
        let size = store.stats.fileBytes
        for round in 0..<12 {
            let path = try store.copy("flipped-\(round).db")
            for _ in 0..<(1 + Int(generator.next() % 16)) {
                try flipByte(path, at: generator.next() % size)
            }
            let report = try verify(path)
            #expect(report.superblocks.count == 2)
            _ = try dumpItems(path)
        }
    }

    @Test func truncatedFilesAreNotSound() throws {
        let store = try InspectedStore(compression: false)
        let segmentBytes = store.segmentBytes
        let slotCount = UInt64(store.stats.slotCount)
        // Without compaction every slot is in use and the head is the last one.
        #expect(UInt64(store.stats.headSlot) == slotCount - 1)
        var lengths: [UInt64] = [0, 6000, 8192, 8192 + segmentBytes / 2, store.stats.fileBytes - 4096]
        for slot in 1..<slotCount { lengths.append(Layout.dataOffset + slot * segmentBytes) }
        for length in lengths {
            let path = try store.copy("truncated-\(length).db")
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.truncate(atOffset: length)
            try handle.close()
            let report = try verify(path)
            #expect(!report.isSound, "truncated to \(length) bytes")
            _ = try dumpItems(path)
        }

        // Cutting into the last slot loses the head: the superblock names a slot the file lacks.
        let path = try store.copy("short.db")
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.truncate(atOffset: store.stats.fileBytes - 4096)
        try handle.close()
        let report = try verify(path)
        let superblock = try #require(report.superblock)
        #expect(report.problems.count == 2, "\(report.problems)")
        #expect(report.warnings.first?.area == .file)
        #expect(report.warnings.first?.offset == Layout.dataOffset + (slotCount - 1) * segmentBytes)
        #expect(report.errors.first?.area == .superblock)
        #expect(report.errors.first?.offset == UInt64(superblock.copyIndex * Layout.superblockBytes))
        #expect(
            report.errors.first?.message
                == "head slot expected below \(slotCount - 1) (the slots the file holds), found \(slotCount - 1)")
    }

    // MARK: - Locking

    @Test func readOnlyOpenIsRefusedWhileAStoreHoldsTheFile() throws {
        let directory = TemporaryDirectory()
        let store = try LogStore.open(path: directory.file())
        #expect {
            try PosixFile(path: directory.file(), readOnly: true)
        } throws: { error in
            (error as? LogError)?.code == .locked
        }
        try store.close()

        // Read-only opens share the file with each other, but keep a store out.
        let first = try PosixFile(path: directory.file(), readOnly: true)
        let second = try PosixFile(path: directory.file(), readOnly: true)
        #expect {
            try LogStore.open(path: directory.file())
        } throws: { error in
            (error as? LogError)?.code == .locked
        }
        first.close()
        second.close()
        try LogStore.open(path: directory.file()).close()

        #expect {
            try PosixFile(path: directory.file("missing.db"), readOnly: true)
        } throws: { error in
            (error as? LogError)?.code == .io && (error as? LogError)?.errno == ENOENT
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("missing.db")))
    }

    // MARK: - Dump

    @Test func dumpWalksSegmentsInLSNOrderThenTheHead() throws {
        let store = try InspectedStore(compression: true)
        let items = try dumpItems(store.path)
        var superblocks: [SuperblockCopy] = []
        var segments: [DumpSegment] = []
        var lsns: [UInt64] = []
        var blockOffsets: [UInt64: [UInt64]] = [:]
        var firstRecord: DumpRecord? = nil
        for item in items {
            switch item {
            case .superblock(let copy): superblocks.append(copy)
            case .segment(let segment): segments.append(segment)
            case .block(let block): blockOffsets[block.segmentID, default: []].append(block.offset)
            case .record(let record):
                lsns.append(record.lsn)
                if firstRecord == nil { firstRecord = record }
            case .problem(let problem): Issue.record("unexpected problem: \(problem)")
            }
        }
        #expect(superblocks.map(\.copy) == [0, 1])
        #expect(superblocks.allSatisfy { $0.isValid })
        #expect(
            segments.map(\.header.segmentID) == store.stats.sealedSegments.map(\.segmentID) + [
                segments.last!.header.segmentID
            ])
        #expect(segments.map(\.isHead) == Array(repeating: false, count: store.stats.sealedSegments.count) + [true])
        #expect(segments.last?.header.slot == store.stats.headSlot)
        #expect(lsns == Array(1...store.stats.lastLSN))
        for (segment, offsets) in blockOffsets {
            #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count, "segment \(segment)")
        }
        let record = try #require(firstRecord)
        let payload = inspectorPayload(0)
        #expect(record.keyPreview == "wf-0")
        #expect(record.keyBytes == 4)
        #expect(record.payloadBytes == payload.count)
        #expect(
            record.payloadPreview == String(decoding: payload.prefix(DumpRecord.payloadPreviewBytesMax), as: UTF8.self)
                + "...")
    }

    @Test func dumpReportsDamageAndGoesOnWithTheNextSegment() throws {
        let store = try InspectedStore(compression: false)
        let (offset, _) = try firstSealedRecordsBlock(store)
        let damaged = try store.copy("damaged.db")
        try flipByte(damaged, at: offset + UInt64(Layout.blockHeaderBytes) + 10)
        let items = try dumpItems(damaged, records: false)
        let problems = items.compactMap { item -> VerifyProblem? in
            if case .problem(let problem) = item { return problem }
            return nil
        }
        #expect(problems.count == 1)
        #expect(problems.first?.offset == offset)
        #expect(problems.first?.severity == .error)
        let segments = items.filter { if case .segment = $0 { return true } else { return false } }
        #expect(segments.count == store.stats.sealedSegments.count + 1)
    }

    @Test func dumpStopsWhenTheCallerSaysSo() throws {
        let store = try InspectedStore(compression: false, sealed: 1)
        let file = try PosixFile(path: store.path, readOnly: true)
        defer { file.close() }
        var seen = 0
        LogInspector.dump(
            file: file, records: true,
            while: { _ in
                seen += 1
                return seen < 5
            })
        #expect(seen == 5)
    }
}
