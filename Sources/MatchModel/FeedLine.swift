/// One line of a live event feed in JSON Lines (Spec/FEED.md), what `server --feed` reads and
/// `simulate --jsonl` writes: the line-ups first, then one line per event, then the end.
///
/// ```
/// {"type": "lineups", "home": {"name": "Galáticos", "keeper": "Dida", "players": [{"name": "Cafú", "position": "LD"}, ...]}, "away": {...}}
/// {"type": "event", "event": "goal", "minute": 23, "actor": "home:8", "opponent": "away:keeper", "template": 2, "at": 28.75}
/// {"type": "end", "reason": "full_time"}
/// ```
public enum FeedLine: Sendable, Hashable {
    /// Both team sheets; optionally the phrase language (`en` or `pt`), and for a feed that
    /// joins a match already under way (a relay's match log, its export) where it stands.
    case lineups(Roster, language: String?, start: MatchStart? = nil)
    /// One event.
    case event(FeedEvent)
    /// The final whistle (or why the match stopped).
    case end(EndReason)

    /// A player reference as the feed writes it: `home:3`, `away:keeper`.
    public static func reference(_ player: PlayerRef) -> String {
        "\(player.side == .home ? "home" : "away"):\(player.isKeeper ? "keeper" : String(player.slot))"
    }
}

/// Where a match stands when a feed joins it under way (Spec/FEED.md, `state` on the
/// line-ups): its latest event's clock and the state after it. A relay that subscribes
/// mid-match logs its match from here, so that its log reads back to the events it sent.
public struct MatchStart: Sendable, Hashable {
    /// The clock of the latest event before the feed's first (later events' minutes never go back from it).
    public var minute: UInt8
    /// Goals, cards, substitutions, kicks and period so far.
    public var state: MatchState

    /// Creates a starting point.
    public init(minute: UInt8, state: MatchState) {
        (self.minute, self.state) = (minute, state)
    }

    /// Where the match stands after `event`.
    public init(after event: MatchEvent) {
        self.init(minute: event.minute, state: event.state)
    }
}

/// One event of a feed, before the server gives it a sequence number and the match state.
public struct FeedEvent: Sendable, Hashable {
    public var type: EventType
    /// The match clock after the event.
    public var minute: UInt8
    /// Who it is about, and a player of the other side (default: that side's goalkeeper).
    public var actor: PlayerRef
    public var opponent: PlayerRef?
    /// The phrase template (default 0).
    public var template: UInt8?
    /// Seconds after kick-off at which it happened (`--replay-speed` paces by it).
    public var at: Double?
    /// Real matches (Spec/FEED.md, "Real matches"): stoppage minutes after ``minute``.
    public var added: UInt8?
    /// A goal, save or missed chance from the penalty spot.
    public var penalty: Bool?
    /// A substitution's player coming on.
    public var on: PlayerRef?
    /// Whether a shoot-out kick went in.
    public var scored: Bool?
    /// A period event's new phase.
    public var phase: MatchPhase?

    /// Creates an event.
    public init(
        type: EventType, minute: UInt8, actor: PlayerRef, opponent: PlayerRef? = nil, template: UInt8? = nil, at: Double? = nil,
        added: UInt8? = nil, penalty: Bool? = nil, on: PlayerRef? = nil, scored: Bool? = nil, phase: MatchPhase? = nil
    ) {
        self.added = added
        self.penalty = penalty
        self.on = on
        self.scored = scored
        self.phase = phase
        self.type = type
        self.minute = minute
        self.actor = actor
        self.opponent = opponent
        self.template = template
        self.at = at
    }
}

extension FeedEvent {
    /// The feed line's event that gives back `event` when read (the match log and
    /// `history --export` write matches this way): its template and players, and for a real
    /// match its stoppage minutes, penalty goal, player coming on, kick outcome and period.
    public init(_ event: MatchEvent, at: Double?) {
        self.init(
            type: event.type, minute: event.minute, actor: event.actor, opponent: event.type == .substitution ? nil : event.opponent,
            template: event.template, at: at)
        if event.added != 0 { added = event.added }
        switch event.type {
        case .goal where event.state.goals.last?.marks.contains(.penalty) == true: penalty = true
        case .substitution: on = event.opponent
        case .shootoutKick: scored = event.state.shootout.last?.scored ?? false
        case .period: phase = event.state.phase
        default: break
        }
    }
}
