import FileAccess
import Foundation
import Logging
import Match
import Streaming
import TestSupport
import Testing
import Toolkit
import Wire

@Suite("Real matches end to end (Spec §4.13, Spec/FEED.md \"Real matches\")", .serialized)
struct RealMatchTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func feedFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("real-\(UUID().uuidString).jsonl")
        try Data(text.utf8).write(to: url)
        return url
    }

    /// A client of `port` whose client.log lines are kept.
    static func recording(
        port: Int, _ adjust: (inout ClientConfiguration) -> Void
    ) async throws -> (StreamClient, RecordingLogHandler.Store) {
        let store = RecordingLogHandler.Store()
        var configuration = ClientConfiguration()
        configuration.server = "127.0.0.1"
        configuration.port = port
        configuration.initialBackoff = .milliseconds(100)
        configuration.allowFallback = false
        adjust(&configuration)
        let client = try await StreamClient.connect(
            configuration: configuration, logger: Logger(label: "client") { _ in RecordingLogHandler(store: store) })
        return (client, store)
    }

    @Test(
        "a StatsBomb-shaped match (own goal, second yellow, three substitutions a side, extra time, a shoot-out) reaches compact, JSON, original and base-layout clients whole"
    )
    func statsBombShaped() async throws {
        try await bounded(90) {
            let folder = Self.fixtures.appendingPathComponent("Fixtures/statsbomb-shaped")
            let (output, _) = try FeedImport.statsBomb(
                events: folder.appendingPathComponent("events.json").path, lineups: folder.appendingPathComponent("lineups.json").path,
                language: .en)
            let url = try Self.feedFile(output.text)
            defer { try? FileManager.default.removeItem(at: url) }  // a temporary file
            let eventLines = output.text.split(separator: "\n").filter { $0.contains(#""type": "event""#) }.count
            let directory = temporaryDirectoryPath("real-match")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            let server = try await makeServer {
                $0.simulate = 0
                $0.dataDirectory = directory
                $0.feeds = [url.path]
                // 10,000 times its real pace: the match's 2 h 42 min in about a second, its 3.7 KB
                // JSON bodies spread out rather than in one burst that a socket buffer may drop.
                $0.replayPace = .speed(10_000)
                $0.waitForClients = 4
                $0.repairGrace = .seconds(3)
            }
            async let summary = server.run()
            await server.waitForMatches { $0 >= 1 }
            let port = server.localAddress.port ?? 0
            let capture = FileManager.default.temporaryDirectory.appendingPathComponent("real-\(UUID().uuidString).pcap").path
            defer { try? FileManager.default.removeItem(atPath: capture) }  // a temporary file
            let (compact, compactLog) = try await Self.recording(port: port) {
                $0.format = .compact
                $0.capturePath = capture
            }
            let (json, jsonLog) = try await Self.recording(port: port) { $0.format = .json }
            let (original, originalLog) = try await Self.recording(port: port) { $0.original = true }
            let (base, baseLog) = try await Self.recording(port: port) {
                $0.format = .compact
                $0.features = []
            }
            async let compactResult = compact.run()
            async let jsonResult = json.run()
            async let originalResult = original.run()
            async let baseResult = base.run()
            let results = try await [compactResult, jsonResult, originalResult, baseResult]
            let totals = try await summary
            #expect(totals.events == eventLines)
            for result in results {
                #expect(result.reason == .endOfTransmission(.fullTime))
            }
            for (index, result) in results.prefix(3).enumerated() {
                #expect(
                    result.latest?.scoreLine == "Score: Aldeia Atlético 2 - 2 Northbridge Rovers (AET, 4-3 on pens)",
                    "client \(index): latest #\(result.latest?.sequence ?? 0), received \(result.statistics.received), lost \(result.statistics.lost), repaired \(result.statistics.repaired)"
                )
            }
            // The compact client rebuilds exactly what the JSON and the original client read.
            #expect(results[0].latest == results[1].latest)
            #expect(results[1].latest?.home == results[2].latest?.home && results[1].latest?.away == results[2].latest?.away)
            let latest = try #require(results[0].latest)
            let home = latest.home.players
            let away = latest.away.players
            // Substitutes on in place; of those replaced, the one who had scored still listed; the sent-off marked.
            #expect(home.filter { $0.name.contains(" (on ") }.count == 3 && home.filter { $0.name.contains(" (off ") }.isEmpty)
            #expect(away.filter { $0.name.contains(" (on ") }.count == 3)
            #expect(away.filter { $0.name.contains(" (off ") }.map(\.goals) == [1])
            #expect(home.first { $0.name == "Vitinha" }?.sentOff == true)
            // The own goal (scored by an away player) counts for the home side, marked (og).
            #expect(home.contains { $0.name.hasSuffix(" (og)") && $0.goals == 1 && $0.position == "OG" })
            #expect(home.reduce(0) { $0 + $1.goals } == 2 && away.reduce(0) { $0 + $1.goals } == 2)
            let state = try #require(latest.event?.state)
            #expect(state.shootoutScore == Score(home: 4, away: 3) && state.phase == .shootoutOver)
            #expect(state.substitutions.count == 6 && state.redCards.first?.marks == .secondYellow)
            // Every imported event in client.log once, in order.
            for store in [compactLog, jsonLog, originalLog] {
                let lines = store.all.map(\.1).filter { $0.hasPrefix("Received message") }
                #expect(lines.count == eventLines)
                let sequences = lines.compactMap { line in
                    line.split(separator: "#").dropFirst().first?.split(separator: " ").first.flatMap { UInt32($0) }
                }
                #expect(sequences == sequences.sorted() && Set(sequences).count == eventLines)
            }
            // The match log (what history --export writes and a restarted server resumes from)
            // holds every event whole: its last reads back equal to the one the client ended with.
            let logged = try await readMatchLog(directory).events
            #expect(logged.count == eventLines)
            #expect(logged.max { $0.key < $1.key }?.value == latest.event)
            // validate checks the extended frames against the Spec, as it does any capture.
            let report = CaptureValidation.validate(capture: try FileBytes.read(capture), path: capture, port: port)
            #expect(CaptureValidation.exitCode([report]) == 0)
            // A substitute plays where the player replaced did.
            #expect(home.first { $0.name.hasPrefix("Gonçalo Patrício") }?.position == "RW")
            // The base layout: the same score, every event as one of the eight kinds.
            #expect(results[3].latest?.scoreLine == "Score: Aldeia Atlético 2 - 2 Northbridge Rovers")
            // (first time or repaired: a busy machine's socket buffer may drop some, repair fills them)
            #expect(results[3].statistics.received + results[3].statistics.repaired == eventLines && results[3].statistics.unrecovered == 0)
            #expect(baseLog.all.map(\.1).filter { $0.hasPrefix("Received message") }.count == eventLines)
            #expect(results[3].latest?.home.players.contains { $0.name == "Own goal" && $0.goals == 1 } == true)
        }
    }

    @Test("a relay carries a real match whole: its extended client ends as the origin's, its base-layout client with the score")
    func relayed() async throws {
        try await bounded(90) {
            let file = Self.fixtures.appendingPathComponent("Data/openfootball/worldcup-2022.json").path
            let output = try #require(try FeedImport.openFootball(file: file, round: "Final", match: nil, language: .pt).first)
            let url = try Self.feedFile(output.text)
            defer { try? FileManager.default.removeItem(at: url) }  // a temporary file
            let origin = try await makeServer {
                $0.simulate = 0
                $0.feeds = [url.path]
                // 2,000 times its real pace, about 4.6 s: the relay's clients, made once the relay has the
                // match, join before its end however busy the machine (they owe what they missed to repair).
                $0.replayPace = .speed(2_000)
                $0.waitForClients = 1
                $0.repairGrace = .seconds(3)
            }
            async let originSummary = origin.run()
            await origin.waitForMatches { $0 >= 1 }
            let relay = try await makeServer {
                $0.simulate = 0
                $0.upstreams = [Upstream(host: "127.0.0.1", port: origin.localAddress.port ?? 0)]
                $0.waitForClients = 2
                $0.repairGrace = .seconds(3)
            }
            async let relaySummary = relay.run()
            await relay.waitForMatches { $0 >= 1 }
            let extended = try await makeClient(relay)
            let base = try await makeClient(relay) { $0.features = [] }
            async let extendedResult = extended.run()
            async let baseResult = base.run()
            let (full, plain) = try await (extendedResult, baseResult)
            _ = try await (originSummary, relaySummary)
            #expect(full.latest?.scoreLine == "Placar: Argentina 3 - 3 France (Após prorrogação, 4-2 nos pênaltis)")
            #expect(full.latest?.event?.state.shootoutScore == Score(home: 4, away: 2))
            #expect(plain.latest?.scoreLine == "Placar: Argentina 3 - 3 France")
            // Each gets every event it is owed from its welcome on, first time or repaired.
            for statistics in [full.statistics, plain.statistics] {
                #expect(statistics.unrecovered == 0 && statistics.received + statistics.repaired == statistics.expected)
            }
        }
    }

    @Test(
        "a server from before the features byte refuses it as padding: the client registers again without it and follows the match, a late second refusal ignored"
    )
    func olderServer() async throws {
        try await bounded(30) {
            let fake = try await RawPeer()
            let client = try await makeClient(port: fake.port)
            async let result = client.run()
            var registers: [RegisterRequest] = []
            let refusal = Refusal(reason: .malformed, text: "malformed register: reservedBits at byte 38 (body.padding)")
            while true {
                let (address, bytes) = try #require(try await fake.next())
                guard case .register(let request) = try Frame.decode(bytes).body else { continue }
                registers.append(request)
                let subscription = FrameHeader.subscription(in: bytes)
                if !request.features.isEmpty {
                    // What a server of before answered: the byte after delivery is padding, and not zero.
                    try await fake.send(try Frame(body: .refuse(refusal), subscription: subscription).encoded(), to: address)
                    continue
                }
                // The same refusal again, first: the late answer to a retry of the register with the
                // byte (sent 250 ms on, crossing the first refusal on a slow link). It must not end
                // the registration the register without the byte is making.
                try await fake.send(try Frame(body: .refuse(refusal), subscription: subscription).encoded(), to: address)
                let welcome = Welcome(
                    format: .compact, matchID: 1, heartbeatSeconds: 0, intervalMicroseconds: 10_000, roster: .original, catalog: .english,
                    current: nil)
                try await fake.send(try Frame(body: .welcome(welcome), subscription: subscription).encoded(), to: address)
                try await fake.send(try Frame(body: .end(EndOfMatch(reason: .fullTime)), subscription: subscription).encoded(), to: address)
                break
            }
            let outcome = try await result
            #expect(outcome.reason == .endOfTransmission(.fullTime))
            #expect(registers.first?.features == .realMatches && registers.last?.features == [])
            await fake.close()
        }
    }

    @Test("a StatsBomb-shaped file whose events contradict each other is refused naming the event, not only the feed's line")
    func contradictoryEvents() throws {
        let folder = Self.fixtures.appendingPathComponent("Fixtures/statsbomb-shaped")
        var events = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("events.json"))) as? [[String: Any]])
        // Event 44 brings on the player event 36 brought on already.
        let index = try #require(events.firstIndex { ($0["index"] as? Int) == 44 })
        var substitution = try #require(events[index]["substitution"] as? [String: Any])
        substitution["replacement"] = ["id": 91012, "name": "Gonçalo Patrício"]
        events[index]["substitution"] = substitution
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: events).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }  // a temporary file
        do {
            _ = try FeedImport.statsBomb(events: url.path, lineups: folder.appendingPathComponent("lineups.json").path, language: .en)
            Issue.record("a substitute brought on twice was imported")
        } catch {
            #expect(error.description.contains("event 44: ") && error.description.contains("line.on"), "\(error)")
        }
    }

    @Test("the 2022 World Cup final from openfootball: 3-3 after extra time, 4-2 on penalties, Messi 108', Mbappé 118'")
    func worldCupFinal() async throws {
        try await bounded(60) {
            let file = Self.fixtures.appendingPathComponent("Data/openfootball/worldcup-2022.json").path
            let outputs = try FeedImport.openFootball(file: file, round: "Final", match: nil, language: .en)
            let output = try #require(outputs.first)
            let url = try Self.feedFile(output.text)
            defer { try? FileManager.default.removeItem(at: url) }  // a temporary file
            let server = try await makeServer {
                $0.simulate = 0
                $0.feeds = [url.path]
                $0.replayPace = .max
                $0.waitForClients = 1
            }
            async let summary = server.run()
            await server.waitForMatches { $0 >= 1 }
            let client = try await makeClient(server)
            let result = try await client.run()
            _ = try await summary
            let latest = try #require(result.latest)
            #expect(latest.scoreLine == "Score: Argentina 3 - 3 France (AET, 4-2 on pens)")
            #expect(latest.home.keeper == "(line-up not known)")
            let event = try #require(latest.event)
            let roster = try #require(RosterOf.final(output.text))
            func minutes(_ name: String) -> [UInt8] {
                event.state.goals.filter { roster.name(of: $0.player) == name }.map(\.minute)
            }
            #expect(minutes("Lionel Messi") == [23, 108])
            #expect(minutes("Kylian Mbappé") == [80, 81, 118])
            #expect(event.state.shootoutScore == Score(home: 4, away: 2))
        }
    }
}

/// The roster a feed's line-ups give.
enum RosterOf {
    static func final(_ text: String) -> Roster? {
        guard let first = text.split(separator: "\n").first, case .lineups(let roster, _, _) = try? FeedLine.parse(Array(first.utf8)) else {
            return nil
        }
        return roster
    }
}
