import Foundation
import Testing

@testable import KeelLog

/// A fresh temporary directory per test, removed afterwards.
final class TemporaryDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "keel-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String = "keel.db") -> String { path + "/" + name }
}

func record(_ stream: String, _ text: String) -> LogRecord {
    LogRecord(stream: StreamKey(stream), payload: Array(text.utf8))
}

@Suite struct LogStoreTests {
    @Test func appendsAreReadBackAfterReopen() throws {
        let directory = TemporaryDirectory()
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        do {
            let store = try LogStore.open(path: directory.file(), options: options)
            let range = try store.appendBlocking([record("a", "one"), record("b", "two"), record("a", "three")])
            #expect(range == LSN(1)...LSN(3))
            #expect(try store.read(stream: StreamKey("a")).map(\.payload) == [Array("one".utf8), Array("three".utf8)])
            try store.close()
        }
        let store = try LogStore.open(path: directory.file(), options: options)
        let records = try store.read(stream: StreamKey("a"))
        #expect(records.map(\.lsn) == [LSN(1), LSN(3)])
        #expect(store.lastLSN == LSN(3))
        try store.appendBlocking([record("a", "four")])
        #expect(try store.read(stream: StreamKey("a")).count == 3)
        try store.close()
    }

    @Test func manySegmentsSealAndReadAcrossThem() throws {
        let directory = TemporaryDirectory()
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        options.compression = false
        let store = try LogStore.open(path: directory.file(), options: options)
        let payload = String(repeating: "x", count: 1000)
        for batch in 0..<50 {
            var records: [LogRecord] = []
            for index in 0..<100 { records.append(record("s\(index % 7)", "\(batch)-\(index)-\(payload)")) }
            try store.appendBlocking(records)
        }
        let stats = store.stats()
        #expect(stats.sealedSegments.count >= 4)
        let s3 = try store.read(stream: StreamKey("s3"))
        #expect(s3.count == 50 * 14)
        #expect(zip(s3, s3.dropFirst()).allSatisfy { $0.lsn < $1.lsn })
        var scanned = 0
        var previous = LSN(0)
        try store.scan(from: LSN(1234)) { stored in
            #expect(stored.lsn > previous)
            previous = stored.lsn
            scanned += 1
            return true
        }
        #expect(scanned == 5000 - 1233)
        try store.close()
        let reopened = try LogStore.open(path: directory.file(), options: options)
        #expect(try reopened.read(stream: StreamKey("s3")).map(\.payload) == s3.map(\.payload))
        try reopened.close()
    }

    @Test func releaseMemoryEmptiesTheBlockCacheAndReadsGoBackToTheFile() throws {
        let directory = TemporaryDirectory()
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        options.blockRawBytesMax = 4096
        options.blockCacheBytes = 64 << 10
        do {
            let store = try LogStore.open(path: directory.file(), options: options)
            for batch in 0..<20 {
                try store.appendBlocking((0..<50).map { record("s\($0 % 3)", "\(batch)-\($0)-payload") })
            }
            try store.close()
        }
        let store = try LogStore.open(path: directory.file(), options: options)
        let first = try store.read(stream: StreamKey("s1"))
        #expect(first.count == 20 * 17)
        let afterFirst = store.stats()
        #expect(afterFirst.counters.cacheMisses > 0)
        #expect(afterFirst.blockCacheBytes > 0)
        #expect(afterFirst.blockCacheBytes <= options.blockCacheBytes)

        #expect(try store.read(stream: StreamKey("s1")) == first)
        let cached = store.stats()
        #expect(cached.counters.cacheMisses == afterFirst.counters.cacheMisses)
        #expect(cached.counters.cacheHits > afterFirst.counters.cacheHits)

        #expect(store.releaseMemory() == cached.blockCacheBytes)
        #expect(store.stats().blockCacheBytes == 0)
        #expect(store.releaseMemory() == 0)
        #expect(try store.read(stream: StreamKey("s1")) == first)
        #expect(store.stats().counters.cacheMisses == cached.counters.cacheMisses * 2)
        try store.close()
    }
}

/// Regression tests for inputs the fuzzers found (`Fuzz/FailCases`).
@Suite struct FuzzRegressionTests {
    /// FailCases/FuzzRecovery/read-reserves-for-index-record-counts: an index entry with a forged
    /// record count (checksums recomputed) made a read reserve tens of gigabytes. The index's counts
    /// must add up to the segment's, so the forged index is rebuilt instead.
    @Test func forgedIndexRecordCountIsRebuiltNotTrusted() throws {
        let disk = SimulatedDisk(seed: 5)
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        do {
            let store = try LogStore.open(file: try disk.open("keel.db", create: true), options: options)
            for batch in 0..<3 {
                try store.appendBlocking((0..<10).map { record("s\($0)", "batch \(batch) record \($0)") })
            }
            try store.sealBlocking()
            try store.close()
        }
        var bytes = try #require(disk.durableBytes(of: "keel.db"))
        // Slot 0 is the sealed segment; its index is at the first page after its blocks.
        let store = try LogStore.open(file: try disk.open("keel.db", create: false), options: options)
        let sealed = try #require(store.stats().sealedSegments.first)
        try store.close()
        let indexAt = Int(Layout.dataOffset + sealed.indexOffset)
        let firstEntry = indexAt + Layout.indexHeaderBytes
        bytes.withUnsafeMutableBytes { all in
            all.storeBytes(of: UInt32(1_769_238_607).littleEndian, toByteOffset: firstEntry + 12, as: UInt32.self)
            let region = UnsafeMutableRawBufferPointer(rebasing: all[indexAt..<indexAt + Int(sealed.indexBytes)])
            let body = UnsafeRawBufferPointer(rebasing: region[Layout.indexHeaderBytes...])
            region.storeBytes(
                of: Codec.checksum(body, seed: sealed.salt).littleEndian, toByteOffset: 48, as: UInt64.self)
            let header = UnsafeRawBufferPointer(rebasing: region[0..<56])
            region.storeBytes(
                of: Codec.checksum(header, seed: sealed.salt).littleEndian, toByteOffset: 56, as: UInt64.self)
        }
        disk.setDurableBytes(bytes, of: "keel.db")
        let reopened = try LogStore.open(file: try disk.open("keel.db", create: false), options: options)
        #expect(reopened.stats().counters.indexesRebuilt == 1)
        for stream in 0..<10 {
            #expect(try reopened.read(stream: StreamKey("s\(stream)")).count == 3)
        }
        try reopened.close()
    }
}
