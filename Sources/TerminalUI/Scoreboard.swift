import ClientEngine
import Foundation
import Logging
import Match
import RuntimeSupport
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
            lines.append(
                "\(String(match).padded(to: 10, alignRight: true))  \(view.clock.padded(to: 7))  \(view.scoreLine)  (\(view.typeName))"
            )
            lines.append(String(repeating: " ", count: 12) + view.phrase)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
