import Testing

@testable import KeelLog

@Suite struct CodecTests {
    @Test func compressionRoundTripsRepetitiveBytes() throws {
        let input = [UInt8](repeating: 7, count: 10_000)
        let bound = try #require(Codec.compressBound(input.count))
        var output = [UInt8](repeating: 0, count: bound)
        let size = try #require(
            input.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { Codec.compress(source, into: $0) }
            })
        #expect(size < 200)
        var back = [UInt8](repeating: 0, count: input.count)
        let ok = output[0..<size].withUnsafeBytes { source in
            back.withUnsafeMutableBytes { Codec.decompress(source, into: $0) }
        }
        #expect(ok)
        #expect(back == input)
    }
}
