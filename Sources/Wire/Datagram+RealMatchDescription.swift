/// The description (`validate --json`, the fixtures' `.json` files) of the extended layout's
/// parts (Spec §4.13).
extension Frame {
    static func describeMarks(_ incident: Incident, redCard: Bool) -> [(String, JSONNode)] {
        var members: [(String, JSONNode)] = []
        if incident.added != 0 { members.append(("added", .int(incident.added))) }
        if incident.marks.contains(.ownGoal) { members.append(("mark", redCard ? "second_yellow" : "own_goal")) }
        if incident.marks.contains(.penalty) { members.append(("mark", "penalty")) }
        return members
    }

    static func describeExtension(_ event: CompactEvent, roster: Roster?, incidents: ([Incident], Bool) -> JSONNode) -> [(String, JSONNode)] {
        let state = event.state
        return [
            ("added", .int(event.added)),
            ("phase", .string(state.phase.identifier)),
            ("yellowCards", incidents(state.yellowCards, false)),
            (
                "substitutions",
                .array(
                    state.substitutions.map { substitution in
                        .object(
                            [
                                ("off", describe(substitution.off, roster: roster)), ("on", describe(substitution.on, roster: roster)),
                                ("minute", .int(substitution.minute)),
                            ] + (substitution.added == 0 ? [] : [("added", .int(substitution.added))]))
                    })
            ),
            (
                "shootout",
                .array(state.shootout.map { .object([("player", describe($0.player, roster: roster)), ("scored", JSONNode(.bool($0.scored)))]) })
            ),
        ]
    }

    static func describeExtension(_ sheet: TeamSheet) -> [(String, JSONNode)] {
        [
            ("starters", sheet.starters.map { .int($0) } ?? JSONNode(.null)),
            ("lineupKnown", JSONNode(.bool(sheet.lineupKnown))),
            ("formation", sheet.formation.map { .string($0) } ?? JSONNode(.null)),
        ]
    }
}
