import Wire

extension FeedEvent {
    /// Whether only a real match's feed may carry this event: a real match's kind, or a field
    /// only real matches have.
    var isRealMatchOnly: Bool {
        !type.isBase || added != nil || penalty != nil
    }

    /// The real-match template (``RealTemplate``) an event gets when its line names none.
    var defaultTemplate: UInt8 {
        switch type {
        case .goal: penalty == true ? RealTemplate.penaltyGoal : RealTemplate.goal
        case .save: penalty == true ? RealTemplate.penaltySaved : RealTemplate.save
        case .missedChance: penalty == true ? RealTemplate.penaltyMissed : RealTemplate.wide
        case .foul: penalty == true ? RealTemplate.penaltyFoul : RealTemplate.foul
        case .period: phase.map(RealTemplate.period) ?? 0
        case .shootoutKick: scored == true ? RealTemplate.kickScored : RealTemplate.kickMissed
        default: 0
        }
    }
}

extension FeedDecoder {
    /// The state after a real match's event (Spec/FEED.md, "Real matches"): incidents timed at
    /// the event's own minute and stoppage minutes; own goals counting for the other side;
    /// substitutions only of a player on the pitch by a team-mate who has not played; periods
    /// in their order; shoot-out kicks only during the shoot-out.
    func realMatchState(after event: FeedEvent, roster: Roster, line: Int) throws(FeedError) -> MatchState {
        func fail(_ field: String, _ message: String) -> FeedError {
            FeedError(line: line, error: WireError(.inconsistent, field: field, offset: 0, message))
        }
        var next = state
        let incident = Incident(player: event.actor, minute: event.minute, added: event.added ?? 0)
        switch event.type {
        case .goal:
            var goal = incident
            if event.penalty == true { goal.marks = .penalty }
            next.goals.append(goal)
        case .ownGoal:
            var goal = incident
            goal.marks = .ownGoal
            next.goals.append(goal)
        case .yellowCard:
            next.yellowCards.append(incident)
        case .redCard, .secondYellow:
            // A keeper too is sent off once (the base rule spares the keeper slot from it).
            guard state.redCard(of: event.actor) == nil else {
                throw fail("line.actor", "\(FeedLine.reference(event.actor)) was already sent off")
            }
            var card = incident
            if event.type == .secondYellow { card.marks = .secondYellow }
            next.redCards.append(card)
        case .substitution:
            guard let on = event.on else { throw fail("line.on", "a substitution names the player coming on") }
            let side = event.actor.side
            guard roster[side].lineupKnown else { throw fail("line.event", "a substitution needs a known line-up") }
            let lineUp = roster.lineUp(of: side, after: state)
            guard lineUp.contains(event.actor) else {
                throw fail("line.actor", "\(FeedLine.reference(event.actor)) is not on the pitch, so cannot come off")
            }
            guard state.redCard(of: event.actor) == nil else {
                throw fail("line.actor", "\(FeedLine.reference(event.actor)) was sent off and cannot be substituted")
            }
            guard on.side == side, roster.contains(on), !lineUp.contains(on), state.cameOff(on) == nil, state.cameOn(on) == nil else {
                throw fail("line.on", "\(FeedLine.reference(on)) is not a substitute of the same side who has yet to play")
            }
            next.substitutions.append(Substitution(off: event.actor, on: on, minute: event.minute, added: event.added ?? 0))
        case .period:
            guard let phase = event.phase else { throw fail("line.period", "a period event names its phase") }
            guard state.phase.mayMove(to: phase) else {
                throw fail("line.period", "\(phase.identifier) cannot follow \(state.phase.identifier)")
            }
            next.phase = phase
        case .shootoutKick:
            guard state.phase == .shootout else {
                throw fail("line.event", "a shoot-out kick outside the shoot-out (phase \(state.phase.identifier))")
            }
            next.shootout.append(ShootoutKick(player: event.actor, scored: event.scored == true))
        case .missedChance, .save, .dribble, .foul, .penalty:
            break
        }
        guard next.redCards.count <= 255, next.yellowCards.count <= 255, next.substitutions.count <= 255, next.shootout.count <= 255 else {
            throw fail("line.event", "more than 255 cards, substitutions or kicks")
        }
        return next
    }
}

extension FeedDecoder {
    /// A whole feed read as the server reads it: its line-ups, words and events.
    public struct Whole: Sendable {
        /// The team sheets (nil for a feed without line-ups).
        public var roster: Roster?
        /// The words of the match (a real match's catalogue for a real match).
        public var catalog: PhraseCatalog
        /// The events in order, each with the state after it.
        public var events: [MatchEvent]
    }

    /// Reads every line of `lines` in order (the importers' check, the fixtures, the size report).
    ///
    /// - Throws: ``FeedError`` for the first line the server would refuse, with its number.
    public static func read(_ lines: [FeedLine]) throws(FeedError) -> Whole {
        var decoder = FeedDecoder(catalog: .english)
        var events: [MatchEvent] = []
        for line in lines {
            if case .event(let event, _) = try decoder.next(Array(line.jsonText.utf8)) { events.append(event) }
        }
        return Whole(roster: decoder.roster, catalog: decoder.catalog, events: events)
    }
}
