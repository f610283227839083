import KeelEngine

/// Exports and imports histories as JSON in the shape Temporal uses for history export: the proto3 JSON
/// mapping of `temporal.api.history.v1.History`, as `temporal workflow show --output json` prints it and
/// as the Temporal Web UI downloads it.
///
/// The document is `{"events": [...]}`; each event has `eventId`, `eventTime`, `eventType` and one
/// `<eventType>EventAttributes` object. Values follow the proto3 JSON rules: 64-bit integers are
/// decimal strings, durations are strings such as `"10s"` or `"1.500s"`, times are RFC 3339 in UTC,
/// enumerations are their full proto names (`"TIMEOUT_TYPE_START_TO_CLOSE"`), bytes are base64, and a
/// field equal to its default is left out.
///
/// Decoding is strict about what it reads and lenient about what it skips. A value of the wrong type,
/// an unknown event type or enumeration name, or a document over the limits below is a
/// `HistoryJSONError` naming the JSON path, what was expected and what was found. Fields Keel's model
/// does not have (Temporal's `taskId`, `version`, `workerVersion`, Nexus fields, ...) are ignored, so
/// exports of newer Temporal servers still load. Decoding also accepts what older tools wrote: integers
/// as JSON numbers, enumerations as numbers or as short names (`"StartToClose"`), a bare array of events.
///
/// Events within `EventCodec`'s limits survive a round trip: `decode(encode(events)) == events`. Where
/// the two models differ:
///
/// - The one field Keel has and Temporal lacks, the request id of `WorkflowExecutionStarted`, is written
///   as `requestId` when it is not empty.
/// - An optional Keel value that is present is written even when empty (`"newExecutionRunId": ""`,
///   `"workflowRunTimeout": "0s"`), and read back as present. A Temporal export's `"0s"` timeouts (its
///   way of saying "none") therefore read as zero durations, not as nil.
/// - A failure of a kind Keel lacks (Temporal's reset and Nexus failure infos, or none) reads as an
///   application failure with no type.
/// - A `*_FAILED_CAUSE_*` value Temporal does not define for that event (Keel never records one) is
///   written with Keel's name under the event's prefix, so that it round-trips.
/// - Search attributes are payloads of JSON with Temporal's `type` metadata (`"Keyword"`, `"Int"`, ...);
///   JSON `null` (Temporal's unset) reads as an empty keyword list (Keel's removal).
public enum HistoryJSON {
    /// The largest document `decode` reads, in bytes.
    public static let bytesMax = 256 << 20
    /// The most events a document may hold.
    public static let eventsMax = 1 << 20
    /// The deepest nesting of JSON arrays and objects `decode` accepts: room for a cause chain of
    /// `EventCodec.failureDepthMax` failures inside an event, and no more, so parsing never exhausts the stack.
    public static let nestingDepthMax = EventCodec.failureDepthMax + 32

    /// Returns the JSON export of `events`: indented with two spaces when `pretty`, otherwise on one line.
    ///
    /// - Complexity: O(n) in the size of the output.
    public static func encode(_ events: [HistoryEvent], pretty: Bool = true) -> [UInt8] {
        var list: [Value] = []
        list.reserveCapacity(events.count)
        for event in events { list.append(.object(encodeEvent(event))) }
        var document = ObjectBuilder()
        document.add("events", .array(list))
        var writer = Writer(pretty: pretty)
        writer.write(.object(document.object))
        if pretty { writer.bytes.append(UInt8(ascii: "\n")) }
        return writer.bytes
    }

    /// Returns the JSON export of `events` as a string.
    ///
    /// - Complexity: O(n) in the size of the output.
    public static func encodeString(_ events: [HistoryEvent], pretty: Bool = true) -> String {
        String(decoding: encode(events, pretty: pretty), as: UTF8.self)
    }

    /// Returns the events of a JSON history export.
    ///
    /// - Complexity: O(n) in the size of `bytes`.
    /// - Throws: `HistoryJSONError` when the bytes are not JSON, not a history in Temporal's export shape,
    ///   hold a value Keel cannot represent, or exceed `bytesMax`, `eventsMax` or `nestingDepthMax`.
    public static func decode(_ bytes: some Collection<UInt8>) throws(HistoryJSONError) -> [HistoryEvent] {
        guard bytes.count <= bytesMax else {
            throw HistoryJSONError(
                .limitExceeded, expected: "a document of at most \(bytesMax) bytes", found: "\(bytes.count) bytes")
        }
        var parser = Parser(bytes: Array(bytes))
        let root = try parser.document()
        return try decodeDocument(root)
    }

    /// Returns the events of a JSON history export held in a string.
    ///
    /// - Complexity: O(n) in the length of `text`.
    /// - Throws: `HistoryJSONError`, as `decode(_:)` over the string's UTF-8 bytes.
    public static func decode(_ text: String) throws(HistoryJSONError) -> [HistoryEvent] {
        try decode(Array(text.utf8))
    }

    /// Returns the events of a parsed document: `{"events": [...]}`, or a bare array of events.
    static func decodeDocument(_ root: Value) throws(HistoryJSONError) -> [HistoryEvent] {
        let list: [Value]
        switch root {
        case .array(let elements):
            list = elements
        case .object:
            let document = try Fields(root, expected: "a history object {\"events\": [...]}")
            guard let events = document["events"] else { return [] }
            guard case .array(let elements) = events else {
                throw HistoryJSONError(.wrongType, expected: "an array of events", found: events.summary)
                    .within("events")
            }
            list = elements
        default:
            throw HistoryJSONError(
                .wrongType, expected: "a history object {\"events\": [...]}", found: root.summary)
        }
        guard list.count <= eventsMax else {
            throw HistoryJSONError(
                .limitExceeded, expected: "at most \(eventsMax) events", found: "\(list.count) events"
            ).within("events")
        }
        let isBareArray = if case .array = root { true } else { false }
        var events: [HistoryEvent] = []
        events.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            do throws(HistoryJSONError) {
                events.append(try decodeEvent(element))
            } catch {
                let located = error.within(index: index).located(eventIndex: index)
                throw isBareArray ? located : located.within("events")
            }
        }
        return events
    }
}

/// Why a JSON history could not be decoded: what was expected and what was found, and where.
public struct HistoryJSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable category of a decoding error.
    public enum Code: String, Sendable, Hashable {
        /// The bytes are not JSON (RFC 8259), or not valid UTF-8.
        case malformedJSON
        /// A value has the wrong JSON type, e.g. an object where a string belongs.
        case wrongType
        /// A field Keel needs is absent, such as `eventType` or an event's attributes.
        case missingField
        /// A value has the right JSON type but is not acceptable: an unknown event type or enumeration
        /// name, a bad duration, time, number or base64 text, two alternatives of a oneof.
        case invalidValue
        /// A size, count or depth is over its limit.
        case limitExceeded
    }

    /// The category of the error.
    public var code: Code
    /// Where the problem is, as a JSON path such as `events[3].timerStartedEventAttributes.startToFireTimeout`;
    /// empty for the document as a whole.
    public var path: String
    /// The position of the offending event in the events array, when the problem is inside one.
    public var eventIndex: Int?
    /// The byte offset of a JSON syntax error, counted from the first byte of the input.
    public var byteOffset: Int?
    /// What the decoder expected.
    public var expected: String
    /// What it found instead.
    public var found: String

    /// Creates an error; `path` is filled in as the error travels out of nested values.
    public init(
        _ code: Code, expected: String, found: String, path: String = "", eventIndex: Int? = nil,
        byteOffset: Int? = nil
    ) {
        self.code = code
        self.expected = expected
        self.found = found
        self.path = path
        self.eventIndex = eventIndex
        self.byteOffset = byteOffset
    }

    /// The message a person reads: the path, what was expected and what was found.
    public var message: String {
        var text = path.isEmpty ? "history JSON" : path
        text += ": expected \(expected), found \(found)"
        if let byteOffset { text += " at byte \(byteOffset)" }
        return text
    }

    /// The code and the message, e.g. `invalidValue: events[3].eventType: expected ..., found ...`.
    public var description: String { "\(code): \(message)" }

    /// Returns this error as seen from the object that holds it under `key`.
    func within(_ key: String) -> HistoryJSONError {
        var copy = self
        copy.path = path.isEmpty ? key : (path.first == "[" ? key + path : key + "." + path)
        return copy
    }

    /// Returns this error as seen from the array that holds it at `index`.
    func within(index: Int) -> HistoryJSONError {
        var copy = self
        let step = "[\(index)]"
        copy.path = path.isEmpty ? step : (path.first == "[" ? step + path : step + "." + path)
        return copy
    }

    /// Returns this error tagged with the index of the event it is in.
    func located(eventIndex index: Int) -> HistoryJSONError {
        var copy = self
        copy.eventIndex = index
        return copy
    }
}
