import Wire

/// A seeded, deterministic soccer match, produced one event at a time.
///
/// Each step: draw the event kind by the original weights, an actor among the outfield
/// players still on the pitch, an opponent of the other side still on the pitch (its
/// goalkeeper when none is left), and a template; record a goal or red card at the current
/// clock; then advance the clock by 1–3 minutes, which becomes the event's minute (the
/// original's `time_passed`). The match ends after the first event that starts at or after
/// minute 97, or, should every outfield player be sent off, when nobody is left to play.
public struct MatchSimulator: Sendable, IteratorProtocol, Sequence {
    /// The minute after which no new event starts.
    public static let fullTime: UInt8 = 97

    /// The seed this match was generated from.
    public let seed: UInt64
    /// The teams.
    public let roster: Roster
    private let templateCounts: [Int]
    private var generator: SeededGenerator
    private var clock: UInt8 = 0
    private var state = MatchState.kickOff
    /// Why the match ended, once it has.
    public private(set) var endReason: EndReason?

    /// Creates a match; `catalog` gives the number of templates of each event type.
    public init(seed: UInt64, roster: Roster = .original, catalog: PhraseCatalog = .english) {
        self.seed = seed
        self.roster = roster
        self.templateCounts = EventType.allCases.map { Swift.max(1, catalog.templates(of: $0).count) }
        self.generator = SeededGenerator(seed: seed)
    }

    /// An identifier for the match, derived from the seed.
    public var matchID: UInt32 {
        var mixer = seed ^ 0x5EED_5EED_5EED_5EED
        return UInt32(truncatingIfNeeded: SeededGenerator.splitMix(&mixer) >> 32)
    }

    private func available(_ side: Side) -> [PlayerRef] {
        let sentOff = Set(state.redCards.map(\.player))
        return (0..<roster[side].players.count)
            .map { PlayerRef(side: side, slot: UInt8($0)) }
            .filter { !sentOff.contains($0) }
    }

    /// The next event, or `nil` once the match is over.
    public mutating func next() -> MatchEvent? {
        guard endReason == nil else { return nil }
        guard clock < Self.fullTime else {
            endReason = .fullTime
            return nil
        }
        let type = EventType.weighted(generator.next(below: EventType.totalWeight))
        let candidates = available(.home) + available(.away)
        guard !candidates.isEmpty else {
            endReason = .abandoned
            return nil
        }
        let actor = candidates[generator.next(below: candidates.count)]
        let opponents = available(actor.side.opposite)
        let opponent = opponents.isEmpty ? PlayerRef.keeper(of: actor.side.opposite) : opponents[generator.next(below: opponents.count)]
        let template = UInt8(generator.next(below: templateCounts[Int(type.rawValue) - 1]))
        switch type {
        case .goal: state.goals.append(Incident(player: actor, minute: clock))
        case .redCard: state.redCards.append(Incident(player: actor, minute: clock))
        default: break
        }
        clock += UInt8(1 + generator.next(below: 3))
        return MatchEvent(type: type, minute: clock, template: template, actor: actor, opponent: opponent, state: state)
    }

    /// The whole match from kick-off, and why it ended.
    public static func play(
        seed: UInt64, roster: Roster = .original, catalog: PhraseCatalog = .english
    ) -> (events: [MatchEvent], endReason: EndReason) {
        var simulator = MatchSimulator(seed: seed, roster: roster, catalog: catalog)
        var events: [MatchEvent] = []
        while let event = simulator.next() { events.append(event) }
        return (events, simulator.endReason ?? .fullTime)
    }
}
