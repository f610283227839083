import ArgumentParser
import Foundation
import KeelLog

/// `keel bench log`: durable append throughput and commit latency of `LogStore`, its compression,
/// stream-read and scan speed, and the same appends through SQLite and a plain file in the same run.
struct BenchLogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Measure durable appends, stream reads and scans of the log, with SQLite and plain-file baselines.",
        discussion: """
            C appenders each append commits of B records and wait for their own durable acknowledgement; \
            records are about 160-byte workflow-history events spread over many streams (--data history), \
            or the peer kit's storage records byte for byte (--data peers). Then one stream \
            of --stream-records records is written in commits of 1,000 and read back: first after a \
            reopen, then uncached (the block cache emptied before each read), then cached; and \
            everything is scanned. Each phase stops after \
            --max-seconds. Baselines append the same records with the same batch and concurrency.
            """
    )

    /// What the log's appenders are.
    enum AppenderChoice: String, ExpressibleByArgument, CaseIterable {
        /// Threads blocking in `appendBlocking`.
        case threads
        /// Swift tasks suspended in `await append(_:)`.
        case tasks
    }

    /// What the appended records are.
    enum DataChoice: String, ExpressibleByArgument, CaseIterable {
        /// `HistoryRecordGenerator`: events with random identifiers and numbers over many streams.
        case history
        /// `PeerRecordGenerator`: the peer kit's 160-byte records, byte for byte.
        case peers
    }

    /// Which baselines run after the log.
    enum BaselineChoice: String, ExpressibleByArgument, CaseIterable {
        case none, sqlite, file, all
        var includesSQLite: Bool { self == .sqlite || self == .all }
        var includesFile: Bool { self == .file || self == .all }
    }

    /// Most records one run appends: they are generated in memory before timing starts.
    static let recordsMax = 10_000_000
    /// Most appenders.
    static let concurrencyMax = 1_024
    /// Smallest and largest record payload.
    static let recordBytesRange = 16...65_536
    /// Most records in the read stream.
    static let streamRecordsMax = 1_000_000
    /// Records per commit when writing the read stream.
    static let streamCommitRecords = 1_000
    /// Uncached and then cached reads of the stream after the first one.
    static let warmReads = 5
    /// Longest phase.
    static let maxSecondsMax = 3_600.0
    /// Generated records kept in memory at once.
    static let workloadBytesMax = 4 << 30

    @Option(help: "Records to append (1 to 10,000,000).") var records = 1_000_000
    @Option(help: "Records per commit.") var batch = 1_024
    @Option(help: "Appenders, each waiting for its own acknowledgement.") var concurrency = 1
    @Option(help: "Run the log's appenders as threads or Swift tasks (baselines always use threads).")
    var appenders = AppenderChoice.threads
    @Option(help: "Payload bytes of each record (with --data history).") var recordBytes = 160
    @Option(
        help: """
            The records: workflow-history events with random identifiers (history), or the peer kit's \
            160-byte records byte for byte (peers), which compress about twice as well.
            """)
    var data = DataChoice.history
    @Option(help: "Segment size in MiB.") var segmentMib = 64
    @Option(help: "When an append is acknowledged.") var durability = DurabilityChoice.fsync
    @Option(help: "Sync interval with --durability relaxed, in milliseconds.") var syncIntervalMs = 10
    @Option(help: "Directory in which a temporary directory is made (and removed afterwards).") var path = "/tmp"
    @Option(help: "Baselines to run with the same appends.") var baseline = BaselineChoice.all
    @Option(help: "Records of the stream that is read back.") var streamRecords = 50_000
    @Option(help: "Time limit of each phase, in seconds; a capped phase reports what it did.") var maxSeconds = 60.0
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        let commitRecordsMax = LogOptions().commitRecordsMax
        try checkOption("--records", records, in: 1...Self.recordsMax)
        try checkOption("--batch", batch, in: 1...commitRecordsMax)
        try checkOption("--concurrency", concurrency, in: 1...Self.concurrencyMax)
        try checkOption("--record-bytes", recordBytes, in: Self.recordBytesRange)
        try checkOption(
            data == .history || recordBytes == PeerRecordGenerator.recordBytes,
            "--record-bytes applies to --data history; the peers' records are \(PeerRecordGenerator.recordBytes) bytes, found \(recordBytes)"
        )
        let segmentMibMax = LogOptions.segmentBytesMax >> 20
        try checkOption("--segment-mib", segmentMib, in: 1...segmentMibMax)
        try checkOption("--sync-interval-ms", syncIntervalMs, in: 1...60_000)
        try checkOption("--stream-records", streamRecords, in: 1...Self.streamRecordsMax)
        try checkOption(
            maxSeconds > 0 && maxSeconds <= Self.maxSecondsMax,
            "--max-seconds must be above 0 and at most \(Int(Self.maxSecondsMax)), found \(maxSeconds)")
        // A generous bound of one record's bytes in the log: header, key and payload.
        let recordBound = recordBytes + 64
        let commitBytesMax = min(LogOptions().commitBytesMax, (segmentMib << 20) / 4)
        try checkOption(
            batch * recordBound <= commitBytesMax,
            "a commit of \(batch) records of \(recordBytes) bytes takes up to \(batch * recordBound) bytes; "
                + "the log takes at most \(commitBytesMax) (the commit limit, at most a quarter segment)")
        let workloadBytes = (records + streamRecords) * (recordBound + 64)
        try checkOption(
            workloadBytes <= Self.workloadBytesMax,
            "the records take about \(workloadBytes >> 20) MiB in memory; at most \(Self.workloadBytesMax >> 20) MiB is allowed"
        )
        var isDirectory: ObjCBool = false
        try checkOption(
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue,
            "--path must be an existing directory, found \(path)")
    }

    func run() throws {
        let report = try measure()
        print(json ? report.json.text : report.table)
    }

    /// Runs every phase and returns the results; progress goes to standard error.
    ///
    /// - Throws: `BenchError` when a phase fails, or the error of creating the temporary directory.
    func measure() throws -> BenchLogReport {
        let progress = BenchProgress(isQuiet: false)
        let directory = "\(path)/keel-bench-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let interruptions = Self.removeOnInterrupt(directory)
        defer { interruptions.forEach { $0.cancel() } }

        progress.phase(
            "generating \(BenchFormat.grouped(records)) records of \(recordBytes) bytes "
                + "(commits of \(batch), \(concurrency) appender\(concurrency == 1 ? "" : "s"))")
        var commits: [[LogRecord]] = []
        commits.reserveCapacity((records + batch - 1) / batch)
        var generator: any BenchRecordGenerator =
            data == .peers ? PeerRecordGenerator() : HistoryRecordGenerator(recordBytes: recordBytes)
        for start in stride(from: 0, to: records, by: batch) {
            commits.append(generator.commit(recordCount: min(batch, records - start)))
        }
        let history = generator.history(of: generator.readStream, count: streamRecords)
        let timeLimit = Duration.milliseconds(Int64(maxSeconds * 1000))

        let keel = try KeelPhase(command: self, directory: directory + "/keel", progress: progress)
            .run(commits: commits, history: history, timeLimit: timeLimit)
        var sqlite: BaselineResult? = nil
        if baseline.includesSQLite {
            sqlite = try runSQLite(
                commits: commits, directory: directory + "/sqlite", timeLimit: timeLimit, progress: progress)
        }
        var file: BaselineResult? = nil
        if baseline.includesFile {
            file = try runFile(
                commits: commits, directory: directory + "/file", timeLimit: timeLimit, progress: progress)
        }
        return BenchLogReport(command: self, keel: keel, sqlite: sqlite, file: file)
    }

    /// Removes `directory` and exits when the benchmark is interrupted (SIGINT or SIGTERM), so an
    /// interrupted run leaves no files behind.
    private static func removeOnInterrupt(_ directory: String) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                try? FileManager.default.removeItem(atPath: directory)
                FileHandle.standardError.write(Data("keel bench log: interrupted; removed \(directory)\n".utf8))
                Foundation.exit(128 + number)
            }
            source.resume()
            return source
        }
    }

    private func runSQLite(commits: [[LogRecord]], directory: String, timeLimit: Duration, progress: BenchProgress)
        throws -> BaselineResult
    {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let isFull = durability == .fsync
        progress.phase("SQLite WAL synchronous=\(isFull ? "FULL" : "NORMAL"): the same appends")
        let database = try SQLiteBaseline(path: directory + "/bench.db", isSynchronousFull: isFull)
        let run = try AppendDriver.run(
            commits: commits, concurrency: concurrency, timeLimit: timeLimit, progress: progress, label: "sqlite"
        ) { _ throws(BenchError) in
            { (records: [LogRecord]) throws(BenchError) in try database.append(records) }
        }
        database.close()
        let bytes = (try? FileManager.default.attributesOfItem(atPath: directory + "/bench.db")[.size] as? NSNumber)?
            .uint64Value
        return BaselineResult(run: run, bytes: bytes ?? 0)
    }

    private func runFile(commits: [[LogRecord]], directory: String, timeLimit: Duration, progress: BenchProgress)
        throws -> BaselineResult
    {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let interval: Duration? = durability == .fsync ? nil : .milliseconds(syncIntervalMs)
        progress.phase(
            "plain file, write + \(interval == nil ? "fdatasync per commit" : "periodic fdatasync"): the same appends")
        let file = try FileBaseline(path: directory + "/bench.log", syncInterval: interval)
        let run = try AppendDriver.run(
            commits: commits, concurrency: concurrency, timeLimit: timeLimit, progress: progress, label: "file"
        ) { _ throws(BenchError) in file.makeAppend() }
        let bytes = file.bytesWritten
        file.close()
        return BaselineResult(run: run, bytes: bytes)
    }

    /// The store options the benchmark runs with.
    var logOptions: LogOptions {
        var options = LogOptions()
        options.segmentBytes = segmentMib << 20
        options.durability = durability == .fsync ? .fsync : .relaxed(syncIntervalMilliseconds: syncIntervalMs)
        return options
    }
}

/// What a baseline did: its append phase and the bytes it left on disk.
struct BaselineResult {
    var run: AppendRunResult
    var bytes: UInt64
}

/// What the log did in every phase.
struct KeelResult {
    var append: AppendRunResult
    /// Counter deltas over the append phase.
    var rawBytes: UInt64
    var storedBytes: UInt64
    var writes: UInt64
    var syncs: UInt64
    var segmentsSealed: UInt64
    /// Size of the data file after every phase that writes.
    var dataFileBytes: UInt64
    var stream: AppendRunResult
    var reopen: Duration
    /// The first read after the reopen: block cache empty, and the process's memory not yet
    /// touched by reads (every page the read allocates is faulted in).
    var coldRead: Duration
    /// Minor page faults during the first read (nil where not measured).
    var coldReadPageFaults: Int?
    /// Reads after `LogStore.releaseMemory()` emptied the block cache.
    var uncachedReads: [Duration]
    /// Reads served from the block cache.
    var warmReads: [Duration]
    /// Uncached and cached reads through the lending `read(stream:from:_:)`, payloads read in place.
    var inPlaceUncachedReads: [Duration]
    var inPlaceReads: [Duration]
    var scanRecords: Int
    var scanElapsed: Duration
    var isScanCapped: Bool

    var compressionRatio: Double { storedBytes > 0 ? Double(rawBytes) / Double(storedBytes) : 0 }
    var coldReadRecordsPerSecond: Double { rate(stream.records, coldRead) }
    /// The median of the warm reads.
    var warmReadRecordsPerSecond: Double { median(warmReads) }
    /// The median of the uncached reads.
    var uncachedReadRecordsPerSecond: Double { median(uncachedReads) }
    var inPlaceUncachedReadRecordsPerSecond: Double { median(inPlaceUncachedReads) }
    var inPlaceReadRecordsPerSecond: Double { median(inPlaceReads) }
    var bestReadRecordsPerSecond: Double { warmReads.min().map { rate(stream.records, $0) } ?? 0 }
    var scanRecordsPerSecond: Double { rate(scanRecords, scanElapsed) }

    func median(_ reads: [Duration]) -> Double {
        let sorted = reads.sorted()
        return sorted.isEmpty ? 0 : rate(stream.records, sorted[sorted.count / 2])
    }

    func rate(_ count: Int, _ elapsed: Duration) -> Double {
        elapsed.seconds > 0 ? Double(count) / elapsed.seconds : 0
    }
}

/// The log's phases: appends, the read stream, a reopen, stream reads and a scan.
struct KeelPhase {
    let command: BenchLogCommand
    let directory: String
    let progress: BenchProgress

    init(command: BenchLogCommand, directory: String, progress: BenchProgress) throws {
        self.command = command
        self.directory = directory
        self.progress = progress
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    func run(commits: [[LogRecord]], history: [LogRecord], timeLimit: Duration) throws -> KeelResult {
        let path = directory + "/bench.keel"
        let options = command.logOptions
        var store = try open(path, options)
        let before = store.stats().counters
        progress.phase(
            "KeelLog: \(command.concurrency) appender\(command.concurrency == 1 ? "" : "s") "
                + "(\(command.appenders.rawValue)), commits of \(command.batch) records")
        let append: AppendRunResult
        switch command.appenders {
        case .threads:
            append = try AppendDriver.run(
                commits: commits, concurrency: command.concurrency, timeLimit: timeLimit, progress: progress,
                label: "keel", makeAppend: Self.appender(store))
        case .tasks:
            append = try AppendDriver.runTasks(
                commits: commits, concurrency: command.concurrency, timeLimit: timeLimit, progress: progress,
                label: "keel"
            ) { [store] (records: [LogRecord]) async throws(BenchError) in
                do throws(LogError) { try await store.append(records) } catch { throw BenchError("keel", error) }
            }
        }
        let after = store.stats().counters

        progress.phase("KeelLog: one stream of \(BenchFormat.grouped(history.count)) records, commits of 1,000")
        let streamCommits = stride(from: 0, to: history.count, by: BenchLogCommand.streamCommitRecords).map {
            Array(history[$0..<min($0 + BenchLogCommand.streamCommitRecords, history.count)])
        }
        let stream = try AppendDriver.run(
            commits: streamCommits, concurrency: 1, timeLimit: timeLimit, progress: progress, label: "stream",
            makeAppend: Self.appender(store))
        do { try store.close() } catch { throw BenchError("keel", error) }

        progress.phase(
            "KeelLog: reopen, read the stream (first, then \(BenchLogCommand.warmReads) uncached and "
                + "\(BenchLogCommand.warmReads) cached, copied and in place), scan")
        let clock = ContinuousClock()
        let reopenStart = clock.now
        store = try open(path, options)
        let reopen = clock.now - reopenStart
        let key = history[0].stream
        let expected = history.prefix(stream.records)
        let faultsBefore = Self.minorPageFaults()
        let (firstRead, coldRead) = try timedRead(store, key)
        let coldReadPageFaults = faultsBefore.flatMap { before in Self.minorPageFaults().map { $0 - before } }
        guard firstRead.count == expected.count, zip(firstRead, expected).allSatisfy({ $0.payload == $1.payload })
        else {
            throw BenchError(
                "keel",
                "stream read: expected the \(expected.count) records written, found \(firstRead.count) records"
                    + (firstRead.count == expected.count ? " with different payloads" : ""))
        }
        // Uncached reads empty the block cache first; cached ones follow them. Each kind copies the
        // records out (`read(stream:)`) and reads them in place (the lending `read(stream:_:)`).
        var uncachedReads: [Duration] = []
        var inPlaceUncachedReads: [Duration] = []
        var warmReads: [Duration] = []
        var inPlaceReads: [Duration] = []
        let payloadBytes = expected.reduce(0) { $0 + $1.payload.count }
        for isCached in [false, true] {
            let readDeadline = clock.now + timeLimit
            for round in 0..<(2 * BenchLogCommand.warmReads) {
                guard clock.now < readDeadline else { break }
                if !isCached { store.releaseMemory() }
                if round % 2 == 0 {
                    let (records, elapsed) = try timedRead(store, key)
                    guard records.count == expected.count else {
                        throw BenchError(
                            "keel", "stream read: expected \(expected.count) records, found \(records.count)")
                    }
                    if isCached { warmReads.append(elapsed) } else { uncachedReads.append(elapsed) }
                } else {
                    let (count, bytes, elapsed) = try timedReadInPlace(store, key)
                    guard count == expected.count, bytes == payloadBytes else {
                        throw BenchError(
                            "keel",
                            "stream read in place: expected \(expected.count) records of \(payloadBytes) bytes, "
                                + "found \(count) records of \(bytes) bytes")
                    }
                    if isCached { inPlaceReads.append(elapsed) } else { inPlaceUncachedReads.append(elapsed) }
                }
            }
        }

        let expectedTotal = append.records + stream.records
        var scanned = 0
        var isScanCapped = false
        var firstGap: (expected: Int, found: UInt64)? = nil
        let scanStart = clock.now
        let scanDeadline = scanStart + timeLimit
        do {
            try store.scan(from: LSN(1)) { record in
                scanned += 1
                if firstGap == nil, record.lsn.rawValue != UInt64(scanned) { firstGap = (scanned, record.lsn.rawValue) }
                if scanned & 4095 == 0, clock.now >= scanDeadline {
                    isScanCapped = true
                    return false
                }
                return true
            }
        } catch {
            throw BenchError("keel", error)
        }
        let scanElapsed = clock.now - scanStart
        if let firstGap {
            throw BenchError("keel", "scan: expected LSN \(firstGap.expected), found \(firstGap.found)")
        }
        if !isScanCapped, scanned != expectedTotal {
            throw BenchError("keel", "scan: expected \(expectedTotal) records, found \(scanned)")
        }
        let dataFileBytes = store.stats().fileBytes
        do { try store.close() } catch { throw BenchError("keel", error) }

        return KeelResult(
            append: append, rawBytes: after.rawBytesAppended - before.rawBytesAppended,
            storedBytes: after.storedBytesWritten - before.storedBytesWritten, writes: after.writes - before.writes,
            syncs: after.syncs - before.syncs, segmentsSealed: after.segmentsSealed - before.segmentsSealed,
            dataFileBytes: dataFileBytes, stream: stream, reopen: reopen, coldRead: coldRead,
            coldReadPageFaults: coldReadPageFaults, uncachedReads: uncachedReads, warmReads: warmReads,
            inPlaceUncachedReads: inPlaceUncachedReads, inPlaceReads: inPlaceReads,
            scanRecords: scanned, scanElapsed: scanElapsed, isScanCapped: isScanCapped)
    }

    /// Appends through `appendBlocking`, which returns once the commit is durable.
    private static func appender(_ store: LogStore) -> @Sendable (Int) throws(BenchError) -> AppendDriver.Append {
        { _ throws(BenchError) in
            { (records: [LogRecord]) throws(BenchError) in
                do throws(LogError) { try store.appendBlocking(records) } catch { throw BenchError("keel", error) }
            }
        }
    }

    private func open(_ path: String, _ options: LogOptions) throws(BenchError) -> LogStore {
        do { return try LogStore.open(path: path, options: options) } catch { throw BenchError("keel", error) }
    }

    /// Minor page faults of this process so far (Linux; nil elsewhere).
    private static func minorPageFaults() -> Int? {
        #if os(Linux)
            var usage = rusage()
            guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
            return usage.ru_minflt
        #else
            return nil
        #endif
    }

    /// Reads the stream through the lending read; returns the records and payload bytes it saw.
    private func timedReadInPlace(_ store: LogStore, _ key: StreamKey) throws(BenchError) -> (Int, Int, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var bytes = 0
        do {
            try store.read(stream: key) { _, payload in
                count += 1
                bytes += payload.count
                return true
            }
        } catch {
            throw BenchError("keel", error)
        }
        return (count, bytes, clock.now - start)
    }

    private func timedRead(_ store: LogStore, _ key: StreamKey) throws(BenchError) -> ([StoredRecord], Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let records = try store.read(stream: key)
            return (records, clock.now - start)
        } catch {
            throw BenchError("keel", error)
        }
    }
}
