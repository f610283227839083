import Foundation
import KeelEngine

/// Transforms encoded payloads on their way to and from the engine, for example to encrypt or
/// compress them. `decode` must undo `encode`.
public protocol PayloadCodec: Sendable {
    /// Returns the payloads as they should be stored.
    func encode(_ payloads: [Payload]) throws -> [Payload]
    /// Returns the payloads as `encode` received them.
    func decode(_ payloads: [Payload]) throws -> [Payload]
}

/// Bytes that pass through the converter untouched (encoding `binary/plain`).
public struct RawBytes: Codable, Sendable, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// The error a payload that cannot be decoded into the expected type raises.
public struct PayloadDecodingError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Turns values into payloads and back: JSON for `Codable` values, `binary/plain` for `RawBytes`,
/// `binary/null` for `Void`-like empty values, then the optional codec.
public struct DataConverter: Sendable {
    /// The codec applied after encoding and before decoding, or nil.
    public var codec: (any PayloadCodec)?

    public init(codec: (any PayloadCodec)? = nil) { self.codec = codec }

    /// The converter Keel uses unless told otherwise: JSON, no codec.
    public static let `default` = DataConverter()

    static let jsonEncoding: [UInt8] = Array("json/plain".utf8)
    static let binaryEncoding: [UInt8] = Array("binary/plain".utf8)
    static let nullEncoding: [UInt8] = Array("binary/null".utf8)

    /// One encoder for every payload: its options never change after this, and building an encoder
    /// per payload cost a fifth of the time of encoding a small value.
    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Returns the payload of one value.
    public func encodeOne<Value: Encodable>(_ value: Value) throws -> Payload {
        let payload: Payload
        if let raw = value as? RawBytes {
            payload = Payload(metadata: ["encoding": DataConverter.binaryEncoding], data: raw.bytes)
        } else if value is Nothing {
            payload = Payload(metadata: ["encoding": DataConverter.nullEncoding], data: [])
        } else {
            payload = Payload(
                metadata: ["encoding": DataConverter.jsonEncoding],
                data: Array(try DataConverter.jsonEncoder.encode(value)))
        }
        return try codec?.encode([payload]).first ?? payload
    }

    /// Returns the payloads of one value (a list of one).
    public func encode<Value: Encodable>(_ value: Value) throws -> [Payload] {
        [try encodeOne(value)]
    }

    /// Decodes the first payload into `type`; an empty list decodes as `Nothing` or fails.
    ///
    /// - Throws: `PayloadDecodingError` naming the type expected and the encoding found.
    public func decode<Value: Decodable>(_ type: Value.Type, from payloads: [Payload]) throws -> Value {
        let decoded = try codec?.decode(payloads) ?? payloads
        guard let payload = decoded.first else {
            if let nothing = Nothing() as? Value { return nothing }
            throw PayloadDecodingError(description: "expected a payload holding \(Value.self), found none")
        }
        let encoding = payload.metadata["encoding"] ?? []
        if Value.self == RawBytes.self {
            guard encoding == DataConverter.binaryEncoding else {
                throw PayloadDecodingError(
                    description:
                        "expected a binary/plain payload for RawBytes, found encoding '\(String(decoding: encoding, as: UTF8.self))'"
                )
            }
            return RawBytes(payload.data) as! Value
        }
        if Value.self == Nothing.self { return Nothing() as! Value }
        guard encoding == DataConverter.jsonEncoding else {
            throw PayloadDecodingError(
                description:
                    "expected a json/plain payload holding \(Value.self), found encoding '\(String(decoding: encoding, as: UTF8.self))'"
            )
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(payload.data))
        } catch {
            throw PayloadDecodingError(description: "expected JSON holding \(Value.self), found: \(error)")
        }
    }
}

/// The input or output of a workflow, activity, signal, query or update that carries nothing.
public struct Nothing: Codable, Sendable, Hashable {
    public init() {}
}
