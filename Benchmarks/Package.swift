// swift-tools-version:6.1
import PackageDescription

import class Foundation.ProcessInfo

// Benchmarks of the Keel storage layer, in their own package so that the benchmark framework and its
// malloc interposer stay out of the root package. Run with
// `swift package --package-path Benchmarks benchmark` (see README.md).

// Allocation counts come from the framework's malloc interposer (trait `MallocInterposer`; nothing to
// install, no jemalloc). Setting BENCHMARK_DISABLE_MALLOC_INTERPOSER, or its older alias
// BENCHMARK_DISABLE_JEMALLOC, builds without it. The framework's other default trait,
// `RuntimeInterposer`, is left out on purpose.
let environment = ProcessInfo.processInfo.environment
let mallocInterposerDisabled =
    environment["BENCHMARK_DISABLE_MALLOC_INTERPOSER"] != nil || environment["BENCHMARK_DISABLE_JEMALLOC"] != nil
let benchmarkTraits: Set<Package.Dependency.Trait> = mallocInterposerDisabled ? [] : ["MallocInterposer"]

let package = Package(
    name: "KeelBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, so that the product reference below does not depend on the checkout's folder name.
        .package(name: "Keel", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: benchmarkTraits),
    ],
    targets: [
        .executableTarget(
            name: "KeelLogBenchmarks",
            dependencies: [
                .product(name: "KeelLog", package: "Keel"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/KeelLogBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
