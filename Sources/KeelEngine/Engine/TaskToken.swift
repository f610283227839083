/// An opaque handle on one workflow task or one activity attempt, given to the worker that took it
/// and returned with its answer. Tokens are bytes so they can cross a network; `TaskToken(bytes:)`
/// checks them.
public struct TaskToken: Sendable, Hashable, CustomStringConvertible {
    enum Kind: UInt8 {
        case workflow = 1
        case activity = 2
    }

    static let version: UInt8 = 1
    static let bytesMax = 4_096

    let kind: Kind
    let namespace: String
    let execution: WorkflowExecution
    let scheduledEventID: Int64
    /// The workflow task's started event id, or the activity's attempt.
    let sequence: Int64

    init(kind: Kind, namespace: String, execution: WorkflowExecution, scheduledEventID: Int64, sequence: Int64) {
        self.kind = kind
        self.namespace = namespace
        self.execution = execution
        self.scheduledEventID = scheduledEventID
        self.sequence = sequence
    }

    /// The token's bytes: version, kind, namespace, workflow id, run id (each length-prefixed),
    /// scheduled event id and sequence (8 bytes each, little-endian).
    public var bytes: [UInt8] {
        var out: [UInt8] = [Self.version, kind.rawValue]
        for text in [namespace, execution.workflowID.rawValue, execution.runID.rawValue] {
            let utf8 = Array(text.utf8)
            out.append(UInt8(utf8.count & 0xFF))
            out.append(UInt8(utf8.count >> 8))
            out += utf8
        }
        for value in [scheduledEventID, sequence] {
            withUnsafeBytes(of: UInt64(bitPattern: value).littleEndian) { out += $0 }
        }
        return out
    }

    /// Reads a token from its bytes.
    ///
    /// - Throws: `.invalidArgument` naming what was malformed.
    public init(bytes: [UInt8]) throws(EngineError) {
        guard bytes.count <= Self.bytesMax else {
            throw EngineError(.invalidArgument, "task token of \(bytes.count) bytes exceeds \(Self.bytesMax)")
        }
        var position = 0
        func fail(_ what: String) -> EngineError {
            EngineError(.invalidArgument, "malformed task token at byte \(position): \(what)")
        }
        guard bytes.count >= 2 else { throw fail("expected at least 2 bytes, found \(bytes.count)") }
        guard bytes[0] == Self.version else { throw fail("expected version \(Self.version), found \(bytes[0])") }
        guard let kind = Kind(rawValue: bytes[1]) else { throw fail("expected kind 1 or 2, found \(bytes[1])") }
        position = 2
        var texts: [String] = []
        for _ in 0..<3 {
            guard position + 2 <= bytes.count else { throw fail("expected a string length, found the end") }
            let count = Int(bytes[position]) | Int(bytes[position + 1]) << 8
            position += 2
            guard position + count <= bytes.count else {
                throw fail("expected \(count) string bytes, found \(bytes.count - position)")
            }
            guard let text = String(validating: bytes[position..<(position + count)], as: UTF8.self) else {
                throw fail("expected UTF-8 text")
            }
            texts.append(text)
            position += count
        }
        var numbers: [Int64] = []
        for _ in 0..<2 {
            guard position + 8 <= bytes.count else { throw fail("expected 8 bytes of an integer, found the end") }
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
            numbers.append(Int64(bitPattern: value))
            position += 8
        }
        guard position == bytes.count else {
            throw fail("expected the end, found \(bytes.count - position) more bytes")
        }
        self.init(
            kind: kind, namespace: texts[0],
            execution: WorkflowExecution(workflowID: WorkflowID(texts[1]), runID: RunID(texts[2])),
            scheduledEventID: numbers[0], sequence: numbers[1])
    }

    public var description: String {
        "\(kind == .workflow ? "workflow" : "activity") task \(namespace)/\(execution)#\(scheduledEventID).\(sequence)"
    }
}
