import KeelLog
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct SimulatedDiskTests {
    // MARK: Page cache and durability

    @Test func readsSeeUnsyncedWritesInOrder() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes([1, 2, 3, 4, 5, 6], at: 0)
        try file.writeBytes([9, 9], at: 2)
        #expect(try file.readBytes(count: 6, at: 0) == [1, 2, 9, 9, 5, 6])
        #expect(try file.size() == 6)
        #expect(disk.durableBytes(of: "data") == [])
    }

    @Test func readReturnsFewerBytesAtEndOfFile() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes(Array(0..<10), at: 0)
        #expect(try file.readBytes(count: 16, at: 4) == [4, 5, 6, 7, 8, 9])
        #expect(try file.readBytes(count: 16, at: 10) == [])
        #expect(try file.readBytes(count: 16, at: 20) == [])
    }

    @Test func writePastEndFillsTheGapWithZeros() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes([7], at: 10)
        #expect(try file.size() == 11)
        #expect(try file.readBytes(count: 11, at: 0) == [UInt8](repeating: 0, count: 10) + [7])
    }

    @Test func syncMakesWritesDurable() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes([1, 2, 3], at: 0)
        try file.writeBytes([4], at: 5)
        try file.sync()
        #expect(disk.durableBytes(of: "data") == [1, 2, 3, 0, 0, 4])
        disk.crash(.dropUnsynced)
        let reopened = try disk.open("data", create: false)
        #expect(try reopened.readBytes(count: 6, at: 0) == [1, 2, 3, 0, 0, 4])
    }

    @Test func dropUnsyncedLosesExactlyTheUnsyncedBytes() throws {
        let disk = SimulatedDisk(seed: 1)
        let synced = pattern(count: 1024, salt: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes(synced, at: 0)
        try file.sync()
        // Overwrite part of the synced bytes and grow the file, without syncing.
        try file.writeBytes(pattern(count: 1024, salt: 2), at: 512)
        try file.writeBytes([0xFF, 0xFF], at: 0)
        #expect(try file.size() == 1536)
        disk.crash(.dropUnsynced)
        #expect(disk.durableBytes(of: "data") == synced)
        let reopened = try disk.open("data", create: false)
        #expect(try reopened.size() == 1024)
        #expect(try reopened.readBytes(count: 2048, at: 0) == synced)
    }

    @Test func keepUnsyncedAppliesUnsyncedWritesInOrder() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes([1, 1, 1, 1], at: 0)
        try file.sync()
        try file.writeBytes([2, 2], at: 1)
        try file.writeBytes([3, 3], at: 2)
        try file.writeBytes([4], at: 5)
        disk.crash(.keepUnsynced)
        #expect(disk.durableBytes(of: "data") == [1, 2, 3, 3, 0, 4])
        let reopened = try disk.open("data", create: false)
        #expect(try reopened.readBytes(count: 6, at: 0) == [1, 2, 3, 3, 0, 4])
    }

    @Test func extendIsDurableAtOnceButLeavesWritesPending() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes([5, 5], at: 0)
        try file.extend(to: 4096)
        try file.extend(to: 100)  // Smaller than the file: nothing happens.
        #expect(try file.size() == 4096)
        try file.writeBytes([6, 6], at: 1000)
        disk.crash(.dropUnsynced)
        // The size survives, the unsynced data (inside and outside the old size) does not.
        #expect(disk.durableBytes(of: "data") == [UInt8](repeating: 0, count: 4096))
    }

    @Test func closingWithoutCrashKeepsUnsyncedWritesVisible() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes([1, 2, 3], at: 0)
        file.close()
        // A process exit is not a power loss: the page cache still holds the writes ...
        let reopened = try disk.open("data", create: false)
        #expect(try reopened.readBytes(count: 3, at: 0) == [1, 2, 3])
        // ... but they are still not durable.
        disk.crash(.dropUnsynced)
        #expect(disk.durableBytes(of: "data") == [])
    }

    @Test func mapReturnsASnapshotOfVisibleBytes() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.extend(to: 8192)
        let bytes = pattern(count: 100, salt: 3)
        try file.writeBytes(bytes, at: 4096)
        let region = try file.map(offset: 4096, length: 100)
        try file.writeBytes([0, 0, 0], at: 4096)
        #expect(Array(region.bytes) == bytes)
        #expect(try file.map(offset: 0, length: 0).bytes.count == 0)

        let unaligned = #expect(throws: LogError.self) { try file.map(offset: 100, length: 10) }
        #expect(unaligned?.code == .io)
        #expect(unaligned?.errno == EINVAL)
        let pastEnd = #expect(throws: LogError.self) { try file.map(offset: 4096, length: 8192) }
        #expect(pastEnd?.code == .invalidArgument)
    }

    @Test func concurrentReadsSeeConsistentBytesWhileAnotherRegionIsWritten() async throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        let bytes = pattern(count: 1 << 16, salt: 4)
        try file.writeBytes(bytes, at: 0)
        try file.sync()
        let mismatches = await withTaskGroup(of: Int.self) { group in
            group.addTask {
                for round in 0..<500 {
                    try? file.writeBytes([UInt8(truncatingIfNeeded: round)], at: UInt64(bytes.count + round))
                }
                return 0
            }
            for reader in 0..<4 {
                group.addTask {
                    var mismatches = 0
                    for round in 0..<500 {
                        let offset = (reader * 7_919 + round * 104_729) % (bytes.count - 64)
                        let read = (try? file.readBytes(count: 64, at: UInt64(offset))) ?? []
                        if read[...] != bytes[offset..<(offset + 64)] { mismatches += 1 }
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(try file.size() == UInt64(bytes.count + 500))
    }

    // MARK: Random crashes

    @Test func randomCrashTearsWritesAtAlignedUnits() throws {
        let seed: UInt64 = 0x5EED_7EA2
        print("SimulatedDiskTests.randomCrashTearsWritesAtAlignedUnits seed: \(seed)")
        let disk = SimulatedDisk(seed: seed)
        let old = [UInt8](repeating: 0xAA, count: 5000)
        let new = [UInt8](repeating: 0xBB, count: 4096)
        // The write starts off a unit boundary, so its first and last pieces are short.
        let pieces = aligned(pieces: 100..<4196, unit: 512)
        #expect(pieces.count == 9)
        var outcomes: Set<String> = []
        for trial in 0..<64 {
            disk.setDurableBytes(old, of: "data")
            let file = try disk.open("data", create: false)
            try file.writeBytes(new, at: 100)
            disk.crash(.random(tearUnit: 512, garble: false))
            let after = try #require(disk.durableBytes(of: "data"))
            #expect(after.count == old.count)
            #expect(after[..<100].allSatisfy { $0 == 0xAA } && after[4196...].allSatisfy { $0 == 0xAA })
            var kept = 0
            var dropped = 0
            for piece in pieces {
                if after[piece].allSatisfy({ $0 == 0xBB }) {
                    kept += 1
                } else if after[piece].allSatisfy({ $0 == 0xAA }) {
                    dropped += 1
                } else {
                    Issue.record("seed \(seed) trial \(trial): piece \(piece) mixes old and new bytes")
                }
            }
            outcomes.insert(kept == pieces.count ? "kept" : dropped == pieces.count ? "dropped" : "torn")
        }
        #expect(outcomes == ["kept", "dropped", "torn"], "seed \(seed)")
    }

    @Test func randomCrashWithGarbleWritesBytesThatAreNeitherOldNorNew() throws {
        let seed: UInt64 = 0x6A2B_1E00
        print("SimulatedDiskTests.randomCrashWithGarbleWritesBytesThatAreNeitherOldNorNew seed: \(seed)")
        let disk = SimulatedDisk(seed: seed)
        let old = [UInt8](repeating: 0xAA, count: 4096)
        let new = [UInt8](repeating: 0xBB, count: 4096)
        var garbledUnits = 0
        for _ in 0..<32 {
            disk.setDurableBytes(old, of: "data")
            let file = try disk.open("data", create: false)
            try file.writeBytes(new, at: 0)
            disk.crash(.random(tearUnit: 512, garble: true))
            let after = try #require(disk.durableBytes(of: "data"))
            for start in stride(from: 0, to: 4096, by: 512) {
                let unit = Array(after[start..<(start + 512)])
                if unit != Array(old[..<512]) && unit != Array(new[..<512]) { garbledUnits += 1 }
            }
        }
        #expect(garbledUnits > 0, "seed \(seed)")
    }

    @Test func randomCrashMayKeepALaterWriteAndDropAnEarlierOne() throws {
        let seed: UInt64 = 0x0DD_0DE2
        print("SimulatedDiskTests.randomCrashMayKeepALaterWriteAndDropAnEarlierOne seed: \(seed)")
        let disk = SimulatedDisk(seed: seed)
        var isOutOfOrderSeen = false
        for _ in 0..<64 where !isOutOfOrderSeen {
            disk.setDurableBytes([UInt8](repeating: 0, count: 1024), of: "data")
            let file = try disk.open("data", create: false)
            try file.writeBytes([UInt8](repeating: 1, count: 512), at: 0)
            try file.writeBytes([UInt8](repeating: 2, count: 512), at: 512)
            disk.crash(.random(tearUnit: 512, garble: false))
            let after = try #require(disk.durableBytes(of: "data"))
            isOutOfOrderSeen = after[0] == 0 && after[512] == 2
        }
        #expect(isOutOfOrderSeen, "seed \(seed)")
    }

    @Test func randomCrashIsReproducibleFromItsSeed() throws {
        let seed: UInt64 = 0xC0FF_EE00
        print("SimulatedDiskTests.randomCrashIsReproducibleFromItsSeed seed: \(seed)")
        let first = try crashWorkload(seed: seed)
        #expect(try crashWorkload(seed: seed) == first)
        #expect(try crashWorkload(seed: seed + 1) != first)
    }

    @Test func tornWritePastEndLeavesTheFileOnlyAsLongAsItsKeptPieces() throws {
        let seed: UInt64 = 0x7A11
        print("SimulatedDiskTests.tornWritePastEndLeavesTheFileOnlyAsLongAsItsKeptPieces seed: \(seed)")
        let disk = SimulatedDisk(seed: seed)
        var sizes: Set<Int> = []
        for _ in 0..<64 {
            disk.setDurableBytes([UInt8](repeating: 0xAA, count: 512), of: "data")
            let file = try disk.open("data", create: false)
            try file.writeBytes([UInt8](repeating: 0xBB, count: 2048), at: 512)
            disk.crash(.random(tearUnit: 512, garble: false))
            let after = try #require(disk.durableBytes(of: "data"))
            sizes.insert(after.count)
            #expect(after.count % 512 == 0)
            // The last unit is always one of the write's kept pieces.
            #expect(after.count == 512 || after[(after.count - 512)...].allSatisfy { $0 == 0xBB })
        }
        #expect(sizes.contains(512) && sizes.contains(2560) && sizes.count > 2, "seed \(seed): sizes \(sizes)")
    }

    // MARK: Injected faults

    @Test func injectedWriteFailureThrowsAtTheNumberedWrite() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes([1], at: 0)
        disk.failWrite(number: 2)  // Counts from now on: the third write overall.
        try file.writeBytes([2], at: 1)
        let error = #expect(throws: LogError.self) { try file.writeBytes([3], at: 2) }
        #expect(error?.code == .io)
        #expect(error?.errno == EIO)
        #expect(error?.message.contains("injected") == true)
        try file.writeBytes([4], at: 2)
        #expect(disk.writeCount == 4)
        // The failed write changed nothing.
        #expect(try file.readBytes(count: 8, at: 0) == [1, 2, 4])
    }

    @Test func injectedSyncFailureThrowsAtTheNumberedSync() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        disk.failSync(number: 2)
        try file.sync()
        let error = #expect(throws: LogError.self) { try file.sync() }
        #expect(error?.code == .io)
        #expect(error?.errno == EIO)
        try file.sync()
        #expect(disk.syncCount == 3)
    }

    @Test func clearedFaultsNeverStrike() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        disk.failSync(number: 2)
        disk.failWrite(number: 3)
        try file.sync()
        #expect(disk.clearFaults() == 2)
        for index in 0..<4 { try file.writeBytes([UInt8(index)], at: UInt64(index)) }
        for _ in 0..<4 { try file.sync() }
        #expect(disk.durableBytes(of: "data") == [0, 1, 2, 3])
        #expect(disk.clearFaults() == 0)
        // Faults armed after a clear strike as usual.
        disk.failSync(number: 1)
        #expect(throws: LogError.self) { try file.sync() }
    }

    @Test func writesOfAFailedSyncStayVisibleButAreLostAtCrash() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes([1, 2, 3, 4], at: 0)
        try file.sync()
        disk.failSync(number: 1)
        try file.writeBytes([9, 9], at: 0)
        #expect(throws: LogError.self) { try file.sync() }
        #expect(try file.readBytes(count: 4, at: 0) == [9, 9, 3, 4])
        // A later successful sync does not write the pages the failed one marked clean.
        try file.writeBytes([7], at: 3)
        try file.sync()
        #expect(disk.durableBytes(of: "data") == [1, 2, 3, 7])
        #expect(try file.readBytes(count: 4, at: 0) == [9, 9, 3, 7])
        // Even a crash that keeps unsynced writes loses them.
        disk.crash(.keepUnsynced)
        let reopened = try disk.open("data", create: false)
        #expect(try reopened.readBytes(count: 4, at: 0) == [1, 2, 3, 7])
    }

    // MARK: Handles

    @Test func secondOpenIsRefusedWhileAHandleIsOpen() throws {
        let disk = SimulatedDisk(seed: 1)
        let first = try disk.open("data", create: true)
        let error = #expect(throws: LogError.self) { try disk.open("data", create: true) }
        #expect(error?.code == .locked)
        first.close()
        let second = try disk.open("data", create: false)
        #expect(throws: LogError.self) { try disk.open("data", create: false) }
        withExtendedLifetime(second) {}
    }

    @Test func droppingAHandleReleasesTheFile() throws {
        let disk = SimulatedDisk(seed: 1)
        do {
            let file = try disk.open("data", create: true)
            try file.writeBytes([1], at: 0)
        }
        let reopened = try disk.open("data", create: false)
        #expect(try reopened.readBytes(count: 1, at: 0) == [1])
    }

    @Test func openOfAMissingFileWithoutCreateFails() throws {
        let disk = SimulatedDisk(seed: 1)
        let error = #expect(throws: LogError.self) { try disk.open("missing", create: false) }
        #expect(error?.code == .io)
        #expect(error?.errno == ENOENT)
        #expect(disk.fileNames() == [])
    }

    @Test func crashClosesEveryOpenHandle() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        let other = try disk.open("other", create: true)
        try file.writeBytes([1], at: 0)
        disk.crash(.keepUnsynced)
        var buffer = [UInt8](repeating: 0, count: 1)
        let calls: [(String, () throws -> Void)] = [
            ("read", { _ = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 0) } }),
            ("write", { try file.writeBytes([2], at: 0) }),
            ("sync", { try file.sync() }),
            ("size", { _ = try file.size() }),
            ("extend", { try file.extend(to: 4096) }),
            ("map", { _ = try file.map(offset: 0, length: 1) }),
            ("other file", { try other.sync() }),
        ]
        for (name, call) in calls {
            let error = #expect(throws: LogError.self, "\(name) after crash") { try call() }
            #expect(error?.code == .closed, "\(name) after crash")
        }
        let reopened = try disk.open("data", create: false)
        #expect(try reopened.readBytes(count: 1, at: 0) == [1])
        // The old handle stays closed after the file is reopened, and closing it does not unlock the new one.
        file.close()
        #expect(throws: LogError.self) { try file.sync() }
        #expect(throws: LogError.self) { try disk.open("data", create: false) }
    }

    // MARK: Corruption helpers

    @Test func setDurableBytesReplacesTheImageAndListsTheFile() throws {
        let disk = SimulatedDisk(seed: 1)
        disk.setDurableBytes([1, 2], of: "b")
        disk.setDurableBytes([3], of: "a")
        #expect(disk.fileNames() == ["a", "b"])
        let file = try disk.open("b", create: false)
        try file.writeBytes([9, 9, 9], at: 0)
        disk.setDurableBytes([4, 5], of: "b")
        // The unsynced write is forgotten, and the open handle sees the new image.
        #expect(try file.readBytes(count: 8, at: 0) == [4, 5])
        disk.crash(.keepUnsynced)
        #expect(disk.durableBytes(of: "b") == [4, 5])
        #expect(disk.durableBytes(of: "missing") == nil)
    }

    @Test func flipBitChangesTheDurableByteAndReadsUnlessAWriteCoversIt() throws {
        let disk = SimulatedDisk(seed: 1)
        let file = try disk.open("data", create: true)
        try file.writeBytes([0, 0, 0, 0], at: 0)
        try file.sync()
        disk.flipBit(of: "data", at: 1, bit: 3)
        #expect(disk.durableBytes(of: "data") == [0, 8, 0, 0])
        #expect(try file.readBytes(count: 4, at: 0) == [0, 8, 0, 0])
        try file.writeBytes([5], at: 2)
        disk.flipBit(of: "data", at: 2, bit: 0)
        #expect(try file.readBytes(count: 4, at: 0) == [0, 8, 5, 0])
        disk.crash(.dropUnsynced)
        let reopened = try disk.open("data", create: false)
        #expect(try reopened.readBytes(count: 4, at: 0) == [0, 8, 1, 0])
    }
}

// MARK: - Helpers

extension SimulatedFile {
    fileprivate func writeBytes(_ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    fileprivate func readBytes(count: Int, at offset: UInt64) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let read = try buffer.withUnsafeMutableBytes { try self.read(into: $0, at: offset) }
        return Array(buffer[..<read])
    }
}

/// Bytes that differ from one offset to the next, and between salts.
private func pattern(count: Int, salt: UInt8) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(salt) &* 101 &+ 7) }
}

/// Splits `range` at the multiples of `unit`.
private func aligned(pieces range: Range<Int>, unit: Int) -> [Range<Int>] {
    var pieces: [Range<Int>] = []
    var start = range.lowerBound
    while start < range.upperBound {
        let end = min(range.upperBound, (start / unit + 1) * unit)
        pieces.append(start..<end)
        start = end
    }
    return pieces
}

/// Runs a fixed workload of synced and unsynced writes with random crashes; returns the durable
/// images after each crash.
private func crashWorkload(seed: UInt64) throws -> [[UInt8]] {
    let disk = SimulatedDisk(seed: seed)
    var images: [[UInt8]] = []
    for round in 0..<8 {
        for name in ["a", "b"] {
            let file = try disk.open(name, create: true)
            let size = try file.size()
            try file.writeBytes(pattern(count: 700, salt: UInt8(round)), at: size)
            if round % 3 == 0 { try file.sync() }
            try file.writeBytes(pattern(count: 1500, salt: UInt8(round + 100)), at: size / 2)
        }
        disk.crash(.random(tearUnit: 512, garble: true))
        for name in disk.fileNames() { images.append(disk.durableBytes(of: name) ?? []) }
    }
    return images
}
