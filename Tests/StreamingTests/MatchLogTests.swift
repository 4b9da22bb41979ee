import Foundation
import Match
import Streaming
import TestSupport
import Testing
import Toolkit
import Wire

@Suite("Durable match log (server --data-dir) and history", .serialized)
struct MatchLogTests {
    static func temporaryDirectory() -> String { temporaryDirectoryPath("soccer-data") }

    @Test("every event streamed is in the log, in order, with the match's end; the export replays through --feed to the same match")
    func logAndReplay() async throws {
        // 120 s: in a full suite beside two busy loops, one run took 14 s for the recorded match
        // (2 ms apart) and 18 s more before the replay's feed announced its match, then ran out of
        // a 60 s bound before its viewer was welcomed: the machine's load, no hang.
        try await bounded(120) {
            let directory = Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            let server = try await makeServer {
                $0.dataDirectory = directory
                $0.waitForClients = 1
                $0.interval = .milliseconds(2)
            }
            let client = try await makeClient(server)
            async let summary = server.run()
            let outcome = try await client.run()
            let served = try await summary
            let (records, lines, decoded) = try await withMatchLog(directory) { log in
                (try await log.records(), try await log.feedLines(1), try await log.events(1))
            }
            let (events, _) = MatchSimulator.play(seed: 7)
            // What a repair past the ring sends: each logged event decodes to the very event sent.
            #expect(decoded.count == events.count && events.indices.allSatisfy { decoded[UInt32($0)] == events[$0] })
            #expect(records.count == 1)
            let record = try #require(records.first)
            #expect(record.status == .ended && record.endReason == "full_time")
            #expect(record.events == served.events && record.events == events.count && outcome.statistics.received == events.count)
            #expect(record.score == events.last?.score && record.minute == events.last?.minute)
            #expect(record.home == Roster.original.home.name && record.matchID == server.matchIDs.first)
            // The feed lines: line-ups, every event as the simulator made it, the end.
            #expect(lines.count == events.count + 2)
            let parsed = try lines.map { try FeedLine.parse(Array($0.utf8)) }
            for (index, event) in events.enumerated() {
                guard case .event(let logged) = parsed[index + 1] else {
                    Issue.record("line \(index + 2) is not an event")
                    continue
                }
                #expect(
                    logged.type == event.type && logged.minute == event.minute && logged.actor == event.actor
                        && logged.opponent == event.opponent && logged.template == event.template)
            }
            guard case .end(.fullTime) = parsed.last else {
                Issue.record("no end line")
                return
            }
            // Replayed through a feed, the recorded match reaches a client whole.
            // (The line-ups first; the rest once the viewer is welcomed, so that it sees every event.)
            let feed = URL(fileURLWithPath: directory).appendingPathComponent("export.jsonl")
            try Data((lines[0] + "\n").utf8).write(to: feed)
            let replay = try await makeServer {
                $0.simulate = 0
                $0.feeds = [feed.path]
            }
            async let replayed = replay.run()
            // How far the replay got, for a failure's message (one full-suite run ran out of time here).
            var stages: [String] = []
            await replay.waitForMatches { $0 >= 1 }
            stages.append("match announced")

            let viewer = try await makeClient(replay)
            async let watching = viewer.run()
            await replay.waitForClients { $0 >= 1 }
            stages.append("\(replay.core.clientCount) client(s) when the wait returned")
            for line in lines.dropFirst() { try FeedTests.append(line, to: feed) }
            stages.append("feed appended")
            let seen = try await watching
            _ = try await replayed
            #expect(
                seen.statistics.received == events.count && seen.statistics.lost == 0, "\(stages); the viewer ended: \(seen.reason)")
            #expect(seen.latest?.scoreLine == outcome.latest?.scoreLine)
        }
    }

    @Test("a server stopped mid-match logs the match as ended by server_shutdown, with the events it sent")
    func stoppedMidMatch() async throws {
        try await bounded(60) {
            let directory = Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            // Events 200 ms apart: the stop surely comes before the final whistle (9 s away).
            let server = try await makeServer {
                $0.dataDirectory = directory
                $0.waitForClients = 1
                $0.interval = .milliseconds(200)
            }
            let client = try await makeClient(server)
            async let summary = server.run()
            async let outcome = client.run()
            #expect(await client.waitUntilReceived(3))
            server.stop()
            let (served, seen) = try await (summary, outcome)
            let record = try #require(try await readMatchLog(directory).records.first)
            #expect(record.status == .ended && record.endReason == "server_shutdown")
            #expect(record.events == served.events && seen.statistics.received == served.events)
        }
    }

    @Test("a relayed match's interval is logged and given back with the unfinished match (a resumed relay announces its upstream's interval again)")
    func relayedInterval() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
        let log = try await MatchLog.open(directory: directory, logger: quietLogger)
        do {
            _ = try await log.begin(
                matchID: 77, roster: .original, language: "en", source: "relayed from 127.0.0.1:12345", relayed: true,
                firstSequence: 10, intervalMicroseconds: 250_000)
            _ = try await log.begin(matchID: 78, roster: .original, language: "en", source: "feed", feed: "feed.jsonl")
            let unfinished = try await log.unfinished()
            await log.close()
            #expect(unfinished.map(\.matchID) == [77, 78])
            #expect(unfinished.first?.intervalMicroseconds == 250_000 && unfinished.first?.origin == .relayed)
            #expect(unfinished.last?.intervalMicroseconds == 0, "a feed's match is unpaced")
        } catch {
            await log.close()
            throw error
        }
    }

    @Test(
        "a relay that joins a real match under way logs it from where it stood: every event it logged reads back as its origin sent it (what a repair past its ring and a restart read)"
    )
    func relayJoinsUnderWay() async throws {
        try await bounded(90) {
            let (originDirectory, relayDirectory) = (Self.temporaryDirectory(), Self.temporaryDirectory())
            let file = RealMatchTests.fixtures.appendingPathComponent("Data/openfootball/worldcup-2022.json").path
            let output = try #require(try FeedImport.openFootball(file: file, round: "Final", match: nil, language: .en).first)
            let url = try RealMatchTests.feedFile(output.text)
            defer {
                for path in [originDirectory, relayDirectory, url.path] { try? FileManager.default.removeItem(atPath: path) }  // temporary
            }
            // 1,000 times its real pace, about 9 s: the relay joins after the first goals, long before the end.
            let origin = try await makeServer {
                $0.simulate = 0
                $0.feeds = [url.path]
                $0.replayPace = .speed(1_000)
                $0.waitForClients = 1
                $0.dataDirectory = originDirectory
            }
            async let originSummary = origin.run()
            await origin.waitForMatches { $0 >= 1 }
            let viewer = try await makeClient(origin)
            async let watched = viewer.run()
            #expect(await viewer.waitUntilReceived(4))
            let relay = try await makeServer {
                $0.simulate = 0
                $0.upstreams = [Upstream(host: "127.0.0.1", port: origin.localAddress.port ?? 0)]
                $0.dataDirectory = relayDirectory
            }
            async let relaySummary = relay.run()
            _ = try await (watched, originSummary, relaySummary)
            let sent = try await readMatchLog(originDirectory).events
            let relayLog = try await MatchLog.open(directory: relayDirectory, logger: quietLogger)
            let (lines, logged) = try await { () async throws -> ([String], [UInt32: MatchEvent]) in
                do {
                    let read = (try await relayLog.feedLines(1), try await relayLog.events(1))
                    await relayLog.close()
                    return read
                } catch {
                    await relayLog.close()
                    throw error
                }
            }()
            // It joined under way: its log begins after the origin's first events, from their state.
            let (first, originFirst) = (try #require(logged.keys.min()), try #require(sent.keys.min()))
            #expect(first >= originFirst + 4 && logged.count == sent.count - Int(first - originFirst))
            guard case .lineups(_, _, let start?) = try FeedLine.parse(Array(lines[0].utf8)) else {
                Issue.record("the relay's log does not say where it joined: \(lines[0])")
                return
            }
            #expect(start.state == sent[first - 1]?.state && start.state.score != .zero)
            // Each logged event is the very event the origin sent at that sequence (a NACK past
            // the relay's ring is answered with it), and the whole log reads back as a feed.
            #expect(logged.allSatisfy { sent[$0.key] == $0.value })
            let whole = try FeedDecoder.read(try lines.map { try FeedLine.parse(Array($0.utf8)) })
            #expect(whole.events.last?.state.shootoutScore == Score(home: 4, away: 2))
        }
    }

    @Test("a data directory that cannot be created is a clear error at start, naming it")
    func unusableDirectory() async throws {
        do {
            _ = try await makeServer { $0.dataDirectory = "/dev/null/soccer-data" }
            Issue.record("the server started without a usable match log")
        } catch {
            #expect("\(error)".contains("/dev/null/soccer-data"))
        }
    }

    @Test(
        "a torn write at the end of the journal (a crash mid-transaction) is detected on open, said plainly, and the log recovers to its last whole transaction"
    )
    func tornWrite() async throws {
        let directory = Self.temporaryDirectory()
        let crashed = Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: directory)  // temporary directories
            try? FileManager.default.removeItem(atPath: crashed)
        }
        let number = try await withMatchLog(directory) { log in
            #expect(log.recovery == nil)
            let number = try await log.begin(matchID: 5, roster: .original, language: "en", source: "test")
            let events = MatchSimulator.play(seed: 2).events
            func entries(_ range: Range<Int>) -> [MatchLog.Entry] {
                range.map { MatchLog.Entry(match: number, sequence: UInt32($0), event: events[$0], at: Double($0)) }
            }
            try await log.append(entries(0..<10))
            try await log.append(entries(10..<20))
            // The files as a crash leaves them: copied while the log is open (its journal not yet
            // folded into the database), the journal's last record then cut short.
            try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
            for name in [MatchLog.fileName, MatchLog.fileName + "-wal"] {
                try FileManager.default.copyItem(atPath: directory + "/" + name, toPath: crashed + "/" + name)
            }
            return number
        }
        let journal = try #require(FileHandle(forWritingAtPath: crashed + "/" + MatchLog.fileName + "-wal"))
        let size = try journal.seekToEnd()
        try journal.truncate(atOffset: size - 100)
        try journal.close()
        let (records, lines, recovery) = try await withMatchLog(crashed) { recovered in
            (try await recovered.records(), try await recovered.feedLines(number), recovered.recovery)
        }
        #expect(recovery?.contains("torn write") == true)
        #expect(recovery?.contains("last complete transaction") == true)
        // The second transaction is gone whole; the first is intact.
        #expect(records.first?.events == 10 && lines.count == 11)
    }
}
