import KeelEngine

/// Reads an input's bytes front to back as the choices of the harness; past the end every byte reads as 0,
/// so a short input still makes a whole, if plain, set of choices.
struct ByteReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func bool() -> Bool { byte() & 1 == 1 }

    /// Returns one of `choices`, chosen by the next byte.
    mutating func pick<T>(_ choices: [T]) -> T { choices[Int(byte()) % choices.count] }

    /// Returns a number below `bound` made of the next byte.
    mutating func below(_ bound: Int) -> Int { Int(byte()) % bound }

    mutating func int64() -> Int64 {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(byte()) << UInt64(8 * index) }
        return Int64(bitPattern: value)
    }

    /// Returns up to `count` next bytes (fewer at the end of the input).
    mutating func take(_ count: Int) -> [UInt8] {
        let end = min(position + count, bytes.count)
        defer { position = max(position, end) }
        return position < end ? Array(bytes[position..<end]) : []
    }
}

/// What the generator knows about the run its commands are for, so that some of its choices hit real ids.
struct CommandContext {
    var execution: WorkflowExecution
    /// Event ids of the run's history, some of which schedule activities.
    var eventIDs: [Int64]
    /// Ids of updates sent to the run before its workflow task was taken.
    var updateIDs: [String]
}

/// Turns bytes into a list of up to 16 commands: each field is chosen from plain values, values that hit the
/// run's real ids, and hostile ones (empty and oversized strings, zero, negative and enormous durations, unknown
/// event ids, bad retry policies, unregistered search attributes, deep failure chains).
struct CommandGenerator {
    static let commandsMax = 16
    /// Sizes of generated strings and payloads: around the identifier limit (1,000 bytes) and the harness's
    /// payload limit (16 KiB), and past its log's record limit (128 KiB).
    static let largeSizes = [255, 256, 999, 1_000, 1_001, 4_096, 16_300, 16_385, 140_000]
    static let activityIDs = ["a0", "a1", "a2"]
    static let timerIDs = ["t0", "t1", "t2"]
    static let childIDs = ["c0", "c1", "c2"]
    static let namespaces = ["", "default", "other", "missing"]
    static let taskQueues = ["", "fuzz", "side"]

    var reader: ByteReader
    let context: CommandContext

    mutating func commands() -> [Command] {
        let count = reader.below(Self.commandsMax + 1)
        return (0..<count).map { _ in command() }
    }

    mutating func command() -> Command {
        switch reader.below(17) {
        case 0:
            return .scheduleActivityTask(scheduleActivity())
        case 1:
            return .requestCancelActivityTask(scheduledEventID: eventID())
        case 2:
            return .startTimer(timerID: string(Self.timerIDs), startToFireTimeout: duration())
        case 3:
            return .cancelTimer(timerID: string(Self.timerIDs))
        case 4:
            var details: [String: [Payload]] = [:]
            for _ in 0..<reader.below(3) { details[string(["data", "version"])] = payloads() }
            return .recordMarker(name: string(["SideEffect", "Version"]), details: details, failure: optionalFailure())
        case 5:
            return .completeWorkflowExecution(result: payloads())
        case 6:
            return .failWorkflowExecution(failure: failure())
        case 7:
            return .cancelWorkflowExecution(details: payloads())
        case 8:
            return .continueAsNewWorkflowExecution(
                ContinueAsNew(
                    workflowType: string(["Fuzz"]), taskQueue: string(Self.taskQueues), input: payloads(),
                    runTimeout: optionalDuration(), taskTimeout: optionalDuration(),
                    backoffStartInterval: optionalDuration(), memo: reader.bool() ? memo() : nil,
                    searchAttributes: reader.bool() ? searchAttributes() : nil, header: memo()))
        case 9:
            return .startChildWorkflowExecution(startChild())
        case 10:
            return .signalExternalWorkflowExecution(
                SignalExternal(
                    namespace: string(Self.namespaces), execution: target(), signalName: string(["ping"]),
                    input: payloads(), childWorkflowOnly: reader.bool(), header: memo()))
        case 11:
            return .requestCancelExternalWorkflowExecution(
                namespace: string(Self.namespaces), execution: target(), childWorkflowOnly: reader.bool(),
                reason: string(["stop"]))
        case 12:
            return .upsertWorkflowSearchAttributes(searchAttributes())
        case 13:
            return .modifyWorkflowProperties(upsertedMemo: memo())
        case 14:
            return .acceptUpdate(updateID: updateID())
        case 15:
            return .rejectUpdate(updateID: updateID(), failure: failure())
        default:
            let outcome: UpdateOutcome = reader.bool() ? .success(payloads()) : .failure(failure())
            return .completeUpdate(updateID: updateID(), outcome: outcome)
        }
    }

    // MARK: - Commands' attributes

    mutating func scheduleActivity() -> ScheduleActivityTask {
        ScheduleActivityTask(
            activityID: string(Self.activityIDs), activityType: string(["Charge"]), taskQueue: string(Self.taskQueues),
            input: payloads(), header: memo(), scheduleToCloseTimeout: optionalDuration(),
            scheduleToStartTimeout: optionalDuration(), startToCloseTimeout: optionalDuration(),
            heartbeatTimeout: optionalDuration(), retryPolicy: retryPolicy())
    }

    mutating func startChild() -> StartChildWorkflow {
        StartChildWorkflow(
            namespace: string(Self.namespaces), workflowID: WorkflowID(string(Self.childIDs + ["fuzz"])),
            workflowType: string(["Child"]), taskQueue: string(Self.taskQueues), input: payloads(),
            executionTimeout: optionalDuration(), runTimeout: optionalDuration(), taskTimeout: optionalDuration(),
            parentClosePolicy: reader.pick(ParentClosePolicy.allCases),
            workflowIDReusePolicy: reader.pick(WorkflowIDReusePolicy.allCases), retryPolicy: retryPolicy(),
            header: memo(), memo: memo(), searchAttributes: searchAttributes())
    }

    /// A run to signal or cancel: a child, the run itself, or nothing that exists.
    mutating func target() -> WorkflowExecution {
        let workflowID = string(Self.childIDs + [context.execution.workflowID.rawValue])
        let runID = reader.pick(["", context.execution.runID.rawValue, "no-such-run"])
        return WorkflowExecution(workflowID: WorkflowID(workflowID), runID: RunID(runID))
    }

    mutating func updateID() -> String { string(context.updateIDs + ["u-unknown"]) }

    /// An event id: one of the run's (some schedule activities), or one no event has.
    mutating func eventID() -> Int64 {
        switch reader.below(4) {
        case 0, 1: return context.eventIDs.isEmpty ? 1 : context.eventIDs[reader.below(context.eventIDs.count)]
        case 2: return reader.pick([0, -1, 1_000_000, .max, .min])
        default: return reader.int64()
        }
    }

    // MARK: - Values

    /// A string: one of `plain`, or empty, or a short one from the input's bytes (any UTF-8, replaced where
    /// invalid), or a long run of one character.
    mutating func string(_ plain: [String]) -> String {
        let choice = reader.byte()
        switch choice % 8 {
        case 0, 1, 2, 3: return plain[Int(choice / 8) % plain.count]
        case 4: return ""
        case 5, 6: return String(decoding: reader.take(reader.below(24)), as: UTF8.self)
        default: return String(repeating: "x", count: reader.pick(Self.largeSizes))
        }
    }

    mutating func duration() -> Duration {
        switch reader.below(12) {
        case 0: return .zero
        case 1: return .nanoseconds(-1)
        case 2: return .seconds(-30)
        case 3: return .nanoseconds(1)
        case 4: return .seconds(1)
        case 5: return .seconds(10)
        case 6: return .seconds(3_600)
        case 7: return .seconds(400 * 86_400)
        case 8: return .seconds(Int64.max)
        case 9: return .nanoseconds(Int64.max)
        case 10: return .seconds(Int64.min)
        default: return .nanoseconds(reader.int64())
        }
    }

    mutating func optionalDuration() -> Duration? { reader.below(3) == 0 ? nil : duration() }

    mutating func payloads() -> [Payload] {
        (0..<reader.below(4)).map { _ in
            let size = reader.bool() ? reader.pick(Self.largeSizes) : reader.below(16)
            var payload = Payload.binary([UInt8](repeating: 0x61, count: size))
            if reader.below(4) == 0 { payload.metadata[string(["encoding", "codec"])] = reader.take(reader.below(8)) }
            return payload
        }
    }

    mutating func memo() -> [String: Payload] {
        var memo: [String: Payload] = [:]
        for _ in 0..<reader.below(3) { memo[string(["note", "owner"])] = payloads().first ?? .binary([]) }
        return memo
    }

    mutating func failure() -> Failure {
        let info: FailureInfo
        switch reader.below(4) {
        case 0: info = .application(type: string(["Declined"]), nonRetryable: reader.bool(), details: payloads())
        case 1: info = .canceled(details: payloads())
        case 2: info = .server(nonRetryable: reader.bool())
        default: info = .timeout(type: reader.pick(TimeoutType.allCases), lastHeartbeatDetails: [])
        }
        var failure = Failure(message: string(["card declined"]), stackTrace: string([""]), info: info)
        // A chain of up to 40 causes crosses the engine's limit of 32.
        let causes = reader.below(8) == 0 ? reader.below(41) : 0
        for _ in 0..<causes { failure = Failure(message: "cause", info: .server(nonRetryable: false), cause: failure) }
        return failure
    }

    mutating func optionalFailure() -> Failure? { reader.bool() ? failure() : nil }

    mutating func retryPolicy() -> RetryPolicy? {
        guard reader.below(3) != 0 else { return nil }
        return RetryPolicy(
            initialInterval: duration(),
            backoffCoefficient: reader.pick([1, 2, 1.5, 0.5, 0, -1, .nan, .infinity, 1e308]),
            maximumInterval: optionalDuration(), maximumAttempts: reader.pick([0, 1, 2, 3, -1, .max, .min]),
            nonRetryableErrorTypes: reader.bool() ? [string(["Declined"])] : [])
    }

    /// Search attributes: registered names with values of the right or a wrong type, unregistered names.
    mutating func searchAttributes() -> [String: SearchAttributeValue] {
        var attributes: [String: SearchAttributeValue] = [:]
        for _ in 0..<reader.below(4) {
            let name = string(["CustomKeyword", "CustomInt", "CustomDatetime", "CustomKeywordList", "Unregistered"])
            attributes[name] = searchAttributeValue()
        }
        return attributes
    }

    mutating func searchAttributeValue() -> SearchAttributeValue {
        switch reader.below(7) {
        case 0: .keyword(string(["gold"]))
        case 1: .text(string(["hello"]))
        case 2: .int(reader.pick([0, -1, .max, .min]))
        case 3: .double(reader.pick([0, -0.0, 2.5, .infinity, .nan]))
        case 4: .bool(reader.bool())
        case 5: .datetime(Timestamp(rawValue: reader.pick([0, .max, .min, 1_767_225_600_000_000_000])))
        default: .keywordList((0..<reader.below(3)).map { _ in string(["a", "b"]) })
        }
    }
}
