import KeelLog

/// Decodes one block the way recovery and reads do: `Block.validate`, `Block.payload`, then
/// `Block.forEachRecord` for a records block or `Checkpoint.decode` for a checkpoint block.
///
/// Input: `[mode: 1][salt: 8, little-endian][block bytes…]`. Mode bit 0 rewrites the block's checksum
/// under the salt first, so mutations reach the decoders behind it; bit 1 lowers the payload limit
/// to 4 KiB (from the 1 MiB of the smallest segment).
public enum BlockHarness {
    /// The payload limit used when mode bit 1 is set.
    public static let smallPayloadBytesMax = 4096

    /// Runs one input; returns how far decoding got. Traps when a decoder breaks its own contract.
    @discardableResult
    public static func run(_ data: [UInt8]) -> StaticString {
        var input = FuzzInput(data)
        let mode = input.byte()
        let salt = input.u64()
        var block = input.rest()
        if mode & 1 != 0 { ChecksumFixup.block(&block, at: 0, salt: salt) }
        let payloadBytesMax = mode & 2 != 0 ? smallPayloadBytesMax : LogOptions.segmentBytesMin
        return block.withUnsafeBytes { decode($0, salt: salt, payloadBytesMax: payloadBytesMax) }
    }

    /// Builds an input that `run(_:)` decodes as `block` under `salt`.
    public static func input(block: [UInt8], salt: UInt64, fixChecksum: Bool, smallLimit: Bool = false) -> [UInt8] {
        var data: [UInt8] = [(fixChecksum ? 1 : 0) | (smallLimit ? 2 : 0)]
        data.append(littleEndian: salt)
        return data + block
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, salt: UInt64, payloadBytesMax: Int) -> StaticString {
        let header: BlockHeader
        do {
            header = try Block.validate(bytes, salt: salt, offset: 0, payloadBytesMax: payloadBytesMax)
        } catch {
            return "rejected by Block.validate"
        }
        precondition(
            Int(header.storedBytes) <= payloadBytesMax && Int(header.rawBytes) <= payloadBytesMax
                && Layout.blockHeaderBytes + Int(header.storedBytes) <= bytes.count,
            "Block.validate accepted a payload of \(header.storedBytes) stored / \(header.rawBytes) raw bytes "
                + "in \(bytes.count) bytes with the limit \(payloadBytesMax)")
        precondition(
            header.totalBytes % Layout.blockAlignment == 0
                && header.totalBytes >= Layout.blockHeaderBytes + Int(header.storedBytes),
            "block total of \(header.totalBytes) bytes is not the aligned size of its \(header.storedBytes) stored bytes"
        )
        let payload: [UInt8]
        do {
            payload = try Block.payload(bytes, header: header, offset: 0)
        } catch {
            return "rejected by Block.payload"
        }
        precondition(
            payload.count == Int(header.rawBytes),
            "Block.payload returned \(payload.count) bytes, the header says \(header.rawBytes)")
        switch header.kind {
        case .records:
            return records(payload, header: header)
        case .checkpoint:
            return CheckpointHarness.decode(payload)
        }
    }

    /// Walks the records of a payload and checks what a successful walk promises.
    static func records(_ payload: [UInt8], header: BlockHeader) -> StaticString {
        var lsns: [UInt64] = []
        var digest: UInt64 = 0
        do {
            try payload.withUnsafeBytes { raw in
                try Block.forEachRecord(raw, header: header, offset: 0) { lsn, key, value in
                    lsns.append(lsn)
                    // Touch every byte handed out, so the address sanitizer checks the slices' bounds.
                    digest &+= Codec.hash128(key).low
                    for byte in value { digest = digest &* 31 &+ UInt64(byte) }
                }
            }
        } catch {
            return "rejected by Block.forEachRecord"
        }
        precondition(
            lsns.count == Int(header.recordCount),
            "forEachRecord succeeded with \(lsns.count) records, the header says \(header.recordCount)")
        precondition(
            lsns.first == header.firstLSN && lsns.last == header.lastLSN,
            "forEachRecord succeeded with LSNs \(lsns.first ?? 0)...\(lsns.last ?? 0), "
                + "the header says \(header.firstLSN)...\(header.lastLSN)")
        for index in lsns.indices.dropFirst() {
            precondition(
                lsns[index - 1] < lsns[index], "forEachRecord yielded LSN \(lsns[index]) after \(lsns[index - 1])")
        }
        keep(digest)
        return "records decoded"
    }
}

/// Keeps a value alive so the optimizer cannot drop the reads that produced it.
@_optimize(none)
func keep<T>(_ value: T) {}
