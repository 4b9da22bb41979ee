import Foundation
import Logging
import Match
import RuntimeSupport
import SQLiteNIO
import ServerEngine
import Wire

extension MatchLog {
    /// Logs a match that kicks off: its id, teams and language, where it comes from (for a
    /// simulated match, its slot and seed, from which a restarted server replays it; for a
    /// feed's, the feed's path, read on from the offset its entries log; `relayed` for a relay's,
    /// followed upstream again after its last logged event), the sequence of its first event,
    /// and the nominal microseconds between events its welcomes announce (a relay's: its
    /// upstream's, which it announces again after a restart), and for a match taken up under
    /// way (`joined`) where it stood, logged as its line-ups' `state`. Returns its log number.
    public func begin(
        matchID: UInt32, roster: Roster, language: String, source: String, simulated: (slot: Int, seed: UInt64)? = nil,
        feed: String? = nil, relayed: Bool = false, firstSequence: UInt32 = 0,
        intervalMicroseconds: UInt32 = 0, joined: MatchStart? = nil
    ) async throws(StreamingError) -> Int {
        // A match taken up under way starts from where it stood (so its events read back).
        let lineups = FeedLine.lineups(roster, language: language, start: joined).jsonText
        return try await database("write match \(matchID) to") {
            let rows = try await connection.query(
                """
                INSERT INTO matches (match_id, lineups, source, started, status, slot, seed, first_sequence, feed_path, updated, relayed,
                                     interval_us)
                VALUES (?, ?, ?, ?, 'live', ?, ?, ?, ?, ?, ?, ?) RETURNING number
                """,
                [
                    .integer(Int(matchID)), .text(lineups), .text(source), .float(Date().timeIntervalSince1970),
                    simulated.map { .integer($0.slot) } ?? .null, simulated.map { .integer(Int(Int64(bitPattern: $0.seed))) } ?? .null,
                    .integer(Int(firstSequence)), feed.map { .text($0) } ?? .null, .float(Date().timeIntervalSince1970),
                    .integer(relayed ? 1 : 0), .integer(Int(intervalMicroseconds)),
                ])
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

        public init(
            host: String, port: Int, subscription: UInt64 = 0, delivery: String = Delivery.original.rawValue, dictionary: UInt8 = 0,
            group: Bool = false
        ) {
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
            self.init(
                host: host, port: port, subscription: subscriber.subscription, delivery: subscriber.delivery.rawValue,
                dictionary: subscriber.dictionary, group: subscriber.group)
        }
    }

    /// Logs `entries` in one transaction, on disk when it returns (write-ahead: the caller
    /// sends them only then), with, for each match in `subscribers`, its subscriptions as they
    /// are now (they get these events, so a restarted server knows them). Without subscriptions
    /// to keep, that is one statement: the `event_appends` view's trigger updates each match's
    /// row (its count, latest score and minute, which history reads there).
    public func append(_ entries: [Entry], subscribers: [Int: [KeptSubscriber]] = [:]) async throws(StreamingError) {
        guard !entries.isEmpty else { return }
        var values: [SQLiteData] = []
        values.reserveCapacity(entries.count * 8)
        let now = Date().timeIntervalSince1970
        for entry in entries {
            let line = FeedLine.event(FeedEvent(entry.event, at: (entry.at * 1000).rounded() / 1000)).jsonText
            values += [
                .integer(entry.match), .integer(Int(entry.sequence)), .text(line), .integer(Int(entry.event.score.home)),
                .integer(Int(entry.event.score.away)), .integer(Int(entry.event.minute)), entry.feedOffset.map { .integer($0) } ?? .null,
                .float(now),
            ]
        }
        let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: entries.count).joined(separator: ", ")
        let insert = "INSERT INTO event_appends (match, sequence, line, home, away, minute, feed_offset, updated) VALUES \(rows)"
        try await database("write \(entries.count) event(s) to") {
            if subscribers.isEmpty {
                _ = try await connection.query(insert, values)
            } else {
                _ = try await connection.query("BEGIN IMMEDIATE", [])
                do {
                    _ = try await connection.query(insert, values)
                    for (match, kept) in subscribers { try await keep(kept, of: match) }
                    _ = try await connection.query("COMMIT", [])
                } catch {
                    await rollBack(after: error)
                    throw error
                }
            }
        }
        crashPoint?.passed(entries.count)
    }

    /// Rolls back the transaction a failed write (`error`) left open. A rollback that fails is
    /// harmless when SQLite already rolled the transaction back itself (it does for a full disk,
    /// an I/O error, a busy database): a `BEGIN` then succeeds (and is committed at once). When
    /// that fails too, the transaction may still be open and the log is ``unsettled``: this
    /// write and every later use of it fail with the reason (``database(_:_:)``), rather than
    /// writing into a transaction that would never be committed.
    private func rollBack(after error: any Error) async {
        do {
            _ = try await connection.query("ROLLBACK", [])
        } catch let rollback {
            do {
                _ = try await connection.query("BEGIN", [])
                _ = try await connection.query("COMMIT", [])
            } catch let probe {
                unsettled.withLock {
                    $0 = "a write failed (\(error)), then its ROLLBACK (\(rollback)) and a BEGIN (\(probe)): its transaction may still be open"
                }
            }
        }
    }

    /// Replaces match `match`'s kept subscriptions with `kept` (inside the caller's transaction).
    private func keep(_ kept: [KeptSubscriber], of match: Int) async throws {
        _ = try await connection.query("DELETE FROM original_clients WHERE match = ?", [.integer(match)])
        // Many rows a statement (7 values each, well within SQLite's limit on them).
        for start in stride(from: 0, to: kept.count, by: 500) {
            let chunk = kept[start..<min(kept.count, start + 500)]
            let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            let values: [SQLiteData] = chunk.flatMap { subscriber -> [SQLiteData] in
                [
                    .integer(match), .text(subscriber.host), .integer(subscriber.port),
                    .integer(Int(Int64(bitPattern: subscriber.subscription))),
                    .text(subscriber.delivery), .integer(Int(subscriber.dictionary)), .integer(subscriber.group ? 1 : 0),
                ]
            }
            _ = try await connection.query(
                "INSERT OR IGNORE INTO original_clients (match, host, port, subscription, delivery, dictionary, grp) VALUES \(rows)",
                values)
        }
    }

    /// Logs the end of match `number`.
    public func end(_ number: Int, reason: EndReason) async throws(StreamingError) {
        try await database("write the end of match #\(number) to") {
            _ = try await connection.query(
                "UPDATE matches SET status = 'ended', end_reason = ? WHERE number = ?",
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
}
