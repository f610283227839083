// A small JSON reader and writer of our own rather than Foundation's: numbers keep their text, so a
// 64-bit integer survives exactly; nesting, sizes and duplicate keys are checked as the input is read;
// and every syntax error names its byte offset.

extension HistoryJSON {
    /// A JSON value. Numbers keep their text so that integers beyond 2^53 are not rounded.
    enum Value: Sendable {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array([Value])
        case object([(key: String, value: Value)])

        /// A short description of the value for error messages, e.g. `a string ("abc")`.
        var summary: String {
            switch self {
            case .null: "null"
            case .bool(let value): "\(value)"
            case .number(let text): "the number \(Self.clip(text))"
            case .string(let text): "the string \"\(Self.clip(text))\""
            case .array(let elements): "an array of \(elements.count) elements"
            case .object: "an object"
            }
        }

        /// Returns `text`, cut to 64 characters, so that a message never quotes a whole payload.
        static func clip(_ text: String) -> String {
            var clipped = ""
            var count = 0
            for character in text.unicodeScalars {
                if count == 64 { return clipped + "..." }
                clipped.unicodeScalars.append(character)
                count += 1
            }
            return clipped
        }
    }

    /// Builds an object's members in the order they are added.
    struct ObjectBuilder {
        var object: [(key: String, value: Value)] = []

        mutating func add(_ key: String, _ value: Value) {
            object.append((key, value))
        }
    }

    // MARK: - Reading

    /// Parses RFC 8259 JSON from UTF-8 bytes.
    struct Parser {
        let bytes: [UInt8]
        var position = 0
        var depth = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        /// Returns the one value the input holds, with only whitespace around it.
        mutating func document() throws(HistoryJSONError) -> Value {
            // A byte order mark is not JSON, but editors on some systems add one; skipping it is harmless.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            skipWhitespace()
            let value = try value()
            skipWhitespace()
            guard position == bytes.count else { throw failure(expected: "the end of the document") }
            return value
        }

        private mutating func value() throws(HistoryJSONError) -> Value {
            guard position < bytes.count else { throw failure(expected: "a JSON value") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw failure(expected: "a JSON value")
            }
        }

        private mutating func enter() throws(HistoryJSONError) {
            depth += 1
            guard depth <= HistoryJSON.nestingDepthMax else {
                throw HistoryJSONError(
                    .limitExceeded, expected: "arrays and objects nested at most \(HistoryJSON.nestingDepthMax) deep",
                    found: "deeper nesting", byteOffset: position)
            }
        }

        private mutating func object() throws(HistoryJSONError) -> Value {
            try enter()
            position += 1
            var members: [(key: String, value: Value)] = []
            // Small objects are checked for duplicate keys by a linear scan; large ones (maps) by a set.
            var seen: Set<String> = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw failure(expected: "a member name in double quotes")
                }
                let keyOffset = position
                let key = try string()
                let isDuplicate: Bool
                if members.count < 16 {
                    isDuplicate = members.contains { $0.key == key }
                } else {
                    if seen.isEmpty { seen = Set(members.map(\.key)) }
                    isDuplicate = !seen.insert(key).inserted
                }
                if isDuplicate {
                    throw HistoryJSONError(
                        .malformedJSON, expected: "member names that differ within an object",
                        found: "\"\(Value.clip(key))\" twice", byteOffset: keyOffset)
                }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw failure(expected: "':' after a member name")
                }
                position += 1
                skipWhitespace()
                members.append((key, try value()))
                skipWhitespace()
                guard position < bytes.count else { throw failure(expected: "',' or '}'") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "}") else { throw failure(expected: "',' or '}'") }
                position += 1
                depth -= 1
                return .object(members)
            }
        }

        private mutating func array() throws(HistoryJSONError) -> Value {
            try enter()
            position += 1
            var elements: [Value] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value())
                skipWhitespace()
                guard position < bytes.count else { throw failure(expected: "',' or ']'") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "]") else { throw failure(expected: "',' or ']'") }
                position += 1
                depth -= 1
                return .array(elements)
            }
        }

        private mutating func literal(_ word: StaticString, _ value: Value) throws(HistoryJSONError) -> Value {
            let count = word.utf8CodeUnitCount
            let matches = word.withUTF8Buffer { expected in
                position + count <= bytes.count && bytes[position..<(position + count)].elementsEqual(expected)
            }
            guard matches else { throw failure(expected: "a JSON value") }
            position += count
            return value
        }

        /// Reads a number and returns its text, after checking it against JSON's grammar.
        private mutating func number() throws(HistoryJSONError) -> String {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure(expected: "a digit") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard position < bytes.count, isDigit(bytes[position]) else {
                    throw failure(expected: "a digit after the decimal point")
                }
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
                {
                    position += 1
                }
                guard position < bytes.count, isDigit(bytes[position]) else {
                    throw failure(expected: "a digit in the exponent")
                }
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// Reads a string, resolving escapes, and checks that it is valid UTF-8.
        private mutating func string() throws(HistoryJSONError) -> String {
            let open = position
            position += 1
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text = try utf8(bytes[start..<position], at: start)
                    position += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw failure(expected: "a control character to be escaped in a string") }
                position += 1
            }
            guard position < bytes.count else {
                throw HistoryJSONError(
                    .malformedJSON, expected: "a closing '\"'", found: "the end of the input", byteOffset: open)
            }
            // The string has escapes: copy it, replacing each escape by the bytes it stands for.
            var buffer = Array(bytes[start..<position])
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return try utf8(buffer[...], at: start)
                }
                guard byte >= 0x20 else { throw failure(expected: "a control character to be escaped in a string") }
                guard byte == UInt8(ascii: "\\") else {
                    buffer.append(byte)
                    position += 1
                    continue
                }
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"): try unicodeEscape(into: &buffer)
                default:
                    position -= 1
                    throw failure(expected: "one of \" \\ / b f n r t u after a backslash")
                }
            }
            throw HistoryJSONError(
                .malformedJSON, expected: "a closing '\"'", found: "the end of the input", byteOffset: open)
        }

        /// Reads the four hex digits after `\u` (and a second escape for a surrogate pair) and appends
        /// the character's UTF-8 bytes.
        private mutating func unicodeEscape(into buffer: inout [UInt8]) throws(HistoryJSONError) {
            let escapeStart = position - 2
            var unit = try hexQuad()
            if (0xD800...0xDBFF).contains(unit) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else {
                    throw HistoryJSONError(
                        .malformedJSON, expected: "a low surrogate escape after a high surrogate",
                        found: "a lone surrogate", byteOffset: escapeStart)
                }
                position += 2
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw HistoryJSONError(
                        .malformedJSON, expected: "a low surrogate escape after a high surrogate",
                        found: "a lone surrogate", byteOffset: escapeStart)
                }
                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw HistoryJSONError(
                    .malformedJSON, expected: "a high surrogate escape before a low surrogate",
                    found: "a lone surrogate", byteOffset: escapeStart)
            }
            // Every value left is a Unicode scalar: surrogates were combined or refused above.
            guard let scalar = Unicode.Scalar(unit) else {
                throw HistoryJSONError(
                    .malformedJSON, expected: "a Unicode scalar", found: "a surrogate", byteOffset: escapeStart)
            }
            UTF8.encode(scalar) { buffer.append($0) }
        }

        private mutating func hexQuad() throws(HistoryJSONError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard position < bytes.count, let digit = hexValue(bytes[position]) else {
                    throw failure(expected: "four hex digits after \\u")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }

        private func utf8(_ slice: ArraySlice<UInt8>, at offset: Int) throws(HistoryJSONError) -> String {
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw HistoryJSONError(
                    .malformedJSON, expected: "a string of valid UTF-8", found: "invalid UTF-8", byteOffset: offset)
            }
            return text
        }

        private mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        private func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }

        /// Returns a syntax error at the current position, describing the byte found there.
        private func failure(expected: String) -> HistoryJSONError {
            let found: String
            if position >= bytes.count {
                found = "the end of the input"
            } else {
                let byte = bytes[position]
                found =
                    byte >= 0x21 && byte < 0x7F
                    ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
            }
            return HistoryJSONError(.malformedJSON, expected: expected, found: found, byteOffset: position)
        }
    }

    // MARK: - Writing

    /// Writes JSON as UTF-8, compact or indented by two spaces.
    struct Writer {
        var bytes: [UInt8] = []
        let pretty: Bool

        init(pretty: Bool) {
            self.pretty = pretty
            bytes.reserveCapacity(4096)
        }

        mutating func write(_ value: Value, indent: Int = 0) {
            switch value {
            case .null: append("null")
            case .bool(let flag): append(flag ? "true" : "false")
            case .number(let text): append(text)
            case .string(let text): string(text)
            case .array(let elements):
                guard !elements.isEmpty else { return append("[]") }
                bytes.append(UInt8(ascii: "["))
                for (index, element) in elements.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    newline(indent + 1)
                    write(element, indent: indent + 1)
                }
                newline(indent)
                bytes.append(UInt8(ascii: "]"))
            case .object(let members):
                guard !members.isEmpty else { return append("{}") }
                bytes.append(UInt8(ascii: "{"))
                for (index, member) in members.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    newline(indent + 1)
                    string(member.key)
                    bytes.append(UInt8(ascii: ":"))
                    if pretty { bytes.append(UInt8(ascii: " ")) }
                    write(member.value, indent: indent + 1)
                }
                newline(indent)
                bytes.append(UInt8(ascii: "}"))
            }
        }

        private mutating func newline(_ indent: Int) {
            guard pretty else { return }
            bytes.append(UInt8(ascii: "\n"))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
        }

        private mutating func append(_ text: String) {
            bytes.append(contentsOf: text.utf8)
        }

        private static let hexDigits = Array("0123456789abcdef".utf8)

        /// Writes `text` in quotes, escaping what JSON requires and leaving other characters as UTF-8.
        private mutating func string(_ text: String) {
            bytes.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\\"): append("\\\\")
                case 0x0A: append("\\n")
                case 0x0D: append("\\r")
                case 0x09: append("\\t")
                case 0x08: append("\\b")
                case 0x0C: append("\\f")
                case 0..<0x20:
                    append("\\u00")
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0x0F)])
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
