import Foundation
import Match
import Streaming
import TestSupport
import Testing
import Wire

@Suite("Live feeds on loopback (Spec/FEED.md)", .serialized)
struct FeedTests {
    static func temporaryFeed(_ lines: [String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(UUID().uuidString).jsonl")
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: url)
        return url
    }

    static func append(_ line: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }  // closing a file we only appended to: nothing to lose
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line + "\n").utf8))
    }

    /// A simulated match as feed lines (Spec/FEED.md).
    static func feedLines(_ seed: UInt64, _ roster: Roster, _ catalog: PhraseCatalog) -> [[UInt8]] {
        let (events, reason) = MatchSimulator.play(seed: seed, roster: roster, catalog: catalog)
        var lines = [FeedLine.lineups(roster, language: "en").jsonText]
        for event in events {
            lines.append(
                FeedLine.event(
                    FeedEvent(
                        type: event.type, minute: event.minute, actor: event.actor, opponent: event.opponent,
                        template: event.template)
                ).jsonText)
        }
        lines.append(FeedLine.end(reason).jsonText)
        return lines.map { Array($0.utf8) }
    }

    @Test(
        "a feed file appended to while the server runs reaches the client line by line; a bad line is logged and skipped, the rest streams; the end line ends the match"
    )
    func followedFile() async throws {
        try await bounded(60) {
            let (events, _) = MatchSimulator.play(seed: 5)
            let roster = Roster.original
            let lineups = FeedLine.lineups(roster, language: "en").jsonText
            let url = try Self.temporaryFeed([lineups])
            defer { try? FileManager.default.removeItem(at: url) }  // a temporary file
            let server = try await makeServer {
                $0.simulate = 0
                $0.feeds = [url.path]
            }
            async let summary = server.run()
            await server.waitForMatches { $0 >= 1 }
            let client = try await makeClient(server)
            async let result = client.run()
            func line(_ event: MatchEvent) -> String {
                FeedLine.event(
                    FeedEvent(
                        type: event.type, minute: event.minute, actor: event.actor, opponent: event.opponent,
                        template: event.template)
                ).jsonText
            }
            // Welcomed before kick-off of events: every event counts.
            await server.waitForClients { $0 >= 1 }
            for (index, event) in events.prefix(5).enumerated() {
                try Self.append(line(event), to: url)
                #expect(await client.waitUntilReceived(index + 1))
            }
            try Self.append(#"{"type": "event", "event": "goal", "minute": 250, "actor": "home:1"}"#, to: url)  // bad: minute
            for (index, event) in events.dropFirst(5).enumerated() {
                try Self.append(line(event), to: url)
                if index == 0 { #expect(await client.waitUntilReceived(6)) }
            }
            try Self.append(FeedLine.end(.fullTime).jsonText, to: url)
            let outcome = try await result
            let totals = try await summary
            #expect(outcome.reason == .endOfTransmission(.fullTime))
            #expect(outcome.statistics.received == events.count && outcome.statistics.lost == 0)
            #expect(totals.badFeedLines == 1 && totals.events == events.count && totals.matches == 1)
            // The same match as the simulator's, event for event: the final view shows its final score.
            #expect(outcome.latest?.scoreLine == PhraseCatalog.english.scoreLine(events.last?.score ?? .zero, roster: roster))
        }
    }

    @Test("--on-bad-line stop: the feed stops at the bad line and its match ends as abandoned; a second feed's match is unaffected")
    func stopOnBadLine() async throws {
        try await bounded(60) {
            var bad = Self.feedLines(1, .original, .english).map { String(decoding: $0, as: UTF8.self) }
            bad.insert("{not json", at: 4)  // after three events
            let good = Self.feedLines(2, .original, .english).map { String(decoding: $0, as: UTF8.self) }
            let badURL = try Self.temporaryFeed(bad)
            let goodURL = try Self.temporaryFeed(good)
            defer {
                try? FileManager.default.removeItem(at: badURL)  // temporary files
                try? FileManager.default.removeItem(at: goodURL)
            }
            let server = try await makeServer {
                $0.simulate = 0
                $0.feeds = [badURL.path, goodURL.path]
                $0.onBadLine = .stop
            }
            let totals = try await server.run()
            #expect(totals.badFeedLines == 1 && totals.matches == 2)
            #expect(totals.events == 3 + MatchSimulator.play(seed: 2).events.count)
        }
    }

    @Test("a feed that cannot be opened is an error at start, naming it")
    func missingFeed() async throws {
        do {
            _ = try await makeServer {
                $0.simulate = 0
                $0.feeds = ["/nonexistent/feed.jsonl"]
            }
            Issue.record("bound with a missing feed")
        } catch {
            #expect("\(error)".contains("/nonexistent/feed.jsonl"))
        }
    }
}
