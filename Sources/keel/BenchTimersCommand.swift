import ArgumentParser
import Foundation
import KeelTimer

/// `keel bench timers`: schedule, cancel and expiry throughput of `TimerWheel`, and its memory per
/// pending timer.
struct BenchTimersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timers",
        abstract: "Measure the timer wheel: schedules, cancels, expiries and memory per pending timer.",
        discussion: """
            Schedules N timers with deadlines spread uniformly over --horizon-ticks ahead (the engine's \
            tick is 1 ms, so the default horizon is one day), cancels a random half in random order, \
            then fires the rest the way the engine does: it asks for the next deadline and advances to \
            it, until no timer is left. Each element is an 8-byte value. Memory is the wheel's storage \
            at its peak of N pending timers, and the growth of the resident set over the schedules \
            (Linux only). Each phase is timed on the wall clock and on the thread's CPU clock.
            """
    )

    /// Most timers one run schedules.
    static let timersMax = 50_000_000
    /// Longest horizon: 2^40 ticks, about 35 years of 1 ms ticks.
    static let horizonTicksMax: UInt64 = 1 << 40
    /// The tick the wheel starts at: far from zero, so that it starts in the middle of a block at every
    /// level, as a long-running engine's wheel does.
    static let startTick: UInt64 = 1_717_200_000_000
    /// The default seed of the deadlines and of the cancelled half.
    static let defaultSeed: UInt64 = 0x7469_6D65_7273

    @Option(help: "Timers to schedule (1 to 50,000,000).") var timers = 10_000_000
    @Option(help: "Deadlines are spread over this many ticks ahead (1 to 2^40).") var horizonTicks: UInt64 = 86_400_000
    @Option(help: "Seed of the deadlines and of the cancelled half.") var seed = Self.defaultSeed
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        guard (1...Self.timersMax).contains(timers) else {
            throw ValidationError("--timers must be 1...\(Self.timersMax), found \(timers)")
        }
        guard (1...Self.horizonTicksMax).contains(horizonTicks) else {
            throw ValidationError("--horizon-ticks must be 1...\(Self.horizonTicksMax), found \(horizonTicks)")
        }
    }

    func run() throws {
        let report = try measure()
        print(json ? report.json.text : report.table)
    }

    /// Runs every phase and returns the results; progress goes to standard error.
    ///
    /// - Throws: `BenchError` when the wheel does not hold, cancel or fire what was expected.
    func measure() throws -> BenchTimersReport {
        let result = try TimerBenchRun(timers: timers, horizonTicks: horizonTicks, seed: seed).run()
        return BenchTimersReport(command: self, result: result)
    }
}

/// What one run of `keel bench timers` measured.
struct TimerBenchResult {
    var scheduled: Int
    var cancelled: Int
    var fired: Int
    /// How many times the expiry loop asked for the next deadline and advanced to it.
    var advances: Int
    var schedule: PhaseTime
    var cancel: PhaseTime
    var expire: PhaseTime
    /// The wheel's storage with every timer pending.
    var peakMemoryBytes: Int
    /// Growth of the resident set over the schedules, or `nil` where `/proc/self/statm` is missing.
    var residentGrowthBytes: Int?

    var schedulesPerSecond: Double { rate(scheduled, schedule.wall) }
    var cancelsPerSecond: Double { rate(cancelled, cancel.wall) }
    var expiriesPerSecond: Double { rate(fired, expire.wall) }
    /// Schedules and cancels together, over the time both took.
    var operationsPerSecond: Double { rate(scheduled + cancelled, schedule.wall + cancel.wall) }
    /// Schedules and cancels together, over the CPU time both took: the rate with a core to itself.
    var operationsPerCPUSecond: Double { rate(scheduled + cancelled, schedule.cpu + cancel.cpu) }
    /// The share of a core the timed phases got; below 1 when other processes compete for the cores.
    var cpuShare: Double {
        let wall = (schedule.wall + cancel.wall + expire.wall).seconds
        return wall > 0 ? (schedule.cpu + cancel.cpu + expire.cpu).seconds / wall : 0
    }
    var bytesPerTimer: Double { Double(peakMemoryBytes) / Double(max(scheduled, 1)) }
    var residentBytesPerTimer: Double? { residentGrowthBytes.map { Double($0) / Double(max(scheduled, 1)) } }

    private func rate(_ count: Int, _ elapsed: Duration) -> Double {
        elapsed.seconds > 0 ? Double(count) / elapsed.seconds : 0
    }
}

/// The phases of one run: generate the workload, schedule, cancel, expire.
struct TimerBenchRun {
    let timers: Int
    let horizonTicks: UInt64
    let seed: UInt64

    func run() throws(BenchError) -> TimerBenchResult {
        phase(
            "generating \(BenchFormat.grouped(timers)) deadlines over \(BenchFormat.grouped(Int(horizonTicks))) ticks "
                + "(seed \(String(seed, radix: 16)))")
        var random = BenchRandom(seed: seed)
        let start = BenchTimersCommand.startTick
        let deadlines = (0..<timers).map { _ in start + 1 + random.next() % horizonTicks }
        // The first half of a partial shuffle is the cancelled half, in random order.
        let cancelCount = timers / 2
        var order = Array(0..<UInt32(timers))
        for position in 0..<cancelCount {
            order.swapAt(position, position + random.below(timers - position))
        }
        // Every page of the handle array is written before the baseline, so that the resident set grows
        // by the wheel's storage alone.
        var handles = [TimerHandle?](repeating: nil, count: timers)
        let residentBefore = Self.residentBytes()

        phase("scheduling \(BenchFormat.grouped(timers)) timers")
        // The element is the deadline, so that the expiry loop can check the order without a lookup.
        var wheel = TimerWheel<UInt64>(currentTick: start)
        let schedule = PhaseTime.measure {
            for index in 0..<timers {
                handles[index] = wheel.schedule(deadlines[index], at: deadlines[index])
            }
        }
        let peakMemoryBytes = wheel.memoryBytes
        let residentAfter = Self.residentBytes()
        // The deadlines are not read again; without this, their array could be freed before the
        // measurement above and hide 8 bytes per timer of the wheel's growth.
        withExtendedLifetime(deadlines) {}
        guard wheel.count == timers else {
            throw BenchError("timers", "expected \(timers) pending timers after scheduling, found \(wheel.count)")
        }

        phase("cancelling \(BenchFormat.grouped(cancelCount)) timers in random order")
        // The handles are gathered first, so that the timing covers the wheel and not a random read of
        // the benchmark's own array.
        let cancelling = order.prefix(cancelCount).compactMap { handles[Int($0)] }
        var cancelled = 0
        let cancel = PhaseTime.measure {
            for handle in cancelling where wheel.cancel(handle) != nil { cancelled += 1 }
        }
        guard cancelled == cancelCount else {
            throw BenchError("timers", "expected \(cancelCount) cancels to find their timer, found \(cancelled)")
        }

        phase("firing the other \(BenchFormat.grouped(wheel.count)) timers, advancing from deadline to deadline")
        var fired = 0
        var advances = 0
        var lastDeadline: UInt64 = 0
        var outOfOrder = 0
        let expire = PhaseTime.measure {
            while let next = wheel.nextDeadline() {
                advances += 1
                wheel.advance(to: next) { _, deadline in
                    if deadline < lastDeadline || deadline > next { outOfOrder += 1 }
                    lastDeadline = deadline
                    fired += 1
                }
            }
        }
        guard fired == timers - cancelCount, outOfOrder == 0, wheel.isEmpty else {
            throw BenchError(
                "timers",
                "expected \(timers - cancelCount) timers to fire in deadline order, found \(fired) fired, "
                    + "\(outOfOrder) out of order and \(wheel.count) left")
        }
        return TimerBenchResult(
            scheduled: timers, cancelled: cancelled, fired: fired, advances: advances,
            schedule: schedule, cancel: cancel, expire: expire, peakMemoryBytes: peakMemoryBytes,
            residentGrowthBytes: residentBefore.flatMap { before in residentAfter.map { $0 - before } })
    }

    /// Returns the resident set size from `/proc/self/statm`, or `nil` where it cannot be read.
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }

    /// Announces a phase on standard error, so standard output carries only the result.
    private func phase(_ text: String) {
        FileHandle.standardError.write(Data("keel bench timers: \(text)\n".utf8))
    }
}

/// Wall-clock and CPU time of one phase. On a machine whose cores other processes share, the CPU time
/// shows what the code costs and the wall clock what a caller waited.
struct PhaseTime {
    var wall: Duration
    var cpu: Duration

    /// Runs `body` and returns the time it took on the wall clock and on this thread's CPU clock.
    static func measure(_ body: () -> Void) -> PhaseTime {
        let clock = ContinuousClock()
        let cpuStart = threadCPUTime()
        let wallStart = clock.now
        body()
        let wall = clock.now - wallStart
        return PhaseTime(wall: wall, cpu: threadCPUTime() - cpuStart)
    }

    /// Returns the CPU time this thread has used.
    private static func threadCPUTime() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(Int64(time.tv_sec)) + .nanoseconds(Int64(time.tv_nsec))
    }
}

/// The results of `keel bench timers` as one JSON object (for scripts) or a table (for people).
struct BenchTimersReport {
    let command: BenchTimersCommand
    let result: TimerBenchResult

    var json: BenchJSON {
        var object = BenchJSON()
        object.set("timers", result.scheduled)
        object.set("cancelled", result.cancelled)
        object.set("fired", result.fired)
        object.set("horizon_ticks", command.horizonTicks)
        object.set("seed", String(command.seed, radix: 16))
        object.set("element_bytes", MemoryLayout<UInt64>.size)
        object.set("insert_s", result.schedule.wall.seconds, decimals: 3)
        object.set("insert_cpu_s", result.schedule.cpu.seconds, decimals: 3)
        object.set("insert_per_s", result.schedulesPerSecond, decimals: 0)
        object.set("cancel_s", result.cancel.wall.seconds, decimals: 3)
        object.set("cancel_cpu_s", result.cancel.cpu.seconds, decimals: 3)
        object.set("cancel_per_s", result.cancelsPerSecond, decimals: 0)
        object.set("ops_per_s", result.operationsPerSecond, decimals: 0)
        object.set("ops_per_cpu_s", result.operationsPerCPUSecond, decimals: 0)
        object.set("expire_s", result.expire.wall.seconds, decimals: 3)
        object.set("expire_cpu_s", result.expire.cpu.seconds, decimals: 3)
        object.set("expire_per_s", result.expiriesPerSecond, decimals: 0)
        object.set("cpu_share", result.cpuShare, decimals: 2)
        object.set("advances", result.advances)
        object.set("memory_bytes", result.peakMemoryBytes)
        object.set("bytes_per_timer", result.bytesPerTimer, decimals: 1)
        object.set("rss_bytes_per_timer", result.residentBytesPerTimer ?? .nan, decimals: 1)
        return object
    }

    var table: String {
        var lines: [String] = []
        func line(_ label: String, _ value: String) {
            lines.append("  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + value)
        }
        func timed(_ count: Int, _ elapsed: Duration, _ rate: Double) -> String {
            "\(BenchFormat.grouped(count)) in \(String(format: "%.3f", elapsed.seconds)) s, "
                + "\(BenchFormat.rate(rate))/s"
        }
        lines.append(
            "keel bench timers: \(BenchFormat.grouped(result.scheduled)) timers over "
                + "\(BenchFormat.grouped(Int(command.horizonTicks))) ticks, 8-byte elements")
        lines.append("")
        line("schedule", timed(result.scheduled, result.schedule.wall, result.schedulesPerSecond))
        line("cancel", timed(result.cancelled, result.cancel.wall, result.cancelsPerSecond))
        line(
            "schedule + cancel",
            "\(BenchFormat.rate(result.operationsPerSecond)) ops/s "
                + "(\(BenchFormat.rate(result.operationsPerCPUSecond)) per CPU-second)")
        line(
            "expire",
            timed(result.fired, result.expire.wall, result.expiriesPerSecond)
                + " (\(BenchFormat.grouped(result.advances)) advances)")
        line("CPU share", String(format: "%.0f%% of a core over the timed phases", result.cpuShare * 100))
        line(
            "memory at peak",
            "\(BenchFormat.bytes(UInt64(result.peakMemoryBytes))), "
                + String(format: "%.1f bytes per pending timer", result.bytesPerTimer))
        if let resident = result.residentBytesPerTimer {
            line("resident set growth", String(format: "%.1f bytes per pending timer", resident))
        }
        return lines.joined(separator: "\n")
    }
}
