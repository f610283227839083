import KeelLog

/// Decodes a superblock copy or a segment header, and checks that what decodes re-encodes to an
/// equal value.
///
/// Input: `[mode: 1][structure bytes…]`. Mode bit 1 selects the structure: 0 a superblock copy (the
/// bytes are laid into a zeroed 4,096-byte copy), 1 a segment header (a zeroed 64-byte header).
/// Mode bit 0 rewrites the stored checksum first, so short mutated inputs get past it. The bytes are
/// also decoded as given, to exercise the length checks.
public enum HeaderHarness {
    /// Which structure an input holds.
    public enum Structure: UInt8, Sendable {
        case superblock = 0
        case segmentHeader = 2
    }

    /// Runs one input; returns how far decoding got. Traps when a round trip fails.
    @discardableResult
    public static func run(_ data: [UInt8]) -> StaticString {
        var input = FuzzInput(data)
        let mode = input.byte()
        let bytes = input.rest()
        let fixChecksum = mode & 1 != 0
        if mode & 2 == 0 {
            return superblock(bytes, fixChecksum: fixChecksum)
        } else {
            return segmentHeader(bytes, fixChecksum: fixChecksum)
        }
    }

    /// Builds an input that `run(_:)` decodes as `bytes` of `structure`.
    public static func input(_ structure: Structure, bytes: [UInt8], fixChecksum: Bool) -> [UInt8] {
        [structure.rawValue | (fixChecksum ? 1 : 0)] + bytes
    }

    static func superblock(_ bytes: [UInt8], fixChecksum: Bool) -> StaticString {
        _ = try? bytes.withUnsafeBytes { try Superblock.decode($0, offset: 0) }
        var copy = [UInt8](repeating: 0, count: Layout.superblockBytes)
        copy.replaceSubrange(0..<min(bytes.count, copy.count), with: bytes.prefix(copy.count))
        if fixChecksum { ChecksumFixup.superblock(&copy, at: 0) }
        let decoded: Superblock
        do {
            decoded = try copy.withUnsafeBytes { try Superblock.decode($0, offset: 0) }
        } catch {
            return "rejected by Superblock.decode"
        }
        precondition((0..<Layout.superblockCopies).contains(decoded.copyIndex), "copy index \(decoded.copyIndex)")
        let encoded = decoded.encoded()
        precondition(encoded.count == Layout.superblockBytes, "superblock encodes to \(encoded.count) bytes")
        do {
            let again = try encoded.withUnsafeBytes { try Superblock.decode($0, offset: 0) }
            precondition(again == decoded, "superblock does not round-trip: \(decoded) became \(again)")
        } catch {
            preconditionFailure("a decoded superblock re-encodes to bytes that do not decode: \(error)")
        }
        return "superblock decoded"
    }

    static func segmentHeader(_ bytes: [UInt8], fixChecksum: Bool) -> StaticString {
        _ = try? bytes.withUnsafeBytes { try SegmentHeader.decode($0, offset: 0) }
        var header = [UInt8](repeating: 0, count: Layout.segmentHeaderBytes)
        header.replaceSubrange(0..<min(bytes.count, header.count), with: bytes.prefix(header.count))
        if fixChecksum { ChecksumFixup.segmentHeader(&header, at: 0) }
        let decoded: SegmentHeader
        do {
            decoded = try header.withUnsafeBytes { try SegmentHeader.decode($0, offset: 0) }
        } catch {
            return "rejected by SegmentHeader.decode"
        }
        let encoded = decoded.encoded()
        precondition(encoded.count == Layout.segmentHeaderBytes, "segment header encodes to \(encoded.count) bytes")
        do {
            let again = try encoded.withUnsafeBytes { try SegmentHeader.decode($0, offset: 0) }
            precondition(again == decoded, "segment header does not round-trip: \(decoded) became \(again)")
        } catch {
            preconditionFailure("a decoded segment header re-encodes to bytes that do not decode: \(error)")
        }
        return "segment header decoded"
    }
}
