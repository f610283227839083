import Synchronization

/// A decoded block kept for reads: its header and uncompressed payload.
final class CachedBlock: Sendable {
    let header: BlockHeader
    let payload: [UInt8]
    init(header: BlockHeader, payload: [UInt8]) {
        self.header = header
        self.payload = payload
    }
}

/// A bounded cache of decompressed blocks, keyed by segment and offset, evicting the oldest
/// insertions first once `bytesMax` is exceeded.
final class BlockCache: Sendable {
    struct Key: Hashable {
        var slot: UInt32
        var segmentID: UInt64
        var offset: UInt64
    }

    private struct Contents {
        var blocks: [Key: CachedBlock] = [:]
        var order: [Key] = []
        var orderStart = 0
        var bytes = 0
    }

    let bytesMax: Int
    private let contents = Mutex(Contents())

    init(bytesMax: Int) { self.bytesMax = bytesMax }

    func get(_ key: Key) -> CachedBlock? {
        contents.withLock { $0.blocks[key] }
    }

    func put(_ key: Key, _ block: CachedBlock) {
        let size = block.payload.count + 64
        guard size <= bytesMax else { return }
        contents.withLock { contents in
            guard contents.blocks.updateValue(block, forKey: key) == nil else { return }
            contents.order.append(key)
            contents.bytes += size
            while contents.bytes > bytesMax, contents.orderStart < contents.order.count {
                let victim = contents.order[contents.orderStart]
                contents.orderStart += 1
                if let removed = contents.blocks.removeValue(forKey: victim) {
                    contents.bytes -= removed.payload.count + 64
                }
            }
            if contents.orderStart > 4096, contents.orderStart * 2 > contents.order.count {
                contents.order.removeFirst(contents.orderStart)
                contents.orderStart = 0
            }
        }
    }

    /// Bytes the cached blocks account for (payload plus a fixed overhead per block).
    var bytes: Int { contents.withLock { $0.bytes } }

    /// Drops every block; returns the bytes they accounted for. Readers holding a block keep it
    /// until they are done.
    func removeAll() -> Int {
        contents.withLock { contents in
            let released = contents.bytes
            contents = Contents()
            return released
        }
    }

    /// Drops every block of the given slots (their segments were freed).
    func removeSegments(slots: Set<UInt32>) {
        contents.withLock { contents in
            for key in contents.blocks.keys where slots.contains(key.slot) {
                if let removed = contents.blocks.removeValue(forKey: key) {
                    contents.bytes -= removed.payload.count + 64
                }
            }
        }
    }
}
