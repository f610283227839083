#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A mutual-exclusion lock over a pthread mutex, for state that lives in class properties.
final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    @inline(__always)
    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A generator of run ids: random UUIDs (version 4), from a seeded generator in simulations.
final class RunIDGenerator: @unchecked Sendable {
    private let lock = Lock()
    private var state: UInt64
    private let seeded: Bool

    init(seed: UInt64?) {
        seeded = seed != nil
        state = seed ?? 0
    }

    /// Random words read from the kernel in bulk (one open, read and close of /dev/urandom per 256
    /// run ids, instead of two `getrandom` calls per id); the next unused word is at `randomNext`.
    private var random = [UInt64](repeating: 0, count: 512)
    private var randomNext = 512

    func next() -> RunID {
        let (high, low): (UInt64, UInt64) = lock.withLock {
            if seeded { return (step(), step()) }
            if randomNext + 2 > random.count {
                random.withUnsafeMutableBytes { RunIDGenerator.fillRandom($0) }
                randomNext = 0
            }
            defer { randomNext += 2 }
            return (random[randomNext], random[randomNext + 1])
        }
        // Version 4, variant 1: the UUID's bytes 6 and 8.
        let versioned = (high & ~(0xF0 << 8)) | (0x40 << 8)
        let variant = (low & ~(0xC0 << 56)) | (0x80 << 56)
        let text = String(unsafeUninitializedCapacity: 36) { buffer in
            let hex = ("0123456789abcdef" as StaticString).utf8Start
            var position = 0
            func append(_ word: UInt64, first: Int) {
                for byteIndex in 0..<8 {
                    let index = first + byteIndex
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    let byte = UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * byteIndex))
                    buffer[position] = hex[Int(byte >> 4)]
                    buffer[position + 1] = hex[Int(byte & 0x0F)]
                    position += 2
                }
            }
            append(versioned, first: 0)
            append(variant, first: 8)
            return position
        }
        return RunID(text)
    }

    /// Fills `buffer` from the kernel's random generator (/dev/urandom, the source behind
    /// `SystemRandomNumberGenerator`), in one read where it can.
    private static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
        var filled = 0
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            while filled < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                if count > 0 {
                    filled += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(descriptor)
        }
        // Without /dev/urandom, the standard generator fills what is left.
        var generator = SystemRandomNumberGenerator()
        while filled < buffer.count {
            buffer[filled] = UInt8(truncatingIfNeeded: generator.next())
            filled += 1
        }
    }

    /// SplitMix64.
    private func step() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
