import ArgumentParser
import Foundation

/// The `keel` command and its subcommands.
struct Keel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keel",
        abstract: "Keel: durable execution in one binary and one data file.",
        subcommands: [
            DemoCommand.self, ExampleCommand.self, LogCommand.self, BenchCommand.self, AppendChildCommand.self,
            TortureCommand.self,
        ]
    )
}

/// The entry point. An async command runs as a Swift task. A synchronous command (every benchmark)
/// runs on a thread of its own, and the main task waits for it without holding a thread: a
/// synchronous command that waits for async work (`BlockingAsync`) would otherwise block one of the
/// cooperative pool's threads, which are as many as the cores, for the whole run.
@main
enum KeelMain {
    static func main() async {
        do {
            let command = try Keel.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try await OwnThread.run {
                    var syncCommand = command
                    try syncCommand.run()
                }
            }
        } catch {
            Keel.exit(withError: error)
        }
    }
}

/// Runs synchronous work on a new thread and suspends the calling task until it returns.
enum OwnThread {
    private final class Job: @unchecked Sendable {
        // Set before the thread starts; the thread resumes it exactly once.
        var body: () throws -> Void
        var continuation: UnsafeContinuation<Result<Void, any Error>, Never>?
        init(_ body: sending @escaping () throws -> Void) { self.body = body }
    }

    /// Runs `body` on a thread of its own, with a main thread's 8 MiB of stack, and returns once it
    /// returned.
    ///
    /// - Throws: what `body` threw.
    static func run(_ body: sending @escaping () throws -> Void) async throws {
        let job = Job(body)
        let result = await withUnsafeContinuation { continuation in
            job.continuation = continuation
            let thread = Thread {
                let result = Result { try job.body() }
                job.continuation?.resume(returning: result)
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        try result.get()
    }
}
