/// The line-ups' `state` (Spec/FEED.md, "Joining a match under way"): where a match stands when
/// its feed begins, for a relay that subscribed mid-match (its match log) and that log's
/// export. Reading checks the shape; ``FeedDecoder`` checks it against the team sheets.
extension FeedLine {
    /// The most incidents of one kind a state lists (the wire's own limit, Spec §4.13).
    static let maximumIncidents = 255

    static func start(_ node: JSONNode) throws(WireError) -> MatchStart {
        let path = "line.state"
        let fields = try node.object(
            path, required: ["minute"], optional: ["goals", "red_cards", "yellow_cards", "substitutions", "shootout", "period"])
        let minute = UInt8(try fields["minute"].integer("\(path).minute", in: 0...Int64(FrameHeader.maximumMinute)))
        var state = MatchState()
        func list(_ key: String) throws(WireError) -> [(path: String, fields: JSONFields)] {
            guard let node = fields.optional(key) else { return [] }
            let entries = try node.array("\(path).\(key)", maxCount: maximumIncidents)
            var listed: [(path: String, fields: JSONFields)] = []
            for (index, entry) in entries.enumerated() {
                let at = "\(path).\(key)[\(index)]"
                let keys: (required: [String], optional: [String]) =
                    switch key {
                    case "goals": (["player", "minute"], ["added", "own_goal", "penalty"])
                    case "red_cards": (["player", "minute"], ["added", "second_yellow"])
                    case "substitutions": (["off", "on", "minute"], ["added"])
                    case "shootout": (["player", "scored"], [])
                    default: (["player", "minute"], ["added"])
                    }
                listed.append((at, try entry.object(at, required: keys.required, optional: keys.optional)))
            }
            return listed
        }
        func incident(_ entry: (path: String, fields: JSONFields), marks: [(String, IncidentMarks)]) throws(WireError) -> Incident {
            var incident = Incident(
                player: try player(entry.fields["player"], "\(entry.path).player"),
                minute: UInt8(try entry.fields["minute"].integer("\(entry.path).minute", in: 0...Int64(FrameHeader.maximumMinute))),
                added: try added(entry))
            for (key, mark) in marks where try entry.fields.optional(key)?.bool("\(entry.path).\(key)") == true {
                incident.marks.insert(mark)
            }
            return incident
        }
        func added(_ entry: (path: String, fields: JSONFields)) throws(WireError) -> UInt8 {
            UInt8(try entry.fields.optional("added")?.integer("\(entry.path).added", in: 0...Int64(CompactEvent.maximumAdded)) ?? 0)
        }
        for entry in try list("goals") { state.goals.append(try incident(entry, marks: [("own_goal", .ownGoal), ("penalty", .penalty)])) }
        for entry in try list("red_cards") { state.redCards.append(try incident(entry, marks: [("second_yellow", .secondYellow)])) }
        for entry in try list("yellow_cards") { state.yellowCards.append(try incident(entry, marks: [])) }
        for entry in try list("substitutions") {
            state.substitutions.append(
                Substitution(
                    off: try player(entry.fields["off"], "\(entry.path).off"), on: try player(entry.fields["on"], "\(entry.path).on"),
                    minute: UInt8(try entry.fields["minute"].integer("\(entry.path).minute", in: 0...Int64(FrameHeader.maximumMinute))),
                    added: try added(entry)))
        }
        for entry in try list("shootout") {
            state.shootout.append(
                ShootoutKick(
                    player: try player(entry.fields["player"], "\(entry.path).player"),
                    scored: try entry.fields["scored"].bool("\(entry.path).scored")))
        }
        if let node = fields.optional("period") {
            let name = try node.string("\(path).period")
            guard let phase = MatchPhase(identifier: name) else {
                throw node.schemaError("\(path).period", "'\(name)'; expected \(MatchPhase.allCases.map(\.identifier).joined(separator: ", "))")
            }
            state.phase = phase
        }
        return MatchStart(minute: minute, state: state)
    }

    /// The `state` member's JSON: only what the state holds.
    static func members(_ start: MatchStart) -> JSONNode {
        func timed(_ members: [(String, JSONNode)], minute: UInt8, added: UInt8) -> [(String, JSONNode)] {
            members + [("minute", .int(minute))] + (added == 0 ? [] : [("added", .int(added))])
        }
        func incidents(_ list: [Incident], marks: [(String, IncidentMarks)]) -> JSONNode {
            .array(
                list.map { incident in
                    .object(
                        timed([("player", .string(reference(incident.player)))], minute: incident.minute, added: incident.added)
                            + marks.filter { incident.marks.contains($0.1) }.map { ($0.0, JSONNode(.bool(true))) })
                })
        }
        let state = start.state
        var members: [(String, JSONNode)] = [("minute", .int(start.minute))]
        if !state.goals.isEmpty { members.append(("goals", incidents(state.goals, marks: [("own_goal", .ownGoal), ("penalty", .penalty)]))) }
        if !state.redCards.isEmpty { members.append(("red_cards", incidents(state.redCards, marks: [("second_yellow", .secondYellow)]))) }
        if !state.yellowCards.isEmpty { members.append(("yellow_cards", incidents(state.yellowCards, marks: []))) }
        if !state.substitutions.isEmpty {
            members.append(
                (
                    "substitutions",
                    .array(
                        state.substitutions.map {
                            .object(
                                timed([("off", .string(reference($0.off))), ("on", .string(reference($0.on)))], minute: $0.minute, added: $0.added))
                        })
                ))
        }
        if !state.shootout.isEmpty {
            members.append(
                (
                    "shootout",
                    .array(state.shootout.map { .object([("player", .string(reference($0.player))), ("scored", JSONNode(.bool($0.scored)))]) })
                ))
        }
        if state.phase != .unannounced { members.append(("period", .string(state.phase.identifier))) }
        return .object(members)
    }
}
