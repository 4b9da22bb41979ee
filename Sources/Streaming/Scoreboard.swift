import Foundation
import Logging
import Match
import Synchronization
import Wire

/// The compact view of several matches followed at once (`client --match 1,2,3`, `--all`):
/// one line per match with the teams, score, clock and latest event, in the order given.
public struct Scoreboard: Sendable {
    /// The matches followed, by id, in order.
    public let matches: [UInt32]
    /// The latest view of each.
    public private(set) var latest: [UInt32: LiveSnapshot] = [:]

    /// Creates a board for `matches`.
    public init(matches: [UInt32]) {
        self.matches = matches
    }

    /// Takes the newest view of `match`.
    public mutating func update(_ match: UInt32, _ snapshot: LiveSnapshot) {
        latest[match] = snapshot
    }

    /// One board shared by the clients of several matches, each updating its own line.
    public final class Shared: Sendable {
        private let board: Mutex<Scoreboard>

        /// Creates a board for `matches`.
        public init(matches: [UInt32]) {
            board = Mutex(Scoreboard(matches: matches))
        }

        /// A client's display that puts `match`'s views on the board and shows the whole board.
        public func display(of match: UInt32, show: @escaping @Sendable (String) -> Void) -> LiveDisplay {
            .custom { snapshot in
                let text = self.board.withLock { board in
                    board.update(match, snapshot)
                    return board.rendered()
                }
                show(text)
            }
        }
    }

    /// The board as text.
    public func rendered() -> String {
        var lines = ["SoccerStream — \(matches.count) matches", String(repeating: "-", count: 80)]
        for match in matches {
            guard let view = latest[match] else {
                lines.append("\(String(match).padded(to: 10, alignRight: true))  waiting for kick-off")
                continue
            }
            lines.append("\(String(match).padded(to: 10, alignRight: true))  \(MatchClock.display(view.minute).padded(to: 7))  \(view.scoreLine)  (\(view.typeName))")
            lines.append(String(repeating: " ", count: 12) + view.phrase)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Several ``StreamClient``s, one per match (each its own subscription and UDP port, Spec
/// §4.9), sharing one scoreboard view; each keeps its own statistics.
public enum MultiMatchFollower {
    /// One match's outcome.
    public struct Outcome: Sendable {
        public var match: UInt32
        public var result: ClientResult
    }

    /// Follows every match of `matches` until each ends (or `stop` is called on the returned
    /// clients' behalf through `onClients`), showing the board through `show`.
    public static func follow(matches: [UInt32], configuration: ClientConfiguration, logger: Logger,
                              show: @escaping @Sendable (String) -> Void,
                              onClients: @Sendable ([StreamClient]) -> Void = { _ in }) async throws -> [Outcome] {
        let board = Scoreboard.Shared(matches: matches)
        var clients: [(UInt32, StreamClient)] = []
        for match in matches {
            var one = configuration
            one.match = match
            let display = board.display(of: match, show: show)
            clients.append((match, try await StreamClient.connect(configuration: one, logger: logger, display: display)))
        }
        onClients(clients.map(\.1))
        let list = clients
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            for (match, client) in list {
                group.addTask { Outcome(match: match, result: try await client.run()) }
            }
            var outcomes: [Outcome] = []
            for try await outcome in group { outcomes.append(outcome) }
            return matches.compactMap { match in outcomes.first { $0.match == match } }
        }
    }

    /// The per-match statistics as one JSON document (`--stats-json` with several matches):
    /// `{"matches": [{"match": ID, ...the one-match report...}]}`.
    public static func json(_ outcomes: [Outcome]) -> JSONNode {
        .object([("matches", .array(outcomes.map { outcome in
            var members = [JSONNode.Member("match", .int(outcome.match))]
            if case .object(let report) = outcome.result.report.json.value { members += report }
            return JSONNode(.object(members))
        }))])
    }

    /// Writes ``json(_:)`` to `path`.
    public static func writeJSON(_ outcomes: [Outcome], to path: String) throws {
        do {
            // Replaced whole, on purpose (this run's result), atomically (see StatisticsReport.writeJSON).
            try Data(json(outcomes).prettyText().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write \(path): \(StreamingError.plain(error))")
        }
    }
}
