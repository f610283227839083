import Testing

@testable import KeelLog

/// What a test knows a store must hold: every acknowledged commit with its LSNs, the commits whose
/// fate is unknown (submitted, never acknowledged), and the streams marked dead.
///
/// Payloads start with `commit=<id> index=<i> `, so every record read back names the commit it
/// belongs to, and `verify(_:context:)` can check each commit whole.
struct AcknowledgedLog: Sendable {
    /// One commit: its records and, once acknowledged, its LSNs.
    struct Commit: Sendable {
        var id: Int
        var records: [LogRecord]
        var range: ClosedRange<LSN>?
    }

    /// Acknowledged commits, in LSN order.
    private(set) var acknowledged: [Commit] = []
    /// Commits that may or may not be on disk; each must be there whole or not at all.
    private(set) var unknown: [Int: Commit] = [:]
    /// Streams whose `markDead` was acknowledged.
    var dead: Set<StreamKey> = []
    /// Streams whose `markDead` failed: they may be dead or live after a reopen.
    var maybeDead: Set<StreamKey> = []
    private var nextID = 0

    /// The LSN of the last acknowledged record.
    var lastLSN: LSN { acknowledged.last?.range?.upperBound ?? .zero }

    /// Every stream the log has seen.
    var streams: Set<StreamKey> {
        var all = Set<StreamKey>()
        for commit in acknowledged { all.formUnion(commit.records.map(\.stream)) }
        for commit in unknown.values { all.formUnion(commit.records.map(\.stream)) }
        return all.union(dead).union(maybeDead)
    }

    /// Makes the records of a new commit: `count` records of `stream`, each `payloadBytes` long.
    mutating func makeCommit(_ stream: String, count: Int, payloadBytes: Int) -> Commit {
        let id = nextID
        nextID += 1
        let records = (0..<count).map { index in
            var payload = Array("commit=\(id) index=\(index) ".utf8)
            var filler = UInt64(id &* 7919 &+ index &* 104_729)
            while payload.count < payloadBytes {
                filler = filler &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                payload.append(UInt8(97 + (filler >> 59) % 16))
            }
            return LogRecord(stream: StreamKey(stream), payload: payload)
        }
        return Commit(id: id, records: records, range: nil)
    }

    /// Records that `commit` was acknowledged with `range`; records an issue when the range does not
    /// continue the log or does not cover the commit's records.
    mutating func acknowledge(
        _ commit: Commit, range: ClosedRange<LSN>, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        if range.lowerBound.rawValue != lastLSN.rawValue + 1 {
            Issue.record(
                "commit \(commit.id) was acknowledged with LSNs \(range); the log ends at \(lastLSN)",
                sourceLocation: sourceLocation)
        }
        if range.upperBound.rawValue - range.lowerBound.rawValue + 1 != UInt64(commit.records.count) {
            Issue.record(
                "commit \(commit.id) of \(commit.records.count) records was acknowledged with LSNs \(range)",
                sourceLocation: sourceLocation)
        }
        var commit = commit
        commit.range = range
        acknowledged.append(commit)
        acknowledged.sort { $0.range!.lowerBound < $1.range!.lowerBound }
        unknown[commit.id] = nil
    }

    /// Records that `commit` was submitted and its fate is unknown.
    mutating func submitUnknown(_ commit: Commit) { unknown[commit.id] = commit }

    /// Forgets the last acknowledged commit (for a test that destroys it on purpose).
    mutating func dropLastAcknowledged() -> Commit? { acknowledged.popLast() }

    /// Parses the commit id and record index at the start of a payload.
    static func tag(of payload: [UInt8]) -> (commit: Int, index: Int)? {
        let text = String(decoding: payload.prefix(48), as: UTF8.self)
        let fields = text.split(separator: " ").prefix(2)
        guard fields.count == 2, fields[0].hasPrefix("commit="), fields[1].hasPrefix("index="),
            let commit = Int(fields[0].dropFirst(7)), let index = Int(fields[1].dropFirst(6))
        else { return nil }
        return (commit, index)
    }

    /// Checks `store` against the log: every acknowledged live record at its LSN, every unknown commit
    /// whole or absent, nothing else, LSNs contiguous from 1 to `store.lastLSN`, and reads by stream in
    /// agreement with the scan. Commits of unknown fate found whole are acknowledged from then on.
    ///
    /// Records an issue naming `context` for each difference; throws only when the store does.
    mutating func verify(_ store: LogStore, context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var found: [Int: [StoredRecord]] = [:]
        var previous = LSN.zero
        var scanned: [StoredRecord] = []
        try store.scan(from: LSN(1)) { stored in
            if stored.lsn <= previous {
                Issue.record(
                    "\(context): scan returned LSN \(stored.lsn) after \(previous)", sourceLocation: sourceLocation)
            }
            previous = stored.lsn
            scanned.append(stored)
            if let tag = Self.tag(of: stored.payload) {
                found[tag.commit, default: []].append(stored)
            } else {
                Issue.record(
                    "\(context): record at LSN \(stored.lsn) has a payload no commit wrote",
                    sourceLocation: sourceLocation)
            }
            return true
        }
        var occupied: [ClosedRange<UInt64>] = []
        var expectedIDs = Set<Int>()
        for commit in acknowledged {
            expectedIDs.insert(commit.id)
            let range = commit.range!
            occupied.append(range.lowerBound.rawValue...range.upperBound.rawValue)
            let onDisk = found[commit.id] ?? []
            var cursor = 0
            for (index, record) in commit.records.enumerated() {
                if dead.contains(record.stream) { continue }
                let isOptional = maybeDead.contains(record.stream)
                let lsn = LSN(range.lowerBound.rawValue + UInt64(index))
                guard cursor < onDisk.count, onDisk[cursor].lsn == lsn else {
                    if !isOptional {
                        Issue.record(
                            "\(context): acknowledged commit \(commit.id) record \(index) (LSN \(lsn), stream \(record.stream)) is missing",
                            sourceLocation: sourceLocation)
                    }
                    continue
                }
                if onDisk[cursor].payload != record.payload || onDisk[cursor].stream != record.stream {
                    Issue.record(
                        "\(context): acknowledged commit \(commit.id) record \(index) at LSN \(lsn) differs from what was appended",
                        sourceLocation: sourceLocation)
                }
                cursor += 1
            }
            if cursor != onDisk.count {
                Issue.record(
                    "\(context): commit \(commit.id) has \(onDisk.count - cursor) records beyond the expected ones",
                    sourceLocation: sourceLocation)
            }
        }
        for (id, commit) in unknown.sorted(by: { $0.key < $1.key }) {
            expectedIDs.insert(id)
            let onDisk = found[id] ?? []
            let live = commit.records.filter { !dead.contains($0.stream) && !maybeDead.contains($0.stream) }
            guard !onDisk.isEmpty else { continue }
            guard onDisk.count == live.count, onDisk.map({ LogRecord(stream: $0.stream, payload: $0.payload) }) == live
            else {
                Issue.record(
                    "\(context): unacknowledged commit \(id) is half visible: \(onDisk.count) of \(live.count) records",
                    sourceLocation: sourceLocation)
                continue
            }
            let first = onDisk[0].lsn.rawValue
            if zip(onDisk, onDisk.dropFirst()).contains(where: { $1.lsn.rawValue != $0.lsn.rawValue + 1 })
                || live.count != commit.records.count
            {
                Issue.record(
                    "\(context): unacknowledged commit \(id) found with gaps in its LSNs",
                    sourceLocation: sourceLocation)
                continue
            }
            // Found whole: from now on it is part of the log.
            occupied.append(first...first + UInt64(commit.records.count - 1))
            unknown[id] = nil
            var promoted = commit
            promoted.range = LSN(first)...LSN(first + UInt64(commit.records.count - 1))
            acknowledged.append(promoted)
        }
        acknowledged.sort { $0.range!.lowerBound < $1.range!.lowerBound }
        for id in found.keys where !expectedIDs.contains(id) {
            Issue.record(
                "\(context): commit \(id) was never acknowledged nor pending, yet \(found[id]!.count) of its records are readable",
                sourceLocation: sourceLocation)
        }
        occupied.sort { $0.lowerBound < $1.lowerBound }
        var next: UInt64 = 1
        for range in occupied {
            if range.lowerBound != next {
                Issue.record(
                    "\(context): LSNs are not contiguous: expected \(next), next commit starts at \(range.lowerBound)",
                    sourceLocation: sourceLocation)
            }
            next = range.upperBound + 1
        }
        if store.lastLSN.rawValue != next - 1 {
            Issue.record(
                "\(context): store's last LSN is \(store.lastLSN), the commits on disk end at \(next - 1)",
                sourceLocation: sourceLocation)
        }
        for stream in streams.sorted(by: { $0.description < $1.description }) {
            let records = try store.read(stream: stream)
            if dead.contains(stream) {
                if !records.isEmpty {
                    Issue.record(
                        "\(context): dead stream \(stream) returned \(records.count) records",
                        sourceLocation: sourceLocation)
                }
            } else {
                let expected = scanned.filter { $0.stream == stream }
                if records != expected {
                    Issue.record(
                        "\(context): read(stream: \(stream)) returned \(records.count) records, the scan holds \(expected.count)",
                        sourceLocation: sourceLocation)
                }
            }
        }
    }
}

extension AcknowledgedLog {
    /// The acknowledged records of each live stream, in LSN order, as reads must return them.
    func liveRecordsByStream() -> [StreamKey: [StoredRecord]] {
        var result: [StreamKey: [StoredRecord]] = [:]
        for commit in acknowledged {
            for (index, record) in commit.records.enumerated() where !dead.contains(record.stream) {
                let lsn = LSN(commit.range!.lowerBound.rawValue + UInt64(index))
                result[record.stream, default: []].append(
                    StoredRecord(lsn: lsn, stream: record.stream, payload: record.payload))
            }
        }
        return result
    }
}
