import Wire

extension EventType {
    /// The original simulation's probability of each event kind, in hundredths
    /// (goal 0.04, missed chance 0.10, save 0.12, dribble 0.24, foul 0.24, yellow card 0.15,
    /// red card 0.01, penalty 0.10).
    public var weight: Int {
        switch self {
        case .goal: 4
        case .missedChance: 10
        case .save: 12
        case .dribble: 24
        case .foul: 24
        case .yellowCard: 15
        case .redCard: 1
        case .penalty: 10
        // Real matches' kinds: the simulator never draws them.
        case .substitution, .ownGoal, .secondYellow, .period, .shootoutKick: 0
        }
    }

    /// The sum of all weights (100).
    public static let totalWeight = EventType.allCases.reduce(0) { $0 + $1.weight }

    /// The event type a uniform draw in `0..<totalWeight` falls on.
    public static func weighted(_ draw: Int) -> EventType {
        var remaining = draw
        for type in allCases {
            if remaining < type.weight { return type }
            remaining -= type.weight
        }
        return .penalty
    }
}
