/// Encodes and decodes the opaque page tokens of `VisibilityStore.list`.
///
/// A token names a position in the query's order: the sort values and run id of the last record a page
/// returned. The next page starts after that position, so records inserted between pages are neither
/// repeated nor make existing ones skip. Layout (integers little-endian):
///
/// ```
/// version: 1 (= 1)
/// query hash: 8        FNV-1a 64 of the namespace's UTF-8, a 0 byte, the query's UTF-8
/// value count: 1       one per sort term
/// values               each a tag byte, then: 0 null | 1 string: length u32, UTF-8 | 2 int: 8 | 3 double: 8 (bits)
///                      | 4 bool: 1 (0 or 1) | 5 datetime: 8 (ns) | 6 status: 1 (raw value)
/// run id               length u32, UTF-8
/// checksum: 8          FNV-1a 64 of every byte before it
/// ```
enum VisibilityPageToken {
    static let version: UInt8 = 1

    /// Returns the token for the position `cursor` of `query` in `namespace`.
    static func encode(_ cursor: VisibilityCursor, namespace: String, query: VisibilityQuery) -> [UInt8] {
        var bytes: [UInt8] = [version]
        append(queryHash(namespace: namespace, query: query.text), to: &bytes)
        bytes.append(UInt8(cursor.values.count))
        for value in cursor.values {
            switch value {
            case nil: bytes.append(0)
            case .string(let text)?:
                bytes.append(1)
                appendString(text, to: &bytes)
            case .int(let integer)?:
                bytes.append(2)
                append(UInt64(bitPattern: integer), to: &bytes)
            case .double(let double)?:
                bytes.append(3)
                append(double.bitPattern, to: &bytes)
            case .bool(let bool)?:
                bytes.append(4)
                bytes.append(bool ? 1 : 0)
            case .datetime(let time)?:
                bytes.append(5)
                append(UInt64(bitPattern: time.rawValue), to: &bytes)
            case .status(let status)?:
                bytes.append(6)
                bytes.append(status.rawValue)
            }
        }
        appendString(cursor.runID, to: &bytes)
        append(fnv1a(bytes[...]), to: &bytes)
        return bytes
    }

    /// Returns the position `token` names, after checking it was issued for `query` in `namespace`.
    /// - Throws: `VisibilityQueryError` with code `.invalidPageToken` when the token is truncated, damaged,
    ///   of another version, issued for another query or namespace, or holds values of the wrong kinds.
    static func decode(
        _ token: [UInt8], namespace: String, query: VisibilityQuery
    ) throws(VisibilityQueryError) -> VisibilityCursor {
        guard token.count >= 1 + 8 + 1 + 4 + 8 else {
            throw invalid(expected: "a token of at least 22 bytes", found: "\(token.count) bytes")
        }
        let body = token[..<(token.count - 8)]
        var reader = Reader(bytes: token, position: token.count - 8)
        guard let storedChecksum = reader.uint64(), storedChecksum == fnv1a(body) else {
            throw invalid(expected: "a token this store issued", found: "a token whose checksum does not match")
        }
        reader = Reader(bytes: token, position: 0, end: token.count - 8)
        guard reader.byte() == version else {
            throw invalid(expected: "a token of version \(version)", found: "version \(token[0])")
        }
        guard reader.uint64() == queryHash(namespace: namespace, query: query.text) else {
            throw invalid(
                expected: "a token issued for this query and namespace", found: "a token of another query or namespace")
        }
        guard let count = reader.byte(), Int(count) == query.order.count else {
            throw invalid(
                expected: "\(query.order.count) sort values", found: "\(token.count > 9 ? Int(token[9]) : 0)")
        }
        var values: [VisibilityValue?] = []
        for term in query.order {
            switch reader.value() {
            case .damaged:
                throw invalid(expected: "a well-formed sort value", found: "damaged bytes")
            case .null:
                values.append(nil)
            case .value(let value):
                guard term.attribute.accepts(value) else {
                    throw invalid(
                        expected: "a \(term.attribute.type) value for '\(term.attribute.name)'", found: "another kind")
                }
                values.append(value)
            }
        }
        guard let runID = reader.string(), reader.isAtEnd else {
            throw invalid(expected: "a run id ending the token", found: "damaged bytes")
        }
        return VisibilityCursor(values: values, runID: runID)
    }

    private static func invalid(expected: String, found: String) -> VisibilityQueryError {
        VisibilityQueryError(.invalidPageToken, expected: expected, found: found)
    }

    private static func queryHash(namespace: String, query: String) -> UInt64 {
        fnv1a(Array(namespace.utf8) + [0] + Array(query.utf8))
    }

    private static func fnv1a<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func appendString(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        precondition(utf8.count <= Int(UInt32.max), "a sort value of \(utf8.count) bytes does not fit a page token")
        for shift in stride(from: 0, to: 32, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: UInt32(utf8.count) >> UInt32(shift)))
        }
        bytes.append(contentsOf: utf8)
    }

    /// A bounds-checked reader: every read returns nil rather than run past `end`.
    private struct Reader {
        let bytes: [UInt8]
        var position: Int
        var end: Int

        init(bytes: [UInt8], position: Int, end: Int? = nil) {
            self.bytes = bytes
            self.position = position
            self.end = end ?? bytes.count
        }

        var isAtEnd: Bool { position == end }

        mutating func byte() -> UInt8? {
            guard position < end else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func uint64() -> UInt64? {
            guard end - position >= 8 else { return nil }
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(bytes[position + index]) << UInt64(8 * index) }
            position += 8
            return value
        }

        mutating func string() -> String? {
            guard end - position >= 4 else { return nil }
            var length = 0
            for index in 0..<4 { length |= Int(bytes[position + index]) << (8 * index) }
            position += 4
            guard end - position >= length else { return nil }
            let slice = bytes[position..<(position + length)]
            position += length
            // Only valid UTF-8 round-trips to the same bytes; anything else was not written by `encode`.
            return String(validating: slice, as: UTF8.self)
        }

        enum Decoded {
            case damaged
            case null
            case value(VisibilityValue)
        }

        mutating func value() -> Decoded {
            guard let tag = byte() else { return .damaged }
            let value: VisibilityValue?
            switch tag {
            case 0: return .null
            case 1: value = string().map { .string($0) }
            case 2: value = uint64().map { .int(Int64(bitPattern: $0)) }
            case 3: value = uint64().map { .double(Double(bitPattern: $0)) }
            case 4: value = byte().flatMap { $0 <= 1 ? .bool($0 == 1) : nil }
            case 5: value = uint64().map { .datetime(Timestamp(rawValue: Int64(bitPattern: $0))) }
            case 6: value = byte().flatMap(ExecutionStatus.init(rawValue:)).map { .status($0) }
            default: value = nil
            }
            return value.map { .value($0) } ?? .damaged
        }
    }
}
