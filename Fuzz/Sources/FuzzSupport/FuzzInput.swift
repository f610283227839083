/// Reads a fuzz input front to back: fixed-size fields first, the rest as bytes. Reads past the end
/// yield zeros, so every input, however short, maps to some case.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    /// Wraps a copy of the input.
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = Array(bytes)
    }

    /// Wraps an input held in an array.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Returns the next byte, or zero past the end.
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// Returns the next eight bytes as a little-endian integer; missing bytes read as zero.
    public mutating func u64() -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(byte()) << UInt64(shift) }
        return value
    }

    /// Returns the next `count` bytes (fewer at the end of the input).
    public mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + count)
        defer { position = end }
        return Array(bytes[position..<end])
    }

    /// Returns every byte not yet read.
    public mutating func rest() -> [UInt8] {
        defer { position = bytes.count }
        return Array(bytes[position...])
    }
}

/// Little-endian access to byte arrays for the harnesses, which build and patch raw structures.
extension Array where Element == UInt8 {
    /// The little-endian integer of `T` at `offset`; the caller guarantees the bytes exist.
    func load<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var value = T.zero
        for index in 0..<MemoryLayout<T>.size { value |= T(self[offset + index]) << (8 * index) }
        return value
    }

    /// Stores `value` little-endian at `offset`; the caller guarantees the bytes exist.
    mutating func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for index in 0..<MemoryLayout<T>.size { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    /// Appends `value` little-endian.
    mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
        for index in 0..<MemoryLayout<T>.size { append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
}
