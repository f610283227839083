import Foundation

/// Runs the real `keel` executable the way a user would.
enum KeelBinary {
    /// The built `keel` next to the test bundle (SwiftPM puts products and test bundles in one directory).
    static let url: URL = {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("keel")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        for bundle in Bundle.allBundles {
            let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("keel")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        fatalError("the keel executable was not found next to the tests; build it with `swift build` first")
    }()

    /// The result of one run.
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `keel` with `arguments` to completion, waiting on a thread of its own. `environment`
    /// entries are set on top of the test process's own environment.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Output {
        try await offPool { try runBlocking(arguments, environment: environment) }
    }

    /// Runs blocking `body` on a thread of its own and returns its result. A test that waits for a
    /// child process must not hold a thread of the cooperative pool meanwhile: the pool has one
    /// thread per core, and with two cores two such tests would stall every other test in the
    /// process (the engine simulations' watchdogs then end the run).
    static func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Runs `keel` with `arguments` to completion, blocking the calling thread.
    private static func runBlocking(_ arguments: [String], environment: [String: String]) throws -> Output {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, set in set }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}
