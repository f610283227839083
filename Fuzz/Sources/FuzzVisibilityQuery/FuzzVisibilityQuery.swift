import CLibFuzzer
import KeelEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs libFuzzer over `VisibilityQueryHarness`: `FuzzVisibilityQuery [libFuzzer flags] [corpus directories or
/// input files]`.
@main
enum FuzzVisibilityQueryMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

/// Runs one input through `VisibilityQueryHarness`; libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    VisibilityQueryHarness.run(Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}

/// Feeds arbitrary bytes to the list filter parser and, when they parse, evaluates the query over fixed records and
/// lists them page by page.
///
/// Input: the bytes, decoded as UTF-8 with invalid sequences replaced, are the query. An input whose first byte is
/// 0x01 is a page token instead: the harness frames the rest (version, query hash, checksum) so the token decoder's
/// field checks are reached, and lists with it.
///
/// Checked besides "no crash": an error names a position inside the query; the pages of a list, followed to the
/// end, hold exactly the matching records in the query's order, each once; `count` agrees; a grouped count adds up.
enum VisibilityQueryHarness {
    static let namespace = "fuzz"

    static let customAttributes: [(String, SearchAttributeType)] = [
        ("CustomerId", .keyword), ("Priority", .int), ("Score", .double), ("IsVip", .bool), ("DueAt", .datetime),
        ("Tags", .keywordList), ("Notes", .text),
    ]

    /// Queries a framed page token is decoded against, chosen by the input's second byte.
    static let tokenQueries = [
        "", "ORDER BY CustomerId, Priority DESC", "ORDER BY Score DESC, IsVip, DueAt",
        "ORDER BY ExecutionStatus, CloseTime, StartTime, HistoryLength",
    ]

    static func run(_ bytes: [UInt8]) {
        let store = makeStore()
        let registry = store.searchAttributes(namespace: namespace)
        if bytes.first == 0x01 {
            runToken(Array(bytes.dropFirst()), store: store)
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let query: VisibilityQuery
        do {
            query = try VisibilityQuery(text, registry: registry)
        } catch {
            checkPosition(of: error, in: text)
            return
        }
        let records = makeRecords()
        let expected = records.filter(query.matches).sorted(by: query.areInIncreasingOrder)

        do {
            let count = try store.count(namespace: namespace, query: text)
            precondition(count == expected.count, "count \(count) but \(expected.count) records match '\(text)'")
            if query.groupBy != nil {
                let groups = try store.countGroups(namespace: namespace, query: text)
                precondition(groups.reduce(0) { $0 + $1.count } == count, "grouped counts do not add up for '\(text)'")
                return
            }
            let pageSize = 1 + Int(bytes.reduce(0) { $0 &+ $1 } % 4)
            var listed: [VisibilityRecord] = []
            var token: [UInt8]?
            repeat {
                let page = try store.list(
                    namespace: namespace, query: text, pageSize: pageSize, nextPageToken: token)
                precondition(page.records.count <= pageSize, "a page of \(page.records.count) for size \(pageSize)")
                listed += page.records
                token = page.nextPageToken
                precondition(listed.count <= records.count, "paging did not end for '\(text)'")
            } while token != nil
            precondition(
                listed.map(\.execution.runID) == expected.map(\.execution.runID),
                "paging returned \(listed.map(\.execution.runID)) for '\(text)', expected \(expected.map(\.execution.runID))"
            )
        } catch {
            preconditionFailure("a query that parses failed later: '\(text)': \(error)")
        }
    }

    /// Lists with a page token made of the input, framed so that it passes the version, hash and checksum checks.
    private static func runToken(_ body: [UInt8], store: VisibilityStore) {
        let query = tokenQueries[Int(body.first ?? 0) % tokenQueries.count]
        var token: [UInt8] = [1]
        append(fnv1a(Array(namespace.utf8) + [0] + Array(query.utf8)), to: &token)
        token += body.dropFirst()
        append(fnv1a(token), to: &token)
        do {
            let page = try store.list(namespace: namespace, query: query, pageSize: 3, nextPageToken: token)
            precondition(page.records.count <= 3, "a page of \(page.records.count) for size 3")
        } catch {
            precondition(error.code == .invalidPageToken, "a framed token failed with \(error)")
        }
    }

    private static func checkPosition(of error: VisibilityQueryError, in text: String) {
        let description = error.description
        precondition(!description.isEmpty, "an error without a description")
        if let offset = error.offset {
            precondition(offset >= 0 && offset <= text.utf8.count, "offset \(offset) outside '\(text)'")
            let column = error.column ?? 0
            precondition(column >= 1 && column <= offset + 1, "column \(column) for offset \(offset)")
        }
    }

    private static func makeStore() -> VisibilityStore {
        let store = VisibilityStore()
        for (name, type) in customAttributes {
            do {
                try store.registerSearchAttribute(name, type: type, namespace: namespace)
            } catch {
                preconditionFailure("registering \(name): \(error)")
            }
        }
        for record in makeRecords() { store.upsert(record) }
        // Records of another namespace must never show up.
        var stray = makeRecords()[0]
        stray.namespace = "other"
        store.upsert(stray)
        return store
    }

    private static func makeRecords() -> [VisibilityRecord] {
        func time(_ seconds: Int64) -> Timestamp { Timestamp(rawValue: seconds &* 1_000_000_000) }
        func record(
            _ run: String, _ workflow: String, _ status: ExecutionStatus, start: Int64, close: Int64?,
            attributes: [String: SearchAttributeValue], parent: WorkflowExecution? = nil
        ) -> VisibilityRecord {
            VisibilityRecord(
                namespace: namespace, execution: WorkflowExecution(workflowID: WorkflowID(workflow), runID: RunID(run)),
                workflowType: run.count % 2 == 0 ? "charge" : "refund", taskQueue: "q", status: status,
                startTime: time(start), executionTime: time(start), closeTime: close.map(time),
                historyLength: Int64(run.utf8.count), searchAttributes: attributes, parentExecution: parent)
        }
        return [
            record(
                "r1", "order-1", .running, start: 10, close: nil,
                attributes: ["CustomerId": .keyword("acme"), "Priority": .int(1), "Tags": .keywordList(["a", "b"])]),
            record(
                "r2", "order-2", .completed, start: 10, close: 20,
                attributes: ["Priority": .int(Int64.max), "Score": .double(.nan), "IsVip": .bool(true)]),
            record(
                "r3", "Order-1", .failed, start: -5, close: 30,
                attributes: ["Priority": .int(Int64.min), "Score": .double(-0.0), "Notes": .text("hello world")]),
            record(
                "r4", "caf\u{E9}", .timedOut, start: 0, close: 30,
                attributes: ["CustomerId": .keyword(""), "Score": .double(.infinity), "Tags": .keywordList([])],
                parent: WorkflowExecution(workflowID: "order-1", runID: "r1")),
            record(
                "r5", "order-1", .continuedAsNew, start: 40, close: 40,
                attributes: ["DueAt": .datetime(Timestamp(rawValue: .min)), "IsVip": .bool(false)]),
            record(
                "r6", "\u{1F600}", .running, start: 40, close: nil,
                attributes: ["CustomerId": .int(3), "Score": .double(2.5), "Tags": .keywordList(["b"])]),
            record("r7", "", .canceled, start: Int64.max / 2_000_000_000, close: nil, attributes: [:]),
            record("r10", "order-10", .terminated, start: 10, close: 20, attributes: ["Notes": .text("")]),
        ]
    }

    private static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
