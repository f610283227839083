import Testing

@testable import KeelEngine

@Suite("Run ids")
struct RunIDGeneratorTests {
    /// The layout of a version 4 UUID in lower-case hex: 8-4-4-4-12 digits, version 4, variant 1.
    static func isVersion4(_ text: String) -> Bool {
        let characters = Array(text)
        guard characters.count == 36 else { return false }
        for (index, character) in characters.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                if character != "-" { return false }
            } else if !"0123456789abcdef".contains(character) {
                return false
            }
        }
        return characters[14] == "4" && "89ab".contains(characters[19])
    }

    /// A seeded generator's ids, spelled out from SplitMix64 the slow way: two words per id, big-endian
    /// bytes, the version and variant bits set, hex with dashes.
    static func expectedSeededIDs(seed: UInt64, count: Int) -> [String] {
        var state = seed
        func step() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<count).map { _ in
            let words = [step(), step()]
            var bytes = words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * $0)) } }
            bytes[6] = (bytes[6] & 0x0F) | 0x40
            bytes[8] = (bytes[8] & 0x3F) | 0x80
            var text = ""
            for (index, byte) in bytes.enumerated() {
                if [4, 6, 8, 10].contains(index) { text += "-" }
                text += String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
            }
            return text
        }
    }

    @Test(arguments: [0, 1, 20_261_126, UInt64.max])
    func aSeededGeneratorIsDeterministic(seed: UInt64) {
        let generator = RunIDGenerator(seed: seed)
        let ids = (0..<600).map { _ in generator.next().rawValue }
        #expect(ids == Self.expectedSeededIDs(seed: seed, count: 600))
        #expect(ids.allSatisfy(Self.isVersion4))
    }

    @Test func unseededIDsAreVersion4AndDistinctAcrossRefills() {
        // 256 ids use up one draw of random words; 1,000 take four draws.
        let generator = RunIDGenerator(seed: nil)
        let ids = (0..<1_000).map { _ in generator.next().rawValue }
        #expect(ids.allSatisfy(Self.isVersion4), "\(ids.first { !Self.isVersion4($0) } ?? "")")
        #expect(Set(ids).count == ids.count)
        let other = RunIDGenerator(seed: nil)
        #expect(Set((0..<300).map { _ in other.next().rawValue }).isDisjoint(with: ids))
    }
}
