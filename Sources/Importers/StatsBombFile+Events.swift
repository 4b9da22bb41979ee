// In the package these are modules; Fuzz/build.sh compiles them all as one.
#if canImport(Wire)
import Wire
#endif

extension StatsBombFile {
    /// Reads one event of the events file into `match`: a Starting XI completes its team, the
    /// kinds a follower is told are kept, the rest counted by type.
    static func read(_ node: JSONNode, path: String, into match: inout StatsBombMatch) throws(WireError) {
        let fields = try node.fields(path, required: ["index", "period", "minute", "second", "type", "team"])
        let type = try fields["type"].fields("\(path).type", required: ["id", "name"])
        let typeID = try type["id"].integer("\(path).type.id", in: 1...9999)
        let typeName = try type["name"].string("\(path).type.name")
        let teamID = Int(try fields["team"].fields("\(path).team", required: ["id"])["id"].integer("\(path).team.id", in: 1...Int64(Int32.max)))
        guard teamID == match.home.id || teamID == match.away.id else {
            throw fields["team"].schemaError(
                "\(path).team.id",
                "team \(teamID) is neither \(match.home.name) (\(match.home.id)) nor \(match.away.name) (\(match.away.id)) of the line-ups file")
        }
        let squad = teamID == match.home.id ? match.home.squad : match.away.squad
        let teamName = teamID == match.home.id ? match.home.name : match.away.name
        func player(_ node: JSONNode, _ at: String) throws(WireError) -> Int {
            let id = Int(try node.fields(at, required: ["id"])["id"].integer("\(at).id", in: 1...Int64(Int32.max)))
            guard squad.contains(where: { $0.id == id }) else {
                throw node.schemaError("\(at).id", "player \(id) is not in \(teamName)'s squad (line-ups file)")
            }
            return id
        }
        var event = StatsBombMatch.Event(
            index: Int(try fields["index"].integer("\(path).index", in: 1...1_000_000)),
            period: Int(try fields["period"].integer("\(path).period", in: 1...5)),
            minute: Int(try fields["minute"].integer("\(path).minute", in: 0...200)),
            second: Int(try fields["second"].integer("\(path).second", in: 0...59)), team: teamID, player: nil, kind: .periodStart(1))
        let actor = { () throws(WireError) -> Int in
            guard let node = fields.optional("player") else {
                throw node.schemaError("\(path).player", "required field is missing (a \(typeName) is about a player)")
            }
            return try player(node, "\(path).player")
        }
        switch typeID {
        case TypeID.startingXI:
            let tactics = try fields["tactics"].fields("\(path).tactics", required: ["lineup"])
            var starters: [(id: Int, position: String, keeper: Bool)] = []
            for (index, entry) in try tactics["lineup"].array("\(path).tactics.lineup", maxCount: 11).enumerated() {
                let at = "\(path).tactics.lineup[\(index)]"
                let slot = try entry.fields(at, required: ["player", "position"])
                let position = try slot["position"].fields("\(at).position", required: ["id", "name"])
                let id = try player(slot["player"], "\(at).player")
                guard !starters.contains(where: { $0.id == id }) else {
                    throw slot["player"].schemaError("\(at).player.id", "player \(id) starts twice")
                }
                starters.append(
                    (id, try position["name"].string("\(at).position.name"), try position["id"].integer("\(at).position.id", in: 1...99) == 1))
            }
            guard starters.count == 11, starters.filter(\.keeper).count == 1 else {
                throw tactics["lineup"].schemaError(
                    "\(path).tactics.lineup",
                    "\(starters.count) starters, \(starters.filter(\.keeper).count) goalkeeper(s); expected 11 with one goalkeeper (position id 1)")
            }
            let formation = try tactics.optional("formation").map { node throws(WireError) -> String in
                if case .integer(let number) = node.value { return String(number) }
                return try node.string("\(path).tactics.formation")
            }
            if teamID == match.home.id {
                (match.home.starters, match.home.formation) = (starters, formation)
            } else {
                (match.away.starters, match.away.formation) = (starters, formation)
            }
            return
        case TypeID.halfStart:
            event.kind = .periodStart(event.period)
        case TypeID.halfEnd:
            event.kind = .periodEnd(event.period)
        case TypeID.shot:
            let shot = try fields["shot"].fields("\(path).shot", required: ["outcome"])
            let outcome = try shot["outcome"].fields("\(path).shot.outcome", required: ["name"])["name"].string("\(path).shot.outcome.name")
            guard let result = shotOutcomes[outcome] else {
                throw shot["outcome"].schemaError(
                    "\(path).shot.outcome.name", "'\(outcome)'; expected one of \(shotOutcomes.keys.sorted().joined(separator: ", "))")
            }
            let kick = try shot.optional("type").map { node throws(WireError) in
                try node.fields("\(path).shot.type", required: ["name"])["name"].string("\(path).shot.type.name")
            }
            event.player = try actor()
            event.kind = .shot(result, penalty: kick == "Penalty")
        case TypeID.foulCommitted, TypeID.badBehaviour:
            let key = typeID == TypeID.foulCommitted ? "foul_committed" : "bad_behaviour"
            let detail = try fields.optional(key).map { node throws(WireError) in try node.fields("\(path).\(key)", required: []) }
            let card = try detail?.optional("card").map { node throws(WireError) -> StatsBombMatch.Card in
                let name = try node.fields("\(path).\(key).card", required: ["name"])["name"].string("\(path).\(key).card.name")
                guard let card = cards[name] else {
                    throw node.schemaError("\(path).\(key).card.name", "'\(name)'; expected Yellow Card, Second Yellow or Red Card")
                }
                return card
            }
            let penalty = try detail?.optional("penalty")?.bool("\(path).\(key).penalty") ?? false
            if typeID == TypeID.badBehaviour {
                guard let card else { return count(typeName, in: &match) }
                event.kind = .card(card)
            } else {
                guard card != nil || penalty else {
                    match.plainFouls[teamID, default: 0] += 1
                    return
                }
                event.kind = .foul(card: card, penalty: penalty)
            }
            event.player = try actor()
        case TypeID.substitution:
            let substitution = try fields["substitution"].fields("\(path).substitution", required: ["replacement"])
            event.player = try actor()
            let replacement = try player(substitution["replacement"], "\(path).substitution.replacement")
            guard replacement != event.player else {
                throw substitution["replacement"].schemaError("\(path).substitution.replacement.id", "the player replaces himself")
            }
            event.kind = .substitution(replacement: replacement)
        case TypeID.ownGoalAgainst:
            event.player = try actor()
            event.kind = .ownGoal
        case TypeID.ownGoalFor:
            // The same goal seen from the team credited: told once, as Own Goal Against.
            return
        default:
            return count(typeName, in: &match)
        }
        match.events.append(event)
    }

    static func count(_ typeName: String, in match: inout StatsBombMatch) {
        match.skipped[typeName, default: 0] += 1
    }

    static let shotOutcomes: [String: StatsBombMatch.ShotOutcome] = [
        "Goal": .goal, "Saved": .saved, "Off T": .offTarget, "Post": .post, "Blocked": .blocked, "Wayward": .wayward,
        "Saved Off Target": .savedOffTarget, "Saved Off T": .savedOffTarget, "Saved to Post": .savedToPost,
    ]

    static let cards: [String: StatsBombMatch.Card] = ["Yellow Card": .yellow, "Second Yellow": .secondYellow, "Red Card": .red]
}
