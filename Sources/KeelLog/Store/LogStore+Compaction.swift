/// Dead streams and compaction: how a steady workload runs in bounded file size.
extension LogStore {
    /// Adds streams to the dead set, counts their records per segment, and checkpoints.
    func markDeadNow(_ streams: [StreamKey]) throws(LogError) {
        let fresh = state.withLock { shared -> Result<Int, LogError> in
            var fresh = 0
            for stream in streams {
                let identity = stream.identity
                if shared.dead[identity] != nil { continue }
                if shared.dead.count >= options.deadStreamsMax {
                    return .failure(
                        .limit("more than deadStreamsMax \(options.deadStreamsMax) dead streams await compaction"))
                }
                let checkpointBytes =
                    Layout.checkpointHeaderBytes + shared.sealed.count * Layout.segmentDescriptorBytes
                    + (shared.dead.count + 1) * Layout.deadEntryBytes
                if checkpointBytes > checkpointBytesMax {
                    return .failure(
                        .limit(
                            "\(shared.dead.count) dead streams await compaction: the checkpoint would exceed a quarter segment (\(checkpointBytesMax) bytes)"
                        ))
                }
                var holders: UInt32 = 0
                for segment in shared.sealed {
                    let count = segment.index.entries(for: identity.low).reduce(UInt64(0)) {
                        $0 + UInt64($1.recordCount)
                    }
                    if count > 0 {
                        segment.descriptor.deadRecordCount = min(
                            segment.descriptor.recordCount, segment.descriptor.deadRecordCount + count)
                        holders += 1
                    }
                }
                let headCount = shared.head.recordCount(of: identity.low)
                if headCount > 0 {
                    shared.head.deadRecordCount += headCount
                    holders += 1
                }
                // A stream with no records on disk has nothing to reclaim and does not enter the set.
                if holders > 0 {
                    shared.dead[identity] = holders
                    fresh += 1
                }
            }
            return .success(fresh)
        }
        // No checkpoint here: the marks become durable with the next one (a new head, a compaction, a
        // close). Writing the whole dead set and a superblock for every call made marking cost two syncs
        // and a checkpoint that grows with the set; a mark a crash loses is made again by its owner (the
        // engine expires runs past retention again when it opens).
        if try fresh.get() > 0 { writer.deadSinceCheckpoint = true }
    }

    /// Picks runs of adjacent sealed segments to compact. A member is past the dead ratio, or sparse
    /// (its live bytes under an eighth of a segment, as the output of an earlier compaction that kept a
    /// few long-lived records is); the run's live bytes fit well inside one segment; and the run frees
    /// a slot: it has two members or more, or its one member is past the dead ratio. Without sparse
    /// members, every compaction would leave a new segment holding a few live records that no later
    /// compaction would touch, and a steady workload would grow the file by a slot per compaction.
    func compactionRuns() -> [[SealedSegment]] {
        let (sealed, threshold) = state.withLock { ($0.sealed, options.compactionDeadRatio) }
        var runs: [[SealedSegment]] = []
        var current: [SealedSegment] = []
        var currentLive: UInt64 = 0
        var currentHasDead = false
        let budget = segmentBytes / 10 * 6
        let sparse = segmentBytes / 8
        func finish() {
            if current.count >= 2 || currentHasDead { runs.append(current) }
            current = []
            currentLive = 0
            currentHasDead = false
        }
        for segment in sealed {
            let descriptor = segment.descriptor
            let deadFraction = Double(descriptor.deadRecordCount) / Double(max(descriptor.recordCount, 1))
            let live =
                descriptor.blocksEnd - descriptor.blocksEnd * min(descriptor.deadRecordCount, descriptor.recordCount)
                / max(descriptor.recordCount, 1)
            let isDead = deadFraction >= threshold
            let isMember = (isDead || live <= sparse) && live <= budget
            if isMember, currentLive + live <= budget {
                current.append(segment)
                currentLive += live
                currentHasDead = currentHasDead || isDead
                continue
            }
            if !current.isEmpty { finish() }
            if isMember {
                current = [segment]
                currentLive = live
                currentHasDead = isDead
            }
        }
        if !current.isEmpty { finish() }
        return runs
    }

    /// Compacts every eligible run; returns what was done. Not reentrant: the checkpoint a compaction
    /// writes can roll the head, and the roll's own compaction is left to this pass (a nested pass would
    /// compact segments this one has planned and free their slots under it).
    func compactNow() throws(LogError) -> CompactionReport {
        var report = CompactionReport()
        guard !writer.isCompacting else { return report }
        writer.isCompacting = true
        defer { writer.isCompacting = false }
        for run in compactionRuns() {
            try compact(run, report: &report)
        }
        return report
    }

    /// Copies the live records of `run` (adjacent sealed segments) into one new segment that takes
    /// their place in LSN order, then frees their slots. Records keep their LSNs.
    private func compact(_ run: [SealedSegment], report: inout CompactionReport) throws(LogError) {
        let dead = state.withLock { $0.dead }
        let first = run[0].descriptor
        let last = run[run.count - 1].descriptor
        var output = HeadState(
            slot: 0, segmentID: 0, salt: Syscalls.randomUInt64(), firstLSN: first.firstLSN,
            blocksEnd: UInt64(Layout.segmentHeaderBytes))
        var bytes: [UInt8] = []
        var builder = BlockBuilder()
        var counter = StreamCounter()
        var copied: UInt64 = 0
        var dropped: UInt64 = 0
        var droppedBySegment: [StreamIdentity: UInt32] = [:]
        let compress = options.compression
        let salt = output.salt

        func finishBlock() {
            guard !builder.isEmpty else { return }
            let offset = UInt64(Layout.segmentHeaderBytes + bytes.count)
            let header = builder.finish(
                kind: .records, flags: [], writeSequence: 0, salt: salt, compress: compress, into: &bytes)
            output.add(block: header, at: offset, counts: counter.counts)
            builder.reset()
            counter.reset()
        }

        for segment in run {
            var seenDead = Set<StreamIdentity>()
            try SegmentScanner.forEachBlock(file: file, descriptor: segment.descriptor, segmentBytes: segmentBytes) {
                offset, header, payload throws(LogError) in
                guard header.kind == .records else { return }
                try payload.withBytes { raw throws(LogError) in
                    try Block.forEachRecord(raw, header: header, offset: offset) { lsn, key, value in
                        let identity = StreamIdentity(Codec.hash128(key))
                        if dead[identity] != nil {
                            dropped += 1
                            seenDead.insert(identity)
                            return
                        }
                        builder.add(lsn: lsn, key: key, payload: value)
                        counter.count(key, stream: identity.low)
                        copied += 1
                        if builder.rawBytes >= options.blockRawBytesMax { finishBlock() }
                    }
                }
            }
            for identity in seenDead { droppedBySegment[identity, default: 0] += 1 }
        }
        finishBlock()

        var replacement: SealedSegment? = nil
        var replacementDescriptor: SegmentDescriptor? = nil
        if copied > 0 {
            let blocksEnd = UInt64(Layout.segmentHeaderBytes + bytes.count)
            let indexOffset = Layout.alignUp(blocksEnd, UInt64(Layout.pageBytes))
            let entries = output.sortedEntries()
            let index = IndexRegion.encode(
                segmentID: 0, salt: salt, blocksEnd: blocksEnd, entries: entries, lsnEntries: output.lsnEntries)
            guard indexOffset + UInt64(index.count) <= segmentBytes else {
                // Live data grew past the estimate; leave these segments as they are.
                return
            }
            let slot = try allocateSlot()
            let segmentID = writer.takeSegmentID()
            let header = SegmentHeader(
                slot: slot, segmentID: segmentID, salt: salt, firstLSN: first.firstLSN, fileID: fileID,
                flags: SegmentHeader.compactedFlag)
            let indexBytes = IndexRegion.encode(
                segmentID: segmentID, salt: salt, blocksEnd: blocksEnd, entries: entries, lsnEntries: output.lsnEntries)
            var image = header.encoded()
            image.append(contentsOf: bytes)
            try image.withBytes { buffer throws(LogError) in try file.write(buffer, at: slotOffset(slot)) }
            try indexBytes.withBytes { buffer throws(LogError) in
                try file.write(buffer, at: slotOffset(slot) + indexOffset)
            }
            writer.isSynced = false
            try syncFile()
            let descriptor = SegmentDescriptor(
                slot: slot, flags: SegmentHeader.compactedFlag, segmentID: segmentID, salt: salt,
                firstLSN: first.firstLSN,
                lastLSN: last.lastLSN, blocksEnd: blocksEnd, indexOffset: indexOffset,
                indexBytes: UInt64(indexBytes.count),
                recordCount: copied, deadRecordCount: 0)
            let region = try file.map(offset: slotOffset(slot) + indexOffset, length: indexBytes.count)
            replacement = SealedSegment(
                descriptor: descriptor,
                index: try IndexRegion(
                    region: region, salt: salt, segmentID: segmentID, offset: slotOffset(slot) + indexOffset))
            replacementDescriptor = descriptor
        }
        _ = replacementDescriptor
        let victims = Set(run.map(\.descriptor.segmentID))
        state.withLock { shared in
            let position = shared.sealed.firstIndex { victims.contains($0.descriptor.segmentID) }!
            shared.sealed.removeAll { victims.contains($0.descriptor.segmentID) }
            if let replacement { shared.sealed.insert(replacement, at: position) }
            for (identity, segments) in droppedBySegment {
                guard let holders = shared.dead[identity] else { continue }
                if holders <= segments {
                    shared.dead[identity] = nil
                } else {
                    shared.dead[identity] = holders - segments
                }
            }
            shared.counters.segmentsCompacted += UInt64(run.count)
        }
        try writeCheckpoint()
        retire(run.map(\.descriptor.slot))
        report.segmentsCompacted += run.count
        report.segmentsWritten += replacement == nil ? 0 : 1
        report.recordsCopied += copied
        report.recordsDropped += dropped
        report.slotsFreed += run.count
    }
}
