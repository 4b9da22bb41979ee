import Wire

extension Roster {
    /// The original project's two teams: home "Galáticos" and away "The Bests", with the
    /// positions it used (LE/LD full-backs, ZAG centre-backs, MC midfield, MEI playmakers,
    /// ATA forwards).
    public static let original = Roster(
        home: TeamSheet(
            name: "Galáticos", keeper: "Dida",
            players: [
                RosterPlayer(name: "Roberto Carlos", position: "LE"),
                RosterPlayer(name: "Cafú", position: "LD"),
                RosterPlayer(name: "Cannavaro", position: "ZAG"),
                RosterPlayer(name: "Beckenbauer", position: "ZAG"),
                RosterPlayer(name: "Iniesta", position: "MC"),
                RosterPlayer(name: "Xavi", position: "MC"),
                RosterPlayer(name: "Zidane", position: "MEI"),
                RosterPlayer(name: "Ronaldinho", position: "MEI"),
                RosterPlayer(name: "Pelé", position: "ATA"),
                RosterPlayer(name: "Cruyff", position: "ATA"),
            ]),
        away: TeamSheet(
            name: "The Bests", keeper: "Buffon",
            players: [
                RosterPlayer(name: "Carlos Alberto", position: "LD"),
                RosterPlayer(name: "Marcelo", position: "LE"),
                RosterPlayer(name: "Maldini", position: "ZAG"),
                RosterPlayer(name: "Sergio Ramos", position: "ZAG"),
                RosterPlayer(name: "Pirlo", position: "MC"),
                RosterPlayer(name: "Seedorf", position: "MC"),
                RosterPlayer(name: "Kaká", position: "MEI"),
                RosterPlayer(name: "Messi", position: "MEI"),
                RosterPlayer(name: "Cristiano Ronaldo", position: "ATA"),
                RosterPlayer(name: "Ronaldo", position: "ATA"),
            ]))
}
