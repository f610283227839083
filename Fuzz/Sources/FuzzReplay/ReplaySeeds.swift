import Foundation
import Keel
import KeelEngine

/// Writes the seed corpora of `FuzzReplay` and `FuzzHistoryJSON`: real histories of the harness's workflows,
/// recorded by running them on a `TestEnvironment` (its clock skips, so the days they sleep take no time).
///
/// Each history is written plain (ids renumbered, no edits) and with a few edits, and as a pretty and a
/// compact JSON export. Every history must replay cleanly through `ReplayHarness`'s replayer before it is
/// written, so a seed that no longer matches the workflows' code stops the generator.
enum ReplaySeeds {
    static func write(into corpus: String) async throws {
        let histories = try await record()
        let replayDirectory = corpus + "/FuzzReplay"
        let jsonDirectory = corpus + "/FuzzHistoryJSON"
        for directory in [replayDirectory, jsonDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for (name, workflowID, events) in histories {
            do {
                try await ReplayHarness.replayer.replay(events, workflowID: workflowID)
            } catch {
                throw SeedError(description: "the recorded history \(name) does not replay: \(error)")
            }
            guard let idIndex = ReplayInput.workflowIDs.firstIndex(of: workflowID) else {
                throw SeedError(description: "workflow id \(workflowID) of \(name) is not one the input can choose")
            }
            let flags = UInt8(idIndex << 2) | 0b1
            let count = UInt8(truncatingIfNeeded: events.count)
            let variants: [(String, [UInt8])] = [
                (name, ReplayInput.encode(events, flags: flags)),
                // Ids as recorded, and a record that fails to decode ends the history.
                (name + "-raw-ids", ReplayInput.encode(events, flags: flags & ~0b1 | 0b10)),
                // The last event repeated, two events swapped, one retyped as a timer that fired.
                (
                    name + "-edited",
                    ReplayInput.encode(events, flags: flags, edits: [1, count &- 1, 0, 2, 3, 5, 4, 6, 17])
                ),
                // The history cut after its first workflow task, then a signal's attributes grafted on.
                (name + "-cut", ReplayInput.encode(events, flags: flags, edits: [6, 4, 0])),
            ]
            for (fileName, bytes) in variants {
                try Data(bytes).write(to: URL(fileURLWithPath: replayDirectory + "/" + fileName))
            }
            try Data(HistoryJSON.encode(events)).write(to: URL(fileURLWithPath: jsonDirectory + "/\(name).json"))
            try Data(HistoryJSON.encode(events, pretty: false)).write(
                to: URL(fileURLWithPath: jsonDirectory + "/\(name)-compact.json"))
            print("FuzzReplay: wrote seeds of \(name) (\(events.count) events)")
        }
    }

    /// Runs every workflow through the situations that make its history interesting; returns each run's
    /// name, workflow id and history.
    static func record() async throws -> [(String, WorkflowID, [HistoryEvent])] {
        let environment = try TestEnvironment.start()
        try await environment.engine.registerNamespace(
            NamespaceSettings(
                name: "default", retention: .seconds(3_650 * 86_400), searchAttributes: ["Lane": .keyword]))
        environment.addWorker(taskQueue: "shop", workflows: replayWorkflows, activities: [ShopActivities()])
        let client = environment.client
        func options(_ id: WorkflowID) -> WorkflowOptions { WorkflowOptions(id: id, taskQueue: "shop") }
        var histories: [(String, WorkflowID, [HistoryEvent])] = []

        // An order approved by a signal, with a note and an amount changed by an update.
        let order = try await client.startWorkflow(
            OrderWorkflow.self, input: Order(id: "o-1", amount: 12, items: ["cup", "pot", "pan"], express: false),
            options: options("order"))
        _ = try await order.update(OrderWorkflow.setAmount, 15)
        try await order.signal(OrderWorkflow.note, "fragile")
        try await order.signal(OrderWorkflow.approve, true)
        _ = try await order.result()
        print("FuzzReplay: recorded \(histories.count + 1) histories")
        histories.append(("order-approved", "order", try order.history()))

        // An express order nobody approves: the condition times out.
        let express = try await client.startWorkflow(
            OrderWorkflow.self, input: Order(id: "o-2", amount: 3, items: ["lamp"], express: true),
            options: options("replay"))
        _ = try await express.result()
        print("FuzzReplay: recorded \(histories.count + 1) histories")
        histories.append(("order-express-timeout", "replay", try express.history()))

        // A parent whose external signal and cancellation reach another run, continued as new once.
        let other = try await client.startWorkflow(
            CancellableWorkflow.self, input: 100, options: options("other-order"))
        let parent = try await client.startWorkflow(ParentWorkflow.self, input: 1, options: options("parent"))
        _ = try await parent.result()
        _ = try? await other.result()
        print("FuzzReplay: recorded \(histories.count + 1) histories")
        histories.append(("parent-continued", "parent", try parent.history()))
        let continued = client.handle(ParentWorkflow.self, id: "parent")
        print("FuzzReplay: recorded \(histories.count + 1) histories")
        histories.append(("parent-last-run", "parent", try continued.history()))
        let child = client.handle(ChildWorkflow.self, id: "child-first")
        print("FuzzReplay: recorded \(histories.count + 1) histories")
        histories.append(("child", "replay", try child.history()))
        print("FuzzReplay: recorded \(histories.count + 1) histories")
        histories.append(("canceled-by-parent", "cancellable", try other.history()))

        // A run canceled while it waits on activities of each cancellation type and a timer.
        let cancellable = try await client.startWorkflow(
            CancellableWorkflow.self, input: 250, options: options("cancellable"))
        try await waitUntil { try cancellable.history().count { $0.eventType == .activityTaskScheduled } >= 3 }
        try await cancellable.cancel(reason: "customer changed their mind")
        _ = try? await cancellable.result()
        print("FuzzReplay: recorded \(histories.count + 1) histories")
        histories.append(("cancellable-canceled", "cancellable", try cancellable.history()))

        try await environment.shutdown()
        return histories
    }

    /// Polls `condition` until it holds, for up to ten seconds of real time.
    static func waitUntil(_ condition: () throws -> Bool) async throws {
        for _ in 0..<1_000 {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SeedError(description: "expected a recorded run to reach its waiting point within 10 s; it did not")
    }
}

/// Why the seeds could not be written.
struct SeedError: Error, CustomStringConvertible {
    var description: String
}
