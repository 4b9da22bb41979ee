/// The kinds of match event, with their wire codes (header byte 9).
///
/// Codes 1–8 are the simulator's and every version-2 client's. Codes 9–13 come from real
/// matches and travel only in extended frames, to clients that said they understand them
/// (Spec §4.13); every other client gets such an event as one of the first eight.
public enum EventType: UInt8, Sendable, Hashable, CaseIterable, Codable {
    case goal = 1
    case missedChance = 2
    case save = 3
    case dribble = 4
    case foul = 5
    case yellowCard = 6
    case redCard = 7
    case penalty = 8
    /// A player comes off and a team-mate comes on (the event's opponent byte names who comes on).
    case substitution = 9
    /// A player puts the ball into his own net: the goal counts for the other side.
    case ownGoal = 10
    /// A second yellow card, which sends the player off.
    case secondYellow = 11
    /// A period starts or ends (kick-off, half-time, full time, extra time, shoot-out, the end).
    case period = 12
    /// A kick of a penalty shoot-out, which counts in the shoot-out's score, not the match's.
    case shootoutKick = 13

    /// The eight kinds every version-2 client understands (Spec §4.2).
    public static let base: [EventType] = [.goal, .missedChance, .save, .dribble, .foul, .yellowCard, .redCard, .penalty]
    /// The five kinds of real matches (Spec §4.13).
    public static let extended: [EventType] = [.substitution, .ownGoal, .secondYellow, .period, .shootoutKick]
    /// The highest code of the base kinds.
    public static let baseMaximum: UInt8 = 8

    /// Whether this is one of the eight base kinds.
    public var isBase: Bool { rawValue <= Self.baseMaximum }

    /// A stable ASCII identifier, used in Spec, fixtures, feeds and `--json` output.
    public var identifier: String {
        switch self {
        case .goal: "goal"
        case .missedChance: "missed_chance"
        case .save: "save"
        case .dribble: "dribble"
        case .foul: "foul"
        case .yellowCard: "yellow_card"
        case .redCard: "red_card"
        case .penalty: "penalty"
        case .substitution: "substitution"
        case .ownGoal: "own_goal"
        case .secondYellow: "second_yellow"
        case .period: "period"
        case .shootoutKick: "shootout_kick"
        }
    }

    /// The event type whose ``identifier`` is `identifier`, if any.
    public init?(identifier: String) {
        guard let match = EventType.allCases.first(where: { $0.identifier == identifier }) else { return nil }
        self = match
    }
}
