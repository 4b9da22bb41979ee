/// The score of a match.
public struct Score: Sendable, Hashable, Codable {
    /// Goals of the home side.
    public var home: UInt8
    /// Goals of the away side.
    public var away: UInt8

    /// Creates a score.
    public init(home: UInt8, away: UInt8) {
        self.home = home
        self.away = away
    }

    /// 0 – 0.
    public static let zero = Score(home: 0, away: 0)

    /// The goals of `side`.
    public subscript(side: Side) -> UInt8 {
        side == .home ? home : away
    }
}

/// A goal or a red card: who, and at which match minute.
public struct Incident: Sendable, Hashable, Codable {
    /// The player concerned (never a goalkeeper in simulated matches, but the wire allows it).
    public var player: PlayerRef
    /// The match clock when it happened (the original's `tempo_gols` / `tempo_cv`).
    public var minute: UInt8

    /// Creates an incident.
    public init(player: PlayerRef, minute: UInt8) {
        self.player = player
        self.minute = minute
    }
}

/// Everything that has happened so far that later events still show: goals with their
/// minutes and red cards with theirs, in the order they happened.
///
/// Every event frame carries the whole state, so one lost frame never corrupts what later
/// frames show.
public struct MatchState: Sendable, Hashable, Codable {
    /// Goals in the order scored.
    public var goals: [Incident]
    /// Red cards in the order shown.
    public var redCards: [Incident]

    /// Creates a state.
    public init(goals: [Incident] = [], redCards: [Incident] = []) {
        self.goals = goals
        self.redCards = redCards
    }

    /// The state of a match that has not started.
    public static let kickOff = MatchState()

    /// The score these goals add up to (saturating at 255 per side).
    public var score: Score {
        var home = 0
        var away = 0
        for goal in goals {
            if goal.player.side == .home { home += 1 } else { away += 1 }
        }
        return Score(home: UInt8(clamping: home), away: UInt8(clamping: away))
    }

    /// The minutes at which `player` scored.
    public func goalMinutes(of player: PlayerRef) -> [UInt8] {
        goals.filter { $0.player == player }.map(\.minute)
    }

    /// The minute at which `player` was sent off, if they were.
    public func redCardMinute(of player: PlayerRef) -> UInt8? {
        redCards.first { $0.player == player }?.minute
    }
}

/// One event of a match as the compact body carries it, with the header's minute and type.
public struct MatchEvent: Sendable, Hashable, Codable {
    /// The kind of event.
    public var type: EventType
    /// The match clock after the event (the original's `time_passed`), shown to viewers.
    public var minute: UInt8
    /// The index of the phrase template within the catalogue's list for ``type``.
    public var template: UInt8
    /// The player the event is about.
    public var actor: PlayerRef
    /// A player of the other side, named by templates that need an opponent.
    public var opponent: PlayerRef
    /// The state after this event.
    public var state: MatchState

    /// Creates an event.
    public init(type: EventType, minute: UInt8, template: UInt8, actor: PlayerRef, opponent: PlayerRef, state: MatchState) {
        self.type = type
        self.minute = minute
        self.template = template
        self.actor = actor
        self.opponent = opponent
        self.state = state
    }

    /// The score after this event.
    public var score: Score { state.score }
}
