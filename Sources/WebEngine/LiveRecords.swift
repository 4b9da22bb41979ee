import Match
import Wire

/// The event-stream records the pages follow, rendered by the same views as the pages: a
/// card's readers get each event (`id:` its sequence) with the parts it changed, and the index's
/// readers each match's new row.
public enum LiveRecords {
    /// Match `match`'s event `entry` for its card: the new timeline item, header, line-ups and
    /// statistics (`parts` false: the item alone, for all but the last of the events a
    /// reconnecting reader missed).
    public static func event(_ entry: GatewayMatch.Entry, of match: GatewayMatch, language: WebLanguage, parts: Bool = true) -> SSERecord {
        let view = CardView(match, language: language)
        var members: [(String, JSONNode)] = [("seq", .int(entry.sequence)), ("item", .string(view.item(entry)))]
        if parts {
            members += [("header", .string(view.header)), ("lineups", .string(view.lineUps)), ("stats", .string(view.statistics))]
        }
        let data = JSONNode.object(members)
        return SSERecord(id: entry.sequence, event: "event", data: text(data))
    }

    /// A card's header after a change without an event (the end, the source lost or back).
    public static func changed(_ match: GatewayMatch, language: WebLanguage) -> SSERecord {
        let view = CardView(match, language: language)
        let ended: Bool = if case .ended = match.status { true } else { false }
        return SSERecord(event: "status", data: text(.object([("header", .string(view.header)), ("ended", JSONNode(.bool(ended)))])))
    }

    /// A match's row for the index.
    public static func row(_ match: GatewayMatch, language: WebLanguage) -> SSERecord {
        SSERecord(event: "match", data: text(.object([("id", .int(match.id)), ("row", .string(PageView.row(match, language: language)))])))
    }

    private static func text(_ node: JSONNode) -> String {
        String(decoding: node.pythonStyleBytes(), as: UTF8.self)
    }
}
