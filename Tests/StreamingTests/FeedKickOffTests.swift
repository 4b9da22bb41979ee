import Foundation
import Match
import Streaming
import TestSupport
import Testing
import Wire

/// A recorded feed (`simulate --jsonl`) served by a real server process: `--wait-for-clients`
/// holds its kick-off, and it replays at its recorded pace, so a client that joins later gets
/// the whole match.
@Suite("Feeds and --wait-for-clients: a recorded match held for its audience", .serialized)
struct FeedKickOffTests {
    @Test(
        "server --feed m.jsonl --wait-for-clients 1, a client joining later: the whole match reaches it", arguments: [[], ["--replay-speed", "4"]])
    func waitsForClients(extra: [String]) async throws {
        try await bounded(60) {
            let directory = temporaryDirectoryPath("soccer-feed-wait")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let (jsonl, status) = try CommandLineTests.run(["simulate", "--seed", "4", "--jsonl", "--interval", "0.05"])
            #expect(status == 0)
            let feed = directory + "/m.jsonl"
            try Data(jsonl.utf8).write(to: URL(fileURLWithPath: feed))
            let log = directory + "/server.log"
            #expect(FileManager.default.createFile(atPath: log, contents: nil))
            let port = try RestartTests.freePort()
            let server = try RestartTests.ServerProcess(
                arguments: [
                    "server", "--host", "127.0.0.1", "--port", String(port), "--feed", feed, "--wait-for-clients", "1",
                    "--data-dir", "none", "--log-file", log, "--repair-grace", "1",
                ] + extra)
            try await RestartTests.waitForLine(containing: "waiting for 1 client(s) before kick-off", in: log)
            let (client, store) = try await makeRecordingClient(port: port, format: .compact, serverTimeout: .seconds(5))
            let result = try await client.run()
            await server.exited()
            let (events, reason) = MatchSimulator.play(seed: 4)
            let lines = store.all.compactMap { RestartTests.eventText($0.1) }
            #expect(lines.count == events.count, "\(lines.count) event lines, expected \(events.count)")
            #expect(result.reason == .endOfTransmission(reason))
            #expect(
                result.statistics.received == events.count && result.statistics.unrecovered == 0,
                "\(result.statistics.received) received, \(result.statistics.repaired) repaired")
            let text = try String(contentsOfFile: log, encoding: .utf8)
            #expect(text.contains("Kick-off: match") && text.contains("from feed \(feed)") && text.contains("1 client(s)"))
            // The banner says what the server carries: this feed at its pace, no simulated match.
            let pace = extra.isEmpty ? "the recorded pace" : "4.0 times the recorded pace"
            #expect(text.contains("carrying a feed (\(feed); \(pace))") && !text.contains("seed"), "\(text.prefix(600))")
        }
    }
}
