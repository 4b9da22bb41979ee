import Match
import RuntimeSupport
import Wire

/// Everything the live view shows after one event, whichever body it came from.
///
/// Built from a JSON body (new or original protocol) or from a compact body plus the
/// welcome's roster and catalogue; both give equal snapshots for the same event.
public struct LiveSnapshot: Sendable, Hashable {
    /// One line of a line-up.
    public struct PlayerLine: Sendable, Hashable {
        /// The player's name.
        public var name: String
        /// The position abbreviation.
        public var position: String
        /// Goals scored so far.
        public var goals: Int
        /// Sent off so far.
        public var sentOff: Bool
    }

    /// One side's line-up.
    public struct TeamLines: Sendable, Hashable {
        /// The team's name.
        public var name: String
        /// The goalkeeper's name.
        public var keeper: String
        /// The outfield players.
        public var players: [PlayerLine]
    }

    /// The sequence number of the event.
    public var sequence: UInt32
    /// The home side.
    public var home: TeamLines
    /// The away side.
    public var away: TeamLines
    /// The event's phrase.
    public var phrase: String
    /// The event type's display name.
    public var typeName: String
    /// The score line.
    public var scoreLine: String
    /// The match clock after the event.
    public var minute: UInt8
    /// The language of the labels ("pt" shows the original's Portuguese labels).
    public var language: String
    /// The clock as shown: `23'`, a real match's `45+2'` (Spec §4.13), or a simulated match's
    /// minutes past 45 and 90 as the original showed them (``MatchClock/display(_:)``).
    public var clock: String
    /// The event itself, when it came as a compact frame (what a relay passes on); nil from a
    /// JSON datagram. Not part of the snapshot's equality: two viewers of the same moment see
    /// the same thing, whatever format it came in.
    public var event: MatchEvent?

    public static func == (left: LiveSnapshot, right: LiveSnapshot) -> Bool {
        left.sequence == right.sequence && left.home == right.home && left.away == right.away && left.phrase == right.phrase
            && left.typeName == right.typeName && left.scoreLine == right.scoreLine && left.minute == right.minute && left.language == right.language
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(sequence)
        hasher.combine(phrase)
        hasher.combine(scoreLine)
        hasher.combine(minute)
    }

    /// A snapshot from a JSON datagram, counting goals and red cards as the original client
    /// did: a goal when its minute is ≤ `time_passed`, a red card when `tempo_cv` < `time_passed`.
    /// (An original server sends future incidents; SoccerStream's never does, and its
    /// incident minutes always precede `time_passed`, so the rule shows all of them.)
    ///
    /// `realMatch` (the welcome's roster is a real match's, Spec §4.13) shows the minute as it
    /// is, not a simulated match's 46' as `45+1'`.
    public init(datagram: OriginalDatagram, language: String, realMatch: Bool = false) {
        let now = datagram.message.timePassed
        func lines(_ players: [OriginalPlayer]) -> [PlayerLine] {
            players.map { player in
                PlayerLine(
                    name: player.nome, position: player.posicao,
                    goals: player.tempoGols.filter { $0 <= now }.count,
                    sentOff: player.cartaoVermelho && player.tempoCV < now)
            }
        }
        sequence = datagram.message.count
        home = TeamLines(name: datagram.goleiroA.time, keeper: datagram.goleiroA.nome, players: lines(datagram.timeA))
        away = TeamLines(name: datagram.goleiroB.time, keeper: datagram.goleiroB.nome, players: lines(datagram.timeB))
        phrase = datagram.message.content
        typeName = datagram.message.type
        scoreLine = datagram.message.score
        minute = UInt8(clamping: now)
        self.language = language
        clock = realMatch ? MatchClockText.text(minute: minute, added: 0) : MatchClock.display(minute)
    }

    /// A snapshot from a compact event and the welcome's roster and catalogue.
    ///
    /// - Throws: ``WireError`` when the event names a template or player the welcome lacks.
    public init(event: MatchEvent, sequence: UInt32, roster: Roster, catalog: PhraseCatalog) throws(WireError) {
        self.init(
            datagram: try OriginalDatagram(event: event, sequence: sequence, roster: roster, catalog: catalog),
            language: catalog.language)
        self.event = event
        if roster.needsExtension || event.needsExtension { clock = event.clock }
    }
}
