import Match
import Wire

/// A match for programs: `/matches/ID.json` (where it stands) and `/matches/ID/feed.jsonl`
/// (the match so far in the feed format, Spec/FEED.md, which `server --feed` replays).
public enum MatchDocument {
    /// The current state as JSON: teams, score, status, clock, goals and cards, the latest
    /// sequence number.
    public static func json(_ match: GatewayMatch) -> String {
        let state = match.state
        let status: String =
            switch match.status {
            case .upcoming: "upcoming"
            case .live: "live"
            case .ended(let reason): "ended (\(reason.name))"
            }
        func incidents(_ list: [Incident], marks: [(String, IncidentMarks)]) -> JSONNode {
            .array(
                list.map { incident in
                    .object(
                        [
                            ("player", .string(match.roster.name(of: incident.player) ?? "?")),
                            ("ref", .string(FeedLine.reference(incident.player))), ("minute", .int(incident.minute)),
                            ("added", .int(incident.added)),
                        ] + marks.map { ($0.0, JSONNode(.bool(incident.marks.contains($0.1)))) })
                })
        }
        var members: [(String, JSONNode)] = [
            ("id", .int(match.id)), ("home", .string(match.roster.home.name)), ("away", .string(match.roster.away.name)),
            ("status", .string(status)), ("status_text", .string(CardView(match, language: .en).status)),
            ("score", .object([("home", .int(state.score.home)), ("away", .int(state.score.away))])),
            ("minute", .int(match.latest?.minute ?? 0)), ("added", .int(match.latest?.added ?? 0)),
            ("period", .string(state.phase.identifier)), ("goals", incidents(state.goals, marks: [("own_goal", .ownGoal), ("penalty", .penalty)])),
            ("red_cards", incidents(state.redCards, marks: [("second_yellow", .secondYellow)])),
            ("source_lost", JSONNode(.bool(match.sourceLost))), ("events", .int(match.history.count)),
        ]
        if !state.shootout.isEmpty {
            let kicks = state.shootoutScore
            members.append(("shootout", .object([("home", .int(kicks.home)), ("away", .int(kicks.away))])))
        }
        if let last = match.lastSequence { members.append(("last_sequence", .int(last))) }
        return String(decoding: JSONNode.object(members).pythonStyleBytes(), as: UTF8.self) + "\n"
    }

    /// The match so far as feed lines: the line-ups (with where it stood, when the gateway
    /// joined it under way), each event, and the end once it ended.
    public static func feed(_ match: GatewayMatch) -> [FeedLine] {
        var history = match.history[...]
        var start: MatchStart?
        if match.joinedUnderWay, let first = history.first {
            start = MatchStart(after: first.event)
            history = history.dropFirst()
        }
        let language = ["en", "pt"].contains(match.catalog.language) ? match.catalog.language : nil
        var lines: [FeedLine] = [.lineups(match.roster, language: language, start: start)]
        lines += history.map { FeedLine.event(FeedEvent($0.event, at: nil)) }
        if case .ended(let reason) = match.status { lines.append(.end(reason)) }
        return lines
    }
}
