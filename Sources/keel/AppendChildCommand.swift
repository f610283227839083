import ArgumentParser
import Foundation
import KeelLog
import Synchronization

/// The process that crash tests and the demo kill: it appends deterministic commits from several
/// threads and prints one line per acknowledged commit, so the parent knows exactly what was
/// acknowledged before the SIGKILL.
struct AppendChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append-child",
        abstract: "Append deterministic commits and report each acknowledgement (for crash tests).",
        shouldDisplay: false
    )

    @Option(help: "Data file.") var path: String
    @Option(help: "First commit id to write.") var first: Int = 0
    @Option(help: "Number of commits to write.") var commits: Int = 1_000_000
    @Option(help: "Appending threads.") var threads: Int = 4
    @Option(help: "Segment size in KiB (for new files).") var segmentKiB: Int = 1024

    func run() throws {
        var options = LogOptions()
        options.segmentBytes = segmentKiB * 1024
        let store = try LogStore.open(path: path, options: options)
        emit("open \(store.lastLSN.rawValue)")
        let counter = Mutex(first)
        let end = first + commits
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let id = counter.withLock { value in
                        defer { value += 1 }
                        return value
                    }
                    if id >= end { return }
                    do {
                        let range = try store.appendBlocking(CrashWorkload.commit(id))
                        emit("ack \(id) \(range.lowerBound.rawValue) \(range.upperBound.rawValue)")
                    } catch {
                        FileHandle.standardError.write(Data("append \(id) failed: \(error)\n".utf8))
                        return
                    }
                }
            }
        }
        group.wait()
        try store.close()
        emit("done")
    }
}

/// Writes one line to standard output with a single unbuffered write, so that a SIGKILL never
/// leaves an acknowledged commit unreported or a line half written.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The deterministic content of crash-test commits: commit `id` has 1 to 5 records.
enum CrashWorkload {
    static func commit(_ id: Int) -> [LogRecord] {
        let count = id % 5 + 1
        return (0..<count).map { index in
            let stream = StreamKey("wf-\(id % 37)/run-1")
            var text =
                "{\"commit\":\(id),\"index\":\(index),\"type\":\"ActivityTaskCompleted\",\"attempt\":1,\"result\":\""
            text += String(repeating: "r\(id % 11)", count: 20 + id % 40)
            text += "\"}"
            return LogRecord(stream: stream, payload: Array(text.utf8))
        }
    }
}
