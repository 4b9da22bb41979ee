import ClientEngine
import Match
import RuntimeSupport
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Where a client shows its live view.
public enum LiveDisplay: Sendable {
    /// Standard output: redrawn in place on a terminal (ANSI), one plain block per event otherwise.
    case standardOutput
    /// Nothing.
    case none
    /// A function of the rendered text (tests, the demo).
    case custom(@Sendable (LiveSnapshot) -> Void)

    /// Whether standard output is a terminal.
    public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Shows one screen of text on standard output: redrawn in place on a terminal (ANSI),
    /// one plain block after the last otherwise.
    public static func showScreen(_ text: String) {
        StandardOutput.write(screen(text, terminal: standardOutputIsTerminal))
    }

    /// What ``showScreen(_:)`` writes: `text` with every control character from data escaped
    /// (``TerminalText``: team and player names and phrases come from feeds and upstreams),
    /// after this program's own "home, clear" sequence on a terminal.
    public static func screen(_ text: String, terminal: Bool) -> String {
        let safe = TerminalText.escapedLines(text)
        return terminal ? "\u{1B}[H\u{1B}[2J" + safe : "\n" + safe
    }

    package func show(_ snapshot: LiveSnapshot) {
        switch self {
        case .standardOutput:
            Self.showScreen(snapshot.rendered())
        case .none:
            break
        case .custom(let sink):
            sink(snapshot)
        }
    }
}
