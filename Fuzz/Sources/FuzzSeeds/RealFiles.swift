import KeelLog

/// Small real data files, written by `LogStore` on a simulated disk with 1 MiB segments: the source
/// of the recovery seeds and of the blocks, indexes and checkpoints taken from them.
enum RealFiles {
    static let fileName = "seed.data"

    /// A named file image and whether recovery must open it.
    struct Image {
        var name: String
        var bytes: [UInt8]
        var opens: Bool
    }

    static func options(durability: LogOptions.Durability = .fsync, compression: Bool = true) -> LogOptions {
        var options = LogOptions()
        options.segmentBytes = LogOptions.segmentBytesMin
        options.durability = durability
        options.compression = compression
        options.autoCompact = false
        return options
    }

    static func records(_ stream: String, count: Int, payloadBytes: Int, from first: Int = 0) -> [LogRecord] {
        (first..<first + count).map { index in
            let text = Array("\(stream) event \(index) ".utf8)
            let payload = (0..<payloadBytes).map { text[$0 % text.count] }
            return LogRecord(stream: StreamKey(stream), payload: payload)
        }
    }

    /// Runs `body` on a new store and returns the durable image after closing it.
    static func write(
        seed: UInt64, options: LogOptions = options(), _ body: (LogStore) throws(LogError) -> Void
    ) -> [UInt8] {
        let disk = SimulatedDisk(seed: seed)
        do {
            let store = try LogStore.open(file: try disk.open(fileName, create: true), options: options)
            try body(store)
            try store.close()
        } catch {
            fatalError("writing a seed file failed: \(error)")
        }
        return disk.durableBytes(of: fileName)!
    }

    /// Appends unsynced commits on a relaxed store, then crashes the disk, tearing what was unsynced.
    static func torn(seed: UInt64) -> [UInt8] {
        let disk = SimulatedDisk(seed: seed)
        do {
            let store = try LogStore.open(
                file: try disk.open(fileName, create: true),
                options: options(durability: .relaxed(syncIntervalMilliseconds: 60_000)))
            try store.appendBlocking(records("run-a", count: 3, payloadBytes: 40))
            try store.checkpointBlocking()
            for index in 0..<4 {
                try store.appendBlocking(records("run-b", count: 2, payloadBytes: 300, from: index * 2))
            }
            disk.crash(.random(tearUnit: 512, garble: true))
            _ = try? store.close()
        } catch {
            fatalError("writing a torn seed file failed: \(error)")
        }
        return disk.durableBytes(of: fileName)!
    }

    static func all() -> [Image] {
        var images: [Image] = []
        images.append(Image(name: "empty", bytes: write(seed: 1) { _ in }, opens: true))
        images.append(
            Image(
                name: "few-records",
                bytes: write(seed: 2) { store throws(LogError) in
                    for index in 0..<4 {
                        try store.appendBlocking(
                            records("run-\(index % 3)", count: 1 + index % 2, payloadBytes: 24, from: index))
                    }
                }, opens: true))
        images.append(
            Image(
                name: "compressed",
                bytes: write(seed: 3) { store throws(LogError) in
                    try store.appendBlocking(records("run-lz4", count: 6, payloadBytes: 400))
                }, opens: true))
        images.append(
            Image(
                name: "uncompressed",
                bytes: write(seed: 4, options: options(compression: false)) { store throws(LogError) in
                    try store.appendBlocking(records("run-raw", count: 3, payloadBytes: 200))
                }, opens: true))
        images.append(
            Image(
                name: "checkpointed",
                bytes: write(seed: 5) { store throws(LogError) in
                    try store.appendBlocking(records("run-a", count: 2, payloadBytes: 30))
                    try store.checkpointBlocking()
                    try store.appendBlocking(records("run-b", count: 2, payloadBytes: 30))
                }, opens: true))
        images.append(
            Image(
                name: "sealed",
                bytes: write(seed: 6) { store throws(LogError) in
                    try store.appendBlocking(records("run-a", count: 3, payloadBytes: 50))
                    try store.appendBlocking(records("run-b", count: 2, payloadBytes: 50))
                    try store.sealBlocking()
                    try store.appendBlocking(records("run-a", count: 2, payloadBytes: 50, from: 3))
                }, opens: true))
        images.append(
            Image(
                name: "two-sealed",
                bytes: write(seed: 7) { store throws(LogError) in
                    try store.appendBlocking(records("run-a", count: 2, payloadBytes: 60))
                    try store.sealBlocking()
                    try store.appendBlocking(records("run-b", count: 2, payloadBytes: 60))
                    try store.appendBlocking(records("run-a", count: 1, payloadBytes: 60, from: 2))
                    try store.sealBlocking()
                    try store.appendBlocking(records("run-c", count: 1, payloadBytes: 60))
                }, opens: true))
        images.append(
            Image(
                name: "many-streams-sealed",
                bytes: write(seed: 8) { store throws(LogError) in
                    for index in 0..<40 {
                        try store.appendBlocking(records("s\(index)", count: 1, payloadBytes: 8))
                    }
                    try store.sealBlocking()
                }, opens: true))
        images.append(
            Image(
                name: "dead-streams",
                bytes: write(seed: 9) { store throws(LogError) in
                    try store.appendBlocking(records("run-live", count: 2, payloadBytes: 40))
                    try store.appendBlocking(records("run-dead", count: 3, payloadBytes: 40))
                    try store.sealBlocking()
                    try store.markDeadBlocking([StreamKey("run-dead")])
                    try store.appendBlocking(records("run-live", count: 1, payloadBytes: 40, from: 2))
                }, opens: true))
        images.append(
            Image(
                name: "compacted",
                bytes: write(seed: 10) { store throws(LogError) in
                    try store.appendBlocking(records("run-live", count: 1, payloadBytes: 40))
                    try store.appendBlocking(records("run-dead", count: 4, payloadBytes: 40))
                    try store.sealBlocking()
                    try store.markDeadBlocking([StreamKey("run-dead")])
                    try store.compactBlocking()
                    try store.appendBlocking(records("run-new", count: 2, payloadBytes: 40))
                }, opens: true))
        for seed: UInt64 in [11, 12, 13] {
            images.append(Image(name: "torn-tail-\(seed)", bytes: torn(seed: seed), opens: false))
        }
        return images
    }
}
