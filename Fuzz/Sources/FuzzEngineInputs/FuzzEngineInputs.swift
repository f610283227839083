import CLibFuzzer
import KeelEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs libFuzzer over `EngineInputsHarness`: `FuzzEngineInputs [libFuzzer flags] [corpus directories or input
/// files]`.
@main
enum FuzzEngineInputsMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

/// Runs one input through `EngineInputsHarness`; libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    EngineInputsHarness.run(Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}

/// Feeds arbitrary bytes to the decoders of what reaches the engine from outside: engine records as a data
/// file holds them (`EngineInputs.describeRecord`, FORMAT.md section 16) and task tokens (`TaskToken(bytes:)`).
///
/// Input: `[mode: 1][rest]`. Mode bit 0 clear: the rest is `[stream key length: 2, little-endian][stream key]
/// [record payload]`, the length cut to what is there. Mode bit 0 set: the rest is a task token.
///
/// Checked besides "no crash": a record either decodes to a non-empty description of one line or fails with
/// `.corruptData`; a token either fails with `.invalidArgument` or encodes back to exactly its input bytes.
enum EngineInputsHarness {
    static func run(_ bytes: [UInt8]) {
        guard let mode = bytes.first else { return }
        let rest = bytes[1...]
        if mode & 1 == 1 {
            runToken(Array(rest))
        } else {
            runRecord(rest)
        }
    }

    private static func runRecord(_ rest: ArraySlice<UInt8>) {
        var length = 0
        if rest.count >= 2 { length = Int(rest[rest.startIndex]) | Int(rest[rest.startIndex + 1]) << 8 }
        let body = rest.dropFirst(2)
        let stream = Array(body.prefix(length))
        let payload = Array(body.dropFirst(stream.count))
        do {
            let description = try EngineInputs.describeRecord(stream: stream, payload: payload)
            precondition(!description.isEmpty, "a record decoded to an empty description")
            precondition(
                !description.unicodeScalars.contains { $0 == "\n" || $0 == "\r" || $0 == "\u{2028}" },
                "a record's description spans lines: \(description.debugDescription)")
        } catch {
            precondition(error.code == .corruptData, "a record failed with \(error), expected corruptData")
        }
    }

    private static func runToken(_ bytes: [UInt8]) {
        let token: TaskToken
        do {
            token = try TaskToken(bytes: bytes)
        } catch {
            precondition(error.code == .invalidArgument, "a task token failed with \(error), expected invalidArgument")
            return
        }
        precondition(token.bytes == bytes, "token \(token) encodes to \(token.bytes), not to the \(bytes) it came from")
        precondition(!token.description.isEmpty, "a token with an empty description")
    }
}
