import Foundation
import Logging
import Match
import RuntimeSupport
import SQLiteNIO
import ServerEngine
import Wire

extension MatchLog {
    /// The unfinished matches, oldest first: one per simulated slot and one per feed path (the
    /// newest of each wins).
    public func unfinished() async throws(StreamingError) -> [Unfinished] {
        try await database("read") {
            let rows = try await connection.query(
                """
                SELECT number, match_id, slot, seed, feed_path, feed_offset, events, first_sequence, COALESCE(updated, started) AS updated, relayed, interval_us,
                       (SELECT MAX(sequence) FROM events WHERE events.match = matches.number) AS last_sequence,
                       (SELECT line FROM events WHERE events.match = matches.number ORDER BY sequence DESC LIMIT 1) AS last_line
                FROM matches WHERE status = 'live' AND (slot IS NOT NULL OR feed_path IS NOT NULL OR relayed = 1) ORDER BY number
                """, [])
            var newest: [String: Unfinished] = [:]
            for row in rows {
                guard let number = row.column("number")?.integer, let id = row.column("match_id")?.integer else { continue }
                let origin: Unfinished.Origin
                let key: String
                if let slot = row.column("slot")?.integer, let seed = row.column("seed")?.integer {
                    origin = .simulated(slot: Int(slot), seed: UInt64(bitPattern: Int64(seed)))
                    key = "slot \(slot)"
                } else if let path = row.column("feed_path")?.string {
                    origin = .feed(path: path, offset: Int(row.column("feed_offset")?.integer ?? 0))
                    key = "feed \(path)"
                } else if row.column("relayed")?.integer == 1 {
                    origin = .relayed
                    key = "relayed \(id)"
                } else {
                    continue
                }
                var lastAt = 0.0
                if let line = row.column("last_line")?.string, case .event(let event) = try FeedLine.parse(Array(line.utf8)) {
                    lastAt = event.at ?? 0
                }
                newest[key] = Unfinished(
                    number: Int(number), matchID: UInt32(truncatingIfNeeded: id), origin: origin,
                    events: Int(row.column("events")?.integer ?? 0),
                    firstSequence: UInt32(truncatingIfNeeded: row.column("first_sequence")?.integer ?? 0), lastAt: lastAt,
                    lastWrite: row.column("updated")?.double ?? 0, subscribers: [],
                    lastSequence: row.column("last_sequence")?.integer.map { UInt32(truncatingIfNeeded: $0) },
                    intervalMicroseconds: UInt32(clamping: row.column("interval_us")?.integer ?? 0))
            }
            var unfinished = newest.values.sorted { $0.number < $1.number }
            for index in unfinished.indices {
                let rows = try await connection.query(
                    "SELECT host, port, subscription, delivery, dictionary, grp FROM original_clients WHERE match = ? ORDER BY host, port",
                    [.integer(unfinished[index].number)])
                unfinished[index].subscribers = rows.compactMap { row in
                    guard let host = row.column("host")?.string, let port = row.column("port")?.integer else { return nil }
                    return KeptSubscriber(
                        host: host, port: Int(port), subscription: UInt64(bitPattern: Int64(row.column("subscription")?.integer ?? 0)),
                        delivery: row.column("delivery")?.string ?? Delivery.original.rawValue,
                        dictionary: UInt8(clamping: row.column("dictionary")?.integer ?? 0), group: row.column("grp")?.integer == 1)
                }
            }
            return unfinished
        }
    }

    /// Marks every unfinished match as discarded (`server --fresh`): history, never resumed.
    public func discardUnfinished() async throws(StreamingError) -> Int {
        try await database("write") {
            let rows = try await connection.query(
                "UPDATE matches SET status = 'ended', end_reason = 'discarded' WHERE status = 'live' RETURNING number", [])
            return rows.count
        }
    }

    /// Every logged match, oldest first.
    public func records() async throws(StreamingError) -> [Record] {
        try await database("read") {
            let rows = try await connection.query(
                "SELECT number, match_id, lineups, source, started, status, end_reason, events, home, away, minute FROM matches ORDER BY number", [])
            return try rows.map { row throws(StreamingError) -> Record in
                guard let number = row.column("number")?.integer, let id = row.column("match_id")?.integer,
                    let lineups = row.column("lineups")?.string, let status = row.column("status")?.string.flatMap(Status.init(rawValue:))
                else {
                    throw StreamingError(.fileUnavailable, "the match log \(path) has a malformed match row")
                }
                var home = "?"
                var away = "?"
                if case .lineups(let roster, _, _) = try? FeedLine.parse(Array(lineups.utf8)) {  // shown as "?" if unreadable
                    (home, away) = (roster.home.name, roster.away.name)
                }
                return Record(
                    number: Int(number), matchID: UInt32(truncatingIfNeeded: id), home: home, away: away,
                    source: row.column("source")?.string ?? "?", status: status, endReason: row.column("end_reason")?.string,
                    events: Int(row.column("events")?.integer ?? 0),
                    score: Score(home: UInt8(clamping: row.column("home")?.integer ?? 0), away: UInt8(clamping: row.column("away")?.integer ?? 0)),
                    minute: UInt8(clamping: row.column("minute")?.integer ?? 0), started: row.column("started")?.double ?? 0)
            }
        }
    }

    /// Match `number` as feed lines (Spec/FEED.md): line-ups, every event in sequence order,
    /// and the end line if it ended.
    public func feedLines(_ number: Int) async throws(StreamingError) -> [String] {
        try await database("read") {
            let match = try await connection.query("SELECT lineups, end_reason FROM matches WHERE number = ?", [.integer(number)])
            guard let lineups = match.first?.column("lineups")?.string else {
                throw StreamingError(.configuration, "no match #\(number) in the match log \(path)")
            }
            let events = try await connection.query("SELECT line FROM events WHERE match = ? ORDER BY sequence", [.integer(number)])
            var lines = [lineups] + events.compactMap { $0.column("line")?.string }
            if let reason = match.first?.column("end_reason")?.string, let end = EndReason.allCases.first(where: { $0.name == reason }) {
                lines.append(FeedLine.end(end).jsonText)
            }
            return lines
        }
    }

    /// Match `number`'s logged events by sequence, decoded as `server --feed` decodes its
    /// lines (so each is the event that was sent: same state, minute and words): what a NACK
    /// for events past the repair ring is answered with.
    ///
    /// - Throws: ``StreamingError`` when the log cannot be read, has no match `number`, or a
    ///   logged line no longer decodes (naming the sequence and why).
    public func events(_ number: Int) async throws(StreamingError) -> [UInt32: MatchEvent] {
        let (lineups, rows) = try await database("read") {
            let match = try await connection.query("SELECT lineups FROM matches WHERE number = ?", [.integer(number)])
            guard let lineups = match.first?.column("lineups")?.string else {
                throw StreamingError(.configuration, "no match #\(number) in the match log \(path)")
            }
            let rows = try await connection.query("SELECT sequence, line FROM events WHERE match = ? ORDER BY sequence", [.integer(number)])
            return (lineups, rows)
        }
        var decoder = FeedDecoder(catalog: .english)
        do {
            _ = try decoder.next(Array(lineups.utf8))
        } catch {
            throw StreamingError(.fileUnavailable, "the match log \(path) holds unreadable line-ups for match #\(number): \(error)")
        }
        var events: [UInt32: MatchEvent] = [:]
        for row in rows {
            guard let sequence = row.column("sequence")?.integer, let line = row.column("line")?.string else {
                throw StreamingError(.fileUnavailable, "the match log \(path) has a malformed event row in match #\(number)")
            }
            do {
                guard case .event(let event, _) = try decoder.next(Array(line.utf8)) else {
                    throw StreamingError(
                        .fileUnavailable, "the match log \(path) holds a line that is not an event at sequence \(sequence) of match #\(number)")
                }
                events[UInt32(truncatingIfNeeded: sequence)] = event
            } catch let error as StreamingError {
                throw error
            } catch {
                throw StreamingError(
                    .fileUnavailable, "the match log \(path) holds an unreadable event at sequence \(sequence) of match #\(number): \(error)")
            }
        }
        return events
    }

    /// The history table: number, match id, teams, score, minute, events, how it ended or
    /// that it is unfinished, and its source.
    public static func table(_ records: [Record]) -> String {
        var lines = ["   #       match  home                      score  away                      minute  events  status             source"]
        for record in records {
            let status = record.status == .ended ? (record.endReason ?? "ended") : "unfinished"
            lines.append(
                [
                    String(record.number).padded(to: 4, alignRight: true), String(record.matchID).padded(to: 11, alignRight: true),
                    " " + record.home.padded(to: 25), "\(record.score.home)-\(record.score.away)".padded(to: 6), record.away.padded(to: 25),
                    String(record.minute).padded(to: 6, alignRight: true), String(record.events).padded(to: 7, alignRight: true),
                    " " + status.padded(to: 18), record.source,
                ].joined(separator: " "))
        }
        if records.isEmpty { lines.append("   (no match logged yet)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
