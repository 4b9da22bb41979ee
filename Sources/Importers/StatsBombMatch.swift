// In the package these are modules; Fuzz/build.sh compiles them all as one.
#if canImport(Wire)
import Wire
#endif

/// A match in StatsBomb's published shape (open-data `events/{id}.json` and `lineups/{id}.json`),
/// reduced to what a follower of the match is told: periods, shots, cards, fouls that gave a
/// card or a penalty, substitutions and own goals. Passes, carries, pressures and the rest
/// (about 95 % of a file) are counted by type and skipped.
public struct StatsBombMatch: Sendable, Hashable {
    /// One player of a squad (the line-ups file lists the whole squad: starters and substitutes).
    public struct Player: Sendable, Hashable {
        public var id: Int
        /// The name a viewer knows: the nickname when the file has one (`Lionel Messi`), else the name.
        public var name: String
        public var jersey: Int?
    }

    /// One team: its squad, and from its Starting XI event the formation and the starters.
    public struct Team: Sendable, Hashable {
        public var id: Int
        public var name: String
        public var squad: [Player]
        /// The formation as StatsBomb writes it (`4231`), if a Starting XI gave one.
        public var formation: String?
        /// The starters: player id and position name, the goalkeeper among them (position id 1).
        public var starters: [(id: Int, position: String, keeper: Bool)] = []

        public static func == (lhs: Team, rhs: Team) -> Bool {
            lhs.id == rhs.id && lhs.name == rhs.name && lhs.squad == rhs.squad && lhs.formation == rhs.formation
                && lhs.starters.map(\.id) == rhs.starters.map(\.id) && lhs.starters.map(\.position) == rhs.starters.map(\.position)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(id)
            hasher.combine(starters.map(\.id))
        }
    }

    /// How a shot ended.
    public enum ShotOutcome: String, Sendable, Hashable {
        case goal, saved, offTarget, post, blocked, wayward, savedOffTarget, savedToPost
    }

    /// A card.
    public enum Card: String, Sendable, Hashable {
        case yellow, secondYellow, red
    }

    /// What happened, of the kinds a follower is told.
    public enum Kind: Sendable, Hashable {
        /// A period starts (1, 2; 3, 4 extra time; 5 the shoot-out) or ends.
        case periodStart(Int)
        case periodEnd(Int)
        /// A shot; a penalty's `penalty` is true. In period 5 it is a shoot-out kick.
        case shot(ShotOutcome, penalty: Bool)
        /// A foul that gave a card or a penalty (other fouls are counted, not told).
        case foul(card: Card?, penalty: Bool)
        /// A card shown off the ball (Bad Behaviour).
        case card(Card)
        /// The player goes off and `replacement` comes on.
        case substitution(replacement: Int)
        /// An own goal: the event's team conceded it and its player scored it (Own Goal
        /// Against); its twin Own Goal For is folded into it.
        case ownGoal
    }

    /// One event told, in the file's order.
    public struct Event: Sendable, Hashable {
        /// Its `index` in the file (1…n).
        public var index: Int
        public var period: Int
        /// The match clock, running across periods (period 2 starts at 45:00).
        public var minute: Int
        public var second: Int
        /// The team and player it is about (a period's team is the one StatsBomb names).
        public var team: Int
        public var player: Int?
        public var kind: Kind
    }

    public var home: Team
    public var away: Team
    public var events: [Event]
    /// Event types skipped, by StatsBomb's name, and how many of each (Pass: 1,104 …).
    public var skipped: [String: Int]
    /// Fouls without a card or a penalty: counted for the statistics, not told one by one.
    public var plainFouls: [Int: Int]
}
