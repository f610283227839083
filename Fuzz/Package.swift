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

// SwiftPM names a path dependency after its directory, which differs between checkouts.
let rootIdentity = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "KeelFuzz",
    platforms: [.macOS(.v15)],
    products: (fuzzTargets + engineFuzzTargets).map { .executable(name: $0, targets: [$0]) } + [
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
