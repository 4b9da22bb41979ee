import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

/// One match a server carries (Spec §4.9), free of I/O: its teams and words, its sequence
/// space, its latest event and welcomes, its subscribers, and its repair ring. ``ServerState``
/// holds one per match and routes each datagram to the match of its source address.
public struct LiveMatch: Sendable {
    /// The match's identifier (what a welcome announces and a register names).
    public internal(set) var id: UInt32 {
        // Another match: the log record of the one before is not this one's.
        didSet { if id != oldValue { logNumber = nil } }
    }
    /// The teams.
    public let roster: Roster
    /// The words.
    public let catalog: PhraseCatalog
    /// The nominal microseconds between events its welcome announces; 0 for a feed (unpaced:
    /// its events come when they happen, so no jitter is defined, Spec §4.3).
    public let intervalMicroseconds: UInt32
    /// Where it stands.
    public internal(set) var status: MatchStatus = .waiting
    /// Subscribed clients by address.
    package internal(set) var subscribers = SubscriberTable()
    /// Who gets the next event, kept between events until someone subscribes or leaves, so an
    /// event does not copy the subscriber table: the array is shared, not copied.
    package var recipients: [Subscriber]?
    /// Whether some of ``recipients`` are budgeted original subscribers (``OriginalBudget``).
    package var recipientsBudgeted = false
    /// Subscribed clients per delivery, kept as they come and go.
    public internal(set) var deliveryCounts: [Delivery: Int] = [:]
    /// Of those, the clients that take events from the multicast group (Spec §4.11), per
    /// delivery: a format with none is not sent to the group.
    public internal(set) var groupCounts: [Delivery: Int] = [:]
    /// Changes whenever a subscription comes, goes or changes its delivery (the match log keeps
    /// them, written with the next events when this moved).
    public internal(set) var subscribersVersion = 0
    /// The latest event sent.
    public internal(set) var current: EncodedEvent? { didSet { welcomes.removeAll(keepingCapacity: true) } }
    /// The sequence number the next event gets.
    public internal(set) var nextSequence: UInt32 { didSet { welcomes.removeAll(keepingCapacity: true) } }
    /// Welcome frames made since the latest event, by format and dictionary: a registration
    /// storm between two events encodes (and deflates) each kind of welcome once.
    package var welcomes: [WelcomeKind: ByteBuffer] = [:]
    package struct WelcomeKind: Hashable {
        package var delivery: Delivery
        package var dictionary: UInt8
        /// A sealed subscription's welcome: it carries the group keys when the group is sealed.
        package var sealed = false
    }
    /// Recent events by sequence, oldest first in ``ringOrder``, for repair (Spec §4.8).
    package var ring: [UInt32: EncodedEvent] = [:]
    private var ringOrder: [UInt32] = []
    private var ringStart = 0
    private var ringBytes = 0
    /// Subscriptions whose match ended, still answered for repair until they fall silent for the
    /// client timeout (``ServerState/expire()``) or the next match begins here.
    package var ended = SubscriberTable()
    /// Its number in the durable match log, once logged: a NACK for events the ring no longer
    /// (or, after a restart, not yet) holds is answered from there.
    public internal(set) var logNumber: Int?
    /// A relay's match whose upstream is lost (Spec §4.10): its heartbeats say so.
    public internal(set) var sourceLost = false

    /// Creates a match that has not kicked off.
    public init(id: UInt32, roster: Roster, catalog: PhraseCatalog, firstSequence: UInt32, intervalMicroseconds: UInt32) {
        self.id = id
        self.intervalMicroseconds = intervalMicroseconds
        self.roster = roster
        self.catalog = catalog
        self.nextSequence = firstSequence
        base =
            roster.needsExtension
            ? Result { () throws(WireError) in try BaseProjection(roster: roster, catalog: catalog) } : nil
    }

    /// For a real match (Spec §4.13), how base-layout clients get it, or why they cannot; nil
    /// for a simulated match.
    public let base: Result<BaseProjection, WireError>?

    /// A real match's base-layout projection, when it could be made.
    public var baseProjection: BaseProjection? {
        guard case .success(let projection) = base else { return nil }
        return projection
    }

    /// The deliveries whose events go to the multicast group: some subscriber of it takes them there.
    public var groupDeliveries: [Delivery] { groupCounts.filter { $0.value > 0 }.map(\.key).sorted { $0.rawValue < $1.rawValue } }

    /// The deliveries some client currently receives.
    public var deliveriesInUse: Set<Delivery> { Set(deliveryCounts.filter { $0.value > 0 }.keys) }

    /// What a listing says of it.
    public var summary: MatchSummary {
        MatchSummary(
            id: id, status: status, minute: current?.event.minute ?? 0, score: current?.event.score ?? .zero,
            viewers: UInt32(clamping: subscribers.count), home: roster.home.name, away: roster.away.name)
    }

    /// Adds or replaces a subscription, keeping ``deliveryCounts``; true when it is new. Once
    /// the match holds a quarter of `limit` (the server's client limit), its table's index grows
    /// ahead (``SubscriberTable/growAhead(limit:from:)``) to `limit`: at most four matches can,
    /// so a server of many small matches does not hold the limit's room for each.
    package mutating func subscribe(_ subscriber: Subscriber, limit: Int) -> Bool {
        recipients = nil
        subscribers.growAhead(limit: limit, from: limit / 4)
        ended[subscriber.datagramAddress] = nil
        if let old = subscribers.updateValue(subscriber, forKey: subscriber.datagramAddress) {
            deliveryCounts[old.delivery, default: 1] -= 1
            deliveryCounts[subscriber.delivery, default: 0] += 1
            if old.group { groupCounts[old.delivery, default: 1] -= 1 }
            if subscriber.group { groupCounts[subscriber.delivery, default: 0] += 1 }
            subscribersVersion += 1
            return false
        }
        deliveryCounts[subscriber.delivery, default: 0] += 1
        if subscriber.group { groupCounts[subscriber.delivery, default: 0] += 1 }
        subscribersVersion += 1
        return true
    }

    /// Removes a subscription, keeping ``deliveryCounts``.
    package mutating func unsubscribe(_ key: DatagramAddress) -> Subscriber? {
        guard let removed = subscribers.removeValue(forKey: key) else { return nil }
        recipients = nil
        deliveryCounts[removed.delivery, default: 1] -= 1
        if removed.group { groupCounts[removed.delivery, default: 1] -= 1 }
        subscribersVersion += 1
        return removed
    }

    /// Starts a new match here (the first, or the next with `--loop`): its id, no latest event,
    /// and the previous match's ended subscriptions no longer answered. A match `resuming` from
    /// the match log keeps the latest event the log gave it.
    package mutating func begin(id: UInt32, resuming: Bool = false) -> [DatagramAddress] {
        let forgotten = ended.keys
        ended.removeAll()
        self.id = id
        if !resuming { current = nil }
        status = .live
        return forgotten
    }

    /// Makes `event` the latest and returns who gets it.
    package mutating func publish(_ event: EncodedEvent, ringEvents: Int, ringBytes limit: Int) -> [Subscriber] {
        current = event
        nextSequence = event.sequence &+ 1
        keepForRepair(event, events: ringEvents, bytes: limit)
        if let recipients { return recipients }
        // Group subscribers get the event from the multicast group, not at their address; without
        // any, the recipients are the table's own array, shared.
        let fresh = groupCounts.values.contains { $0 > 0 } ? subscribers.values.filter { !$0.group } : subscribers.values
        recipients = fresh
        recipientsBudgeted = fresh.contains { $0.budgetBlock != nil }
        return fresh
    }

    /// Keeps `event` for repair, dropping the oldest beyond the ring's event and byte limits.
    package mutating func keepForRepair(_ event: EncodedEvent, events: Int, bytes: Int) {
        if let replaced = ring.updateValue(event, forKey: event.sequence) {
            ringBytes -= replaced.storedBytes
        } else {
            ringOrder.append(event.sequence)
        }
        ringBytes += event.storedBytes
        while ringOrder.count - ringStart > events || ringBytes > bytes, ringStart < ringOrder.count {
            if let old = ring.removeValue(forKey: ringOrder[ringStart]) { ringBytes -= old.storedBytes }
            ringStart += 1
        }
        if ringStart > 4096 && ringStart * 2 > ringOrder.count {
            ringOrder.removeFirst(ringStart)
            ringStart = 0
        }
    }

    /// Drops the repair ring once nobody can ask it for anything: the match has ended, and no
    /// subscription of it is left, live or ended (a register for an ended match is refused).
    /// A server feeding or relaying match after match into new slots kept every ring
    /// (up to ``ServerConfiguration/repairRingBytes`` each) for its whole life.
    package mutating func releaseRingIfUnwatched() {
        guard status == .ended, subscribers.isEmpty, ended.isEmpty, !ringOrder.isEmpty else { return }
        ring = [:]
        ringOrder = []
        (ringStart, ringBytes) = (0, 0)
    }

    /// Ends the match: every subscriber leaves (SoccerStream ones stay answerable for repair).
    package mutating func end() -> [Subscriber] {
        let leaving = subscribers.values
        if ended.isEmpty && deliveryCounts[.original, default: 0] == 0 {
            // Every one stays answerable: the table itself becomes the ended one.
            ended = subscribers
        } else {
            for (address, subscriber) in subscribers.entries where subscriber.delivery != .original {
                ended[address] = subscriber
            }
        }
        subscribers = SubscriberTable()
        recipients = nil
        deliveryCounts.removeAll()
        groupCounts.removeAll()
        subscribersVersion += 1
        status = .ended
        releaseRingIfUnwatched()
        return leaving
    }
}
