extension PhraseCatalog {
    /// The phrase describing `event`.
    ///
    /// - Returns: the event's template with `{player}`, `{team}`, `{opponent}` and `{keeper}`
    ///   filled in from `roster` (and `{substitute}`, the player a substitution brings on) (`{team}` is the actor's team, `{keeper}` the other side's keeper).
    /// - Throws: ``WireError/Code/outOfRange`` (field `body.template`, `body.actor` or
    ///   `body.opponent`) when the event refers to a template or player the catalogue or
    ///   roster does not have.
    public func phrase(for event: MatchEvent, roster: Roster) throws(WireError) -> String {
        let list = templates(of: event.type)
        guard Int(event.template) < list.count else {
            throw WireError(
                .outOfRange, field: "body.template", offset: 0,
                "template \(event.template) of \(event.type.identifier); the catalogue has \(list.count)")
        }
        guard let actor = roster.name(of: event.actor) else {
            throw WireError(.outOfRange, field: "body.actor", offset: 0, "player \(event.actor.byte) is not on the roster")
        }
        guard let opponent = roster.name(of: event.opponent) else {
            throw WireError(.outOfRange, field: "body.opponent", offset: 0, "player \(event.opponent.byte) is not on the roster")
        }
        return Self.fill(
            list[Int(event.template)],
            [
                "player": actor,
                "team": roster[event.actor.side].name,
                "opponent": opponent,
                // A substitution's opponent byte names the team-mate coming on (Spec §4.13).
                "substitute": opponent,
                "keeper": roster[event.actor.side.opposite].keeper,
            ])
    }
}
