import ArgumentParser
import Foundation
import KeelLog

/// `keel demo`: durable workflow histories surviving a SIGKILL, shown step by step.
///
/// A writer process records the event histories of a few workflows in one data file; the demo kills
/// it with SIGKILL midway, reopens the file as a fresh process would, shows that every acknowledged
/// event is there, and lets a new writer finish each workflow from exactly where its history stops.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Record workflow histories, kill the writer with SIGKILL, recover and finish."
    )

    @Option(help: "Directory for the data file (default: a new temporary directory, removed afterwards).")
    var path: String?

    @Flag(help: "Keep the data file afterwards.") var keep = false

    @Flag(help: .hidden) var writer = false
    @Option(help: .hidden) var file: String?

    func run() throws {
        if writer {
            try DemoWriter.run(path: file ?? "keel.db")
            return
        }
        let directory = path ?? (NSTemporaryDirectory() + "keel-demo-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let dataFile = directory + "/keel.db"
        defer {
            if !keep && path == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        let total = DemoWorkflows.all.reduce(0) { $0 + $1.events.count }
        say("Keel demo: \(DemoWorkflows.all.count) workflows, \(total) history events, one data file (\(dataFile)).")
        say("")
        say("1. A writer process appends each workflow's events durably (fsync before each acknowledgement).")
        let killAfter = total / 2
        let first = try runWriter(dataFile: dataFile, killAfter: killAfter)
        say(
            "   The writer acknowledged \(first.acknowledged) events; the demo killed it with SIGKILL (pid \(first.pid)),"
        )
        say("   as a power cut, an OOM kill or a crash would, in the middle of its work.")
        say("")
        say("2. A fresh process opens the same file. Recovery reads the superblock, the checkpoint and the")
        say("   head segment, and cuts any write that was torn by the kill and never acknowledged.")
        do {
            let store = try LogStore.open(path: dataFile)
            let stats = store.stats()
            say(
                "   Recovered in one open: last LSN \(stats.lastLSN), \(stats.counters.tornTailBytes) torn bytes cut, \(stats.sealedSegments.count) sealed segment(s)."
            )
            var missing = 0
            for workflow in DemoWorkflows.all {
                let history = try store.read(stream: StreamKey(workflow.id))
                say(
                    "   \(workflow.id): \(history.count) of \(workflow.events.count) events recorded; next: \(history.count < workflow.events.count ? workflow.events[history.count] : "nothing, complete")"
                )
            }
            var present = Set<UInt64>()
            try store.scan(from: LSN(1)) { record in
                present.insert(record.lsn.rawValue)
                return true
            }
            for lsn in first.acknowledgedLSNs where !present.contains(lsn) { missing += 1 }
            say("   Acknowledged events missing after the crash: \(missing).")
            try store.close()
        }
        say("")
        say("3. A new writer replays each history to find where it stopped and finishes the workflows.")
        let second = try runWriter(dataFile: dataFile, killAfter: nil)
        say("   The new writer appended \(second.acknowledged) events and exited normally.")
        say("")
        let store = try LogStore.open(path: dataFile)
        for workflow in DemoWorkflows.all {
            let history = try store.read(stream: StreamKey(workflow.id))
            say("History of \(workflow.id) (\(history.count) events):")
            for record in history {
                say(
                    "   \(String(format: "%5d", Int(record.lsn.rawValue)))  \(String(decoding: record.payload, as: UTF8.self))"
                )
            }
            let complete = history.map { String(decoding: $0.payload, as: UTF8.self) } == workflow.events
            say("   \(complete ? "complete: every event exactly once, in order" : "INCOMPLETE")")
        }
        let stats = store.stats()
        try store.close()
        say("")
        say("Data file: \(stats.fileBytes) bytes, \(stats.totalRecords) records, last LSN \(stats.lastLSN).")
        if keep || path != nil {
            say("Inspect it with: keel log verify \(dataFile)  and  keel log dump \(dataFile) --records")
        }
    }

    struct WriterRun {
        var pid: Int32
        var acknowledged: Int
        var acknowledgedLSNs: [UInt64]
    }

    /// Runs the writer as a child process; kills it with SIGKILL after `killAfter` acknowledgements.
    private func runWriter(dataFile: String, killAfter: Int?) throws -> WriterRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["demo", "--writer", "--file", dataFile]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var lsns: [UInt64] = []
        var pending = ""
        var killed = false
        while true {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[pending.startIndex..<newline]
                pending = String(pending[pending.index(after: newline)...])
                if line.hasPrefix("ack "), let lsn = UInt64(line.dropFirst(4)) { lsns.append(lsn) }
            }
            if let killAfter, !killed, lsns.count >= killAfter {
                kill(process.processIdentifier, SIGKILL)
                killed = true
            }
        }
        process.waitUntilExit()
        if killAfter == nil && process.terminationStatus != 0 {
            throw ValidationError("the writer failed with status \(process.terminationStatus)")
        }
        return WriterRun(pid: process.processIdentifier, acknowledged: lsns.count, acknowledgedLSNs: lsns)
    }

    private func say(_ line: String) {
        print(line)
    }
}

/// The demo's workflows and their event histories.
enum DemoWorkflows {
    struct Workflow {
        var id: String
        var events: [String]
    }

    static let all: [Workflow] = (1...4).map { number in
        let id = "order-\(1000 + number)"
        var events = ["WorkflowExecutionStarted {\"type\":\"OrderFulfillment\",\"order\":\"\(id)\"}"]
        for activity in ["reserveInventory", "chargeCard", "shipParcel", "sendReceipt"] {
            events.append("ActivityTaskScheduled {\"activity\":\"\(activity)\"}")
            events.append("ActivityTaskStarted {\"activity\":\"\(activity)\",\"attempt\":1}")
            events.append("ActivityTaskCompleted {\"activity\":\"\(activity)\"}")
            if activity == "chargeCard" {
                events.append("TimerStarted {\"duration\":\"P7D\"}")
                events.append("TimerFired {}")
            }
        }
        events.append("WorkflowExecutionCompleted {\"result\":\"shipped\"}")
        return Workflow(id: id, events: events)
    }
}

/// The writer process: for each workflow, reads its history, then appends the missing events one
/// durable commit at a time, round-robin across workflows, printing each acknowledged LSN.
enum DemoWriter {
    static func run(path: String) throws {
        let store = try LogStore.open(path: path)
        var next = try DemoWorkflows.all.map { try store.read(stream: StreamKey($0.id)).count }
        var progressed = true
        while progressed {
            progressed = false
            for (index, workflow) in DemoWorkflows.all.enumerated() where next[index] < workflow.events.count {
                let event = workflow.events[next[index]]
                let range = try store.appendBlocking([
                    LogRecord(stream: StreamKey(workflow.id), payload: Array(event.utf8))
                ])
                emit("ack \(range.lowerBound.rawValue)")
                next[index] += 1
                progressed = true
            }
        }
        try store.close()
    }
}
