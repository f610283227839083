/// A small seeded generator (xorshift64*), so a printed seed replays a random test exactly.
struct TestRandom {
    private var state: UInt64

    /// A generator whose whole output is determined by `seed`.
    init(seed: UInt64) {
        // xorshift must not start from zero; mixing in a constant keeps every seed usable.
        state = seed ^ 0x2545_F491_4F6C_DD1D
        if state == 0 { state = 1 }
    }

    /// Returns the next 64 random bits.
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// Returns a value in `0..<bound`.
    mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "a random bound must be positive")
        return bound.multipliedFullWidth(by: next()).high
    }

    /// Returns an index in `0..<count`.
    mutating func index(_ count: Int) -> Int { Int(below(UInt64(count))) }
}
