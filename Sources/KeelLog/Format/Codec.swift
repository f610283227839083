import CLZ4
import CXXHash

/// LZ4 compression and XXH3 checksums: the only place KeelLog calls into the C libraries.
public enum Codec {
    /// The XXH3-64 checksum of `bytes` with `seed`.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        XXH3_64bits_withSeed(bytes.baseAddress, bytes.count, seed)
    }

    /// The 128-bit XXH3 hash of `bytes` (the identity of a stream key in indexes and the dead set).
    public static func hash128(_ bytes: UnsafeRawBufferPointer) -> (low: UInt64, high: UInt64) {
        let hash = XXH3_128bits(bytes.baseAddress, bytes.count)
        return (hash.low64, hash.high64)
    }

    /// The largest output `compress` may produce for `count` input bytes, or nil past LZ4's limit.
    public static func compressBound(_ count: Int) -> Int? {
        guard count >= 0, count <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
        return Int(LZ4_compressBound(Int32(count)))
    }

    /// Compresses `source` into `destination`; returns the compressed size, or nil when it does not fit.
    public static func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer)
        -> Int?
    {
        guard source.count <= Int(LZ4_MAX_INPUT_SIZE), destination.count <= Int(Int32.max) else { return nil }
        guard let input = source.baseAddress, let output = destination.baseAddress else { return nil }
        let written = LZ4_compress_default(
            input.assumingMemoryBound(to: CChar.self), output.assumingMemoryBound(to: CChar.self),
            Int32(source.count), Int32(destination.count))
        return written > 0 ? Int(written) : nil
    }

    /// Decompresses `source` into exactly `destination.count` bytes; returns false when the input is bad.
    public static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer)
        -> Bool
    {
        guard source.count <= Int(Int32.max), destination.count <= Int(Int32.max) else { return false }
        if destination.count == 0 { return source.count == 0 || source.count == 1 }
        guard let input = source.baseAddress, let output = destination.baseAddress else { return false }
        let produced = LZ4_decompress_safe(
            input.assumingMemoryBound(to: CChar.self), output.assumingMemoryBound(to: CChar.self),
            Int32(source.count), Int32(destination.count))
        return produced == Int32(destination.count)
    }
}
