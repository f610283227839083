import CLibFuzzer
import Dispatch
import Keel
import KeelEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs libFuzzer over `ReplayHarness`: `FuzzReplay [libFuzzer flags] [corpus directories or input files]`.
///
/// `FuzzReplay --write-seeds DIRECTORY` instead records real histories of the harness's workflows and
/// writes them as seeds into `DIRECTORY/FuzzReplay` (and, as JSON exports, `DIRECTORY/FuzzHistoryJSON`).
@main
enum FuzzReplayMain {
    static func main() {
        let arguments = CommandLine.arguments
        if arguments.count == 3, arguments[1] == "--write-seeds" {
            let directory = arguments[2]
            let status = waitFor {
                do {
                    try await ReplaySeeds.write(into: directory)
                    return 0
                } catch {
                    print("FuzzReplay: writing seeds failed: \(error)")
                    return 1
                }
            }
            exit(status)
        }
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

/// Runs `body` as a task on Swift's cooperative pool and blocks this thread until it returns its value.
func waitFor(_ body: @escaping @Sendable () async -> Int32) -> Int32 {
    let done = DispatchSemaphore(value: 0)
    let result = ResultBox()
    Task {
        result.value = await body()
        done.signal()
    }
    done.wait()
    return result.value
}

/// Carries a task's result to the thread that waits for it; the semaphore orders the write before the read.
final class ResultBox: @unchecked Sendable {
    var value: Int32 = 0
}

/// Runs one input through `ReplayHarness`; libFuzzer's per-input entry point.
///
/// libFuzzer calls it on its own thread and expects the input to be done when it returns, while replay is
/// asynchronous: the input runs as a task on Swift's cooperative pool and this thread waits for it.
///
/// The task takes the input out of a box and drops it before it signals this thread. Captured directly,
/// the input would be freed only when the task itself is destroyed, after the signal, while libFuzzer's
/// leak check may already be scanning the heap: half-destroyed events then look leaked.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let box = InputBox(ReplayInput(UnsafeRawBufferPointer(start: start, count: count)))
    _ = waitFor {
        await ReplayHarness.run(box.take())
        return 0
    }
    return 0
}

/// Hands one input to the task that replays it, so that the task alone owns it.
final class InputBox: @unchecked Sendable {
    private var input: ReplayInput?

    init(_ input: ReplayInput) { self.input = input }

    /// Returns the input and forgets it; called once.
    func take() -> ReplayInput {
        defer { input = nil }
        return input!
    }
}

/// Turns LeakSanitizer off for this target when `FUZZ_REPLAY_LEAKS=0`; the sanitizer's runtime looks for
/// this function. Leak checks are on by default.
///
/// Two leak findings are fixed. A `CommandEntry`'s `onMatched` closure held its operation and the
/// operation held the entry, so every replayed run leaked (`SDKFuzzFindingsTests.replayFreesTheRunItReplayed`).
/// And about one input in half a million reported a few hundred bytes of decoded events as leaked: the
/// replay task freed its input only after signalling, while the leak check already ran (see `InputBox`).
@_cdecl("__lsan_is_turned_off")
public func leakSanitizerIsTurnedOff() -> CInt {
    getenv("FUZZ_REPLAY_LEAKS").map { String(cString: $0) == "0" } ?? false ? 1 : 0
}

/// Replays arbitrary histories through the SDK's `WorkflowReplayer` against the workflows of
/// `ReplayWorkflows.swift` (which issue every command kind): the history's events are matched against the
/// commands the code issues, and its activity, child, signal, update and marker payloads are decoded into
/// the code's types by the data converter.
///
/// Input: `ReplayInput`'s encoding (event records and edits).
///
/// Checked besides "no crash or hang": replay either succeeds or throws `NondeterminismError` or
/// `ReplayError`, the replayer's typed errors; any other error escaping `replay` is a bug.
enum ReplayHarness {
    static let replayer = WorkflowReplayer(workflows: replayWorkflows)

    static func run(_ input: ReplayInput) async {
        if isVerbose { describe(input) }
        do {
            try await replayer.replay(input.events, workflowID: input.workflowID)
            if isVerbose { report("replayed") }
        } catch let error as NondeterminismError {
            if isVerbose { report("NondeterminismError: \(error)") }
        } catch let error as ReplayError {
            if isVerbose { report("ReplayError: \(error)") }
        } catch {
            fatalError(
                "expected replay to succeed or throw NondeterminismError or ReplayError, found \(type(of: error)): \(error)"
            )
        }
    }

    /// Prints the history an input stands for to standard error (`FUZZ_REPLAY_VERBOSE=1`).
    static func describe(_ input: ReplayInput) {
        var text = "workflow id \(input.workflowID.rawValue), \(input.events.count) events\n"
        for event in input.events {
            text += "  \(event.eventID) \(event.eventType): \(event.attributes)\n"
        }
        report(text)
    }

    /// Writes `text` and a newline to standard error.
    static func report(_ text: String) {
        var line = text.hasSuffix("\n") ? text : text + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// Whether `FUZZ_REPLAY_VERBOSE=1` asks for each input's history on standard error.
    static let isVerbose = getenv("FUZZ_REPLAY_VERBOSE").map { String(cString: $0) == "1" } ?? false
}
