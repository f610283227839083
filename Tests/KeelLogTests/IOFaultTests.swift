import Foundation
import Synchronization
import Testing

@testable import KeelLog

#if canImport(Glibc)
    import Glibc
#endif

/// I/O error injection: the n-th write or sync of a workload fails. The failing operation and every
/// later one fail with `.failed` (a failed fsync is never retried and trusted); after a power loss and
/// a reopen nothing acknowledged is lost, nothing unacknowledged is half visible, LSNs are contiguous
/// from 1, and the store accepts appends again. Failures while opening give a clean `.io` error.
@Suite struct IOFaultTests {
    /// One step of the workload.
    enum Operation: CustomStringConvertible {
        case append(String, count: Int, payloadBytes: Int)
        case seal
        case checkpoint
        case markDead([String])
        case compact

        var description: String {
            switch self {
            case .append(let stream, let count, let bytes): "append \(count)×\(bytes) B to \(stream)"
            case .seal: "seal"
            case .checkpoint: "checkpoint"
            case .markDead(let streams): "markDead \(streams)"
            case .compact: "compact"
            }
        }
    }

    /// Appends (one spanning several blocks), seals, checkpoints, markDead, and compactions both
    /// automatic (after a seal) and explicit.
    static let workload: [Operation] = [
        .append("order-1", count: 3, payloadBytes: 500),
        .append("order-2", count: 1, payloadBytes: 200),
        .append("doomed-1", count: 8, payloadBytes: 900),
        .append("doomed-1", count: 8, payloadBytes: 900),
        .append("order-3", count: 12, payloadBytes: 700),
        .seal,
        .append("order-1", count: 2, payloadBytes: 300),
        .checkpoint,
        .markDead(["doomed-1"]),
        .append("order-2", count: 4, payloadBytes: 600),
        .seal,
        .append("doomed-2", count: 10, payloadBytes: 800),
        .append("order-3", count: 1, payloadBytes: 100),
        .seal,
        .markDead(["doomed-2"]),
        .compact,
        .append("order-4", count: 6, payloadBytes: 1500),
        .checkpoint,
        .append("order-1", count: 2, payloadBytes: 400),
    ]

    static let options: LogOptions = {
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        options.blockRawBytesMax = 2048
        options.compactionDeadRatio = 0.5
        return options
    }()

    /// A new, empty data file with free slots for the whole workload, made once.
    ///
    /// Growing a simulated file by a 1 MiB slot takes about half a second in a debug build (the disk
    /// appends its zeros element by element), so runs start from this image instead of creating the
    /// file and growing it; creation faults are tested on their own.
    static let template = Mutex<[UInt8]?>(nil)
    static let templateFreeSlots = 5

    /// A disk holding a copy of `template` as "keel.db".
    static func preparedDisk(seed: UInt64) throws -> SimulatedDisk {
        let image = try template.withLock { cached throws -> [UInt8] in
            if let cached { return cached }
            let disk = SimulatedDisk(seed: seed)
            try LogStore.open(file: try disk.open("keel.db", create: true), options: options).close()
            var image = try #require(disk.durableBytes(of: "keel.db"))
            image += [UInt8](repeating: 0, count: templateFreeSlots * options.segmentBytes)
            cached = image
            return image
        }
        let disk = SimulatedDisk(seed: seed)
        disk.setDurableBytes(image, of: "keel.db")
        return disk
    }

    enum FaultKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case write, sync
        var testDescription: String { "failing \(rawValue)" }

        func inject(on disk: SimulatedDisk, number: Int) {
            switch self {
            case .write: disk.failWrite(number: number)
            case .sync: disk.failSync(number: number)
            }
        }

        func count(on disk: SimulatedDisk) -> Int {
            switch self {
            case .write: disk.writeCount
            case .sync: disk.syncCount
            }
        }
    }

    /// What one run of the workload did.
    struct Run {
        /// Index of the first operation that failed, if any.
        var failedOperation: Int?
        /// Writes or syncs (of the injected kind) the workload issued.
        var calls: Int
        /// Segments compacted, after seals and by explicit compactions.
        var compactedSegments: Int
        var sealed: Int
    }

    // MARK: The n-th write or sync of the workload fails

    /// How the power loss after the failure treats writes that were never synced.
    enum PowerLoss: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// Every unsynced write is lost.
        case dropUnsynced
        /// Every unsynced write reaches the disk (writes whose sync failed are lost either way).
        case keepUnsynced
        var testDescription: String { rawValue }
        var mode: SimulatedDisk.CrashMode { self == .dropUnsynced ? .dropUnsynced : .keepUnsynced }
    }

    @Test(arguments: FaultKind.allCases, PowerLoss.allCases)
    func failingTheNthCallLosesNothingAcknowledged(kind: FaultKind, powerLoss: PowerLoss) throws {
        let baseline = try Self.runWorkload(failing: kind, number: nil, powerLoss: powerLoss)
        #expect(baseline.failedOperation == nil)
        // The workload must reach every kind of write, or the range below proves less than it claims.
        #expect(
            baseline.compactedSegments >= 2, "the workload compacted \(baseline.compactedSegments) segments")
        #expect(baseline.sealed >= 3)
        #expect(baseline.calls >= 30, "the workload made only \(baseline.calls) \(kind.rawValue) calls")
        print(
            "I/O faults: failing each of the \(baseline.calls) \(kind.rawValue) calls of the workload in turn (\(powerLoss))"
        )
        for number in 1...baseline.calls {
            let run = try Self.runWorkload(failing: kind, number: number, powerLoss: powerLoss)
            #expect(run.failedOperation != nil, "\(kind.rawValue) #\(number): no operation failed")
        }
    }

    /// Runs the workload on a new store with the `number`-th call of `kind` failing (none when nil),
    /// checking the failure, then crashes, reopens and checks what survived.
    static func runWorkload(failing kind: FaultKind, number: Int?, powerLoss: PowerLoss) throws -> Run {
        let context = (number.map { "\(kind.rawValue) #\($0)" } ?? "no fault") + ", \(powerLoss)"
        let disk = try preparedDisk(seed: 0xF417 &+ UInt64(number ?? 0))
        let store = try LogStore.open(file: try disk.open("keel.db", create: false), options: options)
        let callsBefore = kind.count(on: disk)
        if let number { kind.inject(on: disk, number: number) }
        var log = AcknowledgedLog()
        var run = Run(failedOperation: nil, calls: 0, compactedSegments: 0, sealed: 0)

        for (index, operation) in workload.enumerated() {
            let step = "\(context), operation \(index) (\(operation))"
            let hasFailed = run.failedOperation != nil
            var pendingCommit: AcknowledgedLog.Commit? = nil
            do throws(LogError) {
                switch operation {
                case .append(let stream, let count, let bytes):
                    let commit = log.makeCommit(stream, count: count, payloadBytes: bytes)
                    pendingCommit = commit
                    let range = try store.appendBlocking(commit.records)
                    log.acknowledge(commit, range: range)
                case .seal:
                    try store.sealBlocking()
                    run.sealed += 1
                case .checkpoint:
                    try store.checkpointBlocking()
                case .markDead(let streams):
                    do throws(LogError) {
                        try store.markDeadBlocking(streams.map(StreamKey.init))
                        log.dead.formUnion(streams.map(StreamKey.init))
                    } catch {
                        if !hasFailed { log.maybeDead.formUnion(streams.map(StreamKey.init)) }
                        throw error
                    }
                case .compact:
                    try store.compactBlocking()
                }
                if hasFailed { Issue.record("\(step): succeeded after the store failed") }
            } catch {
                #expect(error.code == .failed, "\(step): \(error)")
                if !hasFailed {
                    run.failedOperation = index
                    // The failing commit may or may not be on disk; a refused later one must not be.
                    if let pendingCommit { log.submitUnknown(pendingCommit) }
                }
            }
        }
        if run.failedOperation != nil {
            #expect(store.stats().failure?.code == .failed, "\(context): the store does not report its failure")
        }
        run.compactedSegments = Int(store.stats().counters.segmentsCompacted)
        // Closing may write (a final sync or checkpoint), so its calls are part of the range.
        do {
            try store.close()
        } catch {
            #expect(run.failedOperation == nil, "\(context): close failed after the store had failed: \(error)")
            run.failedOperation = workload.count
        }
        run.calls = kind.count(on: disk) - callsBefore

        disk.crash(powerLoss.mode)
        let reopened = try LogStore.open(file: try disk.open("keel.db", create: false), options: options)
        try log.verify(reopened, context: "\(context), after a crash and a reopen")
        let commit = log.makeCommit("after-recovery", count: 3, payloadBytes: 250)
        let range = try reopened.appendBlocking(commit.records)
        log.acknowledge(commit, range: range)
        try reopened.close()
        disk.crash(powerLoss.mode)
        let again = try LogStore.open(file: try disk.open("keel.db", create: false), options: options)
        try log.verify(again, context: "\(context), after an append, a crash and a second reopen")
        try again.close()
        return run
    }

    @Test func aFailedSyncIsNeverRetried() throws {
        let disk = try Self.preparedDisk(seed: 11)
        let store = try LogStore.open(file: try disk.open("keel.db", create: false), options: Self.options)
        try store.appendBlocking([record("a", "durable")])
        disk.failSync(number: 1)
        do {
            try store.appendBlocking([record("a", "not durable")])
            Issue.record("an append whose sync failed was acknowledged")
        } catch {
            #expect(error.code == .failed)
            // The message names the cause: the sync that failed and its errno.
            #expect(error.message.contains("sync failure") && error.message.contains("errno \(EIO)"), "\(error)")
        }
        let syncs = disk.syncCount
        let writes = disk.writeCount
        for attempt in 0..<3 {
            #expect(throws: LogError.self) { try store.appendBlocking([record("a", "later \(attempt)")]) }
        }
        #expect(throws: LogError.self) { try store.checkpointBlocking() }
        #expect(throws: LogError.self) { try store.sealBlocking() }
        try store.close()
        #expect(disk.syncCount == syncs, "the store synced again after a failed sync")
        #expect(disk.writeCount == writes, "the store wrote again after a failed sync")
    }

    @Test func everyCommitOfAFailingGroupFailsAndNoneSurvivesAPowerLoss() throws {
        let disk = try Self.preparedDisk(seed: 12)
        let store = try LogStore.open(file: try disk.open("keel.db", create: false), options: Self.options)
        var log = AcknowledgedLog()
        for index in 0..<3 {
            let commit = log.makeCommit("early-\(index)", count: 2, payloadBytes: 100)
            log.acknowledge(commit, range: try store.appendBlocking(commit.records))
        }
        disk.failSync(number: 1)
        let results = Mutex<[Int: Result<ClosedRange<LSN>, LogError>]>([:])
        let group = DispatchGroup()
        for index in 0..<8 {
            let commit = log.makeCommit("group-\(index % 3)", count: 1 + index % 4, payloadBytes: 300)
            log.submitUnknown(commit)
            group.enter()
            store.append(commit.records) { result in
                results.withLock { $0[index] = result }
                group.leave()
            }
        }
        group.wait()
        for (index, result) in results.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            switch result {
            case .success(let range):
                Issue.record("commit \(index) was acknowledged with \(range) after its sync failed")
            case .failure(let error): #expect(error.code == .failed, "commit \(index): \(error)")
            }
        }
        try store.close()
        disk.crash(.dropUnsynced)
        let reopened = try LogStore.open(file: try disk.open("keel.db", create: false), options: Self.options)
        try log.verify(reopened, context: "after a failed group commit and a crash")
        #expect(reopened.lastLSN == LSN(6), "a commit whose sync failed survived a power loss")
        try reopened.close()
    }

    /// A process restart after a failed sync, without a power loss: the operating system's page cache
    /// still holds the pages whose sync failed, so the reopened store reads a commit that is not on
    /// disk, builds on it, and a later power loss removes it from under acknowledged commits.
    /// Recovery writes what it accepted again and syncs it, so nothing is built on pages whose sync failed.
    @Test func reopenWithoutPowerLossAfterAFailedSyncKeepsLaterCommitsDurable() throws {
        let disk = try Self.preparedDisk(seed: 13)
        var log = AcknowledgedLog()
        do {
            let store = try LogStore.open(file: try disk.open("keel.db", create: false), options: Self.options)
            let first = log.makeCommit("a", count: 2, payloadBytes: 200)
            log.acknowledge(first, range: try store.appendBlocking(first.records))
            disk.failSync(number: 1)
            let failing = log.makeCommit("a", count: 2, payloadBytes: 200)
            log.submitUnknown(failing)
            #expect(throws: LogError.self) { try store.appendBlocking(failing.records) }
            try store.close()
        }
        do {
            // The process restarts; the machine does not.
            let store = try LogStore.open(file: try disk.open("keel.db", create: false), options: Self.options)
            try log.verify(store, context: "after a restart")
            let later = log.makeCommit("b", count: 1, payloadBytes: 200)
            log.acknowledge(later, range: try store.appendBlocking(later.records))
            try store.close()
        }
        disk.crash(.dropUnsynced)
        do {
            let store = try LogStore.open(file: try disk.open("keel.db", create: false), options: Self.options)
            try log.verify(store, context: "after a restart, an append and a power loss")
            try store.close()
        }
    }

    // MARK: Failures while opening

    @Test(arguments: FaultKind.allCases)
    func failureWhileCreatingTheFileIsACleanIOError(kind: FaultKind) throws {
        let calls: Int
        do {
            let disk = SimulatedDisk(seed: 20)
            let store = try LogStore.open(file: try disk.open("keel.db", create: true), options: Self.options)
            calls = kind.count(on: disk)
            try store.close()
        }
        #expect(calls >= 2, "creating a file made \(calls) \(kind.rawValue) calls")
        for number in 1...calls {
            for crashes in [false, true] {
                let context = "creation, \(kind.rawValue) #\(number)\(crashes ? ", then a power loss" : "")"
                let disk = SimulatedDisk(seed: 21)
                kind.inject(on: disk, number: number)
                do {
                    let store = try LogStore.open(file: try disk.open("keel.db", create: true), options: Self.options)
                    try? store.close()
                    Issue.record("\(context): open succeeded")
                } catch {
                    #expect(error.code == .io && error.errno == EIO, "\(context): \(error)")
                }
                if crashes { disk.crash(.dropUnsynced) }
                // The next open either finishes the file or refuses it cleanly; it never crashes.
                let next: LogStore
                do {
                    next = try LogStore.open(file: try disk.open("keel.db", create: true), options: Self.options)
                } catch {
                    #expect(error.code == .notAKeelFile || error.code == .corrupt, "\(context): next open: \(error)")
                    print("\(context): the next open refused: \(error)")
                    continue
                }
                var log = AcknowledgedLog()
                try log.verify(next, context: context)
                let commit = log.makeCommit("a", count: 1, payloadBytes: 50)
                log.acknowledge(commit, range: try next.appendBlocking(commit.records))
                try next.close()
                print("\(context): the next open succeeded with an empty log")
            }
        }
    }

    /// Recovery writes in two places: zeroing a torn tail and rewriting a rebuilt index.
    enum RecoveryWrite: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case tornTail, indexRebuild
        var testDescription: String { rawValue }
    }

    @Test(arguments: RecoveryWrite.allCases, FaultKind.allCases)
    func failureWhileRecoveringIsACleanIOErrorAndTheNextOpenRecovers(write: RecoveryWrite, kind: FaultKind) throws {
        typealias Matrix = CorruptionMatrixTests
        let fixture = try Matrix.Fixture.shared(.standard)
        var image = fixture.image
        var log = fixture.log
        switch write {
        case .tornTail:
            _ = try Matrix.Damage.flip(.headBlock(.lastCommit(.first)), .middle).apply(to: &image, fixture: fixture)
            _ = log.dropLastAcknowledged()
        case .indexRebuild:
            _ = try Matrix.Damage.flip(.sealedIndex(1), .middle).apply(to: &image, fixture: fixture)
        }
        let disk = SimulatedDisk(seed: 30)
        disk.setDurableBytes(image, of: "keel.db")
        kind.inject(on: disk, number: 1)
        do {
            let store = try LogStore.open(
                file: try disk.open("keel.db", create: false), options: Matrix.Fixture.options)
            try? store.close()
            Issue.record("\(write) with a failing \(kind.rawValue): open succeeded")
        } catch {
            #expect(error.code == .io && error.errno == EIO, "\(write), failing \(kind.rawValue): \(error)")
        }
        disk.crash(.dropUnsynced)
        let store = try LogStore.open(file: try disk.open("keel.db", create: false), options: Matrix.Fixture.options)
        let counters = store.stats().counters
        switch write {
        case .tornTail: #expect(counters.tornTailBytes > 0)
        case .indexRebuild: #expect(counters.indexesRebuilt == 1)
        }
        try log.verify(store, context: "\(write) after a failed \(kind.rawValue) and a reopen")
        try store.close()
    }
}
