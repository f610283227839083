import CLibFuzzer
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs libFuzzer over `CommandsHarness`: `FuzzCommands [libFuzzer flags] [corpus directories or input files]`.
@main
enum FuzzCommandsMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

/// Runs one input through `CommandsHarness`; libFuzzer's per-input entry point.
///
/// libFuzzer calls it on its own thread and expects the input to be done when it returns, while the engine's
/// API is asynchronous: the input runs as a task on Swift's cooperative pool and this thread waits for it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let done = DispatchSemaphore(value: 0)
    Task {
        await CommandsHarness.shared.run(bytes)
        done.signal()
    }
    done.wait()
    return 0
}

/// Turns LeakSanitizer off for this target; the sanitizer's runtime looks for this function.
///
/// The engine lives across inputs, and Swift keeps enum case tags in the spare bits of the pointers it
/// stores (a history event's attributes are an indirect enum), so the leak checker cannot see that the
/// engine still holds objects an input made, and reports them as leaked.
@_cdecl("__lsan_is_turned_off")
public func leakSanitizerIsTurnedOff() -> CInt { 1 }
