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

/// One side's team sheet: its name, goalkeeper and outfield players; in a real match also
/// which of them start, the formation, and whether the line-up is known at all.
public struct TeamSheet: Sendable, Hashable, Codable {
    /// The team's name.
    public var name: String
    /// The (starting) goalkeeper's name; empty when the line-up is not known.
    public var keeper: String
    /// Outfield players in line-up order, starters first, then the substitutes (1...126 of
    /// them; 10 in simulated matches; a real match's whose line-up is unknown lists only the
    /// scorers its source names, possibly none).
    public var players: [RosterPlayer]
    /// How many of ``players`` start, the rest being substitutes; nil when all of them start.
    public var starters: Int?
    /// The formation, such as `4-3-3`, when the source gives one.
    public var formation: String?
    /// Whether the line-up is known: false for a source that names only scorers (openfootball).
    public var lineupKnown: Bool

    /// Creates a team sheet.
    public init(
        name: String, keeper: String, players: [RosterPlayer], starters: Int? = nil, formation: String? = nil, lineupKnown: Bool = true
    ) {
        self.name = name
        self.keeper = keeper
        self.players = players
        self.starters = starters
        self.formation = formation
        self.lineupKnown = lineupKnown
    }

    /// Whether the sheet says anything only an extended welcome carries (Spec §4.13).
    public var needsExtension: Bool { starters != nil || formation != nil || !lineupKnown }

    /// How many of ``players`` start.
    public var starterCount: Int { min(starters ?? players.count, players.count) }
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

    /// Whether the roster is a real match's: only extended welcomes carry it whole (Spec §4.13).
    public var needsExtension: Bool { home.needsExtension || away.needsExtension }

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
