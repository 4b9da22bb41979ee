// In the package these are modules; Fuzz/build.sh compiles them all as one.
#if canImport(Wire)
import Wire
#endif

/// An openfootball match as a live feed (Spec/FEED.md, "Real matches").
///
/// The file has teams, scores and goals, nothing else, so the feed has:
/// - line-ups marked unknown (`lineup_known: false`) that list only the scorers, under the team
///   they played for, with no position, no keeper and no invented player;
/// - the periods (kick-off, half-time, full time, extra time, the shoot-out) and the goals at
///   their minutes and stoppage minutes, penalties and own goals marked;
/// - for a shoot-out, each side's scored kicks, taker not named (the file gives only the
///   shoot-out's score, not its kicks: the running order is not the real one, the result is).
///
/// `at` is the goal's place on a match clock of 60 seconds a minute, with breaks of 15 minutes
/// at half-time and 5 before extra time and before the shoot-out.
extension OpenFootballMatch {
    /// The feed's lines: line-ups, events, the end.
    public func feedLines(language: String) -> [FeedLine] {
        var names: [[String]] = [[], []]
        for goal in goals {
            let team = goal.ownGoal ? goal.side.opposite : goal.side
            if !names[Int(team.rawValue)].contains(goal.name) { names[Int(team.rawValue)].append(goal.name) }
        }
        func sheet(_ side: Side) -> TeamSheet {
            TeamSheet(
                name: side == .home ? home : away, keeper: "",
                players: names[Int(side.rawValue)].map { RosterPlayer(name: $0, position: "") }, lineupKnown: false)
        }
        var lines: [FeedLine] = [.lineups(Roster(home: sheet(.home), away: sheet(.away)), language: language)]
        let periods = extraTime == nil ? 2 : 4
        var start = 0.0
        // The periods' minutes, breaks and phases are StatsBomb's import's too (``PeriodClock``).
        for period in 1...periods {
            guard let (first, last) = PeriodClock.bounds[period], let opening = PeriodClock.phase(period: period, starts: true),
                let closing = PeriodClock.phase(period: period, starts: false)
            else { continue }
            let inPeriod = goals.filter { Self.period(ofMinute: $0.minute) == period }
            lines.append(Self.period(opening, minute: first, added: 0, at: start))
            for goal in inPeriod {
                let team = goal.ownGoal ? goal.side.opposite : goal.side
                let slot = UInt8(names[Int(team.rawValue)].firstIndex(of: goal.name) ?? 0)
                let at = start + Double(goal.minute - first - 1 + goal.offset) * 60 + 30
                var event = FeedEvent(
                    type: goal.ownGoal ? .ownGoal : .goal, minute: UInt8(goal.minute), actor: PlayerRef(side: team, slot: slot), at: at)
                if goal.offset > 0 { event.added = UInt8(min(goal.offset, Int(CompactEvent.maximumAdded))) }
                if goal.penalty && !goal.ownGoal { event.penalty = true }
                lines.append(.event(event))
            }
            let stoppage = inPeriod.filter { $0.minute == last }.map(\.offset).max() ?? 0
            let end = start + Double(last - first + stoppage) * 60
            lines.append(Self.period(closing, minute: last, added: stoppage, at: end))
            start = end + (PeriodClock.breaks[period] ?? 0)
        }
        if let shootOut {
            lines.append(Self.period(.shootout, minute: 120, added: 0, at: start))
            var remaining = [Int(shootOut.home), Int(shootOut.away)]
            var side = Side.home
            var at = start
            while remaining[0] + remaining[1] > 0 {
                if remaining[Int(side.rawValue)] > 0 {
                    at += 60
                    lines.append(
                        .event(
                            FeedEvent(
                                type: .shootoutKick, minute: 120, actor: .keeper(of: side), template: RealTemplate.teamKickScored, at: at,
                                scored: true)))
                    remaining[Int(side.rawValue)] -= 1
                }
                side = side.opposite
            }
            lines.append(Self.period(.shootoutOver, minute: 120, added: 0, at: at + 60))
        }
        lines.append(.end(.fullTime))
        return lines
    }

    /// The period (1 first half … 4 second half of extra time) a goal's regular minute falls in.
    static func period(ofMinute minute: Int) -> Int {
        minute <= 45 ? 1 : minute <= 90 ? 2 : minute <= 105 ? 3 : 4
    }

    private static func period(_ phase: MatchPhase, minute: Int, added: Int, at: Double) -> FeedLine {
        var event = FeedEvent(type: .period, minute: UInt8(minute), actor: .keeper(of: .home), at: at, phase: phase)
        if added > 0 { event.added = UInt8(min(added, Int(CompactEvent.maximumAdded))) }
        return .event(event)
    }
}
