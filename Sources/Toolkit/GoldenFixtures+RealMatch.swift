import Match
import Wire

/// The real-shaped match of the fixtures (Spec §4.13): a made-up match with every part of the
/// extended layout, written as a feed and read as the server reads one, so that its frames are
/// the server's in both layouts and both formats.
extension GoldenFixtures {
    /// The feed: squads of ten starters and three substitutes, a penalty, an own goal, stoppage
    /// time, a substitution, a second yellow, extra time and a shoot-out.
    package static var realMatchFeed: [FeedLine] {
        func sheet(_ name: String, _ keeper: String, _ players: [String]) -> TeamSheet {
            let positions = ["RB", "RCB", "LCB", "LB", "CDM", "RCM", "LCM", "RW", "CF", "LW", "SUB", "SUB", "SUB"]
            return TeamSheet(
                name: name, keeper: keeper, players: zip(players, positions).map { RosterPlayer(name: $0, position: $1) }, starters: 10,
                formation: "4-3-3")
        }
        let roster = Roster(
            home: sheet(
                "Aldeia Atlético", "João Ramalho",
                [
                    "Tiago Conceição", "Rúben Fontes", "Duarte Simões", "André Gonçalves", "Nuno Salgueiro", "Vitinha", "Henrique Leal",
                    "Sérgio Lobão", "Álvaro Queiroz", "Mário Estêvão", "Gonçalo Patrício", "Bruno Sequeira", "Ivo Brandão",
                ]),
            away: sheet(
                "Northbridge Rovers", "Callum Ashdown",
                [
                    "Declan O'Rourke", "Tomasz Wiśniewski", "Marcus Fairweather", "Seb Holt", "Kwame Asante", "Ollie Pritchard",
                    "Ravi Chandran", "Jamie Kerr", "Lewis Okafor", "Finn Gallagher", "Theo Marsh", "Aaron Blake", "Nico Santangelo",
                ]))
        func home(_ slot: UInt8) -> PlayerRef { PlayerRef(side: .home, slot: slot) }
        func away(_ slot: UInt8) -> PlayerRef { PlayerRef(side: .away, slot: slot) }
        var events: [FeedEvent] = [
            FeedEvent(type: .period, minute: 0, actor: .keeper(of: .home), phase: .firstHalf),
            FeedEvent(type: .goal, minute: 23, actor: away(8), penalty: true),
            FeedEvent(type: .yellowCard, minute: 31, actor: home(5)),
            FeedEvent(type: .ownGoal, minute: 38, actor: away(2)),
            FeedEvent(type: .period, minute: 45, actor: .keeper(of: .home), added: 2, phase: .halfTime),
            FeedEvent(type: .period, minute: 45, actor: .keeper(of: .home), phase: .secondHalf),
            FeedEvent(type: .substitution, minute: 53, actor: home(6), on: home(10)),
            FeedEvent(type: .secondYellow, minute: 58, actor: home(5)),
            FeedEvent(type: .save, minute: 71, actor: away(9), penalty: true),
            FeedEvent(type: .period, minute: 90, actor: .keeper(of: .home), added: 4, phase: .fullTime),
            FeedEvent(type: .period, minute: 90, actor: .keeper(of: .home), phase: .extraTimeFirstHalf),
            FeedEvent(type: .period, minute: 105, actor: .keeper(of: .home), added: 1, phase: .extraTimeHalfTime),
            FeedEvent(type: .period, minute: 105, actor: .keeper(of: .home), phase: .extraTimeSecondHalf),
            FeedEvent(type: .period, minute: 120, actor: .keeper(of: .home), added: 1, phase: .endOfExtraTime),
            FeedEvent(type: .period, minute: 120, actor: .keeper(of: .home), phase: .shootout),
        ]
        for (index, scored) in [true, true, false, true, true, false, true, true].enumerated() {
            // Neither the sent-off player (home 5) nor the one replaced (home 6) takes a kick.
            let taker = index % 2 == 0 ? home([8, 7, 10, 3][index / 2]) : away([8, 7, 6, 4][index / 2])
            events.append(FeedEvent(type: .shootoutKick, minute: 120, actor: taker, template: scored ? 0 : 1, scored: scored))
        }
        events.append(FeedEvent(type: .period, minute: 120, actor: .keeper(of: .home), phase: .shootoutOver))
        return [.lineups(roster, language: "en")] + events.map { FeedLine.event($0) } + [.end(.fullTime)]
    }

    /// The real-shaped match's frames: the register that asks for it, its welcome in both
    /// layouts, each real kind's event in the extended layout (compact and JSON), and an own
    /// goal in the base layout.
    static func realMatchDatagrams() throws(WireError) -> [(String, Datagram)] {
        let whole: FeedDecoder.Whole
        do {
            whole = try FeedDecoder.read(realMatchFeed)
        } catch {
            throw error.error
        }
        let events = whole.events
        guard let roster = whole.roster else { throw WireError(.schemaViolation, field: "line.type", offset: 0, "no line-ups") }
        let catalog = whole.catalog
        let base = try BaseProjection(roster: roster, catalog: catalog)
        var datagrams: [(String, Datagram)] = [
            ("register-real-matches", .frame(Frame(body: .register(.padded(formats: [.compact, .json], features: .realMatches)))))
        ]
        let middle = events.count / 2
        let current = events[middle]
        var extended = Frame(
            sequence: UInt32(middle), eventType: current.type, score: current.score, minute: current.minute,
            body: .welcome(
                Welcome(
                    format: .compact, matchID: 4242, heartbeatSeconds: 5, intervalMicroseconds: 0, roster: roster, catalog: catalog,
                    current: CompactEvent(current))))
        extended.extended = true
        datagrams.append(("welcome-real-compact", .frame(extended)))
        let projected = base.event(current)
        datagrams.append(
            (
                "welcome-real-base",
                .frame(
                    Frame(
                        sequence: UInt32(middle), eventType: projected.type, score: projected.score, minute: projected.minute,
                        body: .welcome(
                            Welcome(
                                format: .compact, matchID: 4242, heartbeatSeconds: 5, intervalMicroseconds: 0, roster: base.roster,
                                catalog: base.catalog, current: CompactEvent(projected)))))
            ))
        for type in EventType.extended + [.goal] {
            guard let index = events.firstIndex(where: { $0.type == type }) else { continue }
            let name = type.identifier.replacingOccurrences(of: "_", with: "-")
            datagrams.append(("event-real-compact-\(name)", .frame(Frame.compactEvent(events[index], sequence: UInt32(index), extended: true))))
        }
        if let last = events.indices.last {
            datagrams.append(
                ("event-real-json-last", .frame(try Frame.jsonEvent(events[last], sequence: UInt32(last), roster: roster, catalog: catalog))))
        }
        if let ownGoal = events.firstIndex(where: { $0.type == .ownGoal }) {
            datagrams.append(("event-real-base-own-goal", .frame(Frame.compactEvent(base.event(events[ownGoal]), sequence: UInt32(ownGoal)))))
        }
        return datagrams
    }
}
