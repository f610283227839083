#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over the system calls KeelLog uses. Each retries `EINTR` and throws `LogError`.
/// This file is the only place in KeelLog that talks to the operating system directly.
enum Syscalls {
    static func fail(_ what: String, _ path: String) -> LogError {
        let code = errno
        let reason = String(cString: strerror(code))
        return LogError(.io, "\(what) failed for \(path): \(reason)", errno: code)
    }

    static func open(_ path: String, flags: Int32, mode: mode_t) throws(LogError) -> Int32 {
        while true {
            let fd = path.withCString { Glibc.open($0, flags | O_CLOEXEC, mode) }
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw fail("open", path)
        }
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ offset: UInt64, _ path: String)
        throws(LogError) -> Int
    {
        var done = 0
        while done < buffer.count {
            let count = Glibc.pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("pread", path)
            }
            if count == 0 { break }
            done += count
        }
        return done
    }

    static func pwrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ offset: UInt64, _ path: String)
        throws(LogError)
    {
        var done = 0
        while done < bytes.count {
            let count = Glibc.pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("pwrite", path)
            }
            done += count
        }
    }

    static func fdatasync(_ fd: Int32, _ path: String) throws(LogError) {
        // Never retried on failure: after a failed sync the kernel may have dropped the dirty pages,
        // so a second, successful call would prove nothing. EINTR is the one exception (nothing ran).
        while Glibc.fdatasync(fd) != 0 {
            if errno == EINTR { continue }
            throw fail("fdatasync", path)
        }
    }

    static func fsync(_ fd: Int32, _ path: String) throws(LogError) {
        while Glibc.fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw fail("fsync", path)
        }
    }

    static func fileSize(_ fd: Int32, _ path: String) throws(LogError) -> UInt64 {
        var info = stat()
        if fstat(fd, &info) != 0 { throw fail("fstat", path) }
        return UInt64(info.st_size)
    }

    /// Allocates `[offset, offset+length)`, falling back to ftruncate where fallocate is unsupported.
    static func allocate(_ fd: Int32, offset: UInt64, length: UInt64, _ path: String) throws(LogError) {
        while true {
            let result = posix_fallocate(fd, off_t(offset), off_t(length))
            if result == 0 { return }
            if result == EINTR { continue }
            if result == EOPNOTSUPP || result == EINVAL {
                if ftruncate(fd, off_t(offset + length)) != 0 { throw fail("ftruncate", path) }
                return
            }
            errno = result
            throw fail("fallocate", path)
        }
    }

    /// How long a lock held by someone else is waited for before `.locked`. A process that another
    /// thread of this process is spawning holds a copy of every descriptor until it calls `exec`
    /// (close-on-exec takes effect only then), and with it the lock of a file closed a moment ago.
    static let lockGraceMilliseconds = 250

    static func lockExclusive(_ fd: Int32, _ path: String) throws(LogError) {
        var waited = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK {
                if waited < lockGraceMilliseconds {
                    usleep(1_000)
                    waited += 1
                    continue
                }
                throw LogError(.locked, "\(path) is in use by another process (or another open store); close it first")
            }
            throw fail("flock", path)
        }
    }

    /// Takes a shared lock: readers that must not change the file can share it, but not with a store.
    static func lockShared(_ fd: Int32, _ path: String) throws(LogError) {
        var waited = 0
        while flock(fd, LOCK_SH | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK {
                if waited < lockGraceMilliseconds {
                    usleep(1_000)
                    waited += 1
                    continue
                }
                throw LogError(.locked, "\(path) is in use by an open store; close it first")
            }
            throw fail("flock", path)
        }
    }

    /// Makes a directory entry durable (after creating a file in it).
    static func syncDirectory(of path: String) throws(LogError) {
        var directory = "."
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[path.startIndex..<slash])
        }
        let fd = try open(directory, flags: O_RDONLY | O_DIRECTORY, mode: 0)
        defer { close(fd) }
        try fsync(fd, directory)
    }

    static func map(_ fd: Int32, offset: UInt64, length: Int, _ path: String) throws(LogError)
        -> UnsafeRawBufferPointer
    {
        guard length > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let address = mmap(nil, length, PROT_READ, MAP_SHARED, fd, off_t(offset))
        if address == MAP_FAILED || address == nil { throw fail("mmap", path) }
        return UnsafeRawBufferPointer(start: address, count: length)
    }

    static func unmap(_ region: UnsafeRawBufferPointer) {
        guard let base = region.baseAddress, region.count > 0 else { return }
        _ = munmap(UnsafeMutableRawPointer(mutating: base), region.count)
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return path.withCString { stat($0, &info) } == 0
    }

    /// Links `source` to `destination`; returns false when `destination` already exists.
    static func link(_ source: String, _ destination: String) throws(LogError) -> Bool {
        let result = source.withCString { from in destination.withCString { to in Glibc.link(from, to) } }
        if result == 0 { return true }
        if errno == EEXIST { return false }
        throw fail("link", destination)
    }

    static func unlink(_ path: String) {
        _ = path.withCString { Glibc.unlink($0) }
    }

    /// A random 64-bit value from the system's cryptographic generator (segment salts, file ids).
    static func randomUInt64() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }
}
