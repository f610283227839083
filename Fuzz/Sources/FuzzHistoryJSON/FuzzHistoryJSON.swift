import CLibFuzzer
import Keel
import KeelEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs libFuzzer over `HistoryJSONHarness`: `FuzzHistoryJSON [libFuzzer flags] [corpus directories or input files]`.
@main
enum FuzzHistoryJSONMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

/// Runs one input through `HistoryJSONHarness`; libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    HistoryJSONHarness.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

/// Feeds arbitrary bytes to the SDK's import of Temporal-JSON histories (`HistoryJSON.decode`: its JSON
/// parser, the proto3 JSON value rules, every event's attributes, durations, RFC 3339 times, base64,
/// enumerations and failures).
///
/// Input: the bytes are the document, as a file a user hands to `WorkflowReplayer.replay(json:)`.
///
/// Checked besides "no crash": an error names a byte offset inside the input and an event index inside
/// the events array; a decoded history whose events are within `EventCodec`'s limits survives
/// `encode` and `decode` (pretty and compact) unchanged, and encoding it again gives the same bytes.
enum HistoryJSONHarness {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let events: [HistoryEvent]
        do {
            events = try HistoryJSON.decode(bytes)
        } catch {
            check(error, inputBytes: bytes.count)
            return
        }
        // Only events the binary codec accepts are promised a round trip (its limits bound lists,
        // failure depth and doubles, which JSON does not).
        for event in events {
            do throws(EngineError) {
                try EventCodec.validate(event)
            } catch {
                return
            }
        }
        let pretty = HistoryJSON.encode(events)
        let compact = HistoryJSON.encode(events, pretty: false)
        for (name, encoded) in [("pretty", pretty), ("compact", compact)] {
            let again: [HistoryEvent]
            do {
                again = try HistoryJSON.decode(encoded)
            } catch {
                fatalError("a history of \(events.count) events decoded, but its \(name) encoding does not: \(error)")
            }
            precondition(
                again == events,
                "a history of \(events.count) events changed in a \(name) encode and decode: "
                    + "first difference at event index \(firstDifference(events, again))")
            precondition(
                HistoryJSON.encode(again, pretty: name == "pretty") == encoded,
                "a history of \(events.count) events encodes to different \(name) bytes the second time")
        }
    }

    /// Traps unless the error's location lies inside the input.
    static func check(_ error: HistoryJSONError, inputBytes: Int) {
        if let offset = error.byteOffset {
            precondition(
                offset >= 0 && offset <= inputBytes,
                "expected an error offset within the \(inputBytes) input bytes, found \(offset): \(error)")
        }
        if let index = error.eventIndex {
            precondition(index >= 0, "expected a non-negative event index, found \(index): \(error)")
        }
        precondition(!error.expected.isEmpty, "an error does not say what was expected: \(error)")
    }

    /// Returns the index of the first event that differs between two histories, or the shorter count.
    static func firstDifference(_ first: [HistoryEvent], _ second: [HistoryEvent]) -> Int {
        for index in 0..<min(first.count, second.count) where first[index] != second[index] { return index }
        return min(first.count, second.count)
    }
}
