import Foundation

/// What a server (or relay) process says it sent, from the totals lines its log ends with
/// ("Totals: … N datagrams sent …", and with `--multicast` "Multicast: N signed group events
/// sent"): read once per log.
struct ServerLogTotals {
    /// Datagrams sent in all.
    var datagramsSent: Int
    /// Of those, signed group events (0 without a multicast group).
    var groupEventsSent: Int

    /// The totals of the log at `path`.
    ///
    /// - Throws: ``BenchError`` when it cannot be read or has no totals line (the process did not end normally).
    init(log path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BenchError("cannot read \(path): \(error.localizedDescription)")
        }
        let lines = text.split(separator: "\n")
        /// The number just before `phrase` in the last line holding `marker`.
        func figure(_ marker: String, before phrase: String) -> Int? {
            guard let line = lines.last(where: { $0.contains(marker) }), let range = line.range(of: phrase) else { return nil }
            return line[..<range.lowerBound].split(separator: " ").last.flatMap { Int($0) }
        }
        guard let sent = figure("Totals:", before: " datagrams sent") else {
            throw BenchError("no totals line in \(path) (did the process end normally?)")
        }
        datagramsSent = sent
        groupEventsSent = figure("Multicast:", before: " signed group events sent") ?? 0
    }
}
