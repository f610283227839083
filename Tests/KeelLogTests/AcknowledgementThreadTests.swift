import Foundation
import Synchronization
import Testing

@testable import KeelLog

#if canImport(Glibc)
    import Glibc
#endif

/// Which thread acknowledges a group write of several commits: the notifier thread by default, the
/// writer itself with `LogOptions.acknowledgesOnWriter`. A group of one commit is acknowledged by the
/// writer either way, so its thread names the writer.
@Suite struct AcknowledgementThreadTests {
    /// A simulated file whose syncs can be held: the test then knows the writer is inside a group
    /// write, and appends made meanwhile gather into the next group.
    final class HeldFile: StorageFile, @unchecked Sendable {
        let base: SimulatedFile
        private let held = Mutex(false)
        private let entered = DispatchSemaphore(value: 0)
        private let released = DispatchSemaphore(value: 0)

        init(_ base: SimulatedFile) { self.base = base }

        /// Makes the next sync wait in `sync()` until `release()`.
        func holdNextSync() { held.withLock { $0 = true } }
        /// Waits until the writer is inside the held sync.
        func waitForHeldSync() { entered.wait() }
        func release() { released.signal() }

        func sync() throws(LogError) {
            let isHeld = held.withLock { value in
                defer { value = false }
                return value
            }
            if isHeld {
                entered.signal()
                released.wait()
            }
            try base.sync()
        }
        func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(LogError) -> Int {
            try base.read(into: buffer, at: offset)
        }
        func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(LogError) {
            try base.write(bytes, at: offset)
        }
        func size() throws(LogError) -> UInt64 { try base.size() }
        func extend(to size: UInt64) throws(LogError) { try base.extend(to: size) }
        func map(offset: UInt64, length: Int) throws(LogError) -> MappedRegion {
            try base.map(offset: offset, length: length)
        }
        func close() { base.close() }
    }

    /// The threads that acknowledged one lone commit and then a group of three.
    struct Threads {
        var lone: pthread_t
        var group: [pthread_t]
    }

    /// Appends one commit and holds its sync; appends three more meanwhile, which the writer then
    /// takes as one group; returns the acknowledging threads.
    func acknowledgingThreads(acknowledgesOnWriter: Bool) throws -> Threads {
        let disk = SimulatedDisk(seed: 7)
        let file = HeldFile(try disk.open("ack.keel", create: true))
        var options = LogOptions()
        options.segmentBytes = 1 << 20
        options.acknowledgesOnWriter = acknowledgesOnWriter
        let store = try LogStore.open(file: file, options: options)
        defer { try? store.close() }

        let threads = Mutex<[Int: pthread_t]>([:])
        let done = DispatchGroup()
        func append(_ index: Int) {
            done.enter()
            store.append([LogRecord(stream: StreamKey("s\(index)"), payload: [UInt8(index)])]) { result in
                if case .success = result { threads.withLock { $0[index] = pthread_self() } }
                done.leave()
            }
        }
        file.holdNextSync()
        append(0)
        file.waitForHeldSync()
        for index in 1...3 { append(index) }
        file.release()
        done.wait()

        let seen = threads.withLock { $0 }
        #expect(seen.count == 4, "every commit was acknowledged")
        let groups = store.stats().counters.writes
        #expect(groups >= 2, "the three commits appended during the held sync form a later group")
        return Threads(lone: try #require(seen[0]), group: (1...3).compactMap { seen[$0] })
    }

    @Test func aGroupIsAcknowledgedByTheNotifierByDefault() throws {
        let threads = try acknowledgingThreads(acknowledgesOnWriter: false)
        #expect(threads.group.count == 3)
        #expect(Set(threads.group.map { UInt($0) }).count == 1, "one thread acknowledges a group in order")
        for thread in threads.group {
            #expect(pthread_equal(thread, threads.lone) == 0, "the notifier, not the writer, acknowledged the group")
        }
    }

    @Test func aGroupIsAcknowledgedByTheWriterWhenAsked() throws {
        let threads = try acknowledgingThreads(acknowledgesOnWriter: true)
        #expect(threads.group.count == 3)
        for thread in threads.group {
            #expect(pthread_equal(thread, threads.lone) != 0, "the writer acknowledged the group itself")
        }
    }
}
