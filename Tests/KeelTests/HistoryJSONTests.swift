import KeelTestSupport
import Testing

@testable import Keel
@testable import KeelEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The JSON history export: round trips of every event type, a history written as Temporal's CLI prints
/// one, errors that say where and what, and inputs that must never crash the decoder.
@Suite struct HistoryJSONTests {
    /// The seed of this run: `KEEL_JSON_SEED` when set (to replay a failure), otherwise random.
    static func seed(_ test: String) -> UInt64 {
        let seed: UInt64
        if let text = getenv("KEEL_JSON_SEED"), let value = UInt64(String(cString: text)) {
            seed = value
        } else {
            seed = UInt64.random(in: 0...UInt64.max)
        }
        print("\(test): seed \(seed) (KEEL_JSON_SEED=\(seed) replays it)")
        return seed
    }

    /// Returns the error `decode` throws for `text`, or nil when it decodes.
    static func decodeError(_ text: String) -> HistoryJSONError? {
        do {
            _ = try HistoryJSON.decode(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Round trips

    @Test func everyEventTypeRoundTrips() throws {
        let seed = Self.seed("everyEventTypeRoundTrips")
        var random = RandomHistory(seed: seed)
        for type in EventType.allCases {
            let events = (0..<60).map { round in random.event(id: Int64(round + 1), type: type) }
            for pretty in [true, false] {
                let bytes = HistoryJSON.encode(events, pretty: pretty)
                let decoded = try HistoryJSON.decode(bytes)
                #expect(decoded.count == events.count, "seed \(seed), \(type)")
                for (index, pair) in zip(decoded, events).enumerated() where pair.0 != pair.1 {
                    Issue.record("seed \(seed), \(type) event \(index) differs after a round trip")
                    return
                }
                #expect(
                    HistoryJSON.encode(decoded, pretty: pretty) == bytes, "seed \(seed), \(type): re-encoding differs")
            }
        }
    }

    @Test func mixedHistoriesRoundTripThroughStrings() throws {
        let seed = Self.seed("mixedHistoriesRoundTripThroughStrings")
        var random = RandomHistory(seed: seed)
        for round in 0..<20 {
            let events = (0..<40).map { index in
                random.event(id: Int64(index + 1), type: random.pick(EventType.allCases))
            }
            let text = HistoryJSON.encodeString(events)
            #expect(try HistoryJSON.decode(text) == events, "seed \(seed) round \(round)")
        }
    }

    @Test func extremeValuesRoundTrip() throws {
        let policy = RetryPolicy(
            initialInterval: .nanoseconds(Int64.min), backoffCoefficient: -.infinity,
            maximumInterval: .nanoseconds(Int64.max), maximumAttempts: Int32.min,
            nonRetryableErrorTypes: ["", "\u{0}\n\"\\"])
        var events: [HistoryEvent] = []
        for value in [Int64.min, Int64.min + 1, -1_000_000_001, -1, 0, 1, 999_999_999, Int64.max] {
            events.append(
                HistoryEvent(
                    eventID: value, time: Timestamp(rawValue: value),
                    attributes: .activityTaskScheduled(
                        ActivityTaskScheduled(
                            activityID: "a", activityType: "t", taskQueue: TaskQueue(name: "q"), header: [:],
                            input: [], scheduleToCloseTimeout: .nanoseconds(value), scheduleToStartTimeout: .zero,
                            startToCloseTimeout: nil, heartbeatTimeout: .nanoseconds(value / 1000 * 1000),
                            workflowTaskCompletedEventID: value, retryPolicy: policy))))
            events.append(
                HistoryEvent(
                    eventID: 2, time: .epoch,
                    attributes: .upsertWorkflowSearchAttributes(
                        UpsertWorkflowSearchAttributes(
                            workflowTaskCompletedEventID: 0,
                            searchAttributes: [
                                "int": .int(value), "time": .datetime(Timestamp(rawValue: value)),
                                "double": .double(Double(value)), "infinite": .double(.infinity),
                                "tiny": .double(.leastNonzeroMagnitude), "negativeZero": .double(-0.0),
                            ]))))
        }
        #expect(try HistoryJSON.decode(HistoryJSON.encode(events)) == events)
    }

    // MARK: - The shape of the export

    /// A small history as `temporal workflow show --output json` prints it, with fields Keel does not
    /// model (`taskId`, `workerVersion`, `sdkMetadata`, ...) that decoding must skip.
    static let temporalHistory = """
        {
          "events": [
            {
              "eventId": "1",
              "eventTime": "2026-01-02T03:04:05.123456789Z",
              "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
              "taskId": "1048577",
              "workflowExecutionStartedEventAttributes": {
                "workflowType": {
                  "name": "OrderWorkflow"
                },
                "taskQueue": {
                  "name": "orders",
                  "kind": "TASK_QUEUE_KIND_NORMAL"
                },
                "input": {
                  "payloads": [
                    {
                      "metadata": {
                        "encoding": "anNvbi9wbGFpbg=="
                      },
                      "data": "eyJpZCI6NDJ9"
                    }
                  ]
                },
                "workflowExecutionTimeout": "0s",
                "workflowRunTimeout": "0s",
                "workflowTaskTimeout": "10s",
                "originalExecutionRunId": "0192f1c4-7d1e-7c3a-9f00-1a2b3c4d5e6f",
                "identity": "4242@worker-1@",
                "firstExecutionRunId": "0192f1c4-7d1e-7c3a-9f00-1a2b3c4d5e6f",
                "attempt": 1,
                "firstWorkflowTaskBackoff": "0s",
                "header": {},
                "workflowId": "order-42"
              }
            },
            {
              "eventId": "2",
              "eventTime": "2026-01-02T03:04:05.123500Z",
              "eventType": "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
              "taskId": "1048578",
              "workflowTaskScheduledEventAttributes": {
                "taskQueue": {
                  "name": "orders",
                  "kind": "TASK_QUEUE_KIND_NORMAL"
                },
                "startToCloseTimeout": "10s",
                "attempt": 1
              }
            },
            {
              "eventId": "3",
              "eventTime": "2026-01-02T03:04:05.200Z",
              "eventType": "EVENT_TYPE_WORKFLOW_TASK_STARTED",
              "taskId": "1048583",
              "workflowTaskStartedEventAttributes": {
                "scheduledEventId": "2",
                "identity": "4242@worker-1@",
                "requestId": "5f1c2d3e-0000-4000-8000-000000000001",
                "historySizeBytes": "312",
                "workerVersion": {
                  "buildId": "b1"
                }
              }
            },
            {
              "eventId": "4",
              "eventTime": "2026-01-02T03:04:05.300Z",
              "eventType": "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
              "taskId": "1048587",
              "workflowTaskCompletedEventAttributes": {
                "scheduledEventId": "2",
                "startedEventId": "3",
                "identity": "4242@worker-1@",
                "workerVersion": {
                  "buildId": "b1"
                },
                "sdkMetadata": {
                  "langUsedFlags": [
                    1,
                    2
                  ],
                  "sdkName": "temporal-go",
                  "sdkVersion": "1.31.0"
                },
                "meteringMetadata": {}
              }
            },
            {
              "eventId": "5",
              "eventTime": "2026-01-02T03:04:05.300Z",
              "eventType": "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED",
              "taskId": "1048588",
              "activityTaskScheduledEventAttributes": {
                "activityId": "5",
                "activityType": {
                  "name": "ChargeCard"
                },
                "taskQueue": {
                  "name": "orders",
                  "kind": "TASK_QUEUE_KIND_NORMAL"
                },
                "header": {},
                "input": {
                  "payloads": [
                    {
                      "metadata": {
                        "encoding": "anNvbi9wbGFpbg=="
                      },
                      "data": "eyJpZCI6NDJ9"
                    }
                  ]
                },
                "scheduleToCloseTimeout": "0s",
                "scheduleToStartTimeout": "0s",
                "startToCloseTimeout": "30s",
                "heartbeatTimeout": "0s",
                "workflowTaskCompletedEventId": "4",
                "retryPolicy": {
                  "initialInterval": "1s",
                  "backoffCoefficient": 2,
                  "maximumInterval": "100s",
                  "maximumAttempts": 5,
                  "nonRetryableErrorTypes": [
                    "CardDeclined"
                  ]
                },
                "useWorkflowBuildId": true
              }
            },
            {
              "eventId": "6",
              "eventTime": "2026-01-02T03:04:05.300Z",
              "eventType": "EVENT_TYPE_TIMER_STARTED",
              "taskId": "1048589",
              "timerStartedEventAttributes": {
                "timerId": "6",
                "startToFireTimeout": "10.500s",
                "workflowTaskCompletedEventId": "4"
              }
            },
            {
              "eventId": "7",
              "eventTime": "2026-01-02T03:04:15.800Z",
              "eventType": "EVENT_TYPE_TIMER_FIRED",
              "taskId": "1048600",
              "timerFiredEventAttributes": {
                "timerId": "6",
                "startedEventId": "6"
              }
            },
            {
              "eventId": "8",
              "eventTime": "2026-01-02T03:04:16Z",
              "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED",
              "taskId": "1048610",
              "workflowExecutionCompletedEventAttributes": {
                "result": {
                  "payloads": [
                    {
                      "metadata": {
                        "encoding": "anNvbi9wbGFpbg=="
                      },
                      "data": "ImRvbmUi"
                    }
                  ]
                },
                "workflowTaskCompletedEventId": "4"
              }
            }
          ]
        }
        """

    /// Returns the time `seconds` after the Unix epoch plus `nanoseconds`.
    static func time(_ seconds: Int64, _ nanoseconds: Int64 = 0) -> Timestamp {
        Timestamp(rawValue: seconds * 1_000_000_000 + nanoseconds)
    }

    @Test func temporalCLIHistoryDecodesToKeelEvents() throws {
        let events = try HistoryJSON.decode(Self.temporalHistory)
        let queue = TaskQueue(name: "orders")
        let order = Payload.json(Array(#"{"id":42}"#.utf8))
        let runID: RunID = "0192f1c4-7d1e-7c3a-9f00-1a2b3c4d5e6f"
        let start: Int64 = 1_767_323_045  // 2026-01-02T03:04:05Z
        let expected = [
            HistoryEvent(
                eventID: 1, time: Self.time(start, 123_456_789),
                attributes: .workflowExecutionStarted(
                    WorkflowExecutionStarted(
                        workflowType: "OrderWorkflow", taskQueue: queue, input: [order], executionTimeout: .zero,
                        runTimeout: .zero, taskTimeout: .seconds(10), parent: nil, continuedFromRunID: nil,
                        initiator: nil, continuedFailure: nil, lastCompletionResult: [], originalRunID: runID,
                        firstRunID: runID, identity: "4242@worker-1@", attempt: 1, executionExpirationTime: nil,
                        firstWorkflowTaskBackoff: .zero, retryPolicy: nil, memo: [:], searchAttributes: [:],
                        header: [:], requestID: ""))),
            HistoryEvent(
                eventID: 2, time: Self.time(start, 123_500_000),
                attributes: .workflowTaskScheduled(
                    WorkflowTaskScheduled(taskQueue: queue, startToCloseTimeout: .seconds(10), attempt: 1))),
            HistoryEvent(
                eventID: 3, time: Self.time(start, 200_000_000),
                attributes: .workflowTaskStarted(
                    WorkflowTaskStarted(
                        scheduledEventID: 2, identity: "4242@worker-1@",
                        requestID: "5f1c2d3e-0000-4000-8000-000000000001", suggestContinueAsNew: false,
                        historySizeBytes: 312))),
            HistoryEvent(
                eventID: 4, time: Self.time(start, 300_000_000),
                attributes: .workflowTaskCompleted(
                    WorkflowTaskCompleted(
                        scheduledEventID: 2, startedEventID: 3, identity: "4242@worker-1@", binaryChecksum: ""))),
            HistoryEvent(
                eventID: 5, time: Self.time(start, 300_000_000),
                attributes: .activityTaskScheduled(
                    ActivityTaskScheduled(
                        activityID: "5", activityType: "ChargeCard", taskQueue: queue, header: [:], input: [order],
                        scheduleToCloseTimeout: .zero, scheduleToStartTimeout: .zero,
                        startToCloseTimeout: .seconds(30), heartbeatTimeout: .zero, workflowTaskCompletedEventID: 4,
                        retryPolicy: RetryPolicy(
                            initialInterval: .seconds(1), backoffCoefficient: 2, maximumInterval: .seconds(100),
                            maximumAttempts: 5, nonRetryableErrorTypes: ["CardDeclined"])))),
            HistoryEvent(
                eventID: 6, time: Self.time(start, 300_000_000),
                attributes: .timerStarted(
                    TimerStarted(
                        timerID: "6", startToFireTimeout: .milliseconds(10_500), workflowTaskCompletedEventID: 4))
            ),
            HistoryEvent(
                eventID: 7, time: Self.time(start + 10, 800_000_000),
                attributes: .timerFired(TimerFired(timerID: "6", startedEventID: 6))),
            HistoryEvent(
                eventID: 8, time: Self.time(start + 11),
                attributes: .workflowExecutionCompleted(
                    WorkflowExecutionCompleted(
                        result: [Payload.json(Array(#""done""#.utf8))], workflowTaskCompletedEventID: 4,
                        newExecutionRunID: nil))),
        ]
        #expect(events.count == expected.count)
        for (index, (decoded, wanted)) in zip(events, expected).enumerated() {
            #expect(decoded == wanted, "event \(index + 1)")
        }
    }

    @Test func exportWritesTemporalsFieldNamesAndForms() throws {
        let event = HistoryEvent(
            eventID: 5, time: Self.time(1_767_323_045, 300_000_000),
            attributes: .activityTaskScheduled(
                ActivityTaskScheduled(
                    activityID: "5", activityType: "ChargeCard", taskQueue: TaskQueue(name: "orders"), header: [:],
                    input: [Payload.json(Array(#"{"id":42}"#.utf8))], scheduleToCloseTimeout: nil,
                    scheduleToStartTimeout: nil, startToCloseTimeout: .milliseconds(1500), heartbeatTimeout: nil,
                    workflowTaskCompletedEventID: 4,
                    retryPolicy: RetryPolicy(maximumAttempts: 3, nonRetryableErrorTypes: ["CardDeclined"]))))
        let text = HistoryJSON.encodeString([event], pretty: false)
        #expect(
            text == #"{"events":[{"eventId":"5","eventTime":"2026-01-02T03:04:05.300000000Z","#
                + #""eventType":"EVENT_TYPE_ACTIVITY_TASK_SCHEDULED","activityTaskScheduledEventAttributes":{"#
                + #""activityId":"5","activityType":{"name":"ChargeCard"},"#
                + #""taskQueue":{"name":"orders","kind":"TASK_QUEUE_KIND_NORMAL"},"#
                + #""input":{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"eyJpZCI6NDJ9"}]},"#
                + #""startToCloseTimeout":"1.500s","workflowTaskCompletedEventId":"4","#
                + #""retryPolicy":{"initialInterval":"1s","backoffCoefficient":2.0,"maximumAttempts":3,"#
                + #""nonRetryableErrorTypes":["CardDeclined"]}}}]}"#)
        let pretty = HistoryJSON.encodeString([event])
        #expect(pretty.hasPrefix("{\n  \"events\": [\n    {\n      \"eventId\": \"5\",\n"))
        #expect(pretty.hasSuffix("\n  ]\n}\n"))
    }

    @Test func failuresUseTemporalsFailureShape() throws {
        let failure = Failure(
            message: "card declined", source: "Swift", stackTrace: "at charge()",
            info: .application(type: "CardDeclined", nonRetryable: true, details: []),
            cause: Failure(message: "timeout", info: .timeout(type: .startToClose, lastHeartbeatDetails: [])))
        let event = HistoryEvent(
            eventID: 9, time: .epoch,
            attributes: .activityTaskFailed(
                ActivityTaskFailed(
                    failure: failure, scheduledEventID: 5, startedEventID: 6, identity: "",
                    retryState: .maximumAttemptsReached)))
        let text = HistoryJSON.encodeString([event], pretty: false)
        #expect(
            text.contains(
                #""failure":{"message":"card declined","source":"Swift","stackTrace":"at charge()","#
                    + #""cause":{"message":"timeout","timeoutFailureInfo":{"timeoutType":"TIMEOUT_TYPE_START_TO_CLOSE"}},"#
                    + #""applicationFailureInfo":{"type":"CardDeclined","nonRetryable":true}}"#))
        #expect(text.contains(#""retryState":"RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED""#))
        #expect(text.contains(#""eventTime":"1970-01-01T00:00:00Z""#))
    }

    @Test func childAndSearchAttributeEventsUseTemporalsForms() throws {
        let child = HistoryEvent(
            eventID: 7, time: .epoch,
            attributes: .startChildWorkflowExecutionInitiated(
                StartChildWorkflowExecutionInitiated(
                    namespace: "default", workflowID: "child-1", workflowType: "Child",
                    taskQueue: TaskQueue(name: "sticky-1", kind: .sticky, normalName: "orders"), input: [],
                    executionTimeout: nil, runTimeout: nil, taskTimeout: .seconds(10), parentClosePolicy: .terminate,
                    workflowTaskCompletedEventID: 4, workflowIDReusePolicy: .allowDuplicate, retryPolicy: nil,
                    header: [:], memo: [:], searchAttributes: ["CustomerId": .keyword("c-1")])))
        let text = HistoryJSON.encodeString([child], pretty: false)
        #expect(text.contains(#""parentClosePolicy":"PARENT_CLOSE_POLICY_TERMINATE""#))
        #expect(text.contains(#""workflowIdReusePolicy":"WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE""#))
        #expect(
            text.contains(#""taskQueue":{"name":"sticky-1","kind":"TASK_QUEUE_KIND_STICKY","normalName":"orders"}"#))
        // "json/plain", "Keyword" and "\"c-1\"" in base64.
        #expect(
            text.contains(
                #""searchAttributes":{"indexedFields":{"CustomerId":{"metadata":{"encoding":"anNvbi9wbGFpbg==","#
                    + #""type":"S2V5d29yZA=="},"data":"ImMtMSI="}}}"#))
    }

    @Test func everyEventTypeHasTemporalsProtoName() {
        let names = [
            "WORKFLOW_EXECUTION_STARTED", "WORKFLOW_EXECUTION_COMPLETED", "WORKFLOW_EXECUTION_FAILED",
            "WORKFLOW_EXECUTION_TIMED_OUT", "WORKFLOW_TASK_SCHEDULED", "WORKFLOW_TASK_STARTED",
            "WORKFLOW_TASK_COMPLETED", "WORKFLOW_TASK_TIMED_OUT", "WORKFLOW_TASK_FAILED", "ACTIVITY_TASK_SCHEDULED",
            "ACTIVITY_TASK_STARTED", "ACTIVITY_TASK_COMPLETED", "ACTIVITY_TASK_FAILED", "ACTIVITY_TASK_TIMED_OUT",
            "ACTIVITY_TASK_CANCEL_REQUESTED", "ACTIVITY_TASK_CANCELED", "TIMER_STARTED", "TIMER_FIRED",
            "TIMER_CANCELED", "WORKFLOW_EXECUTION_CANCEL_REQUESTED", "WORKFLOW_EXECUTION_CANCELED",
            "REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED", "REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED",
            "EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED", "MARKER_RECORDED", "WORKFLOW_EXECUTION_SIGNALED",
            "WORKFLOW_EXECUTION_TERMINATED", "WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
            "START_CHILD_WORKFLOW_EXECUTION_INITIATED", "START_CHILD_WORKFLOW_EXECUTION_FAILED",
            "CHILD_WORKFLOW_EXECUTION_STARTED", "CHILD_WORKFLOW_EXECUTION_COMPLETED", "CHILD_WORKFLOW_EXECUTION_FAILED",
            "CHILD_WORKFLOW_EXECUTION_CANCELED", "CHILD_WORKFLOW_EXECUTION_TIMED_OUT",
            "CHILD_WORKFLOW_EXECUTION_TERMINATED", "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED",
            "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED", "EXTERNAL_WORKFLOW_EXECUTION_SIGNALED",
            "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES", "WORKFLOW_EXECUTION_UPDATE_ACCEPTED",
            "WORKFLOW_EXECUTION_UPDATE_COMPLETED", "WORKFLOW_PROPERTIES_MODIFIED",
        ]
        #expect(EventType.allCases.count == names.count)
        for (type, name) in zip(EventType.allCases, names) {
            let event = HistoryEvent(eventID: 1, time: .epoch, attributes: HistoryJSON.blank(type))
            let text = HistoryJSON.encodeString([event], pretty: false)
            #expect(text.contains(#""eventType":"EVENT_TYPE_\#(name)""#), "\(type)")
        }
    }

    // MARK: - What older tools wrote

    @Test func decodingAcceptsNumbersShortEnumNamesAndABareArray() throws {
        let text = """
            [{"eventId": 3, "eventTime": "2026-01-02T05:04:05.5+02:00", "eventType": 8,
              "workflowTaskTimedOutEventAttributes": {"scheduledEventId": 2, "startedEventId": "3",
                                                     "timeoutType": "StartToClose"}},
             {"eventId": "4", "eventTime": "2026-01-02T03:04:05Z", "eventType": "WorkflowPropertiesModified",
              "workflowPropertiesModifiedEventAttributes": {"workflowTaskCompletedEventId": null}},
             {"eventId": "5", "eventTime": "2026-01-02T03:04:05Z", "eventType": 46,
              "workflowPropertiesModifiedEventAttributes": {}}]
            """
        let events = try HistoryJSON.decode(text)
        #expect(
            events == [
                HistoryEvent(
                    eventID: 3, time: Self.time(1_767_323_045, 500_000_000),
                    attributes: .workflowTaskTimedOut(
                        WorkflowTaskTimedOut(scheduledEventID: 2, startedEventID: 3, timeoutType: .startToClose))),
                HistoryEvent(
                    eventID: 4, time: Self.time(1_767_323_045),
                    attributes: .workflowPropertiesModified(
                        WorkflowPropertiesModified(workflowTaskCompletedEventID: 0, upsertedMemo: [:]))),
                HistoryEvent(
                    eventID: 5, time: Self.time(1_767_323_045),
                    attributes: .workflowPropertiesModified(
                        WorkflowPropertiesModified(workflowTaskCompletedEventID: 0, upsertedMemo: [:]))),
            ])
    }

    @Test func decodingAcceptsOriginalProtoFieldNames() throws {
        let text = #"""
            {"events": [{"event_id": "6", "event_time": "2026-01-02T03:04:05Z", "event_type": "EVENT_TYPE_TIMER_STARTED",
                         "timer_started_event_attributes": {"timer_id": "t", "start_to_fire_timeout": "1s",
                                                            "workflow_task_completed_event_id": "4"}}]}
            """#
        #expect(
            try HistoryJSON.decode(text) == [
                HistoryEvent(
                    eventID: 6, time: Self.time(1_767_323_045),
                    attributes: .timerStarted(
                        TimerStarted(timerID: "t", startToFireTimeout: .seconds(1), workflowTaskCompletedEventID: 4)))
            ])
    }

    @Test func searchAttributesWithoutTypeMetadataAreReadByTheirJSON() throws {
        // Payloads of "\"x\"", "7", "1.5", "true", "[\"a\"]" and "null" with only json/plain encoding.
        let entries = [
            ("k", "Ingi"), ("i", "Nw=="), ("d", "MS41"), ("b", "dHJ1ZQ=="), ("l", "WyJhIl0="), ("n", "bnVsbA=="),
        ]
        let fields = entries.map { #""\#($0.0)":{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"\#($0.1)"}"# }
        let text =
            #"{"events":[{"eventId":"1","eventTime":"2026-01-02T03:04:05Z","#
            + #""eventType":"EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES","#
            + #""upsertWorkflowSearchAttributesEventAttributes":{"searchAttributes":{"indexedFields":{"#
            + fields.joined(separator: ",") + "}}}}]}"
        let events = try HistoryJSON.decode(text)
        guard case .upsertWorkflowSearchAttributes(let upsert) = events.first?.attributes else {
            Issue.record("expected an upsert event, found \(events)")
            return
        }
        #expect(
            upsert.searchAttributes == [
                "k": .keyword("x"), "i": .int(7), "d": .double(1.5), "b": .bool(true), "l": .keywordList(["a"]),
                "n": .keywordList([]),
            ])
    }

    @Test func failureKindsKeelLacksReadAsUntypedApplicationFailures() throws {
        let text =
            #"{"events":[{"eventId":"1","eventTime":"2026-01-02T03:04:05Z","#
            + #""eventType":"EVENT_TYPE_WORKFLOW_EXECUTION_FAILED","workflowExecutionFailedEventAttributes":{"#
            + #""failure":{"message":"nexus","nexusHandlerFailureInfo":{"type":"x"},"encodedAttributes":{}},"#
            + #""retryState":"RETRY_STATE_RETRY_POLICY_NOT_SET"}}]}"#
        let events = try HistoryJSON.decode(text)
        guard case .workflowExecutionFailed(let failed) = events.first?.attributes else {
            Issue.record("expected a failed event, found \(events)")
            return
        }
        #expect(
            failed.failure == Failure(message: "nexus", info: .application(type: "", nonRetryable: false, details: [])))
        #expect(failed.retryState == .retryPolicyNotSet)
    }

    // MARK: - Defaults

    @Test func membersLeftOutReadAsTheirDefaults() throws {
        // The members Keel cannot default, set to the values `HistoryJSON.blank` holds for them.
        let failure = #"{"failure":{"terminatedFailureInfo":{}}}"#
        let required: [EventType: String] = [
            .workflowExecutionFailed: failure, .activityTaskFailed: failure, .activityTaskTimedOut: failure,
            .childWorkflowExecutionFailed: failure,
            .workflowTaskFailed: #"{"cause":"WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND"}"#,
            .workflowExecutionContinuedAsNew: #"{"initiator":"CONTINUE_AS_NEW_INITIATOR_WORKFLOW"}"#,
            .startChildWorkflowExecutionFailed:
                #"{"cause":"START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS"}"#,
            .requestCancelExternalWorkflowExecutionFailed:
                #"{"cause":"CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS"}"#,
            .signalExternalWorkflowExecutionFailed:
                #"{"cause":"SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS"}"#,
            .workflowExecutionUpdateCompleted: #"{"outcome":{"success":{}}}"#,
        ]
        func history(_ type: EventType, _ members: String) -> String {
            #"{"events":[{"eventId":"1","eventTime":"2026-01-02T03:04:05Z","eventType":\#(type.rawValue),"#
                + #""\#(HistoryJSON.attributesKey(type))":\#(members)}]}"#
        }
        for type in EventType.allCases {
            let blank = HistoryEvent(eventID: 1, time: Self.time(1_767_323_045), attributes: HistoryJSON.blank(type))
            #expect(try HistoryJSON.decode(history(type, required[type] ?? "{}")) == [blank], "\(type)")
            if required[type] != nil {
                #expect(Self.decodeError(history(type, "{}"))?.code == .missingField, "\(type)")
            }
            // The engine stores what the export reads: every default is a value its binary format keeps.
            #expect(try EventCodec.decode(EventCodec.encode(blank)) == blank, "\(type)")
        }
        // Spot checks of the defaults themselves, as Temporal documents them.
        guard
            case .startChildWorkflowExecutionInitiated(let child) = HistoryJSON.blank(
                .startChildWorkflowExecutionInitiated),
            case .workflowExecutionStarted(let started) = HistoryJSON.blank(.workflowExecutionStarted)
        else {
            Issue.record("blank attributes of another type")
            return
        }
        #expect(child.parentClosePolicy == .terminate && child.workflowIDReusePolicy == .allowDuplicate)
        #expect(started.parent == nil && started.runTimeout == nil && started.taskQueue == TaskQueue(name: ""))
    }

    // MARK: - Errors

    /// Returns a one-event history of type `type` whose attributes are `attributes` (JSON text).
    static func history(_ type: String, _ attributes: String) -> String {
        let key = type.split(separator: "_").dropFirst(2).map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined()
        return #"{"events":[{"eventId":"1","eventTime":"2026-01-02T03:04:05Z","eventType":"\#(type)","#
            + #""\#(key.prefix(1).lowercased() + key.dropFirst())EventAttributes":\#(attributes)}]}"#
    }

    @Test func malformedJSONNamesTheByteAndWhatWasExpected() throws {
        let error = try #require(Self.decodeError(#"{"events": [}"#))
        #expect(error.code == .malformedJSON)
        #expect(error.byteOffset == 12)
        #expect(error.message == "history JSON: expected a JSON value, found '}' at byte 12")

        let trailing = try #require(Self.decodeError(#"{"events": []} x"#))
        #expect(trailing.message == "history JSON: expected the end of the document, found 'x' at byte 15")

        let duplicate = try #require(Self.decodeError(#"{"events": [], "events": []}"#))
        #expect(duplicate.message.contains("expected member names that differ within an object"))

        let badUTF8 = try #require(Self.decodeError([0x22, 0xFF, 0x22]))
        #expect(badUTF8.message == "history JSON: expected a string of valid UTF-8, found invalid UTF-8 at byte 1")

        let loneSurrogate = try #require(Self.decodeError(#"["\ud800"]"#))
        #expect(loneSurrogate.code == .malformedJSON)
    }

    /// Returns the error `decode` throws for `bytes`, or nil when they decode.
    static func decodeError(_ bytes: [UInt8]) -> HistoryJSONError? {
        do {
            _ = try HistoryJSON.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingEventTypeIsNamed() throws {
        let error = try #require(
            Self.decodeError(#"{"events":[{"eventId":"1","eventTime":"2026-01-02T03:04:05Z"}]}"#))
        #expect(error.code == .missingField)
        #expect(error.eventIndex == 0)
        #expect(error.message == "events[0]: expected an eventType, found nothing")
    }

    @Test func unknownEventTypeIsNamed() throws {
        let text = Self.history("EVENT_TYPE_NEXUS_OPERATION_SCHEDULED", "{}")
        let error = try #require(Self.decodeError(text))
        #expect(error.code == .invalidValue)
        #expect(error.path == "events[0].eventType")
        #expect(error.found == #"the string "EVENT_TYPE_NEXUS_OPERATION_SCHEDULED""#)
        #expect(error.expected.hasPrefix("an EventType Keel supports (EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"))
    }

    @Test func wrongFieldTypesNameTheirPath() throws {
        let duration = try #require(
            Self.decodeError(Self.history("EVENT_TYPE_TIMER_STARTED", #"{"timerId":"t","startToFireTimeout":10}"#)))
        #expect(duration.code == .wrongType)
        #expect(
            duration.message
                == #"events[0].timerStartedEventAttributes.startToFireTimeout: expected a duration such as "10s" or "#
                + #""1.500s", found the number 10"#)

        let eventID = try #require(
            Self.decodeError(#"{"events":[{},{"eventId":{},"eventType":"EVENT_TYPE_TIMER_FIRED"}]}"#))
        // The first event has no type; the decoder stops there.
        #expect(eventID.path == "events[0]")

        let nested = try #require(
            Self.decodeError(
                Self.history(
                    "EVENT_TYPE_ACTIVITY_TASK_COMPLETED",
                    #"{"result":{"payloads":[{"data":"eyJ9"},{"metadata":{"encoding":7}}]}}"#)))
        #expect(nested.path == "events[0].activityTaskCompletedEventAttributes.result.payloads[1].metadata.encoding")
        #expect(nested.expected == "base64 text")

        let int64 = try #require(
            Self.decodeError(Self.history("EVENT_TYPE_TIMER_FIRED", #"{"startedEventId":"12x"}"#)))
        #expect(int64.code == .invalidValue)
        #expect(int64.message.hasSuffix(#"expected an int64 (a decimal string such as "42"), found the string "12x""#))

        let int32 = try #require(
            Self.decodeError(Self.history("EVENT_TYPE_WORKFLOW_TASK_SCHEDULED", #"{"attempt":2147483648}"#)))
        #expect(int32.path == "events[0].workflowTaskScheduledEventAttributes.attempt")

        let enumeration = try #require(
            Self.decodeError(
                Self.history("EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT", #"{"retryState":"RETRY_STATE_SOMETIMES"}"#)))
        #expect(enumeration.expected.hasPrefix("a RetryState Keel supports (RETRY_STATE_IN_PROGRESS"))

        let time = try #require(
            Self.decodeError(#"{"events":[{"eventId":"1","eventTime":"2026-02-30T00:00:00Z","eventType":1}]}"#))
        #expect(time.path == "events[0].eventTime")
        #expect(time.code == .invalidValue)
    }

    @Test func attributesOfAnotherTypeAreRefused() throws {
        let text =
            #"{"events":[{"eventId":"1","eventTime":"2026-01-02T03:04:05Z","#
            + #""eventType":"EVENT_TYPE_TIMER_FIRED","timerStartedEventAttributes":{}}]}"#
        let error = try #require(Self.decodeError(text))
        #expect(
            error.message
                == "events[0]: expected timerFiredEventAttributes for an event of type EVENT_TYPE_TIMER_FIRED, "
                + "found timerStartedEventAttributes instead")
    }

    @Test func requiredValuesKeelCannotDefaultAreRefused() throws {
        let failed = try #require(
            Self.decodeError(Self.history("EVENT_TYPE_ACTIVITY_TASK_FAILED", #"{"scheduledEventId":"5"}"#)))
        #expect(
            failed.message
                == "events[0].activityTaskFailedEventAttributes.failure: expected a Failure object, found nothing")

        let cause = try #require(Self.decodeError(Self.history("EVENT_TYPE_WORKFLOW_TASK_FAILED", "{}")))
        #expect(cause.path == "events[0].workflowTaskFailedEventAttributes.cause")

        let outcome = try #require(
            Self.decodeError(
                Self.history(
                    "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED", #"{"outcome":{"success":{},"failure":{}}}"#)))
        #expect(outcome.message.hasSuffix("outcome: expected one of success and failure, found both"))

        let infos = try #require(
            Self.decodeError(
                Self.history(
                    "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED",
                    #"{"failure":{"terminatedFailureInfo":{},"serverFailureInfo":{}}}"#)))
        #expect(infos.found == "terminatedFailureInfo and serverFailureInfo")

        let nan = try #require(
            Self.decodeError(
                Self.history(
                    "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED", #"{"retryPolicy":{"backoffCoefficient":"NaN"}}"#)))
        #expect(nan.path == "events[0].activityTaskScheduledEventAttributes.retryPolicy.backoffCoefficient")
    }

    @Test func causeChainsAreBoundedByTheEngineLimit() throws {
        func chain(_ depth: Int) -> String {
            var failure = #"{"message":"root","terminatedFailureInfo":{}}"#
            for level in 1..<depth { failure = #"{"message":"level \#(level)","cause":\#(failure)}"# }
            return Self.history("EVENT_TYPE_WORKFLOW_EXECUTION_FAILED", #"{"failure":\#(failure)}"#)
        }
        let events = try HistoryJSON.decode(chain(EventCodec.failureDepthMax))
        guard case .workflowExecutionFailed(let failed) = events.first?.attributes else {
            Issue.record("expected a failed event, found \(events)")
            return
        }
        #expect(failed.failure.depth == EventCodec.failureDepthMax)
        // The decoded events are within the engine's own limits.
        try EventCodec.validate(events[0])

        let error = try #require(Self.decodeError(chain(EventCodec.failureDepthMax + 1)))
        #expect(error.code == .limitExceeded)
        #expect(error.expected == "a cause chain of at most \(EventCodec.failureDepthMax) failures")

        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let nesting = try #require(Self.decodeError(deep))
        #expect(nesting.code == .limitExceeded)
        #expect(nesting.byteOffset == HistoryJSON.nestingDepthMax)
    }

    // MARK: - Hostile input

    @Test func everyTruncationOfAnExportIsRefused() throws {
        let events = try HistoryJSON.decode(Self.temporalHistory)
        for pretty in [false, true] {
            let bytes = HistoryJSON.encode(events, pretty: pretty)
            // A pretty export ends in a newline, without which it is still whole.
            let whole = pretty ? bytes.count - 1 : bytes.count
            for length in 0..<whole {
                #expect(Self.decodeError(Array(bytes[0..<length])) != nil, "a prefix of \(length) bytes decoded")
            }
            #expect(try HistoryJSON.decode(bytes) == events)
        }
    }

    @Test func garbageNeverCrashesTheDecoder() throws {
        let seed = Self.seed("garbageNeverCrashesTheDecoder")
        var random = RandomHistory(seed: seed)
        let valid = Array(Self.temporalHistory.utf8)
        let rich = HistoryJSON.encode(
            (0..<8).map { random.event(id: Int64($0 + 1), type: random.pick(EventType.allCases)) }, pretty: false)
        let alphabet = Array(#"{}[]":,-0123456789.eE+ tfnulrsa\\/"#.utf8)
        var accepted = 0
        for _ in 0..<3000 {
            var bytes: [UInt8]
            switch random.below(4) {
            case 0: bytes = (0..<random.below(200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            case 1: bytes = (0..<random.below(200)).map { _ in random.pick(alphabet) }
            default:
                bytes = random.bool() ? valid : rich
                for _ in 0..<(1 + random.below(4)) {
                    let index = random.below(bytes.count)
                    switch random.below(3) {
                    case 0: bytes[index] = random.pick(alphabet)
                    case 1: bytes.remove(at: index)
                    default: bytes.insert(random.pick(alphabet), at: index)
                    }
                }
            }
            // Whatever decodes must survive another round trip unchanged.
            if let events = try? HistoryJSON.decode(bytes) {
                accepted += 1
                #expect(try HistoryJSON.decode(HistoryJSON.encode(events)) == events, "seed \(seed)")
            }
        }
        print("garbageNeverCrashesTheDecoder: \(accepted) of 3000 mutated inputs decoded")
    }

    @Test func scalarFormsFollowProto3JSON() throws {
        func timer(_ timeout: String) throws -> Duration? {
            let events = try HistoryJSON.decode(
                Self.history("EVENT_TYPE_TIMER_STARTED", #"{"startToFireTimeout":"\#(timeout)"}"#))
            guard case .timerStarted(let started) = events.first?.attributes else { return nil }
            return started.startToFireTimeout
        }
        #expect(try timer("10s") == .seconds(10))
        #expect(try timer("1.5s") == .milliseconds(1500))
        #expect(try timer("-0.000000001s") == .nanoseconds(-1))
        #expect(try timer("-9223372036.854775808s") == .nanoseconds(Int64.min))
        for bad in ["10", "1.s", ".5s", "1.0000000001s", "9223372036.854775808s", "s", "1e3s", "+1s", " 1s"] {
            #expect(throws: HistoryJSONError.self, "\(bad)") { try timer(bad) }
        }
        let durations: [(Duration, String)] = [
            (.zero, "0s"), (.seconds(10), "10s"), (.milliseconds(1500), "1.500s"), (.microseconds(1), "0.000001s"),
            (.nanoseconds(-1), "-0.000000001s"), (.nanoseconds(Int64.min), "-9223372036.854775808s"),
        ]
        for (duration, text) in durations {
            let event = HistoryEvent(
                eventID: 1, time: .epoch,
                attributes: .timerStarted(
                    TimerStarted(timerID: "", startToFireTimeout: duration, workflowTaskCompletedEventID: 0)))
            #expect(HistoryJSON.encodeString([event], pretty: false).contains(#""startToFireTimeout":"\#(text)""#))
        }
    }
}

/// A seeded generator of random events of every type, leaning towards the values a JSON mapping can get
/// wrong: defaults, extremes of each integer type, text that needs escaping, bytes of every value,
/// optional values present but empty, and cause chains up to the engine's limit.
private struct RandomHistory: RandomEventSource {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// Returns the next 64 random bits (SplitMix64).
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    mutating func bool() -> Bool { next() & 1 == 1 }

    mutating func int64() -> Int64 {
        switch below(6) {
        case 0: 0
        case 1: Int64(below(1000))
        case 2: pick([Int64.min, Int64.max, -1, 1 << 53, (1 << 53) + 1, -(1 << 53) - 1])
        default: Int64(bitPattern: next())
        }
    }

    mutating func int32() -> Int32 {
        below(3) == 0 ? pick([Int32.min, Int32.max, 0, 1]) : Int32(truncatingIfNeeded: int64())
    }
    mutating func eventID() -> Int64 { below(4) == 0 ? int64() : Int64(below(10_000)) }
    mutating func duration() -> Duration {
        .nanoseconds(below(3) == 0 ? int64() : Int64(below(100)) * pick([1, 1_000, 1_000_000, 1_000_000_000]))
    }
    mutating func timestamp() -> Timestamp {
        Timestamp(rawValue: below(4) == 0 ? int64() : 1_767_323_045_000_000_000 + Int64(below(1 << 40)))
    }

    mutating func double() -> Double {
        switch below(4) {
        case 0:
            return pick([0.0, -0.0, 2.0, 0.1, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude])
        default:
            let value = Double(bitPattern: next())
            return value.isNaN ? 1.5 : value
        }
    }

    private static let pieces = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "e\u{301}", "€", "🙂",
        "\u{2028}",
    ]

    mutating func string() -> String {
        let count = pick([0, 0, 1, 3, 8, 40])
        return (0..<count).map { _ in pick(Self.pieces) }.joined()
    }

    mutating func bytes() -> [UInt8] {
        (0..<pick([0, 1, 2, 3, 4, 5, 32])).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    mutating func payload() -> Payload {
        var metadata: [String: [UInt8]] = [:]
        for _ in 0..<below(3) { metadata[string()] = bytes() }
        if bool() { metadata["encoding"] = Array("json/plain".utf8) }
        return Payload(metadata: metadata, data: bytes())
    }

    mutating func payloads() -> [Payload] { (0..<pick([0, 0, 1, 2])).map { _ in payload() } }

    mutating func map<Value>(_ make: (inout RandomHistory) -> Value) -> [String: Value] {
        var map: [String: Value] = [:]
        for _ in 0..<pick([0, 0, 1, 3]) { map[string()] = make(&self) }
        return map
    }

    mutating func payloadMap() -> [String: Payload] { map { $0.payload() } }

    mutating func searchAttributes() -> [String: SearchAttributeValue] {
        map { random in
            switch random.below(7) {
            case 0: .keyword(random.string())
            case 1: .text(random.string())
            case 2: .int(random.int64())
            case 3: .double(random.double())
            case 4: .bool(random.bool())
            case 5: .datetime(random.timestamp())
            default: .keywordList((0..<random.below(3)).map { _ in random.string() })
            }
        }
    }

    mutating func runID() -> RunID { RunID(string()) }
    mutating func execution() -> WorkflowExecution {
        WorkflowExecution(workflowID: WorkflowID(string()), runID: runID())
    }

    mutating func taskQueue() -> TaskQueue {
        var queue = TaskQueue(name: string(), kind: bool() ? .normal : .sticky, normalName: string())
        if below(5) == 0 { queue.normalName = string() }
        return queue
    }

    mutating func retryPolicy() -> RetryPolicy {
        RetryPolicy(
            initialInterval: duration(), backoffCoefficient: double(), maximumInterval: maybe { $0.duration() },
            maximumAttempts: int32(), nonRetryableErrorTypes: (0..<below(3)).map { _ in string() })
    }

    mutating func failure() -> Failure {
        let depth = below(10) == 0 ? EventCodec.failureDepthMax : 1 + below(3)
        var chain: Failure?
        for _ in 0..<depth {
            let info: FailureInfo
            switch below(7) {
            case 0: info = .application(type: string(), nonRetryable: bool(), details: payloads())
            case 1: info = .timeout(type: pick(TimeoutType.allCases), lastHeartbeatDetails: payloads())
            case 2: info = .canceled(details: payloads())
            case 3: info = .terminated
            case 4: info = .server(nonRetryable: bool())
            case 5:
                info = .activity(
                    scheduledEventID: eventID(), startedEventID: eventID(), identity: string(), activityType: string(),
                    activityID: string(), retryState: pick(RetryState.allCases))
            default:
                info = .childWorkflow(
                    namespace: string(), execution: execution(), workflowType: string(), initiatedEventID: eventID(),
                    startedEventID: eventID(), retryState: pick(RetryState.allCases))
            }
            chain = Failure(message: string(), source: string(), stackTrace: string(), info: info, cause: chain)
        }
        return chain ?? Failure(message: "", info: .terminated)
    }

    mutating func parent() -> ParentExecutionInfo {
        ParentExecutionInfo(namespace: string(), execution: execution(), initiatedEventID: eventID())
    }
}
