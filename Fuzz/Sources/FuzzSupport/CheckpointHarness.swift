import KeelLog

/// Decodes a checkpoint payload and, when it decodes, checks that encoding it again round-trips.
public enum CheckpointHarness {
    /// Decodes `payload`; returns how far decoding got. Traps when the round trip fails.
    @discardableResult
    public static func decode(_ payload: [UInt8]) -> StaticString {
        let checkpoint: Checkpoint
        do {
            checkpoint = try payload.withUnsafeBytes { try Checkpoint.decode($0, offset: 0) }
        } catch {
            return "rejected by Checkpoint.decode"
        }
        let encoded = checkpoint.encoded()
        precondition(
            encoded.count == payload.count,
            "checkpoint re-encodes to \(encoded.count) bytes, decoded from \(payload.count)")
        let again: Checkpoint
        do {
            again = try encoded.withUnsafeBytes { try Checkpoint.decode($0, offset: 0) }
        } catch {
            preconditionFailure("a decoded checkpoint re-encodes to bytes that do not decode: \(error)")
        }
        precondition(again == checkpoint, "checkpoint does not round-trip through encoded()")
        return "checkpoint decoded"
    }
}
