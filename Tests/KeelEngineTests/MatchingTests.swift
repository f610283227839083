import Testing

@testable import KeelEngine

@Suite("Task queues (matching)")
struct MatchingTests {
    let queue = QueueKey(namespace: "default", name: "q", kind: .activity)

    func task(_ workflow: String, _ id: Int64) -> MatchTask {
        .activity(
            run: RunKey(
                namespace: "default", execution: WorkflowExecution(workflowID: WorkflowID(workflow), runID: "r")),
            scheduledEventID: id, attempt: 1)
    }

    func id(_ task: MatchTask?) -> String? {
        guard case .activity(let run, let scheduledEventID, _)? = task else { return nil }
        return "\(run.execution.workflowID)#\(scheduledEventID)"
    }

    @Test func backlogIsRoundRobinAcrossWorkflows() async throws {
        let matching = Matching(pollersPerQueueMax: 10)
        for index in 1...4 { matching.offer(task("busy", Int64(index)), to: queue) }
        matching.offer(task("quiet", 1), to: queue)
        matching.offer(task("other", 1), to: queue)
        #expect(matching.stats(queue).backlog == 6)
        var order: [String] = []
        while let next = try await matching.poll(queue, timeout: .zero) { order.append(id(next)!) }
        #expect(order == ["busy#1", "quiet#1", "other#1", "busy#2", "busy#3", "busy#4"])
        #expect(matching.stats(queue).backlog == 0)
        #expect(matching.stats(queue).dispatched == 6)
    }

    @Test func waitingPollerGetsTheTaskDirectly() async throws {
        let matching = Matching(pollersPerQueueMax: 10)
        let queue = self.queue
        async let received = matching.poll(queue, timeout: .seconds(30))
        while matching.stats(queue).pollers == 0 { await Task.yield() }
        matching.offer(task("w", 7), to: queue)
        #expect(id(try await received) == "w#7")
        #expect(matching.stats(queue).backlog == 0)
    }

    @Test func pollTimesOutWithNothing() async throws {
        let matching = Matching(pollersPerQueueMax: 10)
        #expect(try await matching.poll(queue, timeout: .milliseconds(20)) == nil)
        #expect(matching.stats(queue).pollers == 0)
    }

    @Test func shortPollExpiresOnTimeWhileALongPollWaits() async throws {
        let matching = Matching(pollersPerQueueMax: 10)
        let queue = self.queue
        async let long = matching.poll(queue, timeout: .seconds(60))
        while matching.stats(queue).pollers == 0 { await Task.yield() }
        // The expiry thread now sleeps towards the long poll's deadline (a second at most); a waiting
        // poll with an earlier deadline must wake it, or it would expire up to a second late.
        let clock = ContinuousClock()
        let began = clock.now
        #expect(try await matching.poll(queue, timeout: .milliseconds(20)) == nil)
        let waited = began.duration(to: clock.now)
        #expect(waited < .milliseconds(900), "expected the short poll to expire after about 20 ms, found \(waited)")
        #expect(matching.stats(queue).pollers == 1)
        matching.close()
        #expect(try await long == nil)
    }

    @Test func pollerLimitIsAClearError() async throws {
        let matching = Matching(pollersPerQueueMax: 1)
        let queue = self.queue
        async let first = matching.poll(queue, timeout: .seconds(30))
        while matching.stats(queue).pollers == 0 { await Task.yield() }
        do {
            _ = try await matching.poll(queue, timeout: .seconds(30))
            Issue.record("expected the second poller to be refused")
        } catch {
            #expect(error.code == .limitExceeded)
        }
        matching.close()
        #expect(try await first == nil)
    }

    @Test func closeWakesEveryPoller() async throws {
        let matching = Matching(pollersPerQueueMax: 10)
        let queue = self.queue
        async let a = matching.poll(queue, timeout: .seconds(60))
        async let b = matching.poll(queue, timeout: .seconds(60))
        while matching.stats(queue).pollers < 2 { await Task.yield() }
        matching.close()
        #expect(try await a == nil)
        #expect(try await b == nil)
    }

    @Test func cancellingAWaitingPollEndsItWithNothingAndLosesNoTask() async throws {
        let matching = Matching(pollersPerQueueMax: 10)
        let queue = self.queue
        let poll = Task { try await matching.poll(queue, timeout: .seconds(60)) }
        while matching.stats(queue).pollers == 0 { await Task.yield() }
        poll.cancel()
        #expect(try await poll.value == nil)
        #expect(matching.stats(queue).pollers == 0)
        // The cancelled poller is gone: the next task waits in the backlog for the next poll.
        matching.offer(task("w", 1), to: queue)
        #expect(matching.stats(queue).backlog == 1)
        #expect(id(try await matching.poll(queue, timeout: .zero)) == "w#1")
    }

    @Test func aPollWhoseTaskIsAlreadyCancelledDoesNotWait() async throws {
        let matching = Matching(pollersPerQueueMax: 10)
        let queue = self.queue
        // Timed inside the task, so that a busy test pool delaying the task's start does not count.
        let poll = Task { () async throws -> (MatchTask?, Duration) in
            withUnsafeCurrentTask { $0?.cancel() }
            let clock = ContinuousClock()
            let began = clock.now
            let received = try await matching.poll(queue, timeout: .seconds(30))
            return (received, began.duration(to: clock.now))
        }
        let (received, waited) = try await poll.value
        #expect(received == nil)
        #expect(waited < .seconds(10), "expected the cancelled poll to end at once, found \(waited)")
        #expect(matching.stats(queue).pollers == 0)
        // A task offered now is not handed to the poll that ended.
        matching.offer(task("w", 2), to: queue)
        #expect(matching.stats(queue).backlog == 1)
    }
}
