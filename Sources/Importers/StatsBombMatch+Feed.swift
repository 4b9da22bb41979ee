// In the package these are modules; Fuzz/build.sh compiles them all as one.
#if canImport(Wire)
import Wire
#endif

/// A StatsBomb-shaped match as a live feed (Spec/FEED.md, "Real matches").
///
/// What a follower is told, and nothing more: the periods, goals and own goals, shots on
/// target (saves), penalties scored, saved or missed, fouls that gave a card or a penalty,
/// cards, substitutions, and the shoot-out's kicks. Shots off target, blocked or wayward
/// outside the shoot-out are counted (`Shot (not on target)`), not told; so are passes,
/// carries and every other type.
///
/// Each event keeps its real time: `at` is its period's start plus its timestamp within the
/// period, periods following each other after breaks of 15 minutes at half-time, 5 before
/// extra time, 1 at its half-time and 5 before the shoot-out.
extension StatsBombMatch {
    /// The feed's lines and what was left out, by StatsBomb type name.
    public struct Feed: Sendable {
        public var lines: [FeedLine]
        /// Where each line comes from (`lineups`, `event 57`), to name it if it is refused.
        public var origins: [String]
        /// Types skipped and how many of each (the events file's, and shots not on target).
        public var skipped: [String: Int]
    }

    /// The feed of this match, its phrases in `language`.
    ///
    /// - Throws: ``ImportError`` naming the event whose player is not in its team's squad.
    public func feed(language: String, eventsFile: String) throws(ImportError) -> Feed {
        // By team and player: an id is looked up in the team its event names.
        var references: [TeamPlayer: PlayerRef] = [:]
        func sheet(_ team: Team, _ side: Side) -> TeamSheet {
            let keeper = team.starters.first { $0.keeper }
            let outfield = team.starters.filter { !$0.keeper }
            let names = Dictionary(team.squad.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            var players: [RosterPlayer] = []
            for starter in outfield {
                references[TeamPlayer(team: team.id, player: starter.id)] = PlayerRef(side: side, slot: UInt8(players.count))
                players.append(RosterPlayer(name: names[starter.id] ?? "#\(starter.id)", position: Self.abbreviation(starter.position)))
            }
            let starting = Set(team.starters.map(\.id))
            for player in team.squad where !starting.contains(player.id) && players.count < 125 {
                references[TeamPlayer(team: team.id, player: player.id)] = PlayerRef(side: side, slot: UInt8(players.count))
                players.append(RosterPlayer(name: player.name, position: RealMatchText.substitutePosition))
            }
            if let keeper { references[TeamPlayer(team: team.id, player: keeper.id)] = .keeper(of: side) }
            return TeamSheet(
                name: team.name, keeper: keeper.flatMap { names[$0.id] } ?? "", players: players, starters: outfield.count,
                formation: team.formation.map(Self.formation), lineupKnown: !team.starters.isEmpty)
        }
        let roster = Roster(home: sheet(home, .home), away: sheet(away, .away))
        var lines: [FeedLine] = [.lineups(roster, language: language)]
        var origins = ["lineups"]
        var skipped = self.skipped
        var clock = PeriodClock()
        var lastPhase = MatchPhase.unannounced
        for event in events {
            defer { origins += Array(repeating: "event \(event.index)", count: lines.count - origins.count) }
            func player(_ id: Int?) throws(ImportError) -> PlayerRef {
                guard let id, let reference = references[TeamPlayer(team: event.team, player: id)] else {
                    throw ImportError(
                        file: eventsFile, record: "event \(event.index)",
                        error: WireError(
                            .inconsistent, field: "player.id", offset: 0,
                            "player \(id.map(String.init) ?? "(none)") is not in the line-up of team \(event.team)"))
                }
                return reference
            }
            let (minute, added, at) = clock.place(event)
            func told(_ type: EventType, _ actor: PlayerRef) -> FeedEvent {
                var told = FeedEvent(type: type, minute: minute, actor: actor, at: at)
                if added > 0 { told.added = added }
                return told
            }
            switch event.kind {
            case .periodStart(let period), .periodEnd(let period):
                let starts = if case .periodStart = event.kind { true } else { false }
                // StatsBomb records each period's start and end once per team: told once.
                guard let phase = PeriodClock.phase(period: period, starts: starts), phase != lastPhase else { continue }
                lastPhase = phase
                var line = told(.period, .keeper(of: .home))
                line.phase = phase
                lines.append(.event(line))
            case .shot(let outcome, let penalty) where event.period == 5:
                var kick = told(.shootoutKick, try player(event.player))
                kick.scored = outcome == .goal
                kick.template =
                    outcome == .goal
                    ? RealTemplate.kickScored
                    : [.saved, .savedToPost, .savedOffTarget].contains(outcome) ? RealTemplate.kickSaved : RealTemplate.kickMissed
                _ = penalty
                lines.append(.event(kick))
            case .shot(let outcome, let penalty):
                let shooter = try player(event.player)
                var shot: FeedEvent
                switch outcome {
                case .goal: shot = told(.goal, shooter)
                case .saved, .savedToPost, .savedOffTarget: shot = told(.save, shooter)
                case .post where penalty: shot = told(.missedChance, shooter)
                case .offTarget, .wayward, .blocked, .post:
                    guard penalty else {
                        skipped["Shot (not on target)", default: 0] += 1
                        continue
                    }
                    shot = told(.missedChance, shooter)
                }
                if penalty { shot.penalty = true }
                lines.append(.event(shot))
            case .foul(let card, let penalty):
                let offender = try player(event.player)
                var foul = told(.foul, offender)
                if penalty { foul.penalty = true }
                lines.append(.event(foul))
                if let card { lines.append(.event(told(Self.type(of: card), offender))) }
            case .card(let card):
                lines.append(.event(told(Self.type(of: card), try player(event.player))))
            case .substitution(let replacement):
                var substitution = told(.substitution, try player(event.player))
                substitution.on = try player(replacement)
                lines.append(.event(substitution))
            case .ownGoal:
                lines.append(.event(told(.ownGoal, try player(event.player))))
            }
        }
        lines.append(.end(.fullTime))
        origins.append("the end")
        return Feed(lines: lines, origins: origins, skipped: skipped)
    }

    private static func type(of card: Card) -> EventType {
        switch card {
        case .yellow: .yellowCard
        case .secondYellow: .secondYellow
        case .red: .redCard
        }
    }

    /// `4231` → `4-2-3-1`.
    static func formation(_ digits: String) -> String {
        digits.allSatisfy(\.isNumber) ? digits.map(String.init).joined(separator: "-") : digits
    }

    /// StatsBomb's position names as the short forms a line-up shows (`Right Center Back` → `RCB`).
    static func abbreviation(_ position: String) -> String {
        let words: [String: String] = [
            "Goalkeeper": "GK", "Right": "R", "Left": "L", "Center": "C", "Centre": "C", "Back": "B", "Wing": "W",
            "Defensive": "D", "Midfield": "M", "Attacking": "A", "Forward": "F", "Striker": "ST", "Secondary": "S",
        ]
        let parts = position.split(separator: " ").map { words[String($0)] ?? String($0.prefix(1)) }
        let short = parts.joined()
        return short.isEmpty ? "?" : short
    }
}

/// A player of one team (StatsBomb's ids are unique within a team's line-up).
struct TeamPlayer: Hashable {
    var team: Int
    var player: Int
}

/// Places StatsBomb's clock (minutes running across periods) on the match's: the regular minute
/// and stoppage minutes a viewer reads, and the seconds since kick-off a replay paces by.
struct PeriodClock {
    /// Each period's first minute and its regular last minute.
    static let bounds = [1: (0, 45), 2: (45, 90), 3: (90, 105), 4: (105, 120), 5: (120, 120)]
    /// The break after each period, in seconds.
    static let breaks = [1: 900.0, 2: 300, 3: 60, 4: 300, 5: 0]
    private var starts: [Int: Double] = [1: 0]
    private var ends: [Int: Double] = [:]

    /// The phase a period's start or end begins (period 5 is the shoot-out).
    static func phase(period: Int, starts: Bool) -> MatchPhase? {
        let phases: [Int: (MatchPhase, MatchPhase)] = [
            1: (.firstHalf, .halfTime), 2: (.secondHalf, .fullTime), 3: (.extraTimeFirstHalf, .extraTimeHalfTime),
            4: (.extraTimeSecondHalf, .endOfExtraTime), 5: (.shootout, .shootoutOver),
        ]
        return phases[period].map { starts ? $0.0 : $0.1 }
    }

    mutating func place(_ event: StatsBombMatch.Event) -> (minute: UInt8, added: UInt8, at: Double) {
        let (first, last) = Self.bounds[event.period] ?? (0, 45)
        let elapsed = Double(max(0, (event.minute - first) * 60 + event.second))
        // After the last period that ended (a shoot-out may follow full time directly).
        let before = ends.filter { $0.key < event.period }.max { $0.key < $1.key }
        let start = starts[event.period] ?? before.map { $0.value + (Self.breaks[$0.key] ?? 0) } ?? 0
        starts[event.period] = start
        let at = start + elapsed
        if case .periodEnd = event.kind { ends[event.period] = at }
        // StatsBomb's minute 0 is the first minute: a viewer reads 1'.
        var shown = event.period == 5 ? last : event.minute + 1
        if case .periodEnd = event.kind, event.period != 5 {
            // A period ends on the minute its clock shows, at least its regular last.
            shown = max(last, event.minute + (event.second > 0 ? 1 : 0))
        }
        if case .periodStart = event.kind { return (UInt8(clamping: first), 0, at) }
        if shown > last { return (UInt8(clamping: last), UInt8(clamping: min(shown - last, 63)), at) }
        return (UInt8(clamping: shown), 0, at)
    }
}
