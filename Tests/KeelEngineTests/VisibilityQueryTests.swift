import Testing

@testable import KeelEngine

/// Records and a registry shared by the visibility tests.
enum VisibilityFixtures {
    static let namespace = "default"

    static let registry: SearchAttributeRegistry = {
        var registry = SearchAttributeRegistry()
        try! registry.register("CustomerId", type: .keyword)
        try! registry.register("Priority", type: .int)
        try! registry.register("Score", type: .double)
        try! registry.register("IsVip", type: .bool)
        try! registry.register("DueAt", type: .datetime)
        try! registry.register("Tags", type: .keywordList)
        try! registry.register("Notes", type: .text)
        try! registry.register("Order", type: .keyword)
        return registry
    }()

    /// Returns the time `seconds` after the epoch.
    static func time(_ seconds: Int64) -> Timestamp {
        Timestamp(rawValue: seconds * 1_000_000_000)
    }

    static func record(
        _ runID: String,
        workflowID: String? = nil,
        type: String = "charge",
        taskQueue: String = "payments",
        status: ExecutionStatus = .running,
        start: Int64 = 100,
        close: Int64? = nil,
        historyLength: Int64 = 10,
        attributes: [String: SearchAttributeValue] = [:],
        parent: WorkflowExecution? = nil,
        namespace: String = namespace
    ) -> VisibilityRecord {
        VisibilityRecord(
            namespace: namespace,
            execution: WorkflowExecution(workflowID: WorkflowID(workflowID ?? "wf-\(runID)"), runID: RunID(runID)),
            workflowType: type, taskQueue: taskQueue, status: status, startTime: time(start),
            executionTime: time(start), closeTime: close.map(time), historyLength: historyLength,
            searchAttributes: attributes, parentExecution: parent)
    }

    /// Returns the error `text` fails to parse with.
    static func parseError(_ text: String, registry: SearchAttributeRegistry = registry) -> VisibilityQueryError? {
        do {
            _ = try VisibilityQuery(text, registry: registry)
            return nil
        } catch {
            return error
        }
    }
}

@Suite struct VisibilityQueryParserTests {
    @Test func acceptsEveryOperatorOnTheTypesThatSupportIt() throws {
        let queries = [
            "",
            "   ",
            "WorkflowId = 'a'",
            "WorkflowId != 'a'",
            "WorkflowId <> 'a'",
            "WorkflowId < 'a'",
            "WorkflowId <= 'a'",
            "WorkflowId > 'a'",
            "WorkflowId >= 'a'",
            "WorkflowId IN ('a', 'b', \"c\")",
            "WorkflowId NOT IN ('a')",
            "WorkflowId BETWEEN 'a' AND 'm'",
            "WorkflowId NOT BETWEEN 'a' AND 'm'",
            "WorkflowId STARTS_WITH 'order-'",
            "WorkflowId NOT STARTS_WITH 'order-'",
            "CloseTime IS NULL",
            "CloseTime IS NOT NULL",
            "HistoryLength >= 10 AND HistoryLength < -5",
            "HistoryLength BETWEEN 1 AND 2.5",
            "Priority IN (1, 2, +3)",
            "Score > 1.5e3 AND Score <= .5",
            "IsVip = true AND IsVip != FALSE",
            "StartTime > '2025-01-31T08:00:00Z' AND CloseTime < '2025-02-01T00:00:00.123456789+02:00'",
            "StartTime BETWEEN '2025-01-01T00:00:00Z' AND 1767225600000000000",
            "ExecutionStatus = 'Running'",
            "ExecutionStatus IN ('Completed', 'WORKFLOW_EXECUTION_STATUS_FAILED', 4)",
            "Tags = 'red' AND Tags IN ('blue', 'green') AND Tags NOT IN ('x') AND Tags != 'y'",
            "Notes = 'hello' OR Notes != 'bye'",
            "`Order` = 'x' AND `CustomerId` = 'c1'",
            "ParentWorkflowId IS NULL OR ParentRunId = 'r'",
            "order by StartTime",
            "ORDER BY StartTime DESC, WorkflowId ASC, Priority",
            "WorkflowType = 'charge' ORDER BY CloseTime",
            "GROUP BY ExecutionStatus",
            "TaskQueue = 'q' group by ExecutionStatus",
            "((WorkflowId = 'a'))",
            "workflowid_is_not_a_keyword_but = 'x'",
        ]
        var registry = VisibilityFixtures.registry
        try registry.register("workflowid_is_not_a_keyword_but", type: .keyword)
        for query in queries {
            #expect(throws: Never.self, "\(query)") { _ = try VisibilityQuery(query, registry: registry) }
        }
    }

    @Test func keywordsAreCaseInsensitive() throws {
        let query = try VisibilityQuery(
            "WorkflowId in ('a') aNd HistoryLength not between 1 and 2 Or CloseTime is not null",
            registry: VisibilityFixtures.registry)
        #expect(query.matches(VisibilityFixtures.record("r", workflowID: "a", historyLength: 10)))
    }

    @Test func andBindsTighterThanOr() throws {
        // Read as A OR (B AND C): A alone makes it true.
        let query = try VisibilityQuery(
            "WorkflowId = 'a' OR WorkflowId = 'b' AND HistoryLength = 99", registry: VisibilityFixtures.registry)
        #expect(query.matches(VisibilityFixtures.record("r", workflowID: "a")))
        #expect(!query.matches(VisibilityFixtures.record("r", workflowID: "b")))
        let grouped = try VisibilityQuery(
            "(WorkflowId = 'a' OR WorkflowId = 'b') AND HistoryLength = 99", registry: VisibilityFixtures.registry)
        #expect(!grouped.matches(VisibilityFixtures.record("r", workflowID: "a")))
        #expect(grouped.matches(VisibilityFixtures.record("r", workflowID: "b", historyLength: 99)))
    }

    @Test func stringsUnescapeQuotesAndBackslashes() throws {
        let cases: [(String, String)] = [
            (#"WorkflowId = 'it''s'"#, "it's"),
            (#"WorkflowId = 'it\'s'"#, "it's"),
            (#"WorkflowId = "say \"hi\"""#, #"say "hi""#),
            (#"WorkflowId = "a""b""#, #"a"b"#),
            (#"WorkflowId = 'tab\there\nline\\end\0'"#, "tab\there\nline\\end\0"),
            ("WorkflowId = 'héllo ✓'", "héllo ✓"),
        ]
        for (text, workflowID) in cases {
            let query = try VisibilityQuery(text, registry: VisibilityFixtures.registry)
            #expect(query.matches(VisibilityFixtures.record("r", workflowID: workflowID)), "\(text)")
        }
    }

    @Test func malformedQueriesNameTheColumnExpectationAndToken() {
        let cases: [(String, Int, String)] = [
            (
                "WorkflowId = 'a' AND TaskQueue = AND", 34,
                "malformed query at column 34: expected a value after '=', found 'AND'"
            ),
            (
                "WorkflowId = 'a' AND", 21,
                "malformed query at column 21: expected a search attribute name or '(', found the end of the query"
            ),
            (
                "WorkflowId 'a'", 12,
                "malformed query at column 12: expected an operator (=, !=, <, <=, >, >=, IN, BETWEEN, STARTS_WITH, IS) after 'WorkflowId', found ''a''"
            ),
            (
                "(WorkflowId = 'a'", 18,
                "malformed query at column 18: expected ')' to close the '(' at column 1, found the end of the query"
            ),
            (
                "WorkflowId = 'a')", 17,
                "malformed query at column 17: expected AND, OR, ORDER BY, GROUP BY or the end of the query, found ')'; there is no '(' for this ')'"
            ),
            (
                "WorkflowId = 'abc", 18,
                "malformed query at column 18: expected a closing ' for the string at column 14, found the end of the query"
            ),
            (
                "WorkflowId = a", 14,
                "malformed query at column 14: expected a value after '=', found 'a'; did you forget to quote 'a'?"
            ),
            (
                "WorkflowId = WorkflowType", 14,
                "malformed query at column 14: expected a value after '=', found 'WorkflowType'; comparing two attributes is not supported; quote 'WorkflowType' if it is a value"
            ),
            (
                "CloseTime = NULL", 13,
                "malformed query at column 13: expected a value after '=', found 'NULL'; compare with null using IS NULL or IS NOT NULL"
            ),
            (
                "NOT WorkflowId = 'a'", 1,
                "malformed query at column 1: expected a search attribute name or '(', found 'NOT'; a bare NOT is not supported; use !=, NOT IN, NOT BETWEEN, NOT STARTS_WITH or IS NOT NULL"
            ),
            (
                "WorkflowId NOT = 'a'", 16,
                "malformed query at column 16: expected IN, BETWEEN or STARTS_WITH after 'NOT', found '='"
            ),
            (
                "CloseTime IS 'x'", 14,
                "malformed query at column 14: expected NULL or NOT NULL after 'IS', found ''x''"
            ),
            (
                "WorkflowId IN 'a'", 15,
                "malformed query at column 15: expected '(' after 'IN', found ''a''"
            ),
            (
                "WorkflowId IN ('a' 'b')", 20,
                "malformed query at column 20: expected ',' or ')' in the list of 'IN', found ''b''"
            ),
            (
                "WorkflowId IN ()", 16,
                "malformed query at column 16: expected a value after '(', found ')'"
            ),
            (
                "HistoryLength BETWEEN 1 OR 2", 25,
                "malformed query at column 25: expected AND between the two bounds of BETWEEN, found 'OR'"
            ),
            (
                "HistoryLength = -'a'", 18,
                "malformed query at column 18: expected a number after '-', found ''a''"
            ),
            (
                "WorkflowId = 'a' # comment", 18,
                "malformed query at column 18: expected a search attribute name, a value, an operator or '(', found '#'"
            ),
            (
                "WorkflowId ! 'a'", 12,
                "malformed query at column 12: expected '!=' (a '!' stands only before '='), found '!'"
            ),
            (
                "WorkflowId = 'a\\q'", 16,
                "malformed query at column 16: expected an escape of \\\\, \\', \\\", \\n, \\t, \\r or \\0, found '\\q'"
            ),
            (
                "HistoryLength = 12abc", 17,
                "malformed query at column 17: expected a number or a name that does not start with a digit, found '12abc'"
            ),
            (
                "HistoryLength = 1e", 17,
                "malformed query at column 17: expected digits after the exponent of a number, found '1e'"
            ),
            (
                "ORDER BY", 9,
                "malformed query at column 9: expected a search attribute name after 'ORDER BY', found the end of the query"
            ),
            (
                "ORDER BY StartTime DESC StartTime", 25,
                "malformed query at column 25: expected ',' or the end of the query after the ORDER BY fields, found 'StartTime'"
            ),
            (
                "GROUP BY ExecutionStatus ORDER BY StartTime", 26,
                "malformed query at column 26: expected the end of the query after GROUP BY, found 'ORDER'; ORDER BY cannot be used with GROUP BY"
            ),
            (
                "`CustomerId = 'a'", 18,
                "malformed query at column 18: expected a closing ` for the name at column 1, found the end of the query"
            ),
            (
                "é = 'x'", 1,
                "malformed query at column 1: expected a search attribute name, a value, an operator or '(', found 'é'"
            ),
            (
                "WorkflowId = 'ü' AND ü", 22,
                "malformed query at column 22: expected a search attribute name, a value, an operator or '(', found 'ü'"
            ),
        ]
        for (text, column, description) in cases {
            let error = VisibilityFixtures.parseError(text)
            #expect(error?.code == .malformedQuery, "\(text)")
            #expect(error?.column == column, "\(text)")
            #expect(error?.description == description, "\(text)")
        }
    }

    @Test func errorsCarryTheByteOffsetAndTokenText() throws {
        let error = try #require(VisibilityFixtures.parseError("WorkflowId = 'ü' AND = 5"))
        #expect(error.offset == 22)
        #expect(error.column == 22)
        #expect(error.token == "=")
        #expect(error.expected == "a search attribute name or '('")
        #expect(error.found == "'='")
    }

    @Test func unknownAttributesAreErrorsWithACaseHint() {
        let error = VisibilityFixtures.parseError("TaskQueue = 'q' AND workflowId = 'a'")
        #expect(error?.code == .unknownAttribute)
        #expect(
            error?.description
                == "unknown search attribute at column 21: expected a registered search attribute, found 'workflowId'; names are case-sensitive; did you mean 'WorkflowId'?"
        )
        #expect(VisibilityFixtures.parseError("Nope = 1")?.hint == nil)
        #expect(VisibilityFixtures.parseError("ORDER BY Nope")?.code == .unknownAttribute)
        #expect(VisibilityFixtures.parseError("`Nope` IS NULL")?.code == .unknownAttribute)
    }

    @Test func reservedWordsNeedBackquotesToNameAnAttribute() {
        let error = VisibilityFixtures.parseError("Order = 'x'")
        #expect(error?.code == .malformedQuery)
        #expect(error?.hint == "'Order' is a reserved word; write the attribute in backquotes: `Order`")
    }

    @Test func valuesOfTheWrongTypeAreTypeMismatches() {
        let cases: [(String, Int, String)] = [
            (
                "HistoryLength = 'ten'", 17,
                "type mismatch at column 17: expected a number for 'HistoryLength' (Int), found the string 'ten'"
            ),
            (
                "WorkflowId = 5", 14,
                "type mismatch at column 14: expected a string for 'WorkflowId' (Keyword), found the number 5"
            ),
            (
                "WorkflowId = -5.5", 14,
                "type mismatch at column 14: expected a string for 'WorkflowId' (Keyword), found the number -5.5"
            ),
            (
                "IsVip = 1", 9,
                "type mismatch at column 9: expected true or false for 'IsVip' (Bool), found the number 1"
            ),
            (
                "IsVip = 'true'", 9,
                "type mismatch at column 9: expected true or false for 'IsVip' (Bool), found the string 'true'"
            ),
            (
                "Priority = TRUE", 12,
                "type mismatch at column 12: expected a number for 'Priority' (Int), found the Bool TRUE"
            ),
            (
                "StartTime > 1.5", 13,
                "type mismatch at column 13: expected an RFC 3339 datetime string for 'StartTime' (Datetime), found the number 1.5"
            ),
            (
                "Tags IN ('a', 2)", 15,
                "type mismatch at column 15: expected a string for 'Tags' (KeywordList), found the number 2"
            ),
        ]
        for (text, column, description) in cases {
            let error = VisibilityFixtures.parseError(text)
            #expect(error?.code == .typeMismatch, "\(text)")
            #expect(error?.column == column, "\(text)")
            #expect(error?.description == description, "\(text)")
        }
    }

    @Test func operatorsATypeDoesNotSupportAreErrors() {
        let cases: [(String, Int, String)] = [
            (
                "IsVip < true", 7,
                "unsupported operator at column 7: expected one of =, !=, IS NULL, IS NOT NULL for 'IsVip' (Bool), found '<'"
            ),
            (
                "Priority STARTS_WITH '1'", 10,
                "unsupported operator at column 10: expected one of =, !=, <, <=, >, >=, IN, NOT IN, BETWEEN, NOT BETWEEN, IS NULL, IS NOT NULL for 'Priority' (Int), found 'STARTS_WITH'"
            ),
            (
                "Tags > 'a'", 6,
                "unsupported operator at column 6: expected one of =, !=, IN, NOT IN, IS NULL, IS NOT NULL for 'Tags' (KeywordList), found '>'"
            ),
            (
                "Notes NOT IN ('a')", 7,
                "unsupported operator at column 7: expected one of =, !=, IS NULL, IS NOT NULL for 'Notes' (Text), found 'NOT IN'"
            ),
            (
                "ExecutionStatus > 'Running'", 17,
                "unsupported operator at column 17: expected one of =, !=, IN, NOT IN, IS NULL, IS NOT NULL for 'ExecutionStatus' (Keyword), found '>'"
            ),
            (
                "Tags NOT BETWEEN 'a' AND 'b'", 6,
                "unsupported operator at column 6: expected one of =, !=, IN, NOT IN, IS NULL, IS NOT NULL for 'Tags' (KeywordList), found 'NOT BETWEEN'"
            ),
            (
                "ORDER BY Notes", 10,
                "unsupported operator at column 10: expected an attribute of a sortable type (Keyword, Int, Double, Bool, Datetime) in ORDER BY, found 'Notes' (Text)"
            ),
            (
                "GROUP BY WorkflowType", 10,
                "unsupported operator at column 10: expected ExecutionStatus, the only attribute GROUP BY supports, found 'WorkflowType'"
            ),
        ]
        for (text, column, description) in cases {
            let error = VisibilityFixtures.parseError(text)
            #expect(error?.code == .unsupportedOperator, "\(text)")
            #expect(error?.column == column, "\(text)")
            #expect(error?.description == description, "\(text)")
        }
    }

    @Test func unusableValuesAreInvalidValues() {
        let cases: [(String, Int, String)] = [
            (
                "StartTime > '2025-13-01T00:00:00Z'", 13,
                "invalid value at column 13: expected an RFC 3339 datetime such as '2025-01-31T08:00:00Z' for 'StartTime', found '2025-13-01T00:00:00Z'"
            ),
            (
                "ExecutionStatus = 'running'", 19,
                "invalid value at column 19: expected an execution status (Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut), found 'running'; status names are case-sensitive; did you mean 'Running'?"
            ),
            (
                "ExecutionStatus = 'Paused'", 19,
                "invalid value at column 19: expected an execution status (Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut), found 'Paused'"
            ),
            (
                "ExecutionStatus = 8", 19,
                "invalid value at column 19: expected an execution status code from 1 (Running) to 7 (TimedOut), found 8"
            ),
            (
                "HistoryLength > 9223372036854775808", 17,
                "invalid value at column 17: expected an integer from -9223372036854775808 to 9223372036854775807, found '9223372036854775808'"
            ),
            (
                "HistoryLength > 99999999999999999999999", 17,
                "invalid value at column 17: expected an integer from -9223372036854775808 to 9223372036854775807, found '99999999999999999999999'"
            ),
            (
                "Score > 1e400", 9,
                "invalid value at column 9: expected a finite number, found '1e400'"
            ),
        ]
        for (text, column, description) in cases {
            let error = VisibilityFixtures.parseError(text)
            #expect(error?.code == .invalidValue, "\(text)")
            #expect(error?.column == column, "\(text)")
            #expect(error?.description == description, "\(text)")
        }
        #expect(VisibilityFixtures.parseError("HistoryLength > -9223372036854775808") == nil)
    }

    @Test func datetimesPastTheEndOfTheRangeAreInvalidValuesNotTraps() throws {
        // RFC3339.parse adds the fraction to the scaled seconds unchecked; these used to trap there.
        for text in [
            "StartTime > '2262-04-11T23:47:16.999999999Z'", "StartTime > '2262-04-11T23:47:16.854775808Z'",
            "StartTime > '2262-04-11T22:47:16.9-01:00'", "StartTime > '9999-12-31T23:59:59.5Z'",
            // Found by FuzzVisibilityQuery: a second fraction slipped past the first guard.
            "StartTime > '2262-04-11T23:47:16.9999.9999Z'", "StartTime > '2025-01-01T00:00:00.5.5Z'",
        ] {
            #expect(VisibilityFixtures.parseError(text)?.code == .invalidValue, "\(text)")
        }
        let latest = try VisibilityQuery(
            "StartTime = '2262-04-11T23:47:16.854775807Z'", registry: VisibilityFixtures.registry)
        var record = VisibilityFixtures.record("r")
        record.startTime = Timestamp(rawValue: .max)
        #expect(latest.matches(record))
        #expect(VisibilityParser.datetime("2025-01-31T08:00:00.5Z") == Timestamp(rawValue: 1_738_310_400_500_000_000))
        #expect(
            VisibilityParser.datetime("2025-01-31T08:00:00.123456789123+01:00")?.rawValue == 1_738_306_800_123_456_789)
        #expect(VisibilityParser.datetime("2025-01-31T08:00:00.Z") == nil)
        #expect(VisibilityParser.datetime("1677-09-21T00:12:44.5Z")?.rawValue == -9_223_372_035_500_000_000)
    }

    @Test func limitsOnLengthNestingListsAndOrderAreErrors() {
        let long = "WorkflowId = '" + String(repeating: "x", count: VisibilityQuery.queryBytesMax) + "'"
        let tooLong = VisibilityFixtures.parseError(long)
        #expect(tooLong?.code == .limitExceeded)
        #expect(
            tooLong?.description
                == "limit exceeded at column 16385: expected a query of at most 16384 bytes, found 16399 bytes")

        let deepEnough = String(repeating: "(", count: 64) + "WorkflowId = 'a'" + String(repeating: ")", count: 64)
        #expect(VisibilityFixtures.parseError(deepEnough) == nil)
        let tooDeep = String(repeating: "(", count: 65) + "WorkflowId = 'a'" + String(repeating: ")", count: 65)
        let deepError = VisibilityFixtures.parseError(tooDeep)
        #expect(deepError?.code == .limitExceeded)
        #expect(
            deepError?.description
                == "limit exceeded at column 65: expected at most 64 levels of parentheses, found a '(' nested 65 deep")

        let values = (0...VisibilityQuery.inListValuesMax).map { "'\($0)'" }.joined(separator: ",")
        let listError = VisibilityFixtures.parseError("WorkflowId IN (\(values))")
        #expect(listError?.code == .limitExceeded)
        #expect(listError?.found == "value 1001")

        let fields = Array(repeating: "StartTime", count: VisibilityQuery.orderByFieldsMax + 1).joined(separator: ", ")
        #expect(VisibilityFixtures.parseError("ORDER BY \(fields)")?.code == .limitExceeded)
    }

    @Test func deeplyNestedInputFailsWithoutExhaustingTheStack() {
        let hostile = String(repeating: "(", count: 100_000)
        #expect(VisibilityFixtures.parseError(hostile)?.code == .limitExceeded)
        let chain = Array(repeating: "WorkflowId = 'a'", count: 500).joined(separator: " AND ")
        #expect(VisibilityFixtures.parseError(chain) == nil)
    }

    @Test func defaultOrderIsCloseTimeDescendingNullsFirstThenStartTimeDescending() throws {
        let query = try VisibilityQuery("WorkflowId = 'a'", registry: VisibilityFixtures.registry)
        #expect(query.usesDefaultOrder)
        #expect(query.sortTerms.map(\.description) == ["CloseTime DESC NULLS FIRST", "StartTime DESC NULLS LAST"])
        #expect(query.sortTerms == VisibilityQuery.defaultSortTerms)
        let explicit = try VisibilityQuery("ORDER BY Priority DESC, WorkflowId", registry: VisibilityFixtures.registry)
        #expect(!explicit.usesDefaultOrder)
        #expect(explicit.sortTerms.map(\.description) == ["Priority DESC NULLS LAST", "WorkflowId ASC NULLS LAST"])
    }
}

@Suite struct VisibilitySearchAttributeRegistryTests {
    @Test func knowsTheSystemAttributes() {
        let registry = SearchAttributeRegistry()
        #expect(registry.type(of: "WorkflowId") == .keyword)
        #expect(registry.type(of: "ExecutionStatus") == .keyword)
        #expect(registry.type(of: "StartTime") == .datetime)
        #expect(registry.type(of: "HistoryLength") == .int)
        #expect(registry.type(of: "workflowid") == nil)
        #expect(SearchAttributeRegistry.isSystem("TaskQueue"))
    }

    @Test func registeringIsIdempotentForTheSameType() throws {
        var registry = SearchAttributeRegistry()
        try registry.register("CustomerId", type: .keyword)
        try registry.register("CustomerId", type: .keyword)
        #expect(registry.customAttributes == ["CustomerId": .keyword])
    }

    @Test func rejectsSystemNamesOtherTypesAndBadNames() {
        var registry = SearchAttributeRegistry()
        #expect(throws: VisibilityQueryError.self) { try registry.register("WorkflowId", type: .keyword) }
        do {
            try registry.register("StartTime", type: .int)
            Issue.record("registering a system name succeeded")
        } catch {
            #expect(error.code == .invalidRegistration)
            #expect(
                error.description
                    == "invalid search attribute registration: expected a name that is not a system search attribute, found 'StartTime', the system Datetime attribute"
            )
        }
        try? registry.register("Amount", type: .int)
        do {
            try registry.register("Amount", type: .double)
            Issue.record("re-registering with another type succeeded")
        } catch {
            #expect(
                error.description
                    == "invalid search attribute registration: expected 'Amount' registered again as Int, found type Double"
            )
        }
        for bad in ["", "1abc", "has space", "dash-ed", "é", String(repeating: "a", count: 256)] {
            #expect(throws: VisibilityQueryError.self, "\(bad)") { try registry.register(bad, type: .keyword) }
        }
    }

    @Test func limitsTheNumberOfCustomAttributes() throws {
        var registry = SearchAttributeRegistry()
        for index in 0..<SearchAttributeRegistry.customAttributesMax {
            try registry.register("Attribute\(index)", type: .int)
        }
        #expect(throws: VisibilityQueryError.self) { try registry.register("OneMore", type: .int) }
    }
}
