import Foundation

/// One JSON object whose keys keep the order they were added in, printed one key per line.
/// Scripts read the keys; people read the order.
struct BenchJSON {
    /// A JSON value the benchmark reports.
    enum Value {
        case integer(Int)
        /// A number printed with `decimals` digits after the point (non-finite numbers print as null).
        case number(Double, decimals: Int)
        case string(String)
        case bool(Bool)
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

    /// The object as text.
    var text: String {
        var lines: [String] = []
        for (key, value) in entries { lines.append("  \(Self.quoted(key)): \(Self.render(value))") }
        return "{\n" + lines.joined(separator: ",\n") + "\n}"
    }

    private static func render(_ value: Value) -> String {
        switch value {
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
