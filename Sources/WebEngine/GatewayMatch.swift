import Match
import Wire

/// One match as the web gateway holds it: its teams and words, where it stood when the gateway
/// joined it, every event since in sequence order, and whether it is upcoming, live or over.
public struct GatewayMatch: Sendable {
    /// Where the match is.
    public enum Status: Sendable, Hashable {
        /// Welcomed, no event yet.
        case upcoming
        case live
        case ended(EndReason)
    }

    /// One event with its sequence number (the SSE `id:`).
    public struct Entry: Sendable, Hashable {
        public var sequence: UInt32
        public var event: MatchEvent
    }

    public var id: UInt32
    public var roster: Roster
    public var catalog: PhraseCatalog
    public var status: Status
    /// Every event since the gateway followed it (from the latest one then, when it joined the
    /// match under way), in sequence order, each once.
    public private(set) var history: [Entry] = []
    /// Whether the gateway joined it under way: its history then starts at the latest event of
    /// that moment, not at kick-off.
    public let joinedUnderWay: Bool
    /// Its upstream is silent (Spec §4.10): the page says so.
    public var sourceLost = false

    /// A match as its welcome gives it; `latest`, when it had begun, is where it stood.
    public init(id: UInt32, roster: Roster, catalog: PhraseCatalog, latest: (sequence: UInt32, event: MatchEvent)?) {
        self.id = id
        self.roster = roster
        self.catalog = catalog
        self.status = latest == nil ? .upcoming : .live
        self.joinedUnderWay = latest != nil
        if let latest { history = [Entry(sequence: latest.sequence, event: latest.event)] }
    }

    /// The latest event, if any.
    public var latest: MatchEvent? { history.last?.event }
    /// The state after the latest event.
    public var state: MatchState { history.last?.event.state ?? .kickOff }
    /// The latest event's sequence number.
    public var lastSequence: UInt32? { history.last?.sequence }

    /// The yellow cards shown to the players `who` picks: a real match's state lists them, a
    /// simulated match's are its events (its state keeps only goals and red cards).
    public func yellowCards(_ who: (PlayerRef) -> Bool) -> Int {
        let listed = state.yellowCards.filter { who($0.player) }.count
        let shown = history.filter { $0.event.type == .yellowCard && who($0.event.actor) }.count
        return max(listed, shown)
    }

    /// Adds the next event; false (and nothing changes) for one at or before the latest.
    public mutating func append(sequence: UInt32, event: MatchEvent) -> Bool {
        if let last = history.last?.sequence, sequence <= last { return false }
        history.append(Entry(sequence: sequence, event: event))
        if status == .upcoming { status = .live }
        return true
    }

    /// The events after `sequence` (all of them for nil), in order: what a reader that saw up to
    /// `sequence` missed (`Last-Event-ID`).
    public func entries(after sequence: UInt32?) -> ArraySlice<Entry> {
        guard let sequence else { return history[...] }
        // Binary search: the history is in ascending sequence order.
        var (low, high) = (0, history.count)
        while low < high {
            let middle = (low + high) / 2
            if history[middle].sequence <= sequence { low = middle + 1 } else { high = middle }
        }
        return history[low...]
    }
}
