/// The writer thread: group commit, sealing and rolling the head, checkpoints and failure handling.
extension LogStore {
    /// The writer thread's loop. It holds the store only while it handles a batch of jobs.
    static func runWriter(_ reference: WeakStore, queue: WorkQueue<Job>) {
        var appends: [Commit] = []
        while true {
            let timeout = reference.store?.writerTimeout()
            let jobs = queue.takeAll(timeoutNanoseconds: timeout ?? nil, watchNanoseconds: writerWatchNanoseconds)
            guard let store = reference.store else { return }
            if !store.handle(jobs, appends: &appends) { return }
        }
    }

    /// How long the writer watches its empty queue for the next job before it sleeps: about the time
    /// an appender takes to send its next commit after an acknowledgement.
    static let writerWatchNanoseconds: UInt64 = 50_000

    /// How long the writer may sleep: until the next relaxed-durability sync or the checkpoint that makes
    /// pending dead marks durable is due, or forever.
    private func writerTimeout() -> UInt64? {
        var timeout: UInt64? = nil
        if case .relaxed(let milliseconds) = options.durability, !writer.isSynced {
            let interval = UInt64(milliseconds) * 1_000_000
            let elapsed = monotonicNanoseconds() &- writer.lastSyncNanoseconds
            timeout = elapsed >= interval ? 0 : interval - elapsed
        }
        if !writer.pendingMarks.isEmpty {
            let elapsed = monotonicNanoseconds() &- writer.pendingMarksSince
            let remaining = elapsed >= Self.markCheckpointDelay ? 0 : Self.markCheckpointDelay - elapsed
            timeout = min(timeout ?? remaining, remaining)
        }
        return timeout
    }

    /// How long dead marks may wait for a checkpoint, in nanoseconds, and how many may wait at most:
    /// marks that arrive together share one checkpoint instead of writing one each.
    static let markCheckpointDelay: UInt64 = 50_000_000
    static let markCheckpointBatch = 4_096

    /// Answers the `markDead` callers whose marks the checkpoint just written holds.
    func marksCheckpointed() {
        writer.deadSinceCheckpoint = false
        let waiting = writer.pendingMarks
        writer.pendingMarks = []
        for completion in waiting { completion(.success(())) }
    }

    /// Fails the `markDead` callers still waiting for a checkpoint.
    func failPendingMarks(_ error: LogError) {
        let waiting = writer.pendingMarks
        writer.pendingMarks = []
        for completion in waiting { completion(.failure(error)) }
    }

    /// Handles one batch of jobs: appends are grouped, anything else runs in order between groups.
    /// Returns false once the store is closed.
    private func handle(_ jobs: [Job], appends: inout [Commit]) -> Bool {
        var appendBytes = 0
        for (index, job) in jobs.enumerated() {
            switch job {
            case .append(let commit):
                appends.append(commit)
                appendBytes += commit.rawBytes
                if appendBytes >= options.writeBytesMax {
                    writeGroup(appends)
                    appends.removeAll(keepingCapacity: true)
                    appendBytes = 0
                }
                continue
            case .wake:
                continue
            default:
                break
            }
            if !appends.isEmpty {
                writeGroup(appends)
                appends.removeAll(keepingCapacity: true)
                appendBytes = 0
            }
            if case .close(let completion) = job {
                // Jobs queued behind the close in this batch fail like those still in the queue.
                finishClose(completion, behind: jobs[(index + 1)...])
                return false
            }
            perform(job)
        }
        if !appends.isEmpty {
            writeGroup(appends)
            appends.removeAll(keepingCapacity: true)
        }
        if case .relaxed(let milliseconds) = options.durability, !writer.isSynced,
            monotonicNanoseconds() &- writer.lastSyncNanoseconds >= UInt64(milliseconds) * 1_000_000
        {
            do { try syncFile() } catch { enterFailure(error) }
        }
        if !writer.pendingMarks.isEmpty,
            writer.pendingMarks.count >= Self.markCheckpointBatch
                || monotonicNanoseconds() &- writer.pendingMarksSince >= Self.markCheckpointDelay
        {
            if let failure = currentFailure() {
                failPendingMarks(failure)
            } else {
                do { try writeCheckpoint() } catch { enterFailure(error) }
            }
        }
        return true
    }

    private func finishClose(
        _ completion: @escaping @Sendable (Result<Void, LogError>) -> Void, behind: ArraySlice<Job>
    ) {
        var result: Result<Void, LogError> = .success(())
        if currentFailure() == nil {
            // A clean close ends with a checkpoint: the next open then has nothing to write again.
            let appendedSinceCheckpoint =
                state.withLock { $0.head.blocksEnd } > writer.checkpointEnd || writer.deadSinceCheckpoint
            do throws(LogError) {
                if appendedSinceCheckpoint { try writeCheckpoint() } else if !writer.isSynced { try syncFile() }
            } catch {
                result = .failure(error)
            }
        }
        // Mappings hold the open file (and with it the lock) until they are unmapped.
        state.withLock { $0.sealed.removeAll() }
        failPendingMarks(LogError(.closed, "the log store closed before the dead marks were checkpointed"))
        for job in behind + queue.close() { job.fail(LogError(.closed, "the log store is closed")) }
        file.close()
        writer.parallel.stop()
        // After every acknowledgement queued before it; then the notifier stops.
        notify(.closed(result, completion))
    }

    /// Queues acknowledgements for the notifier thread, which calls them in order.
    func notify(_ notification: Notification) {
        _ = notifications.push(notification, limit: .max)
    }

    static func runNotifier(_ notifications: WorkQueue<Notification>) {
        while true {
            for notification in notifications.takeAll(timeoutNanoseconds: nil) {
                switch notification {
                case .acknowledged(let commits, let ranges):
                    for (commit, range) in zip(commits, ranges) { commit.completion(.success(range)) }
                case .closed(let result, let completion):
                    completion(result)
                    return
                case .stop:
                    return
                }
            }
        }
    }

    private func perform(_ job: Job) {
        if let failure = currentFailure() {
            job.fail(failure)
            return
        }
        do throws(LogError) {
            switch job {
            case .append: preconditionFailure("appends are grouped")
            case .close, .wake: preconditionFailure("close and wake are handled by the loop")
            case .markDead(let streams, let completion):
                try markDeadNow(streams)
                if writer.deadSinceCheckpoint {
                    // Answered by the next checkpoint, which many marks share.
                    if writer.pendingMarks.isEmpty { writer.pendingMarksSince = monotonicNanoseconds() }
                    writer.pendingMarks.append(completion)
                } else {
                    completion(.success(()))
                }
            case .checkpoint(let completion):
                try writeCheckpoint()
                completion(.success(()))
            case .seal(let completion):
                try sealAndRoll()
                completion(.success(()))
            case .compact(let completion):
                completion(.success(try compactNow()))
            }
        } catch {
            // Limit and argument errors leave the store as it was; anything else is an I/O failure.
            if error.code == .limitExceeded || error.code == .invalidArgument {
                job.fail(error)
            } else {
                enterFailure(error)
                job.fail(currentFailure() ?? error)
            }
        }
    }

    func currentFailure() -> LogError? { state.withLock { $0.failure } }

    /// The largest checkpoint payload: a quarter segment, so that it always fits a new head.
    var checkpointBytesMax: Int { Int(segmentBytes) / 4 }

    /// Puts the store into the failed state: no further writes until it is reopened and recovered.
    func enterFailure(_ error: LogError) {
        let failure = state.withLock { shared in
            if shared.failure == nil {
                shared.failure = LogError(
                    .failed,
                    "the store stopped writing after an error and must be reopened to recover: \(error.description)")
            }
            return shared.failure ?? error
        }
        failPendingMarks(failure)
    }

    func syncFile() throws(LogError) {
        try file.sync()
        writer.isSynced = true
        writer.lastSyncNanoseconds = monotonicNanoseconds()
        state.withLock { $0.counters.syncs += 1 }
    }

    /// Writes `bytes` at an absolute offset and, in fsync mode, syncs them.
    func writeDurably(_ bytes: [UInt8], at offset: UInt64) throws(LogError) {
        try bytes.withBytes { buffer throws(LogError) in try file.write(buffer, at: offset) }
        writer.isSynced = false
        try syncFile()
    }

    // MARK: - Group commit

    /// Writes a group of commits as one write and one sync, then acknowledges them.
    func writeGroup(_ commits: [Commit]) {
        if let failure = currentFailure() {
            for commit in commits { commit.completion(.failure(failure)) }
            return
        }
        var rawBound = 0
        var recordTotal = 0
        let deadSet = state.withLock { $0.dead.isEmpty ? nil : $0.dead }
        var accepted: [Commit]
        if let deadSet {
            accepted = []
            accepted.reserveCapacity(commits.count)
            for commit in commits {
                if let dead = Self.firstDeadRecord(commit.records, deadSet) {
                    commit.completion(
                        .failure(
                            LogError(
                                .invalidArgument, "stream \(dead.stream) was marked dead; it takes no more records")))
                    continue
                }
                accepted.append(commit)
            }
        } else {
            // No dead stream: every commit is accepted, and the group's array serves as is.
            accepted = commits
        }
        for commit in accepted {
            rawBound += commit.rawBytes
            recordTotal += commit.records.count
        }
        if accepted.isEmpty { return }
        do throws(LogError) {
            let ranges = try writeRecords(accepted, rawBound: rawBound, recordTotal: recordTotal)
            if accepted.count == 1 {
                // One waiter: waking it from here costs what handing it to the notifier would,
                // without the second hop.
                accepted[0].completion(.success(ranges[0]))
            } else if options.acknowledgesOnWriter {
                for (commit, range) in zip(accepted, ranges) { commit.completion(.success(range)) }
            } else {
                notify(.acknowledged(accepted, ranges))
            }
        } catch {
            enterFailure(error)
            let failure = currentFailure() ?? error
            for commit in accepted { commit.completion(.failure(failure)) }
        }
    }

    /// The first record of `records` whose stream is dead. Consecutive records of one stream are
    /// hashed once.
    private static func firstDeadRecord(_ records: [LogRecord], _ dead: [StreamIdentity: UInt32]) -> LogRecord? {
        var previous: [UInt8]? = nil
        for record in records where record.stream.bytes != previous {
            if dead[record.stream.identity] != nil { return record }
            previous = record.stream.bytes
        }
        return nil
    }

    /// Upper bound of the bytes a write of `rawBound` record bytes takes, blocks and padding included.
    private func writeBound(rawBound: Int) -> Int {
        let blocks = rawBound / options.blockRawBytesMax + 2
        return rawBound + blocks * (Layout.blockHeaderBytes + Layout.blockAlignment)
    }

    /// Whether the head can take `bytes` more block bytes holding up to `records` records and
    /// `blocks` blocks, leaving room for its index.
    func headFits(bytes: Int, records: Int, blocks: Int) -> Bool {
        state.withLock { shared in
            let end = shared.head.blocksEnd + UInt64(bytes)
            let indexBytes = IndexRegion.byteCount(
                entries: shared.head.entryCount + records, lsnEntries: shared.head.lsnEntries.count + blocks)
            return Layout.alignUp(end, UInt64(Layout.pageBytes)) + UInt64(indexBytes) <= segmentBytes
        }
    }

    private func writeRecords(_ commits: [Commit], rawBound: Int, recordTotal: Int) throws(LogError) -> [ClosedRange<
        LSN
    >] {
        let bound = writeBound(rawBound: rawBound)
        let blockBound = rawBound / options.blockRawBytesMax + 2
        if !headFits(bytes: bound, records: recordTotal, blocks: blockBound) {
            try sealAndRoll()
        }
        // Only the head's position is taken: a copy of its index arrays, alive when the index is
        // extended below, would make that extension copy them whole.
        let (head, firstLSN) = state.withLock {
            ((slot: $0.head.slot, salt: $0.head.salt, blocksEnd: $0.head.blocksEnd), $0.nextLSN)
        }
        let writeSequence = writer.takeWriteSequence()
        let salt = head.salt
        let compress = options.compression

        // Plan the blocks first (cheap: sizes only), so that large writes can be encoded and
        // compressed on all cores at once.
        // The plan and block buffers are moved out of the writer context and back, like `output`.
        var plans: [BlockPlan] = []
        swap(&plans, &writer.plans)
        plans.removeAll(keepingCapacity: true)
        var ranges: [ClosedRange<LSN>] = []
        ranges.reserveCapacity(commits.count)
        var lsn = firstLSN
        // Blocks of a large write get even sizes, so that the cores encoding them finish together.
        let blockCount = max(1, (rawBound + options.blockRawBytesMax - 1) / options.blockRawBytesMax)
        let blockTarget = (rawBound + blockCount - 1) / blockCount
        var blockStart = RecordPosition(commit: 0, record: 0)
        var blockFirstLSN = firstLSN
        var blockRecords = 0
        var blockRaw = 0
        let lastCommit = commits.count - 1
        for commitIndex in commits.indices {
            let records = commits[commitIndex].records
            let start = lsn
            for recordIndex in records.indices {
                let record = records[recordIndex]
                blockRaw += Layout.recordHeaderBytes + record.stream.bytes.count + record.payload.count
                blockRecords += 1
                lsn += 1
                let isLast = commitIndex == lastCommit && recordIndex == records.count - 1
                if isLast || blockRaw >= blockTarget {
                    plans.append(BlockPlan(start: blockStart, count: blockRecords, firstLSN: blockFirstLSN))
                    blockStart =
                        recordIndex + 1 < records.count
                        ? RecordPosition(commit: commitIndex, record: recordIndex + 1)
                        : RecordPosition(commit: commitIndex + 1, record: 0)
                    blockFirstLSN = lsn
                    blockRecords = 0
                    blockRaw = 0
                }
            }
            ranges.append(LSN(start)...LSN(lsn - 1))
        }

        // The reusable buffers are moved out of the writer context (not copied), so that mutating
        // them does not copy their storage; they are moved back after the write.
        var output: [UInt8] = []
        swap(&output, &writer.output)
        output.removeAll(keepingCapacity: true)
        while writer.encoders.count < (plans.count > 1 ? plans.count : 1) { writer.encoders.append(BlockEncoder()) }
        let firstFlags: BlockFlags = writer.isSynced ? [.afterSync] : []
        let lastBlock = plans.count - 1
        /// The first block of a write after a sync says so; the last one ends the write.
        @Sendable func blockFlags(_ index: Int) -> BlockFlags {
            var flags: BlockFlags = index == 0 ? firstFlags : []
            if index == lastBlock { flags.insert(.writeEnd) }
            return flags
        }
        var blocks: [EncodedBlock] = []
        swap(&blocks, &writer.blocks)
        blocks.removeAll(keepingCapacity: true)
        if plans.count > 1 {
            // The encoders, commits and plans are only read during the parallel section, and each
            // iteration writes only its own encoder.
            let work = UncheckedSendable((encoders: writer.encoders, commits: commits, plans: plans))
            writer.parallel.run(count: plans.count) { index in
                work.value.encoders[index].encode(
                    work.value.commits, work.value.plans[index], flags: blockFlags(index),
                    writeSequence: writeSequence, salt: salt, compress: compress)
            }
            for index in plans.indices {
                let encoder = writer.encoders[index]
                blocks.append(
                    EncodedBlock(
                        header: encoder.header, offset: head.blocksEnd + UInt64(output.count), counts: encoder.counts))
                output.append(contentsOf: encoder.output)
            }
        } else {
            let encoder = writer.encoders[0]
            encoder.encode(
                commits, plans[0], flags: blockFlags(0), writeSequence: writeSequence, salt: salt, compress: compress)
            blocks.append(EncodedBlock(header: encoder.header, offset: head.blocksEnd, counts: encoder.counts))
            output.append(contentsOf: encoder.output)
        }
        writer.plans = plans
        precondition(output.count <= bound, "a write exceeded its computed bound")

        let base = slotOffset(head.slot) + head.blocksEnd
        try output.withBytes { buffer throws(LogError) in try file.write(buffer, at: base) }
        writer.isSynced = false
        let written = output.count
        writer.output = output
        if options.durability == .fsync { try syncFile() }

        state.withLock { shared in
            for block in blocks { shared.head.add(block: block.header, at: block.offset, counts: block.counts) }
            shared.head.blocksEnd += UInt64(written)
            shared.nextLSN = lsn
            shared.counters.commits += UInt64(commits.count)
            shared.counters.writes += 1
            shared.counters.recordsAppended += lsn - firstLSN
            shared.counters.rawBytesAppended += UInt64(blocks.reduce(0) { $0 + Int($1.header.rawBytes) })
            shared.counters.storedBytesWritten += UInt64(written)
        }
        // Dropping the blocks' counts leaves each encoder's counts storage unshared for the next write.
        blocks.removeAll(keepingCapacity: true)
        writer.blocks = blocks
        return ranges
    }

    // MARK: - Sealing, checkpoints, superblocks

    /// The checkpoint describing the current sealed segments and dead set.
    func currentCheckpoint() -> Checkpoint {
        state.withLock { shared in
            Checkpoint(
                nextLSN: shared.nextLSN, nextSegmentID: writer.nextSegmentID,
                nextWriteSequence: writer.nextWriteSequence + 1,
                segments: shared.sealed.map(\.descriptor), dead: shared.dead)
        }
    }

    /// Encodes a checkpoint block for `checkpoint` under `salt`.
    ///
    /// - Throws: `.limitExceeded` when the checkpoint would take more than a quarter segment.
    func checkpointBlock(_ checkpoint: Checkpoint, salt: UInt64, writeSequence: UInt64) throws(LogError) -> [UInt8] {
        let payload = checkpoint.encoded()
        guard payload.count <= checkpointBytesMax else {
            throw .limit(
                "a checkpoint of \(checkpoint.segments.count) segments and \(checkpoint.dead.count) dead streams needs \(payload.count) bytes, more than a quarter segment (\(checkpointBytesMax)); use larger segments or compact"
            )
        }
        var builder = BlockBuilder()
        builder.setCheckpoint(payload: payload, nextLSN: checkpoint.nextLSN)
        var bytes: [UInt8] = []
        _ = builder.finish(
            kind: .checkpoint, flags: writer.isSynced ? [.afterSync, .writeEnd] : [.writeEnd],
            writeSequence: writeSequence,
            salt: salt, compress: options.compression, into: &bytes)
        return bytes
    }

    /// Writes the next superblock copy and syncs it.
    func publishSuperblock(headSlot: UInt32, headSegmentID: UInt64, checkpointOffset: UInt64, checkpointLSN: UInt64)
        throws(LogError)
    {
        var next = writer.superblock
        next.sequence += 1
        next.headSlot = headSlot
        next.headSegmentID = headSegmentID
        next.checkpointOffset = checkpointOffset
        next.checkpointLSN = checkpointLSN
        try writeDurably(next.encoded(), at: UInt64(next.copyIndex * Layout.superblockBytes))
        writer.superblock = next
        state.withLock { $0.counters.checkpoints += 1 }
    }

    /// Appends a checkpoint block to the head and points the superblock at it.
    func writeCheckpoint() throws(LogError) {
        var checkpoint = currentCheckpoint()
        let writeSequence = writer.takeWriteSequence()
        checkpoint.nextWriteSequence = writer.nextWriteSequence
        let head = state.withLock { $0.head }
        let block = try checkpointBlock(checkpoint, salt: head.salt, writeSequence: writeSequence)
        if !headFits(bytes: block.count, records: 0, blocks: 0) {
            // Rolling the head writes a checkpoint into the new head.
            try sealAndRoll()
            return
        }
        let offset = slotOffset(head.slot) + head.blocksEnd
        try writeDurably(block, at: offset)
        state.withLock { $0.head.blocksEnd += UInt64(block.count) }
        writer.checkpointEnd = head.blocksEnd + UInt64(block.count)
        marksCheckpointed()
        try publishSuperblock(
            headSlot: head.slot, headSegmentID: head.segmentID, checkpointOffset: offset,
            checkpointLSN: checkpoint.nextLSN)
    }

    /// Takes a free slot, growing the file by one segment when none is free.
    func allocateSlot() throws(LogError) -> UInt32 {
        releaseRetiredSlots()
        if let slot = writer.freeSlots.popLast() { return slot }
        let slot = state.withLock { $0.slotCount }
        try file.extend(to: slotOffset(slot) + segmentBytes)
        state.withLock { $0.slotCount = slot + 1 }
        return slot
    }

    /// Moves retired slots that no reader can still be using to the free list.
    func releaseRetiredSlots() {
        guard !writer.retired.isEmpty else { return }
        let oldest = state.withLock { $0.oldestRead }
        var kept: [(slot: UInt32, epoch: UInt64)] = []
        for entry in writer.retired {
            if let oldest, oldest <= entry.epoch {
                kept.append(entry)
            } else {
                writer.freeSlots.append(entry.slot)
                state.withLock { $0.counters.slotsFreed += 1 }
            }
        }
        writer.retired = kept
    }

    /// Retires slots after a superblock that no longer references them is durable.
    func retire(_ slots: [UInt32]) {
        let epoch = state.withLock { shared in
            shared.readEpoch += 1
            return shared.readEpoch - 1
        }
        for slot in slots { writer.retired.append((slot, epoch)) }
        cache.removeSegments(slots: Set(slots))
        releaseRetiredSlots()
    }

    /// Seals the head (writing its index) and starts a new head in another slot, with a checkpoint.
    /// A head without records is replaced rather than sealed.
    func sealAndRoll() throws(LogError) {
        let (head, nextLSN) = state.withLock { ($0.head, $0.nextLSN) }
        var sealedDescriptor: SegmentDescriptor? = nil
        if head.recordCount > 0 {
            let entries = head.sortedEntries()
            let indexOffset = Layout.alignUp(head.blocksEnd, UInt64(Layout.pageBytes))
            let indexBytes = IndexRegion.encode(
                segmentID: head.segmentID, salt: head.salt, blocksEnd: head.blocksEnd, entries: entries,
                lsnEntries: head.lsnEntries)
            precondition(indexOffset + UInt64(indexBytes.count) <= segmentBytes, "the head's index must fit its slot")
            try indexBytes.withBytes { buffer throws(LogError) in
                try file.write(buffer, at: slotOffset(head.slot) + indexOffset)
            }
            writer.isSynced = false
            let descriptor = SegmentDescriptor(
                slot: head.slot, flags: 0, segmentID: head.segmentID, salt: head.salt, firstLSN: head.firstLSN,
                lastLSN: nextLSN - 1, blocksEnd: head.blocksEnd, indexOffset: indexOffset,
                indexBytes: UInt64(indexBytes.count),
                recordCount: head.recordCount, deadRecordCount: head.deadRecordCount)
            sealedDescriptor = descriptor
        }
        // The checkpoint is built first: if it is over its limit nothing has been allocated yet.
        let segmentID = writer.takeSegmentID()
        let salt = Syscalls.randomUInt64()
        var checkpoint = currentCheckpoint()
        if let sealedDescriptor { checkpoint.segments.append(sealedDescriptor) }
        let writeSequence = writer.takeWriteSequence()
        checkpoint.nextSegmentID = writer.nextSegmentID
        checkpoint.nextWriteSequence = writer.nextWriteSequence
        let checkpointBytes = try checkpointBlock(checkpoint, salt: salt, writeSequence: writeSequence)
        let slot = try allocateSlot()
        let header = SegmentHeader(
            slot: slot, segmentID: segmentID, salt: salt, firstLSN: nextLSN, fileID: fileID, flags: 0)
        var bytes = header.encoded()
        bytes.append(contentsOf: checkpointBytes)
        try writeDurably(bytes, at: slotOffset(slot))
        let checkpointOffset = slotOffset(slot) + UInt64(Layout.segmentHeaderBytes)
        var sealedSegment: SealedSegment? = nil
        if let descriptor = sealedDescriptor {
            // Mapped only now: the sync above made the index durable.
            let at = slotOffset(descriptor.slot) + descriptor.indexOffset
            let region = try file.map(offset: at, length: Int(descriptor.indexBytes))
            let index = try IndexRegion(
                region: region, salt: descriptor.salt, segmentID: descriptor.segmentID, offset: at)
            sealedSegment = SealedSegment(descriptor: descriptor, index: index)
        }
        try publishSuperblock(
            headSlot: slot, headSegmentID: segmentID, checkpointOffset: checkpointOffset, checkpointLSN: nextLSN)
        state.withLock { shared in
            if let sealedSegment {
                shared.sealed.append(sealedSegment)
                shared.counters.segmentsSealed += 1
            }
            shared.head = HeadState(
                slot: slot, segmentID: segmentID, salt: header.salt, firstLSN: nextLSN, blocksEnd: UInt64(bytes.count))
        }
        writer.checkpointEnd = UInt64(bytes.count)
        marksCheckpointed()
        if sealedSegment == nil { retire([head.slot]) }
        if options.autoCompact, sealedSegment != nil { _ = try compactNow() }
    }
}

/// Where a record is in a group: the commit and the record within it.
struct RecordPosition {
    var commit: Int
    var record: Int
}

/// An encoded block of a write: its header, its offset in the head, and its streams' record counts.
struct EncodedBlock {
    var header: BlockHeader
    var offset: UInt64
    var counts: [(UInt64, UInt32)]
}

/// One block of a group commit: its first record, how many records, and their first LSN.
struct BlockPlan {
    var start: RecordPosition
    var count: Int
    var firstLSN: UInt64
}

/// Encodes one planned block: its records, their per-stream counts and the finished block bytes.
/// The writer keeps one per block of its largest write and runs them on all cores at once.
final class BlockEncoder: @unchecked Sendable {
    var builder = BlockBuilder()
    var output: [UInt8] = []
    var header = BlockHeader(
        kind: .records, codec: .none, flags: [], firstLSN: 0, lastLSN: 0, writeSequence: 0, recordCount: 0, rawBytes: 0,
        storedBytes: 0)
    private var counter = StreamCounter()
    /// The block's streams in first-seen order with their record counts.
    var counts: [(UInt64, UInt32)] { counter.counts }

    func encode(
        _ commits: [Commit], _ plan: BlockPlan, flags: BlockFlags, writeSequence: UInt64, salt: UInt64, compress: Bool
    ) {
        builder.reset()
        output.removeAll(keepingCapacity: true)
        counter.reset()
        var commitIndex = plan.start.commit
        var recordIndex = plan.start.record
        var remaining = plan.count
        var lsn = plan.firstLSN
        while remaining > 0 {
            // Records are borrowed through the commit's buffer: no reference counting per record.
            commits[commitIndex].records.withUnsafeBufferPointer { records in
                let end = min(records.count, recordIndex + remaining)
                for index in recordIndex..<end {
                    records[index].stream.bytes.withUnsafeBytes { key in
                        records[index].payload.withUnsafeBytes { payload in
                            builder.add(lsn: lsn, key: key, payload: payload)
                        }
                        counter.count(key)
                    }
                    lsn += 1
                }
                remaining -= end - recordIndex
            }
            commitIndex += 1
            recordIndex = 0
        }
        header = builder.finish(
            kind: .records, flags: flags, writeSequence: writeSequence, salt: salt, compress: compress, into: &output)
    }
}

/// Hands values that are safe to share (by construction, as documented where used) to a
/// concurrent section.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Work for the notifier thread.
enum Notification: @unchecked Sendable {
    /// Commits made durable, with their LSNs.
    case acknowledged([Commit], [ClosedRange<LSN>])
    /// The store closed: the last notification.
    case closed(Result<Void, LogError>, @Sendable (Result<Void, LogError>) -> Void)
    /// The store was dropped without being closed.
    case stop
}

/// The writer thread's reference to its store: weak, so that dropping the store ends the thread.
final class WeakStore: @unchecked Sendable {
    weak var store: LogStore?
    init(_ store: LogStore) { self.store = store }
}
