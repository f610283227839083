import KeelLog

/// Limits the engine enforces; each has a clear error when exceeded. Defaults are at least as
/// generous as Temporal's.
public struct EngineLimits: Sendable, Hashable {
    /// Events in one run's history; a run that would exceed it is terminated, as in Temporal.
    public var historyEventsMax = 51_200
    /// Bytes of one run's history; a run that would exceed it is terminated.
    public var historyBytesMax = 50 << 20
    /// Bytes of one payload list (an input, a result, a signal's arguments, a failure's details). The
    /// engine lowers it when it opens a log whose record limit (at most a quarter segment) is too small
    /// for an event carrying several such lists.
    public var payloadBytesMax = 2 << 20
    /// Activities scheduled and not yet closed in one run.
    public var pendingActivitiesMax = 2_000
    /// Child workflows started and not yet closed by one run.
    public var pendingChildrenMax = 2_000
    /// External signals initiated and not yet delivered by one run.
    public var pendingSignalsMax = 2_000
    /// External cancellation requests initiated and not yet delivered by one run.
    public var pendingCancelRequestsMax = 2_000
    /// Signals one run can receive over its life.
    public var signalsPerRunMax = 10_000
    /// Updates admitted or accepted and not yet completed in one run.
    public var pendingUpdatesMax = 10
    /// Bytes of a workflow id, a type name, a task queue name, an activity id or a signal name.
    public var identifierBytesMax = 1_000
    /// Bytes of a namespace name.
    public var namespaceBytesMax = 255
    /// Bytes of everything one workflow task completion asks to write (its commands' payloads).
    public var workflowTaskCompletionBytesMax = 32 << 20
    /// Bytes of the events buffered while a workflow task runs; beyond it new signals are refused
    /// (`.limitExceeded`, retry later) until the task completes.
    public var bufferedBytesMax = 32 << 20
    /// Long polls waiting on one task queue at a time; a poll beyond it is refused. (The backlog itself
    /// needs no limit: every backlog task is a durable scheduled event, bounded by the limits above.)
    public var pollersPerQueueMax = 10_000

    public init() {}
}

/// How an engine is set up: its limits, partitions, defaults and the data file's options.
public struct EngineOptions: Sendable {
    /// Single-threaded partitions that workflows are spread across by workflow id.
    public var partitionCount = 4
    public var limits = EngineLimits()
    /// The retention of the `default` namespace, created when the data file is new.
    public var defaultNamespaceRetention: Duration = .seconds(3 * 24 * 3600)
    /// The workflow task timeout when a start request does not set one (Temporal's default, 10 s).
    public var defaultWorkflowTaskTimeout: Duration = .seconds(10)
    /// The data file's options. Stream keys hold a namespace and a workflow id, so the key limit is raised.
    public var log: LogOptions
    /// Log bytes the partitions append between automatic checkpoints (0: no checkpoint by size). A
    /// checkpoint bounds reopen time: the next open folds only what follows it (docs/engine.md).
    public var checkpointIntervalBytes = 64 << 20
    /// Records the partitions append between automatic checkpoints (0: no checkpoint by count).
    public var checkpointIntervalRecords = 1_000_000
    /// Whether a clean `close()` writes a checkpoint when anything was written since the last one.
    public var checkpointOnClose = true

    public init() {
        var log = LogOptions()
        log.keyBytesMax = 1_400
        // An event holds up to a few payload lists of `payloadBytesMax` each, and one commit up to a
        // workflow task completion plus the events buffered meanwhile; the engine checks both limits
        // before it changes any state, so the log never refuses one of its commits.
        log.recordBytesMax = 16 << 20
        log.commitBytesMax = 96 << 20
        // A commit's completion only offers tasks and resumes waiting callers. Run by the writer
        // itself, the completions of one group let the next group gather about twice as many
        // commits, which halves the syncs per event (docs/engine-benchmarks.md).
        log.acknowledgesOnWriter = true
        self.log = log
    }
}
