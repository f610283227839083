import CLibFuzzer
import FuzzSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs libFuzzer over `HeaderHarness`: `FuzzSuperblock [libFuzzer flags] [corpus directories or input files]`.
@main
enum FuzzSuperblockMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

/// Runs one input through `HeaderHarness`; libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    HeaderHarness.run(Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}
