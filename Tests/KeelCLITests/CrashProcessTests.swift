import Foundation
import KeelLog
import Testing

/// Real-process crash tests: a child `keel append-child` appends from several threads and reports
/// each acknowledged commit; it is killed with SIGKILL at a random point, and the reopened file must
/// hold every acknowledged commit at its LSNs, with every other commit all there or all gone.
@Suite struct CrashProcessTests {
    struct Ack: Equatable {
        var first: UInt64
        var last: UInt64
    }

    /// Starts a child, kills it once it has reported `killAfter` acknowledgements, and returns them.
    func runChild(path: String, first: Int, killAfter: Int) throws -> [Int: Ack] {
        let process = Process()
        process.executableURL = KeelBinary.url
        process.arguments = ["append-child", "--path", path, "--first", String(first), "--threads", "4"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var acks: [Int: Ack] = [:]
        var pending = ""
        var killed = false
        while true {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[pending.startIndex..<newline]
                pending = String(pending[pending.index(after: newline)...])
                let fields = line.split(separator: " ")
                if fields.first == "ack", fields.count == 4, let id = Int(fields[1]), let low = UInt64(fields[2]),
                    let high = UInt64(fields[3])
                {
                    acks[id] = Ack(first: low, last: high)
                }
            }
            if !killed, acks.count >= killAfter {
                kill(process.processIdentifier, SIGKILL)
                killed = true
            }
        }
        process.waitUntilExit()
        #expect(
            process.terminationReason == .uncaughtSignal,
            "the child should have been killed, it exited with \(process.terminationStatus)")
        return acks
    }

    @Test func acknowledgedCommitsSurviveSigkill() async throws {
        let directory = NSTemporaryDirectory() + "keel-kill-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/keel.db"
        let seed =
            UInt64(ProcessInfo.processInfo.environment["KEEL_KILL_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        let rounds = Int(ProcessInfo.processInfo.environment["KEEL_KILL_ROUNDS"] ?? "") ?? 8
        print("process crash test: seed \(seed), \(rounds) kills (KEEL_KILL_SEED=\(seed) reproduces the kill points)")
        var random = seed
        var acknowledged: [Int: Ack] = [:]
        var nextFirst = 0
        for round in 0..<rounds {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let killAfter = 20 + Int((random >> 33) % 3000)
            let first = nextFirst
            let acks = try await KeelBinary.offPool { [self] in
                try runChild(path: path, first: first, killAfter: killAfter)
            }
            #expect(acks.count >= killAfter, "round \(round): only \(acks.count) acknowledgements before the kill")
            acknowledged.merge(acks) { old, _ in old }
            nextFirst = (acknowledged.keys.max() ?? 0) + 100

            // Reopen as a new process would, and compare with what the child reported.
            let store = try LogStore.open(
                path: path,
                options: {
                    var o = LogOptions(); o.segmentBytes = 1 << 20; return o
                }())
            var found: [Int: [UInt64]] = [:]
            var previous: UInt64 = 0
            try store.scan(from: LSN(1)) { record in
                #expect(record.lsn.rawValue == previous + 1, "round \(round): LSN \(record.lsn) follows \(previous)")
                previous = record.lsn.rawValue
                let text = String(decoding: record.payload.prefix(40), as: UTF8.self)
                if let range = text.range(of: "\"commit\":"),
                    let id = Int(text[range.upperBound...].prefix { $0.isNumber })
                {
                    found[id, default: []].append(record.lsn.rawValue)
                } else {
                    Issue.record("round \(round): unexpected payload at LSN \(record.lsn)")
                }
                return true
            }
            for (id, ack) in acknowledged {
                let lsns = found[id] ?? []
                #expect(
                    lsns == Array(ack.first...ack.last),
                    "round \(round): acknowledged commit \(id) expected at \(ack.first)...\(ack.last), found \(lsns)")
            }
            for (id, lsns) in found {
                #expect(
                    lsns.count == id % 5 + 1,
                    "round \(round): commit \(id) is half visible: \(lsns.count) of \(id % 5 + 1) records")
            }
            // Commits that survived unacknowledged are durable from now on.
            for (id, lsns) in found where acknowledged[id] == nil {
                acknowledged[id] = Ack(first: lsns.first!, last: lsns.last!)
            }
            try store.close()
        }
    }
}
