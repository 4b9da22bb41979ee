import ClientEngine
import Match
import RuntimeSupport
import Wire

extension LiveSnapshot {
    /// The width of the home column, as the original client's `ljust(45)`.
    public static let columnWidth = 45

    /// The live view as plain text: both line-ups side by side (one `*` per goal,
    /// ` (Red Card)` once sent off), then the phrase, the event type, the score and the minute.
    public func rendered() -> String {
        let rule = String(repeating: "*", count: 80)
        func pad(_ text: String) -> String {
            text.count >= Self.columnWidth ? text + " " : text + String(repeating: " ", count: Self.columnWidth - text.count)
        }
        func line(_ player: PlayerLine) -> String {
            "\(player.name) \(player.position) " + String(repeating: "*", count: player.goals) + (player.sentOff ? " (Red Card)" : "")
        }
        var lines = [rule, pad(home.name) + away.name, pad("--------") + "--------", pad(home.keeper) + away.keeper]
        for index in 0..<max(home.players.count, away.players.count) {
            let left = index < home.players.count ? line(home.players[index]) : ""
            let right = index < away.players.count ? line(away.players[index]) : ""
            lines.append(pad(left) + right)
        }
        let clockLabel = language == "pt" ? "Tempo de Jogo" : "Match time"
        lines += [phrase, typeName, scoreLine, "\(clockLabel): \(clock)", rule]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A one-line summary for client.log.
    public var summary: String {
        "#\(sequence) \(clock) \(typeName) \(scoreLine) | \(phrase)"
    }
}
