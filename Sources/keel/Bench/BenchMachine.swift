import Foundation

/// The machine a benchmark ran on, reported beside its figures: absolute rates mean little without it.
enum BenchMachine {
    /// Returns the machine's description as a JSON object: processor, cores, memory, system, build,
    /// allocator, load average and date.
    static func json() -> BenchJSON {
        var object = BenchJSON()
        object.set("cpu_model", cpuModel() ?? "unknown")
        object.set("cores", ProcessInfo.processInfo.activeProcessorCount)
        object.set("memory_bytes", ProcessInfo.processInfo.physicalMemory)
        object.set("os", ProcessInfo.processInfo.operatingSystemVersionString)
        object.set("kernel", kernelRelease() ?? "unknown")
        object.set("build", buildConfiguration)
        object.set("allocator", BenchAllocator.description)
        var load = [Double](repeating: 0, count: 3)
        let samples = getloadavg(&load, 3)
        object.set("load_average_1m", samples > 0 ? load[0] : .nan, decimals: 2)
        object.set("date", ISO8601DateFormatter().string(from: Date()))
        return object
    }

    /// Returns one line for a table's heading, such as
    /// `release build, jemalloc 5.3.0, 2 cores, AMD EPYC 7B13, 23.4 GB`.
    static func summary() -> String {
        "\(buildConfiguration) build, \(BenchAllocator.description), \(ProcessInfo.processInfo.activeProcessorCount) cores, "
            + "\(cpuModel() ?? "unknown processor"), \(BenchFormat.bytes(ProcessInfo.processInfo.physicalMemory))"
    }

    /// `debug` or `release`: debug builds run several times slower, so every report says which it was.
    static var buildConfiguration: String {
        #if DEBUG
            "debug"
        #else
            "release"
        #endif
    }

    /// Returns the first `model name` of `/proc/cpuinfo`, or nil where it cannot be read.
    static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// Returns the kernel's release from `uname`, or nil.
    static func kernelRelease() -> String? {
        var name = utsname()
        guard uname(&name) == 0 else { return nil }
        return withUnsafeBytes(of: name.release) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Returns the resident set size from `/proc/self/statm`, or nil where it cannot be read.
    static func residentBytes() -> UInt64? {
        TimerBenchRun.residentBytes().map { UInt64(max(0, $0)) }
    }
}
