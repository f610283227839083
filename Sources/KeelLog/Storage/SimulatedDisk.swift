import Synchronization

// Only the errno constants are taken from the C library; the simulated disk makes no system calls.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An in-memory disk for crash tests: files with a durable image, a page cache of writes that were
/// never synced, and a `crash(_:)` that decides what of those writes reached the platter.
///
/// The model follows Linux with a real disk after power loss:
/// - Each file has a *durable image* (the bytes that survive a crash) and the ordered list of writes
///   made since its last successful `sync()`. Reads see the durable image with those writes applied in
///   order, as they would see the page cache.
/// - `sync()` makes every pending write of the file durable. `extend(to:)` is durable at once (the
///   real file fsyncs the new size), but it does not make pending writes durable: data is durable
///   only through `sync()`.
/// - A failed `sync()` marks the file's pending writes clean but not durable, as Linux does after a
///   failed `fdatasync`: reads still see them until a crash, a later successful sync does not write
///   them, and a crash drops them whatever the mode.
/// - Dropping a handle (or `close()`) is a process exit, not a power loss: pending writes stay in the
///   page cache and are seen by the next handle. Only `crash(_:)` loses them.
/// - One handle per file name may be open at a time, like the exclusive lock of `PosixFile`.
///
/// Every random choice comes from a generator seeded by `seed`, so the same seed and the same sequence
/// of calls reproduce a run. The disk is internally synchronized: handles may be used from several
/// threads, and reads may run concurrently with writes.
public final class SimulatedDisk: Sendable {
    /// What a crash does with the writes that were never synced.
    public enum CrashMode: Sendable, Equatable {
        /// Every write that was not synced is lost.
        case dropUnsynced
        /// Every write that was not synced reaches the platter, in order (as after a clean flush).
        case keepUnsynced
        /// Each write that was not synced is, independently and with equal odds, kept whole, dropped
        /// whole, or torn.
        ///
        /// A torn write is cut at the multiples of `tearUnit` (in file offsets, so the first and last
        /// pieces may be shorter), and each piece is kept or dropped at random; with `garble`, half of
        /// the dropped pieces are instead filled with random bytes (a sector written with garbage).
        /// Garbage only covers bytes of the write itself; bytes outside every unsynced write keep their
        /// durable value. Writes are decided independently, so a later write may persist while an
        /// earlier one is lost. `tearUnit` is a multiple of the disk's `sectorBytes` (512 for sectors,
        /// 4,096 for pages), because a sector is written atomically.
        case random(tearUnit: Int, garble: Bool)
    }

    /// The largest size a simulated file may reach (1 GiB); a write or extension beyond it throws
    /// `EFBIG`, so a runaway test fails instead of exhausting memory.
    public static let fileBytesMax = 1 << 30

    /// The page size that `map(offset:length:)` offsets must be aligned to, as for `mmap`.
    public static let pageBytes = 4096

    /// The seed of the generator behind every random choice of this disk.
    public let seed: UInt64

    /// The size of the disk's atomic write unit; a crash never tears inside one.
    public let sectorBytes: Int

    private let state: Mutex<State>

    /// Creates an empty disk whose random choices are driven by `seed`.
    ///
    /// - Parameters:
    ///   - seed: Seeds the generator; print it in tests so a failing run can be replayed.
    ///   - sectorBytes: The atomic write unit, a power of two.
    public init(seed: UInt64, sectorBytes: Int = 512) {
        precondition(
            sectorBytes > 0 && sectorBytes & (sectorBytes - 1) == 0,
            "sectorBytes must be a positive power of two, found \(sectorBytes)")
        self.seed = seed
        self.sectorBytes = sectorBytes
        self.state = Mutex(State(random: SplitMix64(seed: seed)))
    }

    /// Opens the file `name`, creating it empty when it is missing and `create` is true.
    ///
    /// A new file is durable at once (the real file syncs its directory entry on creation).
    ///
    /// - Throws: `LogError` with code `.locked` when another handle to `name` is open, or `.io` with
    ///   `ENOENT` when the file is missing and `create` is false.
    public func open(_ name: String, create: Bool) throws(LogError) -> SimulatedFile {
        let handle = try state.withLock { (state: inout State) throws(LogError) -> UInt64 in
            if state.files[name] == nil {
                guard create else {
                    throw LogError(
                        .io, "open failed for \(name): no such file on the simulated disk and create is false",
                        errno: ENOENT)
                }
                state.files[name] = FileImage()
            }
            guard state.files[name]?.handle == nil else {
                throw LogError(.locked, "\(name) is already open on this simulated disk; close the other handle first")
            }
            let handle = state.nextHandle
            state.nextHandle += 1
            state.files[name]?.handle = handle
            return handle
        }
        return SimulatedFile(disk: self, name: name, handle: handle)
    }

    /// Simulates a power loss: closes every open handle, then decides for each file what of its unsynced
    /// writes reached the platter, and forgets the rest.
    ///
    /// After the crash every file's visible bytes equal its durable bytes. Writes whose sync failed are
    /// dropped in every mode. Files are visited in name order, so a seed reproduces the outcome.
    ///
    /// - Complexity: O(*n*) in the total size of the files and of their unsynced writes.
    public func crash(_ mode: CrashMode) {
        if case .random(let tearUnit, _) = mode {
            precondition(
                tearUnit > 0 && tearUnit % sectorBytes == 0,
                "tearUnit must be a positive multiple of sectorBytes (\(sectorBytes)), found \(tearUnit)")
        }
        state.withLock { state in
            for name in state.files.keys.sorted() {
                state.files[name]!.crash(mode, random: &state.random)
            }
        }
    }

    /// Makes the `n`-th write on this disk from now on (counting from 1, across all files) throw
    /// `LogError(.io, ...)` with `EIO`. The failed write changes nothing.
    public func failWrite(number n: Int) {
        precondition(n >= 1, "write numbers count from 1, found \(n)")
        state.withLock { _ = $0.faults.failingWrites.insert($0.faults.writeCount + n) }
    }

    /// Makes the `n`-th sync on this disk from now on (counting from 1, across all files) throw
    /// `LogError(.io, ...)` with `EIO`. The file's pending writes then stay visible but are never made
    /// durable, and the next crash drops them.
    public func failSync(number n: Int) {
        precondition(n >= 1, "sync numbers count from 1, found \(n)")
        state.withLock { _ = $0.faults.failingSyncs.insert($0.faults.syncCount + n) }
    }

    /// Disarms every write and sync failure armed with `failWrite` or `failSync` that has not struck
    /// yet, and returns how many there were: a fault armed for a lifetime that crashed before reaching
    /// it would otherwise strike in a later one.
    @discardableResult
    public func clearFaults() -> Int {
        state.withLock { state in
            let armed = state.faults.failingWrites.count + state.faults.failingSyncs.count
            state.faults.failingWrites.removeAll()
            state.faults.failingSyncs.removeAll()
            return armed
        }
    }

    /// The number of `write` calls made on handles of this disk, including failed ones.
    public var writeCount: Int { state.withLock { $0.faults.writeCount } }

    /// The number of `sync` calls made on handles of this disk, including failed ones.
    public var syncCount: Int { state.withLock { $0.faults.syncCount } }

    /// Returns the durable image of `name` (what a crash in `.dropUnsynced` mode would leave), or nil
    /// when there is no such file.
    ///
    /// - Complexity: O(*n*) in the size of the file.
    public func durableBytes(of name: String) -> [UInt8]? {
        state.withLock { $0.files[name]?.durable }
    }

    /// Replaces the durable image of `name` with `bytes`, creating the file when it is missing, and
    /// forgets its unsynced writes. An open handle sees the new bytes.
    ///
    /// - Complexity: O(*n*) in the size of `bytes`.
    public func setDurableBytes(_ bytes: [UInt8], of name: String) {
        precondition(
            bytes.count <= Self.fileBytesMax,
            "\(bytes.count) bytes exceed the simulated file limit of \(Self.fileBytesMax)")
        state.withLock { state in
            let handle = state.files[name]?.handle
            state.files[name] = FileImage(durable: bytes, visible: bytes, handle: handle)
        }
    }

    /// Flips bit `bit` (0 is the least significant) of the byte at `offset` in the durable image of
    /// `name`, as bit rot on the platter would.
    ///
    /// Open handles may stay open. Reads see the flipped bit unless an unsynced write covers that byte,
    /// in which case they keep seeing the written byte, as a page cache would.
    ///
    /// - Complexity: O(*w*) in the number of the file's unsynced writes.
    public func flipBit(of name: String, at offset: UInt64, bit: Int) {
        precondition((0..<8).contains(bit), "bit must be in 0..<8, found \(bit)")
        state.withLock { state in
            guard let durableCount = state.files[name]?.durable.count else {
                preconditionFailure("flipBit: no file named \(name) on the simulated disk")
            }
            precondition(
                offset < UInt64(durableCount),
                "flipBit: offset \(offset) is past the durable end of \(name) (\(durableCount) bytes)")
            state.files[name]!.flipBit(at: Int(offset), bit: bit)
        }
    }

    /// Returns the names of the files on the disk, sorted.
    ///
    /// - Complexity: O(*n* log *n*) in the number of files.
    public func fileNames() -> [String] {
        state.withLock { $0.files.keys.sorted() }
    }

    // MARK: Handle operations

    /// Runs `body` on the file `name` when `handle` is its open handle, under the disk's lock.
    fileprivate func withOpenFile<Result: Sendable>(
        _ name: String, _ handle: UInt64,
        _ body: (inout Faults, inout FileImage) throws(LogError) -> Result
    ) throws(LogError) -> Result {
        try state.withLock { (state: inout State) throws(LogError) -> Result in
            // Compare without binding the image, so no second reference forces a copy on write.
            guard state.files[name]?.handle == handle else {
                throw LogError(
                    .closed, "\(name): this handle was closed (by close() or by a simulated crash); open the file again"
                )
            }
            return try body(&state.faults, &state.files[name]!)
        }
    }

    /// Releases the lock on `name` when `handle` still holds it.
    fileprivate func release(_ name: String, _ handle: UInt64) {
        state.withLock { state in
            if state.files[name]?.handle == handle { state.files[name]?.handle = nil }
        }
    }
}

/// A handle to a file on a `SimulatedDisk`; it behaves as `PosixFile` does, with durability decided by
/// the disk's `crash(_:)`.
///
/// The handle holds the file's lock until it is closed, deinitialized, or the disk crashes; after that
/// every call throws `LogError` with code `.closed`.
public final class SimulatedFile: StorageFile {
    /// The disk the file lives on.
    public let disk: SimulatedDisk
    /// The file's name on the disk.
    public let name: String
    private let handle: UInt64

    fileprivate init(disk: SimulatedDisk, name: String, handle: UInt64) {
        self.disk = disk
        self.name = name
        self.handle = handle
    }

    deinit { disk.release(name, handle) }

    /// Closes the handle and releases the file's lock, keeping unsynced writes in the page cache.
    /// Closing twice does nothing.
    public func close() {
        disk.release(name, handle)
    }

    /// Reads `buffer.count` bytes at `offset` from the visible bytes, or fewer at end of file; returns
    /// the count.
    ///
    /// - Throws: `LogError` with code `.closed` when the handle is closed.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(LogError) -> Int {
        try disk.withOpenFile(name, handle) { (_: inout Faults, file: inout FileImage) throws(LogError) -> Int in
            let size = UInt64(file.visible.count)
            guard offset < size, buffer.count > 0 else { return 0 }
            let start = Int(offset)
            let count = min(buffer.count, file.visible.count - start)
            file.visible.withUnsafeBytes { visible in
                buffer.baseAddress!.copyMemory(from: visible.baseAddress! + start, byteCount: count)
            }
            return count
        }
    }

    /// Writes `bytes` at `offset` into the page cache, growing the visible size with zeros when the write
    /// starts past the end. The bytes are not durable until `sync()` returns.
    ///
    /// - Complexity: O(*n*) in `bytes.count`, plus the growth of the file.
    /// - Throws: `LogError` with code `.closed` when the handle is closed, `.io` with `EIO` when the
    ///   write was chosen by `failWrite(number:)`, or `.io` with `EFBIG` past `SimulatedDisk.fileBytesMax`.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(LogError) {
        try disk.withOpenFile(name, handle) { (faults: inout Faults, file: inout FileImage) throws(LogError) in
            faults.writeCount += 1
            if faults.failingWrites.remove(faults.writeCount) != nil {
                throw LogError(
                    .io, "injected write failure for \(name) (write number \(faults.writeCount) on the simulated disk)",
                    offset: offset, errno: EIO)
            }
            let (end, overflow) = offset.addingReportingOverflow(UInt64(bytes.count))
            guard !overflow, end <= UInt64(SimulatedDisk.fileBytesMax) else {
                throw LogError(
                    .io,
                    "write of \(bytes.count) bytes to \(name) would pass the simulated file limit of "
                        + "\(SimulatedDisk.fileBytesMax) bytes",
                    offset: offset, errno: EFBIG)
            }
            guard bytes.count > 0 else { return }
            let write = PendingWrite(offset: Int(offset), bytes: [UInt8](bytes))
            place(write.bytes[...], at: write.offset, into: &file.visible)
            file.pending.append(write)
        }
    }

    /// Makes every pending write of the file durable.
    ///
    /// - Complexity: O(*n*) in the size of the pending writes.
    /// - Throws: `LogError` with code `.closed` when the handle is closed, or `.io` with `EIO` when the
    ///   sync was chosen by `failSync(number:)`; the pending writes are then never made durable.
    public func sync() throws(LogError) {
        try disk.withOpenFile(name, handle) { (faults: inout Faults, file: inout FileImage) throws(LogError) in
            faults.syncCount += 1
            if faults.failingSyncs.remove(faults.syncCount) != nil {
                // As on Linux after a failed fdatasync: the pages are marked clean, so nothing will write
                // them again, yet the page cache still serves them.
                file.lost.append(contentsOf: file.pending)
                file.pending.removeAll()
                throw LogError(
                    .io, "injected sync failure for \(name) (sync number \(faults.syncCount) on the simulated disk)",
                    errno: EIO)
            }
            for write in file.pending {
                place(write.bytes[...], at: write.offset, into: &file.durable)
            }
            file.pending.removeAll()
        }
    }

    /// Returns the visible size of the file in bytes, including unsynced writes past the durable end.
    ///
    /// - Throws: `LogError` with code `.closed` when the handle is closed.
    public func size() throws(LogError) -> UInt64 {
        try disk.withOpenFile(name, handle) { (_: inout Faults, file: inout FileImage) throws(LogError) -> UInt64 in
            UInt64(file.visible.count)
        }
    }

    /// Grows the file with zeros to `size` bytes and makes the new size durable at once; does nothing
    /// when the file is already that large. Pending writes stay pending.
    ///
    /// - Complexity: O(*n*) in the growth.
    /// - Throws: `LogError` with code `.closed` when the handle is closed, or `.io` with `EFBIG` past
    ///   `SimulatedDisk.fileBytesMax`.
    public func extend(to size: UInt64) throws(LogError) {
        try disk.withOpenFile(name, handle) { (_: inout Faults, file: inout FileImage) throws(LogError) in
            guard size > UInt64(file.visible.count) else { return }
            guard size <= UInt64(SimulatedDisk.fileBytesMax) else {
                throw LogError(
                    .io,
                    "extending \(name) to \(size) bytes would pass the simulated file limit of "
                        + "\(SimulatedDisk.fileBytesMax) bytes",
                    errno: EFBIG)
            }
            // The visible image is never shorter than the durable one, so both grow to `size`.
            let target = Int(size)
            file.visible.appendZeros(target - file.visible.count)
            file.durable.appendZeros(target - file.durable.count)
        }
    }

    /// Returns a copy of the `length` visible bytes at `offset` (a snapshot: later writes do not show).
    ///
    /// - Complexity: O(*n*) in `length`.
    /// - Throws: `LogError` with code `.closed` when the handle is closed, `.io` with `EINVAL` when
    ///   `offset` is not a multiple of `SimulatedDisk.pageBytes` (as `mmap` does), or `.invalidArgument`
    ///   when the region passes the end of the file (where a real mapping would fault on access).
    public func map(offset: UInt64, length: Int) throws(LogError) -> MappedRegion {
        precondition(length >= 0, "map length must not be negative, found \(length)")
        return try disk.withOpenFile(name, handle) {
            (_: inout Faults, file: inout FileImage) throws(LogError) -> MappedRegion in
            guard offset % UInt64(SimulatedDisk.pageBytes) == 0 else {
                throw LogError(
                    .io,
                    "mmap failed for \(name): offset \(offset) is not a multiple of the page size "
                        + "\(SimulatedDisk.pageBytes)",
                    offset: offset, errno: EINVAL)
            }
            let size = UInt64(file.visible.count)
            guard length == 0 || (offset <= size && UInt64(length) <= size - offset) else {
                throw LogError(
                    .invalidArgument,
                    "map of \(length) bytes at \(offset) passes the end of \(name) (\(size) bytes); "
                        + "a real mapping would fault on access",
                    offset: offset)
            }
            guard length > 0 else { return MappedRegion.copying(UnsafeRawBufferPointer(start: nil, count: 0)) }
            return file.visible.withUnsafeBytes { visible in
                MappedRegion.copying(UnsafeRawBufferPointer(rebasing: visible[Int(offset)..<(Int(offset) + length)]))
            }
        }
    }
}

// MARK: - State

/// Everything behind the disk's lock.
private struct State {
    var files: [String: FileImage] = [:]
    var faults = Faults()
    var random: SplitMix64
    /// Handles are never reused, so a handle from before a crash or close cannot match a later one.
    var nextHandle: UInt64 = 1
}

/// Call counters and the injected failures, as absolute call numbers.
private struct Faults {
    var writeCount = 0
    var syncCount = 0
    var failingWrites: Set<Int> = []
    var failingSyncs: Set<Int> = []
}

/// One write that has not been made durable.
private struct PendingWrite {
    var offset: Int
    var bytes: [UInt8]

    var range: Range<Int> { offset..<(offset + bytes.count) }
}

/// One file: what survives a crash, what readers see, and the writes between the two.
///
/// Invariant: a byte covered by no write in `pending` or `lost` has the same value in `visible` and in
/// `durable` (or is a zero past the durable end), and `visible` is never shorter than `durable`.
private struct FileImage {
    /// The bytes that survive a crash.
    var durable: [UInt8] = []
    /// The bytes readers see: `durable` with every write since applied in order.
    var visible: [UInt8] = []
    /// Writes since the last sync, oldest first; a crash decides their fate.
    var pending: [PendingWrite] = []
    /// Writes whose sync failed: visible until the next crash, never durable.
    var lost: [PendingWrite] = []
    /// The open handle, if any.
    var handle: UInt64?

    mutating func crash(_ mode: SimulatedDisk.CrashMode, random: inout SplitMix64) {
        switch mode {
        case .dropUnsynced:
            break
        case .keepUnsynced:
            for write in pending { place(write.bytes[...], at: write.offset, into: &durable) }
        case .random(let tearUnit, let garble):
            for write in pending {
                switch random.next(below: 3) {
                case 0: place(write.bytes[...], at: write.offset, into: &durable)
                case 1: break
                default: tear(write, unit: tearUnit, garble: garble, random: &random)
                }
            }
        }
        pending.removeAll()
        lost.removeAll()
        handle = nil
        visible = durable
    }

    /// Applies the pieces of `write` between multiples of `unit` independently: kept, dropped, or (with
    /// `garble`) replaced by random bytes.
    private mutating func tear(_ write: PendingWrite, unit: Int, garble: Bool, random: inout SplitMix64) {
        var start = write.offset
        let end = write.offset + write.bytes.count
        while start < end {
            let pieceEnd = min(end, (start / unit + 1) * unit)
            if random.next(below: 2) == 0 {
                place(write.bytes[(start - write.offset)..<(pieceEnd - write.offset)], at: start, into: &durable)
            } else if garble && random.next(below: 2) == 0 {
                place(random.bytes(count: pieceEnd - start)[...], at: start, into: &durable)
            }
            start = pieceEnd
        }
    }

    mutating func flipBit(at offset: Int, bit: Int) {
        let mask = UInt8(1) << UInt8(bit)
        durable[offset] ^= mask
        // By the invariant, a byte no unsynced write covers is the same in both images.
        let isCovered = pending.contains { $0.range.contains(offset) } || lost.contains { $0.range.contains(offset) }
        if !isCovered { visible[offset] ^= mask }
    }
}

/// Copies `bytes` into `image` at `offset`, growing `image` with zeros first when it is too short.
private func place(_ bytes: ArraySlice<UInt8>, at offset: Int, into image: inout [UInt8]) {
    let end = offset + bytes.count
    if image.count < end { image.appendZeros(end - image.count) }
    image.replaceSubrange(offset..<end, with: bytes)
}
