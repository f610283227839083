import KeelLog

/// Validates an index region with `IndexRegion(region:salt:segmentID:offset:)` and checks its
/// lookups (`entries(for:)`, `scanStart(for:)`) against a linear search; or decodes a checkpoint
/// payload with `Checkpoint.decode`.
///
/// Input: `[mode: 1][salt: 8][segment ID: 8][probe: 8][region or checkpoint bytes…]`, integers
/// little-endian. Mode bit 0 rewrites both region checksums under the salt; bit 1 decodes the bytes as
/// a checkpoint payload instead; bit 2 takes the segment ID from the region's own header, so the
/// identity check passes. The probe is one more stream and LSN to look up.
public enum IndexHarness {
    /// Most lookups of each kind checked per input, bounding the quadratic cross-check.
    public static let lookupsMax = 32

    /// Runs one input; returns how far decoding got. Traps when a lookup disagrees with a linear search.
    @discardableResult
    public static func run(_ data: [UInt8]) -> StaticString {
        var input = FuzzInput(data)
        let mode = input.byte()
        let salt = input.u64()
        var segmentID = input.u64()
        let probe = input.u64()
        var bytes = input.rest()
        if mode & 2 != 0 { return CheckpointHarness.decode(bytes) }
        if mode & 4 != 0, bytes.count >= 24 { segmentID = bytes.load(UInt64.self, at: 16) }
        if mode & 1 != 0 { ChecksumFixup.indexRegion(&bytes, at: 0, salt: salt) }
        let region = bytes.withUnsafeBytes { MappedRegion.copying($0) }
        let index: IndexRegion
        do {
            index = try IndexRegion(region: region, salt: salt, segmentID: segmentID, offset: 0)
        } catch {
            return "rejected by IndexRegion.init"
        }
        check(index, probe: probe)
        return "index validated and searched"
    }

    /// What an input holds.
    public enum Content: UInt8, Sendable {
        case region = 0
        case checkpoint = 2
    }

    /// Builds an input that `run(_:)` decodes as `bytes`.
    public static func input(
        _ content: Content, bytes: [UInt8], salt: UInt64, segmentID: UInt64, probe: UInt64 = 0,
        fixChecksums: Bool = false, segmentIDFromRegion: Bool = false
    ) -> [UInt8] {
        var data: [UInt8] = [content.rawValue | (fixChecksums ? 1 : 0) | (segmentIDFromRegion ? 4 : 0)]
        data.append(littleEndian: salt)
        data.append(littleEndian: segmentID)
        data.append(littleEndian: probe)
        return data + bytes
    }

    static func check(_ index: IndexRegion, probe: UInt64) {
        let entries = (0..<index.entryCount).map { index.entry(at: $0) }
        let lsnEntries = (0..<index.lsnEntryCount).map { index.lsnEntry(at: $0) }
        // What validation promised: sorted entries inside the blocks, increasing LSN entries.
        for (position, entry) in entries.enumerated() {
            precondition(
                UInt64(entry.blockOffset) < index.blocksEnd && (position == 0 || entries[position - 1] < entry),
                "validated index entry \(position) is out of order or past the blocks end \(index.blocksEnd)")
        }
        for (position, entry) in lsnEntries.enumerated() {
            precondition(
                entry.blockOffset < index.blocksEnd
                    && (position == 0 || lsnEntries[position - 1].firstLSN < entry.firstLSN),
                "validated LSN entry \(position) is out of order or past the blocks end \(index.blocksEnd)")
        }

        var streams: [UInt64] = [0, UInt64.max, probe]
        for entry in entries.prefix(lookupsMax / 2) + entries.suffix(lookupsMax / 2) {
            streams += [entry.stream, entry.stream &+ 1, entry.stream &- 1]
        }
        for stream in streams {
            let found = index.entries(for: stream)
            let expected = entries.filter { $0.stream == stream }
            precondition(
                found == expected, "entries(for: \(stream)) found \(found.count) entries, expected \(expected.count)")
        }

        var lsns: [UInt64] = [0, 1, UInt64.max, probe]
        for entry in lsnEntries.prefix(lookupsMax / 2) + lsnEntries.suffix(lookupsMax / 2) {
            lsns += [entry.firstLSN, entry.firstLSN &+ 1, entry.firstLSN &- 1]
        }
        for lsn in lsns {
            let start = index.scanStart(for: lsn)
            let expected =
                lsnEntries.last(where: { $0.firstLSN <= lsn })?.blockOffset ?? UInt64(Layout.segmentHeaderBytes)
            precondition(start == expected, "scanStart(for: \(lsn)) is \(start), expected \(expected)")
        }
    }
}
