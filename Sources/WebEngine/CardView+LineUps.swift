import Match
import Wire

extension CardView {
    /// Both line-ups: each starter with their goals (a star each), cards and substitution, the
    /// player who replaced them right after, then the bench; a line-up the source did not
    /// give says so (no invented players).
    public var lineUps: String {
        "<div class=\"lineups\">\(lineUp(.home))\(lineUp(.away))</div>"
    }

    private func lineUp(_ side: Side) -> String {
        let sheet = match.roster[side]
        let formation = sheet.formation.map { " <span class=\"formation\">\(HTML.escape($0))</span>" } ?? ""
        let title = "<h3>\(HTML.name(sheet.name))\(formation)</h3>"
        guard sheet.lineupKnown else {
            return
                "<div class=\"side \(side == .home ? "home" : "away")\">\(title)<p class=\"unknown\">\(HTML.escape(RealMatchText.lineupUnknown(language: language.rawValue)))</p></div>"
        }
        let state = match.state
        var rows: [String] = []
        var shown: Set<PlayerRef> = []
        func add(_ player: PlayerRef, substitute: Bool) {
            // Each player once, however the substitutions chain (an upstream's loop included).
            guard shown.insert(player).inserted else { return }
            rows.append(row(player, substitute: substitute))
            // Whoever replaced them, and whoever replaced that player, in order.
            if let substitution = state.substitutions.first(where: { $0.off == player }) { add(substitution.on, substitute: true) }
        }
        let starting = match.roster.startingLineUp(of: side)
        add(starting.keeper, substitute: false)
        for player in starting.outfield { add(player, substitute: false) }
        let bench = match.roster.bench(of: side, after: state).filter { !shown.contains($0) }
        let benchList =
            bench.isEmpty ? "" : "<h4>\(HTML.escape(words.bench))</h4><ul class=\"bench\">\(bench.map { row($0, substitute: true) }.joined())</ul>"
        return "<div class=\"side \(side == .home ? "home" : "away")\">\(title)<ul class=\"players\">\(rows.joined())</ul>\(benchList)</div>"
    }

    /// One player: position, name, then a star per goal, `(og)` per own goal, cards, and the
    /// substitution's arrow and minute.
    private func row(_ player: PlayerRef, substitute: Bool) -> String {
        let roster = match.roster
        let state = match.state
        let players = roster[player.side].players
        let position = player.isKeeper ? "GK" : players.indices.contains(Int(player.slot)) ? players[Int(player.slot)].position : "?"
        var marks: [String] = []
        for goal in state.goals(of: player) {
            marks.append("<span class=\"star\" title=\"\(MatchClockText.text(minute: goal.minute, added: goal.added))\">★</span>")
        }
        for goal in state.ownGoals(of: player) {
            marks.append("<span class=\"og\">(og \(MatchClockText.text(minute: goal.minute, added: goal.added)))</span>")
        }
        let yellows = match.yellowCards { $0 == player }
        for _ in 0..<yellows { marks.append("<i class=\"card yellow\"></i>") }
        if let red = state.redCard(of: player) {
            let kind = red.marks.contains(.secondYellow) ? "second-yellow" : "red"
            marks.append("<i class=\"card \(kind)\" title=\"\(MatchClockText.text(minute: red.minute, added: red.added))\"></i>")
        }
        if let on = state.cameOn(player) {
            marks.append("<span class=\"sub on\">▲ \(MatchClockText.text(minute: on.minute, added: on.added))</span>")
        }
        if let off = state.cameOff(player) {
            marks.append("<span class=\"sub off\">▼ \(MatchClockText.text(minute: off.minute, added: off.added))</span>")
        }
        let name = roster.name(of: player) ?? "?"
        let classes = ["player"] + (substitute ? ["substitute"] : []) + (state.redCard(of: player) != nil ? ["sent-off"] : [])
        return """
            <li class="\(classes.joined(separator: " "))" data-player="\(FeedLine.reference(player))">\
            <span class="pos">\(HTML.escape(position))</span> <span class="name">\(HTML.name(name))</span> \
            <span class="marks">\(marks.joined(separator: " "))</span></li>
            """
    }
}
