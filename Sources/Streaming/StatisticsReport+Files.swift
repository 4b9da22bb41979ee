import Foundation
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
            try Data(json.prettyText().utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
