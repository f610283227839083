import ArgumentParser
import Foundation
import KeelLog

/// `keel log`: offline inspection of a data file.
///
/// Exit statuses shared by the subcommands: 0 when all is well, 1 when the file has errors, 2 when
/// the file cannot be opened (missing, locked by a running store, not a regular file).
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Inspect a Keel data file.",
        subcommands: [LogVerifyCommand.self, LogDumpCommand.self, LogStatsCommand.self]
    )
}

/// Exit statuses of the `keel log` subcommands.
enum LogExit {
    /// The file was read and has errors.
    static let unsound = ExitCode(1)
    /// The file could not be opened.
    static let cannotOpen = ExitCode(2)
}

/// Opens `path` read-only with a shared lock for an inspection command; on failure prints why to
/// standard error and throws the "cannot open" exit status.
func openForInspection(_ path: String, command: String) throws -> PosixFile {
    try requireRegularFile(path, command: command)
    do {
        return try PosixFile(path: path, readOnly: true)
    } catch {
        printError("keel log \(command): cannot open \(path): \(error)")
        throw LogExit.cannotOpen
    }
}

/// Throws the "cannot open" exit status, with a message, unless `path` names an existing regular file.
func requireRegularFile(_ path: String, command: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        printError("keel log \(command): cannot open \(path): no such file")
        throw LogExit.cannotOpen
    }
    if isDirectory.boolValue {
        printError("keel log \(command): cannot open \(path): it is a directory, expected a Keel data file")
        throw LogExit.cannotOpen
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// One JSON object on one line, keys sorted so that the output is stable.
func jsonLine(_ object: [String: Any]) -> String {
    guard
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    else {
        preconditionFailure("the log commands build JSON objects from strings, numbers, booleans, arrays and null only")
    }
    return String(decoding: data, as: UTF8.self)
}

/// A 64-bit identity as fixed-width hexadecimal (JSON numbers lose precision past 2^53).
func hexString(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
}

/// "1 record", "2 records": a count and its noun.
func counted<Count: BinaryInteger>(_ count: Count, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

/// JSON null for a missing value.
func jsonOptional(_ value: Any?) -> Any { value ?? NSNull() }

extension VerifyProblem {
    /// The problem as a JSON object.
    var json: [String: Any] {
        ["severity": severity.rawValue, "area": area.rawValue, "offset": offset, "message": message]
    }
}

extension SuperblockCopy {
    /// The copy as a JSON object; fields of an undecodable copy are null.
    var json: [String: Any] {
        [
            "copy": copy, "offset": offset, "valid": isValid, "error": jsonOptional(error),
            "sequence": jsonOptional(superblock?.sequence),
            "fileID": jsonOptional(superblock.map { hexString($0.fileID) }),
            "segmentBytes": jsonOptional(superblock?.segmentBytes), "headSlot": jsonOptional(superblock?.headSlot),
            "headSegmentID": jsonOptional(superblock?.headSegmentID),
            "checkpointOffset": jsonOptional(superblock?.checkpointOffset),
            "checkpointLSN": jsonOptional(superblock?.checkpointLSN),
        ]
    }

    /// One line of text describing the copy.
    var text: String {
        let state = isValid ? "valid" : "NOT VALID (\(error ?? "unknown"))"
        guard let superblock else { return "superblock copy \(copy) at offset \(offset): \(state)" }
        return
            "superblock copy \(copy) at offset \(offset): \(state), sequence \(superblock.sequence), file \(hexString(superblock.fileID)), "
            + "\(superblock.segmentBytes)-byte segments, head slot \(superblock.headSlot) (segment \(superblock.headSegmentID)), "
            + "checkpoint at offset \(superblock.checkpointOffset) (next LSN \(superblock.checkpointLSN))"
    }
}
