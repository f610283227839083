/// What a deadline is for. When one fires, the partition checks the run still waits for it (the
/// same activity attempt, the same timer, the same workflow task), so firing is idempotent and a
/// deadline that no longer matters needs no cancelling.
enum DeadlineKind: UInt8 {
    case userTimer
    case activityScheduleToStart
    case activityStartToClose
    case activityHeartbeat
    case activityScheduleToClose
    case activityRetry
    case workflowTaskStartToClose
    case workflowTaskScheduleToStart
    case workflowTaskBackoff
    case firstWorkflowTask
    case runTimeout
    case executionTimeout
    case retention
}

/// A deadline held by a partition's timer wheel. It names its run by the run's registration number in
/// the partition rather than holding it: deadlines are never cancelled, and a run removed (retention)
/// must not stay in memory until the longest of its timeouts (hours, for a workflow run timeout) comes
/// round. A number also costs nothing per retain of the run, where a weak reference would move every
/// retain and release of a run to the runtime's slow path.
struct Deadline {
    var kind: DeadlineKind
    /// The run's `RunState.registration`; the partition finds the run with `Partition.run(of:)`.
    var registration: UInt64
    /// The event the deadline belongs to (timer started, activity or workflow task scheduled).
    var eventID: Int64 = 0
    /// The attempt, heartbeat count or workflow task started id the deadline was set for.
    var sequence: Int64 = 0

    /// A deadline of `run`, which must be registered with its partition.
    init(kind: DeadlineKind, run: RunState, eventID: Int64 = 0, sequence: Int64 = 0) {
        precondition(run.registration != 0, "a deadline of \(run.key), which is not registered")
        self.kind = kind
        self.registration = run.registration
        self.eventID = eventID
        self.sequence = sequence
    }
}
