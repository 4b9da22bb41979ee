/// How an incident came about (Spec §4.13): one byte's low bits on the wire.
public struct IncidentMarks: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A goal into the scorer's own net: it counts for the other side.
    public static let ownGoal = IncidentMarks(rawValue: 0x01)
    /// A goal scored from the penalty spot.
    public static let penalty = IncidentMarks(rawValue: 0x02)
    /// A red card that is a second yellow.
    public static let secondYellow = IncidentMarks(rawValue: 0x01)
    /// Every bit a mark may use; the byte's bits 2–7 hold the incident's stoppage minutes.
    public static let wireMask: UInt8 = 0x03
}

/// One substitution: who came off, who came on, and when.
public struct Substitution: Sendable, Hashable, Codable {
    /// The player who came off.
    public var off: PlayerRef
    /// The team-mate who came on.
    public var on: PlayerRef
    /// The match minute (the regular minute in stoppage time).
    public var minute: UInt8
    /// Minutes of stoppage time after ``minute``.
    public var added: UInt8

    /// Creates a substitution.
    public init(off: PlayerRef, on: PlayerRef, minute: UInt8, added: UInt8 = 0) {
        self.off = off
        self.on = on
        self.minute = minute
        self.added = added
    }
}

/// One kick of a penalty shoot-out.
public struct ShootoutKick: Sendable, Hashable, Codable {
    /// The taker.
    public var player: PlayerRef
    /// Whether it went in.
    public var scored: Bool

    /// Creates a kick.
    public init(player: PlayerRef, scored: Bool) {
        self.player = player
        self.scored = scored
    }
}

/// Where a real match stands, as its latest period event said (Spec §4.13).
public enum MatchPhase: UInt8, Sendable, Hashable, CaseIterable, Codable {
    /// No period event yet (every simulated match).
    case unannounced = 0
    case firstHalf = 1
    case halfTime = 2
    case secondHalf = 3
    /// The end of the second half (the match is over unless extra time follows).
    case fullTime = 4
    case extraTimeFirstHalf = 5
    case extraTimeHalfTime = 6
    case extraTimeSecondHalf = 7
    /// The end of extra time (the match is over unless a shoot-out follows).
    case endOfExtraTime = 8
    case shootout = 9
    /// The end of the shoot-out.
    case shootoutOver = 10

    /// A stable identifier, as feeds write it.
    public var identifier: String {
        switch self {
        case .unannounced: "unannounced"
        case .firstHalf: "first_half"
        case .halfTime: "half_time"
        case .secondHalf: "second_half"
        case .fullTime: "full_time"
        case .extraTimeFirstHalf: "extra_time_first_half"
        case .extraTimeHalfTime: "extra_time_half_time"
        case .extraTimeSecondHalf: "extra_time_second_half"
        case .endOfExtraTime: "end_of_extra_time"
        case .shootout: "shootout"
        case .shootoutOver: "shootout_over"
        }
    }

    /// The phase whose ``identifier`` is `identifier`, if any.
    public init?(identifier: String) {
        guard let match = MatchPhase.allCases.first(where: { $0.identifier == identifier }) else { return nil }
        self = match
    }

    /// Whether a match may move from this phase to `next`: forward only, into extra time only
    /// from full time, into the shoot-out from the end of extra time or, where a competition
    /// plays none, from full time.
    public func mayMove(to next: MatchPhase) -> Bool {
        switch (self, next) {
        case (.unannounced, .firstHalf): true
        case (.firstHalf, .halfTime), (.halfTime, .secondHalf), (.secondHalf, .fullTime): true
        case (.fullTime, .extraTimeFirstHalf), (.extraTimeFirstHalf, .extraTimeHalfTime), (.extraTimeHalfTime, .extraTimeSecondHalf): true
        case (.extraTimeSecondHalf, .endOfExtraTime), (.endOfExtraTime, .shootout), (.fullTime, .shootout), (.shootout, .shootoutOver): true
        default: false
        }
    }
}

extension MatchState {
    /// The shoot-out's score: kicks scored per side (zero without a shoot-out).
    public var shootoutScore: Score {
        var home = 0
        var away = 0
        for kick in shootout where kick.scored {
            if kick.player.side == .home { home += 1 } else { away += 1 }
        }
        return Score(home: UInt8(clamping: home), away: UInt8(clamping: away))
    }

    /// Whether extra time has been played or is under way.
    public var wentToExtraTime: Bool { phase.rawValue >= MatchPhase.extraTimeFirstHalf.rawValue }

    /// The minutes at which `player` put the ball into his own net.
    public func ownGoals(of player: PlayerRef) -> [Incident] {
        goals.filter { $0.player == player && $0.marks.contains(.ownGoal) }
    }

    /// The player's goals (own goals not included), with their stoppage minutes and marks.
    public func goals(of player: PlayerRef) -> [Incident] {
        goals.filter { $0.player == player && !$0.marks.contains(.ownGoal) }
    }

    /// The player's red card, if they were sent off.
    public func redCard(of player: PlayerRef) -> Incident? {
        redCards.first { $0.player == player }
    }

    /// The player's yellow cards.
    public func yellowCards(of player: PlayerRef) -> [Incident] {
        yellowCards.filter { $0.player == player }
    }

    /// The substitution that brought `player` on, if one did.
    public func cameOn(_ player: PlayerRef) -> Substitution? {
        substitutions.first { $0.on == player }
    }

    /// The substitution that took `player` off, if one did.
    public func cameOff(_ player: PlayerRef) -> Substitution? {
        substitutions.first { $0.off == player }
    }
}

/// The match clock as viewers read it: `23'`, `45+2'`, `120+1'`.
public enum MatchClockText {
    /// `minute'`, or `minute+added'` in stoppage time.
    public static func text(minute: UInt8, added: UInt8) -> String {
        added == 0 ? "\(minute)'" : "\(minute)+\(added)'"
    }
}
