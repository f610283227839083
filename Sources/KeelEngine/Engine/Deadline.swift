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

/// A deadline held by a partition's timer wheel. It holds its run weakly: deadlines are never
/// cancelled, and a run removed (retention, or a run reset or replaced) must not stay in memory until
/// the longest of its timeouts (hours, for a workflow run timeout) comes round.
struct Deadline {
    var kind: DeadlineKind
    weak var run: RunState?
    /// The event the deadline belongs to (timer started, activity or workflow task scheduled).
    var eventID: Int64 = 0
    /// The attempt, heartbeat count or workflow task started id the deadline was set for.
    var sequence: Int64 = 0
}
