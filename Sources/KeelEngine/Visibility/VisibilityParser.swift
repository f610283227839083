/// A recursive-descent parser for list filters that type-checks as it goes.
///
/// AND and OR chains are parsed by loops and only parentheses recurse, so the stack depth is bounded by
/// `VisibilityQuery.nestingDepthMax` whatever the input.
struct VisibilityParser {
    /// Words that cannot name an attribute without backquotes.
    static let reservedWords: Set<String> = [
        "AND", "OR", "NOT", "IN", "BETWEEN", "IS", "NULL", "TRUE", "FALSE", "ORDER", "GROUP", "BY", "ASC", "DESC",
        "STARTS_WITH",
    ]

    private let bytes: [UInt8]
    private let tokens: [VisibilityToken]
    private let registry: SearchAttributeRegistry
    private var index = 0
    private var depth = 0

    init(bytes: [UInt8], tokens: [VisibilityToken], registry: SearchAttributeRegistry) {
        self.bytes = bytes
        self.tokens = tokens
        self.registry = registry
    }

    /// Parses a whole query: an optional filter, then an optional ORDER BY or GROUP BY clause.
    mutating func parseQuery() throws(VisibilityQueryError) -> (
        predicate: VisibilityPredicate, order: [VisibilityOrderTerm]?, groupBy: VisibilityAttribute?
    ) {
        var predicate = VisibilityPredicate.all
        if current.kind != .end, !startsClause("ORDER"), !startsClause("GROUP") {
            predicate = try parseOr()
        }
        var order: [VisibilityOrderTerm]?
        var groupBy: VisibilityAttribute?
        if startsClause("ORDER") {
            index += 2
            order = try parseOrderBy()
        } else if startsClause("GROUP") {
            index += 2
            groupBy = try parseGroupBy()
        }
        guard current.kind == .end else {
            var hint: String?
            if current.isSymbol(")") {
                hint = "there is no '(' for this ')'"
            } else if groupBy != nil, startsClause("ORDER") {
                hint = "ORDER BY cannot be used with GROUP BY"
            }
            let expected =
                order != nil
                ? "',' or the end of the query after the ORDER BY fields"
                : (groupBy != nil
                    ? "the end of the query after GROUP BY" : "AND, OR, ORDER BY, GROUP BY or the end of the query")
            throw error(.malformedQuery, expected: expected, hint: hint)
        }
        return (predicate, order, groupBy)
    }

    // MARK: Filters

    private mutating func parseOr() throws(VisibilityQueryError) -> VisibilityPredicate {
        var terms = [try parseAnd()]
        while current.isKeyword("OR") {
            index += 1
            terms.append(try parseAnd())
        }
        return terms.count == 1 ? terms[0] : .or(terms)
    }

    private mutating func parseAnd() throws(VisibilityQueryError) -> VisibilityPredicate {
        var terms = [try parsePrimary()]
        while current.isKeyword("AND") {
            index += 1
            terms.append(try parsePrimary())
        }
        return terms.count == 1 ? terms[0] : .and(terms)
    }

    private mutating func parsePrimary() throws(VisibilityQueryError) -> VisibilityPredicate {
        if current.isSymbol("(") {
            let open = current
            guard depth < VisibilityQuery.nestingDepthMax else {
                throw error(
                    .limitExceeded, expected: "at most \(VisibilityQuery.nestingDepthMax) levels of parentheses",
                    found: "a '(' nested \(depth + 1) deep")
            }
            depth += 1
            index += 1
            let inner = try parseOr()
            guard current.isSymbol(")") else {
                throw error(.malformedQuery, expected: "')' to close the '(' at column \(column(of: open))")
            }
            index += 1
            depth -= 1
            return inner
        }
        if current.isKeyword("NOT") {
            throw error(
                .malformedQuery, expected: "a search attribute name or '('",
                hint: "a bare NOT is not supported; use !=, NOT IN, NOT BETWEEN, NOT STARTS_WITH or IS NOT NULL")
        }
        let attribute = try parseAttribute(context: "a search attribute name or '('")
        return try parseCondition(on: attribute)
    }

    /// Parses the operator and values that follow an attribute name.
    private mutating func parseCondition(
        on attribute: VisibilityAttribute
    ) throws(VisibilityQueryError) -> VisibilityPredicate {
        let operatorToken = current
        if operatorToken.kind == .symbol, let comparison = VisibilityComparison(rawValue: operatorToken.text) {
            try check(.init(comparison), on: attribute)
            index += 1
            return .compare(attribute, comparison, try parseValue(for: attribute, after: operatorToken))
        }
        if current.isKeyword("IS") {
            index += 1
            var isNegated = false
            if current.isKeyword("NOT") {
                isNegated = true
                index += 1
            }
            guard current.isKeyword("NULL") else {
                throw error(
                    .malformedQuery, expected: isNegated ? "NULL after 'IS NOT'" : "NULL or NOT NULL after 'IS'")
            }
            index += 1
            return .isNull(attribute, isNegated: isNegated)
        }
        var isNegated = false
        if current.isKeyword("NOT") {
            isNegated = true
            index += 1
            guard current.isKeyword("IN") || current.isKeyword("BETWEEN") || current.isKeyword("STARTS_WITH") else {
                throw error(.malformedQuery, expected: "IN, BETWEEN or STARTS_WITH after 'NOT'")
            }
        }
        let keyword = current
        if keyword.isKeyword("IN") {
            try check(isNegated ? .notIn : .in, on: attribute, token: isNegated ? tokens[index - 1] : keyword)
            index += 1
            return .inList(attribute, try parseList(for: attribute, after: keyword), isNegated: isNegated)
        }
        if keyword.isKeyword("BETWEEN") {
            try check(isNegated ? .notBetween : .between, on: attribute, token: isNegated ? tokens[index - 1] : keyword)
            index += 1
            let low = try parseValue(for: attribute, after: keyword)
            guard current.isKeyword("AND") else {
                throw error(.malformedQuery, expected: "AND between the two bounds of BETWEEN")
            }
            let and = current
            index += 1
            let high = try parseValue(for: attribute, after: and)
            return .between(attribute, low, high, isNegated: isNegated)
        }
        if keyword.isKeyword("STARTS_WITH") {
            try check(
                isNegated ? .notStartsWith : .startsWith, on: attribute, token: isNegated ? tokens[index - 1] : keyword)
            index += 1
            guard case .string(let prefix) = try parseValue(for: attribute, after: keyword) else {
                preconditionFailure("a Keyword attribute's value parsed to something other than a string")
            }
            return .startsWith(attribute, prefix, isNegated: isNegated)
        }
        throw error(
            .malformedQuery,
            expected:
                "an operator (=, !=, <, <=, >, >=, IN, BETWEEN, STARTS_WITH, IS) after '\(tokens[index - 1].source)'"
        )
    }

    private mutating func parseList(
        for attribute: VisibilityAttribute, after keyword: VisibilityToken
    ) throws(VisibilityQueryError) -> [VisibilityValue] {
        guard current.isSymbol("(") else {
            throw error(.malformedQuery, expected: "'(' after '\(keyword.source)'")
        }
        var open = current
        index += 1
        var values: [VisibilityValue] = []
        while true {
            guard values.count < VisibilityQuery.inListValuesMax else {
                throw error(
                    .limitExceeded, expected: "at most \(VisibilityQuery.inListValuesMax) values in an IN list",
                    found: "value \(values.count + 1)")
            }
            values.append(try parseValue(for: attribute, after: open))
            if current.isSymbol(")") {
                index += 1
                return values
            }
            guard current.isSymbol(",") else {
                throw error(.malformedQuery, expected: "',' or ')' in the list of '\(keyword.source)'")
            }
            open = current
            index += 1
        }
    }

    // MARK: Values

    /// Parses one literal and converts it to the attribute's type.
    private mutating func parseValue(
        for attribute: VisibilityAttribute, after previous: VisibilityToken
    ) throws(VisibilityQueryError) -> VisibilityValue {
        let token = current
        switch token.kind {
        case .string:
            index += 1
            return try stringValue(token, for: attribute)
        case .integer, .decimal:
            index += 1
            return try numberValue(token, isNegative: false, start: token, for: attribute)
        case .symbol where token.text == "-" || token.text == "+":
            index += 1
            let number = current
            guard number.kind == .integer || number.kind == .decimal else {
                throw error(.malformedQuery, expected: "a number after '\(token.text)'")
            }
            index += 1
            return try numberValue(number, isNegative: token.text == "-", start: token, for: attribute)
        case .word where token.isKeyword("TRUE") || token.isKeyword("FALSE"):
            guard attribute.type == .bool else {
                throw error(
                    .typeMismatch, expected: expectedValue(for: attribute), found: "the Bool \(token.source)")
            }
            index += 1
            return .bool(token.isKeyword("TRUE"))
        case .word, .quotedName:
            let isName = token.kind == .quotedName || VisibilityAttribute.resolve(token.text, in: registry) != nil
            throw error(
                .malformedQuery, expected: "a value after '\(previous.source)'",
                hint: Self.valueHint(for: token, isName: isName))
        default:
            throw error(.malformedQuery, expected: "a value after '\(previous.source)'")
        }
    }

    private static func valueHint(for token: VisibilityToken, isName: Bool) -> String? {
        if token.isKeyword("NULL") { return "compare with null using IS NULL or IS NOT NULL" }
        if token.kind == .word, reservedWords.contains(token.text.uppercased()) { return nil }
        if token.kind == .quotedName || isName {
            return "comparing two attributes is not supported; quote '\(token.text)' if it is a value"
        }
        return "did you forget to quote '\(token.text)'?"
    }

    private func stringValue(
        _ token: VisibilityToken, for attribute: VisibilityAttribute
    ) throws(VisibilityQueryError) -> VisibilityValue {
        if attribute.isExecutionStatus {
            if let status = Self.status(named: token.text) { return .status(status) }
            let names = ExecutionStatus.allCases.map(\.description).joined(separator: ", ")
            let suggestion = ExecutionStatus(name: token.text)
            throw error(
                .invalidValue, at: token, expected: "an execution status (\(names))",
                found: VisibilityLexer.quoted(token.text),
                hint: suggestion.map { "status names are case-sensitive; did you mean '\($0)'?" })
        }
        switch attribute.type {
        case .keyword, .text, .keywordList:
            return .string(token.text)
        case .datetime:
            guard let time = Self.datetime(token.text) else {
                throw error(
                    .invalidValue, at: token,
                    expected: "an RFC 3339 datetime such as '2025-01-31T08:00:00Z' for '\(attribute.name)'",
                    found: VisibilityLexer.quoted(token.text))
            }
            return .datetime(time)
        case .int, .double, .bool:
            throw error(
                .typeMismatch, at: token, expected: expectedValue(for: attribute),
                found: "the string \(VisibilityLexer.quoted(token.text))")
        }
    }

    /// Parses an RFC 3339 datetime, returning nil (rather than trapping) for a time past `Timestamp`'s range.
    ///
    /// `RFC3339.parse` checks the scaling of the seconds for overflow but not the addition of the fraction, so
    /// `2262-04-11T23:47:16.999999999Z` would trap there; the fraction is split off here and added with a check.
    static func datetime(_ text: String) -> Timestamp? {
        let bytes = Array(text.utf8)
        let fractionStart = 20
        guard bytes.count > fractionStart, bytes[fractionStart - 1] == UInt8(ascii: ".") else {
            return RFC3339.parse(text)
        }
        var end = fractionStart
        while end < bytes.count, VisibilityLexer.isDigit(bytes[end]) { end += 1 }
        // What follows the fraction must be a zone; a second '.' would be parsed as a fraction again, unchecked.
        guard end > fractionStart, !bytes[end...].contains(UInt8(ascii: ".")),
            let whole = RFC3339.parse(String(decoding: bytes[..<(fractionStart - 1)] + bytes[end...], as: UTF8.self))
        else { return nil }
        var fraction: Int64 = 0
        for index in fractionStart..<min(end, fractionStart + 9) {
            fraction = fraction * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
        }
        for _ in min(end - fractionStart, 9)..<9 { fraction *= 10 }
        let (sum, isOverflow) = whole.rawValue.addingReportingOverflow(fraction)
        return isOverflow ? nil : Timestamp(rawValue: sum)
    }

    private func numberValue(
        _ token: VisibilityToken, isNegative: Bool, start: VisibilityToken, for attribute: VisibilityAttribute
    ) throws(VisibilityQueryError) -> VisibilityValue {
        let written = (isNegative ? "-" : "") + token.text
        let isInteger = token.kind == .integer
        switch attribute.type {
        case .int, .double:
            if isInteger { return .int(try integer(token, isNegative: isNegative, start: start)) }
            return .double(try decimal(token, isNegative: isNegative, start: start))
        case .datetime where isInteger:
            // Temporal reads an integer compared with a datetime as nanoseconds since the Unix epoch.
            return .datetime(Timestamp(rawValue: try integer(token, isNegative: isNegative, start: start)))
        case .keyword where attribute.isExecutionStatus && isInteger:
            let code = try integer(token, isNegative: isNegative, start: start)
            if code > 0, code <= Int64(UInt8.max), let status = ExecutionStatus(rawValue: UInt8(code)) {
                return .status(status)
            }
            throw error(
                .invalidValue, at: start, expected: "an execution status code from 1 (Running) to 7 (TimedOut)",
                found: "\(written)")
        default:
            throw error(
                .typeMismatch, at: start, expected: expectedValue(for: attribute),
                found: "the number \(written)")
        }
    }

    private func integer(
        _ token: VisibilityToken, isNegative: Bool, start: VisibilityToken
    ) throws(VisibilityQueryError) -> Int64 {
        var magnitude: UInt64 = 0
        var isOverflow = false
        for byte in token.text.utf8 {
            let (scaled, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = scaled.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 {
                isOverflow = true
                break
            }
            magnitude = sum
        }
        let limit: UInt64 = isNegative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard !isOverflow, magnitude <= limit else {
            throw error(
                .invalidValue, at: start, expected: "an integer from \(Int64.min) to \(Int64.max)",
                found: VisibilityLexer.quoted((isNegative ? "-" : "") + token.text))
        }
        if isNegative { return magnitude == limit ? Int64.min : -Int64(magnitude) }
        return Int64(magnitude)
    }

    private func decimal(
        _ token: VisibilityToken, isNegative: Bool, start: VisibilityToken
    ) throws(VisibilityQueryError) -> Double {
        guard let value = Double(token.text), value.isFinite else {
            throw error(
                .invalidValue, at: start, expected: "a finite number",
                found: VisibilityLexer.quoted((isNegative ? "-" : "") + token.text))
        }
        return isNegative ? -value : value
    }

    /// Returns the status named as Temporal accepts it: `Running` or `WORKFLOW_EXECUTION_STATUS_RUNNING`,
    /// case-sensitively.
    static func status(named name: String) -> ExecutionStatus? {
        ExecutionStatus.allCases.first { status in
            status.description == name || Self.canonicalName(of: status) == name
        }
    }

    private static func canonicalName(of status: ExecutionStatus) -> String {
        var words = ""
        for scalar in status.description.unicodeScalars {
            if scalar.properties.isUppercase, !words.isEmpty { words += "_" }
            words += String(scalar).uppercased()
        }
        return "WORKFLOW_EXECUTION_STATUS_" + words
    }

    private func expectedValue(for attribute: VisibilityAttribute) -> String {
        switch attribute.type {
        case .keyword, .text, .keywordList: "a string for '\(attribute.name)' (\(attribute.type))"
        case .int, .double: "a number for '\(attribute.name)' (\(attribute.type))"
        case .bool: "true or false for '\(attribute.name)' (Bool)"
        case .datetime: "an RFC 3339 datetime string for '\(attribute.name)' (Datetime)"
        }
    }

    // MARK: Operators by type

    private enum Operator: String {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case `in` = "IN"
        case notIn = "NOT IN"
        case between = "BETWEEN"
        case notBetween = "NOT BETWEEN"
        case startsWith = "STARTS_WITH"
        case notStartsWith = "NOT STARTS_WITH"

        init(_ comparison: VisibilityComparison) {
            switch comparison {
            case .equal: self = .equal
            case .notEqual: self = .notEqual
            case .less: self = .less
            case .lessOrEqual: self = .lessOrEqual
            case .greater: self = .greater
            case .greaterOrEqual: self = .greaterOrEqual
            }
        }
    }

    /// The operators each type supports besides IS NULL and IS NOT NULL, which all support.
    private static func operators(for attribute: VisibilityAttribute) -> [Operator] {
        if attribute.isExecutionStatus { return [.equal, .notEqual, .in, .notIn] }
        switch attribute.type {
        case .keyword:
            return [
                .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .in, .notIn, .between,
                .notBetween, .startsWith, .notStartsWith,
            ]
        case .int, .double, .datetime:
            return [
                .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .in, .notIn, .between, .notBetween,
            ]
        case .keywordList: return [.equal, .notEqual, .in, .notIn]
        case .text, .bool: return [.equal, .notEqual]
        }
    }

    private func check(
        _ op: Operator, on attribute: VisibilityAttribute, token: VisibilityToken? = nil
    ) throws(VisibilityQueryError) {
        let supported = Self.operators(for: attribute)
        guard supported.contains(op) else {
            let list = supported.map(\.rawValue).joined(separator: ", ")
            throw error(
                .unsupportedOperator, at: token ?? current,
                expected: "one of \(list), IS NULL, IS NOT NULL for '\(attribute.name)' (\(attribute.type))",
                found: "'\(op.rawValue)'")
        }
    }

    // MARK: ORDER BY and GROUP BY

    private mutating func parseOrderBy() throws(VisibilityQueryError) -> [VisibilityOrderTerm] {
        var terms: [VisibilityOrderTerm] = []
        while true {
            guard terms.count < VisibilityQuery.orderByFieldsMax else {
                throw error(
                    .limitExceeded, expected: "at most \(VisibilityQuery.orderByFieldsMax) ORDER BY fields",
                    found: "field \(terms.count + 1)")
            }
            let nameToken = current
            let attribute = try parseAttribute(
                context: terms.isEmpty
                    ? "a search attribute name after 'ORDER BY'" : "a search attribute name after ','")
            guard attribute.type != .text, attribute.type != .keywordList else {
                throw error(
                    .unsupportedOperator, at: nameToken,
                    expected: "an attribute of a sortable type (Keyword, Int, Double, Bool, Datetime) in ORDER BY",
                    found: "'\(attribute.name)' (\(attribute.type))")
            }
            var isDescending = false
            if current.isKeyword("ASC") {
                index += 1
            } else if current.isKeyword("DESC") {
                isDescending = true
                index += 1
            }
            // Explicit orders put nulls last in both directions, as Temporal's Elasticsearch store does.
            terms.append(VisibilityOrderTerm(attribute: attribute, isDescending: isDescending, isNullFirst: false))
            guard current.isSymbol(",") else { return terms }
            index += 1
        }
    }

    private mutating func parseGroupBy() throws(VisibilityQueryError) -> VisibilityAttribute {
        let nameToken = current
        let attribute = try parseAttribute(context: "a search attribute name after 'GROUP BY'")
        guard attribute.isExecutionStatus else {
            throw error(
                .unsupportedOperator, at: nameToken, expected: "ExecutionStatus, the only attribute GROUP BY supports",
                found: "'\(attribute.name)'")
        }
        return attribute
    }

    // MARK: Names

    private mutating func parseAttribute(context: String) throws(VisibilityQueryError) -> VisibilityAttribute {
        let token = current
        let isBareName = token.kind == .word && !Self.reservedWords.contains(token.text.uppercased())
        guard isBareName || token.kind == .quotedName else {
            var hint: String?
            if token.kind == .word, VisibilityAttribute.resolve(token.text, in: registry) != nil {
                hint = "'\(token.text)' is a reserved word; write the attribute in backquotes: `\(token.text)`"
            }
            throw error(.malformedQuery, expected: context, hint: hint)
        }
        guard let attribute = VisibilityAttribute.resolve(token.text, in: registry) else {
            let match = registry.caseInsensitiveMatch(for: token.text)
            throw error(
                .unknownAttribute, expected: "a registered search attribute", found: VisibilityLexer.quoted(token.text),
                hint: match.map { "names are case-sensitive; did you mean '\($0)'?" })
        }
        index += 1
        return attribute
    }

    // MARK: Tokens and errors

    private var current: VisibilityToken { tokens[index] }

    /// Returns whether the current and next tokens are `keyword` BY (ORDER BY or GROUP BY).
    private func startsClause(_ keyword: String) -> Bool {
        index + 1 < tokens.count && current.isKeyword(keyword) && tokens[index + 1].isKeyword("BY")
    }

    private func column(of token: VisibilityToken) -> Int {
        VisibilityLexer.column(of: token.offset, in: bytes)
    }

    /// Returns an error about `token` (the current token unless given), describing it as found unless `found` is.
    private func error(
        _ code: VisibilityQueryError.Code, at token: VisibilityToken? = nil, expected: String, found: String? = nil,
        hint: String? = nil
    ) -> VisibilityQueryError {
        let token = token ?? current
        let description = found ?? (token.kind == .end ? "the end of the query" : VisibilityLexer.quoted(token.source))
        return VisibilityQueryError(
            code, offset: token.offset, column: column(of: token), token: token.source, expected: expected,
            found: description, hint: hint)
    }
}
