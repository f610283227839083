import Testing

@testable import KeelEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Property tests: random events of every type survive encoding and decoding unchanged, and the
/// encoding is deterministic.
@Suite struct EventCodecRoundTripTests {
    /// The seed of this run: `KEEL_EVENT_SEED` when set (to replay a failure), otherwise random.
    static func seed(_ test: String) -> UInt64 {
        let seed: UInt64
        if let text = getenv("KEEL_EVENT_SEED"), let value = UInt64(String(cString: text)) {
            seed = value
        } else {
            seed = UInt64.random(in: 0...UInt64.max)
        }
        print("\(test): seed \(seed) (KEEL_EVENT_SEED=\(seed) replays it)")
        return seed
    }

    @Test func everyEventTypeRoundTrips() throws {
        let seed = Self.seed("everyEventTypeRoundTrips")
        var random = RandomEvents(seed: seed)
        for type in EventType.allCases {
            for round in 0..<150 {
                let event = random.event(id: random.eventID(), type: type)
                let bytes = EventCodec.encode(event)
                let decoded = try EventCodec.decode(bytes)
                #expect(decoded == event, "seed \(seed), event type \(type.rawValue) round \(round)")
                #expect(
                    EventCodec.encode(decoded) == bytes,
                    "seed \(seed), event type \(type.rawValue) round \(round): re-encoding differs")
                if decoded != event { return }
            }
        }
    }

    @Test func standaloneFailuresAndPayloadListsRoundTrip() throws {
        let seed = Self.seed("standaloneFailuresAndPayloadListsRoundTrip")
        var random = RandomEvents(seed: seed)
        for round in 0..<500 {
            let failure = random.failure()
            #expect(try EventCodec.decodeFailure(EventCodec.encode(failure)) == failure, "seed \(seed) round \(round)")
            let payloads = random.payloads()
            #expect(
                try EventCodec.decodePayloads(EventCodec.encode(payloads)) == payloads, "seed \(seed) round \(round)")
        }
    }

    @Test func extremeValuesRoundTrip() throws {
        for value in [Int64.min, Int64.min + 1, -1, 0, 1, Int64.max - 1, Int64.max] {
            let event = HistoryEvent(
                eventID: value, time: Timestamp(rawValue: value),
                attributes: .timerStarted(
                    TimerStarted(
                        timerID: "", startToFireTimeout: .nanoseconds(value), workflowTaskCompletedEventID: value)))
            #expect(try EventCodec.decode(EventCodec.encode(event)) == event, "value \(value)")
        }
        var policy = RetryPolicy(maximumAttempts: .min)
        for coefficient in [-0.0, 0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude] {
            policy.backoffCoefficient = coefficient
            let event = HistoryEvent(
                eventID: 1, time: .epoch,
                attributes: .upsertWorkflowSearchAttributes(
                    UpsertWorkflowSearchAttributes(
                        workflowTaskCompletedEventID: 1, searchAttributes: ["d": .double(coefficient)])))
            let decoded = try EventCodec.decode(EventCodec.encode(event))
            guard case .upsertWorkflowSearchAttributes(let attributes) = decoded.attributes,
                case .double(let number) = attributes.searchAttributes["d"]
            else {
                Issue.record("decoded \(decoded)")
                continue
            }
            // Bits, not ==, so that -0.0 and 0.0 are told apart.
            #expect(number.bitPattern == coefficient.bitPattern)
        }
    }

    @Test func mapsEncodeTheSameWhateverTheirInsertionOrder() throws {
        let keys = ["b", "a", "é", "e\u{301}x", "", "zz", "Z", "€", "🙂", "aa"]
        var forward: [String: Payload] = [:]
        for (index, key) in keys.enumerated() { forward[key] = .json([UInt8(index)]) }
        var backward = [String: Payload](minimumCapacity: 64)
        for (index, key) in keys.enumerated().reversed() { backward[key] = .json([UInt8(index)]) }
        func event(_ memo: [String: Payload]) -> HistoryEvent {
            HistoryEvent(
                eventID: 9, time: .epoch,
                attributes: .workflowPropertiesModified(
                    WorkflowPropertiesModified(workflowTaskCompletedEventID: 8, upsertedMemo: memo)))
        }
        let bytes = EventCodec.encode(event(forward))
        #expect(EventCodec.encode(event(backward)) == bytes)
        #expect(try EventCodec.decode(bytes) == event(forward))
    }

    @Test func encodeIntoAppendsToWhatIsThere() throws {
        var random = RandomEvents(seed: 7)
        let event = random.event(id: 3, type: .activityTaskScheduled)
        var bytes: [UInt8] = [0xAA, 0xBB]
        EventCodec.encode(event, into: &bytes)
        #expect(Array(bytes[..<2]) == [0xAA, 0xBB])
        #expect(Array(bytes[2...]) == EventCodec.encode(event))
        #expect(try EventCodec.decode(bytes[2...]) == event)
        #expect(try bytes[2...].withUnsafeBytes { buffer in try EventCodec.decode(buffer) } == event)
    }

    @Test func nanosecondDurationsRoundTripExactly() throws {
        for nanoseconds in [Int64.min, -1_500_000_000, -1, 0, 1, 999_999_999, 1_000_000_000, Int64.max] {
            let duration = Duration.nanoseconds(nanoseconds)
            #expect(duration.nanoseconds == nanoseconds)
            let event = HistoryEvent(
                eventID: 1, time: .epoch,
                attributes: .workflowTaskScheduled(
                    WorkflowTaskScheduled(taskQueue: TaskQueue(name: "q"), startToCloseTimeout: duration, attempt: 1)))
            #expect(try EventCodec.decode(EventCodec.encode(event)) == event)
        }
    }

    @Test func taskQueueKeepsEveryCombinationOfKindAndNormalName() throws {
        var normalWithOtherName = TaskQueue(name: "q")
        normalWithOtherName.normalName = "other"
        var normalWithEmptyName = TaskQueue(name: "q")
        normalWithEmptyName.normalName = ""
        let queues = [
            TaskQueue(name: "q"), TaskQueue(name: ""), TaskQueue(name: "sticky-1", kind: .sticky, normalName: "q"),
            TaskQueue(name: "s", kind: .sticky, normalName: "s"), TaskQueue(name: "s", kind: .sticky),
            normalWithOtherName, normalWithEmptyName,
        ]
        for queue in queues {
            let event = HistoryEvent(
                eventID: 1, time: .epoch,
                attributes: .workflowTaskScheduled(
                    WorkflowTaskScheduled(taskQueue: queue, startToCloseTimeout: .seconds(10), attempt: 1)))
            let decoded = try EventCodec.decode(EventCodec.encode(event))
            #expect(decoded == event, "\(queue.name) \(queue.kind) \(queue.normalName)")
        }
    }

    @Test func validateAcceptsWhatTheLimitsAllow() throws {
        var random = RandomEvents(seed: 11)
        for type in EventType.allCases {
            try EventCodec.validate(random.event(id: 1, type: type))
        }
        let deepest = random.failure(depth: EventCodec.failureDepthMax)
        try EventCodec.validate(Self.failedActivity(deepest))
        #expect(try EventCodec.decode(EventCodec.encode(Self.failedActivity(deepest))) == Self.failedActivity(deepest))
    }

    @Test func validateRefusesWhatHistoryCannotHold() {
        var random = RandomEvents(seed: 12)
        let tooDeep = Self.failedActivity(random.failure(depth: EventCodec.failureDepthMax + 1))
        do {
            try EventCodec.validate(tooDeep)
            Issue.record("a cause chain over the limit was accepted")
        } catch {
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("\(EventCodec.failureDepthMax)"))
        }

        let tooMany = HistoryEvent(
            eventID: 1, time: .epoch,
            attributes: .activityTaskCompleted(
                ActivityTaskCompleted(
                    result: Array(repeating: Payload(data: []), count: EventCodec.elementsMax + 1),
                    scheduledEventID: 1, startedEventID: 2, identity: "")))
        do {
            try EventCodec.validate(tooMany)
            Issue.record("a list over the limit was accepted")
        } catch {
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("\(EventCodec.elementsMax + 1)"))
        }

        let notANumber = HistoryEvent(
            eventID: 1, time: .epoch,
            attributes: .upsertWorkflowSearchAttributes(
                UpsertWorkflowSearchAttributes(workflowTaskCompletedEventID: 1, searchAttributes: ["x": .double(.nan)]))
        )
        do {
            try EventCodec.validate(notANumber)
            Issue.record("NaN was accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("NaN"))
        }
    }

    static func failedActivity(_ failure: Failure) -> HistoryEvent {
        HistoryEvent(
            eventID: 7, time: .epoch,
            attributes: .activityTaskFailed(
                ActivityTaskFailed(
                    failure: failure, scheduledEventID: 5, startedEventID: 6, identity: "w", retryState: .timeout)))
    }
}
