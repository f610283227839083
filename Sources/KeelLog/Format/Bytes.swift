/// Little-endian loads and stores on raw buffers, bounds-checked by the caller's sizes.
extension UnsafeRawBufferPointer {
    @inline(__always) func u8(_ at: Int) -> UInt8 { load(fromByteOffset: at, as: UInt8.self) }
    @inline(__always) func u16(_ at: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt16.self))
    }
    @inline(__always) func u32(_ at: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }
    @inline(__always) func u64(_ at: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func put(_ value: UInt8, at: Int) { storeBytes(of: value, toByteOffset: at, as: UInt8.self) }
    @inline(__always) func put(_ value: UInt16, at: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt16.self)
    }
    @inline(__always) func put(_ value: UInt32, at: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt32.self)
    }
    @inline(__always) func put(_ value: UInt64, at: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt64.self)
    }
}

/// A growable byte buffer with little-endian appends, used to build checkpoint payloads.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }
}

/// A bounds-checked little-endian reader over untrusted bytes: every read past the end throws.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int = 0
    let what: String

    init(_ bytes: UnsafeRawBufferPointer, what: String) {
        self.bytes = bytes
        self.what = what
    }

    var remaining: Int { bytes.count - position }

    mutating func need(_ count: Int) throws(LogError) {
        guard count >= 0, count <= remaining else {
            throw .corrupt("\(what): expected \(count) more bytes at byte \(position), found \(remaining)")
        }
    }

    mutating func u32() throws(LogError) -> UInt32 { try need(4); defer { position += 4 }; return bytes.u32(position) }
    mutating func u64() throws(LogError) -> UInt64 { try need(8); defer { position += 8 }; return bytes.u64(position) }

}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for bodies with typed `LogError` throws.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws(LogError) -> Result) throws(LogError) -> Result {
        let outcome: Swift.Result<Result, LogError> = withUnsafeBytes { buffer in
            Swift.Result { () throws(LogError) -> Result in try body(buffer) }
        }
        return try outcome.get()
    }

    /// `withUnsafeMutableBytes` for bodies with typed `LogError` throws.
    mutating func withMutableBytes<Result>(_ body: (UnsafeMutableRawBufferPointer) throws(LogError) -> Result)
        throws(LogError)
        -> Result
    {
        let outcome: Swift.Result<Result, LogError> = withUnsafeMutableBytes { buffer in
            Swift.Result { () throws(LogError) -> Result in try body(buffer) }
        }
        return try outcome.get()
    }
}

extension Array where Element == UInt8 {
    /// Appends `count` zero bytes with one fill (appending a repeated element goes byte by byte
    /// in unoptimized builds).
    mutating func appendZeros(_ count: Int) {
        guard count > 0 else { return }
        let start = self.count
        reserveCapacity(start + count)
        self += [UInt8](repeating: 0, count: count)
    }
}

/// Whether two byte ranges hold the same bytes (`memcmp`).
@inline(__always)
func bytesEqual(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
    guard lhs.count == rhs.count else { return false }
    guard lhs.count > 0 else { return true }
    if lhs.baseAddress == rhs.baseAddress { return true }
    return memcmp(lhs.baseAddress!, rhs.baseAddress!, lhs.count) == 0
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
