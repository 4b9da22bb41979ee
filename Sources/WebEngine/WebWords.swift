/// The pages' own words in each language (names and phrases come from the match).
public struct WebWords: Sendable {
    public var matches, upcoming, live, fullTime, abandoned, interrupted, sourceLost, timeline, lineUps, statistics: String
    public var bench, shootout, noEvents, allMatches, notFound, noMatches, goals, shots, onTarget, fouls: String
    public var yellowCards, redCards, substitutions, reload, connectionLost, sinceJoined: String
    /// A page refused for want of a valid token (`web --require-token`), and what to do.
    public var accessRefused, accessHint: String

    /// The words of `language`.
    public static func of(_ language: WebLanguage) -> WebWords {
        switch language {
        case .en:
            WebWords(
                matches: "Matches", upcoming: "Upcoming", live: "Live", fullTime: "FT", abandoned: "Abandoned", interrupted: "Interrupted",
                sourceLost: "The stream's source is silent; waiting for it", timeline: "Timeline", lineUps: "Line-ups",
                statistics: "Statistics", bench: "Bench", shootout: "Penalty shoot-out", noEvents: "No events yet",
                allMatches: "All matches", notFound: "No such match here", noMatches: "No matches yet", goals: "Goals", shots: "Shots",
                onTarget: "Shots on target", fouls: "Fouls", yellowCards: "Yellow cards", redCards: "Red cards",
                substitutions: "Substitutions", reload: "Reload the page for the latest.", connectionLost: "Reconnecting…",
                sinceJoined: "Shots and fouls counted since this page's server joined the match.", accessRefused: "Access refused",
                accessHint: "Open the link your provider gave you (it ends in ?token=sst1.…) again, or ask them for a new one.")
        case .pt:
            WebWords(
                matches: "Partidas", upcoming: "Em breve", live: "Ao vivo", fullTime: "Fim de jogo", abandoned: "Abandonada",
                interrupted: "Interrompida", sourceLost: "A fonte da transmissão está em silêncio; aguardando", timeline: "Lance a lance",
                lineUps: "Escalações", statistics: "Estatísticas", bench: "Reservas", shootout: "Disputa de pênaltis",
                noEvents: "Nenhum lance ainda", allMatches: "Todas as partidas", notFound: "Partida não encontrada",
                noMatches: "Nenhuma partida ainda", goals: "Gols", shots: "Finalizações", onTarget: "Chutes no gol", fouls: "Faltas",
                yellowCards: "Cartões amarelos", redCards: "Cartões vermelhos", substitutions: "Substituições",
                reload: "Recarregue a página para ver o mais recente.", connectionLost: "Reconectando…",
                sinceJoined: "Finalizações e faltas contadas desde que o servidor desta página começou a acompanhar a partida.",
                accessRefused: "Acesso recusado",
                accessHint: "Abra de novo o link que o seu provedor lhe deu (termina em ?token=sst1.…) ou peça um novo a ele.")
        }
    }
}
