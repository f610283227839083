/// An in-memory visibility index: the latest `VisibilityRecord` of every run, per namespace, answering list
/// filters with stable paging, and counts.
///
/// Not thread-safe: a store has a single owner, which serializes every call (the engine decides who owns it).
///
/// Each namespace has its own table and search attribute registry, so a query scans only its namespace. A list
/// or count scans the namespace linearly, which is meant for the sizes an embedded engine holds; an index per
/// attribute can replace the scan later without changing the API.
public final class VisibilityStore {
    /// The page size `list` uses when asked for 0.
    public static let defaultPageSize = 100
    /// The largest page `list` returns.
    public static let pageSizeMax = 1_000

    /// One namespace's registry and records. Records are kept dense in an array (scans borrow them in place) with
    /// a map from run id to slot; removal moves the last record into the freed slot.
    private struct Namespace {
        var registry = SearchAttributeRegistry()
        var records: [VisibilityRecord] = []
        var slots: [RunID: Int] = [:]

        mutating func upsert(_ record: VisibilityRecord) {
            if let slot = slots[record.execution.runID] {
                records[slot] = record
            } else {
                slots[record.execution.runID] = records.count
                records.append(record)
            }
        }

        mutating func remove(_ runID: RunID) -> VisibilityRecord? {
            guard let slot = slots.removeValue(forKey: runID) else { return nil }
            let removed = records[slot]
            let last = records.count - 1
            if slot != last {
                records[slot] = records[last]
                slots[records[slot].execution.runID] = slot
            }
            records.removeLast()
            return removed
        }

        func record(_ runID: RunID) -> VisibilityRecord? {
            slots[runID].map { records[$0] }
        }
    }

    private var namespaces: [String: Namespace] = [:]

    /// Creates an empty store.
    public init() {}

    // MARK: Search attributes

    /// Registers the custom search attribute `name` with `type` in `namespace`.
    /// - Throws: `VisibilityQueryError` with code `.invalidRegistration`, as `SearchAttributeRegistry.register`.
    public func registerSearchAttribute(
        _ name: String, type: SearchAttributeType, namespace: String
    ) throws(VisibilityQueryError) {
        try namespaces[namespace, default: Namespace()].registry.register(name, type: type)
    }

    /// Returns the search attributes filters in `namespace` may name.
    public func searchAttributes(namespace: String) -> SearchAttributeRegistry {
        namespaces[namespace]?.registry ?? SearchAttributeRegistry()
    }

    // MARK: Records

    /// Inserts `record`, or replaces the record of the same namespace and run id.
    ///
    /// A search attribute the namespace has not registered, or whose value has another type than the registered
    /// one, is kept but filters and sorts see it as null.
    public func upsert(_ record: VisibilityRecord) {
        namespaces[record.namespace, default: Namespace()].upsert(record)
    }

    /// Removes the record of run `runID` in `namespace` and returns it, or nil when there was none.
    @discardableResult
    public func remove(namespace: String, runID: RunID) -> VisibilityRecord? {
        namespaces[namespace]?.remove(runID)
    }

    /// Returns the record of run `runID` in `namespace`, or nil.
    public func record(namespace: String, runID: RunID) -> VisibilityRecord? {
        namespaces[namespace]?.record(runID)
    }

    /// Returns how many records `namespace` holds.
    public func recordCount(namespace: String) -> Int {
        namespaces[namespace]?.records.count ?? 0
    }

    // MARK: Queries

    /// Returns one page of the records of `namespace` that match `query`, in the query's order, and the token
    /// for the next page (nil after the last page).
    ///
    /// The token names the position after the page's last record, so records inserted or removed between
    /// calls never make the next page repeat or skip a record that was there before and kept its sort values.
    /// A record whose sort values change between pages (a run that closes while sorting by `CloseTime`) may
    /// be seen twice or not at all, as in any keyset paging.
    /// - Parameters:
    ///   - pageSize: the most records to return; 0 asks for `defaultPageSize`.
    ///   - nextPageToken: nil for the first page, else the token the previous page returned.
    /// - Complexity: O(*n* · *p* + *m* + *k* log *k*) on average, where *n* is the number of records in the
    ///   namespace, *p* the cost of the filter, *m* the matching records after the token's position and *k* the
    ///   page size.
    /// - Throws: `VisibilityQueryError` for a query that does not parse, one with GROUP BY, a page size below 0
    ///   or above `pageSizeMax`, or a token not issued for this query and namespace.
    public func list(
        namespace: String, query: String, pageSize: Int = 0, nextPageToken: [UInt8]? = nil
    ) throws(VisibilityQueryError) -> (records: [VisibilityRecord], nextPageToken: [UInt8]?) {
        guard pageSize >= 0, pageSize <= Self.pageSizeMax else {
            throw VisibilityQueryError(
                .invalidPageSize,
                expected: "a page size from 0 (the default, \(Self.defaultPageSize)) to \(Self.pageSizeMax)",
                found: "\(pageSize)")
        }
        let limit = pageSize == 0 ? Self.defaultPageSize : pageSize
        let registry = searchAttributes(namespace: namespace)
        let compiled = try VisibilityQuery(query, registry: registry)
        if compiled.groupBy != nil {
            throw VisibilityQueryError(
                .unsupportedOperator, expected: "a list query without GROUP BY (GROUP BY works only with count)",
                found: "GROUP BY \(compiled.groupBy ?? "")")
        }
        let cursor = try nextPageToken.map { token throws(VisibilityQueryError) in
            try VisibilityPageToken.decode(token, namespace: namespace, query: compiled)
        }
        guard let records = namespaces[namespace]?.records else { return ([], nil) }

        // Each candidate's sort key is extracted once into one flat array, and selection and sorting compare
        // keys: comparing records copied each record per comparison, most of a list's time (measured).
        let width = compiled.sortKeyWidth
        let cursorKey = cursor.map(compiled.sortKey(of:)) ?? []
        var keys: [VisibilityValue?] = []
        var slots: [Int] = []
        records.withUnsafeBufferPointer { records in
            cursorKey.withUnsafeBufferPointer { cursorKey in
                for slot in records.indices where compiled.matches(records[slot]) {
                    let start = keys.count
                    compiled.appendSortKey(of: records[slot], to: &keys)
                    if cursor != nil {
                        let isAfterCursor = keys.withUnsafeBufferPointer { keys in
                            compiled.compareKeys(keys, start, cursorKey, 0) > 0
                        }
                        guard isAfterCursor else {
                            keys.removeLast(width)
                            continue
                        }
                    }
                    slots.append(slot)
                }
            }
        }
        // One record more than the page tells whether another page follows. Selection costs O(m) comparisons
        // whatever order the records were inserted in (a bounded heap degrades when they arrive in sort order).
        var candidates = Array(slots.indices)
        let chosen = keys.withUnsafeBufferPointer { keys in
            let order = { (lhs: Int, rhs: Int) in compiled.compareKeys(keys, lhs * width, keys, rhs * width) }
            selectSmallest(limit + 1, of: &candidates, by: order)
            return candidates.prefix(limit + 1).sorted { order($0, $1) < 0 }
        }
        var page = chosen.map { records[slots[$0]] }
        guard page.count > limit else { return (page, nil) }
        page.removeLast()
        let token = VisibilityPageToken.encode(
            compiled.cursor(at: page[page.count - 1]), namespace: namespace, query: compiled)
        return (page, token)
    }

    /// Returns how many records of `namespace` match `query` (an ORDER BY or GROUP BY clause is ignored).
    /// - Complexity: O(*n* · *p*) for *n* records in the namespace and a filter of cost *p*.
    /// - Throws: `VisibilityQueryError` for a query that does not parse.
    public func count(namespace: String, query: String) throws(VisibilityQueryError) -> Int {
        let compiled = try VisibilityQuery(query, registry: searchAttributes(namespace: namespace))
        guard let records = namespaces[namespace]?.records else { return 0 }
        return records.withUnsafeBufferPointer { records in
            var count = 0
            for slot in records.indices where compiled.matches(records[slot]) { count += 1 }
            return count
        }
    }

    /// Returns how many records of `namespace` match `query` for each execution status, for a query that ends
    /// with `GROUP BY ExecutionStatus` (as Temporal's CountWorkflowExecutions does). Statuses without a match
    /// are left out; the others come in the order of `ExecutionStatus.allCases`.
    /// - Complexity: O(*n* · *p*) for *n* records in the namespace and a filter of cost *p*.
    /// - Throws: `VisibilityQueryError` for a query that does not parse or has no GROUP BY clause.
    public func countGroups(namespace: String, query: String) throws(VisibilityQueryError) -> [VisibilityCountGroup] {
        let compiled = try VisibilityQuery(query, registry: searchAttributes(namespace: namespace))
        guard compiled.groupBy != nil else {
            let bytes = Array(query.utf8)
            throw VisibilityQueryError(
                .malformedQuery, offset: bytes.count, column: VisibilityLexer.column(of: bytes.count, in: bytes),
                expected: "a GROUP BY ExecutionStatus clause for a grouped count", found: "the end of the query")
        }
        guard let records = namespaces[namespace]?.records else { return [] }
        var counts = [Int](repeating: 0, count: Int(UInt8.max) + 1)
        records.withUnsafeBufferPointer { records in
            for slot in records.indices where compiled.matches(records[slot]) {
                counts[Int(records[slot].status.rawValue)] += 1
            }
        }
        return ExecutionStatus.allCases.compactMap { status in
            let count = counts[Int(status.rawValue)]
            return count == 0 ? nil : VisibilityCountGroup(value: .keyword(status.description), count: count)
        }
    }
}

/// The count of one group of a grouped count.
public struct VisibilityCountGroup: Sendable, Hashable {
    /// The group's value; for `GROUP BY ExecutionStatus` the status name as a keyword ("Running").
    public var value: SearchAttributeValue
    /// How many matching records the group holds.
    public var count: Int

    /// Creates a group count.
    public init(value: SearchAttributeValue, count: Int) {
        self.value = value
        self.count = count
    }
}

/// Reorders `elements` so that the `count` smallest come first (in no particular order), by quickselect with a
/// median-of-three pivot. The elements must be distinct under `compare` (records are: the run id breaks ties).
/// - Complexity: O(*n*) comparisons on average.
private func selectSmallest<Element>(
    _ count: Int, of elements: inout [Element], by compare: (Element, Element) -> Int
) {
    var low = 0
    var high = elements.count - 1
    while low < high, count > low, count <= high {
        let middle = low + (high - low) / 2
        // Order low, middle and high so the median sits in the middle, then park it at the end as the pivot.
        if compare(elements[middle], elements[low]) < 0 { elements.swapAt(middle, low) }
        if compare(elements[high], elements[low]) < 0 { elements.swapAt(high, low) }
        if compare(elements[high], elements[middle]) < 0 { elements.swapAt(high, middle) }
        elements.swapAt(middle, high)
        var store = low
        for index in low..<high where compare(elements[index], elements[high]) < 0 {
            elements.swapAt(index, store)
            store += 1
        }
        elements.swapAt(store, high)
        // Everything before `store` is smaller than the pivot now at `store`.
        if store == count || store + 1 == count { return }
        if store > count { high = store - 1 } else { low = store + 1 }
    }
}
