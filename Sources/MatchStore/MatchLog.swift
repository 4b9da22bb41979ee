import Foundation
import Logging
import Match
import RuntimeSupport
import SQLiteNIO
import ServerEngine
import Synchronization
import Wire

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

    let connection: SQLiteConnection
    /// Why the log can no longer be trusted, once a `ROLLBACK` after a failed write failed too:
    /// its transaction may still be open, and what later statements wrote would never be
    /// committed. That write and every later use of the log fail with this reason (``database(_:_:)``).
    let unsettled = Mutex<String?>(nil)
    /// The database file.
    public let path: String
    /// What opening found and repaired (a torn write at the end of the journal), for the
    /// server to say on start; nil when the log was whole.
    public let recovery: String?
    /// Fault injection for tests: the process dies once this many events are on disk
    /// (`--crash-after-logging`), before any of the last is sent.
    let crashPoint: CrashPoint?

    private init(connection: SQLiteConnection, path: String, recovery: String?, crashPoint: CrashPoint?) {
        self.connection = connection
        self.path = path
        self.recovery = recovery
        self.crashPoint = crashPoint
    }

    /// A torn write at the end of SQLite's write-ahead journal (`PATH-wal`): its size is not the
    /// 32-byte header plus whole frames (24 bytes and a page each). SQLite itself recovers to
    /// the last complete transaction; this names what it will drop.
    package static func tornWrite(journal: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: journal) else { return nil }
        defer { try? handle.close() }  // read-only: nothing to flush
        guard let header = try? handle.read(upToCount: 32), header.count == 32,  // no header: nothing written yet
            let size = try? handle.seekToEnd()
        else { return nil }
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
    /// `crashAfter` (tests only): kill the process once that many events are logged.
    public static func open(directory: String, logger: Logger, crashAfter: Int? = nil) async throws(StreamingError) -> MatchLog {
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
        let log = MatchLog(
            connection: connection, path: path, recovery: recovery,
            crashPoint: CrashPoint(after: crashAfter, what: "logging", option: "--crash-after-logging", logger: logger))
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
            for (column, definition) in [
                ("subscription", "INTEGER NOT NULL DEFAULT 0"), ("delivery", "TEXT NOT NULL DEFAULT 'original'"),
                ("dictionary", "INTEGER NOT NULL DEFAULT 0"), ("grp", "INTEGER NOT NULL DEFAULT 0"),
            ]
            where !kept.contains(column) {
                _ = try await connection.query("ALTER TABLE original_clients ADD COLUMN \(column) \(definition)", [])
            }
            // A log written before matches were resumable lacks their columns: add them.
            let columns = Set(try await connection.query("PRAGMA table_info(matches)", []).compactMap { $0.column("name")?.string })
            for (column, definition) in [
                ("slot", "INTEGER"), ("seed", "INTEGER"), ("first_sequence", "INTEGER NOT NULL DEFAULT 0"),
                ("feed_path", "TEXT"), ("feed_offset", "INTEGER"), ("updated", "REAL"),
                ("relayed", "INTEGER NOT NULL DEFAULT 0"), ("interval_us", "INTEGER NOT NULL DEFAULT 0"),
            ]
            where !columns.contains(column) {
                _ = try await connection.query("ALTER TABLE matches ADD COLUMN \(column) \(definition)", [])
            }
            // Appending events is one statement (one trip to SQLite's thread and one implicit
            // transaction): rows inserted into this view are logged, and their match's row
            // follows them (count, score, minute, feed offset, time), by its trigger. Made anew
            // at each open, so that a log written by an older build gets this build's definition.
            for statement in [
                "DROP TRIGGER IF EXISTS event_appended",
                "DROP VIEW IF EXISTS event_appends",
                """
                CREATE VIEW event_appends AS
                SELECT events.match, events.sequence, events.line, matches.home, matches.away, matches.minute, matches.feed_offset,
                       matches.updated
                FROM events JOIN matches ON matches.number = events.match
                """,
                """
                CREATE TRIGGER event_appended INSTEAD OF INSERT ON event_appends BEGIN
                    INSERT INTO events (match, sequence, line) VALUES (NEW.match, NEW.sequence, NEW.line);
                    UPDATE matches SET events = events + 1, home = NEW.home, away = NEW.away, minute = NEW.minute,
                        feed_offset = COALESCE(NEW.feed_offset, feed_offset), updated = NEW.updated
                    WHERE number = NEW.match;
                END
                """,
            ] {
                _ = try await connection.query(statement, [])
            }
            let check = try await connection.query("PRAGMA quick_check", [])
            let verdict = check.first?.column("quick_check")?.string ?? "no answer"
            guard verdict == "ok" else {
                throw StreamingError(.fileUnavailable, "the match log \(path) is damaged (SQLite quick_check: \(verdict))")
            }
        } catch let error as StreamingError {
            try? await connection.close()  // already failing with the reason; a close error adds nothing
            throw error
        } catch {
            try? await connection.close()  // already failing with the reason; a close error adds nothing
            throw StreamingError(.fileUnavailable, "cannot use the match log \(path): \(error)")
        }
        return log
    }

    /// Runs database work; an SQLite failure becomes a ``StreamingError`` saying what was being
    /// done to which log (`cannot read the match log PATH: …`), and the log's own errors pass through.
    func database<T>(_ doing: String, _ work: () async throws -> T) async throws(StreamingError) -> T {
        func failure(_ reason: String) -> StreamingError {
            StreamingError(.fileUnavailable, "cannot \(doing) the match log \(path): \(reason)")
        }
        if let why = unsettled.withLock({ $0 }) { throw failure(why) }
        do {
            return try await work()
        } catch let error as StreamingError {
            throw error
        } catch {
            // A write whose rollback left the log unsettled says so, with its own error inside.
            throw failure(unsettled.withLock { $0 } ?? "\(error)")
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
}
