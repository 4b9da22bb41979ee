import Wire

/// How a real match reaches a client that did not ask for the extended layout (Spec §4.13):
/// every event as one of the eight base kinds, with a phrase, and the score.
///
/// Made once per match from its roster and real-match catalogue:
/// - the roster lists each side's whole squad (starters, then substitutes) and one more entry,
///   `Own goal` (position `OG`), which an own goal's goal is credited to, so that the goals of
///   each side add up to its score;
/// - the catalogue keeps the eight base lists and appends what the other five kinds become: an
///   own goal is a goal ("Own goal by {opponent}!", the opponent byte naming who scored it), a
///   second yellow a red card, and substitutions, periods and shoot-out kicks are kind 4, renamed
///   "Match update", with one generated template per player who may come on.
///
/// The state keeps goals (own goals credited to the `Own goal` entry) and red cards; yellow
/// cards, substitutions, the period and the shoot-out are not in the base layout, and stoppage
/// minutes read as the regular minute they follow.
public struct BaseProjection: Sendable, Hashable {
    /// The base-layout roster.
    public let roster: Roster
    /// The base-layout catalogue (eight kinds).
    public let catalog: PhraseCatalog
    private let ownGoalTemplate: UInt8
    private let secondYellowTemplate: UInt8
    private let substitutionStart: [UInt8]
    private let benchStart: [Int]
    private let periodStart: UInt8
    private let kickStart: UInt8

    /// Builds the projection of a real match.
    ///
    /// - Parameters:
    ///   - roster: the real match's roster (starters, substitutes); substitutes come on only from
    ///     the bench (``FeedDecoder`` refuses anything else).
    ///   - catalog: its catalogue with all thirteen kinds (``PhraseCatalog/realMatch(_:)``).
    /// - Throws: ``WireError/Code/outOfRange`` when a side has 126 players (no room for its
    ///   `Own goal` entry), the catalogue lacks a kind, or kind 4 would need over 255 templates.
    public init(roster: Roster, catalog real: PhraseCatalog) throws(WireError) {
        let catalog = real
        guard catalog.eventNames.count >= EventType.allCases.count, catalog.templates.count >= EventType.allCases.count else {
            throw WireError(.outOfRange, field: "catalog", offset: 0, "a real match's catalogue needs all \(EventType.allCases.count) event types")
        }
        let pt = catalog.language == "pt"
        var sheets: [TeamSheet] = []
        for side in Side.allCases {
            let sheet = roster[side]
            guard sheet.players.count < 126 else {
                throw WireError(
                    .outOfRange, field: "roster.\(side == .home ? "home" : "away").players", offset: 0,
                    "\(sheet.players.count) players; a real match allows 125, leaving room for the base layout's Own goal entry")
            }
            let keeper = sheet.lineupKnown ? sheet.keeper : RealMatchText.lineupUnknown(language: catalog.language)
            let ownGoal = RosterPlayer(name: pt ? "Gol contra" : "Own goal", position: RealMatchText.ownGoalPosition)
            sheets.append(TeamSheet(name: sheet.name, keeper: keeper, players: sheet.players + [ownGoal]))
        }
        self.roster = Roster(home: sheets[0], away: sheets[1])
        var templates = Array(catalog.templates.prefix(EventType.base.count))
        var names = Array(catalog.eventNames.prefix(EventType.base.count))
        let goal = Int(EventType.goal.rawValue) - 1
        let red = Int(EventType.redCard.rawValue) - 1
        let update = Int(EventType.dribble.rawValue) - 1
        ownGoalTemplate = UInt8(templates[goal].count)
        templates[goal].append(pt ? "Gol contra de {opponent}! Vale para o {team}." : "Own goal by {opponent}! It counts for {team}.")
        secondYellowTemplate = UInt8(templates[red].count)
        templates[red] += catalog.templates(of: .secondYellow).prefix(1)
        names[update] = catalog.name(of: .period)
        let substitution = catalog.templates(of: .substitution).first ?? "{player} off, {substitute} on."
        var starts: [UInt8] = []
        var benches: [Int] = []
        for side in Side.allCases {
            starts.append(UInt8(clamping: templates[update].count))
            let sheet = roster[side]
            // Only a substitute comes on (the feed reader refuses anyone else): one phrase each.
            benches.append(sheet.starterCount)
            for name in sheet.players.dropFirst(sheet.starterCount).map(\.name) {
                // A name is literal text here: braces would read as a template's parts.
                let literal = String(name.map { $0 == "{" ? "(" : $0 == "}" ? ")" : $0 })
                templates[update].append(PhraseCatalog.fill(substitution, ["substitute": literal]))
            }
        }
        substitutionStart = starts
        benchStart = benches
        periodStart = UInt8(clamping: templates[update].count)
        templates[update] += catalog.templates(of: .period)
        kickStart = UInt8(clamping: templates[update].count)
        templates[update] += catalog.templates(of: .shootoutKick)
        guard templates[update].count <= 255 else {
            throw WireError(
                .outOfRange, field: "catalog.dribble.templates", offset: 0,
                "the base layout's match updates would need \(templates[update].count) templates; at most 255")
        }
        self.catalog = PhraseCatalog(language: catalog.language, scoreTemplate: catalog.scoreTemplate, eventNames: names, templates: templates)
    }

    /// The `Own goal` entry of `side`.
    public func ownGoalEntry(of side: Side) -> PlayerRef {
        PlayerRef(side: side, slot: UInt8(roster[side].players.count - 1))
    }

    /// `event` as a base-layout client gets it.
    public func event(_ event: MatchEvent) -> MatchEvent {
        var base = event
        base.added = 0
        base.state = state(event.state)
        let keepers = (PlayerRef.keeper(of: .home), PlayerRef.keeper(of: .away))
        switch event.type {
        case .goal, .missedChance, .save, .dribble, .foul, .yellowCard, .redCard, .penalty:
            break
        case .ownGoal:
            base.type = .goal
            base.actor = ownGoalEntry(of: event.actor.side.opposite)
            base.opponent = event.actor
            base.template = ownGoalTemplate
        case .secondYellow:
            base.type = .redCard
            base.template = secondYellowTemplate
        case .substitution:
            base.type = .dribble
            base.opponent = .keeper(of: event.actor.side.opposite)
            let on = event.opponent
            let index = max(0, Int(on.slot) - benchStart[Int(on.side.rawValue)])
            base.template = substitutionStart[Int(on.side.rawValue)] &+ UInt8(clamping: index)
        case .period:
            base.type = .dribble
            (base.actor, base.opponent) = keepers
            base.template = periodStart &+ event.template
        case .shootoutKick:
            base.type = .dribble
            base.template = kickStart &+ event.template
        }
        return base
    }

    /// `state` as the base layout carries it: goals (own goals credited to the `Own goal`
    /// entry of the side they counted for) and red cards, without marks or stoppage minutes.
    public func state(_ state: MatchState) -> MatchState {
        MatchState(
            goals: state.goals.map { goal in
                Incident(player: goal.marks.contains(.ownGoal) ? ownGoalEntry(of: goal.benefits) : goal.player, minute: goal.minute)
            },
            redCards: state.redCards.map { Incident(player: $0.player, minute: $0.minute) })
    }
}
