/// A real match in the original JSON layout (Spec §4.13, §5): `timeA`/`timeB` carry the
/// current line-up, so a client that knows only this layout sees substitutions and marks.
extension OriginalDatagram {
    /// The entries of `side` for a real match's `event`:
    /// - the players on the pitch in line-up order, a substitute in the place of who they
    ///   replaced and marked ` (on 66')`, the sent-off still listed with their red card;
    /// - then the players who came off, marked ` (off 66')`, their goals kept (only the scorers
    ///   among them when the body would be too large);
    /// - then one entry per player whose own goal counted for this side: ` (og)`, position `OG`,
    ///   its goals the own goals (so each side's `gols` add up to its score);
    /// - with an unknown line-up, the only players the source named: the scorers.
    /// The datagram of a real match's event. A body over ``maximumSize`` (long names, many
    /// substitutions) is made smaller step by step, so that it still reaches JSON and original
    /// clients: first listing only the scorers among those who came off, then without the
    /// ` (on 66')` and ` (off 66')` marks, then without positions, and last with the scorers alone.
    static func realMatch(message: OriginalMessage, event: MatchEvent, roster: Roster, language: String) -> OriginalDatagram {
        var datagram = OriginalDatagram(
            message: message, timeA: [], timeB: [], goleiroA: OriginalKeeper(nome: "", time: ""), goleiroB: OriginalKeeper(nome: "", time: ""))
        for detail in [Detail.full, .scorersOff, .noMarks, .noPositions, .scorersOnly] {
            datagram = OriginalDatagram(
                message: message,
                timeA: realMatchPlayers(.home, event: event, roster: roster, language: language, detail: detail),
                timeB: realMatchPlayers(.away, event: event, roster: roster, language: language, detail: detail),
                goleiroA: realMatchKeeper(.home, event: event, roster: roster, language: language),
                goleiroB: realMatchKeeper(.away, event: event, roster: roster, language: language))
            if datagram.jsonNode.pythonStyleBytes().count <= maximumSize { break }
        }
        return datagram
    }

    /// How much a real match's entries say: everyone who came off; of them only the scorers;
    /// no marks; no positions.
    enum Detail {
        case full, scorersOff, noMarks, noPositions, scorersOnly

        var showsMarks: Bool { self == .full || self == .scorersOff }
        var showsPositions: Bool { self != .noPositions && self != .scorersOnly }
    }

    static func realMatchPlayers(_ side: Side, event: MatchEvent, roster: Roster, language: String, detail: Detail = .full) -> [OriginalPlayer] {
        let sheet = roster[side]
        let state = event.state
        func entry(_ player: PlayerRef, mark: String = "") -> OriginalPlayer {
            let goals = state.goalMinutes(of: player).map(Int.init)
            let red = state.redCardMinute(of: player)
            func listedPosition(_ player: PlayerRef) -> String {
                let index = Int(player.slot)
                return player.isKeeper ? "GK" : index < sheet.players.count ? sheet.players[index].position : ""
            }
            var position = listedPosition(player)
            // A substitute listed without a position plays where the player replaced did.
            var replaced = state.cameOn(player)
            for _ in 0..<state.substitutions.count where position == RealMatchText.substitutePosition {
                guard let substitution = replaced else { break }
                position = listedPosition(substitution.off)
                replaced = state.cameOn(substitution.off)
            }
            return OriginalPlayer(
                nome: (roster.name(of: player) ?? "") + (detail.showsMarks ? mark : ""), time: sheet.name,
                posicao: detail.showsPositions ? position : "",
                cartaoVermelho: red != nil,
                gols: goals.count, tempoGols: goals, tempoCV: red.map(Int.init) ?? 0)
        }
        var entries: [OriginalPlayer] = []
        var listed = Set<PlayerRef>()
        if sheet.lineupKnown && detail != .scorersOnly {
            let lineUp = roster.lineUp(of: side, after: state)
            for player in lineUp.outfield {
                entries.append(entry(player, mark: state.cameOn(player).map { RealMatchText.cameOn($0, language: language) } ?? ""))
                listed.insert(player)
            }
            // Those who came off are listed after them; when the body would pass the original
            // client's 4,096 bytes, only those with goals to their name (so that each side's
            // goals add up; the substitution's phrase named the others).
            for substitution in state.substitutions
            where substitution.off.side == side && (detail == .full || !state.goals(of: substitution.off).isEmpty) {
                entries.append(entry(substitution.off, mark: RealMatchText.wentOff(substitution, language: language)))
                listed.insert(substitution.off)
            }
        } else if !sheet.lineupKnown {
            entries = (0..<sheet.players.count).map { entry(PlayerRef(side: side, slot: UInt8($0))) }
            listed = Set((0..<sheet.players.count).map { PlayerRef(side: side, slot: UInt8($0)) })
        }
        // Anyone else who scored (a keeper, the last resort's scorers): each side's goals add up.
        for goal in state.goals where goal.player.side == side && !goal.marks.contains(.ownGoal) && listed.insert(goal.player).inserted {
            entries.append(entry(goal.player))
        }
        var scorers: [PlayerRef] = []
        for goal in state.goals where goal.marks.contains(.ownGoal) && goal.benefits == side && !scorers.contains(goal.player) {
            scorers.append(goal.player)
        }
        for scorer in scorers {
            let minutes = state.ownGoals(of: scorer).map { Int($0.minute) }
            entries.append(
                OriginalPlayer(
                    nome: (roster.name(of: scorer) ?? "") + RealMatchText.ownGoal, time: sheet.name, posicao: RealMatchText.ownGoalPosition,
                    cartaoVermelho: false, gols: minutes.count, tempoGols: minutes, tempoCV: 0))
        }
        return entries
    }

    /// The keeper entry of `side` for a real match: whoever keeps goal now, or, with an unknown
    /// line-up, a plain note that it is not known.
    static func realMatchKeeper(_ side: Side, event: MatchEvent, roster: Roster, language: String) -> OriginalKeeper {
        let sheet = roster[side]
        guard sheet.lineupKnown else { return OriginalKeeper(nome: RealMatchText.lineupUnknown(language: language), time: sheet.name) }
        let keeper = roster.lineUp(of: side, after: event.state).keeper
        return OriginalKeeper(nome: roster.name(of: keeper) ?? sheet.keeper, time: sheet.name)
    }
}
