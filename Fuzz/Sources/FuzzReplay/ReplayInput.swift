import KeelEngine

/// The history a `FuzzReplay` input stands for, and the encoding the seed writer uses to make inputs.
///
/// ```
/// [flags: 1]
/// [record count: 1]
/// count × [length: 2, little-endian][a history event record, EventCodec's encoding (FORMAT.md section 18)]
/// [edits: 3 bytes each, to the end of the input]  [operation][a][b]
/// ```
///
/// Flags: bit 0 renumbers the event ids 1, 2, 3, ... after the edits, as the engine writes them (clear, the
/// ids are what the records and edits say); bit 1 ends the history at the first record that does not decode
/// (clear, such a record is left out); bits 2 and 3 choose the workflow id the replayer is given.
///
/// The records give well-formed events whose bytes the fuzzer mutates in place (types, ids, times, every
/// attribute, payload bytes); the edits reorder and reshape the list with a byte or three each, as
/// `ReplayRobustnessTests` does at random: `a` and `b` are event positions taken modulo the event count.
///
/// | Operation (modulo 8) | Edit |
/// | --- | --- |
/// | 0 | remove event `a` |
/// | 1 | repeat event `a` after itself |
/// | 2 | swap events `a` and `b` |
/// | 3 | move event `a` to position `b` |
/// | 4 | change event `a`'s type to the `b`-th event type, decoding its attribute bytes as the new type's (kept unchanged when they do not decode) |
/// | 5 | give event `a` the attributes of event `b` |
/// | 6 | cut the history after `a` events |
/// | 7 | set event `a`'s id to `b - 8` (zero and negative ids included) |
struct ReplayInput {
    /// The workflow ids flags bits 2 and 3 choose from; the seeds' runs used them, and child workflow ids
    /// derive from the parent's.
    static let workflowIDs: [WorkflowID] = ["replay", "order", "parent", "cancellable"]
    /// The most events an input's history holds after its edits; far more than any seed, and it bounds the
    /// time one input takes.
    static let eventsMax = 2_048

    var events: [HistoryEvent]
    var workflowID: WorkflowID

    /// Decodes an input; never fails (every byte string stands for some history, possibly an empty one).
    init(_ bytes: UnsafeRawBufferPointer) {
        var reader = ByteReader(bytes)
        let flags = reader.byte()
        let count = Int(reader.byte())
        var events: [HistoryEvent] = []
        for _ in 0..<count {
            let length = Int(reader.byte()) | Int(reader.byte()) << 8
            let record = reader.bytes(length)
            guard let event = try? EventCodec.decode(record) else {
                if flags & 0b10 != 0 { break }
                continue
            }
            events.append(event)
        }
        while !reader.isAtEnd {
            let operation = reader.byte()
            let first = reader.byte()
            let second = reader.byte()
            Self.edit(&events, operation: operation, first: Int(first), second: Int(second))
        }
        if flags & 0b1 != 0 {
            for index in events.indices { events[index].eventID = Int64(index + 1) }
        }
        self.events = events
        self.workflowID = Self.workflowIDs[Int(flags >> 2) & 0b11]
    }

    /// Applies one edit (the table above) to `events`.
    static func edit(_ events: inout [HistoryEvent], operation: UInt8, first: Int, second: Int) {
        guard !events.isEmpty else { return }
        let a = first % events.count
        let b = second % events.count
        switch operation % 8 {
        case 0:
            events.remove(at: a)
        case 1:
            if events.count < eventsMax { events.insert(events[a], at: a + 1) }
        case 2:
            events.swapAt(a, b)
        case 3:
            events.insert(events.remove(at: a), at: b)
        case 4:
            let types = allEventTypes
            events[a] = retyped(events[a], as: types[second % types.count]) ?? events[a]
        case 5:
            events[a].attributes = events[b].attributes
        case 6:
            events.removeSubrange(min(first, events.count)...)
        default:
            events[a].eventID = Int64(second) - 8
        }
    }

    /// Every event type, in the order of their numbers.
    static let allEventTypes = EventType.allCases.sorted { $0.rawValue < $1.rawValue }

    /// Returns `event` read as an event of `type`: its attribute bytes decoded under the new type's table,
    /// or nil when they do not decode as that type.
    static func retyped(_ event: HistoryEvent, as type: EventType) -> HistoryEvent? {
        var record = EventCodec.encode(event)
        // The record starts with kind, version and the event type as a varint; every type number is below
        // 128, so the type is the single byte at offset 2.
        precondition(type.rawValue < 0x80, "event type \(type) does not fit a one-byte varint")
        record[2] = UInt8(type.rawValue)
        return try? EventCodec.decode(record)
    }

    /// Returns the input bytes for `events` with `flags` and `edits` (three bytes each).
    static func encode(_ events: [HistoryEvent], flags: UInt8, edits: [UInt8] = []) -> [UInt8] {
        precondition(events.count <= Int(UInt8.max), "an input holds at most 255 records, found \(events.count)")
        var bytes: [UInt8] = [flags, UInt8(events.count)]
        for event in events {
            let record = EventCodec.encode(event)
            precondition(record.count <= Int(UInt16.max), "an event record of \(record.count) bytes is too long")
            bytes.append(UInt8(truncatingIfNeeded: record.count))
            bytes.append(UInt8(truncatingIfNeeded: record.count >> 8))
            bytes.append(contentsOf: record)
        }
        return bytes + edits
    }
}

/// Reads an input front to back; past the end every byte reads as 0 and every slice as empty.
struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Returns up to `count` bytes, in place in the input.
    mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer {
        let taken = min(count, bytes.count - offset)
        guard taken > 0, let base = bytes.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        defer { offset += taken }
        return UnsafeRawBufferPointer(start: base + offset, count: taken)
    }
}
