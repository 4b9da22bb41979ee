/// Who is on the pitch for one side at some moment: the keeper and the outfield players in
/// line-up order, each substitute in the place of the player they replaced.
public struct LineUp: Sendable, Hashable {
    /// The goalkeeper: the sheet's keeper, or a substitute who replaced them.
    public var keeper: PlayerRef
    /// The outfield players (sent-off players included, as the original listed them).
    public var outfield: [PlayerRef]

    /// Creates a line-up.
    public init(keeper: PlayerRef, outfield: [PlayerRef]) {
        self.keeper = keeper
        self.outfield = outfield
    }

    /// Whether `player` is in it.
    public func contains(_ player: PlayerRef) -> Bool {
        player == keeper || outfield.contains(player)
    }
}

extension Roster {
    /// The starting line-up of `side`: the keeper and the sheet's starters.
    public func startingLineUp(of side: Side) -> LineUp {
        LineUp(keeper: .keeper(of: side), outfield: (0..<self[side].starterCount).map { PlayerRef(side: side, slot: UInt8($0)) })
    }

    /// The line-up of `side` after `state`'s substitutions, made in order.
    public func lineUp(of side: Side, after state: MatchState) -> LineUp {
        var lineUp = startingLineUp(of: side)
        for substitution in state.substitutions where substitution.off.side == side {
            if substitution.off == lineUp.keeper {
                lineUp.keeper = substitution.on
            } else if let index = lineUp.outfield.firstIndex(of: substitution.off) {
                lineUp.outfield[index] = substitution.on
            }
        }
        return lineUp
    }

    /// The substitutes of `side` who have not come on by `state`.
    public func bench(of side: Side, after state: MatchState) -> [PlayerRef] {
        (self[side].starterCount..<self[side].players.count).map { PlayerRef(side: side, slot: UInt8($0)) }
            .filter { state.cameOn($0) == nil }
    }
}
