import Capture
import ClientEngine
import Foundation
import GroupSigning
import Match
import RuntimeSupport
import ServerEngine
import TerminalUI
import Wire

extension StatisticsReport {
    /// Appends the report to client_stats.log (as the original did, file opened in append mode).
    public func append(to file: LogFile) {
        file.write(text)
    }

    /// Writes the JSON form to `path`.
    ///
    /// - Throws: ``StreamingError`` with code `fileUnavailable`.
    public func writeJSON(to path: String) throws {
        do {
            // Replaced whole, on purpose: it is this run's result (`--stats-json`), written once at
            // the end; atomically, so a failure never leaves half of it or loses the one before.
            try Data(json.prettyText().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write \(path): \(StreamingError.plain(error))")
        }
    }
}
