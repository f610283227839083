import Foundation
import FuzzSupport
import KeelLog

// Writes the seed corpora of the fuzz targets: valid structures made by KeelLog's own encoders and
// small real data files written by LogStore, plus a few variants in the targets' checksum-fixup
// modes. Each seed is run through its target's harness here, without the fuzzer, and the outcome is
// printed, so a seed that no longer reaches the decoders it was made for shows up at once.
//
// Usage: FuzzSeeds <corpus directory>             (run.sh passes Fuzz/Corpus)
//        FuzzSeeds expand <input> <output file>   writes the data file a FuzzRecovery input stands for

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "expand" {
    do {
        let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: arguments[2])))
        let image = RecoveryImage.expand(input)
        try Data(image).write(to: URL(fileURLWithPath: arguments[3]))
        print("\(arguments[3]): \(image.count) bytes; recovery outcome: \(RecoveryHarness.run(input))")
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("expand failed: \(error)\n".utf8))
        exit(1)
    }
}
guard arguments.count == 2 else {
    FileHandle.standardError.write(
        Data("usage: FuzzSeeds <corpus directory>\n       FuzzSeeds expand <input> <output file>\n".utf8))
    exit(2)
}
let corpusRoot = URL(fileURLWithPath: CommandLine.arguments[1], isDirectory: true)

/// Collects the seeds of one target, then replaces the target's corpus directory with them.
struct Seeds {
    let target: String
    let harness: ([UInt8]) -> StaticString
    var seeds: [(name: String, bytes: [UInt8], expected: String?)] = []

    /// Adds a seed; `expected`, when given, is the outcome the harness must report for it.
    mutating func add(_ name: String, _ bytes: [UInt8], expect expected: String? = nil) {
        precondition(!seeds.contains { $0.name == name }, "two \(target) seeds are named \(name)")
        seeds.append((name, bytes, expected))
    }

    func write() throws {
        let directory = corpusRoot.appendingPathComponent(target, isDirectory: true)
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var total = 0
        for seed in seeds {
            let outcome = "\(harness(seed.bytes))"
            print("  \(target)/\(seed.name) (\(seed.bytes.count) bytes): \(outcome)")
            if let expected = seed.expected, outcome != expected {
                fatalError("\(target) seed \(seed.name): expected the outcome '\(expected)', found '\(outcome)'")
            }
            try Data(seed.bytes).write(to: directory.appendingPathComponent(seed.name))
            total += seed.bytes.count
        }
        print("\(target): \(seeds.count) seeds, \(total) bytes")
    }
}

let images = RealFiles.all()
let structures = images.map { Structures(image: $0.bytes) }

// MARK: FuzzRecovery

var recovery = Seeds(target: "FuzzRecovery", harness: RecoveryHarness.run)
for image in images {
    guard let compact = RecoveryImage.compact(image.bytes) else {
        fatalError(
            "seed file \(image.name) does not fit the compact encoding (too many slots or a slot used past 8 KiB)")
    }
    let expected: String? = image.opens ? "opened, scanned, read and closed" : nil
    recovery.add(image.name, compact, expect: expected)
    if let fixed = RecoveryImage.compact(image.bytes, flags: RecoveryImage.fixChecksums) {
        recovery.add(image.name + "-fix", fixed, expect: expected)
    }
}
recovery.add("literal-superblocks", [RecoveryImage.literal] + images[1].bytes.prefix(Int(Layout.dataOffset)))
recovery.add(
    "literal-short-slot", [RecoveryImage.literal | RecoveryImage.fixChecksums] + images[1].bytes.prefix(12_288))
recovery.add("literal-empty", [RecoveryImage.literal], expect: "opened, scanned, read and closed")

// MARK: FuzzBlock

var block = Seeds(target: "FuzzBlock", harness: BlockHarness.run)
var blockNames: Set<String> = []
for (image, found) in zip(images, structures) {
    for (index, item) in found.blocks.enumerated() {
        let kind = item.kind == .records ? "records" : "checkpoint"
        let codec = item.bytes[13] == BlockCodec.lz4.rawValue ? "-lz4" : ""
        let name = "\(kind)\(codec)-\(image.name)-\(index)"
        // A few blocks of each sort are enough; the rest would only repeat them.
        let sort = "\(kind)\(codec)"
        if blockNames.filter({ $0.hasPrefix(sort + "-") }).count >= 6 { continue }
        blockNames.insert(name)
        let expected = item.kind == .records ? "records decoded" : "checkpoint decoded"
        block.add(name, BlockHarness.input(block: item.bytes, salt: item.salt, fixChecksum: false), expect: expected)
        if index % 2 == 0 {
            block.add(
                name + "-fix", BlockHarness.input(block: item.bytes, salt: item.salt, fixChecksum: true),
                expect: expected)
        }
    }
}
if let first = structures[2].blocks.first(where: { $0.kind == .records }) {
    block.add(
        "small-limit", BlockHarness.input(block: first.bytes, salt: first.salt, fixChecksum: true, smallLimit: true))
}

// MARK: FuzzSuperblock

var header = Seeds(target: "FuzzSuperblock", harness: HeaderHarness.run)
let synthetic = [
    Superblock(
        sequence: 1, fileID: 0x0123_4567_89AB_CDEF, segmentBytes: UInt64(LogOptions.segmentBytesMin), headSlot: 0,
        headSegmentID: 1, checkpointOffset: Layout.dataOffset + 64, checkpointLSN: 1),
    Superblock(
        sequence: 42, fileID: 7, segmentBytes: 64 << 20, headSlot: 3, headSegmentID: 9,
        checkpointOffset: Layout.dataOffset + 3 * (64 << 20) + 64, checkpointLSN: 1_000),
    Superblock(
        sequence: UInt64.max, fileID: UInt64.max, segmentBytes: UInt64(LogOptions.segmentBytesMax),
        headSlot: UInt32.max, headSegmentID: UInt64.max, checkpointOffset: UInt64.max, checkpointLSN: UInt64.max),
]
for (index, superblock) in synthetic.enumerated() {
    let bytes = superblock.encoded()
    header.add(
        "superblock-\(index)", HeaderHarness.input(.superblock, bytes: bytes, fixChecksum: false),
        expect: "superblock decoded")
    header.add(
        "superblock-\(index)-fix", HeaderHarness.input(.superblock, bytes: Array(bytes.prefix(80)), fixChecksum: true),
        expect: "superblock decoded")
}
for (copy, bytes) in structures[5].superblocks.enumerated() {
    header.add("superblock-real-\(copy)", HeaderHarness.input(.superblock, bytes: bytes, fixChecksum: false))
}
let segmentHeaders = [
    SegmentHeader(slot: 0, segmentID: 1, salt: 0x5EED_5A17, firstLSN: 1, fileID: 0x0123_4567_89AB_CDEF, flags: 0),
    SegmentHeader(
        slot: 5, segmentID: 12, salt: UInt64.max, firstLSN: 1 << 40, fileID: 3, flags: SegmentHeader.compactedFlag),
]
for (index, segment) in segmentHeaders.enumerated() {
    let bytes = segment.encoded()
    header.add(
        "segment-\(index)", HeaderHarness.input(.segmentHeader, bytes: bytes, fixChecksum: false),
        expect: "segment header decoded")
    header.add(
        "segment-\(index)-fix", HeaderHarness.input(.segmentHeader, bytes: bytes, fixChecksum: true),
        expect: "segment header decoded")
}
for (index, bytes) in structures[6].segmentHeaders.enumerated() {
    header.add(
        "segment-real-\(index)", HeaderHarness.input(.segmentHeader, bytes: bytes, fixChecksum: false),
        expect: "segment header decoded")
}

// MARK: FuzzIndex

var index = Seeds(target: "FuzzIndex", harness: IndexHarness.run)
let salt: UInt64 = 0x0BAD_5EED_CAFE_F00D
let streamIDs = (0..<12).map { StreamKey("stream-\($0)").identity.low }.sorted()
/// An index region to encode as a seed.
struct RegionSeed {
    var name: String
    var entries: [IndexEntry]
    var lsnEntries: [LSNEntry]
    var blocksEnd: UInt64
}
var severalBlocks: [IndexEntry] = []
for stream in streamIDs.prefix(4) {
    for offset: UInt32 in [64, 1_024, 70_000] {
        severalBlocks.append(IndexEntry(stream: stream, blockOffset: offset, recordCount: 2))
    }
}
var manyStreams: [IndexEntry] = []
for (position, stream) in streamIDs.enumerated() {
    manyStreams.append(IndexEntry(stream: stream, blockOffset: UInt32(64 + position * 128), recordCount: 1))
}
var sparseLSNs: [LSNEntry] = []
for position in 0..<6 {
    sparseLSNs.append(LSNEntry(firstLSN: UInt64(1 + position * 1_000), blockOffset: UInt64(64 + position * 65_536)))
}
let regions = [
    RegionSeed(name: "empty", entries: [], lsnEntries: [], blocksEnd: 64),
    RegionSeed(
        name: "one", entries: [IndexEntry(stream: streamIDs[0], blockOffset: 64, recordCount: 3)],
        lsnEntries: [LSNEntry(firstLSN: 1, blockOffset: 64)], blocksEnd: 256),
    RegionSeed(
        name: "several-blocks", entries: severalBlocks,
        lsnEntries: [LSNEntry(firstLSN: 1, blockOffset: 64), LSNEntry(firstLSN: 40, blockOffset: 70_000)],
        blocksEnd: 80_000),
    RegionSeed(name: "many-streams", entries: manyStreams, lsnEntries: sparseLSNs, blocksEnd: 400_000),
]
for region in regions {
    let bytes = IndexRegion.encode(
        segmentID: 7, salt: salt, blocksEnd: region.blocksEnd, entries: region.entries, lsnEntries: region.lsnEntries)
    let probe = region.entries.first?.stream ?? 1
    index.add(
        "region-\(region.name)", IndexHarness.input(.region, bytes: bytes, salt: salt, segmentID: 7, probe: probe),
        expect: "index validated and searched")
    index.add(
        "region-\(region.name)-fix",
        IndexHarness.input(
            .region, bytes: bytes, salt: salt, segmentID: 7, probe: probe, fixChecksums: true, segmentIDFromRegion: true
        ),
        expect: "index validated and searched")
}
for (imageIndex, found) in structures.enumerated() {
    for (position, region) in found.indexes.enumerated() where index.seeds.count < 16 {
        index.add(
            "region-real-\(images[imageIndex].name)-\(position)",
            IndexHarness.input(.region, bytes: region.bytes, salt: region.salt, segmentID: region.segmentID),
            expect: "index validated and searched")
    }
}
let deadIdentities = ["run-dead", "run-gone"].map { StreamKey($0).identity }
let checkpoints = [
    Checkpoint(nextLSN: 1, nextSegmentID: 2, nextWriteSequence: 2, segments: [], dead: [:]),
    Checkpoint(
        nextLSN: 500, nextSegmentID: 5, nextWriteSequence: 77,
        segments: [
            SegmentDescriptor(
                slot: 0, flags: 0, segmentID: 1, salt: 11, firstLSN: 1, lastLSN: 200, blocksEnd: 9_000,
                indexOffset: 12_288, indexBytes: 400, recordCount: 200, deadRecordCount: 20),
            SegmentDescriptor(
                slot: 2, flags: SegmentHeader.compactedFlag, segmentID: 3, salt: 33, firstLSN: 201, lastLSN: 450,
                blocksEnd: 4_000, indexOffset: 4_096, indexBytes: 128, recordCount: 100, deadRecordCount: 0),
        ],
        dead: [deadIdentities[0]: 2, deadIdentities[1]: 1]),
]
for (position, checkpoint) in checkpoints.enumerated() {
    index.add(
        "checkpoint-\(position)", IndexHarness.input(.checkpoint, bytes: checkpoint.encoded(), salt: 0, segmentID: 0),
        expect: "checkpoint decoded")
}
for (imageIndex, found) in structures.enumerated() where [6, 9].contains(imageIndex) {
    for (position, payload) in found.checkpointPayloads.enumerated() {
        index.add(
            "checkpoint-real-\(images[imageIndex].name)-\(position)",
            IndexHarness.input(.checkpoint, bytes: payload, salt: 0, segmentID: 0), expect: "checkpoint decoded")
    }
}

do {
    for seeds in [recovery, block, header, index] { try seeds.write() }
} catch {
    fatalError("writing the corpus failed: \(error)")
}
