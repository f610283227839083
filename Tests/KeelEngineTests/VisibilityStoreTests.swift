import Testing

@testable import KeelEngine

@Suite struct VisibilityStoreTests {
    private func makeStore() throws -> VisibilityStore {
        let store = VisibilityStore()
        for (name, type) in VisibilityFixtures.registry.customAttributes.sorted(by: { $0.key < $1.key }) {
            try store.registerSearchAttribute(name, type: type, namespace: VisibilityFixtures.namespace)
        }
        return store
    }

    private func runIDs(_ records: [VisibilityRecord]) -> [String] {
        records.map(\.execution.runID.rawValue)
    }

    /// Returns every page of `query`, following the tokens.
    private func allPages(
        _ store: VisibilityStore, query: String, pageSize: Int, namespace: String = VisibilityFixtures.namespace
    ) throws -> [[VisibilityRecord]] {
        var pages: [[VisibilityRecord]] = []
        var token: [UInt8]?
        repeat {
            let page = try store.list(namespace: namespace, query: query, pageSize: pageSize, nextPageToken: token)
            pages.append(page.records)
            token = page.nextPageToken
        } while token != nil
        return pages
    }

    @Test func upsertReplacesAndRemoveDeletesByNamespaceAndRunID() throws {
        let store = try makeStore()
        store.upsert(VisibilityFixtures.record("r1", historyLength: 1))
        store.upsert(VisibilityFixtures.record("r1", historyLength: 2))
        store.upsert(VisibilityFixtures.record("r1", historyLength: 3, namespace: "other"))
        #expect(store.recordCount(namespace: VisibilityFixtures.namespace) == 1)
        #expect(store.record(namespace: VisibilityFixtures.namespace, runID: "r1")?.historyLength == 2)
        #expect(store.record(namespace: "other", runID: "r1")?.historyLength == 3)
        #expect(store.remove(namespace: VisibilityFixtures.namespace, runID: "r1")?.historyLength == 2)
        #expect(store.remove(namespace: VisibilityFixtures.namespace, runID: "r1") == nil)
        #expect(store.record(namespace: VisibilityFixtures.namespace, runID: "r1") == nil)
        #expect(store.record(namespace: "other", runID: "r1") != nil)
    }

    @Test func listSeesOnlyItsNamespace() throws {
        let store = try makeStore()
        store.upsert(VisibilityFixtures.record("a"))
        store.upsert(VisibilityFixtures.record("b", namespace: "other"))
        #expect(runIDs(try store.list(namespace: VisibilityFixtures.namespace, query: "").records) == ["a"])
        #expect(runIDs(try store.list(namespace: "other", query: "").records) == ["b"])
        #expect(try store.list(namespace: "empty", query: "").records.isEmpty)
        #expect(try store.count(namespace: "empty", query: "") == 0)
    }

    @Test func customAttributesAreRegisteredPerNamespace() throws {
        let store = try makeStore()
        #expect(store.searchAttributes(namespace: "other").customAttributes.isEmpty)
        #expect(throws: VisibilityQueryError.self) { try store.list(namespace: "other", query: "Priority = 1") }
        try store.registerSearchAttribute("Priority", type: .keyword, namespace: "other")
        #expect(throws: Never.self) { try store.list(namespace: "other", query: "Priority = 'high'") }
    }

    @Test func defaultOrderListsOpenRunsFirstThenByCloseTimeThenStartTimeDescending() throws {
        let store = try makeStore()
        store.upsert(VisibilityFixtures.record("closed-early", status: .completed, start: 10, close: 20))
        store.upsert(VisibilityFixtures.record("closed-late", status: .failed, start: 5, close: 50))
        store.upsert(VisibilityFixtures.record("open-old", start: 1))
        store.upsert(VisibilityFixtures.record("open-new", start: 30))
        store.upsert(VisibilityFixtures.record("open-new-b", start: 30))
        store.upsert(VisibilityFixtures.record("closed-late-b", status: .canceled, start: 40, close: 50))
        let listed = try store.list(namespace: VisibilityFixtures.namespace, query: "").records
        #expect(
            runIDs(listed) == ["open-new", "open-new-b", "open-old", "closed-late-b", "closed-late", "closed-early"])
    }

    @Test func orderByAppliesDirectionsAndPutsNullsLast() throws {
        let store = try makeStore()
        store.upsert(VisibilityFixtures.record("a", attributes: ["Priority": .int(2)]))
        store.upsert(VisibilityFixtures.record("b", attributes: ["Priority": .int(1)]))
        store.upsert(VisibilityFixtures.record("c"))
        store.upsert(VisibilityFixtures.record("d", attributes: ["Priority": .int(2)]))
        let ascending = try store.list(namespace: VisibilityFixtures.namespace, query: "ORDER BY Priority").records
        #expect(runIDs(ascending) == ["b", "a", "d", "c"])
        let descending = try store.list(
            namespace: VisibilityFixtures.namespace, query: "order by Priority desc, RunId desc"
        ).records
        #expect(runIDs(descending) == ["d", "a", "b", "c"])
    }

    @Test func pagesFollowTheOrderAndEndWithoutAToken() throws {
        let store = try makeStore()
        for index in 0..<10 { store.upsert(VisibilityFixtures.record("r\(index)", start: Int64(index))) }
        let pages = try allPages(store, query: "ORDER BY StartTime", pageSize: 3)
        #expect(pages.map(\.count) == [3, 3, 3, 1])
        #expect(runIDs(pages.flatMap { $0 }) == (0..<10).map { "r\($0)" })
        let exact = try allPages(store, query: "ORDER BY StartTime", pageSize: 5)
        #expect(exact.map(\.count) == [5, 5])
    }

    @Test func pageSizeZeroMeansTheDefaultAndTheMaximumIsEnforced() throws {
        let store = try makeStore()
        for index in 0..<150 { store.upsert(VisibilityFixtures.record("r\(index)")) }
        let page = try store.list(namespace: VisibilityFixtures.namespace, query: "", pageSize: 0)
        #expect(page.records.count == VisibilityStore.defaultPageSize)
        #expect(page.nextPageToken != nil)
        for size in [-1, VisibilityStore.pageSizeMax + 1] {
            do {
                _ = try store.list(namespace: VisibilityFixtures.namespace, query: "", pageSize: size)
                Issue.record("page size \(size) was accepted")
            } catch {
                #expect(error.code == .invalidPageSize)
                #expect(
                    error.description
                        == "invalid page size: expected a page size from 0 (the default, 100) to 1000, found \(size)")
            }
        }
        #expect(throws: Never.self) {
            try store.list(namespace: VisibilityFixtures.namespace, query: "", pageSize: VisibilityStore.pageSizeMax)
        }
    }

    @Test func pagingNeitherRepeatsNorSkipsWhenRecordsAreInsertedBetweenPages() throws {
        let store = try makeStore()
        for index in 0..<20 { store.upsert(VisibilityFixtures.record("old\(index)", start: Int64(index * 10))) }
        var seen: [String] = []
        var token: [UInt8]?
        var inserted = 0
        repeat {
            let page = try store.list(
                namespace: VisibilityFixtures.namespace, query: "", pageSize: 4, nextPageToken: token)
            seen += runIDs(page.records)
            token = page.nextPageToken
            // New runs before, inside and after the listed range, some with the same start time as old ones.
            for start in [-5, 95, 95, 200] {
                store.upsert(VisibilityFixtures.record("new\(inserted)", start: Int64(start)))
                inserted += 1
            }
        } while token != nil
        let old = seen.filter { $0.hasPrefix("old") }
        #expect(old == (0..<20).reversed().map { "old\($0)" })
        #expect(Set(seen).count == seen.count)
    }

    @Test func removedRecordsDoNotBreakTheNextPage() throws {
        let store = try makeStore()
        for index in 0..<6 { store.upsert(VisibilityFixtures.record("r\(index)", start: Int64(index))) }
        let first = try store.list(
            namespace: VisibilityFixtures.namespace, query: "ORDER BY StartTime", pageSize: 2)
        #expect(runIDs(first.records) == ["r0", "r1"])
        store.remove(namespace: VisibilityFixtures.namespace, runID: "r1")
        store.remove(namespace: VisibilityFixtures.namespace, runID: "r2")
        let second = try store.list(
            namespace: VisibilityFixtures.namespace, query: "ORDER BY StartTime", pageSize: 2,
            nextPageToken: first.nextPageToken)
        #expect(runIDs(second.records) == ["r3", "r4"])
    }

    @Test func pageTokensWorkForEverySortableType() throws {
        let store = try makeStore()
        for index in 0..<9 {
            var attributes: [String: SearchAttributeValue] = [
                "CustomerId": .keyword("c\(index % 3)"), "Score": .double(Double(index % 4) / 2),
                "IsVip": .bool(index % 2 == 0), "DueAt": .datetime(VisibilityFixtures.time(Int64(index % 5))),
            ]
            if index % 4 == 0 { attributes["Priority"] = .int(Int64(index)) }
            store.upsert(
                VisibilityFixtures.record(
                    "r\(index)", status: index % 3 == 0 ? .running : .completed, start: Int64(index % 2),
                    close: index % 3 == 0 ? nil : Int64(index), attributes: attributes))
        }
        let orders = [
            "ORDER BY CustomerId DESC, Score", "ORDER BY IsVip, DueAt DESC", "ORDER BY ExecutionStatus, Priority",
            "ORDER BY CloseTime DESC", "ORDER BY WorkflowType, TaskQueue, HistoryLength, ExecutionTime", "",
        ]
        for query in orders {
            let whole = try store.list(namespace: VisibilityFixtures.namespace, query: query, pageSize: 100).records
            let paged = try allPages(store, query: query, pageSize: 2).flatMap { $0 }
            #expect(runIDs(paged) == runIDs(whole), "\(query)")
            let compiled = try VisibilityQuery(
                query, registry: store.searchAttributes(namespace: VisibilityFixtures.namespace))
            #expect(runIDs(whole) == runIDs(whole.sorted(by: compiled.areInIncreasingOrder)), "\(query)")
        }
    }

    @Test func malformedOrForeignPageTokensAreErrors() throws {
        let store = try makeStore()
        for index in 0..<5 { store.upsert(VisibilityFixtures.record("r\(index)", start: Int64(index))) }
        let query = "ORDER BY StartTime"
        let token = try #require(
            try store.list(namespace: VisibilityFixtures.namespace, query: query, pageSize: 2).nextPageToken)

        func error(_ token: [UInt8], query: String = query, namespace: String = VisibilityFixtures.namespace)
            -> VisibilityQueryError?
        {
            do {
                _ = try store.list(namespace: namespace, query: query, pageSize: 2, nextPageToken: token)
                return nil
            } catch {
                return error
            }
        }
        #expect(error(token) == nil)
        #expect(error([])?.description == "invalid page token: expected a token of at least 22 bytes, found 0 bytes")
        var flipped = token
        flipped[12] ^= 0x40
        #expect(
            error(flipped)?.description
                == "invalid page token: expected a token this store issued, found a token whose checksum does not match"
        )
        #expect(error(Array(token.dropLast()))?.code == .invalidPageToken)
        #expect(
            error(token, query: "ORDER BY StartTime DESC")?.description
                == "invalid page token: expected a token issued for this query and namespace, found a token of another query or namespace"
        )
        #expect(error(token, namespace: "other")?.code == .invalidPageToken)
        for length in 0..<token.count {
            #expect(error(Array(token.prefix(length)))?.code == .invalidPageToken)
        }
    }

    @Test func listRejectsGroupBy() throws {
        let store = try makeStore()
        do {
            _ = try store.list(namespace: VisibilityFixtures.namespace, query: "GROUP BY ExecutionStatus")
            Issue.record("list accepted GROUP BY")
        } catch {
            #expect(error.code == .unsupportedOperator)
        }
    }

    @Test func countCountsMatchesAndGroupsByStatus() throws {
        let store = try makeStore()
        let statuses: [ExecutionStatus] = [.running, .running, .completed, .failed, .running, .completed, .timedOut]
        for (index, status) in statuses.enumerated() {
            store.upsert(
                VisibilityFixtures.record(
                    "r\(index)", type: index < 5 ? "charge" : "refund", status: status,
                    close: status == .running ? nil : 500))
        }
        #expect(try store.count(namespace: VisibilityFixtures.namespace, query: "") == 7)
        #expect(try store.count(namespace: VisibilityFixtures.namespace, query: "WorkflowType = 'charge'") == 5)
        #expect(
            try store.count(namespace: VisibilityFixtures.namespace, query: "CloseTime IS NULL ORDER BY StartTime") == 3
        )
        #expect(try store.count(namespace: VisibilityFixtures.namespace, query: "GROUP BY ExecutionStatus") == 7)
        let groups = try store.countGroups(
            namespace: VisibilityFixtures.namespace, query: "WorkflowType = 'charge' GROUP BY ExecutionStatus")
        #expect(
            groups == [
                VisibilityCountGroup(value: .keyword("Running"), count: 3),
                VisibilityCountGroup(value: .keyword("Completed"), count: 1),
                VisibilityCountGroup(value: .keyword("Failed"), count: 1),
            ])
        #expect(try store.countGroups(namespace: "empty", query: "GROUP BY ExecutionStatus").isEmpty)
        do {
            _ = try store.countGroups(namespace: VisibilityFixtures.namespace, query: "WorkflowType = 'x'")
            Issue.record("a grouped count without GROUP BY succeeded")
        } catch {
            #expect(
                error.description
                    == "malformed query at column 19: expected a GROUP BY ExecutionStatus clause for a grouped count, found the end of the query"
            )
        }
    }
}
