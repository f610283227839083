import CLibFuzzer
import FuzzSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs libFuzzer over `RecoveryHarness`: `FuzzRecovery [libFuzzer flags] [corpus directories or input files]`.
@main
enum FuzzRecoveryMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

/// Runs one input through `RecoveryHarness`; libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    RecoveryHarness.run(Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}
