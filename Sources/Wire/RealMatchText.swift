/// The words of a real match's status that every view shares (the JSON layout's score line,
/// the live view, client.log, the scoreboard): half-time, full time, after extra time, the
/// shoot-out's score. Keyed by a catalogue's language (`en`, `pt`; others read English).
public enum RealMatchText {
    /// The short status of `state` (`HT`, `FT`, `AET`, `AET, 4-2 pens`), or nil while a half is
    /// being played or for a simulated match.
    public static func status(_ state: MatchState, language: String) -> String? {
        let pt = language == "pt"
        let shootout = state.shootoutScore
        let kicks = "\(shootout.home)-\(shootout.away)"
        switch state.phase {
        case .unannounced, .firstHalf, .secondHalf, .extraTimeFirstHalf, .extraTimeSecondHalf: return nil
        case .halfTime: return pt ? "Intervalo" : "HT"
        case .fullTime: return pt ? "Fim de jogo" : "FT"
        case .extraTimeHalfTime: return pt ? "Intervalo da prorrogação" : "ET HT"
        case .endOfExtraTime: return pt ? "Após prorrogação" : "AET"
        case .shootout: return pt ? "Pênaltis \(kicks)" : "Pens \(kicks)"
        case .shootoutOver where state.wentToExtraTime: return pt ? "Após prorrogação, \(kicks) nos pênaltis" : "AET, \(kicks) on pens"
        case .shootoutOver: return pt ? "\(kicks) nos pênaltis" : "\(kicks) on pens"
        }
    }

    /// The score line of a real match's event: the catalogue's, then the status in brackets.
    public static func scoreLine(_ event: MatchEvent, roster: Roster, catalog: PhraseCatalog) -> String {
        let line = catalog.scoreLine(event.score, roster: roster)
        guard let status = status(event.state, language: catalog.language) else { return line }
        return "\(line) (\(status))"
    }

    /// What a view shows where a line-up would be, when the source named none (openfootball).
    public static func lineupUnknown(language: String) -> String {
        language == "pt" ? "(escalação desconhecida)" : "(line-up not known)"
    }

    /// The mark after a substitute's name: ` (on 66')`.
    public static func cameOn(_ substitution: Substitution, language: String) -> String {
        mark(language == "pt" ? "entrou" : "on", substitution)
    }

    /// The mark after a replaced player's name: ` (off 66')`.
    public static func wentOff(_ substitution: Substitution, language: String) -> String {
        mark(language == "pt" ? "saiu" : "off", substitution)
    }

    private static func mark(_ word: String, _ substitution: Substitution) -> String {
        " (\(word) \(MatchClockText.text(minute: substitution.minute, added: substitution.added)))"
    }

    /// The mark after an own goal's scorer, listed with the side it counted for: ` (og)`.
    public static let ownGoal = " (og)"
    /// The position a substitute's sheet entry shows before the player comes on (the importers
    /// write it; a view shows the replaced player's position once they do).
    public static let substitutePosition = "SUB"
    /// The position an own goal's entry shows.
    public static let ownGoalPosition = "OG"
}
