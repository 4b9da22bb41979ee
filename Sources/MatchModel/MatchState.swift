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

/// A goal or a card: who, at which match minute, and (in real matches) how.
public struct Incident: Sendable, Hashable, Codable {
    /// The player concerned (never a goalkeeper in simulated matches, but the wire allows it).
    public var player: PlayerRef
    /// The match clock when it happened (the original's `tempo_gols` / `tempo_cv`); in stoppage
    /// time the regular minute it follows (`45` for `45+2'`).
    public var minute: UInt8
    /// Minutes of stoppage time after ``minute`` (`2` for `45+2'`), 0...63.
    public var added: UInt8
    /// An own goal, a penalty, a second yellow.
    public var marks: IncidentMarks

    /// Creates an incident.
    public init(player: PlayerRef, minute: UInt8, added: UInt8 = 0, marks: IncidentMarks = []) {
        self.player = player
        self.minute = minute
        self.added = added
        self.marks = marks
    }

    /// The side a goal counts for: the scorer's, or the other for an own goal.
    public var benefits: Side { marks.contains(.ownGoal) ? player.side.opposite : player.side }
}

/// Everything that has happened so far that later events still show: goals with their
/// minutes and red cards with theirs, in the order they happened; in real matches also the
/// yellow cards, substitutions, the period and the shoot-out's kicks.
///
/// Every event frame carries the whole state, so one lost frame never corrupts what later
/// frames show.
public struct MatchState: Sendable, Hashable, Codable {
    /// Goals in the order scored (own goals included, marked).
    public var goals: [Incident]
    /// Red cards in the order shown (a second yellow's marked).
    public var redCards: [Incident]
    /// Yellow cards in the order shown (real matches).
    public var yellowCards: [Incident]
    /// Substitutions in the order made (real matches).
    public var substitutions: [Substitution]
    /// The penalty shoot-out's kicks in the order taken (real matches).
    public var shootout: [ShootoutKick]
    /// Where the match stands (real matches; simulated ones stay ``MatchPhase/unannounced``).
    public var phase: MatchPhase

    /// Creates a state.
    public init(
        goals: [Incident] = [], redCards: [Incident] = [], yellowCards: [Incident] = [], substitutions: [Substitution] = [],
        shootout: [ShootoutKick] = [], phase: MatchPhase = .unannounced
    ) {
        self.goals = goals
        self.redCards = redCards
        self.yellowCards = yellowCards
        self.substitutions = substitutions
        self.shootout = shootout
        self.phase = phase
    }

    /// Whether the state holds anything only an extended frame carries (Spec §4.13).
    public var needsExtension: Bool {
        !yellowCards.isEmpty || !substitutions.isEmpty || !shootout.isEmpty || phase != .unannounced
            || goals.contains { $0.added != 0 || !$0.marks.isEmpty } || redCards.contains { $0.added != 0 || !$0.marks.isEmpty }
    }

    /// The state of a match that has not started.
    public static let kickOff = MatchState()

    /// The score these goals add up to (saturating at 255 per side).
    public var score: Score {
        var home = 0
        var away = 0
        for goal in goals {
            if goal.benefits == .home { home += 1 } else { away += 1 }
        }
        return Score(home: UInt8(clamping: home), away: UInt8(clamping: away))
    }

    /// The minutes at which `player` scored (own goals not included).
    public func goalMinutes(of player: PlayerRef) -> [UInt8] {
        goals(of: player).map(\.minute)
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
    /// The match clock after the event (the original's `time_passed`), shown to viewers; in
    /// stoppage time the regular minute it follows.
    public var minute: UInt8
    /// Minutes of stoppage time after ``minute`` (`4` for `90+4'`); 0 in simulated matches.
    public var added: UInt8 = 0
    /// The index of the phrase template within the catalogue's list for ``type``.
    public var template: UInt8
    /// The player the event is about.
    public var actor: PlayerRef
    /// A player of the other side, named by templates that need an opponent.
    public var opponent: PlayerRef
    /// The state after this event.
    public var state: MatchState

    /// Creates an event.
    public init(
        type: EventType, minute: UInt8, template: UInt8, actor: PlayerRef, opponent: PlayerRef, state: MatchState, added: UInt8 = 0
    ) {
        self.type = type
        self.minute = minute
        self.added = added
        self.template = template
        self.actor = actor
        self.opponent = opponent
        self.state = state
    }

    /// The score after this event.
    public var score: Score { state.score }

    /// Whether only an extended frame carries this event (Spec §4.13): a real match's kind,
    /// stoppage time, or a state with real-match details.
    public var needsExtension: Bool { !type.isBase || added != 0 || state.needsExtension }

    /// The clock as shown: `23'`, `45+2'`.
    public var clock: String { MatchClockText.text(minute: minute, added: added) }
}
