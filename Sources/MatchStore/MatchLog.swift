import Foundation
import Logging
import Match
import SQLiteNIO
import Wire
import RuntimeSupport
import ServerEngine

/// The durable match log: every match a server streams and every event of it, written before
/// the event is sent (write-ahead), in an SQLite database (`DIR/matches.sqlite`, through
/// sqlite-nio).
///
/// Why SQLite through sqlite-nio: a real embedded database (atomic transactions, a
/// write-ahead journal that survives a crash mid-write, and `PRAGMA integrity_check`) rather
/// than a file format of our own; sqlite-nio vendors SQLite itself (no system package, the
/// version pinned with the rest in Package.resolved) and runs every statement on NIO's thread
/// pool, so the event loop never blocks on the disk.
///
/// Fsync policy: WAL journal, `synchronous = FULL`: every append is one transaction, on disk
/// (fsync'd) before it returns, so an event the log acknowledged survives `kill -9` and a power
/// cut. Events are stored as feed lines (Spec/FEED.md), so a recorded match can be exported and
/// replayed with `server --feed` as it is.
public final class MatchLog: Sendable {
    /// The database file's name inside the data directory.
    public static let fileName = "matches.sqlite"

    private let connection: SQLiteConnection
    /// The database file.
    public let path: String
    /// What opening found and repaired (a torn write at the end of the journal), for the
    /// server to say on start; nil when the log was whole.
    public let recovery: String?

    private init(connection: SQLiteConnection, path: String, recovery: String?) {
        self.connection = connection
        self.path = path
        self.recovery = recovery
    }

    /// A torn write at the end of SQLite's write-ahead journal (`PATH-wal`): its size is not the
    /// 32-byte header plus whole frames (24 bytes and a page each). SQLite itself recovers to
    /// the last complete transaction; this names what it will drop.
    package static func tornWrite(journal: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: journal) else { return nil }
        defer { try? handle.close() }   // read-only: nothing to flush
        guard let header = try? handle.read(upToCount: 32), header.count == 32,   // no header: nothing written yet
              let size = try? handle.seekToEnd() else { return nil }
        let pageSize = header[8..<12].reduce(0) { $0 << 8 | Int($1) }
        guard pageSize >= 512 else { return nil }
        let frame = 24 + pageSize
        let partial = (Int(size) - 32) % frame
        guard partial != 0 else { return nil }
        return "the match log's journal \(journal) ends with an incomplete record (\(partial) of \(frame) bytes: a torn write); "
            + "SQLite recovers to the last complete transaction, and what it drops was never acknowledged, so never sent"
    }

    /// How a logged match is doing.
    public enum Status: String, Sendable {
        case live
        case ended
    }

    /// One match as the log holds it.
    public struct Record: Sendable, Hashable {
        /// Its place in the log (1, 2, …): matches can share a match id across runs.
        public var number: Int
        public var matchID: UInt32
        public var home: String
        public var away: String
        /// Where it came from: `simulated seed N` or `feed PATH`.
        public var source: String
        public var status: Status
        /// How it ended (an ``EndReason`` name), when it has.
        public var endReason: String?
        /// Events logged.
        public var events: Int
        /// The latest logged score and minute.
        public var score: Score
        public var minute: UInt8
        /// Unix time of kick-off.
        public var started: Double
    }

    /// One event to log: its match (log number), sequence, the event, when it happened
    /// (seconds after kick-off), and for a feed's event the file offset just past its line
    /// (where a restarted server reads on).
    public struct Entry: Sendable {
        public var match: Int
        public var sequence: UInt32
        public var event: MatchEvent
        public var at: Double
        public var feedOffset: Int?

        public init(match: Int, sequence: UInt32, event: MatchEvent, at: Double, feedOffset: Int? = nil) {
            self.match = match
            self.sequence = sequence
            self.event = event
            self.at = at
            self.feedOffset = feedOffset
        }
    }

    /// Opens (creating it and its directory if need be) the log in `directory`.
    ///
    /// - Throws: ``StreamingError`` (`fileUnavailable`) naming the directory and why, when it
    ///   cannot be created, written, or holds a database that is not a sound match log.
    public static func open(directory: String, logger: Logger) async throws(StreamingError) -> MatchLog {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StreamingError(.fileUnavailable, "cannot create the data directory \(directory): \(StreamingError.plain(error))")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw StreamingError(.fileUnavailable, "the data directory \(directory) is not writable; the match log must be (--data-dir)")
        }
        let path = (directory as NSString).appendingPathComponent(fileName)
        let recovery = tornWrite(journal: path + "-wal")
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw StreamingError(.fileUnavailable, "cannot open the match log \(path): \(error)")
        }
        let log = MatchLog(connection: connection, path: path, recovery: recovery)
        do {
            for statement in [
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = FULL",
                """
                CREATE TABLE IF NOT EXISTS matches (
                    number INTEGER PRIMARY KEY AUTOINCREMENT, match_id INTEGER NOT NULL, lineups TEXT NOT NULL,
                    source TEXT NOT NULL, started REAL NOT NULL, status TEXT NOT NULL, end_reason TEXT,
                    events INTEGER NOT NULL DEFAULT 0, home INTEGER NOT NULL DEFAULT 0, away INTEGER NOT NULL DEFAULT 0,
                    minute INTEGER NOT NULL DEFAULT 0, slot INTEGER, seed INTEGER, first_sequence INTEGER NOT NULL DEFAULT 0,
                    feed_path TEXT, feed_offset INTEGER, updated REAL, relayed INTEGER NOT NULL DEFAULT 0,
                    interval_us INTEGER NOT NULL DEFAULT 0)
                """,
                """
                CREATE TABLE IF NOT EXISTS events (
                    match INTEGER NOT NULL REFERENCES matches(number), sequence INTEGER NOT NULL, line TEXT NOT NULL,
                    PRIMARY KEY (match, sequence))
                """,
                """
                CREATE TABLE IF NOT EXISTS original_clients (
                    match INTEGER NOT NULL REFERENCES matches(number), host TEXT NOT NULL, port INTEGER NOT NULL,
                    PRIMARY KEY (match, host, port))
                """,
            ] {
                _ = try await connection.query(statement, [])
            }
            // A log written before SoccerStream clients were kept (only original ones, in the table
            // named for them) lacks their columns: add them (old rows read as original clients).
            let kept = Set(try await connection.query("PRAGMA table_info(original_clients)", []).compactMap { $0.column("name")?.string })
            for (column, definition) in [("subscription", "INTEGER NOT NULL DEFAULT 0"), ("delivery", "TEXT NOT NULL DEFAULT 'original'"),
                                         ("dictionary", "INTEGER NOT NULL DEFAULT 0"), ("grp", "INTEGER NOT NULL DEFAULT 0")]
            where !kept.contains(column) {
                _ = try await connection.query("ALTER TABLE original_clients ADD COLUMN \(column) \(definition)", [])
            }
            // A log written before matches were resumable lacks their columns: add them.
            let columns = Set(try await connection.query("PRAGMA table_info(matches)", []).compactMap { $0.column("name")?.string })
            for (column, definition) in [("slot", "INTEGER"), ("seed", "INTEGER"), ("first_sequence", "INTEGER NOT NULL DEFAULT 0"),
                                         ("feed_path", "TEXT"), ("feed_offset", "INTEGER"), ("updated", "REAL"),
                                         ("relayed", "INTEGER NOT NULL DEFAULT 0"), ("interval_us", "INTEGER NOT NULL DEFAULT 0")]
            where !columns.contains(column) {
                _ = try await connection.query("ALTER TABLE matches ADD COLUMN \(column) \(definition)", [])
            }
            let check = try await connection.query("PRAGMA quick_check", [])
            let verdict = check.first?.column("quick_check")?.string ?? "no answer"
            guard verdict == "ok" else {
                throw StreamingError(.fileUnavailable, "the match log \(path) is damaged (SQLite quick_check: \(verdict))")
            }
        } catch let error as StreamingError {
            try? await connection.close()   // already failing with the reason; a close error adds nothing
            throw error
        } catch {
            try? await connection.close()   // already failing with the reason; a close error adds nothing
            throw StreamingError(.fileUnavailable, "cannot use the match log \(path): \(error)")
        }
        return log
    }

    /// Runs database work; an SQLite failure becomes a ``StreamingError`` saying what was being
    /// done to which log (`cannot read the match log PATH: …`), and the log's own errors pass through.
    private func database<T>(_ doing: String, _ work: () async throws -> T) async throws(StreamingError) -> T {
        do {
            return try await work()
        } catch let error as StreamingError {
            throw error
        } catch {
            throw StreamingError(.fileUnavailable, "cannot \(doing) the match log \(path): \(error)")
        }
    }

    /// Closes the database.
    public func close() async {
        do {
            try await connection.close()
        } catch {
            // Nothing is pending: every append committed before it returned.
        }
    }

    /// Logs a match that kicks off: its id, teams and language, where it comes from (for a
    /// simulated match, its slot and seed, from which a restarted server replays it; for a
    /// feed's, the feed's path, read on from the offset its entries log; `relayed` for a relay's,
    /// followed upstream again after its last logged event), the sequence of its first event,
    /// and the nominal microseconds between events its welcomes announce (a relay's: its
    /// upstream's, which it announces again after a restart). Returns its log number.
    public func begin(matchID: UInt32, roster: Roster, language: String, source: String, simulated: (slot: Int, seed: UInt64)? = nil,
                      feed: String? = nil, relayed: Bool = false, firstSequence: UInt32 = 0,
                      intervalMicroseconds: UInt32 = 0) async throws(StreamingError) -> Int {
        let lineups = FeedLine.lineups(roster, language: language).jsonText
        return try await database("write match \(matchID) to") {
            let rows = try await connection.query(
                """
                INSERT INTO matches (match_id, lineups, source, started, status, slot, seed, first_sequence, feed_path, updated, relayed,
                                     interval_us)
                VALUES (?, ?, ?, ?, 'live', ?, ?, ?, ?, ?, ?, ?) RETURNING number
                """,
                [.integer(Int(matchID)), .text(lineups), .text(source), .float(Date().timeIntervalSince1970),
                 simulated.map { .integer($0.slot) } ?? .null, simulated.map { .integer(Int(Int64(bitPattern: $0.seed))) } ?? .null,
                 .integer(Int(firstSequence)), feed.map { .text($0) } ?? .null, .float(Date().timeIntervalSince1970),
                 .integer(relayed ? 1 : 0), .integer(Int(intervalMicroseconds))])
            guard let number = rows.first?.column("number")?.integer else {
                throw StreamingError(.fileUnavailable, "the match log \(path) returned no number for match \(matchID)")
            }
            return Int(number)
        }
    }

    /// A subscription as the log keeps it, so that a restarted server goes on sending to it
    /// (Spec §4.12): its address, and for a SoccerStream client its identifier, delivery,
    /// dictionary and whether it takes the multicast group.
    public struct KeptSubscriber: Sendable, Hashable {
        public var host: String
        public var port: Int
        /// Its identifier (Spec §2.1); 0 for an original-protocol client.
        public var subscription: UInt64 = 0
        /// ``Delivery``'s raw value.
        public var delivery = Delivery.original.rawValue
        public var dictionary: UInt8 = 0
        public var group = false

        public init(host: String, port: Int, subscription: UInt64 = 0, delivery: String = Delivery.original.rawValue, dictionary: UInt8 = 0,
                    group: Bool = false) {
            self.host = host
            self.port = port
            self.subscription = subscription
            self.delivery = delivery
            self.dictionary = dictionary
            self.group = group
        }

        /// How `subscriber` is kept; nil for an address that is not IP.
        public init?(_ subscriber: Subscriber) {
            guard let host = subscriber.address.ipAddress, let port = subscriber.address.port else { return nil }
            self.init(host: host, port: port, subscription: subscriber.subscription, delivery: subscriber.delivery.rawValue,
                      dictionary: subscriber.dictionary, group: subscriber.group)
        }
    }

    /// Logs `entries` in one transaction, on disk when it returns (write-ahead: the caller
    /// sends them only then), with, for each match in `subscribers`, its subscriptions as they
    /// are now (they get these events, so a restarted server knows them).
    public func append(_ entries: [Entry], subscribers: [Int: [KeptSubscriber]] = [:]) async throws(StreamingError) {
        guard !entries.isEmpty else { return }
        var values: [SQLiteData] = []
        values.reserveCapacity(entries.count * 3)
        for entry in entries {
            let line = FeedLine.event(FeedEvent(type: entry.event.type, minute: entry.event.minute, actor: entry.event.actor,
                                                opponent: entry.event.opponent, template: entry.event.template,
                                                at: (entry.at * 1000).rounded() / 1000)).jsonText
            values += [.integer(entry.match), .integer(Int(entry.sequence)), .text(line)]
        }
        let rows = Array(repeating: "(?, ?, ?)", count: entries.count).joined(separator: ", ")
        // The latest score and minute per match, kept in its row (history reads them there).
        var latest: [Int: Entry] = [:]
        var counts: [Int: Int] = [:]
        for entry in entries {
            latest[entry.match] = entry
            counts[entry.match, default: 0] += 1
        }
        do {
            _ = try await connection.query("BEGIN IMMEDIATE", [])
            do {
                _ = try await connection.query("INSERT INTO events (match, sequence, line) VALUES \(rows)", values)
                let now = Date().timeIntervalSince1970
                for (match, entry) in latest {
                    _ = try await connection.query(
                        """
                        UPDATE matches SET events = events + ?, home = ?, away = ?, minute = ?, feed_offset = COALESCE(?, feed_offset),
                        updated = ? WHERE number = ?
                        """,
                        [.integer(counts[match] ?? 0), .integer(Int(entry.event.score.home)), .integer(Int(entry.event.score.away)),
                         .integer(Int(entry.event.minute)), entry.feedOffset.map { .integer($0) } ?? .null, .float(now), .integer(match)])
                }
                for (match, kept) in subscribers {
                    _ = try await connection.query("DELETE FROM original_clients WHERE match = ?", [.integer(match)])
                    // Many rows a statement (7 values each, well within SQLite's limit on them).
                    for start in stride(from: 0, to: kept.count, by: 500) {
                        let chunk = kept[start..<min(kept.count, start + 500)]
                        let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
                        let values: [SQLiteData] = chunk.flatMap { subscriber -> [SQLiteData] in
                            [.integer(match), .text(subscriber.host), .integer(subscriber.port), .integer(Int(Int64(bitPattern: subscriber.subscription))),
                             .text(subscriber.delivery), .integer(Int(subscriber.dictionary)), .integer(subscriber.group ? 1 : 0)]
                        }
                        _ = try await connection.query(
                            "INSERT OR IGNORE INTO original_clients (match, host, port, subscription, delivery, dictionary, grp) VALUES \(rows)", values)
                    }
                }
                _ = try await connection.query("COMMIT", [])
            } catch {
                _ = try? await connection.query("ROLLBACK", [])   // the append fails with the first error either way
                throw error
            }
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write \(entries.count) event(s) to the match log \(path): \(error)")
        }
    }

    /// Logs the end of match `number`.
    public func end(_ number: Int, reason: EndReason) async throws(StreamingError) {
        return try await database("write the end of match #\(number) to") {
            _ = try await connection.query("UPDATE matches SET status = 'ended', end_reason = ? WHERE number = ?",
                                           [.text(reason.name), .integer(number)])
        }
    }

    /// A match a server was streaming when it stopped without ending it (a crash, `kill -9`):
    /// what a restarted server needs to continue it.
    public struct Unfinished: Sendable, Hashable {
        /// Where its events come from.
        public enum Origin: Sendable, Hashable {
            /// A simulation: its slot and seed (replayed to the logged event, then continued).
            case simulated(slot: Int, seed: UInt64)
            /// A feed file, read on from `offset` (just past the last logged event's line).
            case feed(path: String, offset: Int)
            /// A relay's upstream, followed again after the last logged event.
            case relayed
        }
        public var number: Int
        public var matchID: UInt32
        public var origin: Origin
        /// Events logged: the next is the first after them.
        public var events: Int
        /// The sequence of its first event: the next is this plus ``events``.
        public var firstSequence: UInt32
        /// When its latest logged event happened, in seconds after kick-off (0 before the first).
        public var lastAt: Double
        /// Unix time of the log's last write for it (about when the server stopped).
        public var lastWrite: Double
        /// Its subscriptions when its last events were logged.
        public var subscribers: [KeptSubscriber]
        /// The highest sequence logged (a relay's may skip one its upstream gave up).
        public var lastSequence: UInt32?
        /// The nominal microseconds between events its welcomes announced (0: unpaced, or logged
        /// before the log kept it).
        public var intervalMicroseconds: UInt32 = 0
    }

    /// The unfinished matches, oldest first: one per simulated slot and one per feed path (the
    /// newest of each wins).
    public func unfinished() async throws(StreamingError) -> [Unfinished] {
        return try await database("read") {
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
                newest[key] = Unfinished(number: Int(number), matchID: UInt32(truncatingIfNeeded: id), origin: origin,
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
                    return KeptSubscriber(host: host, port: Int(port), subscription: UInt64(bitPattern: Int64(row.column("subscription")?.integer ?? 0)),
                                          delivery: row.column("delivery")?.string ?? Delivery.original.rawValue,
                                          dictionary: UInt8(clamping: row.column("dictionary")?.integer ?? 0), group: row.column("grp")?.integer == 1)
                }
            }
            return unfinished
        }
    }

    /// Marks every unfinished match as discarded (`server --fresh`): history, never resumed.
    public func discardUnfinished() async throws(StreamingError) -> Int {
        return try await database("write") {
            let rows = try await connection.query("UPDATE matches SET status = 'ended', end_reason = 'discarded' WHERE status = 'live' RETURNING number", [])
            return rows.count
        }
    }

    /// Every logged match, oldest first.
    public func records() async throws(StreamingError) -> [Record] {
        return try await database("read") {
            let rows = try await connection.query(
                "SELECT number, match_id, lineups, source, started, status, end_reason, events, home, away, minute FROM matches ORDER BY number", [])
            return try rows.map { row throws(StreamingError) -> Record in
                guard let number = row.column("number")?.integer, let id = row.column("match_id")?.integer,
                      let lineups = row.column("lineups")?.string, let status = row.column("status")?.string.flatMap(Status.init(rawValue:)) else {
                    throw StreamingError(.fileUnavailable, "the match log \(path) has a malformed match row")
                }
                var home = "?", away = "?"
                if case .lineups(let roster, _) = try? FeedLine.parse(Array(lineups.utf8)) {   // shown as "?" if unreadable
                    (home, away) = (roster.home.name, roster.away.name)
                }
                return Record(number: Int(number), matchID: UInt32(truncatingIfNeeded: id), home: home, away: away,
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
        return try await database("read") {
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
                    throw StreamingError(.fileUnavailable, "the match log \(path) holds a line that is not an event at sequence \(sequence) of match #\(number)")
                }
                events[UInt32(truncatingIfNeeded: sequence)] = event
            } catch let error as StreamingError {
                throw error
            } catch {
                throw StreamingError(.fileUnavailable, "the match log \(path) holds an unreadable event at sequence \(sequence) of match #\(number): \(error)")
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
            lines.append([
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
