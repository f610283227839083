import Testing

@testable import KeelEngine

/// Random queries over random records, checked against a reference model written independently of the parser
/// and evaluator: the model builds the filter as a tree, renders it as text, and evaluates the tree itself.
@Suite struct VisibilityPropertyTests {
    /// SplitMix64: small, fast and reproducible from a printed seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var value = state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            return value ^ (value >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
    }

    /// A value as the model sees it.
    enum ModelValue: Equatable, Sendable {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)

        var literal: String {
            switch self {
            case .string(let text): "'\(text)'"
            case .int(let value): "\(value)"
            case .double(let value): "\(value)"
            case .bool(let value): value ? "true" : "false"
            }
        }

        static func order(_ lhs: ModelValue, _ rhs: ModelValue) -> Int {
            switch (lhs, rhs) {
            case (.string(let left), .string(let right)):
                return Array(left.utf8).lexicographicallyPrecedes(Array(right.utf8))
                    ? -1 : (left == right ? 0 : 1)
            case (.int(let left), .int(let right)): return left < right ? -1 : (left == right ? 0 : 1)
            case (.double(let left), .double(let right)): return left < right ? -1 : (left == right ? 0 : 1)
            case (.int(let left), .double(let right)):
                return Double(left) < right ? -1 : (Double(left) == right ? 0 : 1)
            case (.double, .int): return -order(rhs, lhs)
            case (.bool(let left), .bool(let right)): return left == right ? 0 : (left ? 1 : -1)
            default: fatalError("the model compared \(lhs) with \(rhs)")
            }
        }
    }

    enum Kind: Sendable { case keyword, status, int, double, bool, datetime, list }

    struct Field: Sendable {
        var name: String
        var kind: Kind
        /// The record's value: nil when missing, several for a KeywordList.
        var value: @Sendable (VisibilityRecord) -> [ModelValue]?
    }

    static let statusNames = ExecutionStatus.allCases.map(\.description)

    static let fields: [Field] = [
        Field(name: "WorkflowId", kind: .keyword) { [.string($0.execution.workflowID.rawValue)] },
        Field(name: "WorkflowType", kind: .keyword) { [.string($0.workflowType)] },
        Field(name: "ExecutionStatus", kind: .status) { [.string($0.status.description)] },
        Field(name: "StartTime", kind: .datetime) { [.int($0.startTime.rawValue)] },
        Field(name: "CloseTime", kind: .datetime) { record in record.closeTime.map { [.int($0.rawValue)] } },
        Field(name: "HistoryLength", kind: .int) { [.int($0.historyLength)] },
        Field(name: "Priority", kind: .int) { record in
            if case .int(let value) = record.searchAttributes["Priority"] { return [.int(value)] }
            return nil
        },
        Field(name: "Score", kind: .double) { record in
            if case .double(let value) = record.searchAttributes["Score"] { return [.double(value)] }
            return nil
        },
        Field(name: "IsVip", kind: .bool) { record in
            if case .bool(let value) = record.searchAttributes["IsVip"] { return [.bool(value)] }
            return nil
        },
        Field(name: "CustomerId", kind: .keyword) { record in
            if case .keyword(let value) = record.searchAttributes["CustomerId"] { return [.string(value)] }
            return nil
        },
        Field(name: "Tags", kind: .list) { record in
            if case .keywordList(let values) = record.searchAttributes["Tags"], !values.isEmpty {
                return values.map { .string($0) }
            }
            return nil
        },
    ]

    /// A filter as a tree.
    indirect enum Expression {
        case and(Expression, Expression)
        case or(Expression, Expression)
        case compare(Field, String, ModelValue)
        case inList(Field, [ModelValue], negated: Bool)
        case between(Field, ModelValue, ModelValue, negated: Bool)
        case startsWith(Field, String, negated: Bool)
        case isNull(Field, negated: Bool)

        /// The text of the expression; `parent` says which operator encloses it, for the parentheses.
        func text(insideAnd: Bool, random: inout Random) -> String {
            switch self {
            case .and(let left, let right):
                let body =
                    "\(left.text(insideAnd: true, random: &random)) AND \(right.text(insideAnd: true, random: &random))"
                return random.chance(20) ? "(\(body))" : body
            case .or(let left, let right):
                let body =
                    "\(left.text(insideAnd: false, random: &random)) or \(right.text(insideAnd: false, random: &random))"
                return insideAnd || random.chance(20) ? "(\(body))" : body
            case .compare(let field, let op, let value): return "\(field.name) \(op) \(value.literal)"
            case .inList(let field, let values, let negated):
                return "\(field.name) \(negated ? "NOT IN" : "in") (\(values.map(\.literal).joined(separator: ", ")))"
            case .between(let field, let low, let high, let negated):
                return "\(field.name) \(negated ? "not between" : "BETWEEN") \(low.literal) AND \(high.literal)"
            case .startsWith(let field, let prefix, let negated):
                return "\(field.name) \(negated ? "NOT STARTS_WITH" : "STARTS_WITH") '\(prefix)'"
            case .isNull(let field, let negated): return "\(field.name) IS \(negated ? "NOT " : "")NULL"
            }
        }

        func evaluate(_ record: VisibilityRecord) -> Bool {
            switch self {
            case .and(let left, let right): return left.evaluate(record) && right.evaluate(record)
            case .or(let left, let right): return left.evaluate(record) || right.evaluate(record)
            case .compare(let field, let op, let literal):
                guard let values = field.value(record) else { return false }
                if field.kind == .list {
                    let contains = values.contains { $0 == literal }
                    return op == "=" ? contains : !contains
                }
                let order = ModelValue.order(values[0], literal)
                switch op {
                case "=": return order == 0
                case "!=": return order != 0
                case "<": return order < 0
                case "<=": return order <= 0
                case ">": return order > 0
                default: return order >= 0
                }
            case .inList(let field, let literals, let negated):
                guard let values = field.value(record) else { return false }
                let isIn = values.contains { value in literals.contains { ModelValue.order(value, $0) == 0 } }
                return isIn != negated
            case .between(let field, let low, let high, let negated):
                guard let values = field.value(record) else { return false }
                let isInside = ModelValue.order(values[0], low) >= 0 && ModelValue.order(values[0], high) <= 0
                return isInside != negated
            case .startsWith(let field, let prefix, let negated):
                guard let values = field.value(record), case .string(let text) = values[0] else { return false }
                return text.hasPrefix(prefix) != negated
            case .isNull(let field, let negated):
                return (field.value(record) == nil) != negated
            }
        }
    }

    static func randomRecord(_ index: Int, random: inout Random) -> VisibilityRecord {
        let status = random.pick(ExecutionStatus.allCases)
        let start = Int64(random.below(6))
        var attributes: [String: SearchAttributeValue] = [:]
        if random.chance(70) { attributes["Priority"] = .int(Int64(random.below(5)) - 1) }
        if random.chance(60) { attributes["Score"] = .double(Double(random.below(7)) / 2) }
        if random.chance(60) { attributes["IsVip"] = .bool(random.chance(50)) }
        if random.chance(70) { attributes["CustomerId"] = .keyword(random.pick(["acme", "ac", "beta", "Acme"])) }
        if random.chance(70) {
            attributes["Tags"] = .keywordList((0..<random.below(3)).map { _ in random.pick(["red", "blue", "green"]) })
        }
        return VisibilityFixtures.record(
            "run-\(index)", workflowID: random.pick(["order-1", "order-2", "invoice-1", "Order-1"]),
            type: random.pick(["charge", "refund"]), status: status, start: start,
            close: status == .running ? nil : start + Int64(random.below(4)), historyLength: Int64(random.below(30)),
            attributes: attributes)
    }

    static func randomLiteral(for field: Field, random: inout Random) -> ModelValue {
        switch field.kind {
        case .keyword:
            return .string(
                random.pick(["order-1", "order-2", "Order-1", "acme", "ac", "beta", "charge", "refund", "z"]))
        case .status: return .string(random.pick(statusNames))
        case .int: return random.chance(80) ? .int(Int64(random.below(31)) - 1) : .double(Double(random.below(60)) / 2)
        case .double: return random.chance(70) ? .double(Double(random.below(8)) / 2) : .int(Int64(random.below(4)))
        case .bool: return .bool(random.chance(50))
        case .datetime: return .int(Int64(random.below(10)) * 1_000_000_000)
        case .list: return .string(random.pick(["red", "blue", "green", "white"]))
        }
    }

    static func randomExpression(depth: Int, random: inout Random) -> Expression {
        if depth > 0, random.chance(45) {
            let left = randomExpression(depth: depth - 1, random: &random)
            let right = randomExpression(depth: depth - 1, random: &random)
            return random.chance(50) ? .and(left, right) : .or(left, right)
        }
        let field = random.pick(fields)
        let operators: [String]
        switch field.kind {
        case .keyword: operators = ["=", "!=", "<", "<=", ">", ">=", "IN", "BETWEEN", "STARTS_WITH", "NULL"]
        case .int, .double, .datetime: operators = ["=", "!=", "<", "<=", ">", ">=", "IN", "BETWEEN", "NULL"]
        case .status, .list: operators = ["=", "!=", "IN", "NULL"]
        case .bool: operators = ["=", "!=", "NULL"]
        }
        let negated = random.chance(30)
        switch random.pick(operators) {
        case "IN":
            let values = (0...random.below(3)).map { _ in randomLiteral(for: field, random: &random) }
            return .inList(field, values, negated: negated)
        case "BETWEEN":
            return .between(
                field, randomLiteral(for: field, random: &random), randomLiteral(for: field, random: &random),
                negated: negated)
        case "STARTS_WITH":
            return .startsWith(field, random.pick(["", "o", "order-", "Or", "ac", "x"]), negated: negated)
        case "NULL": return .isNull(field, negated: negated)
        case let op: return .compare(field, op, randomLiteral(for: field, random: &random))
        }
    }

    /// The reference order: the sort fields with nulls last, then the run id.
    static func referenceSorted(
        _ records: [VisibilityRecord], by terms: [(Field, Bool)]
    ) -> [VisibilityRecord] {
        records.sorted { lhs, rhs in
            for (field, descending) in terms {
                let left = field.value(lhs)?.first
                let right = field.value(rhs)?.first
                switch (left, right) {
                case (nil, nil): continue
                case (nil, _): return false
                case (_, nil): return true
                case (let left?, let right?):
                    let order = ModelValue.order(left, right)
                    if order != 0 { return descending ? order > 0 : order < 0 }
                }
            }
            return Array(lhs.execution.runID.rawValue.utf8).lexicographicallyPrecedes(rhs.execution.runID.rawValue.utf8)
        }
    }

    @Test func listAndCountAgreeWithAReferenceModel() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("VisibilityPropertyTests seed: \(seed)")
        try check(seed: seed, iterations: 300)
    }

    @Test func knownSeedsStillAgree() throws {
        for seed: UInt64 in [1, 2, 0xDEAD_BEEF] { try check(seed: seed, iterations: 60) }
    }

    func check(seed: UInt64, iterations: Int) throws {
        var random = Random(state: seed)
        let store = VisibilityStore()
        for (name, type) in VisibilityFixtures.registry.customAttributes {
            try store.registerSearchAttribute(name, type: type, namespace: VisibilityFixtures.namespace)
        }
        var records = (0..<120).map { Self.randomRecord($0, random: &random) }
        for record in records { store.upsert(record) }
        // Another namespace with the same run ids must never leak into the results.
        for record in records.prefix(20) {
            var copy = record
            copy.namespace = "shadow"
            store.upsert(copy)
        }
        let sortable = Self.fields.filter { $0.kind != .list }
        // Queries that match nothing or everything say little; most must pick a proper subset.
        var selective = 0

        for iteration in 0..<iterations {
            let expression = Self.randomExpression(depth: 3, random: &random)
            var text = expression.text(insideAnd: false, random: &random)
            var terms: [(Field, Bool)] = []
            if random.chance(60) {
                terms = (0...random.below(2)).map { _ in (random.pick(sortable), random.chance(50)) }
                text +=
                    " ORDER BY "
                    + terms.map { "\($0.0.name)\($0.1 ? " DESC" : random.pick(["", " ASC"]))" }
                    .joined(separator: ", ")
            }
            let context = "seed \(seed), iteration \(iteration): \(text)"

            let matching = records.filter(expression.evaluate)
            if !matching.isEmpty, matching.count < records.count { selective += 1 }
            let expected: [VisibilityRecord]
            if terms.isEmpty {
                // The default order: open runs first, CloseTime descending, StartTime descending, RunId.
                let open = Self.referenceSorted(
                    matching.filter { $0.closeTime == nil }, by: [(Self.fields[3], true)])
                let closed = Self.referenceSorted(
                    matching.filter { $0.closeTime != nil }, by: [(Self.fields[4], true), (Self.fields[3], true)])
                expected = open + closed
            } else {
                expected = Self.referenceSorted(matching, by: terms)
            }

            #expect(
                try store.count(namespace: VisibilityFixtures.namespace, query: text) == matching.count, "\(context)")
            var listed: [VisibilityRecord] = []
            var token: [UInt8]?
            let pageSize = 1 + random.below(40)
            repeat {
                let page = try store.list(
                    namespace: VisibilityFixtures.namespace, query: text, pageSize: pageSize, nextPageToken: token)
                #expect(page.records.count <= pageSize, "\(context)")
                listed += page.records
                token = page.nextPageToken
            } while token != nil && listed.count <= records.count
            #expect(listed.map(\.execution.runID) == expected.map(\.execution.runID), "\(context)")
            if listed.map(\.execution.runID) != expected.map(\.execution.runID) { return }

            // Churn the table a little so later iterations page over updated and removed rows too.
            if random.chance(30) {
                let index = random.below(records.count)
                records[index] = Self.randomRecord(
                    Int(records[index].execution.runID.rawValue.dropFirst(4))!, random: &random)
                store.upsert(records[index])
            }
        }
        #expect(selective * 3 >= iterations, "seed \(seed): only \(selective) of \(iterations) queries were selective")
    }
}
