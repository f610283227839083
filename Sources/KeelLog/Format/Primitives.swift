/// A log sequence number: the position of a record in the total order of all appends. The first is 1.
public struct LSN: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: LSN, rhs: LSN) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
    /// The LSN before any record.
    public static let zero = LSN(0)
}

/// The name of a stream of records (for the engine: one workflow run's history). 1 to 1,024 bytes.
public struct StreamKey: Hashable, Sendable, CustomStringConvertible {
    /// The key's bytes.
    public let bytes: [UInt8]

    /// A key from raw bytes.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    /// A key from the UTF-8 bytes of `string`.
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// The 128-bit identity used by indexes and the dead set.
    public var identity: StreamIdentity {
        bytes.withUnsafeBytes { StreamIdentity(Codec.hash128($0)) }
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// The XXH3-128 hash of a stream key. Indexes store its low 64 bits; the dead set stores all 128.
public struct StreamIdentity: Hashable, Sendable, Comparable {
    public var low: UInt64
    public var high: UInt64
    init(_ pair: (low: UInt64, high: UInt64)) {
        low = pair.low
        high = pair.high
    }
    init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }
    public static func < (lhs: StreamIdentity, rhs: StreamIdentity) -> Bool {
        (lhs.low, lhs.high) < (rhs.low, rhs.high)
    }
}

/// A record to append: a stream key and opaque payload bytes.
public struct LogRecord: Sendable, Equatable {
    public var stream: StreamKey
    public var payload: [UInt8]
    public init(stream: StreamKey, payload: [UInt8]) {
        self.stream = stream
        self.payload = payload
    }
}

/// A record read back from the log, with the LSN it was given.
public struct StoredRecord: Sendable, Equatable {
    public var lsn: LSN
    public var stream: StreamKey
    public var payload: [UInt8]
    public init(lsn: LSN, stream: StreamKey, payload: [UInt8]) {
        self.lsn = lsn
        self.stream = stream
        self.payload = payload
    }
}
