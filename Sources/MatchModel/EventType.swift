/// The eight kinds of match event, with their wire codes (header byte 9).
public enum EventType: UInt8, Sendable, Hashable, CaseIterable, Codable {
    case goal = 1
    case missedChance = 2
    case save = 3
    case dribble = 4
    case foul = 5
    case yellowCard = 6
    case redCard = 7
    case penalty = 8

    /// A stable ASCII identifier, used in Spec, fixtures and `--json` output.
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
        }
    }

    /// The event type whose ``identifier`` is `identifier`, if any.
    public init?(identifier: String) {
        guard let match = EventType.allCases.first(where: { $0.identifier == identifier }) else { return nil }
        self = match
    }
}
