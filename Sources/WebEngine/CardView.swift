import Match
import Wire

/// The match card's parts as HTML, rendered on the server: the page carries them whole (it
/// works without JavaScript), and each live update carries the parts that changed, rendered by
/// the same functions. Every name and phrase is escaped (``HTML``).
public struct CardView: Sendable {
    public var match: GatewayMatch
    public var language: WebLanguage
    public var words: WebWords
    /// The catalogue the events are told in, in the page's language.
    public var catalog: PhraseCatalog

    public init(_ match: GatewayMatch, language: WebLanguage) {
        self.match = match
        self.language = language
        self.words = .of(language)
        self.catalog = language.catalog(for: match.catalog, roster: match.roster)
    }

    /// Upcoming, the minute, the period's status (HT, FT, AET, pens), or how it ended.
    public var status: String {
        switch match.status {
        case .ended(.abandoned): return words.abandoned
        case .ended(.serverShutdown): return words.interrupted
        default: break
        }
        if let real = RealMatchText.status(match.state, language: language.rawValue) { return real }
        switch match.status {
        case .upcoming: return words.upcoming
        case .ended(.fullTime): return words.fullTime
        case .ended(.abandoned): return words.abandoned
        case .ended(.serverShutdown): return words.interrupted
        case .live:
            guard let latest = match.latest else { return words.live }
            return MatchClockText.text(minute: latest.minute, added: latest.added)
        }
    }

    /// A short class for the status: `upcoming`, `live` or `ended`.
    var statusClass: String {
        switch match.status {
        case .upcoming: "upcoming"
        case .live: "live"
        case .ended: "ended"
        }
    }

    /// The header: teams, score, status and each side's scorers with their minutes.
    public var header: String {
        let roster = match.roster
        let state = match.state
        func scorers(_ side: Side) -> String {
            let goals = state.goals.filter { $0.benefits == side }
            guard !goals.isEmpty else { return "<ul class=\"scorers\"></ul>" }
            let items = goals.map { goal -> String in
                let name = roster.name(of: goal.player) ?? "?"
                let own = goal.marks.contains(.ownGoal) ? " (og)" : goal.marks.contains(.penalty) ? " (pen)" : ""
                return "<li>\(HTML.name(name))\(own) \(MatchClockText.text(minute: goal.minute, added: goal.added))</li>"
            }
            return "<ul class=\"scorers\">\(items.joined())</ul>"
        }
        var shootout = ""
        if !state.shootout.isEmpty {
            let kicks = state.shootoutScore
            shootout = "<p class=\"shootout\">\(HTML.escape(words.shootout)): \(kicks.home) – \(kicks.away)</p>"
        }
        let lost = match.sourceLost ? "<p class=\"lost\">\(HTML.escape(words.sourceLost))</p>" : ""
        return """
            <div class="teams"><div class="team home"><h1>\(HTML.name(roster.home.name))</h1>\(scorers(.home))</div>\
            <div class="score"><span class="goals" id="score">\(state.score.home) – \(state.score.away)</span>\
            <span class="status \(statusClass)" id="status">\(HTML.escape(status))</span></div>\
            <div class="team away"><h1>\(HTML.name(roster.away.name))</h1>\(scorers(.away))</div></div>\(shootout)\(lost)
            """
    }

    /// The phrase of `event` in the page's language (the event's name if it cannot be told).
    public func phrase(_ event: MatchEvent) -> String {
        do {
            return try catalog.phrase(for: event, roster: match.roster)
        } catch {
            // The upstream already checked it; a catalogue of another shape cannot tell it: name it.
            return catalog.name(of: event.type)
        }
    }

    /// The icon's class of `event`: goal, own goal, penalty goal, yellow, second yellow, red,
    /// substitution, period, kick scored or missed, save, chance, foul, dribble, penalty.
    public static func icon(_ event: MatchEvent) -> String {
        switch event.type {
        case .goal: event.state.goals.last?.marks.contains(.penalty) == true ? "goal penalty-goal" : "goal"
        case .ownGoal: "own-goal"
        case .yellowCard: "yellow"
        case .secondYellow: "second-yellow"
        case .redCard: "red"
        case .substitution: "substitution"
        case .period: "period"
        case .shootoutKick: event.state.shootout.last?.scored == true ? "kick-scored" : "kick-missed"
        case .save: "save"
        case .missedChance: "chance"
        case .foul: "foul"
        case .dribble: "dribble"
        case .penalty: "penalty"
        }
    }

    /// One timeline entry: `<li id="e42">` with the clock, the icon and the phrase.
    public func item(_ entry: GatewayMatch.Entry) -> String {
        let event = entry.event
        return """
            <li id="e\(entry.sequence)" data-seq="\(entry.sequence)" class="ev \(Self.icon(event))">\
            <span class="clock">\(MatchClockText.text(minute: event.minute, added: event.added))</span>\
            <span class="icon" title="\(HTML.escape(catalog.name(of: event.type)))"></span>\
            <span class="text">\(HTML.escape(phrase(event)))</span></li>
            """
    }

    /// The timeline, newest first.
    public var timeline: String {
        guard !match.history.isEmpty else {
            return "<ol id=\"timeline\" class=\"timeline\"><li class=\"none\">\(HTML.escape(words.noEvents))</li></ol>"
        }
        return "<ol id=\"timeline\" class=\"timeline\">\(match.history.reversed().map(item).joined())</ol>"
    }

    /// The statistics table.
    public var statistics: String {
        let rows = MatchStatistics(match).rows(words).map { row in
            "<tr><td>\(row.pair.home)</td><th>\(HTML.escape(row.label))</th><td>\(row.pair.away)</td></tr>"
        }
        let note = match.joinedUnderWay ? "<p class=\"hint\">\(HTML.escape(words.sinceJoined))</p>" : ""
        return "<table class=\"stats\"><tbody>\(rows.joined())</tbody></table>\(note)"
    }
}
