/// One token of a list filter.
struct VisibilityToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// A bare word: an attribute name or a keyword such as AND (keywords are recognised by the parser).
        case word
        /// A name in backquotes; never a keyword. `text` holds the name without the quotes.
        case quotedName
        /// A string literal; `text` holds the value with escapes resolved.
        case string
        /// An unsigned integer literal; `text` holds its digits.
        case integer
        /// An unsigned decimal literal with a fraction or an exponent; `text` holds it as written.
        case decimal
        /// An operator or punctuation: `( ) , = != <> < <= > >= - +`.
        case symbol
        /// The end of the query.
        case end
    }

    var kind: Kind
    var text: String
    /// The UTF-8 byte offset where the token starts in the query.
    var offset: Int
    /// The token as written in the query (quotes and escapes included), for error messages.
    var source: String

    /// Returns whether this is a bare word equal to `keyword`, ignoring ASCII case.
    func isKeyword(_ keyword: String) -> Bool {
        kind == .word && text.utf8.count == keyword.utf8.count
            && zip(text.utf8, keyword.utf8).allSatisfy { VisibilityLexer.asciiUppercased($0) == $1 }
    }

    /// Returns whether this is the symbol `symbol`.
    func isSymbol(_ symbol: String) -> Bool {
        kind == .symbol && text == symbol
    }
}

/// Splits a list filter into tokens. Works on UTF-8 bytes and never traps: every byte sequence either
/// tokenizes or produces a `.malformedQuery` error naming its position.
struct VisibilityLexer {
    private let bytes: [UInt8]
    private var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Returns every token of the query, ending with an `.end` token.
    /// - Throws: `VisibilityQueryError` for an unterminated string or quoted name, an unknown escape, or a
    ///   character the language does not use.
    mutating func tokenize() throws(VisibilityQueryError) -> [VisibilityToken] {
        var tokens: [VisibilityToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private mutating func next() throws(VisibilityQueryError) -> VisibilityToken {
        while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
        let start = position
        guard position < bytes.count else { return VisibilityToken(kind: .end, text: "", offset: start, source: "") }
        let byte = bytes[position]
        if Self.isIdentifierByte(byte), !Self.isDigit(byte) {
            while position < bytes.count, Self.isIdentifierByte(bytes[position]) { position += 1 }
            let text = text(start..<position)
            return VisibilityToken(kind: .word, text: text, offset: start, source: text)
        }
        if Self.isDigit(byte) || (byte == UInt8(ascii: ".") && isDigit(at: position + 1)) {
            return try number()
        }
        switch byte {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return try string(quote: byte)
        case UInt8(ascii: "`"):
            return try quotedName()
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: "="), UInt8(ascii: "-"),
            UInt8(ascii: "+"):
            position += 1
            return symbol(start)
        case UInt8(ascii: "<"):
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "=") || bytes[position] == UInt8(ascii: ">") {
                position += 1
            }
            return symbol(start)
        case UInt8(ascii: ">"):
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "=") { position += 1 }
            return symbol(start)
        case UInt8(ascii: "!"):
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "=") {
                position += 1
                return symbol(start)
            }
            throw error(at: start, expected: "'!=' (a '!' stands only before '=')", length: 1)
        default:
            throw error(
                at: start, expected: "a search attribute name, a value, an operator or '('",
                length: Self.scalarLength(leading: byte))
        }
    }

    private func symbol(_ start: Int) -> VisibilityToken {
        var text = text(start..<position)
        // `<>` is SQL's other spelling of `!=`; the parser sees one operator.
        if text == "<>" { text = "!=" }
        return VisibilityToken(kind: .symbol, text: text, offset: start, source: self.text(start..<position))
    }

    private mutating func number() throws(VisibilityQueryError) -> VisibilityToken {
        let start = position
        var isDecimal = false
        while isDigit(at: position) { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isDecimal = true
            position += 1
            while isDigit(at: position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isDecimal = true
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard isDigit(at: position) else {
                throw error(at: start, expected: "digits after the exponent of a number", length: position - start)
            }
            while isDigit(at: position) { position += 1 }
        }
        // A number glued to a word ("12abc") is neither; say so rather than reading two tokens.
        if position < bytes.count, Self.isIdentifierByte(bytes[position]) {
            var end = position
            while end < bytes.count, Self.isIdentifierByte(bytes[end]) { end += 1 }
            throw error(at: start, expected: "a number or a name that does not start with a digit", length: end - start)
        }
        let text = text(start..<position)
        return VisibilityToken(kind: isDecimal ? .decimal : .integer, text: text, offset: start, source: text)
    }

    private mutating func string(quote: UInt8) throws(VisibilityQueryError) -> VisibilityToken {
        let start = position
        position += 1
        var value: [UInt8] = []
        while true {
            guard position < bytes.count else {
                let quoteText = quote == UInt8(ascii: "'") ? "'" : "\""
                throw VisibilityQueryError(
                    .malformedQuery, offset: position, column: Self.column(of: position, in: bytes),
                    expected: "a closing \(quoteText) for the string at column \(Self.column(of: start, in: bytes))",
                    found: "the end of the query")
            }
            let byte = bytes[position]
            if byte == quote {
                // SQL writes a quote inside a string by doubling it.
                if position + 1 < bytes.count, bytes[position + 1] == quote {
                    value.append(quote)
                    position += 2
                    continue
                }
                position += 1
                break
            }
            if byte == UInt8(ascii: "\\") {
                guard position + 1 < bytes.count else {
                    position += 1
                    continue
                }
                let escaped = bytes[position + 1]
                let resolved: UInt8
                switch escaped {
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): resolved = escaped
                case UInt8(ascii: "n"): resolved = 0x0A
                case UInt8(ascii: "t"): resolved = 0x09
                case UInt8(ascii: "r"): resolved = 0x0D
                case UInt8(ascii: "0"): resolved = 0x00
                default:
                    throw error(
                        at: position, expected: "an escape of \\\\, \\', \\\", \\n, \\t, \\r or \\0",
                        length: 1 + Self.scalarLength(leading: escaped))
                }
                value.append(resolved)
                position += 2
                continue
            }
            value.append(byte)
            position += 1
        }
        return VisibilityToken(
            kind: .string, text: String(decoding: value, as: UTF8.self), offset: start, source: text(start..<position))
    }

    private mutating func quotedName() throws(VisibilityQueryError) -> VisibilityToken {
        let start = position
        position += 1
        while position < bytes.count, bytes[position] != UInt8(ascii: "`") { position += 1 }
        guard position < bytes.count else {
            throw VisibilityQueryError(
                .malformedQuery, offset: position, column: Self.column(of: position, in: bytes),
                expected: "a closing ` for the name at column \(Self.column(of: start, in: bytes))",
                found: "the end of the query")
        }
        let name = text((start + 1)..<position)
        position += 1
        return VisibilityToken(kind: .quotedName, text: name, offset: start, source: text(start..<position))
    }

    private func error(at offset: Int, expected: String, length: Int) -> VisibilityQueryError {
        let end = min(bytes.count, offset + max(1, length))
        let token = text(offset..<end)
        return VisibilityQueryError(
            .malformedQuery, offset: offset, column: Self.column(of: offset, in: bytes), token: token,
            expected: expected, found: VisibilityLexer.quoted(token))
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    private func isDigit(at index: Int) -> Bool {
        index < bytes.count && Self.isDigit(bytes[index])
    }

    // MARK: Byte classes and positions

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    static func asciiUppercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
    }

    /// Returns how many bytes the UTF-8 sequence led by `leading` spans (1 for a stray continuation byte).
    static func scalarLength(leading: UInt8) -> Int {
        switch leading {
        case 0xF0...0xF7: 4
        case 0xE0...0xEF: 3
        case 0xC0...0xDF: 2
        default: 1
        }
    }

    /// Returns the 1-based column of byte `offset`: the Unicode scalars before it, plus one.
    static func column(of offset: Int, in bytes: [UInt8]) -> Int {
        var column = 1
        for index in 0..<min(offset, bytes.count) where bytes[index] & 0xC0 != 0x80 {
            column += 1
        }
        return column
    }

    /// Returns `text` in single quotes for an error message, shortened when long.
    static func quoted(_ text: String) -> String {
        let limit = 60
        guard text.unicodeScalars.count > limit else { return "'\(text)'" }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.prefix(limit))
        return "'\(String(scalars))...'"
    }
}
