import Foundation
import Testing

@testable import KeelTimer

/// Property tests: random schedules, cancels, advances and pop loops, checked after every step
/// against a plain list of pending timers. Set `KEEL_TIMER_SEED` to replay a printed seed.
@Suite struct TimerWheelModelTests {
    /// What the wheel must hold: every pending timer with its deadline and the tick it is really due
    /// at (an overdue timer is due at the tick it was scheduled at).
    struct Model {
        struct Timer {
            var handle: TimerHandle
            var deadline: UInt64
            var dueTick: UInt64
            var element: Int
        }

        var now: UInt64
        /// Pending timers in an array rather than a dictionary, so that picking one at random depends
        /// on the seed alone and not on the process's hash seed.
        var pending: [Timer] = []

        var nextDeadline: UInt64? { pending.map(\.deadline).min() }
        var earliestDueTick: UInt64? { pending.map(\.dueTick).min() }

        /// Returns the pending timer of `handle`.
        func timer(_ handle: TimerHandle) -> Timer? { pending.first { $0.handle == handle } }

        /// Removes and returns the pending timer of `handle`.
        mutating func remove(_ handle: TimerHandle) -> Timer? {
            guard let position = pending.firstIndex(where: { $0.handle == handle }) else { return nil }
            pending.swapAt(position, pending.count - 1)
            return pending.removeLast()
        }
    }

    /// A deadline relative to `now` drawn so that every level, the overflow list and overdue timers
    /// all get timers.
    private func randomDeadline(_ random: inout TestRandom, now: UInt64) -> UInt64 {
        let ahead: UInt64
        switch random.below(10) {
        case 0: return now - min(now, random.below(5_000))
        case 1: ahead = 0
        case 2: ahead = random.below(64)
        case 3: ahead = random.below(4_096)
        case 4: ahead = random.below(1 << 18)
        case 5: ahead = random.below(1 << 30)
        case 6: ahead = random.below(1 << 36)
        case 7: ahead = (1 << 36) + random.below(1 << 40)
        case 8: return UInt64.max - random.below(1 << 38)
        default: ahead = random.below(200)
        }
        let (deadline, overflow) = now.addingReportingOverflow(ahead)
        return overflow ? .max : deadline
    }

    /// A tick to advance to: usually near, sometimes far, sometimes past the span or to the end of time.
    private func randomTarget(_ random: inout TestRandom, now: UInt64) -> UInt64 {
        let ahead: UInt64
        switch random.below(10) {
        case 0: ahead = 0
        case 1, 2, 3: ahead = random.below(128)
        case 4, 5: ahead = random.below(10_000)
        case 6: ahead = random.below(1 << 24)
        case 7: ahead = random.below(1 << 34)
        case 8: ahead = random.below(1 << 42)
        default: ahead = random.below(1 << 20)
        }
        let (target, overflow) = now.addingReportingOverflow(ahead)
        return overflow ? .max : target
    }

    /// Schedules one random timer in both the wheel and the model.
    private func schedule(
        _ wheel: inout TimerWheel<Int>, _ model: inout Model, _ random: inout TestRandom, element: Int
    ) -> TimerHandle {
        let deadline = randomDeadline(&random, now: model.now)
        let handle = wheel.schedule(element, at: deadline)
        #expect(model.timer(handle) == nil, "a new handle \(handle) names a pending timer")
        model.pending.append(
            .init(handle: handle, deadline: deadline, dueTick: max(deadline, model.now), element: element))
        return handle
    }

    /// Checks one timer returned by `popExpired(upTo: tick)` against the model and removes it there.
    private func checkPopped(
        _ expired: (handle: TimerHandle, deadline: UInt64, element: Int), upTo tick: UInt64,
        _ wheel: TimerWheel<Int>, _ model: inout Model, _ context: String
    ) {
        guard let timer = model.remove(expired.handle) else {
            Issue.record("\(context): popped \(expired.handle), which is not pending")
            return
        }
        #expect(timer.element == expired.element && timer.deadline == expired.deadline, "\(context)")
        #expect(timer.dueTick <= tick, "\(context): popped a timer due at \(timer.dueTick), after \(tick)")
        let earliest = min(timer.dueTick, model.earliestDueTick ?? .max)
        #expect(timer.dueTick == earliest, "\(context): popped due tick \(timer.dueTick), earliest is \(earliest)")
        model.now = max(model.now, timer.dueTick)
        #expect(wheel.currentTick == model.now, "\(context): the wheel stands at the popped timer's tick")
    }

    /// Runs `steps` random operations from `seed`, checking the wheel against the model after each.
    private func run(seed: UInt64, steps: Int) {
        var random = TestRandom(seed: seed)
        let start = random.below(3) == 0 ? 0 : random.below(1 << 50)
        var wheel = TimerWheel<Int>(currentTick: start)
        var model = Model(now: start)
        var gone: [TimerHandle] = []
        var nextElement = 0
        for step in 0..<steps {
            let context = "seed \(seed) step \(step)"
            switch random.below(100) {
            case 0..<40:
                _ = schedule(&wheel, &model, &random, element: nextElement)
                nextElement += 1
            case 40..<55:
                guard !model.pending.isEmpty else { continue }
                let handle = model.pending[random.index(model.pending.count)].handle
                #expect(wheel.cancel(handle) == model.remove(handle)?.element, "\(context): cancel")
                gone.append(handle)
            case 55..<60:
                guard !gone.isEmpty else { continue }
                let handle = gone[random.index(gone.count)]
                #expect(wheel.cancel(handle) == nil, "\(context): cancel of the gone \(handle)")
                #expect(wheel.deadline(of: handle) == nil, "\(context): deadline of the gone \(handle)")
            case 60..<75:
                let tick = randomTarget(&random, now: model.now)
                var fired: [(handle: TimerHandle, element: Int)] = []
                wheel.advance(to: tick) { fired.append(($0, $1)) }
                let due = model.pending.filter { $0.dueTick <= tick }
                #expect(
                    Set(fired.map(\.handle)) == Set(due.map(\.handle)) && fired.count == due.count,
                    "\(context): advance to \(tick) fired \(fired.count), expected \(due.count)")
                let dueTicks = fired.compactMap { model.timer($0.handle)?.dueTick }
                #expect(dueTicks == dueTicks.sorted(), "\(context): advance to \(tick) fired out of order")
                for timer in fired {
                    #expect(model.remove(timer.handle)?.element == timer.element, "\(context)")
                    gone.append(timer.handle)
                }
                model.now = tick
                #expect(wheel.currentTick == tick, "\(context)")
            case 75..<85:
                // The engine's loop: pop what is due, scheduling and cancelling as it goes.
                let tick = randomTarget(&random, now: model.now)
                var pops = 0
                while let expired = wheel.popExpired(upTo: tick) {
                    checkPopped(expired, upTo: tick, wheel, &model, context)
                    gone.append(expired.handle)
                    pops += 1
                    if random.below(3) == 0 {
                        _ = schedule(&wheel, &model, &random, element: nextElement)
                        nextElement += 1
                    }
                    if random.below(4) == 0, !model.pending.isEmpty {
                        let victim = model.pending[random.index(model.pending.count)].handle
                        #expect(wheel.cancel(victim) == model.remove(victim)?.element, "\(context): cancel in loop")
                        gone.append(victim)
                    }
                    if pops > 10_000 {
                        Issue.record("\(context): the pop loop does not end")
                        return
                    }
                }
                #expect(
                    !model.pending.contains { $0.dueTick <= tick }, "\(context): pop loop left due timers")
                model.now = tick
                #expect(wheel.currentTick == tick, "\(context)")
            default:
                #expect(wheel.nextDeadline() == model.nextDeadline, "\(context): next deadline")
                if !model.pending.isEmpty {
                    let timer = model.pending[random.index(model.pending.count)]
                    #expect(wheel.deadline(of: timer.handle) == timer.deadline, "\(context): deadline of")
                }
            }
            #expect(wheel.count == model.pending.count, "\(context): count")
            if gone.count > 4_000 { gone.removeFirst(2_000) }
        }
        // Everything left fires by the end of time, in order.
        while let expired = wheel.popExpired(upTo: .max) {
            checkPopped(expired, upTo: .max, wheel, &model, "seed \(seed) final drain")
        }
        #expect(model.pending.isEmpty && wheel.isEmpty, "seed \(seed): timers left after the final drain")
        #expect(wheel.nextDeadline() == nil)
    }

    @Test func randomOperationsMatchAPriorityQueueModel() {
        let environment = ProcessInfo.processInfo.environment["KEEL_TIMER_SEED"]
        let seed = environment.flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("timer wheel model test: seed \(seed) (replay with KEEL_TIMER_SEED=\(seed))")
        // One long run and several short ones, which start fresh at other ticks.
        run(seed: seed, steps: 20_000)
        var seeds = TestRandom(seed: seed)
        for _ in 0..<40 { run(seed: seeds.next(), steps: 500) }
    }
}
