#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a field's value is laid out after its tag (FORMAT.md, section 17).
enum WireType: UInt8, Sendable {
    /// An unsigned LEB128 varint.
    case varint = 0
    /// Eight bytes, little-endian.
    case fixed64 = 1
    /// A varint byte count, then that many bytes.
    case lengthDelimited = 2

    /// The name used in error messages.
    var name: String {
        switch self {
        case .varint: "0 (varint)"
        case .fixed64: "1 (fixed64)"
        case .lengthDelimited: "2 (length-delimited)"
        }
    }
}

/// Returns `value` zigzag-mapped so that small negative numbers become small unsigned ones.
@inline(__always)
func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

/// Returns the signed value that `zigzag` mapped to `value`.
@inline(__always)
func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }

/// Returns the number of bytes the LEB128 varint of `value` takes, 1 to 10.
@inline(__always)
func varintSize(_ value: UInt64) -> Int { (63 - (value | 1).leadingZeroBitCount) / 7 + 1 }

/// A growable byte buffer that appends varints, fixed-width integers and length-prefixed values.
///
/// Length prefixes are written after their content is known: `beginLength` leaves one byte and
/// `endLength` widens it in place when the content turned out to be 128 bytes or longer, so every
/// varint stays minimal and nothing is encoded twice.
struct BinaryWriter {
    var bytes: [UInt8]
    /// The first limit a value being encoded broke (too deep a cause chain, too many elements, NaN);
    /// the bytes are not to be used when it is set.
    var violation: EngineError?

    init(bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) { bytes.append(value) }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    @inline(__always)
    mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func tag(_ field: Int, _ wire: WireType) {
        varint(UInt64(field) << 3 | UInt64(wire.rawValue))
    }

    /// Appends a varint byte count and the UTF-8 bytes of `value`.
    @inline(__always)
    mutating func lengthPrefixed(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Appends a varint byte count and `value`.
    @inline(__always)
    mutating func lengthPrefixed(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Starts a length-prefixed value; returns where its content starts, for `endLength`.
    @inline(__always)
    mutating func beginLength() -> Int {
        bytes.append(0)
        return bytes.count
    }

    /// Writes the length of the content appended since `beginLength` returned `start`.
    @inline(__always)
    mutating func endLength(_ start: Int) {
        let length = bytes.count - start
        if length < 0x80 {
            bytes[start - 1] = UInt8(truncatingIfNeeded: length)
        } else {
            widenLength(start, length)
        }
    }

    private mutating func widenLength(_ start: Int, _ length: Int) {
        let size = varintSize(UInt64(length))
        bytes.insert(contentsOf: repeatElement(0, count: size - 1), at: start)
        var rest = UInt64(length)
        var index = start - 1
        while rest >= 0x80 {
            bytes[index] = UInt8(truncatingIfNeeded: rest) | 0x80
            rest >>= 7
            index += 1
        }
        bytes[index] = UInt8(truncatingIfNeeded: rest)
    }

    /// Records the first broken limit; later ones are ignored.
    mutating func violate(_ code: EngineError.Code, _ message: String) {
        if violation == nil { violation = EngineError(code, message) }
    }
}

/// One field as the reader found it: where its tag was, its number and wire type, and the message
/// it belongs to, which error messages name.
struct WireField {
    var message: StaticString
    var number: Int
    var wire: WireType
    var offset: Int

    /// The field as error messages name it, e.g. "ActivityTaskScheduled field 3".
    var name: String { number == 0 ? "\(message)" : "\(message) field \(number)" }
}

/// The fields of one message seen so far, so that a repeated field is refused.
struct MessageFields {
    let message: StaticString
    let start: Int
    var seen: UInt64 = 0

    init(_ message: StaticString, start: Int) {
        self.message = message
        self.start = start
    }

    /// Whether field `number` was seen.
    func has(_ number: Int) -> Bool { number < 64 && seen & (1 << UInt64(number)) != 0 }
}

/// A bounds-checked reader over untrusted bytes.
///
/// `end` is the end of the value being read (the whole input, or a length-delimited value inside it);
/// no read goes past it, and every error names the byte offset where the reader found the problem.
struct BinaryReader {
    let bytes: UnsafeRawBufferPointer
    /// What the bytes are as a whole ("event record", "failure", "payload list"), for error messages.
    let subject: StaticString
    var position = 0
    var end: Int

    init(_ bytes: UnsafeRawBufferPointer, subject: StaticString) {
        self.bytes = bytes
        self.subject = subject
        self.end = bytes.count
    }

    var remaining: Int { end - position }

    /// Returns an error that says what was expected at `offset` and what was found.
    func corrupt(_ text: String, at offset: Int) -> EngineError {
        EngineError(.corruptData, "\(subject): \(text) at byte \(offset)")
    }

    /// Returns the error for a message that ended without `what`, one of its required fields.
    func missing(_ what: String, in fields: MessageFields) -> EngineError {
        corrupt(
            "\(fields.message): expected \(what) in the message that starts at byte \(fields.start), found none",
            at: position)
    }

    /// Returns the error for a value that needs `needed` bytes when fewer remain.
    func truncated(_ what: StaticString, _ needed: UInt64, in field: WireField) -> EngineError {
        corrupt("\(field.name): expected \(needed) bytes of \(what), found \(remaining)", at: position)
    }

    @inline(__always)
    mutating func varint(_ field: WireField) throws(EngineError) -> UInt64 {
        guard position < end else { throw truncated("varint", 1, in: field) }
        let first = bytes[position]
        if first < 0x80 {
            position += 1
            return UInt64(first)
        }
        return try longVarint(field)
    }

    private mutating func longVarint(_ field: WireField) throws(EngineError) -> UInt64 {
        let start = position
        let limit = min(end, start + 10)
        var index = start
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < limit {
            let byte = bytes[index]
            value |= UInt64(byte & 0x7F) &<< shift
            index += 1
            guard byte < 0x80 else {
                shift += 7
                continue
            }
            // Checked once, on the last byte: a tenth byte may only add bit 63, and a last byte of
            // zero would make the varint longer than it needs to be.
            if index - start == 10, byte > 1 {
                throw corrupt(
                    "\(field.name): expected a varint of at most 64 bits, found a tenth byte 0x\(hexByte(byte))",
                    at: index - 1)
            }
            if byte == 0 {
                throw corrupt(
                    "\(field.name): expected a minimal varint, found one padded with a trailing zero byte",
                    at: index - 1)
            }
            position = index
            return value
        }
        if index - start == 10 {
            let byte = bytes[index - 1]
            throw corrupt(
                "\(field.name): expected a varint of at most 64 bits, found a tenth byte 0x\(hexByte(byte))",
                at: index - 1)
        }
        throw corrupt(
            "\(field.name): expected the rest of the varint that starts at byte \(start), found the end", at: index)
    }

    @inline(__always)
    mutating func fixed64(_ field: WireField) throws(EngineError) -> UInt64 {
        guard remaining >= 8 else { throw truncated("fixed64", 8, in: field) }
        defer { position += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    /// Reads a varint length and checks that many bytes remain; returns the length.
    @inline(__always)
    mutating func length(_ field: WireField, of what: StaticString) throws(EngineError) -> Int {
        let length = try varint(field)
        guard length <= UInt64(remaining) else { throw truncated(what, length, in: field) }
        return Int(length)
    }

    /// Reads the next tag of the message `fields` describes, or returns nil at the end of the message.
    ///
    /// - Throws: `.corruptData` for field number 0, an unknown wire type or a repeated known field.
    @inline(__always)
    mutating func next(_ fields: inout MessageFields) throws(EngineError) -> WireField? {
        guard position < end else { return nil }
        let offset = position
        let context = WireField(message: fields.message, number: 0, wire: .varint, offset: offset)
        let tag = try varint(context)
        let number = tag >> 3
        guard let wire = WireType(rawValue: UInt8(tag & 7)) else {
            throw corrupt(
                "\(fields.message): expected wire type 0, 1 or 2 in the tag of field \(number), found \(tag & 7)",
                at: offset)
        }
        guard number >= 1, number <= EventCodec.fieldNumberMax else {
            throw corrupt(
                "\(fields.message): expected a field number from 1 to \(EventCodec.fieldNumberMax), found \(number)",
                at: offset)
        }
        if number < 64 {
            let bit: UInt64 = 1 << number
            if fields.seen & bit != 0 {
                throw corrupt("\(fields.message): expected each field once, found field \(number) again", at: offset)
            }
            fields.seen |= bit
        }
        return WireField(message: fields.message, number: Int(number), wire: wire, offset: offset)
    }

    /// Checks that `field` has the wire type its number calls for.
    @inline(__always)
    func expect(_ wire: WireType, _ field: WireField) throws(EngineError) {
        guard field.wire == wire else {
            throw corrupt("\(field.name): expected wire type \(wire.name), found \(field.wire.name)", at: field.offset)
        }
    }

    /// Passes over the value of a field this version does not know.
    mutating func skip(_ field: WireField) throws(EngineError) {
        switch field.wire {
        case .varint: _ = try varint(field)
        case .fixed64: _ = try fixed64(field)
        case .lengthDelimited: position += try length(field, of: "unknown length-delimited field")
        }
    }

    /// Enters a length-delimited value: reads its length and makes its end the reader's end.
    /// Returns the enclosing end, which `leave` restores.
    @inline(__always)
    mutating func enter(_ field: WireField, _ what: StaticString) throws(EngineError) -> Int {
        let count = try length(field, of: what)
        let outer = end
        end = position + count
        return outer
    }

    /// Leaves a value entered with `enter`, checking that it was read to its last byte.
    @inline(__always)
    mutating func leave(_ outer: Int, _ field: WireField, _ what: StaticString) throws(EngineError) {
        guard position == end else {
            throw corrupt(
                "\(field.name): expected \(what) to end at byte \(end), found \(end - position) bytes left over",
                at: position)
        }
        end = outer
    }

    /// Reads `count` bytes as UTF-8 text.
    @inline(__always)
    mutating func text(_ count: Int, _ field: WireField) throws(EngineError) -> String {
        if count == 0 { return "" }
        let start = position
        let utf8 = UnsafeRawBufferPointer(rebasing: bytes[start..<start + count])
        // `String(decoding:)` keeps valid UTF-8 byte for byte and replaces anything invalid with U+FFFD,
        // so the input was valid exactly when the result holds the same bytes; ASCII, the common case,
        // is always valid. This is several times faster than `String(validating:)`, which is not
        // specialized for raw buffers.
        var text = String(decoding: utf8, as: UTF8.self)
        guard
            isASCII(utf8)
                || text.withUTF8({ $0.count == count && memcmp($0.baseAddress!, utf8.baseAddress!, count) == 0 })
        else {
            throw corrupt(
                "\(field.name): expected \(count) bytes of UTF-8 text, found bytes that are not UTF-8", at: start)
        }
        position += count
        return text
    }

    /// Reads `count` bytes into an array.
    @inline(__always)
    mutating func rawBytes(_ count: Int) -> [UInt8] {
        if count == 0 { return [] }
        defer { position += count }
        return [UInt8](UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
    }

    /// Whether the `count` bytes at `lhs` sort before the `rhsCount` bytes at `rhs` (bytewise, shorter first on a tie).
    func bytesPrecede(_ lhs: Int, _ lhsCount: Int, _ rhs: Int, _ rhsCount: Int) -> Bool {
        let shared = min(lhsCount, rhsCount)
        for index in 0..<shared {
            let left = bytes[lhs + index]
            let right = bytes[rhs + index]
            if left != right { return left < right }
        }
        return lhsCount < rhsCount
    }
}

/// Whether every byte of `bytes` is below 0x80, checked eight bytes at a time.
@inline(__always)
func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var index = 0
    var high: UInt64 = 0
    while index + 8 <= bytes.count {
        high |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        index += 8
    }
    while index < bytes.count {
        high |= UInt64(bytes[index])
        index += 1
    }
    return high & 0x8080_8080_8080_8080 == 0
}

/// Returns `value` as two hex digits.
func hexByte(_ value: UInt8) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return value < 0x10 ? "0" + digits : digits
}

extension RawSpan {
    /// Runs `body` over the bytes of the span; `withUnsafeBytes` with typed throws.
    @inline(__always)
    func withEngineBytes<Result>(
        _ body: (UnsafeRawBufferPointer) throws(EngineError) -> Result
    ) throws(EngineError) -> Result {
        try withUnsafeBytes { (buffer) throws(EngineError) -> Result in try body(buffer) }
    }
}
