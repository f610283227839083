import CLibFuzzer
import KeelEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs libFuzzer over `EventsHarness`: `FuzzEvents [libFuzzer flags] [corpus directories or input files]`.
@main
enum FuzzEventsMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

/// Runs one input through `EventsHarness`; libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    EventsHarness.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

/// Feeds arbitrary bytes to the decoders of `EventCodec` (FORMAT.md, Part II).
///
/// Input: the bytes, decoded three ways: as a history event record, as a standalone failure and as a
/// standalone payload list. Each decoder reads libFuzzer's own buffer in place, so the address
/// sanitizer sees any read past its end.
///
/// Checked besides "no crash": whatever decodes re-encodes (within the codec's limits, so `encode`
/// does not trap) to bytes that decode to an equal value, and encoding that value again gives the
/// same bytes.
enum EventsHarness {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        if let event = try? EventCodec.decode(bytes) {
            let encoded = EventCodec.encode(event)
            let again: HistoryEvent
            do {
                again = try EventCodec.decode(encoded)
            } catch {
                fatalError("event \(event.eventID) decoded, but its re-encoding does not: \(error)")
            }
            precondition(again == event, "event \(event.eventID) changed in a second encode and decode")
            precondition(EventCodec.encode(again) == encoded, "event \(event.eventID) encodes to different bytes")
        }
        if let failure = try? EventCodec.decodeFailure(bytes) {
            let encoded = EventCodec.encode(failure)
            let again: Failure
            do {
                again = try EventCodec.decodeFailure(encoded)
            } catch {
                fatalError("a failure decoded, but its re-encoding does not: \(error)")
            }
            precondition(again == failure, "a failure changed in a second encode and decode")
            precondition(EventCodec.encode(again) == encoded, "a failure encodes to different bytes")
        }
        if let payloads = try? EventCodec.decodePayloads(bytes) {
            let encoded = EventCodec.encode(payloads)
            let again: [Payload]
            do {
                again = try EventCodec.decodePayloads(encoded)
            } catch {
                fatalError("a payload list decoded, but its re-encoding does not: \(error)")
            }
            precondition(again == payloads, "a payload list changed in a second encode and decode")
            precondition(EventCodec.encode(again) == encoded, "a payload list encodes to different bytes")
        }
    }
}
