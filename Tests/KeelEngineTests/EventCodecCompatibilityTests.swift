import Foundation
import Testing

@testable import KeelEngine

/// The compatibility rule of FORMAT.md, Part II: a reader skips fields it does not know and accepts
/// fields in any order; and the document's tables describe the fields the encoder writes.
@Suite struct EventCodecCompatibilityTests {
    typealias B = EventCodecBytes

    /// Unknown fields of every wire type, with numbers no version-1 message uses.
    static let unknownFields: [[UInt8]] = [
        B.field(63, raw: 12_345),
        B.tag(100, wire: 1) + [1, 2, 3, 4, 5, 6, 7, 8],
        B.field(5_000, text: "from a later version"),
        B.field(UInt64(EventCodec.fieldNumberMax), []),
        B.field(40, B.field(1, raw: 1)),
    ]

    @Test func unknownFieldsInEveryEventAreSkipped() throws {
        let seed = EventCodecRoundTripTests.seed("unknownFieldsInEveryEventAreSkipped")
        var random = RandomEvents(seed: seed)
        for type in EventType.allCases {
            for _ in 0..<20 {
                let event = random.event(id: random.eventID(), type: type)
                let record = EventCodec.encode(event)
                var fields = B.fields(of: B.split(record).attributes).map(\.bytes)
                for unknown in Self.unknownFields {
                    fields.insert(unknown, at: random.below(fields.count + 1))
                }
                let extended = B.replacingAttributes(of: record, with: fields.flatMap { $0 })
                #expect(try EventCodec.decode(extended) == event, "seed \(seed), event type \(type.rawValue)")
            }
        }
    }

    @Test func fieldsInAnyOrderDecode() throws {
        let seed = EventCodecRoundTripTests.seed("fieldsInAnyOrderDecode")
        var random = RandomEvents(seed: seed)
        for type in EventType.allCases {
            for _ in 0..<20 {
                let event = random.event(id: random.eventID(), type: type)
                let record = EventCodec.encode(event)
                let reversed = B.fields(of: B.split(record).attributes).reversed().flatMap(\.bytes)
                #expect(try EventCodec.decode(B.replacingAttributes(of: record, with: reversed)) == event)
            }
        }
    }

    @Test func unknownFieldsInNestedMessagesAreSkipped() throws {
        // A field number appears at most once per message, so the second group uses other numbers.
        let extra = B.field(30, text: "new") + B.field(31, raw: 7)
        let more = B.tag(32, wire: 1) + [UInt8](repeating: 0xEE, count: 8) + B.field(1_000, [])
        let metadata = B.field(1, [0x01, 0x01, 0x6B, 0x01, 0x76])
        let payload = extra + metadata + B.field(2, [0x2A]) + more
        let scheduled = B.record(
            type: 10,
            attributes: B.field(1, text: "a")
                + B.field(3, B.field(1, text: "q") + extra)
                + B.field(5, [0x01] + B.varint(UInt64(payload.count)) + payload)
                + B.field(11, B.field(4, signed: 3) + extra))
        let expectedScheduled = ActivityTaskScheduled(
            activityID: "a", activityType: "", taskQueue: TaskQueue(name: "q"), header: [:],
            input: [Payload(metadata: ["k": [0x76]], data: [0x2A])], scheduleToCloseTimeout: nil,
            scheduleToStartTimeout: nil, startToCloseTimeout: nil, heartbeatTimeout: nil,
            workflowTaskCompletedEventID: 0, retryPolicy: RetryPolicy(maximumAttempts: 3))
        #expect(try EventCodec.decode(scheduled).attributes == .activityTaskScheduled(expectedScheduled))

        let cause = B.field(1, text: "inner") + extra + B.field(9, B.field(1, raw: 1) + extra)
        let failure =
            B.field(1, text: "outer") + extra + B.field(4, cause) + B.field(5, B.field(1, text: "T") + more)
        let failed = B.record(
            type: 33,
            attributes: B.field(1, failure) + B.field(3, B.field(1, text: "wf") + extra + B.field(2, text: "run")))
        let expectedFailure = Failure.application(
            "outer", type: "T", cause: Failure(message: "inner", info: .server(nonRetryable: true)))
        let decoded = try EventCodec.decode(failed)
        #expect(
            decoded.attributes
                == .childWorkflowExecutionFailed(
                    ChildWorkflowExecutionFailed(
                        failure: expectedFailure, namespace: "",
                        execution: WorkflowExecution(workflowID: "wf", runID: "run"),
                        workflowType: "", initiatedEventID: 0, startedEventID: 0, retryState: .unspecified)))

        let value = extra + B.field(3, signed: -5) + more
        let upsert = B.record(
            type: 40, attributes: B.field(2, [0x01, 0x01, 0x6E] + B.varint(UInt64(value.count)) + value))
        #expect(
            try EventCodec.decode(upsert).attributes
                == .upsertWorkflowSearchAttributes(
                    UpsertWorkflowSearchAttributes(workflowTaskCompletedEventID: 0, searchAttributes: ["n": .int(-5)])))
    }

    // MARK: - FORMAT.md

    /// One row of an attributes table in FORMAT.md.
    struct DocumentedField: Hashable {
        var number: UInt64
        var wire: UInt64
    }

    /// One attributes table of FORMAT.md: the event type's name and its fields.
    struct DocumentedEvent {
        var name: String
        var fields: Set<DocumentedField> = []
    }

    /// Returns the attributes tables of FORMAT.md, Part II, by event type number.
    static func documentedEvents() -> [UInt16: DocumentedEvent] {
        let path = EventCodecCorpusTests.root.appendingPathComponent("FORMAT.md").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("cannot read \(path)")
            return [:]
        }
        var events: [UInt16: DocumentedEvent] = [:]
        var current: UInt16?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                current = nil
                // "#### ActivityTaskScheduled (10)"
                guard line.hasPrefix("#### "), line.hasSuffix(")"), let open = line.lastIndex(of: "(") else { continue }
                let name = line.dropFirst(5)[..<open].trimmingCharacters(in: .whitespaces)
                guard let number = UInt16(line[line.index(after: open)..<line.index(before: line.endIndex)]) else {
                    continue
                }
                current = number
                events[number] = DocumentedEvent(name: name)
                continue
            }
            guard let number = current, line.hasPrefix("| ") else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, let field = UInt64(cells[0]), let wire = UInt64(cells[3]) else { continue }
            events[number]!.fields.insert(DocumentedField(number: field, wire: wire))
        }
        return events
    }

    @Test func formatTablesListEveryEventType() {
        let documented = Self.documentedEvents()
        var random = RandomEvents(seed: 1)
        for type in EventType.allCases {
            // The name of the attributes case ("timerStarted"), capitalized as FORMAT.md writes it; taken
            // by reflection so that the test does not lean on `EventType.description`.
            let label = Mirror(reflecting: random.attributes(of: type)).children.first?.label ?? "?"
            let expected = label.prefix(1).uppercased() + label.dropFirst()
            let name = documented[type.rawValue]?.name ?? "nothing"
            #expect(name == expected, "FORMAT.md names event type \(type.rawValue) \(name), expected \(expected)")
        }
        #expect(documented.count == EventType.allCases.count)
    }

    @Test func encoderWritesExactlyTheDocumentedFields() {
        let documented = Self.documentedEvents()
        let seed = EventCodecRoundTripTests.seed("encoderWritesExactlyTheDocumentedFields")
        var random = RandomEvents(seed: seed)
        for type in EventType.allCases {
            let fields = documented[type.rawValue]?.fields ?? []
            var seen: Set<DocumentedField> = []
            for _ in 0..<300 {
                let record = EventCodec.encode(random.event(id: 1, type: type))
                for field in B.fields(of: B.split(record).attributes) {
                    seen.insert(DocumentedField(number: field.number, wire: field.wire))
                }
            }
            #expect(
                seen.subtracting(fields).isEmpty,
                "event type \(type.rawValue) writes undocumented fields \(seen.subtracting(fields))")
            #expect(
                fields.subtracting(seen).isEmpty,
                "event type \(type.rawValue): documented fields never written \(fields.subtracting(seen))")
        }
    }
}
