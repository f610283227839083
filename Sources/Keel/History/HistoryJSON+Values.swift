import KeelEngine

// The messages several events share: payloads, failures, retry policies, task queues, executions and
// search attributes, in the shapes of Temporal's common, failure and taskqueue protos.

extension HistoryJSON.ObjectBuilder {
    typealias JSON = HistoryJSON

    /// Adds a string, left out when empty.
    mutating func string(_ key: String, _ value: String) {
        if !value.isEmpty { add(key, .string(value)) }
    }

    /// Adds a string Keel keeps optional, written whenever present, even empty.
    mutating func optionalString(_ key: String, _ value: String?) {
        if let value { add(key, .string(value)) }
    }

    /// Adds an int64 as a decimal string, left out when zero.
    mutating func int64(_ key: String, _ value: Int64) {
        if value != 0 { add(key, .string(String(value))) }
    }

    /// Adds an int32 as a number, left out when zero.
    mutating func int32(_ key: String, _ value: Int32) {
        if value != 0 { add(key, .number(String(value))) }
    }

    /// Adds a boolean, left out when false.
    mutating func bool(_ key: String, _ value: Bool) {
        if value { add(key, .bool(true)) }
    }

    mutating func duration(_ key: String, _ value: Duration?) {
        if let value { add(key, JSON.encodeDuration(value)) }
    }

    mutating func timestamp(_ key: String, _ value: Timestamp?) {
        if let value { add(key, JSON.encodeTimestamp(value)) }
    }

    /// Adds an enumeration by its proto name, left out when absent or unspecified.
    mutating func enumeration<Case>(_ key: String, _ value: Case?, _ table: JSON.EnumTable<Case>) {
        if let value, value != table.unspecified { add(key, table.encode(value)) }
    }

    /// Adds a `{"name": ...}` object (Temporal's `WorkflowType` and `ActivityType`).
    mutating func typeName(_ key: String, _ name: String) {
        var object = JSON.ObjectBuilder()
        object.string("name", name)
        add(key, .object(object.object))
    }

    /// Adds a `Payloads` message, left out when there are none.
    mutating func payloads(_ key: String, _ payloads: [Payload]) {
        if !payloads.isEmpty { add(key, JSON.encodePayloads(payloads)) }
    }

    /// Adds a `Header` or `Memo` (`{"fields": {...}}`), left out when empty.
    mutating func payloadMap(_ key: String, _ map: [String: Payload]) {
        guard !map.isEmpty else { return }
        add(key, .object([("fields", JSON.encodeMap(map, JSON.encodePayload))]))
    }

    /// Adds a `SearchAttributes` message (`{"indexedFields": {...}}`), left out when empty.
    mutating func searchAttributes(_ key: String, _ attributes: [String: SearchAttributeValue]) {
        guard !attributes.isEmpty else { return }
        add(key, .object([("indexedFields", JSON.encodeMap(attributes, JSON.encodeSearchAttribute))]))
    }

    mutating func failure(_ key: String, _ failure: Failure?) {
        if let failure { add(key, JSON.encodeFailure(failure)) }
    }

    mutating func execution(_ key: String, _ execution: WorkflowExecution?) {
        if let execution { add(key, JSON.encodeExecution(execution)) }
    }

    mutating func taskQueue(_ key: String, _ queue: TaskQueue) {
        add(key, JSON.encodeTaskQueue(queue))
    }

    mutating func retryPolicy(_ key: String, _ policy: RetryPolicy?) {
        if let policy { add(key, JSON.encodeRetryPolicy(policy)) }
    }
}

extension HistoryJSON.Fields {
    typealias JSON = HistoryJSON

    /// Returns the payloads of the `Payloads` message in member `key`; none when it is absent.
    func payloads(_ key: String) throws(HistoryJSONError) -> [Payload] {
        try read(key, JSON.payloads) ?? []
    }

    /// Returns the `fields` of the `Header` or `Memo` in member `key`; empty when it is absent.
    func payloadMap(_ key: String) throws(HistoryJSONError) -> [String: Payload] {
        try message(key)?.map("fields", JSON.payload) ?? [:]
    }

    /// Returns the `indexedFields` of the `SearchAttributes` in member `key`; empty when it is absent.
    func searchAttributes(_ key: String) throws(HistoryJSONError) -> [String: SearchAttributeValue] {
        try message(key)?.map("indexedFields", JSON.searchAttribute) ?? [:]
    }

    func failure(_ key: String) throws(HistoryJSONError) -> Failure? {
        try read(key) { (value) throws(HistoryJSONError) in try JSON.failure(value, depth: 1) }
    }

    /// Returns the failure in member `key`, which Keel's event requires.
    func requiredFailure(_ key: String) throws(HistoryJSONError) -> Failure {
        guard let failure = try failure(key) else {
            throw HistoryJSONError(.missingField, expected: "a Failure object", found: "nothing").within(key)
        }
        return failure
    }

    func execution(_ key: String) throws(HistoryJSONError) -> WorkflowExecution? {
        try read(key, JSON.execution)
    }

    /// Returns the execution in member `key`; when absent, an execution with empty ids, as proto3 reads
    /// an absent message.
    func requiredExecution(_ key: String) throws(HistoryJSONError) -> WorkflowExecution {
        try execution(key) ?? WorkflowExecution(workflowID: "", runID: "")
    }

    /// Returns the task queue in member `key`; when absent, a normal queue with an empty name.
    func taskQueue(_ key: String) throws(HistoryJSONError) -> TaskQueue {
        try read(key, JSON.taskQueue) ?? TaskQueue(name: "")
    }

    func retryPolicy(_ key: String) throws(HistoryJSONError) -> RetryPolicy? {
        try read(key, JSON.retryPolicy)
    }
}

extension HistoryJSON {
    /// Returns the entries of `map` as an object with keys in the order of their UTF-8 bytes, so that the
    /// same map always gives the same text.
    static func encodeMap<Element>(_ map: [String: Element], _ encode: (Element) -> Value) -> Value {
        let entries = map.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return .object(entries.map { ($0.key, encode($0.value)) })
    }

    // MARK: - Payloads

    static func encodePayload(_ payload: Payload) -> Value {
        var object = ObjectBuilder()
        if !payload.metadata.isEmpty { object.add("metadata", encodeMap(payload.metadata, encodeBytes)) }
        if !payload.data.isEmpty { object.add("data", encodeBytes(payload.data)) }
        return .object(object.object)
    }

    static func payload(_ value: Value) throws(HistoryJSONError) -> Payload {
        let fields = try Fields(value, expected: "a Payload object")
        return Payload(metadata: try fields.map("metadata", bytes), data: try fields.read("data", bytes) ?? [])
    }

    static func encodePayloads(_ payloads: [Payload]) -> Value {
        .object([("payloads", .array(payloads.map(encodePayload)))])
    }

    /// Reads a `Payloads` message: `{"payloads": [...]}`.
    static func payloads(_ value: Value) throws(HistoryJSONError) -> [Payload] {
        try Fields(value, expected: "a Payloads object {\"payloads\": [...]}").list("payloads", payload)
    }

    // MARK: - Executions, task queues, retry policies

    static func encodeExecution(_ execution: WorkflowExecution) -> Value {
        var object = ObjectBuilder()
        object.string("workflowId", execution.workflowID.rawValue)
        object.string("runId", execution.runID.rawValue)
        return .object(object.object)
    }

    static func execution(_ value: Value) throws(HistoryJSONError) -> WorkflowExecution {
        let fields = try Fields(value, expected: "a WorkflowExecution object")
        return WorkflowExecution(
            workflowID: WorkflowID(try fields.string("workflowId")), runID: RunID(try fields.string("runId")))
    }

    /// Writes a task queue with its kind always, and `normalName` only when it differs from `name`.
    static func encodeTaskQueue(_ queue: TaskQueue) -> Value {
        var object = ObjectBuilder()
        object.string("name", queue.name)
        object.add("kind", taskQueueKind.encode(queue.kind))
        if queue.normalName != queue.name { object.add("normalName", .string(queue.normalName)) }
        return .object(object.object)
    }

    /// Reads a task queue; an absent kind is normal, and an absent `normalName` is the queue's own name.
    static func taskQueue(_ value: Value) throws(HistoryJSONError) -> TaskQueue {
        let fields = try Fields(value, expected: "a TaskQueue object")
        let name = try fields.string("name")
        var queue = TaskQueue(name: name, kind: try fields.enumeration("kind", taskQueueKind) ?? .normal)
        queue.normalName = try fields.optionalString("normalName") ?? name
        return queue
    }

    /// Writes a retry policy with its initial interval and backoff coefficient always, since proto3
    /// reads their absence as Temporal's defaults (1 second and 2.0), not as zero.
    static func encodeRetryPolicy(_ policy: RetryPolicy) -> Value {
        var object = ObjectBuilder()
        object.duration("initialInterval", policy.initialInterval)
        object.add("backoffCoefficient", encodeDouble(policy.backoffCoefficient))
        object.duration("maximumInterval", policy.maximumInterval)
        object.int32("maximumAttempts", policy.maximumAttempts)
        if !policy.nonRetryableErrorTypes.isEmpty {
            object.add("nonRetryableErrorTypes", .array(policy.nonRetryableErrorTypes.map(Value.string)))
        }
        return .object(object.object)
    }

    static func retryPolicy(_ value: Value) throws(HistoryJSONError) -> RetryPolicy {
        let fields = try Fields(value, expected: "a RetryPolicy object")
        return RetryPolicy(
            initialInterval: try fields.duration("initialInterval") ?? .seconds(1),
            backoffCoefficient: try fields.read("backoffCoefficient", double) ?? 2.0,
            maximumInterval: try fields.duration("maximumInterval"),
            maximumAttempts: try fields.int32("maximumAttempts"),
            nonRetryableErrorTypes: try fields.list("nonRetryableErrorTypes", string))
    }

    // MARK: - Failures

    static func encodeFailure(_ failure: Failure) -> Value {
        var object = ObjectBuilder()
        object.string("message", failure.message)
        object.string("source", failure.source)
        object.string("stackTrace", failure.stackTrace)
        if let cause = failure.cause { object.add("cause", encodeFailure(cause)) }
        var info = ObjectBuilder()
        let key: String
        switch failure.info {
        case .application(let type, let nonRetryable, let details):
            key = "applicationFailureInfo"
            info.string("type", type)
            info.bool("nonRetryable", nonRetryable)
            info.payloads("details", details)
        case .timeout(let type, let lastHeartbeatDetails):
            key = "timeoutFailureInfo"
            info.enumeration("timeoutType", type, timeoutType)
            info.payloads("lastHeartbeatDetails", lastHeartbeatDetails)
        case .canceled(let details):
            key = "canceledFailureInfo"
            info.payloads("details", details)
        case .terminated:
            key = "terminatedFailureInfo"
        case .server(let nonRetryable):
            key = "serverFailureInfo"
            info.bool("nonRetryable", nonRetryable)
        case .activity(
            let scheduledEventID, let startedEventID, let identity, let activityType, let activityID,
            let state):
            key = "activityFailureInfo"
            info.int64("scheduledEventId", scheduledEventID)
            info.int64("startedEventId", startedEventID)
            info.string("identity", identity)
            info.typeName("activityType", activityType)
            info.string("activityId", activityID)
            info.enumeration("retryState", state, retryState)
        case .childWorkflow(
            let namespace, let execution, let workflowType, let initiatedEventID, let startedEventID,
            let state):
            key = "childWorkflowExecutionFailureInfo"
            info.string("namespace", namespace)
            info.execution("workflowExecution", execution)
            info.typeName("workflowType", workflowType)
            info.int64("initiatedEventId", initiatedEventID)
            info.int64("startedEventId", startedEventID)
            info.enumeration("retryState", state, retryState)
        }
        object.add(key, .object(info.object))
        return .object(object.object)
    }

    /// The failure kinds of Temporal's `failure_info` oneof that Keel has no case for.
    private static let foreignFailureInfoKeys = [
        "resetWorkflowFailureInfo", "nexusOperationExecutionFailureInfo", "nexusHandlerFailureInfo",
    ]

    private static let failureInfoKeys = [
        "applicationFailureInfo", "timeoutFailureInfo", "canceledFailureInfo", "terminatedFailureInfo",
        "serverFailureInfo", "activityFailureInfo", "childWorkflowExecutionFailureInfo",
    ]

    /// Reads a failure whose cause chain so far holds `depth` failures, this one included.
    ///
    /// A failure with none of the kinds Keel knows (Temporal's reset and Nexus kinds, or none at all)
    /// reads as an application failure with no type: a message and a cause are all Keel can keep of it.
    static func failure(_ value: Value, depth: Int) throws(HistoryJSONError) -> Failure {
        guard depth <= EventCodec.failureDepthMax else {
            throw HistoryJSONError(
                .limitExceeded, expected: "a cause chain of at most \(EventCodec.failureDepthMax) failures",
                found: "a longer chain")
        }
        let fields = try Fields(value, expected: "a Failure object")
        let present = (failureInfoKeys + foreignFailureInfoKeys).filter { fields[$0] != nil }
        guard present.count <= 1 else {
            throw HistoryJSONError(
                .invalidValue, expected: "at most one failure info", found: present.joined(separator: " and "))
        }
        let info: FailureInfo
        if let details = try fields.message("applicationFailureInfo") {
            info = .application(
                type: try details.string("type"), nonRetryable: try details.bool("nonRetryable"),
                details: try details.payloads("details"))
        } else if let details = try fields.message("timeoutFailureInfo") {
            info = .timeout(
                type: try details.enumeration("timeoutType", timeoutType) ?? .unspecified,
                lastHeartbeatDetails: try details.payloads("lastHeartbeatDetails"))
        } else if let details = try fields.message("canceledFailureInfo") {
            info = .canceled(details: try details.payloads("details"))
        } else if try fields.message("terminatedFailureInfo") != nil {
            info = .terminated
        } else if let details = try fields.message("serverFailureInfo") {
            info = .server(nonRetryable: try details.bool("nonRetryable"))
        } else if let details = try fields.message("activityFailureInfo") {
            info = .activity(
                scheduledEventID: try details.int64("scheduledEventId"),
                startedEventID: try details.int64("startedEventId"), identity: try details.string("identity"),
                activityType: try details.typeName("activityType"), activityID: try details.string("activityId"),
                retryState: try details.enumeration("retryState", retryState) ?? .unspecified)
        } else if let details = try fields.message("childWorkflowExecutionFailureInfo") {
            info = .childWorkflow(
                namespace: try details.string("namespace"),
                execution: try details.requiredExecution("workflowExecution"),
                workflowType: try details.typeName("workflowType"),
                initiatedEventID: try details.int64("initiatedEventId"),
                startedEventID: try details.int64("startedEventId"),
                retryState: try details.enumeration("retryState", retryState) ?? .unspecified)
        } else {
            info = .application(type: "", nonRetryable: false, details: [])
        }
        return Failure(
            message: try fields.string("message"), source: try fields.string("source"),
            stackTrace: try fields.string("stackTrace"), info: info,
            cause: try fields.read("cause") { (cause) throws(HistoryJSONError) in
                try failure(cause, depth: depth + 1)
            })
    }

    // MARK: - Search attributes

    /// Temporal's names of the search attribute types, written to a payload's `type` metadata.
    private static let searchAttributeTypeNames: [(SearchAttributeType, String)] = [
        (.keyword, "Keyword"), (.text, "Text"), (.int, "Int"), (.double, "Double"), (.bool, "Bool"),
        (.datetime, "Datetime"), (.keywordList, "KeywordList"),
    ]

    /// Writes a search attribute as Temporal stores one: a payload of JSON (`encoding: json/plain`)
    /// whose `type` metadata names the attribute's type.
    static func encodeSearchAttribute(_ attribute: SearchAttributeValue) -> Value {
        let data: Value
        switch attribute {
        case .keyword(let text), .text(let text): data = .string(text)
        case .int(let number): data = .number(String(number))
        case .double(let number): data = encodeDouble(number)
        case .bool(let flag): data = .bool(flag)
        case .datetime(let time): data = encodeTimestamp(time)
        case .keywordList(let list): data = .array(list.map(Value.string))
        }
        var writer = Writer(pretty: false)
        writer.write(data)
        let typeName = searchAttributeTypeNames.first { $0.0 == attribute.type }?.1 ?? ""
        return encodePayload(
            Payload(
                metadata: ["encoding": Array("json/plain".utf8), "type": Array(typeName.utf8)], data: writer.bytes))
    }

    /// Reads a search attribute payload: by its `type` metadata when it has one Keel knows, otherwise by
    /// the JSON type of its data. JSON `null` (Temporal's way to unset an attribute) reads as an empty
    /// keyword list, Keel's way to remove one.
    static func searchAttribute(_ value: Value) throws(HistoryJSONError) -> SearchAttributeValue {
        let payload = try payload(value)
        let typeName = payload.metadata["type"].map { String(decoding: $0, as: UTF8.self) }
        let declared = searchAttributeTypeNames.first { $0.1 == typeName }?.0
        var parser = Parser(bytes: payload.data)
        let data: Value
        do throws(HistoryJSONError) {
            data = try parser.document()
        } catch {
            throw HistoryJSONError(
                .invalidValue, expected: "JSON text in the payload data (\(error.expected))",
                found: "\(error.found) at byte \(error.byteOffset ?? 0) of the data"
            ).within("data")
        }
        let mismatch = HistoryJSONError(
            .invalidValue, expected: "a search attribute value of type \(typeName ?? "Keyword, Int, Double, ...")",
            found: data.summary)
        do throws(HistoryJSONError) {
            switch (declared, data) {
            case (_, .null): return .keywordList([])
            case (.text, .string(let text)): return .text(text)
            case (.keyword, .string(let text)), (nil, .string(let text)): return .keyword(text)
            case (.datetime, .string): return .datetime(try timestamp(data))
            case (.int, .number(let text)):
                guard let number = integer(text) else { throw mismatch }
                return .int(number)
            case (nil, .number(let text)):
                if let number = integer(text) { return .int(number) }
                return .double(try double(data))
            case (.double, .number), (.double, .string): return .double(try double(data))
            case (.bool, .bool(let flag)), (nil, .bool(let flag)): return .bool(flag)
            case (.keywordList, .array), (.keyword, .array), (nil, .array):
                return .keywordList(try list(data, string))
            default: throw mismatch
            }
        } catch {
            throw error.within("data")
        }
    }
}
