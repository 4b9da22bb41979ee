/// The feed's fields for real matches (Spec/FEED.md, "Real matches"): on a team sheet
/// `starters`, `formation` and `lineup_known`; on an event `added`, `penalty`, `on`, `scored`
/// and `period`.
extension FeedLine {
    static func readRealMatchFields(_ fields: JSONFields, into sheet: inout TeamSheet, path: String) throws(WireError) {
        if let node = fields.optional("starters") {
            let count = sheet.players.count
            sheet.starters = Int(try node.integer("\(path).starters", in: 0...Int64(count)))
        }
        if let node = fields.optional("formation") {
            let formation = try node.string("\(path).formation")
            sheet.formation = formation.isEmpty ? nil : formation
        }
        if let node = fields.optional("lineup_known") {
            sheet.lineupKnown = try node.bool("\(path).lineup_known")
        }
    }

    static func readRealMatchFields(_ fields: JSONFields, line: JSONNode, into event: inout FeedEvent) throws(WireError) {
        if let node = fields.optional("added") {
            event.added = UInt8(try node.integer("line.added", in: 0...Int64(CompactEvent.maximumAdded)))
        }
        if let node = fields.optional("penalty") {
            guard [.goal, .save, .missedChance, .foul].contains(event.type) else {
                throw node.schemaError(
                    "line.penalty", "only a goal, save, missed_chance or foul is from the penalty spot, not \(event.type.identifier)")
            }
            event.penalty = try node.bool("line.penalty")
        }
        let on = fields.optional("on")
        switch (event.type, on) {
        case (.substitution, let node?): event.on = try player(node, "line.on")
        case (.substitution, nil): throw line.schemaError("line.on", "required field is missing: the player coming on (home:N)")
        case (_, let node?): throw node.schemaError("line.on", "only a substitution names a player coming on")
        case (_, nil): break
        }
        let scored = fields.optional("scored")
        switch (event.type, scored) {
        case (.shootoutKick, let node?): event.scored = try node.bool("line.scored")
        case (.shootoutKick, nil): throw line.schemaError("line.scored", "required field is missing: whether the kick went in")
        case (_, let node?): throw node.schemaError("line.scored", "only a shootout_kick is scored or missed")
        case (_, nil): break
        }
        let period = fields.optional("period")
        switch (event.type, period) {
        case (.period, let node?):
            let name = try node.string("line.period")
            guard let phase = MatchPhase(identifier: name), phase != .unannounced else {
                throw node.schemaError(
                    "line.period", "'\(name)'; expected \(MatchPhase.allCases.dropFirst().map(\.identifier).joined(separator: ", "))")
            }
            event.phase = phase
        case (.period, nil): throw line.schemaError("line.period", "required field is missing: the phase it starts")
        case (_, let node?): throw node.schemaError("line.period", "only a period event names a phase")
        case (_, nil): break
        }
    }

    static func realMatchMembers(_ sheet: TeamSheet) -> [(String, JSONNode)] {
        var members: [(String, JSONNode)] = []
        if let starters = sheet.starters { members.append(("starters", .int(starters))) }
        if let formation = sheet.formation { members.append(("formation", .string(formation))) }
        if !sheet.lineupKnown { members.append(("lineup_known", JSONNode(.bool(false)))) }
        return members
    }

    static func realMatchMembers(_ event: FeedEvent) -> [(String, JSONNode)] {
        var members: [(String, JSONNode)] = []
        if let added = event.added { members.append(("added", .int(added))) }
        if let penalty = event.penalty { members.append(("penalty", JSONNode(.bool(penalty)))) }
        if let on = event.on { members.append(("on", .string(reference(on)))) }
        if let scored = event.scored { members.append(("scored", JSONNode(.bool(scored)))) }
        if let phase = event.phase { members.append(("period", .string(phase.identifier))) }
        return members
    }
}
