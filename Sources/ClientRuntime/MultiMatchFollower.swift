import Capture
import ClientEngine
import Foundation
import GroupSigning
import Logging
import Match
import RuntimeSupport
import ServerEngine
import Synchronization
import TerminalUI
import Wire

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
    public static func follow(
        matches: [UInt32], configuration: ClientConfiguration, logger: Logger,
        show: @escaping @Sendable (String) -> Void,
        onClients: @Sendable ([StreamClient]) -> Void = { _ in }
    ) async throws -> [Outcome] {
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
        .object([
            (
                "matches",
                .array(
                    outcomes.map { outcome in
                        var members = [JSONNode.Member("match", .int(outcome.match))]
                        if case .object(let report) = outcome.result.report.json.value { members += report }
                        return JSONNode(.object(members))
                    })
            )
        ])
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
