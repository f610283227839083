/// The fixed 56-byte header in front of every block's payload.
public struct BlockHeader: Sendable, Equatable {
    public var kind: BlockKind
    public var codec: BlockCodec
    public var flags: BlockFlags
    /// LSN of the first record (for a checkpoint block: the next LSN to be assigned).
    public var firstLSN: UInt64
    /// LSN of the last record (for a checkpoint block: `firstLSN - 1`).
    public var lastLSN: UInt64
    /// The sequence number of the write (one `pwrite` of one group commit) the block belongs to.
    public var writeSequence: UInt64
    public var recordCount: UInt32
    /// Size of the payload before compression.
    public var rawBytes: UInt32
    /// Size of the payload as stored.
    public var storedBytes: UInt32

    public init(
        kind: BlockKind, codec: BlockCodec, flags: BlockFlags, firstLSN: UInt64, lastLSN: UInt64,
        writeSequence: UInt64, recordCount: UInt32, rawBytes: UInt32, storedBytes: UInt32
    ) {
        self.kind = kind
        self.codec = codec
        self.flags = flags
        self.firstLSN = firstLSN
        self.lastLSN = lastLSN
        self.writeSequence = writeSequence
        self.recordCount = recordCount
        self.rawBytes = rawBytes
        self.storedBytes = storedBytes
    }

    /// Bytes the block occupies on disk: header, payload and padding to the block alignment.
    public var totalBytes: Int {
        Int(Layout.alignUp(UInt64(Layout.blockHeaderBytes) + UInt64(storedBytes), UInt64(Layout.blockAlignment)))
    }

    /// Writes the header fields (all but the checksum) into `out[0..<56]`.
    func write(into out: UnsafeMutableRawBufferPointer) {
        out.put(UInt64(0), at: 0)
        out.put(Layout.blockMagic, at: 8)
        out.put(kind.rawValue, at: 12)
        out.put(codec.rawValue, at: 13)
        out.put(flags.rawValue, at: 14)
        out.put(firstLSN, at: 16)
        out.put(lastLSN, at: 24)
        out.put(writeSequence, at: 32)
        out.put(recordCount, at: 40)
        out.put(rawBytes, at: 44)
        out.put(storedBytes, at: 48)
        out.put(UInt32(0), at: 52)
    }

    /// Decodes the header fields of a block, checking only what the header alone can prove.
    /// The checksum is checked by `Block.validate`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, offset: UInt64) throws(LogError) -> BlockHeader {
        guard bytes.count >= Layout.blockHeaderBytes else {
            throw .corrupt(
                "block: expected a \(Layout.blockHeaderBytes)-byte header, found \(bytes.count) bytes", at: offset)
        }
        guard bytes.u32(8) == Layout.blockMagic else {
            throw .corrupt("block: expected magic KBLK, found \(hex(UInt64(bytes.u32(8))))", at: offset)
        }
        guard let kind = BlockKind(rawValue: bytes.u8(12)) else {
            throw .corrupt("block: unknown kind \(bytes.u8(12))", at: offset)
        }
        guard let codec = BlockCodec(rawValue: bytes.u8(13)) else {
            throw .corrupt("block: unknown codec \(bytes.u8(13))", at: offset)
        }
        let flags = BlockFlags(rawValue: bytes.u16(14))
        guard BlockFlags.known.isSuperset(of: flags), bytes.u32(52) == 0 else {
            throw .corrupt("block: unknown flags \(flags.rawValue) or nonzero reserved field", at: offset)
        }
        let header = BlockHeader(
            kind: kind, codec: codec, flags: flags, firstLSN: bytes.u64(16), lastLSN: bytes.u64(24),
            writeSequence: bytes.u64(32), recordCount: bytes.u32(40), rawBytes: bytes.u32(44),
            storedBytes: bytes.u32(48))
        // LSNs and write sequences stay far below the top of their range, so that "one more" never
        // overflows, even for a forged block whose checksum matches.
        guard header.lastLSN < LogLimits.sequenceMax, header.firstLSN < LogLimits.sequenceMax,
            header.writeSequence < LogLimits.sequenceMax
        else {
            throw .corrupt(
                "block: LSN \(header.lastLSN) or write sequence \(header.writeSequence) is at or above 2^62", at: offset
            )
        }
        switch kind {
        case .records:
            guard header.recordCount > 0, header.firstLSN > 0, header.lastLSN >= header.firstLSN,
                header.lastLSN - header.firstLSN >= UInt64(header.recordCount - 1),
                header.lastLSN - header.firstLSN <= UInt64(UInt32.max)
            else {
                throw .corrupt(
                    "block: LSN range \(header.firstLSN)...\(header.lastLSN) cannot hold \(header.recordCount) records",
                    at: offset)
            }
        case .checkpoint:
            guard header.recordCount == 0, header.lastLSN &+ 1 == header.firstLSN else {
                throw .corrupt("block: checkpoint block with records or a nonempty LSN range", at: offset)
            }
        }
        if codec == .none, header.rawBytes != header.storedBytes {
            throw .corrupt(
                "block: uncompressed block with raw size \(header.rawBytes) != stored size \(header.storedBytes)",
                at: offset)
        }
        return header
    }
}

/// Encoding, validation and decoding of whole blocks.
public enum Block {
    /// Verifies the checksum of the block at the start of `bytes` under `salt`; returns its header.
    ///
    /// - Throws: `.corrupt` naming the first thing wrong (short, magic, fields, checksum).
    public static func validate(_ bytes: UnsafeRawBufferPointer, salt: UInt64, offset: UInt64, payloadBytesMax: Int)
        throws(LogError) -> BlockHeader
    {
        let header = try BlockHeader.decode(bytes, offset: offset)
        guard Int(header.storedBytes) <= payloadBytesMax, Int(header.rawBytes) <= payloadBytesMax else {
            throw .corrupt(
                "block: payload of \(header.storedBytes) stored / \(header.rawBytes) raw bytes exceeds the limit \(payloadBytesMax)",
                at: offset)
        }
        let end = Layout.blockHeaderBytes + Int(header.storedBytes)
        guard end <= bytes.count else {
            throw .corrupt("block: payload of \(header.storedBytes) bytes runs past the end of the segment", at: offset)
        }
        let computed = Codec.checksum(UnsafeRawBufferPointer(rebasing: bytes[8..<end]), seed: salt)
        let stored = bytes.u64(0)
        guard computed == stored else {
            throw .corrupt("block: checksum expected \(hex(computed)), found \(hex(stored))", at: offset)
        }
        return header
    }

    /// Returns the uncompressed payload of a validated block.
    public static func payload(_ bytes: UnsafeRawBufferPointer, header: BlockHeader, offset: UInt64) throws(LogError)
        -> [UInt8]
    {
        let stored = UnsafeRawBufferPointer(
            rebasing: bytes[Layout.blockHeaderBytes..<Layout.blockHeaderBytes + Int(header.storedBytes)])
        switch header.codec {
        case .none:
            return Array(stored)
        case .lz4:
            var ok = false
            let raw = [UInt8](unsafeUninitializedCapacity: Int(header.rawBytes)) { buffer, initialized in
                let output = UnsafeMutableRawBufferPointer(buffer)
                ok = Codec.decompress(stored, into: output)
                // A failed decompression may leave bytes unwritten; zero them so the array is initialized.
                if !ok { output.initializeMemory(as: UInt8.self, repeating: 0) }
                initialized = buffer.count
            }
            guard ok else {
                throw .corrupt("block: LZ4 payload does not decompress to \(header.rawBytes) bytes", at: offset)
            }
            return raw
        }
    }

    /// Calls `body(lsn, key, payload)` for each record of a `.records` payload, checking its structure.
    ///
    /// - Throws: `.corrupt` when the records do not exactly fill the payload or their LSNs do not match the header.
    public static func forEachRecord(
        _ raw: UnsafeRawBufferPointer, header: BlockHeader, offset: UInt64,
        _ body: (UInt64, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(LogError) -> Void
    ) throws(LogError) {
        var position = 0
        var previous: UInt64? = nil
        for index in 0..<Int(header.recordCount) {
            guard raw.count - position >= Layout.recordHeaderBytes else {
                throw .corrupt("block: record \(index) header runs past the payload end", at: offset)
            }
            let delta = UInt64(raw.u32(position))
            guard delta <= header.lastLSN - header.firstLSN else {
                throw .corrupt("block: record \(index) LSN delta \(delta) is past the block's LSN range", at: offset)
            }
            let keyBytes = Int(raw.u16(position + 4))
            let reserved = raw.u16(position + 6)
            let payloadBytes = Int(raw.u32(position + 8))
            position += Layout.recordHeaderBytes
            guard reserved == 0, keyBytes > 0, raw.count - position >= keyBytes,
                raw.count - position - keyBytes >= payloadBytes
            else {
                throw .corrupt(
                    "block: record \(index) (key \(keyBytes) bytes, payload \(payloadBytes) bytes) does not fit the payload",
                    at: offset)
            }
            if let previous, delta <= previous {
                throw .corrupt(
                    "block: record \(index) LSN delta \(delta) does not increase (previous \(previous))", at: offset)
            }
            if index == 0, delta != 0 {
                throw .corrupt("block: first record LSN delta is \(delta), expected 0", at: offset)
            }
            previous = delta
            let key = UnsafeRawBufferPointer(rebasing: raw[position..<position + keyBytes])
            position += keyBytes
            let payload = UnsafeRawBufferPointer(rebasing: raw[position..<position + payloadBytes])
            position += payloadBytes
            try body(header.firstLSN + delta, key, payload)
        }
        guard position == raw.count else {
            throw .corrupt("block: \(raw.count - position) bytes left after \(header.recordCount) records", at: offset)
        }
        guard header.firstLSN + (previous ?? 0) == header.lastLSN else {
            throw .corrupt(
                "block: last record has LSN \(header.firstLSN + (previous ?? 0)), header says \(header.lastLSN)",
                at: offset)
        }
    }
}

/// A growable byte buffer on malloc'd memory: appends are a capacity check and a `memcpy`, with
/// none of the per-call overhead of `Array` on the hot path of encoding records.
final class RawBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    @inline(__always)
    func reserve(_ additional: Int) {
        if count + additional > capacity { grow(to: count + additional) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ source: UnsafeRawBufferPointer) {
        guard let from = source.baseAddress, source.count > 0 else { return }
        reserve(source.count)
        (base + count).copyMemory(from: from, byteCount: source.count)
        count += source.count
    }
}

/// Builds one block at a time into a reusable buffer: records are added raw, then sealed into
/// header + (compressed) payload with its checksum.
struct BlockBuilder {
    private let storage = RawBuffer(capacity: 64 << 10)
    private(set) var recordCount: UInt32 = 0
    private(set) var firstLSN: UInt64 = 0
    private(set) var lastLSN: UInt64 = 0

    var isEmpty: Bool { recordCount == 0 }
    var rawBytes: Int { storage.count }
    /// The uncompressed payload built so far.
    var raw: [UInt8] { Array(storage.bytes) }

    mutating func reset() {
        storage.count = 0
        recordCount = 0
        firstLSN = 0
        lastLSN = 0
    }

    /// Appends one record; LSNs must increase.
    @inline(__always)
    mutating func add(lsn: UInt64, key: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        if recordCount == 0 { firstLSN = lsn }
        precondition(recordCount == 0 || lsn > lastLSN, "block records must have increasing LSNs")
        let delta = UInt32(lsn - firstLSN)
        lastLSN = lsn
        recordCount += 1
        let size = Layout.recordHeaderBytes + key.count + payload.count
        storage.reserve(size)
        let at = storage.base + storage.count
        at.storeBytes(of: delta.littleEndian, toByteOffset: 0, as: UInt32.self)
        at.storeBytes(of: UInt16(key.count).littleEndian, toByteOffset: 4, as: UInt16.self)
        at.storeBytes(of: UInt16(0), toByteOffset: 6, as: UInt16.self)
        at.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 8, as: UInt32.self)
        if let keyBase = key.baseAddress {
            (at + Layout.recordHeaderBytes).copyMemory(from: keyBase, byteCount: key.count)
        }
        if let payloadBase = payload.baseAddress {
            (at + Layout.recordHeaderBytes + key.count).copyMemory(from: payloadBase, byteCount: payload.count)
        }
        storage.count += size
    }

    /// Encodes the block (header, payload, padding) onto the end of `output`; returns its header.
    /// The payload is compressed straight into `output` and kept there when that saves at least an
    /// eighth (otherwise reads would pay for nothing); else the raw payload is copied instead.
    mutating func finish(
        kind: BlockKind, flags: BlockFlags, writeSequence: UInt64, salt: UInt64, compress: Bool,
        into output: inout [UInt8]
    ) -> BlockHeader {
        let rawCount = storage.count
        let source = storage.bytes
        let start = output.count
        let bound = compress && rawCount >= 64 ? (Codec.compressBound(rawCount) ?? 0) : 0
        let room = Int(
            Layout.alignUp(UInt64(Layout.blockHeaderBytes + max(bound, rawCount)), UInt64(Layout.blockAlignment)))
        output.appendZeros(room)
        var header = BlockHeader(
            kind: kind, codec: .none, flags: flags, firstLSN: firstLSN,
            lastLSN: kind == .records ? lastLSN : firstLSN &- 1, writeSequence: writeSequence,
            recordCount: recordCount, rawBytes: UInt32(rawCount), storedBytes: UInt32(rawCount))
        output.withUnsafeMutableBytes { all in
            let payloadArea = UnsafeMutableRawBufferPointer(rebasing: all[(start + Layout.blockHeaderBytes)...])
            if bound > 0,
                let size = Codec.compress(
                    source, into: UnsafeMutableRawBufferPointer(rebasing: payloadArea[0..<bound])),
                size < rawCount - rawCount / 8
            {
                header.codec = .lz4
                header.storedBytes = UInt32(size)
            } else if rawCount > 0 {
                payloadArea.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: rawCount)
            }
        }
        let total = header.totalBytes
        // Drop the unused room (and zero the padding after the payload, which compression may have
        // written into).
        output.removeLast(room - total)
        output.withUnsafeMutableBytes { all in
            let block = UnsafeMutableRawBufferPointer(rebasing: all[start..<start + total])
            let payloadEnd = Layout.blockHeaderBytes + Int(header.storedBytes)
            for index in payloadEnd..<total { block[index] = 0 }
            header.write(into: block)
            let sum = Codec.checksum(UnsafeRawBufferPointer(rebasing: block[8..<payloadEnd]), seed: salt)
            block.put(sum, at: 0)
        }
        return header
    }

    /// Sets the payload of a checkpoint block (which has no records).
    mutating func setCheckpoint(payload: [UInt8], nextLSN: UInt64) {
        reset()
        payload.withUnsafeBytes { storage.append($0) }
        firstLSN = nextLSN
    }
}

/// Numeric limits of the format.
enum LogLimits {
    /// LSNs, write sequences and segment ids stay below 2^62.
    static let sequenceMax: UInt64 = 1 << 62
}
