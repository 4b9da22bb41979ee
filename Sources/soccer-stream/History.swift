import ArgumentParser
import Foundation
import Logging
import Streaming

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the matches in a server's match log, or export one as a live feed (JSON Lines) for server --feed.")

    @Option(help: "The data directory (the server's --data-dir; default: soccer-stream-data in the current directory).")
    var dataDir = "soccer-stream-data"
    @Option(help: "Write match N (its number in the list) as JSON Lines (Spec/FEED.md) to standard output.") var export: Int?

    func run() async throws {
        let path = (dataDir as NSString).appendingPathComponent(MatchLog.fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no match log in \(dataDir) (\(path) does not exist)")
        }
        let log = try await MatchLog.open(directory: dataDir, logger: Logger(label: "history") { _ in SwiftLogNoOpLogHandler() })
        let text: Result<String, StreamingError>
        do throws(StreamingError) {
            if let export {
                text = .success(try await log.feedLines(export).map { $0 + "\n" }.joined())
            } else {
                text = .success(MatchLog.table(try await log.records()))
            }
        } catch {
            text = .failure(error)
        }
        await log.close()
        try StandardOutput.writeAll(try text.get())
    }
}
