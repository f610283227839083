import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure while preparing a benchmark, naming what was expected and what was found.
struct BenchmarkSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the system temporary directory (`TMPDIR`), removed by `remove()`.
///
/// Benchmarks write real files here so that `fdatasync` reaches the disk; point `TMPDIR` at the disk
/// to measure (a tmpfs makes every sync free).
final class ScratchDirectory: Sendable {
    let path: String

    init(label: String) throws {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/keel-bench-\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            mkdtemp(buffer.baseAddress!).map { String(cString: $0) }
        }
        guard let made else {
            throw BenchmarkSetupError("mkdtemp under \(base) failed: \(String(cString: strerror(errno)))")
        }
        path = made
    }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String { "\(path)/\(name)" }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Reads and writes bytes of a closed data file directly, to damage it as a crash would.
enum RawFile {
    static func read(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BenchmarkSetupError("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        let done = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, count, off_t(offset)) }
        guard done == count else {
            throw BenchmarkSetupError("pread \(path) at \(offset): expected \(count) bytes, read \(done)")
        }
        return bytes
    }

    static func write(_ bytes: [UInt8], to path: String, at offset: UInt64) throws {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BenchmarkSetupError("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let done = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress!, bytes.count, off_t(offset)) }
        guard done == bytes.count else {
            throw BenchmarkSetupError("pwrite \(path) at \(offset): expected \(bytes.count) bytes, wrote \(done)")
        }
    }

    /// Cuts or extends the file to `size` bytes (a no-op when it already has that size).
    static func setSize(_ path: String, to size: UInt64) throws {
        guard truncate(path, off_t(size)) == 0 else {
            throw BenchmarkSetupError("truncate \(path) to \(size) bytes: \(String(cString: strerror(errno)))")
        }
    }
}
