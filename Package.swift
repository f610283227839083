// swift-tools-version:6.0
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
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
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
        .target(
            name: "Keel",
            dependencies: ["KeelEngine"]
        ),
        .executableTarget(
            name: "keel",
            dependencies: [
                "KeelLog",
                "KeelTimer",
                "KeelEngine",
                "Keel",
                "CSQLite",
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
        .testTarget(
            name: "KeelEngineTests",
            dependencies: ["KeelEngine", "KeelLog", "KeelTimer"]
        ),
        .testTarget(
            name: "KeelTests",
            dependencies: ["Keel", "KeelEngine", "KeelLog"]
        ),
        .testTarget(
            name: "KeelCLITests",
            dependencies: ["KeelLog"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
