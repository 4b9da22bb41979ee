import Match
import Wire

/// The plain-text account of a whole simulated match that `soccer-stream simulate` prints.
public struct MatchReport: Sendable {
    /// The seed.
    public let seed: UInt64
    /// The teams.
    public let roster: Roster
    /// The language.
    public let catalog: PhraseCatalog
    /// Every event.
    public let events: [MatchEvent]
    /// Why the match ended.
    public let endReason: EndReason

    /// Simulates the match of `seed`.
    public init(seed: UInt64, roster: Roster = .original, catalog: PhraseCatalog = .english) {
        self.seed = seed
        self.roster = roster
        self.catalog = catalog
        (events, endReason) = MatchSimulator.play(seed: seed, roster: roster, catalog: catalog)
    }

    /// One line per event, then the final score.
    public func textLines() throws(WireError) -> [String] {
        var lines = ["\(roster.home.name) vs \(roster.away.name) — seed \(seed), \(events.count) events"]
        let nameWidth = EventType.allCases.map { catalog.name(of: $0).count }.max() ?? 10
        for event in events {
            let minute = MatchClock.display(event.minute)
            let name = catalog.name(of: event.type)
            let score = "\(event.score.home)-\(event.score.away)"
            lines.append(
                "\(minute.padded(to: 6, alignRight: true))  \(name.padded(to: nameWidth))  \(score)  \(try catalog.phrase(for: event, roster: roster))"
            )
        }
        let final = events.last?.score ?? .zero
        lines.append("\(endReason == .fullTime ? "Full time" : "Abandoned"): \(catalog.scoreLine(final, roster: roster))")
        return lines
    }

    /// One JSON object per event: the original layout, `count` starting at `firstSequence`.
    public func jsonLines(firstSequence: UInt32 = 0) throws(WireError) -> [String] {
        var lines: [String] = []
        for (index, event) in events.enumerated() {
            let datagram = try OriginalDatagram(
                event: event, sequence: firstSequence &+ UInt32(truncatingIfNeeded: index), roster: roster, catalog: catalog)
            lines.append(String(decoding: try datagram.encoded(), as: UTF8.self))
        }
        return lines
    }

    /// The match as a feed (Spec/FEED.md): the line-ups, one line per event (`at`: the event's
    /// time after kick-off at one event per `interval` seconds), the end. What `server --feed`
    /// reads back: the same events, byte for byte on the wire.
    public func feedLines(interval: Double = 1) -> [String] {
        var lines = [FeedLine.lineups(roster, language: catalog.language == PhraseCatalog.portuguese.language ? "pt" : "en").jsonText]
        for (index, event) in events.enumerated() {
            lines.append(
                FeedLine.event(FeedEvent(event, at: Double(index + 1) * interval)).jsonText)
        }
        lines.append(FeedLine.end(endReason).jsonText)
        return lines
    }
}
