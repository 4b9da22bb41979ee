import Match
import Wire

/// The web gateway's matches (issue 26), free of I/O: what its upstream followers report goes
/// in as ``Update``s, and what readers must be sent comes out as ``Action``s, which the
/// runtime's one driver carries out (renders and hands to the pages' event streams).
public struct MatchBoard: Sendable {
    /// What a follower of one upstream match reports.
    public enum Update: Sendable {
        /// The match's welcome, with its latest event when it had begun.
        case welcomed(id: UInt32, roster: Roster, catalog: PhraseCatalog, latest: (sequence: UInt32, event: MatchEvent)?)
        /// Its next event, in sequence order.
        case event(id: UInt32, sequence: UInt32, MatchEvent)
        case ended(id: UInt32, EndReason)
        /// Its upstream went silent (true) or is heard again.
        case outage(id: UInt32, Bool)
    }

    /// What the pages' readers must be sent.
    public enum Action: Sendable, Hashable {
        /// A new match: the index lists it.
        case listed(UInt32)
        /// Match `id`'s event `sequence`: its card's readers get it, the index its new row.
        case event(id: UInt32, sequence: UInt32)
        /// Match `id` ended, or its source was lost or came back: its card's header and its row change.
        case changed(UInt32)
    }

    /// The matches, in the order they were welcomed.
    public private(set) var matches: [GatewayMatch] = []

    public init() {}

    /// The match `id`, if the gateway follows it.
    public func match(_ id: UInt32) -> GatewayMatch? {
        matches.first { $0.id == id }
    }

    /// Applies `update`; returns what readers must be sent.
    public mutating func apply(_ update: Update) -> [Action] {
        switch update {
        case .welcomed(let id, let roster, let catalog, let latest):
            // A second welcome (the follower registered again, or failed over) changes nothing.
            guard match(id) == nil else { return [] }
            matches.append(GatewayMatch(id: id, roster: roster, catalog: catalog, latest: latest))
            return [.listed(id)]
        case .event(let id, let sequence, let event):
            guard let index = matches.firstIndex(where: { $0.id == id }), matches[index].append(sequence: sequence, event: event) else {
                return []
            }
            return [.event(id: id, sequence: sequence)]
        case .ended(let id, let reason):
            guard let index = matches.firstIndex(where: { $0.id == id }) else { return [] }
            matches[index].status = .ended(reason)
            matches[index].sourceLost = false
            return [.changed(id)]
        case .outage(let id, let lost):
            guard let index = matches.firstIndex(where: { $0.id == id }), matches[index].sourceLost != lost else { return [] }
            matches[index].sourceLost = lost
            return [.changed(id)]
        }
    }
}
