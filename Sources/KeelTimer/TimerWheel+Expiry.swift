extension TimerWheel {
    /// Removes and returns the earliest pending timer due at or before `tick`, or returns `nil` when
    /// none is left and the wheel stands at `tick`.
    ///
    /// Each call moves `currentTick` forward to the tick at which the returned timer is due (never
    /// past `tick`), so the caller may schedule and cancel between calls: a timer scheduled during the
    /// loop with a deadline at or before `tick` is returned by a later call of the same loop, in order.
    /// This is the loop an engine runs:
    ///
    /// ```swift
    /// while let expired = wheel.popExpired(upTo: now) {
    ///     handle(expired.element)  // may call wheel.schedule and wheel.cancel
    /// }
    /// ```
    ///
    /// `tick` must not be before `currentTick`.
    ///
    /// - Complexity: O(1) amortized per returned timer: empty slots are skipped with the occupancy
    ///   words, so the ticks between timers cost nothing, and each timer is moved down by a cascade
    ///   at most once per level.
    @inlinable
    public mutating func popExpired(upTo tick: UInt64) -> (handle: TimerHandle, deadline: UInt64, element: Element)? {
        precondition(tick >= now, "a timer wheel advances forward: it is at tick \(now), asked for \(tick)")
        while true {
            let first = Int(now & 63) &* Self.laneCount
            var due = heads[first]
            if due == Self.none { due = heads[first &+ 1] }
            if due == Self.none { due = heads[first &+ 2] }
            if due == Self.none { due = heads[first &+ 3] }
            if due != Self.none {
                let handle = TimerHandle(index: due, generation: nodes[Int(due)].generation)
                let deadline = nodes[Int(due)].deadline
                return (handle, deadline, remove(due))
            }
            guard let (slot, start) = earliestSlot(), start <= tick else {
                // No timer is due by `tick`, so every pending one is due after it and keeps its place.
                now = tick
                refreshEarliestMinimum()
                return nil
            }
            now = start
            if slot < Self.slotsPerLevel {
                // The slot is now the current one; its timers are all due exactly at its tick.
                minimums[slot] = start
                staleMinimums[0] &= ~(1 << UInt64(slot))
            } else {
                cascade(slot)
            }
        }
    }

    /// Fires every timer due at or before `tick`, in deadline order, passing each one's handle and
    /// element to `fire`, and moves `currentTick` to `tick`.
    ///
    /// `fire` cannot reach the wheel; to schedule or cancel timers while firing, loop over
    /// `popExpired(upTo:)` instead. `tick` must not be before `currentTick`.
    ///
    /// - Complexity: O(*n*) in the timers fired (amortized; see `popExpired(upTo:)`), however many
    ///   ticks are skipped.
    @inlinable
    public mutating func advance(to tick: UInt64, _ fire: (TimerHandle, Element) -> Void) {
        while let expired = popExpired(upTo: tick) { fire(expired.handle, expired.element) }
    }

    /// Fires every timer due at or before `tick` and returns them in deadline order; see
    /// `advance(to:_:)`.
    ///
    /// - Complexity: O(*n*) in the timers fired (amortized).
    @inlinable
    public mutating func advance(to tick: UInt64) -> [(handle: TimerHandle, element: Element)] {
        var fired: [(handle: TimerHandle, element: Element)] = []
        while let expired = popExpired(upTo: tick) { fired.append((expired.handle, expired.element)) }
        return fired
    }

    /// Moves every timer of the higher-level `slot` to a lower level, now that the current tick has
    /// reached the slot's first tick.
    @inlinable
    mutating func cascade(_ slot: Int) {
        let first = slot &* Self.laneCount
        var lanes = (heads[first], heads[first &+ 1], heads[first &+ 2], heads[first &+ 3])
        for lane in 0..<Self.laneCount { heads[first &+ lane] = Self.none }
        let bit: UInt64 = 1 << UInt64(slot & 63)
        staleMinimums[slot >> 6] &= ~bit
        occupancy[slot >> 6] &= ~bit
        // The four lists are walked side by side, so that four cache misses are in flight at once
        // instead of one after another.
        let done = (Self.none, Self.none, Self.none, Self.none)
        while lanes != done {
            moveFirst(of: &lanes.0)
            moveFirst(of: &lanes.1)
            moveFirst(of: &lanes.2)
            moveFirst(of: &lanes.3)
        }
    }

    /// Links the first node of a list being cascaded into its new slot, and steps `list` to the next.
    @inlinable
    mutating func moveFirst(of list: inout UInt32) {
        guard list != Self.none else { return }
        let next = nodes[Int(list)].next
        link(list)
        list = next
    }

    /// Makes the earliest slot's minimum exact again if a cancel made it a lower bound, so that
    /// `nextDeadline()` after an advance does not scan.
    @inlinable
    mutating func refreshEarliestMinimum() {
        guard let (slot, _) = earliestSlot(), slot >= Self.slotsPerLevel || slot == Int(now & 63),
            staleMinimums[slot >> 6] & (1 << UInt64(slot & 63)) != 0
        else { return }
        minimums[slot] = earliestDeadline(in: slot)
        staleMinimums[slot >> 6] &= ~(1 << UInt64(slot & 63))
    }
}
