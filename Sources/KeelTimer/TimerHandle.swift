/// Names one scheduled timer of a `TimerWheel`: the timer's slot in the wheel's storage and that
/// slot's generation.
///
/// A slot's generation changes whenever its timer fires or is cancelled, so a handle kept after that
/// never matches the later timer that reuses the slot: cancelling it is a no-op that returns `nil`.
/// Generations are 32 bits and wrap, so a handle kept across 2³² reuses of one slot could match
/// again; an engine forgets a handle long before that.
public struct TimerHandle: Hashable, Sendable {
    /// The timer's slot in the wheel's storage.
    @usableFromInline let index: UInt32
    /// The slot's generation when the timer was scheduled.
    @usableFromInline let generation: UInt32

    @inlinable init(index: UInt32, generation: UInt32) {
        self.index = index
        self.generation = generation
    }
}

extension TimerHandle: CustomStringConvertible {
    /// Returns the slot and generation, as `TimerHandle(12#3)`.
    public var description: String { "TimerHandle(\(index)#\(generation))" }
}
