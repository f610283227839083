import KeelLog

/// Rewrites stored checksums so that mutated structures get past their checksum checks and the
/// decoders behind them are exercised. Each function touches only bytes inside the array and leaves
/// structures it cannot delimit alone.
public enum ChecksumFixup {
    /// Rewrites the checksum of the superblock copy at `start` (the copy's last eight bytes).
    public static func superblock(_ bytes: inout [UInt8], at start: Int) {
        let end = start + Layout.superblockBytes
        guard start >= 0, end <= bytes.count else { return }
        let sum = bytes.withUnsafeBytes {
            Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<end - 8]), seed: Layout.superblockSeed)
        }
        bytes.store(sum, at: end - 8)
    }

    /// Rewrites the checksum of the segment header at `start`.
    public static func segmentHeader(_ bytes: inout [UInt8], at start: Int) {
        guard start >= 0, start + Layout.segmentHeaderBytes <= bytes.count else { return }
        let sum = bytes.withUnsafeBytes {
            Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<start + 56]), seed: Layout.segmentHeaderSeed)
        }
        bytes.store(sum, at: start + 56)
    }

    /// Rewrites the checksum of the block at `start` under `salt`, reading its stored size from the
    /// header; returns the offset just past the block (aligned), or nil when the block does not fit
    /// before `limit`.
    @discardableResult
    public static func block(_ bytes: inout [UInt8], at start: Int, salt: UInt64, limit: Int? = nil) -> Int? {
        let limit = min(limit ?? bytes.count, bytes.count)
        guard start >= 0, start + Layout.blockHeaderBytes <= limit else { return nil }
        let end = start + Layout.blockHeaderBytes + Int(bytes.load(UInt32.self, at: start + 48))
        guard end <= limit else { return nil }
        let sum = bytes.withUnsafeBytes {
            Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[start + 8..<end]), seed: salt)
        }
        bytes.store(sum, at: start)
        return (end + Layout.blockAlignment - 1) / Layout.blockAlignment * Layout.blockAlignment
    }

    /// Rewrites the body and header checksums of the index region at `start` under `salt`, sized by
    /// the counts in its header; returns false when the region does not fit before `limit`.
    @discardableResult
    public static func indexRegion(_ bytes: inout [UInt8], at start: Int, salt: UInt64, limit: Int? = nil) -> Bool {
        let limit = min(limit ?? bytes.count, bytes.count)
        guard start >= 0, start + Layout.indexHeaderBytes <= limit else { return false }
        let entries = bytes.load(UInt64.self, at: start + 24)
        let lsnEntries = bytes.load(UInt64.self, at: start + 32)
        guard entries <= UInt64(limit), lsnEntries <= UInt64(limit) else { return false }
        let end = start + IndexRegion.byteCount(entries: Int(entries), lsnEntries: Int(lsnEntries))
        guard end <= limit else { return false }
        let bodySum = bytes.withUnsafeBytes {
            Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[start + Layout.indexHeaderBytes..<end]), seed: salt)
        }
        bytes.store(bodySum, at: start + 48)
        let headerSum = bytes.withUnsafeBytes {
            Codec.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<start + 56]), seed: salt)
        }
        bytes.store(headerSum, at: start + 56)
        return true
    }
}
