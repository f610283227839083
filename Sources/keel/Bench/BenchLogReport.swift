import Foundation

/// The results of `keel bench log` as one JSON object (for scripts) or a table (for people).
struct BenchLogReport {
    let command: BenchLogCommand
    let keel: KeelResult
    let sqlite: BaselineResult?
    let file: BaselineResult?

    /// Keel's throughput over a baseline's, or zero when the baseline appended nothing.
    private func ratio(_ baseline: BaselineResult) -> Double {
        let rate = baseline.run.recordsPerSecond
        return rate > 0 ? keel.append.recordsPerSecond / rate : 0
    }

    var json: BenchJSON {
        var object = BenchJSON()
        let append = keel.append
        object.set("records_requested", command.records)
        object.set("records", append.records)
        object.set("batch", command.batch)
        object.set("concurrency", command.concurrency)
        object.set("appenders", command.appenders.rawValue)
        object.set("record_bytes", command.recordBytes)
        object.set("data", command.data.rawValue)
        object.set("segment_mib", command.segmentMib)
        object.set("durability", command.durability.rawValue)
        object.set("max_seconds", command.maxSeconds, decimals: 1)
        object.set("seed", String(HistoryRecordGenerator.seed, radix: 16))
        object.set("capped", append.isCapped)
        object.set("elapsed_s", append.elapsed.seconds, decimals: 3)
        object.set("records_per_s", append.recordsPerSecond, decimals: 0)
        object.set("commits", append.commits)
        object.set("acks_per_s", append.acknowledgementsPerSecond, decimals: 0)
        setLatency(&object, prefix: "commit", append.latency)
        object.set("group_writes", keel.writes)
        object.set("syncs", keel.syncs)
        object.set("records_per_write", keel.writes > 0 ? Double(append.records) / Double(keel.writes) : 0, decimals: 1)
        object.set("segments_sealed", keel.segmentsSealed)
        object.set("raw_bytes", keel.rawBytes)
        object.set("bytes_written", keel.storedBytes)
        object.set("compression_ratio", keel.compressionRatio, decimals: 3)
        object.set("data_file_bytes", keel.dataFileBytes)
        object.set("stream_records", keel.stream.records)
        object.set("stream_capped", keel.stream.isCapped)
        object.set("stream_write_records_per_s", keel.stream.recordsPerSecond, decimals: 0)
        object.set("reopen_ms", keel.reopen.seconds * 1000, decimals: 2)
        object.set("stream_read_cold_records_per_s", keel.coldReadRecordsPerSecond, decimals: 0)
        if let faults = keel.coldReadPageFaults { object.set("stream_read_cold_page_faults", faults) }
        object.set("stream_read_uncached_records_per_s", keel.uncachedReadRecordsPerSecond, decimals: 0)
        object.set("stream_read_records_per_s", keel.warmReadRecordsPerSecond, decimals: 0)
        object.set("stream_read_in_place_uncached_records_per_s", keel.inPlaceUncachedReadRecordsPerSecond, decimals: 0)
        object.set("stream_read_in_place_records_per_s", keel.inPlaceReadRecordsPerSecond, decimals: 0)
        object.set("stream_read_best_records_per_s", keel.bestReadRecordsPerSecond, decimals: 0)
        object.set("stream_warm_reads", keel.warmReads.count)
        object.set("scan_records", keel.scanRecords)
        object.set("scan_capped", keel.isScanCapped)
        object.set("scan_records_per_s", keel.scanRecordsPerSecond, decimals: 0)
        for (name, result) in [("sqlite", sqlite), ("file", file)] {
            guard let result else { continue }
            object.set("\(name)_records", result.run.records)
            object.set("\(name)_capped", result.run.isCapped)
            object.set("\(name)_records_per_s", result.run.recordsPerSecond, decimals: 0)
            object.set("\(name)_acks_per_s", result.run.acknowledgementsPerSecond, decimals: 0)
            setLatency(&object, prefix: "\(name)_commit", result.run.latency)
            object.set("\(name)_bytes", result.bytes)
            object.set("ratio_vs_\(name)", ratio(result), decimals: 2)
        }
        return object
    }

    private func setLatency(_ object: inout BenchJSON, prefix: String, _ latency: LatencySummary) {
        object.set("\(prefix)_p50_us", latency.p50.microseconds)
        object.set("\(prefix)_p90_us", latency.p90.microseconds)
        object.set("\(prefix)_p99_us", latency.p99.microseconds)
        object.set("\(prefix)_p999_us", latency.p999.microseconds)
        object.set("\(prefix)_max_us", latency.max.microseconds)
        object.set("\(prefix)_mean_us", latency.mean.microseconds)
    }

    var table: String {
        var lines: [String] = []
        func line(_ label: String, _ value: String) {
            lines.append("  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + value)
        }
        func latency(_ summary: LatencySummary) -> String {
            "p50 \(BenchFormat.latency(summary.p50))   p99 \(BenchFormat.latency(summary.p99))   "
                + "max \(BenchFormat.latency(summary.max))"
        }
        func capped(_ isCapped: Bool) -> String {
            isCapped ? " (stopped at --max-seconds \(command.maxSeconds))" : ""
        }
        let append = keel.append
        lines.append(
            "keel bench log: \(BenchFormat.grouped(command.records)) \(command.data == .peers ? "peer " : "")records of \(command.recordBytes) bytes, "
                + "commits of \(command.batch), \(command.concurrency) appender \(command.appenders == .tasks ? "task" : "thread")\(command.concurrency == 1 ? "" : "s"), "
                + "\(command.durability.rawValue), \(command.segmentMib) MiB segments")
        lines.append("")
        lines.append("KeelLog appends")
        line(
            "records",
            "\(BenchFormat.grouped(append.records)) in \(String(format: "%.3f", append.elapsed.seconds)) s"
                + capped(append.isCapped))
        line(
            "throughput",
            "\(BenchFormat.rate(append.recordsPerSecond)) records/s, \(BenchFormat.rate(append.acknowledgementsPerSecond)) acks/s"
        )
        line("commit latency", latency(append.latency))
        let perWrite = keel.writes > 0 ? Double(append.records) / Double(keel.writes) : 0
        line(
            "group commit",
            "\(BenchFormat.grouped(Int(keel.writes))) writes, \(BenchFormat.grouped(Int(keel.syncs))) syncs, "
                + String(format: "%.1f records per write", perWrite))
        line(
            "storage",
            "\(BenchFormat.bytes(keel.rawBytes)) raw, \(BenchFormat.bytes(keel.storedBytes)) written, "
                + String(format: "compression %.2fx", keel.compressionRatio))
        lines.append("")
        lines.append("KeelLog reads")
        line("reopen", String(format: "%.2f ms", keel.reopen.seconds * 1000))
        let faults = keel.coldReadPageFaults.map { ", \(BenchFormat.grouped($0)) new memory pages" } ?? ""
        line("stream read", "\(BenchFormat.grouped(keel.stream.records)) records, one stream")
        line("  first after open", "\(BenchFormat.rate(keel.coldReadRecordsPerSecond)) records/s\(faults)")
        line(
            "  uncached",
            "\(BenchFormat.rate(keel.uncachedReadRecordsPerSecond)) records/s copied, "
                + "\(BenchFormat.rate(keel.inPlaceUncachedReadRecordsPerSecond)) in place "
                + "(medians of \(keel.uncachedReads.count), block cache emptied before each)")
        line(
            "  cached",
            "\(BenchFormat.rate(keel.warmReadRecordsPerSecond)) records/s copied, "
                + "\(BenchFormat.rate(keel.inPlaceReadRecordsPerSecond)) in place (medians of \(keel.warmReads.count))")
        line(
            "scan",
            "\(BenchFormat.grouped(keel.scanRecords)) records, \(BenchFormat.rate(keel.scanRecordsPerSecond)) records/s"
                + capped(keel.isScanCapped))
        if sqlite != nil || file != nil {
            lines.append("")
            lines.append("Baselines (the same records, batch and concurrency)")
        }
        let isFull = command.durability == .fsync
        for (name, result) in [
            ("SQLite WAL " + (isFull ? "FULL" : "NORMAL"), sqlite),
            ("write + fdatasync", file),
        ] {
            guard let result else { continue }
            line(
                name,
                "\(BenchFormat.rate(result.run.recordsPerSecond)) records/s, \(latency(result.run.latency)); "
                    + String(format: "KeelLog %.2fx", ratio(result)) + capped(result.run.isCapped))
        }
        return lines.joined(separator: "\n")
    }
}
