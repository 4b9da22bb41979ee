import Match
import Testing
import Wire

@Suite("The extended layout of real matches (Spec §4.13)")
struct RealMatchWireTests {
    /// A real match's roster: ten starters and three substitutes a side, a formation.
    static let roster: Roster = {
        func sheet(_ name: String) -> TeamSheet {
            TeamSheet(
                name: name, keeper: "\(name) Keeper",
                players: (0..<13).map { RosterPlayer(name: "\(name) \($0)", position: $0 < 10 ? "CM" : "SUB") }, starters: 10, formation: "4-3-3")
        }
        return Roster(home: sheet("Home"), away: sheet("Away"))
    }()

    /// A late state with every part of the extension.
    static let state = MatchState(
        goals: [
            Incident(player: PlayerRef(side: .away, slot: 2), minute: 38, marks: .ownGoal),
            Incident(player: PlayerRef(side: .home, slot: 8), minute: 45, added: 2, marks: .penalty),
            Incident(player: PlayerRef(side: .away, slot: 11), minute: 88),
        ],
        redCards: [Incident(player: PlayerRef(side: .home, slot: 5), minute: 58, marks: .secondYellow)],
        yellowCards: [
            Incident(player: PlayerRef(side: .home, slot: 5), minute: 31), Incident(player: PlayerRef(side: .away, slot: 0), minute: 90, added: 4),
        ],
        substitutions: [Substitution(off: PlayerRef(side: .home, slot: 6), on: PlayerRef(side: .home, slot: 10), minute: 53)],
        shootout: [
            ShootoutKick(player: PlayerRef(side: .home, slot: 8), scored: true),
            ShootoutKick(player: PlayerRef(side: .away, slot: 11), scored: false),
        ],
        phase: .shootout)

    static let kick = MatchEvent(
        type: .shootoutKick, minute: 120, template: RealTemplate.kickMissed, actor: PlayerRef(side: .away, slot: 11), opponent: .keeper(of: .home),
        state: state)

    @Test("an extended event and welcome decode to themselves, marks, stoppage minutes and the shoot-out included")
    func roundTrip() throws {
        #expect(Self.kick.score == Score(home: 2, away: 1))  // the own goal counts for the home side
        let frame = Frame.compactEvent(Self.kick, sequence: 77, subscription: 5, extended: true)
        let decoded = try Frame.decode(try frame.encoded())
        #expect(decoded == frame)
        #expect(decoded.compactEvent == Self.kick)
        var welcome = Frame(
            sequence: 77, eventType: .shootoutKick, score: Self.kick.score, minute: 120,
            body: .welcome(
                Welcome(
                    format: .compact, matchID: 9, heartbeatSeconds: 5, intervalMicroseconds: 0, roster: Self.roster,
                    catalog: .realEnglish, current: CompactEvent(Self.kick))), subscription: 5)
        welcome.extended = true
        #expect(try Frame.decode(try welcome.encoded()) == welcome)
    }

    @Test("the base layout refuses what only the extended one carries, saying so")
    func baseLayoutRefuses() throws {
        #expect(throws: WireError.self) { try Frame.compactEvent(Self.kick, sequence: 1, subscription: 5).encoded() }
        let goal = MatchEvent(
            type: .goal, minute: 30, template: 0, actor: PlayerRef(side: .home, slot: 1), opponent: .keeper(of: .away),
            state: MatchState(goals: [Incident(player: PlayerRef(side: .home, slot: 1), minute: 30)]), added: 2)
        do {
            _ = try Frame.compactEvent(goal, sequence: 1, subscription: 5).encoded()
            Issue.record("a stoppage-time event encoded in the base layout")
        } catch {
            #expect(error.code == .inconsistent && error.field == "body")
        }
    }

    @Test("extended bodies that break §4.13's rules name the field and offset")
    func extensionErrors() throws {
        let good = try Frame.compactEvent(Self.kick, sequence: 77, subscription: 5, extended: true).encoded()
        // Body: 3 + 1 + 6 (goals) + 1 + 2 (red) = 13 bytes, then added (23+13), phase, goal marks…
        let addedOffset = FrameHeader.size + 13
        func mutated(_ offset: Int, _ value: UInt8) -> [UInt8] {
            var bytes = good
            bytes[offset] = value
            return bytes
        }
        let cases: [([UInt8], WireError.Code, String, Int)] = [
            (mutated(addedOffset, 64), .outOfRange, "body.added", addedOffset),
            (mutated(addedOffset + 1, 11), .outOfRange, "body.phase", addedOffset + 1),
            (mutated(addedOffset + 1, MatchPhase.secondHalf.rawValue), .inconsistent, "body.shootout.count", good.count - 5),
            (mutated(addedOffset + 2, 0x03), .inconsistent, "body.goalMarks[0]", addedOffset + 2),
            (mutated(addedOffset + 5, 0x02), .reservedBits, "body.redMarks[0]", addedOffset + 5),
            (mutated(good.count - 1, 2), .outOfRange, "body.shootout[1].scored", good.count - 1),
        ]
        for (bytes, code, field, offset) in cases {
            do {
                _ = try Frame.decode(bytes)
                Issue.record("decoded \(field) = broken")
            } catch {
                #expect(error.code == code, "\(error)")
                #expect(error.field == field, "\(error)")
                #expect(error.offset == offset, "\(error)")
            }
        }
        // A substitution's opponent byte is a team-mate; any other kind's, an opponent.
        var substitution = Frame.compactEvent(
            MatchEvent(
                type: .substitution, minute: 53, template: 0, actor: PlayerRef(side: .home, slot: 6), opponent: PlayerRef(side: .home, slot: 10),
                state: MatchState(substitutions: [
                    Substitution(off: PlayerRef(side: .home, slot: 6), on: PlayerRef(side: .home, slot: 10), minute: 53)
                ])),
            sequence: 3, subscription: 5, extended: true)
        #expect(try Frame.decode(try substitution.encoded()) == substitution)
        substitution.eventType = .save
        #expect(throws: WireError.self) { try Frame.decode(try substitution.encoded()) }
    }

    @Test("the base layout of a real match: eight kinds, the score right, own goals credited to the Own goal entry")
    func baseProjection() throws {
        let projection = try BaseProjection(roster: Self.roster, catalog: .realEnglish)
        let base = projection.event(Self.kick)
        #expect(base.type == .dribble && base.score == Self.kick.score && !base.needsExtension)
        #expect(base.state.goals.first?.player == projection.ownGoalEntry(of: .home))
        #expect(try projection.catalog.phrase(for: base, roster: projection.roster) == "Away 11 misses in the shoot-out.")
        let frame = Frame.compactEvent(base, sequence: 77, subscription: 5)
        #expect(try Frame.decode(try frame.encoded()).compactEvent == base)
        let substitution = MatchEvent(
            type: .substitution, minute: 53, template: 0, actor: PlayerRef(side: .home, slot: 6), opponent: PlayerRef(side: .home, slot: 10),
            state: MatchState())
        #expect(
            try projection.catalog.phrase(for: projection.event(substitution), roster: projection.roster)
                == "Substitution for Home: Home 10 comes on for Home 6.")
        let ownGoal = MatchEvent(
            type: .ownGoal, minute: 38, template: 0, actor: PlayerRef(side: .away, slot: 2), opponent: .keeper(of: .home),
            state: MatchState(goals: [Self.state.goals[0]]))
        #expect(
            try projection.catalog.phrase(for: projection.event(ownGoal), roster: projection.roster) == "Own goal by Away 2! It counts for Home.")
    }

    @Test("a real match's JSON body with ever longer names: marks, then positions, then all but the scorers give way before 4,096 bytes does")
    func longNamesFit() throws {
        var outcomes: [String] = []
        for length in 1...80 {
            func sheet(_ name: String) -> TeamSheet {
                let long = String(repeating: "Ã", count: length)
                return TeamSheet(
                    name: name, keeper: "Keeper", players: (0..<20).map { RosterPlayer(name: "\(long) \($0)", position: "LCM") }, starters: 10)
            }
            let roster = Roster(home: sheet("Home"), away: sheet("Away"))
            let substitutions = (0..<10).flatMap { slot in
                Side.allCases.map {
                    Substitution(off: PlayerRef(side: $0, slot: UInt8(slot)), on: PlayerRef(side: $0, slot: UInt8(10 + slot)), minute: 60)
                }
            }
            let state = MatchState(
                goals: [
                    Incident(player: PlayerRef(side: .home, slot: 12), minute: 70),
                    Incident(player: PlayerRef(side: .away, slot: 11), minute: 75, marks: .ownGoal),
                ],
                substitutions: substitutions, phase: .secondHalf)
            let event = MatchEvent(
                type: .dribble, minute: 80, template: 0, actor: PlayerRef(side: .home, slot: 12), opponent: .keeper(of: .away), state: state)
            do {
                let bytes = try Frame.jsonEvent(event, sequence: 1, roster: roster, catalog: .realEnglish, subscription: 3).encoded()
                guard case .event(.json(let datagram)) = try Frame.decode(bytes).body else {
                    throw WireError(.schemaViolation, field: "body", offset: 0, "")
                }
                #expect(bytes.count - FrameHeader.size <= OriginalDatagram.maximumSize)
                #expect(datagram.goalTotals == (2, 0))
                outcomes.append(
                    datagram.timeA.count < 10
                        ? "scorers only"
                        : datagram.timeA.contains { $0.nome.contains(" (on ") }
                            ? "full" : datagram.timeA.first?.posicao == "" ? "no positions" : "no marks")
            } catch let error as WireError {
                #expect(error.code == .tooLarge && error.field == "json", "\(error)")
                outcomes.append("too large")
            }
        }
        // Each step is taken in turn as the names grow.
        var steps: [String] = []
        for outcome in outcomes where steps.last != outcome { steps.append(outcome) }
        #expect(steps == ["full", "no marks", "no positions", "scorers only"], "\(outcomes)")  // one character at a time: no step skipped
    }

    @Test("a register's features byte: read, kept, re-encoded; a zero byte is padding")
    func features() throws {
        let register = Frame(body: .register(.padded(formats: [.compact], features: .realMatches)), subscription: 9)
        let bytes = try register.encoded()
        #expect(bytes.count == RegisterRequest.minimumFrameSize)
        #expect(try Frame.decode(bytes) == register)
        let plain = try Frame(body: .register(.padded(formats: [.compact])), subscription: 9).encoded()
        guard case .register(let request) = try Frame.decode(plain).body else { throw WireError(.schemaViolation, field: "body", offset: 0, "") }
        #expect(request.features.isEmpty)
    }
}
