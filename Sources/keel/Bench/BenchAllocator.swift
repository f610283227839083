import CJemalloc

/// The allocator the keel executable runs on. The executable links jemalloc, which then serves every
/// allocation of the process (the Swift runtime's too); benchmarks report it beside their figures,
/// because the engine's rate depends on it (docs/performance.md, "The allocator").
enum BenchAllocator {
    /// `jemalloc` and its version when jemalloc serves this process's allocations, or `system malloc`
    /// when it does not (jemalloc loaded but not in charge, or not answering).
    static let description: String = {
        guard let version = jemallocVersion(), servesAllocations() else { return "system malloc" }
        return "jemalloc \(version.prefix { $0 != "-" })"
    }()

    private static func jemallocVersion() -> String? {
        var version: UnsafePointer<CChar>? = nil
        var length = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &length, nil, 0) == 0, let version else { return nil }
        return String(cString: version)
    }

    /// True when an allocation made the usual way (through the Swift runtime) shows in jemalloc's
    /// count of the bytes this thread allocated.
    private static func servesAllocations() -> Bool {
        guard let before = threadAllocatedBytes() else { return false }
        let block = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { block.deallocate() }
        guard let after = threadAllocatedBytes() else { return false }
        return after >= before + (1 << 16)
    }

    private static func threadAllocatedBytes() -> UInt64? {
        var bytes: UInt64 = 0
        var length = MemoryLayout<UInt64>.size
        guard mallctl("thread.allocated", &bytes, &length, nil, 0) == 0 else { return nil }
        return bytes
    }
}
