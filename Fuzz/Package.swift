// swift-tools-version:6.0
import Foundation
import PackageDescription

// The fuzz targets are built by `run.sh`, which passes `-sanitize=fuzzer,address -parse-as-library`
// to every Swift module of the build (KeelLog included, so the fuzzer sees KeelLog's coverage) and
// builds one product at a time. `FuzzSeeds` is built separately, without those flags.
//
// Each fuzz target has an `@main` that calls libFuzzer's `LLVMFuzzerRunDriver` (declared by the
// `CLibFuzzer` module) rather than relying on libFuzzer's own `main`: SwiftPM links executables with
// `main` aliased to `<Target>_main`, a symbol only a Swift entry point provides.
let fuzzTargets = ["FuzzBlock", "FuzzSuperblock", "FuzzIndex", "FuzzRecovery"]
// Targets over KeelEngine's decoders, parsers and worker API; each is self-contained.
let engineFuzzTargets = ["FuzzEvents", "FuzzVisibilityQuery", "FuzzEngineInputs", "FuzzCommands"]
// Targets over the SDK (the `Keel` product): history replay through workflow code and the JSON history import.
//
// `Keel` depends on the macro target `KeelMacros`, an executable built for the host on swift-syntax and run by
// the compiler while it compiles `Keel`. SwiftPM's native build system passes `-Xswiftc` flags to host builds
// too (it has no host-only flag for macros yet; `-Xbuild-tools-swiftc` reaches only manifests and plugins), so
// swift-syntax and the macro are built with `-sanitize=fuzzer,address -parse-as-library` like everything
// else. That works: the macro's `@main` stays the entry point (SwiftPM aliases `main` to it, as for the targets
// below, so libFuzzer's `main` is never linked and `LLVMFuzzerTestOneInput` is never needed), and the address
// sanitizer only makes the plugin slower. The cost is build time: a clean build compiles an instrumented
// swift-syntax in release mode, several minutes on two cores (docs/fuzzing.md has the numbers). Building the
// macro without the flags would need a second scratch path and a prebuilt plugin path, for no gain in what
// is fuzzed: no fuzz target uses the macros.
let sdkFuzzTargets = ["FuzzReplay", "FuzzHistoryJSON"]

// SwiftPM names a path dependency after its directory, which differs between checkouts.
let rootIdentity = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "KeelFuzz",
    platforms: [.macOS(.v15)],
    products: (fuzzTargets + engineFuzzTargets + sdkFuzzTargets).map { .executable(name: $0, targets: [$0]) } + [
        .executable(name: "FuzzSeeds", targets: ["FuzzSeeds"])
    ],
    dependencies: [
        .package(path: "..")
    ],
    targets: fuzzTargets.map { name in
        .executableTarget(name: name, dependencies: ["FuzzSupport", "CLibFuzzer"])
    }
        + engineFuzzTargets.map { name in
            .executableTarget(
                name: name,
                dependencies: ["CLibFuzzer", .product(name: "KeelEngine", package: rootIdentity)]
            )
        }
        + sdkFuzzTargets.map { name in
            .executableTarget(
                name: name,
                dependencies: [
                    "CLibFuzzer", .product(name: "Keel", package: rootIdentity),
                    .product(name: "KeelEngine", package: rootIdentity),
                ]
            )
        } + [
            .target(name: "CLibFuzzer"),
            .target(
                name: "FuzzSupport",
                dependencies: [.product(name: "KeelLog", package: rootIdentity)]
            ),
            .executableTarget(
                name: "FuzzSeeds",
                dependencies: ["FuzzSupport", .product(name: "KeelLog", package: rootIdentity)]
            ),
        ],
    swiftLanguageModes: [.v6]
)
