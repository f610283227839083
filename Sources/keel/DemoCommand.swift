import ArgumentParser
import Foundation
import Keel
import KeelEngine
import KeelExamples

/// `keel demo`: two durable workflows survive a SIGKILL of the process that runs them.
///
/// A worker process runs a money transfer (withdraw, a hold, deposit) and the 30-day customer
/// onboarding (welcome, wait 7 days, nudge, wait 23 days, win-back) in an embedded engine on one
/// data file. The demo kills that process with SIGKILL while both workflows wait on durable timers,
/// starts a new worker process on the same file, and shows each workflow finishing from where its
/// history stopped: no step runs twice, and the timers fire on time. Demo days are short.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run two workflows, kill their worker with SIGKILL midway, restart it and watch them finish."
    )

    @Option(help: "Directory for the data file (default: a new temporary directory, removed afterwards).")
    var path: String?

    @Flag(help: "Keep the data file afterwards.") var keep = false

    @Option(help: "How long one demo day lasts, in milliseconds.") var dayMilliseconds = 300

    @Flag(help: .hidden) var worker = false
    @Option(help: .hidden) var file: String?
    @Option(help: .hidden) var number = 1

    func validate() throws {
        guard (10...60_000).contains(dayMilliseconds) else {
            throw ValidationError("expected --day-milliseconds from 10 to 60000, found \(dayMilliseconds)")
        }
    }

    func run() async throws {
        let day = Duration.milliseconds(dayMilliseconds)
        if worker {
            try await DemoWorker.run(file: file ?? "keel-demo.keel", number: number, day: day)
            return
        }
        let directory = path ?? (NSTemporaryDirectory() + "keel-demo-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let dataFile = directory + "/demo.keel"
        defer {
            if !keep && path == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        try await DemoSupervisor(dataFile: dataFile, day: day).run()
        if keep || path != nil {
            print("The data file is kept: \(dataFile)  (try: keel log verify \(dataFile))")
        }
    }
}

/// What the demo runs, shared by the supervisor and the worker processes.
enum DemoPlan {
    static let transferID: WorkflowID = "transfer-alice-bob"
    static let onboardingID: WorkflowID = "onboarding-ada"
    static let workflows: [(id: WorkflowID, label: String)] = [(transferID, "transfer"), (onboardingID, "onboarding")]

    static func transfer(day: Duration) -> TransferRequest {
        TransferRequest(from: "alice", to: "bob", amount: 25_00, hold: day * 5)
    }

    static func onboarding(day: Duration) -> OnboardingInput {
        OnboardingInput(customerID: "ada", email: "ada@example.com", nudgeAfter: day * 7, winBackAfter: day * 23)
    }
}

/// The supervisor: starts the worker process, kills it midway, starts another, and narrates.
struct DemoSupervisor {
    let dataFile: String
    let day: Duration

    func run() async throws {
        let ms = day.components.seconds * 1_000 + day.components.attoseconds / 1_000_000_000_000_000
        print("Keel demo: two workflows in an embedded engine, one data file, one SIGKILL.")
        print("  data file: \(dataFile)")
        print("  one demo day lasts \(ms) ms of wall time")
        print("")
        print("  transfer   move 25.00 from alice to bob: withdraw, hold the money 5 days, deposit")
        print("  onboarding welcome ada, wait 7 days, nudge her, wait 23 days, send a win-back offer")
        print("")
        print("1. Worker process 1 starts both workflows and runs them. Each line is an event of a")
        print("   workflow's history, printed once the engine has written it durably.")
        var seen = Set<String>()
        var firstPID: Int32 = 0
        let first = try DemoProcess.start(dataFile: dataFile, number: 1, day: day)
        firstPID = first.pid
        var timersStarted = Set<String>()
        var killed = false
        for line in first.lines() {
            guard let event = DemoEventLine(line) else { continue }
            if seen.insert(event.key).inserted, event.isWorthTelling { print(event.narration(day: day)) }
            if event.type == "TimerStarted" { timersStarted.insert(event.workflowID) }
            if !killed && timersStarted.count == DemoPlan.workflows.count {
                first.kill()
                killed = true
                print("")
                print("2. Both workflows now wait on durable timers. The demo kills worker process 1")
                print("   (pid \(firstPID)) with SIGKILL, as a power cut or an out-of-memory kill would.")
            }
        }
        let firstStatus = first.wait()
        guard killed else {
            throw ValidationError("worker process 1 ended (status \(firstStatus)) before the demo could kill it")
        }
        print("")
        print("3. Worker process 2 opens the same file. The engine recovers every run from its history;")
        print("   the worker replays the workflow code against it and goes on where it stopped.")
        let second = try DemoProcess.start(dataFile: dataFile, number: 2, day: day)
        var summary: [String] = []
        for line in second.lines() {
            if let event = DemoEventLine(line) {
                if seen.insert(event.key).inserted, event.isWorthTelling { print(event.narration(day: day)) }
            } else if line.hasPrefix("RESULT\t") {
                summary.append(String(line.dropFirst(7)))
            }
        }
        let secondStatus = second.wait()
        guard secondStatus == 0 else {
            throw ValidationError("worker process 2 failed with status \(secondStatus)")
        }
        print("")
        print("4. Both workflows finished. What ran where, read back from the data file:")
        try await report(firstPID: firstPID, secondPID: second.pid)
        for line in summary { print("   \(line)") }
    }

    /// Prints each workflow's activities with the worker that ran them, and checks nothing ran twice.
    private func report(firstPID: Int32, secondPID: Int32) async throws {
        let engine = try Engine.open(path: dataFile)
        defer { Task { try? await engine.close() } }
        var problems: [String] = []
        for (id, label) in DemoPlan.workflows {
            let history = try engine.history(execution: WorkflowExecution(workflowID: id, runID: ""))
            let start = history.first?.time ?? .epoch
            var scheduled: [Int64: String] = [:]
            var runs: [Int64: Int] = [:]
            print(
                "   \(label) (\(history.count) events, closed with \(history.last?.eventType.description ?? "nothing")):"
            )
            for event in history {
                switch event.attributes {
                case .activityTaskScheduled(let attributes):
                    scheduled[event.eventID] = attributes.activityType
                case .activityTaskStarted(let started):
                    let type = scheduled[started.scheduledEventID] ?? "?"
                    runs[started.scheduledEventID, default: 0] += 1
                    let when = DemoEventLine.days(event.time - start, day: day)
                    print(
                        "     \(type.padding(toLength: 10, withPad: " ", startingAt: 0)) \(when)  ran by \(started.identity)"
                    )
                case .timerFired:
                    print("     timer      \(DemoEventLine.days(event.time - start, day: day))  fired")
                default:
                    break
                }
            }
            for (scheduledEventID, type) in scheduled.sorted(by: { $0.key < $1.key }) where runs[scheduledEventID] != 1
            {
                problems.append(
                    "\(label): \(type) (event \(scheduledEventID)) completed \(runs[scheduledEventID] ?? 0) times")
            }
        }
        print(
            problems.isEmpty
                ? "   Each activity completed once. Steps done before the kill (pid \(firstPID)) were not run again by pid \(secondPID):"
                : "   PROBLEM: \(problems.joined(separator: "; "))")
    }
}

/// One `EVENT` line a worker process prints: a workflow's history event.
struct DemoEventLine {
    var workflowID: String
    var eventID: Int64
    var sinceStart: Duration
    var type: String
    var detail: String

    init?(_ line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 6, fields[0] == "EVENT", let eventID = Int64(fields[2]), let nanos = Int64(fields[3])
        else { return nil }
        workflowID = fields[1]
        self.eventID = eventID
        sinceStart = .nanoseconds(nanos)
        type = fields[4]
        detail = fields[5]
    }

    var key: String { "\(workflowID)#\(eventID)" }

    /// Whether a newcomer learns from the event; routine workflow task bookkeeping is left out.
    var isWorthTelling: Bool {
        !["WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted"].contains(type)
    }

    static func days(_ elapsed: Duration, day: Duration) -> String {
        let value = Double(elapsed.nanoseconds) / Double(day.nanoseconds)
        return "day " + String(format: "%4.1f", value)
    }

    func narration(day: Duration) -> String {
        let label = DemoPlan.workflows.first { $0.id.rawValue == workflowID }?.label ?? workflowID
        let name = label.padding(toLength: 10, withPad: " ", startingAt: 0)
        let number = String(eventID).padding(toLength: 3, withPad: " ", startingAt: 0)
        return "   \(name) #\(number) \(Self.days(sinceStart, day: day))  \(type)\(detail.isEmpty ? "" : "  \(detail)")"
    }
}

/// A worker process of the demo and its output.
final class DemoProcess: @unchecked Sendable {
    private let process: Process
    private let output: Pipe

    private init(process: Process, output: Pipe) {
        self.process = process
        self.output = output
    }

    var pid: Int32 { process.processIdentifier }

    static func start(dataFile: String, number: Int, day: Duration) throws -> DemoProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let ms = day.components.seconds * 1_000 + day.components.attoseconds / 1_000_000_000_000_000
        process.arguments = [
            "demo", "--worker", "--file", dataFile, "--number", String(number), "--day-milliseconds", String(ms),
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        return DemoProcess(process: process, output: output)
    }

    /// The process's output lines until it exits or is killed.
    func lines() -> AnySequence<String> {
        let handle = output.fileHandleForReading
        var pending = ""
        var ready: [String] = []
        return AnySequence(
            AnyIterator {
                while ready.isEmpty {
                    let data = handle.availableData
                    if data.isEmpty { return nil }
                    pending += String(decoding: data, as: UTF8.self)
                    while let newline = pending.firstIndex(of: "\n") {
                        ready.append(String(pending[pending.startIndex..<newline]))
                        pending = String(pending[pending.index(after: newline)...])
                    }
                }
                return ready.removeFirst()
            })
    }

    func kill() { _ = Foundation.kill(process.processIdentifier, SIGKILL) }

    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A worker process: opens the data file, starts the workflows unless they exist, runs them, and
/// prints every history event as it is written.
enum DemoWorker {
    static func run(file: String, number: Int, day: Duration) async throws {
        let runtime = try KeelRuntime.open(path: file)
        let identity = "worker process \(number) (pid \(getpid()))"
        let quiet: @Sendable (String) -> Void = { _ in }
        let bank = Bank(balances: MoneyTransferExample.openingBalances)
        let outbox = Outbox()
        runtime.addWorker(
            taskQueue: MoneyTransferExample.taskQueue, workflows: [TransferWorkflow.self],
            activities: [BankActivities(bank: bank)],
            options: WorkerOptions(taskQueue: MoneyTransferExample.taskQueue, identity: identity, logSink: quiet))
        runtime.addWorker(
            taskQueue: OnboardingExample.taskQueue, workflows: [OnboardingWorkflow.self],
            activities: [OnboardingActivities(mailer: outbox)],
            options: WorkerOptions(taskQueue: OnboardingExample.taskQueue, identity: identity, logSink: quiet))
        let client = runtime.client
        // Starting again finds the run that is already there (the id conflict policy says so).
        let transfer = try await client.startWorkflow(
            TransferWorkflow.self, input: DemoPlan.transfer(day: day),
            options: WorkflowOptions(
                id: DemoPlan.transferID, taskQueue: MoneyTransferExample.taskQueue, idConflictPolicy: .useExisting))
        let onboarding = try await client.startWorkflow(
            OnboardingWorkflow.self, input: DemoPlan.onboarding(day: day),
            options: WorkflowOptions(
                id: DemoPlan.onboardingID, taskQueue: OnboardingExample.taskQueue, idConflictPolicy: .useExisting))
        let printer = Task { await printEvents(client: client) }
        let receipt = try await transfer.result()
        let progress = try await onboarding.result()
        printer.cancel()
        var printed = await printer.value
        printNewEvents(client: client, printed: &printed)
        let ran =
            bank.journal.map { "\($0.operation) \($0.account)" } + outbox.sent.map { "email \($0.email.kind)" }
        emit("RESULT\tWorker process \(number) itself ran: \(ran.joined(separator: ", ")).")
        emit(
            "RESULT\tThe transfer's receipt: \(receipt.withdrawal.amount) cents withdrawn from alice, \(receipt.deposit.amount) deposited into bob."
        )
        emit("RESULT\tOnboarding sent ada: \(progress.emails.map { "\($0.kind)" }.joined(separator: ", ")).")
        try await runtime.shutdown()
    }

    /// Prints new events every 10 ms until canceled; returns the last event printed per workflow.
    private static func printEvents(client: KeelClient) async -> [WorkflowID: Int64] {
        var printed: [WorkflowID: Int64] = [:]
        while !Task.isCancelled {
            printNewEvents(client: client, printed: &printed)
            try? await Task.sleep(for: .milliseconds(10))
        }
        return printed
    }

    private static func printNewEvents(client: KeelClient, printed: inout [WorkflowID: Int64]) {
        for (id, _) in DemoPlan.workflows {
            guard let history = try? client.engine.history(execution: WorkflowExecution(workflowID: id, runID: ""))
            else { continue }
            let start = history.first?.time ?? .epoch
            for event in history where event.eventID > printed[id, default: 0] {
                let elapsed = (event.time - start).nanoseconds
                emit("EVENT\t\(id)\t\(event.eventID)\t\(elapsed)\t\(event.eventType)\t\(detail(event))")
                printed[id] = event.eventID
            }
        }
    }

    private static func detail(_ event: HistoryEvent) -> String {
        switch event.attributes {
        case .activityTaskScheduled(let a): a.activityType
        case .activityTaskStarted(let a): "by \(a.identity)"
        case .timerStarted(let a): "for \(a.startToFireTimeout)"
        case .workflowTaskStarted(let a): "by \(a.identity)"
        case .workflowTaskFailed(let a): "\(a.cause): \(a.failure?.message ?? "")"
        default: ""
        }
    }
}
