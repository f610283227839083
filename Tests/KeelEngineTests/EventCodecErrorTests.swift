import Testing

@testable import KeelEngine

/// Every way a decode can fail: each input is refused with `.corruptData` and a message that says
/// what was expected, what was found and at which byte, never a crash.
@Suite struct EventCodecErrorTests {
    typealias B = EventCodecBytes

    /// The attributes of a record built by `B.record` with a short body start at this offset:
    /// kind, version, type, event id (one byte each), time (8 bytes), attributes length (1 byte).
    static let bodyStart = 13

    /// A terminated failure with the given message: the smallest valid Failure message.
    static func terminated(_ message: String) -> [UInt8] { B.field(1, text: message) + B.field(8, []) }

    /// Expects decoding `bytes` as an event to fail with `.corruptData`, a message holding each of
    /// `fragments`, and (when given) the byte offset `offset`.
    static func expectCorrupt(
        _ bytes: [UInt8], _ fragments: [String], at offset: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let event = try EventCodec.decode(bytes)
            Issue.record("decoded \(event) from \(B.dump(bytes))", sourceLocation: sourceLocation)
        } catch {
            check(error, fragments, offset, sourceLocation)
        }
    }

    static func check(_ error: EngineError, _ fragments: [String], _ offset: Int?, _ sourceLocation: SourceLocation) {
        #expect(error.code == .corruptData, sourceLocation: sourceLocation)
        for fragment in fragments + ["expected", "found"] {
            #expect(
                error.message.contains(fragment), "\(error.message) lacks \(fragment)", sourceLocation: sourceLocation)
        }
        if let offset {
            #expect(
                error.message.hasSuffix("at byte \(offset)"), "\(error.message) does not end at byte \(offset)",
                sourceLocation: sourceLocation)
        } else {
            #expect(
                error.message.contains("at byte "), "\(error.message) names no offset", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Truncation and trailing bytes

    @Test func truncationAtEveryByteThrows() {
        let seed = EventCodecRoundTripTests.seed("truncationAtEveryByteThrows")
        var random = RandomEvents(seed: seed)
        for type in EventType.allCases {
            for _ in 0..<4 {
                let bytes = EventCodec.encode(random.event(id: random.eventID(), type: type))
                for count in 0..<bytes.count {
                    do {
                        let event = try EventCodec.decode(bytes[..<count])
                        let prefix = "seed \(seed): \(count) of \(bytes.count) bytes of event type \(type.rawValue)"
                        Issue.record("\(prefix) decoded as \(event)")
                        return
                    } catch {
                        #expect(error.code == .corruptData)
                    }
                }
            }
        }
        for _ in 0..<40 {
            let failure = EventCodec.encode(random.failure())
            for count in 0..<failure.count {
                #expect(throws: EngineError.self) { try EventCodec.decodeFailure(Array(failure[..<count])) }
            }
            let payloads = EventCodec.encode(random.payloads())
            for count in 0..<payloads.count {
                #expect(throws: EngineError.self) { try EventCodec.decodePayloads(Array(payloads[..<count])) }
            }
        }
    }

    @Test func trailingBytesAreRefused() {
        let record = B.record(type: 18, attributes: B.field(1, text: "t"))
        Self.expectCorrupt(record + [0x00], ["expected the end of the input", "1 trailing bytes"], at: record.count)
        do {
            _ = try EventCodec.decodeFailure(EventCodec.encode(Failure(message: "m", info: .terminated)) + [1, 2])
            Issue.record("a failure with trailing bytes was accepted")
        } catch {
            Self.check(error, ["2 trailing bytes"], nil, #_sourceLocation)
        }
        do {
            _ = try EventCodec.decodePayloads([0x00, 0x00])
            Issue.record("a payload list with trailing bytes was accepted")
        } catch {
            Self.check(error, ["1 trailing bytes"], 1, #_sourceLocation)
        }
    }

    @Test func attributesLongerThanTheRecordAreRefused() {
        var record = B.record(type: 18, attributes: B.field(1, text: "t"))
        record[Self.bodyStart - 1] = 40
        Self.expectCorrupt(record, ["header", "expected 40 bytes of attributes", "found 3"], at: Self.bodyStart)
    }

    @Test func valueLongerThanItsMessageIsRefused() {
        // A TaskQueue message of 3 bytes whose name claims 5.
        let queue = B.tag(1, wire: 2) + [0x03] + B.tag(1, wire: 2) + [0x05, 0x61]
        let record = B.record(type: 5, attributes: queue)
        Self.expectCorrupt(
            record, ["TaskQueue field 1", "expected 5 bytes of text", "found 1"], at: Self.bodyStart + 4)
    }

    @Test func listWithBytesLeftOverIsRefused() {
        // A payload list of 3 bytes that holds one empty payload (2 bytes) and a stray byte.
        let record = B.record(type: 12, attributes: B.field(1, [0x01, 0x00, 0x07]))
        Self.expectCorrupt(
            record, ["ActivityTaskCompleted field 1", "expected the list to end", "1 bytes left over"],
            at: Self.bodyStart + 4)
    }

    // MARK: - Header

    @Test func emptyRecordIsRefused() {
        Self.expectCorrupt([], ["expected record kind 1 (history event)", "found an empty record"], at: 0)
    }

    @Test func unknownRecordKindIsRefused() {
        let record = B.record(type: 18, attributes: [], kind: 2)
        Self.expectCorrupt(record, ["expected record kind 1 (history event)", "found 2"], at: 0)
    }

    @Test func unknownVersionIsRefused() {
        Self.expectCorrupt(
            B.record(type: 18, attributes: [], version: 2), ["expected format version 1", "found 2"], at: 1)
        Self.expectCorrupt([0x01], ["expected format version 1", "found the end of the record"], at: 1)
    }

    @Test func unknownEventTypeIsRefused() {
        Self.expectCorrupt(B.record(type: 42, attributes: []), ["expected an event type", "found 42"], at: 2)
        Self.expectCorrupt(B.record(type: 0, attributes: []), ["expected an event type", "found 0"], at: 2)
        Self.expectCorrupt(B.record(type: 65_546, attributes: []), ["expected an event type", "found 65546"], at: 2)
    }

    // MARK: - Varints and tags

    @Test func paddedVarintIsRefused() {
        // Event id 0 written in two bytes.
        let record: [UInt8] = [0x01, 0x01, 0x12, 0x80, 0x00] + [UInt8](repeating: 0, count: 9)
        Self.expectCorrupt(record, ["expected a minimal varint", "trailing zero byte"], at: 4)
    }

    @Test func varintOver64BitsIsRefused() {
        let record: [UInt8] = [0x01, 0x01, 0x12] + [UInt8](repeating: 0xFF, count: 9) + [0x02]
        Self.expectCorrupt(record, ["expected a varint of at most 64 bits", "found a tenth byte 0x02"], at: 12)
        let longest: [UInt8] = [0x01, 0x01, 0x12] + [UInt8](repeating: 0xFF, count: 9) + [0x01]
        Self.expectCorrupt(longest, ["header", "expected 8 bytes of fixed64", "found 0"], at: 13)
    }

    @Test func varintRunningOffTheEndIsRefused() {
        Self.expectCorrupt([0x01, 0x01, 0x92], ["header", "expected the rest of the varint", "found the end"], at: 3)
    }

    @Test func unknownWireTypeIsRefused() {
        let record = B.record(type: 18, attributes: B.tag(1, wire: 5) + [0x00])
        Self.expectCorrupt(
            record, ["TimerFired", "expected wire type 0, 1 or 2 in the tag of field 1", "found 5"], at: Self.bodyStart)
    }

    @Test func fieldNumberZeroIsRefused() {
        let record = B.record(type: 18, attributes: B.tag(0, wire: 0) + [0x00])
        Self.expectCorrupt(record, ["TimerFired", "expected a field number from 1", "found 0"], at: Self.bodyStart)
    }

    @Test func repeatedFieldIsRefused() {
        let record = B.record(type: 18, attributes: B.field(1, text: "a") + B.field(1, text: "b"))
        Self.expectCorrupt(
            record, ["TimerFired", "expected each field once", "found field 1 again"], at: Self.bodyStart + 3)
    }

    @Test func wrongWireTypeIsRefused() {
        let record = B.record(type: 18, attributes: B.field(1, signed: 3))
        Self.expectCorrupt(
            record, ["TimerFired field 1", "expected wire type 2 (length-delimited)", "found 0 (varint)"],
            at: Self.bodyStart)
        let fixed = B.record(type: 18, attributes: B.tag(2, wire: 1) + [UInt8](repeating: 0, count: 8))
        Self.expectCorrupt(
            fixed, ["TimerFired field 2", "expected wire type 0 (varint)", "found 1 (fixed64)"], at: Self.bodyStart)
    }

    // MARK: - Values

    @Test func invalidEnumerationValuesAreRefused() {
        let failed = B.record(
            type: 13, attributes: B.field(1, Self.terminated("x")) + B.field(5, raw: 9))
        Self.expectCorrupt(
            failed, ["ActivityTaskFailed field 5", "expected a RetryState (one of 0, 1, 2, 3, 4, 5, 6, 7)", "found 9"],
            at: Self.bodyStart + 8)
        let cause = B.record(type: 9, attributes: B.field(3, raw: 0))
        Self.expectCorrupt(cause, ["WorkflowTaskFailed field 3", "expected a WorkflowTaskFailedCause", "found 0"])
        let kind = B.record(type: 5, attributes: B.field(1, B.field(1, text: "q") + B.field(2, raw: 3)))
        Self.expectCorrupt(kind, ["TaskQueue field 2", "expected a TaskQueue kind (1 normal or 2 sticky)", "found 3"])
        let huge = B.record(type: 8, attributes: B.field(3, raw: 257))
        Self.expectCorrupt(huge, ["WorkflowTaskTimedOut field 3", "expected a TimeoutType", "found 257"])
    }

    @Test func invalidUTF8IsRefused() {
        for bad: [UInt8] in [
            [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0x61, 0x80], [0xF5, 0x80, 0x80, 0x80],
        ] {
            let record = B.record(type: 18, attributes: B.field(1, bad))
            Self.expectCorrupt(
                record,
                ["TimerFired field 1", "expected \(bad.count) bytes of UTF-8 text", "found bytes that are not UTF-8"],
                at: Self.bodyStart + 2)
        }
        let key = B.record(
            type: 46, attributes: B.field(2, [0x01, 0x01, 0xFF, 0x00]))
        Self.expectCorrupt(key, ["WorkflowPropertiesModified field 2", "UTF-8"], at: Self.bodyStart + 4)
    }

    @Test func booleanOtherThanZeroOrOneIsRefused() {
        let record = B.record(type: 6, attributes: B.field(4, raw: 2))
        Self.expectCorrupt(
            record, ["WorkflowTaskStarted field 4", "expected a boolean (0 or 1)", "found 2"], at: Self.bodyStart + 1)
    }

    @Test func int32OutOfRangeIsRefused() {
        let record = B.record(type: 5, attributes: B.field(1, []) + B.field(3, signed: Int64(Int32.max) + 1))
        Self.expectCorrupt(record, ["WorkflowTaskScheduled field 3", "expected a 32-bit integer", "found 2147483648"])
    }

    @Test func notANumberIsRefused() {
        let value = B.tag(4, wire: 1) + withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { Array($0) }
        let record = B.record(
            type: 40, attributes: B.field(2, [0x01, 0x01, 0x78] + B.varint(UInt64(value.count)) + value))
        Self.expectCorrupt(record, ["SearchAttributeValue field 4", "expected a number", "found NaN"])
        let policy = B.tag(2, wire: 1) + withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { Array($0) }
        let scheduled = B.record(type: 10, attributes: B.field(3, []) + B.field(11, policy))
        Self.expectCorrupt(scheduled, ["RetryPolicy field 2", "found NaN"])
    }

    // MARK: - Required fields and one-of messages

    @Test func missingRequiredFieldsAreRefused() {
        Self.expectCorrupt(
            B.record(type: 13, attributes: B.field(2, signed: 5)),
            ["ActivityTaskFailed", "expected required field 1 (failure)", "found none"], at: Self.bodyStart + 2)
        Self.expectCorrupt(
            B.record(type: 5, attributes: []), ["WorkflowTaskScheduled", "expected required field 1 (taskQueue)"])
        Self.expectCorrupt(
            B.record(type: 31, attributes: B.field(1, text: "ns")),
            ["ChildWorkflowExecutionStarted", "expected required field 3 (execution)"])
        Self.expectCorrupt(
            B.record(type: 28, attributes: B.field(3, [])),
            ["WorkflowExecutionContinuedAsNew", "expected required field 9 (initiator)"])
        Self.expectCorrupt(
            B.record(type: 41, attributes: B.field(1, text: "p")),
            ["WorkflowExecutionUpdateAccepted", "expected required field 4 (acceptedRequest)"])
        Self.expectCorrupt(
            B.record(type: 1, attributes: B.field(7, B.field(1, text: "ns"))),
            ["ParentExecutionInfo", "expected required field 2 (execution)"])
    }

    @Test func failureNeedsExactlyOneKind() {
        Self.expectCorrupt(
            B.record(type: 13, attributes: B.field(1, B.field(1, text: "m"))),
            ["Failure", "expected a failure kind (one of fields 5 to 11)", "found none"])
        Self.expectCorrupt(
            B.record(type: 13, attributes: B.field(1, B.field(8, []) + B.field(9, []))),
            ["Failure field 9", "expected one failure kind", "found field 9 after field 8"], at: Self.bodyStart + 4)
    }

    @Test func searchAttributeValueNeedsExactlyOneValue() {
        let two = B.field(3, signed: 1) + B.field(5, raw: 1)
        Self.expectCorrupt(
            B.record(type: 40, attributes: B.field(2, [0x01, 0x01, 0x78, UInt8(two.count)] + two)),
            ["SearchAttributeValue field 5", "expected one value", "found field 5 after field 3"])
        Self.expectCorrupt(
            B.record(type: 40, attributes: B.field(2, [0x01, 0x01, 0x78, 0x00])),
            ["SearchAttributeValue", "expected a value (one of fields 1 to 7)", "found none"])
    }

    @Test func updateOutcomeNeedsExactlyOneOutcome() {
        let both = B.field(1, [0x00]) + B.field(2, Self.terminated("f"))
        Self.expectCorrupt(
            B.record(type: 43, attributes: B.field(4, both)),
            ["UpdateOutcome field 2", "expected one outcome", "found both"])
        Self.expectCorrupt(
            B.record(type: 43, attributes: B.field(4, [])), ["UpdateOutcome", "expected an outcome", "found none"])
    }

    // MARK: - Limits

    /// A cause chain of `depth` terminated failures, as a Failure message.
    static func chain(_ depth: Int) -> [UInt8] {
        var message = terminated("0")
        for _ in 1..<depth { message = B.field(4, message) + B.field(8, []) }
        return message
    }

    @Test func causeChainsAreLimited() throws {
        let deepest = B.record(type: 13, attributes: B.field(1, Self.chain(EventCodec.failureDepthMax)))
        let event = try EventCodec.decode(deepest)
        guard case .activityTaskFailed(let failed) = event.attributes else {
            Issue.record("decoded \(event)")
            return
        }
        #expect(failed.failure.depth == EventCodec.failureDepthMax)
        Self.expectCorrupt(
            B.record(type: 13, attributes: B.field(1, Self.chain(EventCodec.failureDepthMax + 1))),
            ["Failure field 4", "expected a cause chain of at most 64 failures", "found a longer one"])
        // A chain far deeper than the limit is refused just the same, without exhausting the stack.
        Self.expectCorrupt(
            B.record(type: 13, attributes: B.field(1, Self.chain(1_000))), ["at most 64 failures"])
        let standalone = Self.chain(EventCodec.failureDepthMax + 1)
        do {
            _ = try EventCodec.decodeFailure(B.varint(UInt64(standalone.count)) + standalone)
            Issue.record("a standalone chain over the limit was accepted")
        } catch {
            Self.check(error, ["at most 64 failures"], nil, #_sourceLocation)
        }
    }

    @Test func elementCountsAreLimited() {
        let overLimit = B.varint(UInt64(EventCodec.elementsMax) + 1)
        Self.expectCorrupt(
            B.record(type: 12, attributes: B.field(1, overLimit + [UInt8](repeating: 0, count: 8))),
            ["ActivityTaskCompleted field 1", "expected at most 65536 elements", "found a count of 65537"],
            at: Self.bodyStart + 2)
        Self.expectCorrupt(
            B.record(type: 12, attributes: B.field(1, [0x05, 0x00, 0x00])),
            ["expected 5 elements of at least 1 bytes each", "found 2 bytes"], at: Self.bodyStart + 2)
        Self.expectCorrupt(
            B.record(type: 46, attributes: B.field(2, [0x02, 0x00, 0x00])),
            ["expected 2 elements of at least 2 bytes each", "found 2 bytes"])
        do {
            _ = try EventCodec.decodePayloads(B.varint(UInt64.max))
            Issue.record("a huge count was accepted")
        } catch {
            Self.check(error, ["payload list", "at most 65536 elements"], 0, #_sourceLocation)
        }
    }

    @Test func mapKeysMustIncreaseAndDiffer() {
        // Keys "b" then "a": each value an empty payload.
        let unsorted: [UInt8] = [0x02, 0x01, 0x62, 0x00, 0x01, 0x61, 0x00]
        Self.expectCorrupt(
            B.record(type: 46, attributes: B.field(2, unsorted)),
            [
                "WorkflowPropertiesModified field 2", "expected map keys in increasing order",
                "byte \(Self.bodyStart + 4)",
            ],
            at: Self.bodyStart + 7)
        let repeated: [UInt8] = [0x02, 0x01, 0x61, 0x00, 0x01, 0x61, 0x00]
        Self.expectCorrupt(
            B.record(type: 46, attributes: B.field(2, repeated)), ["expected map keys in increasing order"])
        // "e" + combining acute (65 CC 81) sorts before "é" (C3 A9) by bytes, but the two are the same Swift string.
        let equivalent: [UInt8] = [0x02, 0x03, 0x65, 0xCC, 0x81, 0x00, 0x02, 0xC3, 0xA9, 0x00]
        Self.expectCorrupt(
            B.record(type: 46, attributes: B.field(2, equivalent)),
            ["expected distinct map keys", "found a key equal (as Unicode text) to an earlier one"],
            at: Self.bodyStart + 9)
    }

    @Test func errorsInStandaloneEncodingsNameTheirSubject() {
        do {
            _ = try EventCodec.decodeFailure([])
            Issue.record("an empty failure was accepted")
        } catch {
            Self.check(error, ["failure:", "expected 1 bytes of varint", "found 0"], 0, #_sourceLocation)
        }
        do {
            _ = try EventCodec.decodePayloads([0x01, 0x02, 0x10, 0x01])
            Issue.record("a payload with a bad field was accepted")
        } catch {
            Self.check(error, ["payload list:", "Payload field 2", "expected wire type 2"], 2, #_sourceLocation)
        }
    }
}
