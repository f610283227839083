/// A hierarchical timer wheel: pending timers, each a deadline in ticks and a small element, fired in
/// deadline order as the caller advances time.
///
/// Ticks are read as 6-bit digits, and the wheel has a level of 64 slots per digit. A timer goes to
/// the level of the highest digit in which its deadline differs from the current tick, into the slot
/// named by that digit: level 0 holds the timers due within the current block of 64 ticks, level 1
/// those due within the current block of 4,096, and so on. The first 6 levels cover 64⁶ = 2³⁶ ticks
/// (about 2.2 years of 1 ms ticks); 5 more levels cover the rest of the 64-bit tick range and take
/// the place of an overflow list, so a timer however far ahead is placed in O(1) and never rescanned
/// while it waits. One `UInt64` per level marks its non-empty slots, so finding the next one takes a
/// count of trailing zeros. When time reaches a slot of a higher level, the slot is cascaded: its
/// timers move to lower levels. A timer is moved at most once per level it starts above level 0.
///
/// Storage is a slab of nodes in one array, doubly linked by `UInt32` indices into a slot's lists, with
/// a free list, so scheduling and cancelling allocate nothing once the slab has grown. A pending timer
/// costs one node: 22 bytes and the optional element, 32 bytes for an 8-byte element. Handles carry
/// the node's generation, so a handle of a timer that is gone is harmless.
///
/// The wheel is pure and driven by ticks: it reads no clock and starts no thread. The tick unit is
/// the caller's (the engine uses 1 ms). It is not thread-safe: one owner schedules, cancels and
/// advances it.
///
/// Timers fire in deadline order. Timers with the same deadline fire in an unspecified but
/// deterministic order (it depends only on the sequence of calls). A deadline at or before the
/// current tick is overdue: it fires on the next advance, before every later timer, as if its
/// deadline were the tick at which it was scheduled.
public struct TimerWheel<Element> {
    /// Returns the number of levels: one per 6-bit digit of a 64-bit tick.
    public static var levelCount: Int { 11 }
    /// Returns the number of slots in each level.
    public static var slotsPerLevel: Int { 64 }
    /// Returns the ticks the first 6 levels cover; timers due further ahead wait in the 5 levels above,
    /// which are empty in the common case.
    public static var spanTicks: UInt64 { 1 << 36 }
    /// Returns the most timers one wheel can hold pending (indices are `UInt32`, one value marks "none").
    public static var timersMax: Int { Int(UInt32.max) }

    /// Returns the index that marks the end of a list.
    @usableFromInline static var none: UInt32 { .max }
    /// Returns the slot of a free node.
    @usableFromInline static var noSlot: UInt16 { .max }
    /// Returns the bits of one level's digit.
    @usableFromInline static var digitBits: UInt64 { 6 }
    /// Returns the number of slots of all levels; slot `level × 64 + digit` is the level's slot for that digit.
    @usableFromInline static var slotCount: Int { levelCount * slotsPerLevel }
    /// Returns the number of lists a slot keeps its nodes in: a node goes to list `index % 4` of its
    /// slot, so that a cascade can walk four lists at once (`cascade` and `isSlotEmpty` are written
    /// for exactly four).
    @usableFromInline static var laneCount: Int { 4 }

    /// One timer, or a free node. The fields are ordered so that an 8-byte element packs the node into
    /// 32 bytes: the optional element's tag shares a word with the slot and the first link.
    @usableFromInline struct Node {
        @usableFromInline var element: Element?
        /// The slot holding the timer, or `noSlot` when the node is free.
        @usableFromInline var slot: UInt16
        /// The next node of the slot's list, or of the free list.
        @usableFromInline var next: UInt32
        /// The previous node of the slot's list.
        @usableFromInline var previous: UInt32
        @usableFromInline var generation: UInt32
        @usableFromInline var deadline: UInt64

        @inlinable init(deadline: UInt64, element: Element) {
            self.element = element
            self.slot = TimerWheel.noSlot
            self.next = TimerWheel.none
            self.previous = TimerWheel.none
            self.generation = 0
            self.deadline = deadline
        }
    }

    /// Returns the tick the wheel has advanced to; every timer due at or before it has fired, except
    /// those scheduled since, which are overdue.
    public var currentTick: UInt64 { now }
    /// Returns the number of pending timers.
    public var count: Int { pendingCount }

    /// The current tick, settable by inlinable code.
    @usableFromInline var now: UInt64
    @usableFromInline var pendingCount: Int

    /// The slab: every timer's node, pending or free.
    @usableFromInline var nodes: [Node]
    /// The first node of the free list.
    @usableFromInline var freeHead: UInt32
    /// The first node of each slot's four lists, at `slot × 4 + lane`.
    @usableFromInline var heads: [UInt32]
    /// The earliest deadline of each non-empty slot, or a lower bound of it when the slot's bit is
    /// set in `staleMinimums` (after its earliest timer was removed).
    @usableFromInline var minimums: [UInt64]
    /// One word per level, a bit per non-empty slot.
    @usableFromInline var occupancy: [UInt64]
    /// One word per level, a bit per slot whose entry in `minimums` is only a lower bound.
    @usableFromInline var staleMinimums: [UInt64]

    /// Creates an empty wheel at `currentTick`, with room for `capacity` timers before its storage grows.
    public init(currentTick: UInt64 = 0, capacity: Int = 0) {
        precondition(
            (0...Self.timersMax).contains(capacity), "capacity must be 0...\(Self.timersMax), found \(capacity)")
        self.now = currentTick
        self.pendingCount = 0
        self.nodes = []
        self.nodes.reserveCapacity(capacity)
        self.freeHead = Self.none
        self.heads = Array(repeating: Self.none, count: Self.slotCount * Self.laneCount)
        self.minimums = Array(repeating: 0, count: Self.slotCount)
        self.occupancy = Array(repeating: 0, count: Self.levelCount)
        self.staleMinimums = Array(repeating: 0, count: Self.levelCount)
    }

    /// Returns whether no timer is pending.
    public var isEmpty: Bool { pendingCount == 0 }

    /// Returns the bytes of the wheel's storage: its node slab at its current capacity and its slot
    /// tables (about 17 KiB). The slab grows by doubling and never shrinks.
    public var memoryBytes: Int {
        nodes.capacity * MemoryLayout<Node>.stride + heads.capacity * MemoryLayout<UInt32>.stride
            + (minimums.capacity + occupancy.capacity + staleMinimums.capacity) * MemoryLayout<UInt64>.stride
    }

    /// Schedules `element` to fire when the wheel advances to `deadline`, and returns its handle.
    ///
    /// A deadline at or before `currentTick` is overdue and fires on the next advance.
    @inlinable
    public mutating func schedule(_ element: Element, at deadline: UInt64) -> TimerHandle {
        let index: UInt32
        if freeHead != Self.none {
            index = freeHead
            let node = Int(index)
            freeHead = nodes[node].next
            nodes[node].deadline = deadline
            nodes[node].element = element
        } else {
            precondition(
                nodes.count < Self.timersMax, "a timer wheel holds at most \(Self.timersMax) timers; all are pending")
            index = UInt32(truncatingIfNeeded: nodes.count)
            nodes.append(Node(deadline: deadline, element: element))
        }
        link(index)
        pendingCount += 1
        return TimerHandle(index: index, generation: nodes[Int(index)].generation)
    }

    /// Cancels the timer of `handle` and returns its element, or returns `nil` when the timer has
    /// already fired or been cancelled.
    @inlinable
    @discardableResult
    public mutating func cancel(_ handle: TimerHandle) -> Element? {
        guard contains(handle) else { return nil }
        return remove(handle.index)
    }

    /// Returns the deadline of the timer of `handle`, or `nil` when it has fired or been cancelled.
    @inlinable
    public func deadline(of handle: TimerHandle) -> UInt64? {
        contains(handle) ? nodes[Int(handle.index)].deadline : nil
    }

    /// Returns whether the timer of `handle` is pending.
    @inlinable
    public func contains(_ handle: TimerHandle) -> Bool {
        let node = Int(handle.index)
        return node < nodes.count && nodes[node].generation == handle.generation && nodes[node].slot != Self.noSlot
    }

    /// Returns the earliest deadline of the pending timers, or `nil` when none is pending. An overdue
    /// timer's deadline is earlier than `currentTick`.
    ///
    /// - Complexity: O(1) (a look at up to 11 occupancy words) when the earliest timer is due within
    ///   the current block of 64 ticks, or when its slot still holds the timer that was its earliest
    ///   when last computed. Cancelling the earliest timer of a higher-level slot makes calls O(*k*)
    ///   in the *k* timers of that slot until the next advance, which computes it once: calling this
    ///   right after `advance(to:_:)` or after `popExpired(upTo:)` returned `nil` is O(1).
    @inlinable
    public func nextDeadline() -> UInt64? {
        guard let (slot, start) = earliestSlot() else { return nil }
        if slot < Self.slotsPerLevel && slot != Int(now & 63) {
            // Every timer in a level-0 slot other than the current one is due exactly at the slot's tick.
            return start
        }
        return earliestDeadline(in: slot)
    }

    /// Unlinks the pending node at `index`, frees it and returns its element.
    @inlinable
    mutating func remove(_ index: UInt32) -> Element {
        unlink(index)
        let node = Int(index)
        guard let element = nodes[node].element.take() else {
            preconditionFailure("the pending timer in node \(index) has no element")
        }
        nodes[node].generation &+= 1
        nodes[node].slot = Self.noSlot
        nodes[node].next = freeHead
        freeHead = index
        pendingCount -= 1
        return element
    }

    /// Returns the slot for `deadline` relative to the current tick.
    @inlinable
    func slot(for deadline: UInt64) -> Int {
        let target = deadline > now ? deadline : now
        // The highest bit in which the deadline differs from now picks the level; or-ing 63 puts every
        // difference below 64 on level 0, including none at all.
        let highestBit = 63 - ((target ^ now) | 63).leadingZeroBitCount
        let level = highestBit / 6
        let digit = Int(truncatingIfNeeded: (target >> (UInt64(level) &* Self.digitBits)) & 63)
        return level &* Self.slotsPerLevel &+ digit
    }

    /// Puts the node at `index` at the front of its list in the slot of its deadline.
    @inlinable
    mutating func link(_ index: UInt32) {
        let node = Int(index)
        let deadline = nodes[node].deadline
        let slot = slot(for: deadline)
        let list = slot &* Self.laneCount &+ (node & (Self.laneCount - 1))
        let head = heads[list]
        nodes[node].next = head
        nodes[node].previous = Self.none
        nodes[node].slot = UInt16(truncatingIfNeeded: slot)
        if head != Self.none { nodes[Int(head)].previous = index }
        if occupancy[slot >> 6] & (1 << UInt64(slot & 63)) != 0 {
            if deadline < minimums[slot] { minimums[slot] = deadline }
        } else {
            minimums[slot] = deadline
            staleMinimums[slot >> 6] &= ~(1 << UInt64(slot & 63))
            occupancy[slot >> 6] |= 1 << UInt64(slot & 63)
        }
        heads[list] = index
    }

    /// Takes the pending node at `index` out of its list.
    @inlinable
    mutating func unlink(_ index: UInt32) {
        let node = Int(index)
        let slot = Int(nodes[node].slot)
        let next = nodes[node].next
        let previous = nodes[node].previous
        if previous != Self.none {
            nodes[Int(previous)].next = next
        } else {
            heads[slot &* Self.laneCount &+ (node & (Self.laneCount - 1))] = next
        }
        if next != Self.none { nodes[Int(next)].previous = previous }
        let bit: UInt64 = 1 << UInt64(slot & 63)
        if isSlotEmpty(slot) {
            staleMinimums[slot >> 6] &= ~bit
            occupancy[slot >> 6] &= ~bit
        } else if nodes[node].deadline == minimums[slot] {
            // Another timer may share the deadline, but finding out would take a scan: mark the
            // minimum as a lower bound and scan only when it is asked for.
            staleMinimums[slot >> 6] |= bit
        }
    }

    /// Returns the non-empty slot holding the earliest timers and the first tick it covers, or `nil`
    /// when no timer is pending.
    ///
    /// Every timer of level *L* agrees with the current tick above digit *L* and has a larger digit
    /// *L* (or is due, in the current slot of level 0), so a lower level's timers are all due before a
    /// higher level's, and within a level a lower slot's before a higher slot's.
    @inlinable
    func earliestSlot() -> (slot: Int, start: UInt64)? {
        for level in 0..<Self.levelCount {
            let bits = occupancy[level]
            if bits == 0 { continue }
            let digit = bits.trailingZeroBitCount
            let shift = UInt64(level) &* Self.digitBits
            // The top level's block is the whole tick range: a shift by 66 bits gives 0 here, and the
            // mask all ones.
            let blockMask: UInt64 = (1 << (shift &+ Self.digitBits)) &- 1
            let start = (now & ~blockMask) | (UInt64(digit) << shift)
            return (level &* Self.slotsPerLevel &+ digit, start)
        }
        return nil
    }

    /// Returns the earliest deadline in the non-empty `slot`, scanning it when its minimum is stale.
    @inlinable
    func earliestDeadline(in slot: Int) -> UInt64 {
        guard staleMinimums[slot >> 6] & (1 << UInt64(slot & 63)) != 0 else { return minimums[slot] }
        let first = slot &* Self.laneCount
        var lanes = (heads[first], heads[first &+ 1], heads[first &+ 2], heads[first &+ 3])
        var earliest = UInt64.max
        // As in `cascade`, the four lists are walked side by side to overlap their cache misses.
        let done = (Self.none, Self.none, Self.none, Self.none)
        while lanes != done {
            step(&lanes.0, earliest: &earliest)
            step(&lanes.1, earliest: &earliest)
            step(&lanes.2, earliest: &earliest)
            step(&lanes.3, earliest: &earliest)
        }
        return earliest
    }

    /// Lowers `earliest` to the deadline of the first node of `list`, if any, and steps `list` to the next.
    @inlinable
    func step(_ list: inout UInt32, earliest: inout UInt64) {
        guard list != Self.none else { return }
        earliest = min(earliest, nodes[Int(list)].deadline)
        list = nodes[Int(list)].next
    }

    /// Returns whether no timer is in `slot`.
    @inlinable
    func isSlotEmpty(_ slot: Int) -> Bool {
        let first = slot &* Self.laneCount
        return heads[first] == Self.none && heads[first &+ 1] == Self.none && heads[first &+ 2] == Self.none
            && heads[first &+ 3] == Self.none
    }
}

extension TimerWheel: Sendable where Element: Sendable {}
extension TimerWheel.Node: Sendable where Element: Sendable {}
