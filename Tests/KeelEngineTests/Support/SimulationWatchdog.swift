import Foundation
import Synchronization

/// Ends the test process with a message when a simulation stops making progress, so that a hang in
/// the engine shows up as a named failure (with the seed that replays it) instead of a test run that
/// never ends.
final class SimulationWatchdog: Sendable {
    private struct State {
        var phase = "starting"
        var ticks: UInt64 = 0
        var isStopped = false
    }

    private let state = Mutex(State())

    /// Starts watching; `name` (with the seed) opens the message printed on a hang.
    init(name: String, limit: Duration = .seconds(60)) {
        Thread.detachNewThread { [self] in
            var seen: UInt64 = .max
            var still = Duration.zero
            while true {
                Thread.sleep(forTimeInterval: 1)
                let (ticks, phase, isStopped) = self.state.withLock { ($0.ticks, $0.phase, $0.isStopped) }
                if isStopped { return }
                still = ticks == seen ? still + .seconds(1) : .zero
                seen = ticks
                if still >= limit {
                    fatalError("\(name): no progress for \(still) during \(phase); the engine hangs")
                }
            }
        }
    }

    /// Records progress: the simulation moved on to `phase`.
    func progress(_ phase: String) {
        state.withLock {
            $0.phase = phase
            $0.ticks &+= 1
        }
    }

    /// Stops watching.
    func stop() {
        state.withLock { $0.isStopped = true }
    }
}
