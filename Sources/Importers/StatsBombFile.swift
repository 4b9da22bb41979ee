// In the package these are modules; Fuzz/build.sh compiles them all as one.
#if canImport(Wire)
import Wire
#endif

/// Reads a match in StatsBomb's published shape: its line-ups file (both squads) and its
/// events file, checked (every player named is in his team's squad, periods 1…5, clocks in
/// range), reduced to the events a follower is told (``StatsBombMatch``).
public enum StatsBombFile {
    /// The largest file read (a full match's events file is 2.5–3.7 MB).
    public static let maximumSize = 64 << 20

    /// StatsBomb's type ids of the events read.
    enum TypeID {
        static let shot: Int64 = 16
        static let halfStart: Int64 = 18
        static let substitution: Int64 = 19
        static let ownGoalAgainst: Int64 = 20
        static let foulCommitted: Int64 = 22
        static let badBehaviour: Int64 = 24
        static let ownGoalFor: Int64 = 25
        static let halfEnd: Int64 = 34
        static let startingXI: Int64 = 35
    }

    /// The match of `events` (the events file's bytes) and `lineups` (the line-ups file's),
    /// the files named in errors. The line-ups file's first team is the home side.
    ///
    /// - Throws: ``ImportError`` naming the file, the event's index, the field, the line and
    ///   what was expected.
    public static func match(events: [UInt8], eventsFile: String, lineups: [UInt8], lineupsFile: String) throws(ImportError) -> StatsBombMatch {
        let (home, away) = try teams(lineups, file: lineupsFile)
        var match = StatsBombMatch(home: home, away: away, events: [], skipped: [:], plainFouls: [:])
        let nodes = try root(events, file: eventsFile, path: "$", maxCount: 100_000)
        for (position, node) in nodes.enumerated() {
            do {
                try read(node, path: "$[\(position)]", into: &match)
            } catch {
                throw ImportError(file: eventsFile, record: "event \(position + 1)", error: error, in: events)
            }
        }
        match.events.sort { $0.index < $1.index }
        for team in [match.home, match.away] where team.starters.isEmpty {
            throw ImportError(
                file: eventsFile, error: WireError(.schemaViolation, field: "$", offset: 0, "no Starting XI event (type 35) for \(team.name)"))
        }
        return match
    }

    /// The top-level array of a file.
    static func root(_ bytes: [UInt8], file: String, path: String, maxCount: Int) throws(ImportError) -> [JSONNode] {
        let node = try ImportError.parse(bytes, file: file, maximumSize: maximumSize)
        do {
            return try node.array(path, maxCount: maxCount)
        } catch {
            throw ImportError(file: file, error: error, in: bytes)
        }
    }

    /// The two squads of a line-ups file, in its order (home first).
    static func teams(_ bytes: [UInt8], file: String) throws(ImportError) -> (StatsBombMatch.Team, StatsBombMatch.Team) {
        let nodes = try root(bytes, file: file, path: "$", maxCount: 2)
        guard nodes.count == 2 else {
            throw ImportError(file: file, error: WireError(.schemaViolation, field: "$", offset: 0, "\(nodes.count) team(s); expected 2"), in: bytes)
        }
        var teams: [StatsBombMatch.Team] = []
        for (index, node) in nodes.enumerated() {
            let path = "$[\(index)]"
            do throws(WireError) {
                let fields = try node.fields(path, required: ["team_id", "team_name", "lineup"])
                var squad: [StatsBombMatch.Player] = []
                for (number, entry) in try fields["lineup"].array("\(path).lineup", maxCount: 126).enumerated() {
                    let at = "\(path).lineup[\(number)]"
                    let player = try entry.fields(at, required: ["player_id", "player_name"])
                    let nickname = try player.optional("player_nickname").flatMap { node throws(WireError) -> String? in
                        if case .null = node.value { return nil }
                        return try node.string("\(at).player_nickname")
                    }
                    let jersey = try player.optional("jersey_number").flatMap { node throws(WireError) -> Int? in
                        if case .null = node.value { return nil }
                        return Int(try node.integer("\(at).jersey_number", in: 0...999))
                    }
                    let name = try player["player_name"].string("\(at).player_name")
                    squad.append(
                        StatsBombMatch.Player(
                            id: Int(try player["player_id"].integer("\(at).player_id", in: 1...Int64(Int32.max))), name: nickname ?? name,
                            jersey: jersey))
                }
                guard !squad.isEmpty else { throw node.schemaError("\(path).lineup", "an empty squad") }
                teams.append(
                    StatsBombMatch.Team(
                        id: Int(try fields["team_id"].integer("\(path).team_id", in: 1...Int64(Int32.max))),
                        name: try fields["team_name"].string("\(path).team_name"), squad: squad))
            } catch {
                throw ImportError(file: file, record: "team \(index + 1)", error: error, in: bytes)
            }
        }
        guard teams[0].id != teams[1].id else {
            throw ImportError(
                file: file, error: WireError(.inconsistent, field: "$[1].team_id", offset: nodes[1].offset, "both teams have id \(teams[0].id)"),
                in: bytes)
        }
        return (teams[0], teams[1])
    }
}
