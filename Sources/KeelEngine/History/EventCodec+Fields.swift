// Field-level helpers shared by every message: scalar fields with their defaults left out, lists
// and maps with their limits, and the matching readers. FORMAT.md, section 17, is the
// contract these implement.

extension BinaryWriter {
    /// Writes a signed 64-bit integer field unless it is 0.
    @inline(__always)
    mutating func int64(_ field: Int, _ value: Int64) {
        guard value != 0 else { return }
        tag(field, .varint)
        varint(zigzag(value))
    }

    /// Writes a signed 32-bit integer field unless it is 0.
    @inline(__always)
    mutating func int32(_ field: Int, _ value: Int32) { int64(field, Int64(value)) }

    /// Writes a boolean field unless it is false.
    @inline(__always)
    mutating func bool(_ field: Int, _ value: Bool) {
        guard value else { return }
        tag(field, .varint)
        byte(1)
    }

    /// Writes a duration field (nanoseconds) unless it is zero.
    @inline(__always)
    mutating func duration(_ field: Int, _ value: Duration) { int64(field, value.nanoseconds) }

    /// Writes a duration field (nanoseconds) when there is a value, zero included.
    @inline(__always)
    mutating func optionalDuration(_ field: Int, _ value: Duration?) {
        guard let value else { return }
        tag(field, .varint)
        varint(zigzag(value.nanoseconds))
    }

    /// Writes a timestamp field when there is a value.
    @inline(__always)
    mutating func optionalTimestamp(_ field: Int, _ value: Timestamp?) {
        guard let value else { return }
        tag(field, .fixed64)
        fixed64(UInt64(bitPattern: value.rawValue))
    }

    /// Writes a double field unless its bits equal those of `defaultValue`.
    @inline(__always)
    mutating func double(_ field: Int, _ value: Double, default defaultValue: Double) {
        guard value.bitPattern != defaultValue.bitPattern else { return }
        if value.isNaN { violate(.invalidArgument, "a double is NaN, which history cannot hold") }
        tag(field, .fixed64)
        fixed64(value.bitPattern)
    }

    /// Writes a string field unless it is empty.
    @inline(__always)
    mutating func string(_ field: Int, _ value: String) {
        guard !value.isEmpty else { return }
        tag(field, .lengthDelimited)
        lengthPrefixed(value)
    }

    /// Writes a string field when there is a value, the empty string included.
    @inline(__always)
    mutating func optionalString(_ field: Int, _ value: String?) {
        guard let value else { return }
        tag(field, .lengthDelimited)
        lengthPrefixed(value)
    }

    /// Writes an enumeration field, whatever its value.
    @inline(__always)
    mutating func enumeration(_ field: Int, _ raw: UInt8) {
        tag(field, .varint)
        varint(UInt64(raw))
    }

    /// Writes an enumeration field unless its raw value is 0, the enumeration's default.
    @inline(__always)
    mutating func enumerationUnlessZero(_ field: Int, _ raw: UInt8) {
        guard raw != 0 else { return }
        enumeration(field, raw)
    }

    /// Records a violation when a collection holds more than `EventCodec.elementsMax` elements.
    @inline(__always)
    mutating func checkCount(_ count: Int, _ kind: StaticString) {
        if count > EventCodec.elementsMax {
            violate(
                .limitExceeded,
                "a \(kind) holds \(count) elements, more than the \(EventCodec.elementsMax) history allows")
        }
    }

    /// Writes a list of strings unless it is empty.
    mutating func strings(_ field: Int, _ values: [String]) {
        guard !values.isEmpty else { return }
        stringList(field, values)
    }

    /// Writes a list of strings, even an empty one: a count, then each string length-prefixed.
    mutating func stringList(_ field: Int, _ values: [String]) {
        checkCount(values.count, "list")
        tag(field, .lengthDelimited)
        let start = beginLength()
        varint(UInt64(values.count))
        for value in values { lengthPrefixed(value) }
        endLength(start)
    }

    /// Writes a map field unless it is empty: a count, then each key (sorted by UTF-8 bytes) followed by
    /// its value as `value` writes it.
    @inline(__always)
    mutating func map<Value>(_ field: Int, _ map: [String: Value], _ value: (inout BinaryWriter, Value) -> Void) {
        guard !map.isEmpty else { return }
        checkCount(map.count, "map")
        tag(field, .lengthDelimited)
        let start = beginLength()
        varint(UInt64(map.count))
        if map.count == 1, let (key, element) = map.first {
            lengthPrefixed(key)
            value(&self, element)
        } else {
            for (key, element) in map.sorted(by: { utf8Precedes($0.key, $1.key) }) {
                lengthPrefixed(key)
                value(&self, element)
            }
        }
        endLength(start)
    }
}

/// Whether `lhs` sorts before `rhs` by UTF-8 bytes, the order map keys are written in.
func utf8Precedes(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}

extension BinaryReader {
    @inline(__always)
    mutating func int64(_ field: WireField) throws(EngineError) -> Int64 {
        try expect(.varint, field)
        return unzigzag(try varint(field))
    }

    mutating func int32(_ field: WireField) throws(EngineError) -> Int32 {
        try expect(.varint, field)
        let offset = position
        let value = unzigzag(try varint(field))
        guard let narrow = Int32(exactly: value) else {
            throw corrupt("\(field.name): expected a 32-bit integer, found \(value)", at: offset)
        }
        return narrow
    }

    mutating func bool(_ field: WireField) throws(EngineError) -> Bool {
        try expect(.varint, field)
        let offset = position
        let value = try varint(field)
        guard value <= 1 else {
            throw corrupt("\(field.name): expected a boolean (0 or 1), found \(value)", at: offset)
        }
        return value == 1
    }

    @inline(__always)
    mutating func duration(_ field: WireField) throws(EngineError) -> Duration {
        .nanoseconds(try int64(field))
    }

    mutating func timestamp(_ field: WireField) throws(EngineError) -> Timestamp {
        try expect(.fixed64, field)
        return Timestamp(rawValue: Int64(bitPattern: try fixed64(field)))
    }

    mutating func double(_ field: WireField) throws(EngineError) -> Double {
        try expect(.fixed64, field)
        let offset = position
        let value = Double(bitPattern: try fixed64(field))
        guard !value.isNaN else { throw corrupt("\(field.name): expected a number, found NaN", at: offset) }
        return value
    }

    @inline(__always)
    mutating func string(_ field: WireField) throws(EngineError) -> String {
        try expect(.lengthDelimited, field)
        return try text(try length(field, of: "text"), field)
    }

    mutating func bytesValue(_ field: WireField) throws(EngineError) -> [UInt8] {
        try expect(.lengthDelimited, field)
        return rawBytes(try length(field, of: "bytes"))
    }

    /// Reads an enumeration field whose raw value must be one of `E`'s cases.
    mutating func enumeration<E: RawRepresentable & CaseIterable>(
        _ field: WireField, _ type: E.Type
    ) throws(EngineError) -> E where E.RawValue == UInt8 {
        try expect(.varint, field)
        let offset = position
        let raw = try varint(field)
        guard raw <= UInt64(UInt8.max), let value = E(rawValue: UInt8(raw)) else {
            let allowed = E.allCases.map { String($0.rawValue) }.joined(separator: ", ")
            throw corrupt("\(field.name): expected a \(E.self) (one of \(allowed)), found \(raw)", at: offset)
        }
        return value
    }

    /// Reads the element count at the start of a list or map body and checks it against the limit and
    /// against the bytes left (each element takes at least `minimumBytes`).
    mutating func count(_ field: WireField, minimumBytes: Int) throws(EngineError) -> Int {
        let offset = position
        let count = try varint(field)
        guard count <= UInt64(EventCodec.elementsMax) else {
            throw corrupt(
                "\(field.name): expected at most \(EventCodec.elementsMax) elements, found a count of \(count)",
                at: offset)
        }
        guard Int(count) * minimumBytes <= remaining else {
            throw corrupt(
                "\(field.name): expected \(count) elements of at least \(minimumBytes) bytes each, "
                    + "found \(remaining) bytes",
                at: offset)
        }
        return Int(count)
    }

    /// Reads a list of strings.
    mutating func strings(_ field: WireField) throws(EngineError) -> [String] {
        try expect(.lengthDelimited, field)
        let outer = try enter(field, "list")
        let count = try count(field, minimumBytes: 1)
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try text(try length(field, of: "text"), field))
        }
        try leave(outer, field, "the list")
        return values
    }

    /// Reads a map: keys must be UTF-8, in strictly increasing byte order, and distinct as Swift strings.
    @inline(__always)
    mutating func map<Value>(
        _ field: WireField, _ value: (inout BinaryReader, WireField) throws(EngineError) -> Value
    ) throws(EngineError) -> [String: Value] {
        try expect(.lengthDelimited, field)
        let outer = try enter(field, "map")
        let count = try count(field, minimumBytes: 2)
        var map = [String: Value](minimumCapacity: count)
        var previousStart = -1
        var previousCount = 0
        for _ in 0..<count {
            let keyCount = try length(field, of: "map key")
            let keyStart = position
            if previousStart >= 0, !bytesPrecede(previousStart, previousCount, keyStart, keyCount) {
                throw corrupt(
                    "\(field.name): expected map keys in increasing order of their UTF-8 bytes, "
                        + "found a key that does not sort after the one at byte \(previousStart)",
                    at: keyStart)
            }
            let key = try text(keyCount, field)
            let element = try value(&self, field)
            if map.updateValue(element, forKey: key) != nil {
                throw corrupt(
                    "\(field.name): expected distinct map keys, found a key equal (as Unicode text) to an earlier one",
                    at: keyStart)
            }
            previousStart = keyStart
            previousCount = keyCount
        }
        try leave(outer, field, "the map")
        return map
    }

    /// Reads a length-prefixed byte string: a map value of `Payload.metadata`.
    mutating func bytesElement(_ field: WireField) throws(EngineError) -> [UInt8] {
        rawBytes(try length(field, of: "bytes"))
    }
}
