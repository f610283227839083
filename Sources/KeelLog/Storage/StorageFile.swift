/// A random-access file as KeelLog needs it: positioned reads and writes, a durability barrier,
/// growth, and read-only mappings of regions.
///
/// The store is written against this protocol so that tests can put a simulated disk under it that
/// loses, tears and garbles writes which were never synced (see `SimulatedDisk`). The real
/// implementation is `PosixFile`.
///
/// Implementations need not be thread-safe for writes (one writer thread calls them), but `read` and
/// `map` may be called from reader threads concurrently with writes to other regions.
public protocol StorageFile: AnyObject, Sendable {
    /// Reads exactly `buffer.count` bytes at `offset`, or fewer only at end of file; returns the count.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(LogError) -> Int
    /// Writes all of `bytes` at `offset`. The bytes are not durable until `sync()` returns.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(LogError)
    /// Makes every completed write durable (`fdatasync`). A failure leaves durability unknown.
    func sync() throws(LogError)
    /// The current size of the file in bytes.
    func size() throws(LogError) -> UInt64
    /// Grows the file to `size` bytes (allocating the space) and makes the new size durable.
    func extend(to size: UInt64) throws(LogError)
    /// Returns a read-only view of `length` bytes at `offset` (page-aligned), for index regions.
    func map(offset: UInt64, length: Int) throws(LogError) -> MappedRegion
    /// Releases the file (and its lock). Later calls fail; existing mappings stay valid.
    func close()
}

/// A read-only view of a region of a `StorageFile`, unmapped when released.
public final class MappedRegion: @unchecked Sendable {
    /// The mapped bytes.
    public let bytes: UnsafeRawBufferPointer
    private let release: (UnsafeRawBufferPointer) -> Void

    /// Wraps `bytes`; `release` is called once, when the region is deinitialized.
    public init(bytes: UnsafeRawBufferPointer, release: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.bytes = bytes
        self.release = release
    }

    deinit { release(bytes) }

    /// Copies `bytes` into a region owned by the heap (used where the file cannot be mapped).
    public static func copying(_ source: UnsafeRawBufferPointer) -> MappedRegion {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        if source.count > 0 { storage.copyMemory(from: source) }
        return MappedRegion(bytes: UnsafeRawBufferPointer(rebasing: storage[0..<source.count])) { _ in
            storage.deallocate()
        }
    }
}
