import KeelLog

@testable import KeelEngine

/// An engine on a simulated disk with a manual clock that can crash and reopen any number of times.
///
/// It opens the engine the way `EngineHarness` does, but gives every opening its own run-id seed:
/// reopening twice with the same seed would hand out the same run ids again.
final class SimulationHost {
    let disk: SimulatedDisk
    let clock: ManualClock
    let options: EngineOptions
    let seed: UInt64
    private(set) var engine: Engine
    /// How many times the engine was opened; an engine's in-memory state lives for one generation.
    private(set) var generation: UInt64 = 0

    init(seed: UInt64, partitions: Int) throws {
        self.seed = seed
        disk = SimulatedDisk(seed: seed)
        clock = ManualClock()
        var options = EngineOptions()
        options.partitionCount = partitions
        options.log.segmentBytes = 1 << 20
        // Closed runs stay readable for the whole simulation.
        options.defaultNamespaceRetention = .seconds(365 * 86_400)
        // Automatic checkpoints every few dozen records for two seeds in three, so that reopens and
        // crashes also start from a checkpoint (a clean close writes one in any case).
        options.checkpointIntervalRecords = [0, 40, 150][Int(seed % 3)]
        self.options = options
        engine = try EngineHarness.open(disk: disk, clock: clock, options: options, seed: Self.runIDSeed(seed, 0))
    }

    private static func runIDSeed(_ seed: UInt64, _ generation: UInt64) -> UInt64 {
        seed &* 0x9E37_79B9_7F4A_7C15 &+ generation &* 0xD1B5_4A32_D192_ED03
    }

    /// Closes the engine cleanly and opens it again from the same disk.
    func reopen() async throws {
        try await engine.close()
        try await open()
    }

    /// Crashes the disk (unsynced writes are lost or torn, as `mode` says) and opens the engine again.
    func crashAndReopen(_ mode: SimulatedDisk.CrashMode) async throws {
        disk.crash(mode)
        try await open()
    }

    private func open() async throws {
        generation += 1
        engine = try EngineHarness.open(
            disk: disk, clock: clock, options: options, seed: Self.runIDSeed(seed, generation))
        await engine.settle()
    }

    /// Moves the clock and fires what is due.
    func advance(by duration: Duration) async {
        clock.advance(by: duration)
        await engine.fireDueTimers()
    }
}
