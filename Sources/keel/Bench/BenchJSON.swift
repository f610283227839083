import Foundation

/// One JSON object whose keys keep the order they were added in, printed one key per line (nested
/// objects and arrays indented). Scripts read the keys; people read the order.
struct BenchJSON {
    /// A JSON value the benchmark reports.
    enum Value {
        case integer(Int)
        /// A number printed with `decimals` digits after the point (non-finite numbers print as null).
        case number(Double, decimals: Int)
        case string(String)
        case bool(Bool)
        /// A nested object, such as one suite's report inside `keel bench`'s.
        indirect case object(BenchJSON)
        /// A list, such as the soak's intervals.
        indirect case array([Value])
    }

    private(set) var entries: [(key: String, value: Value)] = []

    mutating func set(_ key: String, _ value: Value) {
        precondition(!entries.contains { $0.key == key }, "the key \(key) is reported twice")
        entries.append((key, value))
    }

    mutating func set(_ key: String, _ value: Int) { set(key, .integer(value)) }
    mutating func set(_ key: String, _ value: UInt64) { set(key, .integer(Int(clamping: value))) }
    mutating func set(_ key: String, _ value: Double, decimals: Int = 1) {
        set(key, .number(value, decimals: decimals))
    }
    mutating func set(_ key: String, _ value: String) { set(key, .string(value)) }
    mutating func set(_ key: String, _ value: Bool) { set(key, .bool(value)) }
    mutating func set(_ key: String, _ value: BenchJSON) { set(key, .object(value)) }

    /// Returns the value of `key` as a number, or nil when it is missing or not a number.
    func number(_ key: String) -> Double? {
        switch entries.first(where: { $0.key == key })?.value {
        case .integer(let integer): Double(integer)
        case .number(let number, _): number
        default: nil
        }
    }

    /// The object as text.
    var text: String { Self.render(.object(self), indent: "") }

    private static func render(_ value: Value, indent: String) -> String {
        let inner = indent + "  "
        switch value {
        case .object(let object):
            guard !object.entries.isEmpty else { return "{}" }
            let lines = object.entries.map { "\(inner)\(quoted($0.key)): \(render($0.value, indent: inner))" }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(indent)}"
        case .array(let values):
            guard !values.isEmpty else { return "[]" }
            let lines = values.map { inner + render($0, indent: inner) }
            return "[\n" + lines.joined(separator: ",\n") + "\n\(indent)]"
        case .integer(let integer): return String(integer)
        case .number(let number, let decimals):
            guard number.isFinite else { return "null" }
            return String(format: "%.\(decimals)f", number)
        case .string(let string): return quoted(string)
        case .bool(let bool): return bool ? "true" : "false"
        }
    }

    private static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 {
                    result += String(format: "\\u%04x", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
