import Foundation

/// Progress on standard error, so standard output carries only the result. Phase lines are always
/// written; the running count of a phase only when standard error is a terminal.
final class BenchProgress: Sendable {
    private let isTerminal: Bool
    private let isQuiet: Bool

    init(isQuiet: Bool) {
        self.isQuiet = isQuiet
        self.isTerminal = isatty(STDERR_FILENO) != 0
    }

    /// Announces the start of a phase.
    func phase(_ text: String) {
        guard !isQuiet else { return }
        write("keel bench log: \(text)\n")
    }

    /// Redraws the bar of a phase that has done `done` of `total` records.
    func update(_ label: String, done: Int, of total: Int) {
        guard !isQuiet, isTerminal, total > 0 else { return }
        let filled = min(BenchBar.width, done * BenchBar.width / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: BenchBar.width - filled)
        write(
            "\r\u{1B}[K  \(label) [\(bar)] \(BenchFormat.grouped(done)) of \(BenchFormat.grouped(total)) records")
    }

    /// Ends a line of `update` output.
    func finishLine() {
        guard !isQuiet, isTerminal else { return }
        write("\r\u{1B}[K")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Number formatting for the readable table.
enum BenchFormat {
    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }

    /// A rate such as `3.52M` or `812.4k` or `950`.
    static func rate(_ value: Double) -> String {
        if value >= 1e6 { return String(format: "%.2fM", value / 1e6) }
        if value >= 1e4 { return String(format: "%.1fk", value / 1e3) }
        return String(format: "%.0f", value)
    }

    /// Bytes as `190.3 MB`.
    static func bytes(_ value: UInt64) -> String {
        let amount = Double(value)
        if amount >= 1e9 { return String(format: "%.2f GB", amount / 1e9) }
        if amount >= 1e6 { return String(format: "%.1f MB", amount / 1e6) }
        if amount >= 1e3 { return String(format: "%.1f kB", amount / 1e3) }
        return "\(value) B"
    }

    /// Microseconds as `281.4 µs` or `12.3 ms`.
    static func latency(_ duration: Duration) -> String {
        let micros = duration.microseconds
        if micros >= 1_000 { return String(format: "%.2f ms", micros / 1000) }
        return String(format: "%.1f µs", micros)
    }
}
