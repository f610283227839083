import KeelEngine

// The proto3 JSON forms of scalar values: 64-bit integers, doubles, durations, timestamps, bytes and
// enumerations, each with its writer and its strict reader.

extension HistoryJSON {
    /// A JSON object read as a proto message: members are looked up by name, a member that is absent or
    /// `null` takes its default, and members Keel does not know are ignored.
    struct Fields {
        let members: [(key: String, value: Value)]

        /// Reads `value` as an object; `expected` describes it in the error when it is not one.
        init(_ value: Value, expected: String) throws(HistoryJSONError) {
            guard case .object(let members) = value else {
                throw HistoryJSONError(.wrongType, expected: expected, found: value.summary)
            }
            // Proto3 JSON readers accept a field's original name ("event_id") as well as its JSON name
            // ("eventId"); renaming the first to the second here lets every lookup use one name.
            if members.contains(where: { $0.key.utf8.contains(UInt8(ascii: "_")) }) {
                self.members = members.map { (HistoryJSON.lowerCamelCase($0.key), $0.value) }
            } else {
                self.members = members
            }
        }

        /// The value of member `key`, or nil when it is absent or null.
        subscript(key: String) -> Value? {
            for member in members where member.key == key {
                if case .null = member.value { return nil }
                return member.value
            }
            return nil
        }

        /// Returns `read` applied to member `key`, or nil when the member is absent or null; an error
        /// from `read` gets `key` in its path.
        func read<Result>(
            _ key: String, _ read: (Value) throws(HistoryJSONError) -> Result
        ) throws(HistoryJSONError) -> Result? {
            guard let value = self[key] else { return nil }
            do throws(HistoryJSONError) {
                return try read(value)
            } catch {
                throw error.within(key)
            }
        }

        /// Returns member `key` as an object, or nil when it is absent.
        func message(_ key: String) throws(HistoryJSONError) -> Fields? {
            try read(key) { (value) throws(HistoryJSONError) in try Fields(value, expected: "an object") }
        }

        func string(_ key: String) throws(HistoryJSONError) -> String {
            try read(key, HistoryJSON.string) ?? ""
        }

        func optionalString(_ key: String) throws(HistoryJSONError) -> String? {
            try read(key, HistoryJSON.string)
        }

        func int64(_ key: String) throws(HistoryJSONError) -> Int64 {
            try read(key, HistoryJSON.int64) ?? 0
        }

        func int32(_ key: String) throws(HistoryJSONError) -> Int32 {
            try read(key, HistoryJSON.int32) ?? 0
        }

        func bool(_ key: String) throws(HistoryJSONError) -> Bool {
            try read(key, HistoryJSON.bool) ?? false
        }

        func duration(_ key: String) throws(HistoryJSONError) -> Duration? {
            try read(key, HistoryJSON.duration)
        }

        func timestamp(_ key: String) throws(HistoryJSONError) -> Timestamp? {
            try read(key, HistoryJSON.timestamp)
        }

        /// Returns member `key` as a case of `table`, or nil when it is absent or the table's unspecified value.
        func enumeration<Case>(_ key: String, _ table: EnumTable<Case>) throws(HistoryJSONError) -> Case? {
            try read(key) { (value) throws(HistoryJSONError) in try table.decode(value) } ?? nil
        }

        /// Returns member `key` as a case of `table`; when it is absent or unspecified, returns
        /// `fallback` if there is one, otherwise throws.
        func requiredEnumeration<Case>(
            _ key: String, _ table: EnumTable<Case>, default fallback: Case? = nil
        ) throws(HistoryJSONError) -> Case {
            if let value = try enumeration(key, table) { return value }
            if let fallback { return fallback }
            throw HistoryJSONError(.missingField, expected: table.described, found: "nothing").within(key)
        }

        /// Returns the `name` of the object in member `key` (Temporal's `WorkflowType`, `ActivityType`).
        func typeName(_ key: String) throws(HistoryJSONError) -> String {
            try message(key)?.string("name") ?? ""
        }

        /// Returns the elements of the array in member `key`, at most `EventCodec.elementsMax` of them,
        /// each read by `read`.
        func list<Element>(
            _ key: String, _ read: (Value) throws(HistoryJSONError) -> Element
        ) throws(HistoryJSONError) -> [Element] {
            try self.read(key) { (value) throws(HistoryJSONError) in try HistoryJSON.list(value, read) } ?? []
        }

        /// Returns the entries of the object in member `key`, at most `EventCodec.elementsMax` of them,
        /// each value read by `read`.
        func map<Element>(
            _ key: String, _ read: (Value) throws(HistoryJSONError) -> Element
        ) throws(HistoryJSONError) -> [String: Element] {
            try self.read(key) { (value) throws(HistoryJSONError) in try HistoryJSON.map(value, read) } ?? [:]
        }
    }

    /// Returns "event_id" as "eventId"; a name without underscores is returned as it is.
    static func lowerCamelCase(_ name: String) -> String {
        guard name.utf8.contains(UInt8(ascii: "_")) else { return name }
        var result = ""
        var upperNext = false
        for character in name {
            if character == "_" {
                upperNext = true
            } else {
                result += upperNext ? character.uppercased() : String(character)
                upperNext = false
            }
        }
        return result
    }

    static func list<Element>(
        _ value: Value, _ read: (Value) throws(HistoryJSONError) -> Element
    ) throws(HistoryJSONError) -> [Element] {
        guard case .array(let elements) = value else {
            throw HistoryJSONError(.wrongType, expected: "an array", found: value.summary)
        }
        guard elements.count <= EventCodec.elementsMax else {
            throw HistoryJSONError(
                .limitExceeded, expected: "at most \(EventCodec.elementsMax) elements",
                found: "\(elements.count) elements")
        }
        var result: [Element] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do throws(HistoryJSONError) {
                result.append(try read(element))
            } catch {
                throw error.within(index: index)
            }
        }
        return result
    }

    static func map<Element>(
        _ value: Value, _ read: (Value) throws(HistoryJSONError) -> Element
    ) throws(HistoryJSONError) -> [String: Element] {
        guard case .object(let members) = value else {
            throw HistoryJSONError(.wrongType, expected: "an object", found: value.summary)
        }
        guard members.count <= EventCodec.elementsMax else {
            throw HistoryJSONError(
                .limitExceeded, expected: "at most \(EventCodec.elementsMax) entries",
                found: "\(members.count) entries")
        }
        var result: [String: Element] = [:]
        result.reserveCapacity(members.count)
        for member in members {
            do throws(HistoryJSONError) {
                // Unlike a message field, a map value may not be null: it would have no value to hold.
                if case .null = member.value {
                    throw HistoryJSONError(.wrongType, expected: "a map value", found: "null")
                }
                result[member.key] = try read(member.value)
            } catch {
                throw error.within(member.key)
            }
        }
        return result
    }

    // MARK: - Strings, integers, booleans

    static func string(_ value: Value) throws(HistoryJSONError) -> String {
        guard case .string(let text) = value else {
            throw HistoryJSONError(.wrongType, expected: "a string", found: value.summary)
        }
        return text
    }

    static func bool(_ value: Value) throws(HistoryJSONError) -> Bool {
        guard case .bool(let flag) = value else {
            throw HistoryJSONError(.wrongType, expected: "true or false", found: value.summary)
        }
        return flag
    }

    /// Reads an int64: a decimal string, as proto3 JSON writes it, or a JSON integer, as older tools did.
    static func int64(_ value: Value) throws(HistoryJSONError) -> Int64 {
        let expected = "an int64 (a decimal string such as \"42\")"
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let number): text = number
        default: throw HistoryJSONError(.wrongType, expected: expected, found: value.summary)
        }
        guard let integer = integer(text) else {
            throw HistoryJSONError(.invalidValue, expected: expected, found: value.summary)
        }
        return integer
    }

    /// Reads an int32: a JSON integer, as proto3 JSON writes it, or a decimal string.
    static func int32(_ value: Value) throws(HistoryJSONError) -> Int32 {
        let expected = "an int32 (an integer from \(Int32.min) to \(Int32.max))"
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let number): text = number
        default: throw HistoryJSONError(.wrongType, expected: expected, found: value.summary)
        }
        guard let integer = integer(text), let narrow = Int32(exactly: integer) else {
            throw HistoryJSONError(.invalidValue, expected: expected, found: value.summary)
        }
        return narrow
    }

    /// Returns the value of `-?[0-9]+` when it fits an Int64; nil for any other text.
    static func integer(_ text: String) -> Int64? {
        let utf8 = text.utf8
        guard let first = utf8.first else { return nil }
        let digits = first == UInt8(ascii: "-") ? utf8.dropFirst() : utf8[...]
        guard !digits.isEmpty, digits.count <= 19,
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int64(text)
    }

    // MARK: - Doubles

    /// Returns the proto3 JSON form of a double: a number, or "Infinity" / "-Infinity". Never NaN: Keel
    /// refuses NaN in events.
    static func encodeDouble(_ value: Double) -> Value {
        if value == .infinity { return .string("Infinity") }
        if value == -.infinity { return .string("-Infinity") }
        // Swift's description is the shortest text that reads back as the same double, and is JSON.
        return .number(value.description)
    }

    /// Reads a double: a JSON number, a number in a string, or "Infinity" / "-Infinity". NaN is refused.
    static func double(_ value: Value) throws(HistoryJSONError) -> Double {
        let expected = "a finite number, \"Infinity\" or \"-Infinity\""
        switch value {
        case .number(let text):
            guard let number = Double(text), number.isFinite else {
                throw HistoryJSONError(.invalidValue, expected: expected, found: value.summary)
            }
            return number
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .string(let text):
            guard isNumberText(text), let number = Double(text), number.isFinite else {
                throw HistoryJSONError(.invalidValue, expected: expected, found: value.summary)
            }
            return number
        default:
            throw HistoryJSONError(.wrongType, expected: expected, found: value.summary)
        }
    }

    /// True when `text` is a JSON number (Swift's `Double.init` also takes "nan", "inf" and hex floats).
    static func isNumberText(_ text: String) -> Bool {
        var parser = Parser(bytes: Array(text.utf8))
        guard let value = try? parser.document(), case .number = value else { return false }
        return true
    }

    // MARK: - Durations

    /// Returns a duration as proto3 JSON writes it: seconds with 0, 3, 6 or 9 fraction digits and an `s`.
    static func encodeDuration(_ duration: Duration) -> Value {
        let nanoseconds = duration.nanoseconds
        let magnitude = nanoseconds.magnitude
        let seconds = magnitude / 1_000_000_000
        let fraction = magnitude % 1_000_000_000
        var text = nanoseconds < 0 ? "-" : ""
        text += String(seconds)
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            while digits.count > 3, digits.hasSuffix("000") { digits.removeLast(3) }
            text += "." + digits
        }
        return .string(text + "s")
    }

    /// Reads a duration string such as "10s", "1.5s" or "-0.000000001s".
    static func duration(_ value: Value) throws(HistoryJSONError) -> Duration {
        let expected = "a duration such as \"10s\" or \"1.500s\""
        guard case .string(let text) = value else {
            throw HistoryJSONError(.wrongType, expected: expected, found: value.summary)
        }
        guard let nanoseconds = durationNanoseconds(text) else {
            throw HistoryJSONError(.invalidValue, expected: expected, found: value.summary)
        }
        return .nanoseconds(nanoseconds)
    }

    /// Returns the nanoseconds of `-?[0-9]+(\.[0-9]{1,9})?s` when they fit an Int64; nil otherwise.
    static func durationNanoseconds(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        guard bytes.last == UInt8(ascii: "s") else { return nil }
        bytes.removeLast()
        let isNegative = bytes.first == UInt8(ascii: "-")
        if isNegative { bytes.removeFirst() }
        var seconds: UInt64 = 0
        var index = 0
        while index < bytes.count, let digit = decimalDigit(bytes[index]) {
            let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 10)
            guard !overflow, scaled <= UInt64(Int64.max) else { return nil }
            seconds = scaled + UInt64(digit)
            index += 1
        }
        guard index > 0 else { return nil }
        var fraction: UInt64 = 0
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: "."), index + 1 < bytes.count, bytes.count - index - 1 <= 9 else {
                return nil
            }
            var digits = 0
            for byte in bytes[(index + 1)...] {
                guard let digit = decimalDigit(byte) else { return nil }
                fraction = fraction * 10 + UInt64(digit)
                digits += 1
            }
            for _ in digits..<9 { fraction *= 10 }
        }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (magnitude, carry) = scaled.addingReportingOverflow(fraction)
        guard !carry else { return nil }
        if isNegative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    private static func decimalDigit(_ byte: UInt8) -> UInt8? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
    }

    // MARK: - Timestamps

    /// Returns a time as an RFC 3339 string in UTC with nanoseconds.
    static func encodeTimestamp(_ time: Timestamp) -> Value {
        .string(time.description)
    }

    /// Reads an RFC 3339 time, such as "2026-01-02T03:04:05.123456789Z" or with an offset like "+02:00".
    static func timestamp(_ value: Value) throws(HistoryJSONError) -> Timestamp {
        let expected = "an RFC 3339 time such as \"2026-01-02T03:04:05.123Z\" between 1677 and 2262"
        guard case .string(let text) = value else {
            throw HistoryJSONError(.wrongType, expected: expected, found: value.summary)
        }
        guard let time = parseTimestamp(text) else {
            throw HistoryJSONError(.invalidValue, expected: expected, found: value.summary)
        }
        return time
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`; nil when the text is not in that form, names a
    /// day that does not exist, or lies outside the nanosecond range of `Timestamp`.
    static func parseTimestamp(_ text: String) -> Timestamp? {
        let bytes = Array(text.utf8)
        var position = 0
        func number(_ width: Int) -> Int64? {
            guard position + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[position..<(position + width)] {
                guard let digit = decimalDigit(byte) else { return nil }
                value = value * 10 + Int64(digit)
            }
            position += width
            return value
        }
        func take(_ allowed: String) -> Bool {
            guard position < bytes.count, allowed.utf8.contains(bytes[position]) else { return false }
            position += 1
            return true
        }
        guard let year = number(4), take("-"), let month = number(2), take("-"), let day = number(2), take("Tt"),
            let hour = number(2), take(":"), let minute = number(2), take(":"), let second = number(2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
            second < 60
        else { return nil }
        var fraction: Int64 = 0
        if take(".") {
            var digits = 0
            while position < bytes.count, let digit = decimalDigit(bytes[position]) {
                guard digits < 9 else { return nil }
                fraction = fraction * 10 + Int64(digit)
                digits += 1
                position += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { fraction *= 10 }
        }
        var offset: Int64 = 0
        if !take("Zz") {
            guard position < bytes.count else { return nil }
            let sign: Int64 = bytes[position] == UInt8(ascii: "-") ? -1 : 1
            guard take("+-"), let offsetHours = number(2), take(":"), let offsetMinutes = number(2),
                offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard position == bytes.count else { return nil }
        let seconds =
            daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
            - offset
        // Times before 1970 with a fraction are computed from the next whole second down, so that the
        // earliest representable time (which needs both) does not overflow on the way.
        let whole = fraction > 0 && seconds < 0 ? seconds + 1 : seconds
        let part = fraction > 0 && seconds < 0 ? fraction - 1_000_000_000 : fraction
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (total, carry) = scaled.addingReportingOverflow(part)
        guard !carry else { return nil }
        return Timestamp(rawValue: total)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Returns the days from 1970-01-01 to a date of the proleptic Gregorian calendar, counting years
    /// from March so that the leap day falls at the end of each counted year.
    private static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let cycle = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
        let yearOfCycle = marchYear - cycle * 400
        let marchMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * marchMonth + 2) / 5 + day - 1
        let dayOfCycle = yearOfCycle * 365 + yearOfCycle / 4 - yearOfCycle / 100 + dayOfYear
        return cycle * 146_097 + dayOfCycle - 719_468
    }

    // MARK: - Bytes

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Returns `bytes` in standard base64 with padding, as proto3 JSON writes bytes.
    static func encodeBytes(_ bytes: [UInt8]) -> Value {
        var text: [UInt8] = []
        text.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { text.append(base64Alphabet[Int(group >> UInt32(shift) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let group = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            text.append(base64Alphabet[Int(group >> 18 & 63)])
            text.append(base64Alphabet[Int(group >> 12 & 63)])
            text.append(rest == 2 ? base64Alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            text.append(UInt8(ascii: "="))
        }
        return .string(String(decoding: text, as: UTF8.self))
    }

    /// Reads base64 bytes: the standard or the URL-safe alphabet, with or without padding.
    static func bytes(_ value: Value) throws(HistoryJSONError) -> [UInt8] {
        let expected = "base64 text"
        guard case .string(let text) = value else {
            throw HistoryJSONError(.wrongType, expected: expected, found: value.summary)
        }
        guard let bytes = decodeBase64(text) else {
            throw HistoryJSONError(.invalidValue, expected: expected, found: value.summary)
        }
        return bytes
    }

    /// Returns the bytes of base64 `text`, or nil when it is not base64.
    static func decodeBase64(_ text: String) -> [UInt8]? {
        var symbols = Array(text.utf8)
        var padding = 0
        while symbols.last == UInt8(ascii: "=") {
            symbols.removeLast()
            padding += 1
        }
        guard padding <= 2, padding == 0 || (symbols.count + padding) % 4 == 0, symbols.count % 4 != 1 else {
            return nil
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(symbols.count * 3 / 4)
        var group: UInt32 = 0
        var count = 0
        for symbol in symbols {
            let sextet: UInt8
            switch symbol {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): sextet = symbol - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): sextet = symbol - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sextet = symbol - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): sextet = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): sextet = 63
            default: return nil
            }
            group = group << 6 | UInt32(sextet)
            count += 1
            if count == 4 {
                bytes.append(UInt8(truncatingIfNeeded: group >> 16))
                bytes.append(UInt8(truncatingIfNeeded: group >> 8))
                bytes.append(UInt8(truncatingIfNeeded: group))
                group = 0
                count = 0
            }
        }
        if count == 2 {
            bytes.append(UInt8(truncatingIfNeeded: group >> 4))
        } else if count == 3 {
            bytes.append(UInt8(truncatingIfNeeded: group >> 10))
            bytes.append(UInt8(truncatingIfNeeded: group >> 2))
        }
        return bytes
    }
}
