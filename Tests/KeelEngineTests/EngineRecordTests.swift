import KeelLog
import Testing

@testable import KeelEngine

@Suite("Engine records (FORMAT.md section 16)")
struct EngineRecordTests {
    @Test func namespaceRecordMatchesGoldenBytes() throws {
        let settings = NamespaceSettings(
            name: "ops", retention: .seconds(1), searchAttributes: ["Zone": .keyword, "Age": .int])
        let bytes = settings.encode()
        let expected: [UInt8] =
            [4, 1, 3, 0] + Array("ops".utf8) + [0x00, 0xCA, 0x9A, 0x3B, 0, 0, 0, 0] + [2, 0]
            + [3, 0] + Array("Age".utf8) + [3] + [4, 0] + Array("Zone".utf8) + [1]
        #expect(bytes == expected)
        #expect(try NamespaceSettings.decode(bytes) == settings)
    }

    @Test func signalRequestRecordMatchesGoldenBytes() throws {
        let bytes = EngineRecord.encodeSignalRequest("r-1")
        #expect(bytes == [5, 1, 0x72, 0x2D, 0x31])
        guard case .signalRequest(let id) = try EngineRecord.decode(bytes) else {
            Issue.record("expected a signal request record")
            return
        }
        #expect(id == "r-1")
    }

    @Test func activityAttemptRecordMatchesGoldenBytesAndRoundTrips() throws {
        let bare = ActivityAttemptRecord(
            scheduledEventID: 5, attempt: 2, retryTime: Timestamp(rawValue: 1_000), lastFailure: nil,
            heartbeatDetails: [])
        let payloads = EventCodec.encode([Payload]())
        let expected: [UInt8] =
            [3, 1] + [5, 0, 0, 0, 0, 0, 0, 0] + [2, 0, 0, 0] + [0xE8, 0x03, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0]
            + [UInt8(payloads.count), 0, 0, 0] + payloads
        #expect(bare.encode() == expected)
        let full = ActivityAttemptRecord(
            scheduledEventID: 42, attempt: 7, retryTime: Timestamp(rawValue: -5),
            lastFailure: .application("boom", type: "IOError", cause: .application("disk")),
            heartbeatDetails: [.json(Array("3".utf8))])
        guard case .activityAttempt(let decoded) = try EngineRecord.decode(full.encode()) else {
            Issue.record("expected an activity attempt record")
            return
        }
        #expect(decoded == full)
    }

    @Test func everyTruncationAndUnknownKindIsRefused() throws {
        let records = [
            NamespaceSettings(name: "default", retention: .seconds(60), searchAttributes: ["A": .bool]).encode(),
            EngineRecord.encodeSignalRequest("id"),
            ActivityAttemptRecord(
                scheduledEventID: 9, attempt: 3, retryTime: .epoch, lastFailure: .application("x"),
                heartbeatDetails: [.text("d")]
            ).encode(),
        ]
        for record in records where record[0] != 5 {
            for length in 0..<record.count {
                #expect(throws: EngineError.self) { _ = try EngineRecord.decode(Array(record.prefix(length))) }
            }
            #expect(throws: EngineError.self) { _ = try EngineRecord.decode(record + [0]) }
        }
        for kind: UInt8 in [0, 6, 255] {
            let error = #expect(throws: EngineError.self) { _ = try EngineRecord.decode([kind, 1]) }
            #expect(error?.code == .corruptData)
        }
    }

    @Test func runStreamKeysRoundTripAndRejectOtherShapes() {
        let key = RunKey(
            namespace: "ns", execution: WorkflowExecution(workflowID: "order/42", runID: "r"))
        #expect(key.stream.bytes == [1, 2, 0] + Array("ns".utf8) + [8, 0] + Array("order/42".utf8) + [1, 0, 0x72])
        #expect(RunKey(stream: key.stream) == key)
        #expect(RunKey(stream: StreamKey(key.stream.bytes + [0])) == nil)
        #expect(RunKey(stream: StreamKey(Array(key.stream.bytes.dropLast()))) == nil)
        #expect(RunKey(stream: EngineRecord.namespaceStream) == nil)
    }

    @Test func taskTokensRoundTripAndRejectDamage() throws {
        let token = TaskToken(
            kind: .activity, namespace: "default",
            execution: WorkflowExecution(workflowID: "w", runID: "r"), scheduledEventID: 5, sequence: 2)
        let bytes = token.bytes
        #expect(try TaskToken(bytes: bytes) == token)
        for length in 0..<bytes.count {
            #expect(throws: EngineError.self) { _ = try TaskToken(bytes: Array(bytes.prefix(length))) }
        }
        var damaged = bytes
        damaged[1] = 9
        let error = #expect(throws: EngineError.self) { _ = try TaskToken(bytes: damaged) }
        #expect(error?.code == .invalidArgument)
    }
}
