import KeelLog

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The compact encoding of a data file used by the recovery target.
///
/// A real file is at least 8 KiB of superblocks plus one 1 MiB segment slot, almost all zeros, which
/// is too large for a fuzzer to mutate well. The compact form keeps only the bytes small files use:
///
/// ```
/// [flags: 1]
/// [superblock copy 0: bytes 0..<120][copy 0 checksum: 8]   (the rest of the 4,096-byte copy is zero)
/// [superblock copy 1: bytes 0..<120][copy 1 checksum: 8]
/// [slot 0: first 8 KiB][slot 1: first 8 KiB]…              (at most 4 windows; the last may be short)
/// ```
///
/// Expanding lays each window at the start of its slot and fills the rest of the file with zeros; the
/// segment size is read from the superblocks (1 MiB when neither holds a usable value). Flags:
/// - bit 0: rewrite every checksum found (superblocks, segment headers, the chain of blocks from each
///   slot's start under its salt, and index regions at page boundaries), so mutations of fields get
///   past the checksums;
/// - bit 1: literal: the bytes after the flags are the whole file, unexpanded (short files);
/// - bits 2–3: number of extra, all-zero slots after the windows (free slots).
public enum RecoveryImage {
    /// Bytes of each superblock copy taken from the input (the fields end at byte 80).
    public static let superblockPrefixBytes = 120
    /// Bytes of each slot taken from the input.
    public static let windowBytes = 8192
    /// Most slot windows in an input.
    public static let windowsMax = 4
    /// Most extra, all-zero slots.
    public static let extraSlotsMax = 3
    /// Largest segment size used to lay out an image; a superblock asking for more gets the default.
    public static let layoutSegmentBytesMax = 2 << 20

    /// Flag bit: rewrite every checksum found.
    public static let fixChecksums: UInt8 = 1
    /// Flag bit: the input is the literal file.
    public static let literal: UInt8 = 2

    /// Returns the file image an input stands for.
    ///
    /// - Complexity: O(*n*) in the size of the image (at most 8 KiB plus 7 slots of 2 MiB).
    public static func expand(_ data: [UInt8]) -> [UInt8] {
        var input = FuzzInput(data)
        let flags = input.byte()
        if flags & literal != 0 {
            var image = input.rest()
            if flags & fixChecksums != 0 { fix(&image) }
            return image
        }
        // The superblock prefixes come first in the input, but the image size depends on the segment
        // size they hold, so read them before allocating the image.
        var superblocks: [(prefix: [UInt8], sum: [UInt8])] = []
        for _ in 0..<Layout.superblockCopies {
            superblocks.append((input.take(superblockPrefixBytes), input.take(8)))
        }
        var superblockArea = [UInt8](repeating: 0, count: Int(Layout.dataOffset))
        for (copy, parts) in superblocks.enumerated() {
            let start = copy * Layout.superblockBytes
            superblockArea.replaceSubrange(start..<start + parts.prefix.count, with: parts.prefix)
            let sumStart = start + Layout.superblockBytes - 8
            superblockArea.replaceSubrange(sumStart..<sumStart + parts.sum.count, with: parts.sum)
        }
        let body = input.rest()
        let windows = min(windowsMax, (body.count + windowBytes - 1) / windowBytes)
        let slots = max(1, windows) + Int(flags >> 2 & 3)
        let segmentBytes = layoutSegmentBytes(superblockArea)
        var image = zeros(Int(Layout.dataOffset) + slots * segmentBytes)
        image.replaceSubrange(0..<superblockArea.count, with: superblockArea)
        for window in 0..<windows {
            let from = window * windowBytes
            let to = min(body.count, from + windowBytes)
            let start = Int(Layout.dataOffset) + window * segmentBytes
            image.replaceSubrange(start..<start + (to - from), with: body[from..<to])
        }
        if flags & fixChecksums != 0 { fix(&image) }
        return image
    }

    /// Returns the compact input for a real file image, or nil when the image has nonzero bytes the
    /// compact form cannot hold (a slot used past its first 8 KiB, or too many slots).
    public static func compact(_ image: [UInt8], flags: UInt8 = 0) -> [UInt8]? {
        precondition(flags & (literal | 0b1100) == 0, "compact sets the slot count itself; pass only fixChecksums")
        let segmentBytes = layoutSegmentBytes(image)
        let dataOffset = Int(Layout.dataOffset)
        guard image.count >= dataOffset + segmentBytes, (image.count - dataOffset) % segmentBytes == 0 else {
            return nil
        }
        let slots = (image.count - dataOffset) / segmentBytes
        var usedSlots = 0
        for slot in 0..<slots
        where image[(dataOffset + slot * segmentBytes)..<(dataOffset + (slot + 1) * segmentBytes)].contains(where: {
            $0 != 0
        }) {
            usedSlots = slot + 1
        }
        let windows = min(max(usedSlots, 1), windowsMax)
        guard slots - windows <= extraSlotsMax else { return nil }
        var data: [UInt8] = [flags | UInt8(slots - windows) << 2]
        for copy in 0..<Layout.superblockCopies {
            let start = copy * Layout.superblockBytes
            data += image[start..<start + superblockPrefixBytes]
            data += image[start + Layout.superblockBytes - 8..<start + Layout.superblockBytes]
        }
        for window in 0..<windows {
            let start = dataOffset + window * segmentBytes
            data += image[start..<start + windowBytes]
        }
        // Trailing zeros of the last window are implied; keep at least one byte so the window counts.
        let minimum = data.count - windowBytes + 1
        while data.count > minimum, data.last == 0 { data.removeLast() }
        guard expand(data) == image else { return nil }
        return data
    }

    /// Returns `count` zero bytes. `memset` instead of an element loop: the image is megabytes, and
    /// in an instrumented build the loop would be instrumented too.
    static func zeros(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { memset(base, 0, count) }
            initialized = count
        }
    }

    /// The segment size an image is laid out with: the first superblock copy's, when it is a page
    /// multiple in `[LogOptions.segmentBytesMin, layoutSegmentBytesMax]`.
    static func layoutSegmentBytes(_ image: [UInt8]) -> Int {
        for copy in 0..<Layout.superblockCopies {
            let at = copy * Layout.superblockBytes + 32
            guard at + 8 <= image.count else { continue }
            let value = image.load(UInt64.self, at: at)
            if value >= UInt64(LogOptions.segmentBytesMin), value <= UInt64(layoutSegmentBytesMax),
                value % UInt64(Layout.pageBytes) == 0
            {
                return Int(value)
            }
        }
        return LogOptions.segmentBytesMin
    }

    /// Rewrites every checksum found in the image (see the type's documentation).
    static func fix(_ image: inout [UInt8]) {
        for copy in 0..<Layout.superblockCopies {
            let start = copy * Layout.superblockBytes
            if start + 8 <= image.count, image.load(UInt64.self, at: start) == Layout.superblockMagic {
                ChecksumFixup.superblock(&image, at: start)
            }
        }
        let segmentBytes = layoutSegmentBytes(image)
        let dataOffset = Int(Layout.dataOffset)
        var base = dataOffset
        while base + Layout.segmentHeaderBytes <= image.count {
            defer { base += segmentBytes }
            guard image.load(UInt64.self, at: base) == Layout.segmentMagic else { continue }
            ChecksumFixup.segmentHeader(&image, at: base)
            let salt = image.load(UInt64.self, at: base + 24)
            let end = min(image.count, base + segmentBytes)
            var position = base + Layout.segmentHeaderBytes
            while position + Layout.blockHeaderBytes <= end,
                image.load(UInt32.self, at: position + 8) == Layout.blockMagic,
                let next = ChecksumFixup.block(&image, at: position, salt: salt, limit: end)
            {
                position = next
            }
            for page in stride(from: base + Layout.pageBytes, to: end - Layout.indexHeaderBytes, by: Layout.pageBytes)
            where image.load(UInt64.self, at: page) == Layout.indexMagic {
                ChecksumFixup.indexRegion(&image, at: page, salt: salt, limit: end)
            }
        }
    }
}
