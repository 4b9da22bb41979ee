import Foundation
import Logging
import Match
import Wire

/// What a server started on a match log continues (issue 14): the unfinished matches an earlier
/// run left (a crash, `kill -9`) that this run carries — a simulated match in a slot it
/// simulates, a feed's match when it reads the same feed file — each as the log left it.
struct ResumePlan: Sendable {
    /// An unfinished feed match: its log entry, the feed decoder primed with its logged lines
    /// (line-ups, then every event: the same match state), and its teams and words.
    struct Feed: Sendable {
        var match: MatchLog.Unfinished
        var decoder: FeedDecoder
        var roster: Roster
        var catalog: PhraseCatalog
        /// Where reading the feed file resumes: just past the last logged event's line.
        var offset: Int
        /// The last logged event.
        var latest: MatchEvent?
    }

    /// Unfinished simulated matches, by slot.
    var simulated: [Int: MatchLog.Unfinished] = [:]
    /// Unfinished feed matches, by feed index in ``ServerConfiguration/feeds``.
    var feeds: [Int: Feed] = [:]

    /// The path a feed is logged under and matched by on restart: absolute and standardized
    /// (nil for standard input, which cannot be read again).
    static func feedKey(_ path: String) -> String? {
        path == "-" ? nil : URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Reads `log`'s unfinished matches and keeps those this run can continue; each left
    /// unfinished gets a warning saying why (it stays unfinished for a run that can).
    static func make(log: MatchLog, configuration: ServerConfiguration, logger: Logger) async throws(StreamingError) -> ResumePlan {
        var plan = ResumePlan()
        let feedKeys = configuration.feeds.map(feedKey)
        for match in try await log.unfinished() {
            switch match.origin {
            case .simulated(let slot, _):
                // In a slot this run carries, one match per stream (no --matches back to back).
                guard slot < configuration.simulate, configuration.matches == 1 else {
                    logger.warning("Unfinished match \(match.matchID) (slot \(slot)) is not resumed: this run does not carry its slot one match at a time.")
                    continue
                }
                plan.simulated[slot] = match
            case .feed(let path, let offset):
                guard let index = feedKeys.firstIndex(of: path) else {
                    logger.warning("Unfinished match \(match.matchID) is not resumed: this run does not read its feed \(path).")
                    continue
                }
                var decoder = FeedDecoder(catalog: configuration.language.catalog)
                var latest: MatchEvent?
                do {
                    for line in try await log.feedLines(match.number) {
                        if case .event(let event, _) = try decoder.next(Array(line.utf8)) { latest = event }
                    }
                } catch {
                    logger.warning("Unfinished match \(match.matchID) is not resumed: its logged lines do not decode again (\(error)).")
                    continue
                }
                guard let roster = decoder.roster else {
                    logger.warning("Unfinished match \(match.matchID) is not resumed: its log holds no line-ups.")
                    continue
                }
                plan.feeds[index] = Feed(match: match, decoder: decoder, roster: roster, catalog: decoder.catalog, offset: offset, latest: latest)
            }
        }
        return plan
    }
}
