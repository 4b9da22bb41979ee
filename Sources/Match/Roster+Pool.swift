import Wire

extension Roster {
    /// The built-in pool of clubs for simulated rounds (`server --simulate N`): twenty fictional
    /// clubs, each with a goalkeeper and ten outfield players in the original's positions.
    public static let pool: [TeamSheet] = {
        let clubs = [
            "Atlético Sereno", "Porto Alegre Azul", "Vila Nova Real", "Estrela do Norte", "União Litoral",
            "Recife Dourado", "Sporting Serra", "Bahia Central", "Minas Unidos", "Paraná Velho",
            "Northbridge Town", "Eastwick Rovers", "Kingsport City", "Harbour Athletic", "Millbrook United",
            "Westfield Wanderers", "Ravenscourt", "Ashford Albion", "Bramley Forest", "Carrow Vale",
        ]
        let given = [
            "Diego", "Thiago", "Lucas", "Mateus", "Rafael", "Bruno", "Felipe", "Gustavo", "Leandro", "Caio",
            "Oliver", "Harry", "Jack", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie", "Oscar",
        ]
        let family = [
            "Almeida", "Barbosa", "Cardoso", "Duarte", "Esteves", "Ferraz", "Gomes", "Henriques", "Ilha", "Jardim",
            "Ashworth", "Blake", "Carver", "Dalton", "Ellis", "Fletcher", "Gray", "Hughes", "Irving", "Jennings",
        ]
        let positions = ["LE", "LD", "ZAG", "ZAG", "MC", "MC", "MEI", "MEI", "ATA", "ATA"]
        return clubs.enumerated().map { club, name in
            // Names drawn without repeats inside a club, and distinct across clubs (given × family is 400).
            func person(_ index: Int) -> String {
                let slot = club * 11 + index
                return "\(given[(slot * 7) % given.count]) \(family[(slot * 13 + slot / given.count) % family.count])"
            }
            return TeamSheet(
                name: name, keeper: person(10),
                players: positions.enumerated().map { RosterPlayer(name: person($0.offset), position: $0.element) })
        }
    }()

    /// Every pair of distinct pool clubs, in an order fixed by `seed`: a round's matches take
    /// them in turn, so up to 190 concurrent matches never repeat a pair.
    public static func poolPairs(seed: UInt64) -> [(home: Int, away: Int)] {
        var pairs: [(home: Int, away: Int)] = []
        for home in pool.indices { for away in pool.indices where away > home { pairs.append((home, away)) } }
        var generator = SeededGenerator(seed: seed ^ 0x0000_0000_0000_0DEA)
        for index in stride(from: pairs.count - 1, to: 0, by: -1) {
            pairs.swapAt(index, generator.next(below: index + 1))
        }
        return pairs
    }

    /// The teams of the `slot`-th concurrent simulated match of a server seeded with `seed`:
    /// slot 0 is always the original Galáticos vs The Bests (so every figure and fixture for the
    /// original match still holds); the others are distinct pairs from ``pool``.
    public static func simulated(slot: Int, seed: UInt64) -> Roster {
        guard slot > 0 else { return .original }
        let pairs = poolPairs(seed: seed)
        let pair = pairs[(slot - 1) % pairs.count]
        return Roster(home: pool[pair.home], away: pool[pair.away])
    }
}
