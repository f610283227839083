// The nested messages that events share: Payload, WorkflowExecution, TaskQueue, RetryPolicy,
// ParentExecutionInfo, Failure and its kinds, SearchAttributeValue, UpdateRequest and UpdateOutcome.
// Each writer appends a message's fields; each reader reads them up to the reader's current end.

// MARK: - Payloads

extension BinaryWriter {
    mutating func payloadContent(_ payload: Payload) {
        map(1, payload.metadata) { writer, value in writer.lengthPrefixed(value) }
        if !payload.data.isEmpty {
            tag(2, .lengthDelimited)
            lengthPrefixed(payload.data)
        }
    }

    /// Appends a list body of payloads: a count, then each payload as a length-prefixed message.
    mutating func payloadListContent(_ payloads: [Payload]) {
        checkCount(payloads.count, "list")
        varint(UInt64(payloads.count))
        for payload in payloads {
            let start = beginLength()
            payloadContent(payload)
            endLength(start)
        }
    }

    /// Writes a list of payloads unless it is empty.
    mutating func payloads(_ field: Int, _ payloads: [Payload]) {
        guard !payloads.isEmpty else { return }
        payloadList(field, payloads)
    }

    /// Writes a list of payloads, even an empty one.
    mutating func payloadList(_ field: Int, _ payloads: [Payload]) {
        tag(field, .lengthDelimited)
        let start = beginLength()
        payloadListContent(payloads)
        endLength(start)
    }

    /// Writes a map of payloads (memo, header) unless it is empty.
    mutating func payloadMap(_ field: Int, _ payloads: [String: Payload]) {
        map(field, payloads) { writer, payload in
            let start = writer.beginLength()
            writer.payloadContent(payload)
            writer.endLength(start)
        }
    }

    /// Writes a map of payload lists (marker details) unless it is empty.
    mutating func payloadListMap(_ field: Int, _ lists: [String: [Payload]]) {
        map(field, lists) { writer, payloads in
            let start = writer.beginLength()
            writer.payloadListContent(payloads)
            writer.endLength(start)
        }
    }
}

extension BinaryReader {
    mutating func payloadContent() throws(EngineError) -> Payload {
        var fields = MessageFields("Payload", start: position)
        var metadata: [String: [UInt8]] = [:]
        var data: [UInt8] = []
        while let field = try next(&fields) {
            switch field.number {
            case 1: metadata = try map(field) { (reader, field) throws(EngineError) in try reader.bytesElement(field) }
            case 2: data = try bytesValue(field)
            default: try skip(field)
            }
        }
        return Payload(metadata: metadata, data: data)
    }

    /// Reads a list body of payloads up to the reader's end.
    mutating func payloadListContent(_ field: WireField) throws(EngineError) -> [Payload] {
        let count = try count(field, minimumBytes: 1)
        var payloads: [Payload] = []
        payloads.reserveCapacity(count)
        for _ in 0..<count {
            payloads.append(try payloadElement(field))
        }
        return payloads
    }

    /// Reads one length-prefixed payload message.
    @inline(__always)
    mutating func payloadElement(_ field: WireField) throws(EngineError) -> Payload {
        let outer = try enter(field, "payload")
        let payload = try payloadContent()
        try leave(outer, field, "the payload")
        return payload
    }

    mutating func payloads(_ field: WireField) throws(EngineError) -> [Payload] {
        try expect(.lengthDelimited, field)
        let outer = try enter(field, "list")
        let payloads = try payloadListContent(field)
        try leave(outer, field, "the list")
        return payloads
    }

    mutating func payloadMap(_ field: WireField) throws(EngineError) -> [String: Payload] {
        try map(field) { (reader, field) throws(EngineError) in try reader.payloadElement(field) }
    }

    mutating func payloadListMap(_ field: WireField) throws(EngineError) -> [String: [Payload]] {
        try map(field) { (reader, field) throws(EngineError) in
            let outer = try reader.enter(field, "list")
            let payloads = try reader.payloadListContent(field)
            try reader.leave(outer, field, "the list")
            return payloads
        }
    }
}

// MARK: - Workflow executions, task queues, retry policies, parents

extension BinaryWriter {
    /// Writes a message field whose content `content` appends, whatever it holds.
    @inline(__always)
    mutating func message(_ field: Int, _ content: (inout BinaryWriter) -> Void) {
        tag(field, .lengthDelimited)
        let start = beginLength()
        content(&self)
        endLength(start)
    }

    mutating func execution(_ field: Int, _ execution: WorkflowExecution) {
        message(field) { writer in
            writer.string(1, execution.workflowID.rawValue)
            writer.string(2, execution.runID.rawValue)
        }
    }

    mutating func optionalExecution(_ field: Int, _ execution: WorkflowExecution?) {
        if let execution { self.execution(field, execution) }
    }

    mutating func taskQueue(_ field: Int, _ queue: TaskQueue) {
        message(field) { writer in
            writer.string(1, queue.name)
            if queue.kind != .normal { writer.enumeration(2, queue.kind.rawValue) }
            if queue.normalName != queue.name {
                writer.tag(3, .lengthDelimited)
                writer.lengthPrefixed(queue.normalName)
            }
        }
    }

    mutating func retryPolicy(_ field: Int, _ policy: RetryPolicy?) {
        guard let policy else { return }
        message(field) { writer in
            let initial = policy.initialInterval.nanoseconds
            if initial != 1_000_000_000 {
                writer.tag(1, .varint)
                writer.varint(zigzag(initial))
            }
            writer.double(2, policy.backoffCoefficient, default: 2.0)
            writer.optionalDuration(3, policy.maximumInterval)
            writer.int32(4, policy.maximumAttempts)
            writer.strings(5, policy.nonRetryableErrorTypes)
        }
    }

    mutating func parent(_ field: Int, _ parent: ParentExecutionInfo?) {
        guard let parent else { return }
        message(field) { writer in
            writer.string(1, parent.namespace)
            writer.execution(2, parent.execution)
            writer.int64(3, parent.initiatedEventID)
        }
    }
}

extension BinaryReader {
    /// Reads a message field: enters it, lets `content` read its fields, and checks it was read whole.
    @inline(__always)
    mutating func message<Value>(
        _ field: WireField, _ content: (inout BinaryReader) throws(EngineError) -> Value
    ) throws(EngineError) -> Value {
        try expect(.lengthDelimited, field)
        let outer = try enter(field, "message")
        let value = try content(&self)
        try leave(outer, field, "the message")
        return value
    }

    /// Returns `value`, or throws the error for a required field the message lacked.
    @inline(__always)
    func required<Value>(
        _ value: Value?, _ fields: MessageFields, _ number: Int, _ name: StaticString
    ) throws(EngineError) -> Value {
        guard let value else {
            throw missing("required field \(number) (\(name))", in: fields)
        }
        return value
    }

    mutating func execution(_ field: WireField) throws(EngineError) -> WorkflowExecution {
        try message(field) { (reader) throws(EngineError) in
            var fields = MessageFields("WorkflowExecution", start: reader.position)
            var workflowID = ""
            var runID = ""
            while let field = try reader.next(&fields) {
                switch field.number {
                case 1: workflowID = try reader.string(field)
                case 2: runID = try reader.string(field)
                default: try reader.skip(field)
                }
            }
            return WorkflowExecution(workflowID: WorkflowID(workflowID), runID: RunID(runID))
        }
    }

    mutating func taskQueue(_ field: WireField) throws(EngineError) -> TaskQueue {
        try message(field) { (reader) throws(EngineError) in
            var fields = MessageFields("TaskQueue", start: reader.position)
            var name = ""
            var kind = TaskQueue.Kind.normal
            var normalName: String?
            while let field = try reader.next(&fields) {
                switch field.number {
                case 1: name = try reader.string(field)
                case 2:
                    try reader.expect(.varint, field)
                    let offset = reader.position
                    let raw = try reader.varint(field)
                    guard raw <= UInt64(UInt8.max), let value = TaskQueue.Kind(rawValue: UInt8(raw)) else {
                        throw reader.corrupt(
                            "\(field.name): expected a TaskQueue kind (1 normal or 2 sticky), found \(raw)", at: offset)
                    }
                    kind = value
                case 3: normalName = try reader.string(field)
                default: try reader.skip(field)
                }
            }
            // Fields are set directly: the initializer would replace a normal queue's normalName.
            var queue = TaskQueue(name: name)
            queue.kind = kind
            queue.normalName = normalName ?? name
            return queue
        }
    }

    mutating func retryPolicy(_ field: WireField) throws(EngineError) -> RetryPolicy {
        try message(field) { (reader) throws(EngineError) in
            var fields = MessageFields("RetryPolicy", start: reader.position)
            var policy = RetryPolicy()
            while let field = try reader.next(&fields) {
                switch field.number {
                case 1: policy.initialInterval = try reader.duration(field)
                case 2: policy.backoffCoefficient = try reader.double(field)
                case 3: policy.maximumInterval = try reader.duration(field)
                case 4: policy.maximumAttempts = try reader.int32(field)
                case 5: policy.nonRetryableErrorTypes = try reader.strings(field)
                default: try reader.skip(field)
                }
            }
            return policy
        }
    }

    mutating func parent(_ field: WireField) throws(EngineError) -> ParentExecutionInfo {
        try message(field) { (reader) throws(EngineError) in
            var fields = MessageFields("ParentExecutionInfo", start: reader.position)
            var namespace = ""
            var execution: WorkflowExecution?
            var initiatedEventID: Int64 = 0
            while let field = try reader.next(&fields) {
                switch field.number {
                case 1: namespace = try reader.string(field)
                case 2: execution = try reader.execution(field)
                case 3: initiatedEventID = try reader.int64(field)
                default: try reader.skip(field)
                }
            }
            return ParentExecutionInfo(
                namespace: namespace, execution: try reader.required(execution, fields, 2, "execution"),
                initiatedEventID: initiatedEventID)
        }
    }
}

// MARK: - Failures

extension BinaryWriter {
    mutating func failure(_ field: Int, _ failure: Failure) {
        tag(field, .lengthDelimited)
        let start = beginLength()
        failureContent(failure, depth: 1)
        endLength(start)
    }

    mutating func optionalFailure(_ field: Int, _ failure: Failure?) {
        if let failure { self.failure(field, failure) }
    }

    /// Appends the fields of `failure`, which is the `depth`th failure of its chain.
    mutating func failureContent(_ failure: Failure, depth: Int) {
        string(1, failure.message)
        string(2, failure.source)
        string(3, failure.stackTrace)
        if let cause = failure.cause {
            if depth < EventCodec.failureDepthMax {
                tag(4, .lengthDelimited)
                let start = beginLength()
                failureContent(cause, depth: depth + 1)
                endLength(start)
            } else {
                // Stopping here also keeps a pathological chain from exhausting the stack.
                violate(
                    .limitExceeded,
                    "a failure's cause chain is longer than the \(EventCodec.failureDepthMax) failures history allows")
            }
        }
        switch failure.info {
        case .application(let type, let nonRetryable, let details):
            message(5) { writer in
                writer.string(1, type)
                writer.bool(2, nonRetryable)
                writer.payloads(3, details)
            }
        case .timeout(let type, let lastHeartbeatDetails):
            message(6) { writer in
                writer.enumerationUnlessZero(1, type.rawValue)
                writer.payloads(2, lastHeartbeatDetails)
            }
        case .canceled(let details):
            message(7) { writer in writer.payloads(1, details) }
        case .terminated:
            message(8) { _ in }
        case .server(let nonRetryable):
            message(9) { writer in writer.bool(1, nonRetryable) }
        case .activity(
            let scheduledEventID, let startedEventID, let identity, let activityType, let activityID, let retryState):
            message(10) { writer in
                writer.int64(1, scheduledEventID)
                writer.int64(2, startedEventID)
                writer.string(3, identity)
                writer.string(4, activityType)
                writer.string(5, activityID)
                writer.enumerationUnlessZero(6, retryState.rawValue)
            }
        case .childWorkflow(
            let namespace, let execution, let workflowType, let initiatedEventID, let startedEventID, let retryState):
            message(11) { writer in
                writer.string(1, namespace)
                writer.execution(2, execution)
                writer.string(3, workflowType)
                writer.int64(4, initiatedEventID)
                writer.int64(5, startedEventID)
                writer.enumerationUnlessZero(6, retryState.rawValue)
            }
        }
    }
}

extension BinaryReader {
    /// Reads a failure field; `depth` is the place the failure takes in its cause chain (1 for the outermost).
    mutating func failure(_ field: WireField, depth: Int) throws(EngineError) -> Failure {
        try expect(.lengthDelimited, field)
        let outer = try enter(field, "failure")
        let failure = try failureContent(depth: depth)
        try leave(outer, field, "the failure")
        return failure
    }

    mutating func failureContent(depth: Int) throws(EngineError) -> Failure {
        var fields = MessageFields("Failure", start: position)
        var message = ""
        var source = ""
        var stackTrace = ""
        var cause: Failure?
        var info: FailureInfo?
        var infoField = 0
        while let field = try next(&fields) {
            switch field.number {
            case 1: message = try string(field)
            case 2: source = try string(field)
            case 3: stackTrace = try string(field)
            case 4:
                guard depth < EventCodec.failureDepthMax else {
                    throw corrupt(
                        "\(field.name): expected a cause chain of at most \(EventCodec.failureDepthMax) failures, "
                            + "found a longer one",
                        at: field.offset)
                }
                cause = try failure(field, depth: depth + 1)
            case 5...11:
                guard infoField == 0 else {
                    throw corrupt(
                        "\(field.name): expected one failure kind (one of fields 5 to 11), "
                            + "found field \(field.number) after field \(infoField)",
                        at: field.offset)
                }
                infoField = field.number
                info = try failureInfo(field)
            default: try skip(field)
            }
        }
        guard let info else {
            throw missing("a failure kind (one of fields 5 to 11)", in: fields)
        }
        return Failure(message: message, source: source, stackTrace: stackTrace, info: info, cause: cause)
    }

    /// Reads the failure kind that field `field.number` (5 to 11) of a Failure holds.
    mutating func failureInfo(_ field: WireField) throws(EngineError) -> FailureInfo {
        switch field.number {
        case 5:
            return try message(field) { (reader) throws(EngineError) in
                var fields = MessageFields("ApplicationFailureInfo", start: reader.position)
                var type = ""
                var nonRetryable = false
                var details: [Payload] = []
                while let field = try reader.next(&fields) {
                    switch field.number {
                    case 1: type = try reader.string(field)
                    case 2: nonRetryable = try reader.bool(field)
                    case 3: details = try reader.payloads(field)
                    default: try reader.skip(field)
                    }
                }
                return .application(type: type, nonRetryable: nonRetryable, details: details)
            }
        case 6:
            return try message(field) { (reader) throws(EngineError) in
                var fields = MessageFields("TimeoutFailureInfo", start: reader.position)
                var type = TimeoutType.unspecified
                var details: [Payload] = []
                while let field = try reader.next(&fields) {
                    switch field.number {
                    case 1: type = try reader.enumeration(field, TimeoutType.self)
                    case 2: details = try reader.payloads(field)
                    default: try reader.skip(field)
                    }
                }
                return .timeout(type: type, lastHeartbeatDetails: details)
            }
        case 7:
            return try message(field) { (reader) throws(EngineError) in
                var fields = MessageFields("CanceledFailureInfo", start: reader.position)
                var details: [Payload] = []
                while let field = try reader.next(&fields) {
                    switch field.number {
                    case 1: details = try reader.payloads(field)
                    default: try reader.skip(field)
                    }
                }
                return .canceled(details: details)
            }
        case 8:
            return try message(field) { (reader) throws(EngineError) in
                var fields = MessageFields("TerminatedFailureInfo", start: reader.position)
                while let field = try reader.next(&fields) { try reader.skip(field) }
                return .terminated
            }
        case 9:
            return try message(field) { (reader) throws(EngineError) in
                var fields = MessageFields("ServerFailureInfo", start: reader.position)
                var nonRetryable = false
                while let field = try reader.next(&fields) {
                    switch field.number {
                    case 1: nonRetryable = try reader.bool(field)
                    default: try reader.skip(field)
                    }
                }
                return .server(nonRetryable: nonRetryable)
            }
        case 10:
            return try message(field) { (reader) throws(EngineError) in
                var fields = MessageFields("ActivityFailureInfo", start: reader.position)
                var scheduledEventID: Int64 = 0
                var startedEventID: Int64 = 0
                var identity = ""
                var activityType = ""
                var activityID = ""
                var retryState = RetryState.unspecified
                while let field = try reader.next(&fields) {
                    switch field.number {
                    case 1: scheduledEventID = try reader.int64(field)
                    case 2: startedEventID = try reader.int64(field)
                    case 3: identity = try reader.string(field)
                    case 4: activityType = try reader.string(field)
                    case 5: activityID = try reader.string(field)
                    case 6: retryState = try reader.enumeration(field, RetryState.self)
                    default: try reader.skip(field)
                    }
                }
                return .activity(
                    scheduledEventID: scheduledEventID, startedEventID: startedEventID, identity: identity,
                    activityType: activityType, activityID: activityID, retryState: retryState)
            }
        default:
            return try message(field) { (reader) throws(EngineError) in
                var fields = MessageFields("ChildWorkflowFailureInfo", start: reader.position)
                var namespace = ""
                var execution: WorkflowExecution?
                var workflowType = ""
                var initiatedEventID: Int64 = 0
                var startedEventID: Int64 = 0
                var retryState = RetryState.unspecified
                while let field = try reader.next(&fields) {
                    switch field.number {
                    case 1: namespace = try reader.string(field)
                    case 2: execution = try reader.execution(field)
                    case 3: workflowType = try reader.string(field)
                    case 4: initiatedEventID = try reader.int64(field)
                    case 5: startedEventID = try reader.int64(field)
                    case 6: retryState = try reader.enumeration(field, RetryState.self)
                    default: try reader.skip(field)
                    }
                }
                return .childWorkflow(
                    namespace: namespace, execution: try reader.required(execution, fields, 2, "execution"),
                    workflowType: workflowType, initiatedEventID: initiatedEventID, startedEventID: startedEventID,
                    retryState: retryState)
            }
        }
    }
}

// MARK: - Search attributes

extension BinaryWriter {
    /// Writes a map of search attributes unless it is empty.
    mutating func searchAttributes(_ field: Int, _ attributes: [String: SearchAttributeValue]) {
        map(field, attributes) { writer, value in
            let start = writer.beginLength()
            writer.searchAttributeContent(value)
            writer.endLength(start)
        }
    }

    /// Appends the one field of a search attribute value; its number is the value's type.
    mutating func searchAttributeContent(_ value: SearchAttributeValue) {
        let field = Int(value.type.rawValue)
        switch value {
        case .keyword(let text), .text(let text):
            tag(field, .lengthDelimited)
            lengthPrefixed(text)
        case .int(let number):
            tag(field, .varint)
            varint(zigzag(number))
        case .double(let number):
            if number.isNaN { violate(.invalidArgument, "a search attribute double is NaN, which history cannot hold") }
            tag(field, .fixed64)
            fixed64(number.bitPattern)
        case .bool(let flag):
            tag(field, .varint)
            byte(flag ? 1 : 0)
        case .datetime(let time):
            tag(field, .fixed64)
            fixed64(UInt64(bitPattern: time.rawValue))
        case .keywordList(let keywords):
            stringList(field, keywords)
        }
    }
}

extension BinaryReader {
    mutating func searchAttributes(_ field: WireField) throws(EngineError) -> [String: SearchAttributeValue] {
        try map(field) { (reader, field) throws(EngineError) in
            let outer = try reader.enter(field, "search attribute value")
            let value = try reader.searchAttributeContent()
            try reader.leave(outer, field, "the search attribute value")
            return value
        }
    }

    mutating func searchAttributeContent() throws(EngineError) -> SearchAttributeValue {
        var fields = MessageFields("SearchAttributeValue", start: position)
        var value: SearchAttributeValue?
        var valueField = 0
        while let field = try next(&fields) {
            guard (1...7).contains(field.number) else {
                try skip(field)
                continue
            }
            guard valueField == 0 else {
                throw corrupt(
                    "\(field.name): expected one value (one of fields 1 to 7), "
                        + "found field \(field.number) after field \(valueField)",
                    at: field.offset)
            }
            valueField = field.number
            switch field.number {
            case 1: value = .keyword(try string(field))
            case 2: value = .text(try string(field))
            case 3: value = .int(try int64(field))
            case 4: value = .double(try double(field))
            case 5: value = .bool(try bool(field))
            case 6: value = .datetime(try timestamp(field))
            default: value = .keywordList(try strings(field))
            }
        }
        guard let value else {
            throw missing("a value (one of fields 1 to 7)", in: fields)
        }
        return value
    }
}

// MARK: - Updates

extension BinaryWriter {
    mutating func updateRequest(_ field: Int, _ request: UpdateRequest) {
        message(field) { writer in
            writer.string(1, request.updateID)
            writer.string(2, request.name)
            writer.payloads(3, request.input)
            writer.payloadMap(4, request.header)
            writer.string(5, request.identity)
        }
    }

    mutating func updateOutcome(_ field: Int, _ outcome: UpdateOutcome) {
        message(field) { writer in
            switch outcome {
            case .success(let payloads): writer.payloadList(1, payloads)
            case .failure(let failure): writer.failure(2, failure)
            }
        }
    }
}

extension BinaryReader {
    mutating func updateRequest(_ field: WireField) throws(EngineError) -> UpdateRequest {
        try message(field) { (reader) throws(EngineError) in
            var fields = MessageFields("UpdateRequest", start: reader.position)
            var request = UpdateRequest(updateID: "", name: "", input: [], header: [:], identity: "")
            while let field = try reader.next(&fields) {
                switch field.number {
                case 1: request.updateID = try reader.string(field)
                case 2: request.name = try reader.string(field)
                case 3: request.input = try reader.payloads(field)
                case 4: request.header = try reader.payloadMap(field)
                case 5: request.identity = try reader.string(field)
                default: try reader.skip(field)
                }
            }
            return request
        }
    }

    mutating func updateOutcome(_ field: WireField) throws(EngineError) -> UpdateOutcome {
        try message(field) { (reader) throws(EngineError) in
            var fields = MessageFields("UpdateOutcome", start: reader.position)
            var outcome: UpdateOutcome?
            while let field = try reader.next(&fields) {
                switch field.number {
                case 1, 2:
                    guard outcome == nil else {
                        throw reader.corrupt(
                            "\(field.name): expected one outcome (field 1 or 2), found both", at: field.offset)
                    }
                    outcome =
                        field.number == 1
                        ? .success(try reader.payloads(field)) : .failure(try reader.failure(field, depth: 1))
                default: try reader.skip(field)
                }
            }
            guard let outcome else {
                throw reader.missing("an outcome (field 1 or 2)", in: fields)
            }
            return outcome
        }
    }
}
