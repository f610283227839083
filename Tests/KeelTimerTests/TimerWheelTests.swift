import Testing

@testable import KeelTimer

@Suite struct TimerWheelTests {
    /// Advances `wheel` to `tick` and returns the fired elements in firing order.
    private func fire(_ wheel: inout TimerWheel<Int>, to tick: UInt64) -> [Int] {
        wheel.advance(to: tick).map(\.element)
    }

    @Test func timersFireInDeadlineOrderWhateverTheScheduleOrder() {
        var wheel = TimerWheel<Int>()
        let deadlines: [UInt64] = [900, 3, 70_000, 64, 5_000_000, 63, 4_096, 1, 300_000_000, 65]
        for (element, deadline) in deadlines.enumerated() { _ = wheel.schedule(element, at: deadline) }
        let fired = fire(&wheel, to: 1 << 40)
        #expect(fired.map { deadlines[$0] } == deadlines.sorted())
        #expect(wheel.isEmpty)
        #expect(wheel.currentTick == 1 << 40)
    }

    @Test func advanceFiresOnlyTimersDueAtOrBeforeTheTick() {
        var wheel = TimerWheel<Int>(currentTick: 100)
        _ = wheel.schedule(1, at: 110)
        _ = wheel.schedule(2, at: 120)
        _ = wheel.schedule(3, at: 121)
        #expect(fire(&wheel, to: 109).isEmpty)
        #expect(fire(&wheel, to: 120) == [1, 2])
        #expect(wheel.currentTick == 120)
        #expect(wheel.count == 1)
        #expect(wheel.nextDeadline() == 121)
    }

    @Test func cancelReturnsTheElementAndTheTimerNeverFires() {
        var wheel = TimerWheel<String>()
        let kept = wheel.schedule("kept", at: 50)
        let cancelled = wheel.schedule("cancelled", at: 40)
        #expect(wheel.cancel(cancelled) == "cancelled")
        #expect(wheel.count == 1)
        #expect(wheel.nextDeadline() == 50)
        let fired = wheel.advance(to: 1_000)
        #expect(fired.map(\.element) == ["kept"])
        #expect(fired.map(\.handle) == [kept])
    }

    @Test func cancellingAFiredOrCancelledTimerIsANoOpReturningNil() {
        var wheel = TimerWheel<Int>()
        let fired = wheel.schedule(1, at: 5)
        let cancelled = wheel.schedule(2, at: 5_000)
        #expect(wheel.cancel(cancelled) == 2)
        #expect(wheel.cancel(cancelled) == nil)
        #expect(fire(&wheel, to: 10) == [1])
        #expect(wheel.cancel(fired) == nil)
        #expect(wheel.deadline(of: fired) == nil)
        #expect(!wheel.contains(fired))
        #expect(wheel.isEmpty)
    }

    @Test func aReusedSlotDoesNotAnswerToItsPreviousHandle() {
        var wheel = TimerWheel<Int>()
        let first = wheel.schedule(1, at: 10)
        #expect(wheel.cancel(first) == 1)
        let second = wheel.schedule(2, at: 20)
        #expect(second.index == first.index, "the freed node is reused")
        #expect(second != first)
        #expect(wheel.cancel(first) == nil)
        #expect(wheel.deadline(of: first) == nil)
        #expect(wheel.deadline(of: second) == 20)
        #expect(fire(&wheel, to: 20) == [2])
    }

    @Test func aHandleFromAnotherWheelOrOutOfRangeIsNotPending() {
        var large = TimerWheel<Int>()
        for element in 0..<10 { _ = large.schedule(element, at: 100) }
        let foreign = large.schedule(10, at: 100)
        var small = TimerWheel<Int>()
        _ = small.schedule(0, at: 100)
        #expect(small.cancel(foreign) == nil)
        #expect(small.deadline(of: foreign) == nil)
        #expect(small.count == 1)
    }

    @Test func overdueTimersFireOnTheNextAdvanceBeforeLaterOnes() {
        var wheel = TimerWheel<Int>(currentTick: 10_000)
        _ = wheel.schedule(1, at: 10_001)
        let overdue = wheel.schedule(2, at: 5)
        _ = wheel.schedule(3, at: 10_000)
        #expect(wheel.deadline(of: overdue) == 5)
        #expect(wheel.nextDeadline() == 5, "the engine learns that a timer is already due")
        #expect(Set(fire(&wheel, to: 10_000)) == [2, 3], "advancing to the current tick fires what is due")
        #expect(wheel.nextDeadline() == 10_001)
        #expect(fire(&wheel, to: 10_001) == [1])
    }

    @Test func timersBeyondTheWheelSpanFireAtTheirDeadline() {
        var wheel = TimerWheel<Int>(currentTick: 7)
        let span = TimerWheel<Int>.spanTicks
        let deadlines: [UInt64] = [span * 3 + 17, span + 7, span * 3 + 16, span - 1, UInt64.max, span * 1_000]
        for (element, deadline) in deadlines.enumerated() { _ = wheel.schedule(element, at: deadline) }
        var fired: [UInt64] = []
        for deadline in deadlines.sorted() {
            #expect(wheel.nextDeadline() == deadline)
            #expect(fire(&wheel, to: deadline - 1).isEmpty, "nothing fires a tick before \(deadline)")
            fired += fire(&wheel, to: deadline).map { deadlines[$0] }
        }
        #expect(fired == deadlines.sorted())
        #expect(wheel.isEmpty)
    }

    @Test func oneAdvanceAcrossAnEnormousJumpSkipsEmptyTicks() {
        // Walking tick by tick, 2^62 ticks would never finish; the occupancy words skip them.
        var wheel = TimerWheel<Int>()
        var random = TestRandom(seed: 62)
        var deadlines: [UInt64] = []
        for element in 0..<2_000 {
            let deadline = random.below(1 << 62)
            deadlines.append(deadline)
            _ = wheel.schedule(element, at: deadline)
        }
        let fired = fire(&wheel, to: 1 << 62)
        #expect(fired.map { deadlines[$0] } == deadlines.sorted())
        #expect(wheel.currentTick == 1 << 62)
    }

    @Test func thirtyDaysOfMillisecondTicksAdvanceInOneCall() {
        let thirtyDays: UInt64 = 30 * 24 * 3_600 * 1_000
        var wheel = TimerWheel<Int>(currentTick: 1_700_000_000_000)
        let start = wheel.currentTick
        let deadlines: [UInt64] = [start + 1, start + 3_600_000, start + thirtyDays, start + thirtyDays + 1]
        for (element, deadline) in deadlines.enumerated() { _ = wheel.schedule(element, at: deadline) }
        #expect(fire(&wheel, to: start + thirtyDays) == [0, 1, 2])
        #expect(wheel.nextDeadline() == start + thirtyDays + 1)
    }

    @Test func nextDeadlineIsExactAfterCancellingTheEarliestTimerOfEachLevel() {
        var wheel = TimerWheel<Int>(currentTick: 1_000)
        var random = TestRandom(seed: 7)
        var pending: [(handle: TimerHandle, deadline: UInt64)] = []
        // Timers on every level and in the overflow list, several per slot so that cancelling a
        // slot's earliest timer leaves others behind it.
        for level in 0...6 {
            let range: UInt64 = level == 6 ? 1 << 40 : 1 << (6 * UInt64(level) + 6)
            for _ in 0..<20 {
                let deadline = 1_000 + 1 + random.below(range)
                pending.append((wheel.schedule(pending.count, at: deadline), deadline))
            }
        }
        while !pending.isEmpty {
            let earliest = pending.map(\.deadline).min()
            #expect(wheel.nextDeadline() == earliest)
            let position = pending.firstIndex { $0.deadline == earliest }!
            #expect(wheel.cancel(pending[position].handle) != nil)
            pending.remove(at: position)
        }
        #expect(wheel.nextDeadline() == nil)
    }

    @Test func nextDeadlineIsExactWithinAHigherLevelSlot() {
        var wheel = TimerWheel<Int>()
        // All in level 2's slot 1 (ticks 4,096 to 8,191), in no order.
        let deadlines: [UInt64] = [8_000, 5_000, 4_200, 6_000, 4_100]
        let handles = deadlines.enumerated().map { wheel.schedule($0.offset, at: $0.element) }
        #expect(wheel.nextDeadline() == 4_100)
        wheel.cancel(handles[4])
        #expect(wheel.nextDeadline() == 4_200)
        wheel.cancel(handles[2])
        #expect(wheel.nextDeadline() == 5_000)
        #expect(fire(&wheel, to: 4_999).isEmpty)
        #expect(wheel.nextDeadline() == 5_000)
        #expect(fire(&wheel, to: 6_000) == [1, 3])
        #expect(wheel.nextDeadline() == 8_000)
    }

    @Test func timersScheduledWhilePoppingFireInTheSameLoopWhenDue() {
        var wheel = TimerWheel<Int>()
        _ = wheel.schedule(1, at: 10)
        _ = wheel.schedule(2, at: 500)
        var fired: [(element: Int, tick: UInt64)] = []
        while let expired = wheel.popExpired(upTo: 1_000) {
            fired.append((expired.element, wheel.currentTick))
            #expect(expired.deadline == wheel.currentTick)
            if expired.element == 1 {
                // A retry 100 ticks later and a timer beyond this advance.
                _ = wheel.schedule(3, at: expired.deadline + 100)
                _ = wheel.schedule(4, at: 2_000)
            }
        }
        #expect(fired.map(\.element) == [1, 3, 2])
        #expect(fired.map(\.tick) == [10, 110, 500])
        #expect(wheel.currentTick == 1_000)
        #expect(wheel.count == 1)
    }

    @Test func cancellingDuringAPopLoopStopsThatTimer() {
        var wheel = TimerWheel<Int>()
        _ = wheel.schedule(1, at: 10)
        let timeout = wheel.schedule(2, at: 20)
        var fired: [Int] = []
        while let expired = wheel.popExpired(upTo: 100) {
            fired.append(expired.element)
            if expired.element == 1 { #expect(wheel.cancel(timeout) == 2) }
        }
        #expect(fired == [1])
    }

    @Test func timersWithTheSameDeadlineAllFire() {
        var wheel = TimerWheel<Int>()
        for element in 0..<1_000 { _ = wheel.schedule(element, at: 300_000) }
        #expect(Set(fire(&wheel, to: 300_000)) == Set(0..<1_000))
    }

    @Test func freedNodesAreReusedSoStorageDoesNotGrow() {
        var wheel = TimerWheel<UInt64>()
        for round in 0..<50 {
            let base = UInt64(round) * 5_000
            let handles = (0..<UInt64(1_000)).map { wheel.schedule($0, at: base + $0 * 3) }
            for handle in handles.prefix(500) { wheel.cancel(handle) }
            wheel.advance(to: base + 4_999) { _, _ in }
        }
        #expect(wheel.nodes.count == 1_000)
        #expect(wheel.isEmpty)
    }

    @Test func aPendingTimerCostsThirtyTwoBytesWithAnEightByteElement() {
        // docs/timers.md documents this layout.
        typealias Node = TimerWheel<UInt64>.Node
        #expect(MemoryLayout<Node>.stride == 32)
        #expect(MemoryLayout<Node>.offset(of: \.slot) == 10)
        #expect(MemoryLayout<Node>.offset(of: \.next) == 12)
        #expect(MemoryLayout<Node>.offset(of: \.previous) == 16)
        #expect(MemoryLayout<Node>.offset(of: \.generation) == 20)
        #expect(MemoryLayout<Node>.offset(of: \.deadline) == 24)
        #expect(MemoryLayout<TimerHandle>.size == 8)
        var wheel = TimerWheel<UInt64>(capacity: 100_000)
        for element in 0..<100_000 { _ = wheel.schedule(UInt64(element), at: UInt64(element) * 7) }
        let perTimer = Double(wheel.memoryBytes) / Double(wheel.count)
        #expect(perTimer < 33, "expected about 32 bytes per pending timer, found \(perTimer)")
    }

    @Test func advancingBackwardsIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            var wheel = TimerWheel<Int>(currentTick: 10)
            wheel.advance(to: 9) { _, _ in }
        }
    }
}
