// swift-tools-version:6.0
import CompilerPluginSupport
import PackageDescription

let package = Package(
    name: "Keel",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KeelLog", targets: ["KeelLog"]),
        .library(name: "KeelTimer", targets: ["KeelTimer"]),
        .library(name: "KeelEngine", targets: ["KeelEngine"]),
        .library(name: "Keel", targets: ["Keel"]),
        .executable(name: "keel", targets: ["keel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "602.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        .systemLibrary(
            name: "CXXHash",
            pkgConfig: "libxxhash",
            providers: [.apt(["libxxhash-dev"])]
        ),
        // The keel executable's allocator (see docs/performance.md, "The allocator").
        .systemLibrary(
            name: "CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "KeelLog",
            dependencies: ["CLZ4", "CXXHash"]
        ),
        .target(name: "KeelTimer"),
        .target(
            name: "KeelEngine",
            dependencies: ["KeelLog", "KeelTimer"]
        ),
        .macro(
            name: "KeelMacros",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ]
        ),
        .target(
            name: "Keel",
            dependencies: ["KeelEngine", "KeelMacros"]
        ),
        .target(name: "KeelExamples", dependencies: ["Keel"], path: "Examples", exclude: ["README.md"]),
        .executableTarget(
            name: "keel",
            dependencies: [
                "KeelLog",
                "KeelTimer",
                "KeelEngine",
                "Keel",
                "KeelExamples",
                "CSQLite",
                "CJemalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "KeelLogTests",
            dependencies: ["KeelLog"]
        ),
        .testTarget(
            name: "KeelTimerTests",
            dependencies: ["KeelTimer"]
        ),
        // Generators shared by several test targets (not a product; public API of KeelEngine only).
        .target(
            name: "KeelTestSupport",
            dependencies: ["KeelEngine"],
            path: "Tests/KeelTestSupport"
        ),
        .testTarget(
            name: "KeelEngineTests",
            dependencies: ["KeelEngine", "KeelLog", "KeelTimer", "KeelTestSupport"]
        ),
        .testTarget(
            name: "KeelTests",
            dependencies: ["Keel", "KeelEngine", "KeelLog", "KeelTestSupport"]
        ),
        .testTarget(
            name: "KeelMacrosTests",
            dependencies: [
                "KeelMacros",
                .product(name: "SwiftSyntaxMacrosGenericTestSupport", package: "swift-syntax"),
            ]
        ),
        .testTarget(
            name: "KeelExamplesTests",
            dependencies: ["KeelExamples", "Keel", "KeelEngine"]
        ),
        .testTarget(
            name: "KeelCLITests",
            dependencies: ["KeelLog"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
