import Wire

extension FeedDecoder {
    /// Checks a line-ups line's `state` (Spec/FEED.md, "Joining a match under way") against its
    /// team sheets: every player named is on them, each is sent off at most once, a substitute
    /// comes on for a team-mate, kicks come only with the shoot-out, nothing is timed after the
    /// clock, and only a real match holds what only real matches have.
    static func check(_ start: MatchStart, roster: Roster, line: Int) throws(FeedError) {
        func fail(_ field: String, _ message: String) -> FeedError {
            FeedError(line: line, error: WireError(.inconsistent, field: field.isEmpty ? "line.state" : "line.state.\(field)", offset: 0, message))
        }
        let state = start.state
        guard roster.needsExtension || !state.needsExtension else {
            throw fail(
                "", "yellow cards, substitutions, kicks, periods, stoppage minutes and marks need a real match's line-ups")
        }
        func onSheet(_ player: PlayerRef, _ field: String) throws(FeedError) {
            guard roster.contains(player) else { throw fail(field, "\(FeedLine.reference(player)) is not on the team sheet") }
        }
        func timed(_ minute: UInt8, _ field: String) throws(FeedError) {
            guard minute <= start.minute else { throw fail(field, "minute \(minute) is after the state's clock \(start.minute)") }
        }
        for (key, list) in [("goals", state.goals), ("red_cards", state.redCards), ("yellow_cards", state.yellowCards)] {
            for (index, incident) in list.enumerated() {
                try onSheet(incident.player, "\(key)[\(index)].player")
                try timed(incident.minute, "\(key)[\(index)].minute")
            }
        }
        for (index, card) in state.redCards.enumerated() where state.redCards[..<index].contains(where: { $0.player == card.player }) {
            throw fail("red_cards[\(index)].player", "\(FeedLine.reference(card.player)) is sent off twice")
        }
        for (index, substitution) in state.substitutions.enumerated() {
            try onSheet(substitution.off, "substitutions[\(index)].off")
            try onSheet(substitution.on, "substitutions[\(index)].on")
            try timed(substitution.minute, "substitutions[\(index)].minute")
            guard substitution.on.side == substitution.off.side, substitution.on != substitution.off else {
                throw fail("substitutions[\(index)].on", "\(FeedLine.reference(substitution.on)) is not a team-mate of the player coming off")
            }
            // A substitute comes on once, from the bench: not a starter, not one already on or off.
            let earlier = state.substitutions[..<index]
            guard !roster.startingLineUp(of: substitution.on.side).contains(substitution.on),
                !earlier.contains(where: { $0.on == substitution.on || $0.off == substitution.on })
            else {
                throw fail(
                    "substitutions[\(index)].on",
                    "\(FeedLine.reference(substitution.on)) has already played; a substitute comes on once, from the bench")
            }
        }
        for (index, kick) in state.shootout.enumerated() {
            try onSheet(kick.player, "shootout[\(index)].player")
            guard state.phase == .shootout || state.phase == .shootoutOver else {
                throw fail("shootout", "kicks without the shoot-out (period \(state.phase.identifier))")
            }
        }
        guard state.score.home < UInt8.max, state.score.away < UInt8.max else { throw fail("goals", "the score would exceed 254") }
    }
}
