import KeelLog
import Synchronization

/// The physical baseline: each commit's raw record bytes (key and payload, each after a 4-byte
/// length) appended to a plain file with one `pwrite`, then `fdatasync` before the commit counts as
/// acknowledged. No checksums, no compression, no index: what the disk allows for the same bytes.
///
/// Concurrent appenders reserve their range of the file atomically, write and sync on their own;
/// the kernel may merge their syncs. With relaxed durability an appender syncs only when the last
/// sync is older than the interval.
final class FileBaseline: Sendable {
    private let file: PosixFile
    private let nextOffset = Atomic<UInt64>(0)
    private let syncInterval: Duration?
    private let lastSync: Mutex<ContinuousClock.Instant>

    /// Creates the file at `path`; `syncInterval` nil syncs every commit.
    ///
    /// - Throws: `BenchError` when the file cannot be created.
    init(path: String, syncInterval: Duration?) throws(BenchError) {
        do {
            file = try PosixFile(path: path, create: true)
        } catch {
            throw BenchError("file", error)
        }
        self.syncInterval = syncInterval
        lastSync = Mutex(.now)
    }

    /// Bytes appended so far.
    var bytesWritten: UInt64 { nextOffset.load(ordering: .relaxed) }

    /// Returns an appender for one thread, with its own encoding buffer.
    func makeAppend() -> AppendDriver.Append {
        var buffer: [UInt8] = []
        return { (records: [LogRecord]) throws(BenchError) in
            buffer.removeAll(keepingCapacity: true)
            for record in records {
                Self.appendLength(record.stream.bytes.count, to: &buffer)
                Self.appendLength(record.payload.count, to: &buffer)
                buffer.append(contentsOf: record.stream.bytes)
                buffer.append(contentsOf: record.payload)
            }
            let offset = self.nextOffset.wrappingAdd(UInt64(buffer.count), ordering: .relaxed).oldValue
            let written = buffer.withUnsafeBytes { bytes in
                Result { () throws(LogError) in try self.file.write(bytes, at: offset) }
            }
            do throws(LogError) {
                try written.get()
                if self.isSyncDue() { try self.file.sync() }
            } catch {
                throw BenchError("file", error)
            }
        }
    }

    /// Releases the file.
    func close() { file.close() }

    private func isSyncDue() -> Bool {
        guard let syncInterval else { return true }
        let now = ContinuousClock.now
        return lastSync.withLock { last in
            guard now - last >= syncInterval else { return false }
            last = now
            return true
        }
    }

    private static func appendLength(_ count: Int, to buffer: inout [UInt8]) {
        let value = UInt32(count)
        for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
