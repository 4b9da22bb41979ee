import Match
import Wire

/// A match's statistics per side, computed from its events: goals, cards and substitutions
/// from the match state (complete even when the gateway joined under way); shots and fouls
/// from the events the gateway holds.
public struct MatchStatistics: Sendable, Hashable {
    /// One figure per side.
    public struct Pair: Sendable, Hashable {
        public var home = 0
        public var away = 0

        subscript(side: Side) -> Int {
            get { side == .home ? home : away }
            set { if side == .home { home = newValue } else { away = newValue } }
        }
    }

    public var goals = Pair()
    /// Goals, saves and missed chances.
    public var shots = Pair()
    /// Goals and saves.
    public var onTarget = Pair()
    public var fouls = Pair()
    public var yellowCards = Pair()
    public var redCards = Pair()
    public var substitutions = Pair()

    /// The statistics of `match`.
    public init(_ match: GatewayMatch) {
        let state = match.state
        goals = Pair(home: Int(state.score.home), away: Int(state.score.away))
        for entry in match.history {
            let side = entry.event.actor.side
            switch entry.event.type {
            case .goal:
                shots[side] += 1
                onTarget[side] += 1
            case .save:
                shots[side] += 1
                onTarget[side] += 1
            case .missedChance: shots[side] += 1
            case .foul: fouls[side] += 1
            default: break
            }
        }
        for side in Side.allCases {
            yellowCards[side] = match.yellowCards { $0.side == side }
            redCards[side] = state.redCards.filter { $0.player.side == side }.count
            substitutions[side] = state.substitutions.filter { $0.off.side == side }.count
        }
    }

    /// The rows shown, in order, with their labels.
    public func rows(_ words: WebWords) -> [(label: String, pair: Pair)] {
        [
            (words.goals, goals), (words.shots, shots), (words.onTarget, onTarget), (words.fouls, fouls), (words.yellowCards, yellowCards),
            (words.redCards, redCards), (words.substitutions, substitutions),
        ]
    }
}
