/// One outfield player of a team sheet.
public struct RosterPlayer: Sendable, Hashable, Codable {
    /// The player's name, as shown.
    public var name: String
    /// The position abbreviation (the original used LE, LD, ZAG, MC, MEI, ATA).
    public var position: String

    /// Creates a player.
    public init(name: String, position: String) {
        self.name = name
        self.position = position
    }
}

/// One side's team sheet: its name, goalkeeper and outfield players.
public struct TeamSheet: Sendable, Hashable, Codable {
    /// The team's name.
    public var name: String
    /// The goalkeeper's name.
    public var keeper: String
    /// Outfield players in line-up order (1...126 of them; 10 in simulated matches).
    public var players: [RosterPlayer]

    /// Creates a team sheet.
    public init(name: String, keeper: String, players: [RosterPlayer]) {
        self.name = name
        self.keeper = keeper
        self.players = players
    }
}

/// Both team sheets: what a compact decoder needs to turn player references into names.
public struct Roster: Sendable, Hashable, Codable {
    /// The home side.
    public var home: TeamSheet
    /// The away side.
    public var away: TeamSheet

    /// Creates a roster.
    public init(home: TeamSheet, away: TeamSheet) {
        self.home = home
        self.away = away
    }

    /// The sheet of `side`.
    public subscript(side: Side) -> TeamSheet {
        side == .home ? home : away
    }

    /// Whether `player` names someone on this roster.
    public func contains(_ player: PlayerRef) -> Bool {
        player.isKeeper || Int(player.slot) < self[player.side].players.count
    }

    /// The name of `player`, or `nil` if the reference is outside the roster.
    public func name(of player: PlayerRef) -> String? {
        let sheet = self[player.side]
        if player.isKeeper { return sheet.keeper }
        let index = Int(player.slot)
        return index < sheet.players.count ? sheet.players[index].name : nil
    }
}
