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
        StandardOutput.write(standardOutputIsTerminal ? "\u{1B}[H\u{1B}[2J" + text : "\n" + text)
    }

    func show(_ snapshot: LiveSnapshot) {
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

/// Unbuffered writes to standard output (file descriptor 1), safe from any task.
public enum StandardOutput {
    /// Writes `text` whole.
    public static func write(_ text: String) {
        writeWhole(text, to: STDOUT_FILENO)
    }
}

/// Unbuffered writes to standard error (file descriptor 2), safe from any task.
public enum StandardError {
    /// Writes `text` whole.
    public static func write(_ text: String) {
        writeWhole(text, to: STDERR_FILENO)
    }
}

/// Writes `text` whole to `descriptor`, retrying short writes (stops at an error).
private func writeWhole(_ text: String, to descriptor: CInt) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        if written <= 0 { return }
        offset += written
    }
}
