import Testing

@testable import KeelEngine

@Suite struct VisibilityEvaluationTests {
    private func matches(_ text: String, _ record: VisibilityRecord) throws -> Bool {
        try VisibilityQuery(text, registry: VisibilityFixtures.registry).matches(record)
    }

    @Test func emptyQueryMatchesEverything() throws {
        #expect(try matches("", VisibilityFixtures.record("r")))
        #expect(try matches(" \n\t", VisibilityFixtures.record("r", status: .failed, close: 5)))
    }

    @Test func keywordsCompareExactlyAndCaseSensitively() throws {
        let record = VisibilityFixtures.record("r", workflowID: "Order-17")
        #expect(try matches("WorkflowId = 'Order-17'", record))
        #expect(try !matches("WorkflowId = 'order-17'", record))
        #expect(try matches("WorkflowId != 'order-17'", record))
        #expect(try matches("WorkflowId > 'Order-16' AND WorkflowId < 'Order-2'", record))
        #expect(try matches("WorkflowId BETWEEN 'Order-17' AND 'Order-17'", record))
        #expect(try matches("WorkflowId NOT BETWEEN 'A' AND 'B'", record))
        #expect(try matches("WorkflowId STARTS_WITH 'Order-'", record))
        #expect(try !matches("WorkflowId STARTS_WITH 'order-'", record))
        #expect(try matches("WorkflowId NOT STARTS_WITH 'Invoice'", record))
        #expect(try matches("WorkflowId IN ('x', 'Order-17')", record))
        #expect(try !matches("WorkflowId NOT IN ('x', 'Order-17')", record))
        #expect(try matches("RunId = 'r' AND WorkflowType = 'charge' AND TaskQueue = 'payments'", record))
    }

    @Test func keywordsCompareByBytesNotByCanonicalEquivalence() throws {
        // "é" precomposed and "e" with a combining accent are equal Swift strings but different keywords.
        let record = VisibilityFixtures.record("r", workflowID: "caf\u{E9}")
        #expect(try matches("WorkflowId = 'caf\u{E9}'", record))
        #expect(try !matches("WorkflowId = 'cafe\u{301}'", record))
    }

    @Test func executionStatusComparesByNameCodeOrCanonicalName() throws {
        let record = VisibilityFixtures.record("r", status: .continuedAsNew, close: 200)
        #expect(try matches("ExecutionStatus = 'ContinuedAsNew'", record))
        #expect(try matches("ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW'", record))
        #expect(try matches("ExecutionStatus = 6", record))
        #expect(try matches("ExecutionStatus != 'Running'", record))
        #expect(try matches("ExecutionStatus IN ('Completed', 'ContinuedAsNew')", record))
        #expect(try matches("ExecutionStatus NOT IN ('Running', 'TimedOut')", record))
        #expect(try !matches("ExecutionStatus = 'TimedOut'", record))
    }

    @Test func numbersCompareExactlyAcrossIntAndDouble() throws {
        let record = VisibilityFixtures.record(
            "r", historyLength: 10, attributes: ["Priority": .int(Int64.max), "Score": .double(2.5)])
        #expect(try matches("HistoryLength = 10.0", record))
        #expect(try !matches("HistoryLength = 10.5", record))
        #expect(try matches("HistoryLength < 10.5 AND HistoryLength > 9.99", record))
        #expect(try matches("HistoryLength BETWEEN 10 AND 10", record))
        #expect(try matches("HistoryLength NOT BETWEEN 11 AND 20", record))
        #expect(try matches("HistoryLength IN (1, 10)", record))
        // Int64.max is not representable as a Double; the comparison must not round it to 2^63.
        #expect(try matches("Priority < 9223372036854775808.0", record))
        #expect(try matches("Priority = 9223372036854775807", record))
        #expect(try !matches("Priority = 9223372036854775806", record))
        #expect(try matches("Score = 2.5 AND Score > 2 AND Score < 3 AND Score != 2", record))
        #expect(try matches("Score >= -1e3", record))
    }

    @Test func nanIsUnorderedButNotEqual() throws {
        let record = VisibilityFixtures.record("r", attributes: ["Score": .double(.nan)])
        #expect(try !matches("Score = 1", record))
        #expect(try !matches("Score < 1", record))
        #expect(try !matches("Score >= 1", record))
        #expect(try !matches("Score BETWEEN 0 AND 1e300", record))
        #expect(try matches("Score != 1", record))
        #expect(try matches("Score NOT BETWEEN 0 AND 1", record))
        #expect(try matches("Score IS NOT NULL", record))
    }

    @Test func booleansCompareWithTrueAndFalse() throws {
        let record = VisibilityFixtures.record("r", attributes: ["IsVip": .bool(true)])
        #expect(try matches("IsVip = true", record))
        #expect(try matches("IsVip != false", record))
        #expect(try !matches("IsVip = FALSE", record))
    }

    @Test func datetimesParseRFC3339WithOffsetsAndIntegerNanoseconds() throws {
        // 2025-01-31T08:00:00Z is 1738310400 seconds after the epoch.
        let record = VisibilityFixtures.record("r", start: 1_738_310_400, attributes: ["DueAt": .datetime(.epoch)])
        #expect(try matches("StartTime = '2025-01-31T08:00:00Z'", record))
        #expect(try matches("StartTime = '2025-01-31T10:00:00+02:00'", record))
        #expect(try matches("StartTime = '2025-01-31T08:00:00.000000000Z'", record))
        #expect(try matches("StartTime > '2025-01-31T07:59:59.999999999Z'", record))
        #expect(try matches("StartTime = 1738310400000000000", record))
        #expect(try matches("ExecutionTime BETWEEN '2025-01-01T00:00:00Z' AND '2025-02-01T00:00:00Z'", record))
        #expect(try matches("DueAt = '1970-01-01T00:00:00Z' AND DueAt < 1", record))
    }

    @Test func keywordListsMatchWhenAnyElementDoes() throws {
        let record = VisibilityFixtures.record("r", attributes: ["Tags": .keywordList(["red", "blue"])])
        #expect(try matches("Tags = 'red'", record))
        #expect(try matches("Tags = 'blue'", record))
        #expect(try !matches("Tags = 'green'", record))
        #expect(try matches("Tags != 'green'", record))
        #expect(try !matches("Tags != 'red'", record))
        #expect(try matches("Tags IN ('green', 'blue')", record))
        #expect(try !matches("Tags IN ('green', 'white')", record))
        #expect(try matches("Tags NOT IN ('green', 'white')", record))
        #expect(try !matches("Tags NOT IN ('green', 'red')", record))
    }

    @Test func anEmptyKeywordListIsNull() throws {
        let record = VisibilityFixtures.record("r", attributes: ["Tags": .keywordList([])])
        #expect(try matches("Tags IS NULL", record))
        #expect(try !matches("Tags != 'x'", record))
    }

    @Test func textComparesAsAWholeString() throws {
        let record = VisibilityFixtures.record("r", attributes: ["Notes": .text("card declined")])
        #expect(try matches("Notes = 'card declined'", record))
        #expect(try !matches("Notes = 'card'", record))
        #expect(try matches("Notes != 'card'", record))
    }

    @Test func comparisonsOnAMissingAttributeAreFalseAndIsNullIsTrue() throws {
        let record = VisibilityFixtures.record("r")
        let comparisons = [
            "CustomerId = 'a'", "CustomerId != 'a'", "CustomerId < 'a'", "CustomerId IN ('a')",
            "CustomerId NOT IN ('a')", "CustomerId BETWEEN 'a' AND 'z'", "CustomerId NOT BETWEEN 'a' AND 'z'",
            "CustomerId STARTS_WITH 'a'", "CustomerId NOT STARTS_WITH 'a'", "Priority > 0", "Priority != 0",
            "Score <= 1", "IsVip = false", "IsVip != true", "DueAt > 0", "Tags = 'a'", "Tags != 'a'",
            "Tags NOT IN ('a')", "Notes != 'a'", "CloseTime < '2100-01-01T00:00:00Z'", "CloseTime != 0",
            "ParentWorkflowId = 'p'", "ParentRunId != 'p'",
        ]
        for text in comparisons {
            #expect(try !matches(text, record), "\(text)")
        }
        for name in ["CustomerId", "Tags", "CloseTime", "ParentWorkflowId"] {
            #expect(try matches("\(name) IS NULL", record), "\(name)")
            #expect(try !matches("\(name) IS NOT NULL", record), "\(name)")
        }
    }

    @Test func aValueOfAnotherTypeThanRegisteredIsNull() throws {
        let record = VisibilityFixtures.record(
            "r", attributes: ["Priority": .keyword("high"), "Unregistered": .int(1)])
        #expect(try matches("Priority IS NULL", record))
        #expect(try !matches("Priority != 1", record))
    }

    @Test func parentExecutionIsVisibleAsParentWorkflowIdAndParentRunId() throws {
        let parent = WorkflowExecution(workflowID: "order", runID: "parent-run")
        let record = VisibilityFixtures.record("r", parent: parent)
        #expect(try matches("ParentWorkflowId = 'order' AND ParentRunId = 'parent-run'", record))
    }

    @Test func closedRunsHaveACloseTime() throws {
        let record = VisibilityFixtures.record("r", status: .completed, close: 300)
        #expect(try matches("CloseTime IS NOT NULL AND CloseTime = 300000000000", record))
        #expect(
            try matches("CloseTime >= '1970-01-01T00:05:00Z' AND CloseTime < '1970-01-01T00:05:00.000000001Z'", record))
        #expect(throws: VisibilityQueryError.self) { try matches("CloseTime > StartTime", record) }
    }
}
