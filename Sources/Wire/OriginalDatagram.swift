/// One outfield player as the original JSON layout describes them.
public struct OriginalPlayer: Sendable, Hashable, Codable {
    /// `nome`: the player's name.
    public var nome: String
    /// `time`: the team's name.
    public var time: String
    /// `posicao`: the position abbreviation.
    public var posicao: String
    /// `cartao_vermelho`: whether the player has been sent off.
    public var cartaoVermelho: Bool
    /// `gols`: goals scored.
    public var gols: Int
    /// `tempo_gols`: the minute of each goal.
    public var tempoGols: [Int]
    /// `tempo_cv`: the minute of the red card, 0 without one.
    public var tempoCV: Int

    /// Creates a player entry.
    public init(nome: String, time: String, posicao: String, cartaoVermelho: Bool, gols: Int, tempoGols: [Int], tempoCV: Int) {
        self.nome = nome
        self.time = time
        self.posicao = posicao
        self.cartaoVermelho = cartaoVermelho
        self.gols = gols
        self.tempoGols = tempoGols
        self.tempoCV = tempoCV
    }
}

/// A goalkeeper as the original JSON layout describes them.
public struct OriginalKeeper: Sendable, Hashable, Codable {
    /// `nome`: the keeper's name.
    public var nome: String
    /// `time`: the team's name.
    public var time: String

    /// Creates a keeper entry.
    public init(nome: String, time: String) {
        self.nome = nome
        self.time = time
    }
}

/// The `message` object of the original JSON layout.
public struct OriginalMessage: Sendable, Hashable, Codable {
    /// `count`: the datagram's sequence number.
    public var count: UInt32
    /// `score`: the score line, e.g. `Placar: Galáticos 0 - 0 The Bests`.
    public var score: String
    /// `content`: the event's phrase.
    public var content: String
    /// `type`: the event's display name (the original sent the name, not an integer).
    public var type: String
    /// `time_passed`: the match clock after the event.
    public var timePassed: Int

    /// Creates a message.
    public init(count: UInt32, score: String, content: String, type: String, timePassed: Int) {
        self.count = count
        self.score = score
        self.content = content
        self.type = type
        self.timePassed = timePassed
    }
}

/// The original project's datagram: the JSON body of SoccerStream's json format, and, sent
/// bare, what the original client reads.
///
/// The layout and field names are the original server's (see Spec/PROTOCOL.md §5 and
/// `Spec/json-body.schema.json`).
public struct OriginalDatagram: Sendable, Hashable, Codable {
    /// The largest JSON body, in bytes: the original client reads with a 4,096-byte buffer.
    public static let maximumSize = 4096

    /// `message`.
    public var message: OriginalMessage
    /// `timeA`: the home side's outfield players.
    public var timeA: [OriginalPlayer]
    /// `timeB`: the away side's outfield players.
    public var timeB: [OriginalPlayer]
    /// `goleiroA`: the home goalkeeper.
    public var goleiroA: OriginalKeeper
    /// `goleiroB`: the away goalkeeper.
    public var goleiroB: OriginalKeeper

    /// Creates a datagram.
    public init(message: OriginalMessage, timeA: [OriginalPlayer], timeB: [OriginalPlayer], goleiroA: OriginalKeeper, goleiroB: OriginalKeeper) {
        self.message = message
        self.timeA = timeA
        self.timeB = timeB
        self.goleiroA = goleiroA
        self.goleiroB = goleiroB
    }

    /// The datagram SoccerStream's server sends for `event`: only what has happened up to it.
    ///
    /// - Parameters:
    ///   - event: the event, with the match state after it.
    ///   - sequence: the event's sequence number, the message's `count`.
    ///   - roster: the team sheets that name the players, keepers and teams.
    ///   - catalog: the phrase, score line and event name, in the client's language.
    /// - Throws: ``WireError/Code/outOfRange`` when the event's template or players are not in
    ///   `catalog` or `roster` (``PhraseCatalog/phrase(for:roster:)``).
    public init(event: MatchEvent, sequence: UInt32, roster: Roster, catalog: PhraseCatalog) throws(WireError) {
        func players(_ side: Side) -> [OriginalPlayer] {
            let sheet = roster[side]
            return sheet.players.enumerated().map { index, player in
                let ref = PlayerRef(side: side, slot: UInt8(index))
                let goals = event.state.goalMinutes(of: ref).map(Int.init)
                let red = event.state.redCardMinute(of: ref)
                return OriginalPlayer(
                    nome: player.name, time: sheet.name, posicao: player.position,
                    cartaoVermelho: red != nil, gols: goals.count, tempoGols: goals, tempoCV: red.map(Int.init) ?? 0)
            }
        }
        let message = OriginalMessage(
            count: sequence,
            score: RealMatchText.scoreLine(event, roster: roster, catalog: catalog),
            content: try catalog.phrase(for: event, roster: roster),
            type: catalog.name(of: event.type),
            timePassed: Int(event.minute))
        if roster.needsExtension || event.needsExtension {
            // A real match (Spec §4.13): the current line-up, substitutions and own goals marked.
            self = Self.realMatch(message: message, event: event, roster: roster, language: catalog.language)
            return
        }
        self.init(
            message: message, timeA: players(.home), timeB: players(.away),
            goleiroA: OriginalKeeper(nome: roster.home.keeper, time: roster.home.name),
            goleiroB: OriginalKeeper(nome: roster.away.keeper, time: roster.away.name))
    }

    /// The total goals of the home (`timeA`) and away (`timeB`) players.
    public var goalTotals: (home: Int, away: Int) {
        (timeA.reduce(0) { $0 + $1.gols }, timeB.reduce(0) { $0 + $1.gols })
    }
}
