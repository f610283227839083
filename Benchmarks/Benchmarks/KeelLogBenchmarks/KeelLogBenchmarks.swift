import Benchmark
import KeelLog

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Benchmarks of KeelLog on real files: durable appends (default options, one fdatasync per group
// commit) at three batch sizes and under 64 concurrent appenders, reads of one long stream, and
// recovery of a 1 GiB file after a crash. See Benchmarks/README.md for what each one measures.

/// Records appended or read per second, from the benchmark's own clock around the measured work.
let recordsPerSecond = BenchmarkMetric.custom("Records per second", polarity: .prefersLarger, useScalingFactor: false)
/// Commits per `fdatasync` over one iteration: how well concurrent appends are grouped.
let commitsPerSync = BenchmarkMetric.custom("Commits per fsync", polarity: .prefersLarger, useScalingFactor: false)
/// Median and 99th percentile of the acknowledgement latency of the appends of one iteration.
let ackLatencyP50 = BenchmarkMetric.custom("Ack latency p50 (us)", polarity: .prefersSmaller, useScalingFactor: false)
let ackLatencyP99 = BenchmarkMetric.custom("Ack latency p99 (us)", polarity: .prefersSmaller, useScalingFactor: false)

/// What every benchmark reports. CPU time is left to the slow ones: the operating system reports it in
/// 10 ms ticks, which reads as zero for a commit.
let coreMetrics: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal, .mallocBytesCount]

/// Records per second for `records` records handled in `elapsed`.
func rate(_ records: Int, _ elapsed: Duration) -> Int {
    let nanoseconds = max(1, elapsed.wholeNanoseconds)
    return Int(Double(records) * 1e9 / Double(nanoseconds))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: coreMetrics + [recordsPerSecond],
        warmupIterations: 10,
        maxDuration: .seconds(5),
        maxIterations: 1_000_000
    )

    // 1–3. One appender, each commit awaited before the next: the latency of a durable commit and
    // the cost per record as the batch grows. One iteration is one commit.
    for batchSize in [1, 64, 1024] {
        let slot = FixtureSlot<AppendFixture>()
        Benchmark("Append batch \(batchSize)") { (benchmark: Benchmark, fixture: AppendFixture) throws in
            let batch = fixture.nextBatch()
            let start = ContinuousClock.now
            try fixture.store.appendBlocking(batch)
            benchmark.measurement(recordsPerSecond, rate(batch.count, start.duration(to: .now)))
        } setup: {
            slot.keep(try AppendFixture(batchSize: batchSize))
        } teardown: {
            slot.take()?.tearDown()
        }
    }

    // 4. 64 tasks append one record per commit and each awaits its own acknowledgement before its
    // next append; the writer groups whatever is waiting into one write and one fdatasync. One
    // iteration is 16 appends by each of the 64 tasks (1,024 commits).
    let concurrentSlot = FixtureSlot<ConcurrentAppendFixture>()
    Benchmark(
        "Append 64 concurrent appenders",
        configuration: .init(
            metrics: coreMetrics + [recordsPerSecond, commitsPerSync, ackLatencyP50, ackLatencyP99],
            warmupIterations: 3)
    ) { (benchmark: Benchmark, fixture: ConcurrentAppendFixture) async throws in
        let round = fixture.nextRound()
        let before = fixture.store.stats().counters
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<ConcurrentAppendFixture.appenders {
                group.addTask {
                    for step in 0..<ConcurrentAppendFixture.appendsPerAppender {
                        let commit = fixture.commit(appender: appender, round: round, step: step)
                        let began = ContinuousClock.now
                        try await fixture.store.append(commit)
                        fixture.latencies.set(
                            appender * ConcurrentAppendFixture.appendsPerAppender + step,
                            nanoseconds: began.duration(to: .now).wholeNanoseconds)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = start.duration(to: .now)
        benchmark.stopMeasurement()
        let after = fixture.store.stats().counters
        let sorted = fixture.latencies.sorted()
        benchmark.measurement(recordsPerSecond, rate(ConcurrentAppendFixture.appendsPerIteration, elapsed))
        benchmark.measurement(
            commitsPerSync, Int((after.commits - before.commits) / max(1, after.syncs - before.syncs)))
        benchmark.measurement(ackLatencyP50, Int(sorted[sorted.count / 2] / 1_000))
        benchmark.measurement(ackLatencyP99, Int(sorted[sorted.count * 99 / 100] / 1_000))
    } setup: {
        concurrentSlot.keep(try ConcurrentAppendFixture())
    } teardown: {
        concurrentSlot.take()?.tearDown()
    }

    // 5. Reads of one 50,000-record stream, written once in setup. With the default block cache the
    // stream's blocks stay decoded in memory after the first read, so this measures the cached path:
    // walking the index and filtering the blocks' records. The variants without the cache
    // (blockCacheBytes = 0) also pread, check and decompress each block (from the page cache) on
    // every read. One iteration is one read of 50,000 records: either `read(stream:)`, which copies
    // each record out (and the iteration frees them), or the lending `read(stream:_:)`, which hands
    // each payload over in place.
    for (name, cacheBytes, isInPlace) in [
        ("Read 50k-record stream", LogOptions().blockCacheBytes, false),
        ("Read 50k-record stream without block cache", 0, false),
        ("Read 50k-record stream in place", LogOptions().blockCacheBytes, true),
        ("Read 50k-record stream in place without block cache", 0, true),
    ] {
        let slot = FixtureSlot<ReadFixture>()
        var options = LogOptions()
        options.blockCacheBytes = cacheBytes
        Benchmark(
            name,
            configuration: .init(metrics: coreMetrics + [recordsPerSecond, .peakMemoryResident], warmupIterations: 2)
        ) { (benchmark: Benchmark, fixture: ReadFixture) throws in
            let start = ContinuousClock.now
            let count = try isInPlace ? fixture.readInPlace() : fixture.readAll()
            benchmark.measurement(recordsPerSecond, rate(count, start.duration(to: .now)))
        } setup: {
            slot.keep(try ReadFixture(label: cacheBytes == 0 ? "read-uncached" : "read", options: options))
        } teardown: {
            slot.take()?.tearDown()
        }
    }

    // 6. Opening a 1 GiB file after a crash tore its last commit, and closing it: everything recovery
    // does (see README.md) and the checkpoint a clean close writes. Page cache warm: the file was
    // just written. One iteration is one open and close; the crash image is written back before
    // each, unmeasured.
    let crashSlot = FixtureSlot<CrashedLogFixture>()
    Benchmark(
        "Open after crash 1 GiB",
        configuration: .init(
            metrics: coreMetrics + [.cpuTotal, .peakMemoryResident],
            warmupIterations: 1,
            maxDuration: .seconds(10),
            maxIterations: 20)
    ) { (benchmark: Benchmark, fixture: CrashedLogFixture) throws in
        try fixture.restoreCrashImage()
        benchmark.startMeasurement()
        let store = try LogStore.open(path: fixture.path)
        try store.close()
        benchmark.stopMeasurement()
    } setup: {
        let fixture = try CrashedLogFixture()
        let line = fixture.summary + "\n"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        return crashSlot.keep(fixture)
    } teardown: {
        crashSlot.take()?.tearDown()
    }
}
