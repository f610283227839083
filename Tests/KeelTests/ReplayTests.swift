import Foundation
import Keel
import KeelEngine
import Testing

@Suite("Replay: runs rebuilt from history behave as the first time", .timeLimit(.minutes(2)))
struct ReplayTests {
    @Test func everyTaskReplayedFromHistoryGivesTheSameResultAndRunsNoActivityTwice() async throws {
        let env = try TestEnvironment.start()
        let log = CallLog()
        env.addWorker(
            taskQueue: "q", workflows: [GreetingWorkflow.self, ConcurrentWorkflow.self],
            activities: [GreetingActivities(log: log)],
            options: WorkerOptions(taskQueue: "q", cacheSize: 0, logSink: { _ in }))
        let greeting = try await env.client.executeWorkflow(
            GreetingWorkflow.self, input: "Ada", options: WorkflowOptions(id: "g", taskQueue: "q"))
        #expect(greeting == ["Hello, Ada!", "Hello, Ada again!"])
        let concurrent = try await env.client.startWorkflow(
            ConcurrentWorkflow.self, options: WorkflowOptions(id: "c", taskQueue: "q"))
        #expect(try await concurrent.result() == ["Hello, a!", "Hello, b!", "Hello, c!", "Hello, d!", "Hello, e!"])
        #expect(try !concurrent.hasEvent(.workflowTaskFailed))
        #expect(log.count("greet") == 7)
        try await env.shutdown()
    }

    @Test func sideEffectsLocalActivitiesAndRandomValuesAreRecordedOnceAndReplayed() async throws {
        let env = try TestEnvironment.start()
        let log = CallLog()
        env.addWorker(
            taskQueue: "q", workflows: [DeterminismWorkflow.self], activities: [GreetingActivities(log: log)],
            options: WorkerOptions(taskQueue: "q", cacheSize: 0, logSink: { _ in }))
        let before = sideEffectRuns.withLock { $0 }
        let handle = try await env.client.startWorkflow(
            DeterminismWorkflow.self, options: WorkflowOptions(id: "d", taskQueue: "q"))
        let result = try await handle.result()
        #expect(sideEffectRuns.withLock { $0 } - before == 1)
        #expect(log.count("greet local") == 1)
        #expect(result[3] == "true")
        #expect(result[4] == "Hello, local!")
        #expect(result[1] != result[5])
        #expect(try !handle.hasEvent(.workflowTaskFailed))
        let markers = try handle.history().compactMap { event -> String? in
            if case .markerRecorded(let marker) = event.attributes { return marker.markerName }
            return nil
        }
        #expect(markers == ["SideEffect", "Patch", "LocalActivity"])
        try await env.shutdown()
    }

    @Test func codeThatNoLongerMatchesHistoryFailsTheTaskNotTheRunAndFixedCodeGoesOn() async throws {
        let env = try TestEnvironment.start()
        let log = CallLog()
        let quiet = WorkerOptions(taskQueue: "q", cacheSize: 0, logSink: { _ in })
        let first = env.addWorker(
            taskQueue: "q", workflows: [VersionOne.self], activities: [GreetingActivities(log: log)], options: quiet)
        let handle = try await env.client.startWorkflow(
            VersionOne.self, options: WorkflowOptions(id: "v", taskQueue: "q"))
        try await waitUntil("the workflow sleeps") { try handle.hasEvent(.timerStarted) }
        first.shutdown()
        let second = env.addWorker(
            taskQueue: "q", workflows: [VersionTwo.self], activities: [GreetingActivities(log: log)], options: quiet)
        await env.skip(by: .seconds(3_601))
        try await waitUntil("the workflow task fails") { try handle.hasEvent(.workflowTaskFailed) }
        let failure = try handle.history().compactMap { event -> Failure? in
            if case .workflowTaskFailed(let failed) = event.attributes { return failed.failure }
            return nil
        }.first
        let message = failure?.message ?? ""
        #expect(message.contains("nondeterminism in workflow Versioned at event 5"), "\(message)")
        #expect(message.contains("ActivityTaskScheduled(Greet, id 1)"), "\(message)")
        #expect(message.contains("StartTimer"), "\(message)")
        let description = try handle.describe()
        #expect(description.record.status == .running)
        second.shutdown()
        env.addWorker(
            taskQueue: "q", workflows: [VersionOne.self], activities: [GreetingActivities(log: log)], options: quiet)
        #expect(try await handle.result() == "done")
        #expect(log.count("greet v1") == 1)
        try await env.shutdown()
    }

    @Test func theReplayerAcceptsMatchingCodeAndNamesTheFirstDisagreement() async throws {
        let env = try TestEnvironment.start()
        let log = CallLog()
        env.addWorker(
            taskQueue: "q", workflows: [VersionOne.self, ParentWorkflow.self, ChildDoubler.self],
            activities: [GreetingActivities(log: log)])
        let versioned = try await env.client.startWorkflow(
            VersionOne.self, options: WorkflowOptions(id: "v", taskQueue: "q"))
        _ = try await versioned.result()
        let parent = try await env.client.startWorkflow(
            ParentWorkflow.self, input: 2, options: WorkflowOptions(id: "p", taskQueue: "q"))
        _ = try await parent.result()
        let history = try versioned.history()
        let parentHistory = try parent.history()
        try await env.shutdown()

        try await WorkflowReplayer(workflows: [VersionOne.self]).replay(history)
        try await WorkflowReplayer(workflows: [VersionOne.self]).replay(json: HistoryJSON.encode(history))
        await #expect(throws: NondeterminismError.self) {
            try await WorkflowReplayer(workflows: [VersionTwo.self]).replay(json: HistoryJSON.encode(history))
        }
        try await WorkflowReplayer(workflows: [ParentWorkflow.self]).replay(parentHistory, workflowID: "p")
        let error = await #expect(throws: NondeterminismError.self) {
            try await WorkflowReplayer(workflows: [VersionTwo.self]).replay(history)
        }
        #expect(error?.eventID == 5)
        #expect(error?.workflowType == "Versioned")
        // A history cut short after the first task replays as far as it goes.
        try await WorkflowReplayer(workflows: [VersionOne.self]).replay(Array(history.prefix(6)))
        await #expect(throws: ReplayError.self) {
            try await WorkflowReplayer(workflows: [ChildDoubler.self]).replay(history)
        }
    }

    @Test func theWorkflowLoggerIsQuietWhileTheCodeReplays() async throws {
        let env = try TestEnvironment.start()
        let lines = CallLog()
        env.addWorker(
            taskQueue: "q", workflows: [LoggingWorkflow.self],
            options: WorkerOptions(taskQueue: "q", cacheSize: 0, logSink: { lines.record($0) }))
        _ = try await env.client.executeWorkflow(
            LoggingWorkflow.self, input: Nothing(), options: WorkflowOptions(id: "log", taskQueue: "q"))
        #expect(lines.all.filter { $0.contains("the sleep") }.count == 2, "\(lines.all)")
        #expect(lines.count("[LoggingWorkflow log] before the sleep") == 1)
        #expect(lines.count("[LoggingWorkflow log] after the sleep") == 1)
        try await env.shutdown()
    }

    @Test func runsAWorkerDropsAreTornDownAndFreed() async throws {
        let env = try TestEnvironment.start()
        env.addWorker(
            taskQueue: "sleepy", workflows: [SleepyWorkflow.self],
            options: WorkerOptions(taskQueue: "sleepy", cacheSize: 0, logSink: { _ in }))
        _ = try await env.client.executeWorkflow(
            SleepyWorkflow.self, input: Nothing(), options: WorkflowOptions(id: "sleepy", taskQueue: "sleepy"))
        try await env.shutdown()
        // Every task built the run anew from history and dropped it; each instance was suspended on a
        // timer when dropped, and each must be freed.
        let created = sleepyInits.withLock { $0 }
        #expect(created >= 3)
        try await waitUntil("every dropped run is freed") { sleepyDeinits.withLock { $0 } == created }
    }
}
