import Testing

@testable import KeelEngine

/// Golden bytes of history event records, a standalone failure and a standalone payload list.
///
/// Each dump below was worked out by hand from FORMAT.md, Part II, one field at a time, and the
/// comment beside each line says which field it is. A change to any of them is a change to the
/// format and must update FORMAT.md and this file together.
@Suite struct EventCodecGoldenTests {
    /// 2023-11-14T22:13:20Z, 1,700,000,000,000,000,000 ns: `00 00 2A 36 FE 9C 97 17` little-endian.
    static let time = Timestamp(rawValue: 1_700_000_000_000_000_000)

    @Test func timerStartedMatchesGoldenBytes() throws {
        let event = HistoryEvent(
            eventID: 5, time: Self.time,
            attributes: .timerStarted(
                TimerStarted(timerID: "t1", startToFireTimeout: .seconds(10), workflowTaskCompletedEventID: 4)))
        let golden = EventCodecBytes.parse(
            """
            01                        record kind 1: history event
            01                        format version 1
            11                        event type 17: TimerStarted
            0A                        event id 5, zigzag 10
            00 00 2A 36 FE 9C 97 17   time, i64 little-endian
            0C                        attributes: 12 bytes
            0A 02 74 31               field 1 timerID, wire 2: "t1"
            10 80 90 DF C0 4A         field 2 startToFireTimeout, wire 0: 10 s = 10^10 ns, zigzag 2 * 10^10
            18 08                     field 3 workflowTaskCompletedEventID, wire 0: 4, zigzag 8
            """)
        try Self.check(event, golden)
    }

    @Test func workflowTaskCompletedMatchesGoldenBytes() throws {
        let event = HistoryEvent(
            eventID: 4, time: Self.time,
            attributes: .workflowTaskCompleted(
                WorkflowTaskCompleted(scheduledEventID: 2, startedEventID: 3, identity: "worker-1", binaryChecksum: ""))
        )
        let golden = EventCodecBytes.parse(
            """
            01 01                     kind 1, version 1
            07                        event type 7: WorkflowTaskCompleted
            08                        event id 4, zigzag 8
            00 00 2A 36 FE 9C 97 17   time
            0E                        attributes: 14 bytes
            08 04                     field 1 scheduledEventID: 2, zigzag 4
            10 06                     field 2 startedEventID: 3, zigzag 6
            1A 08 77 6F 72 6B 65 72 2D 31   field 3 identity: "worker-1"
                                      field 4 binaryChecksum is "", the default: left out
            """)
        try Self.check(event, golden)
    }

    @Test func activityTaskScheduledMatchesGoldenBytes() throws {
        let event = HistoryEvent(
            eventID: 5, time: Self.time,
            attributes: .activityTaskScheduled(
                ActivityTaskScheduled(
                    activityID: "1", activityType: "Charge", taskQueue: TaskQueue(name: "orders"), header: [:],
                    input: [.json(Array("42".utf8))], scheduleToCloseTimeout: nil, scheduleToStartTimeout: nil,
                    startToCloseTimeout: .seconds(30), heartbeatTimeout: nil, workflowTaskCompletedEventID: 4,
                    retryPolicy: RetryPolicy(maximumAttempts: 3))))
        let golden = EventCodecBytes.parse(
            """
            01 01                     kind 1, version 1
            0A                        event type 10: ActivityTaskScheduled
            0A                        event id 5, zigzag 10
            00 00 2A 36 FE 9C 97 17   time
            41                        attributes: 65 bytes
            0A 01 31                  field 1 activityID: "1"
            12 06 43 68 61 72 67 65   field 2 activityType: "Charge"
            1A 08                     field 3 taskQueue, a TaskQueue message of 8 bytes:
            0A 06 6F 72 64 65 72 73     field 1 name: "orders" (kind normal and normalName = name: left out)
                                      field 4 header is empty: left out
            2A 1D                     field 5 input, a list of 29 bytes:
            01                          count 1
            1B                          payload 1: 27 bytes
            0A 15                         field 1 metadata, a map of 21 bytes:
            01                              count 1
            08 65 6E 63 6F 64 69 6E 67      key "encoding"
            0A 6A 73 6F 6E 2F 70 6C 61 69 6E   value "json/plain"
            12 02 34 32                   field 2 data: "42"
                                      fields 6 and 7 are nil: left out
            40 80 B0 9D C2 DF 01      field 8 startToCloseTimeout, wire 0: 30 s, zigzag 6 * 10^10
                                      field 9 is nil: left out
            50 08                     field 10 workflowTaskCompletedEventID: 4
            5A 02                     field 11 retryPolicy, a RetryPolicy message of 2 bytes:
            20 06                       field 4 maximumAttempts: 3, zigzag 6 (the other fields are defaults)
            """)
        try Self.check(event, golden)
    }

    @Test func attributesOf128BytesOrMoreTakeATwoByteLength() throws {
        let timerID = String(repeating: "x", count: 130)
        let event = HistoryEvent(
            eventID: 1, time: .epoch, attributes: .timerFired(TimerFired(timerID: timerID, startedEventID: 1)))
        let golden =
            EventCodecBytes.parse(
                """
                01 01 12                  kind 1, version 1, event type 18: TimerFired
                02                        event id 1, zigzag 2
                00 00 00 00 00 00 00 00   time 0
                87 01                     attributes: 135 bytes, a two-byte varint (0x07 + 0x01 << 7)
                0A 82 01                  field 1 timerID: 130 bytes, a two-byte length (0x02 + 0x01 << 7)
                """) + [UInt8](repeating: 0x78, count: 130)
            + EventCodecBytes.parse(
                """
                10 02                     field 2 startedEventID: 1, zigzag 2
                """)
        try Self.check(event, golden)
    }

    @Test func eventWithOnlyDefaultsHasEmptyAttributes() throws {
        let event = HistoryEvent(
            eventID: 0, time: .epoch,
            attributes: .activityTaskCancelRequested(
                ActivityTaskCancelRequested(scheduledEventID: 0, workflowTaskCompletedEventID: 0)))
        let golden = EventCodecBytes.parse(
            """
            01 01 0F                  kind 1, version 1, event type 15: ActivityTaskCancelRequested
            00                        event id 0
            00 00 00 00 00 00 00 00   time 0
            00                        attributes: 0 bytes, every field is its default
            """)
        try Self.check(event, golden)
    }

    @Test func standaloneFailureMatchesGoldenBytes() throws {
        let failure = Failure.application(
            "card declined", type: "CardError", nonRetryable: true,
            cause: Failure(message: "timed out", info: .timeout(type: .startToClose, lastHeartbeatDetails: [])))
        let golden = EventCodecBytes.parse(
            """
            2F                        a Failure message of 47 bytes:
            0A 0D 63 61 72 64 20 64 65 63 6C 69 6E 65 64   field 1 message: "card declined"
                                      fields 2 source and 3 stackTrace are "": left out
            22 0F                     field 4 cause, a Failure message of 15 bytes:
            0A 09 74 69 6D 65 64 20 6F 75 74   field 1 message: "timed out"
            32 02                       field 6 timeout, a TimeoutFailureInfo of 2 bytes:
            08 01                         field 1 timeoutType: 1 (startToClose)
            2A 0D                     field 5 application, an ApplicationFailureInfo of 13 bytes:
            0A 09 43 61 72 64 45 72 72 6F 72   field 1 type: "CardError"
            10 01                       field 2 nonRetryable: true
            """)
        #expect(EventCodec.encode(failure) == golden)
        #expect(try EventCodec.decodeFailure(golden) == failure)
    }

    @Test func standalonePayloadListMatchesGoldenBytes() throws {
        let payloads = [Payload.binary([0xFF]), Payload(data: [])]
        let golden = EventCodecBytes.parse(
            """
            02                        count 2
            1C                        payload 1: 28 bytes
            0A 17                       field 1 metadata, a map of 23 bytes:
            01                            count 1
            08 65 6E 63 6F 64 69 6E 67    key "encoding"
            0C 62 69 6E 61 72 79 2F 70 6C 61 69 6E   value "binary/plain"
            12 01 FF                    field 2 data: FF
            00                        payload 2: 0 bytes, no metadata and no data
            """)
        #expect(EventCodec.encode(payloads) == golden)
        #expect(try EventCodec.decodePayloads(golden) == payloads)
        #expect(EventCodec.encode([Payload]()) == [0x00])
    }

    /// Checks that `event` encodes to `golden` and that `golden` decodes back to `event`.
    static func check(_ event: HistoryEvent, _ golden: [UInt8]) throws {
        let encoded = EventCodec.encode(event)
        #expect(
            encoded == golden,
            "encoded \(EventCodecBytes.dump(encoded))\n expected \(EventCodecBytes.dump(golden))")
        #expect(try EventCodec.decode(golden) == event)
    }
}

/// Byte helpers for the codec tests, independent of the codec: hex dumps, and varints and tags
/// written the way FORMAT.md says, for building inputs by hand.
enum EventCodecBytes {
    /// Returns the bytes of a dump: on each line, the leading run of two-digit hex groups; the rest of
    /// the line is a comment.
    static func parse(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            for word in line.split(separator: " ") {
                guard word.count == 2, let byte = UInt8(word, radix: 16) else { break }
                bytes.append(byte)
            }
        }
        return bytes
    }

    /// Returns `bytes` as space-separated hex pairs.
    static func dump(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
        return bytes
    }

    static func zigzag(_ value: Int64) -> [UInt8] {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    static func tag(_ field: UInt64, wire: UInt64) -> [UInt8] { varint(field << 3 | wire) }

    /// A length-delimited field: tag, length, content.
    static func field(_ number: UInt64, _ content: [UInt8]) -> [UInt8] {
        tag(number, wire: 2) + varint(UInt64(content.count)) + content
    }

    /// A length-delimited field holding UTF-8 text.
    static func field(_ number: UInt64, text: String) -> [UInt8] { field(number, Array(text.utf8)) }

    /// A varint field holding a zigzag-encoded signed integer.
    static func field(_ number: UInt64, signed: Int64) -> [UInt8] { tag(number, wire: 0) + zigzag(signed) }

    /// A varint field holding an unsigned value as is (booleans, enumerations).
    static func field(_ number: UInt64, raw: UInt64) -> [UInt8] { tag(number, wire: 0) + varint(raw) }

    /// A record: kind, version, event type, event id, time and the attributes message.
    static func record(
        type: UInt64, eventID: Int64 = 1, time: Int64 = 0, attributes: [UInt8], kind: UInt8 = 1, version: UInt8 = 1
    ) -> [UInt8] {
        var bytes: [UInt8] = [kind, version] + varint(type) + zigzag(eventID)
        withUnsafeBytes(of: time.littleEndian) { bytes += $0 }
        return bytes + varint(UInt64(attributes.count)) + attributes
    }

    /// Splits a record into its header (through the attributes length) and its attributes message.
    static func split(_ record: [UInt8]) -> (header: [UInt8], attributes: [UInt8]) {
        var position = 2
        func skipVarint() -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = record[position]
                position += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        _ = skipVarint()
        _ = skipVarint()
        position += 8
        let headerEnd = position
        let length = Int(skipVarint())
        precondition(position + length == record.count, "a record's attributes run to its end")
        return (Array(record[..<headerEnd]), Array(record[position...]))
    }

    /// Returns the record with its attributes message replaced.
    static func replacingAttributes(of record: [UInt8], with attributes: [UInt8]) -> [UInt8] {
        split(record).header + varint(UInt64(attributes.count)) + attributes
    }

    /// Splits a message into its fields (each with its tag), with their numbers and wire types.
    static func fields(of message: [UInt8]) -> [(number: UInt64, wire: UInt64, bytes: [UInt8])] {
        var result: [(number: UInt64, wire: UInt64, bytes: [UInt8])] = []
        var position = 0
        func readVarint() -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = message[position]
                position += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        while position < message.count {
            let start = position
            let tag = readVarint()
            switch tag & 7 {
            case 0: _ = readVarint()
            case 1: position += 8
            case 2: position += Int(readVarint())
            default: preconditionFailure("wire type \(tag & 7) in a codec's own output")
            }
            result.append((tag >> 3, tag & 7, Array(message[start..<position])))
        }
        return result
    }
}
