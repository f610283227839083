import Foundation
import Testing

@testable import KeelEngine

/// The fuzz corpus of `FuzzEvents` and its fail cases, replayed as unit tests.
///
/// `Fuzz/Corpus/FuzzEvents` holds a valid record of every event type and a few standalone failures and
/// payload lists, made from a fixed seed; `KEEL_WRITE_EVENT_CORPUS=1` rewrites it (after a format
/// change). Every input there and in `Fuzz/FailCases/FuzzEvents` must keep the fuzz target's property,
/// so an input that once crashed the target stays a regression test here.
@Suite struct EventCodecCorpusTests {
    /// The repository root (this file is `Tests/KeelEngineTests/EventCodecCorpusTests.swift`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let corpus = root.appendingPathComponent("Fuzz/Corpus/FuzzEvents")
    static let failCases = root.appendingPathComponent("Fuzz/FailCases/FuzzEvents")

    /// The seed inputs, by file name: a record of every event type (kept under 2 KiB, so libFuzzer can
    /// mutate it well), three failures and two payload lists.
    static func seeds() -> [(name: String, bytes: [UInt8])] {
        var random = RandomEvents(seed: 0x4B45_454C_4556)
        var seeds: [(name: String, bytes: [UInt8])] = []
        for (index, type) in EventType.allCases.enumerated() {
            var bytes = EventCodec.encode(random.event(id: Int64(index + 1), type: type))
            while bytes.count > 2048 { bytes = EventCodec.encode(random.event(id: Int64(index + 1), type: type)) }
            let label = Mirror(reflecting: random.attributes(of: type)).children.first?.label ?? "unknown"
            seeds.append(("event-\(type.rawValue)-\(label)", bytes))
        }
        for index in 0..<3 {
            var bytes = EventCodec.encode(random.failure(depth: index * 3 + 1))
            while bytes.count > 2048 { bytes = EventCodec.encode(random.failure(depth: index * 3 + 1)) }
            seeds.append(("failure-\(index)", bytes))
        }
        seeds.append(("payloads-0", EventCodec.encode([Payload]())))
        seeds.append(("payloads-1", EventCodec.encode([.json(Array("{\"a\":1}".utf8)), .binary([0, 1, 2])])))
        return seeds
    }

    /// Returns the files of `directory` (not its README), sorted by name; none when it does not exist.
    static func inputs(in directory: URL) throws -> [(name: String, bytes: [UInt8])] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return try names.filter { !$0.hasPrefix("README") && !$0.hasPrefix(".") }.sorted().map { name in
            (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    @Test func corpusHoldsAValidRecordOfEveryEventType() throws {
        if ProcessInfo.processInfo.environment["KEEL_WRITE_EVENT_CORPUS"] == "1" {
            try FileManager.default.createDirectory(at: Self.corpus, withIntermediateDirectories: true)
            for seed in Self.seeds() {
                try Data(seed.bytes).write(to: Self.corpus.appendingPathComponent(seed.name))
            }
        }
        var covered: Set<UInt16> = []
        for input in try Self.inputs(in: Self.corpus) where input.name.hasPrefix("event-") {
            do {
                covered.insert(try EventCodec.decode(input.bytes).eventType.rawValue)
            } catch {
                Issue.record("\(input.name) does not decode: \(error); KEEL_WRITE_EVENT_CORPUS=1 rewrites the corpus")
            }
        }
        #expect(covered == Set(EventType.allCases.map(\.rawValue)), "the corpus lacks some event types")
    }

    @Test func corpusAndFailCasesKeepTheFuzzProperty() throws {
        for input in try Self.inputs(in: Self.corpus) + Self.inputs(in: Self.failCases) {
            if let event = try? EventCodec.decode(input.bytes) {
                let encoded = EventCodec.encode(event)
                #expect(try EventCodec.decode(encoded) == event, "\(input.name)")
                #expect(EventCodec.encode(try EventCodec.decode(encoded)) == encoded, "\(input.name)")
            }
            if let failure = try? EventCodec.decodeFailure(input.bytes) {
                #expect(try EventCodec.decodeFailure(EventCodec.encode(failure)) == failure, "\(input.name)")
            }
            if let payloads = try? EventCodec.decodePayloads(input.bytes) {
                #expect(try EventCodec.decodePayloads(EventCodec.encode(payloads)) == payloads, "\(input.name)")
            }
        }
    }
}
