import KeelLog

/// Runs recovery over a whole file: `LogInspector.verify` and `LogInspector.dump` on the image, then
/// `LogStore.open` on a simulated disk holding it; when the store opens, scans it, reads every stream
/// the scan saw and closes it. Errors are expected; only a crash, a hang or a leak is a finding.
///
/// Input: the compact file encoding of `RecoveryImage`.
public enum RecoveryHarness {
    /// Most distinct streams read back after the scan.
    public static let streamsMax = 64
    /// Most records the scan visits.
    public static let scannedRecordsMax = 100_000
    /// Most items the dump visits.
    public static let dumpItemsMax = 10_000

    static let fileName = "fuzz.keel"

    /// Runs one input; returns how far recovery got.
    @discardableResult
    public static func run(_ data: [UInt8]) -> StaticString {
        let image = RecoveryImage.expand(data)
        let disk = SimulatedDisk(seed: 1)
        disk.setDurableBytes(image, of: fileName)
        inspect(disk)

        let file: SimulatedFile
        do {
            file = try disk.open(fileName, create: false)
        } catch {
            preconditionFailure("the simulated file cannot be opened: \(error)")
        }
        var options = LogOptions()
        options.segmentBytes = LogOptions.segmentBytesMin
        options.blockCacheBytes = 1 << 20
        options.autoCompact = false
        let store: LogStore
        do {
            store = try LogStore.open(file: file, options: options)
        } catch {
            return "rejected by LogStore.open"
        }
        var outcome: StaticString = "opened, scanned, read and closed"
        var streams: [StreamKey] = []
        var seen = Set<StreamKey>()
        var scanned = 0
        do {
            try store.scan(from: LSN(1)) { record in
                scanned += 1
                if seen.count < streamsMax, seen.insert(record.stream).inserted { streams.append(record.stream) }
                return scanned < scannedRecordsMax
            }
        } catch {
            outcome = "opened; the scan failed"
        }
        for stream in streams {
            do {
                let records = try store.read(stream: stream)
                for record in records { keep(record.payload.count) }
            } catch {
                outcome = "opened; a read failed"
            }
        }
        _ = store.stats()
        do {
            try store.close()
        } catch {
            outcome = "opened; close failed"
        }
        return outcome
    }

    /// Runs the offline checker and the dump over the image, before recovery changes anything.
    static func inspect(_ disk: SimulatedDisk) {
        let file: SimulatedFile
        do {
            file = try disk.open(fileName, create: false)
        } catch {
            preconditionFailure("the simulated file cannot be opened: \(error)")
        }
        defer { file.close() }
        let report = LogInspector.verify(file: file)
        keep(report.problems.count)
        var items = 0
        LogInspector.dump(file: file, records: true) { _ in
            items += 1
            return items < dumpItemsMax
        }
    }
}
