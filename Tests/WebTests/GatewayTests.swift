import Foundation
import GroupSigning
import Logging
import Match
import ServiceLifecycle
import Streaming
import TestSupport
import Testing
import Toolkit
import WebEngine
import WebRuntime
import Wire

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// Runs `body` with a web gateway following 127.0.0.1:`upstream`, serving on a free port.
func withGateway<T: Sendable>(
    upstream: Int, _ adjust: (inout WebGatewayConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (WebGateway, Int) async throws -> T
) async throws -> T {
    var configuration = WebGatewayConfiguration(upstream: Upstream(host: "127.0.0.1", port: upstream))
    configuration.port = 0
    configuration.listEvery = .milliseconds(200)
    adjust(&configuration)
    let gateway = try WebGateway(configuration: configuration, logger: quietLogger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await gateway.run()
            return nil
        }
        defer { group.cancelAll() }
        let port = try await gateway.localAddress().port ?? 0
        return try await body(gateway, port)
    }
}

/// The `id:` values of an event stream's text, in order.
func streamIDs(_ text: String) -> [UInt32] {
    text.components(separatedBy: "\n").compactMap { $0.hasPrefix("id: ") ? UInt32($0.dropFirst(4)) : nil }
}

@Suite("The web gateway over HTTP: pages, JSON, feed and event streams from a live match", .serialized)
struct GatewayTests {
    static func server(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) async throws -> StreamServer {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.seed = 7
        configuration.interval = .milliseconds(60)
        configuration.waitForClients = 1
        configuration.repairGrace = .zero
        adjust(&configuration)
        return try await StreamServer.bind(configuration: configuration, logger: quietLogger)
    }

    @Test(
        "a reader reconnecting with Last-Event-ID gets exactly the events after it, then the live ones to the end; the card, JSON and feed agree with the match"
    )
    func streamsAndPages() async throws {
        try await bounded(90) {
            let origin = try await Self.server()
            async let served = origin.run()
            let (events, _) = MatchSimulator.play(seed: 7)
            try await withGateway(upstream: origin.localAddress.port ?? 0) { gateway, port in
                // Mid-match: at least ten events on the board.
                _ = await gateway.hub.changes.wait(until: { $0 >= 12 })
                let match = try #require(gateway.hub.board.matches.first)
                let seen = try #require(match.lastSequence)
                let first = try #require(match.history.first?.sequence)
                let resumeAfter = first + 5
                let stream = try await HTTPProbe(port: port, path: "/matches/\(match.id)/events", headers: ["Last-Event-ID": "\(resumeAfter)"])
                #expect(await stream.wait(seconds: 60) { $0.contains("\"ended\": true") })
                let (status, headers, body) = stream.response
                await stream.close()
                #expect(status == 200 && headers["content-type"]?.hasPrefix("text/event-stream") == true)
                let ids = streamIDs(body)
                // No gap and no duplicate: every event after the one the reader had, once, in order.
                #expect(
                    ids == Array((resumeAfter + 1)...(first + UInt32(events.count) - 1)), "ids \(ids.first ?? 0)...\(ids.last ?? 0), seen \(seen)")
                // Live, the stream opens with the reconnection delay; a busy machine may have let the
                // match end first, when it is the same records in one response.
                #expect(body.hasPrefix("retry: 1000\n\n") || headers["transfer-encoding"] == nil)

                let card = try await HTTPProbe.get(port: port, "/matches/\(match.id)?lang=pt")
                #expect(card.status == 200 && card.headers["content-security-policy"] == WebAssets.contentSecurityPolicy)
                #expect(card.headers["x-content-type-options"] == "nosniff" && card.body.contains("Escalações"))
                let final = try #require(events.last)
                #expect(card.body.contains("<span class=\"goals\" id=\"score\">\(final.score.home) – \(final.score.away)</span>"))
                let json = try await HTTPProbe.get(port: port, "/matches/\(match.id).json")
                let node = try JSONNode.parse(Array(json.body.utf8))
                guard case .object(let members) = node.value, case .object(let score)? = members.first(where: { $0.key == "score" })?.node.value
                else {
                    Issue.record("no score in \(json.body)")
                    return
                }
                #expect(score.map(\.key) == ["home", "away"] && json.body.contains("\"status\": \"ended (full_time)\""))
                let feed = try await HTTPProbe.get(port: port, "/matches/\(match.id)/feed.jsonl")
                let lines = try feed.body.split(separator: "\n").map { try FeedLine.parse(Array($0.utf8)) }
                #expect(try FeedDecoder.read(lines).events == events)
                let index = try await HTTPProbe.get(port: port, "/", headers: ["Accept-Language": "pt-BR,pt;q=0.9"])
                #expect(index.body.contains("<h1>Partidas</h1>") && index.body.contains("id=\"m\(match.id)\""))
                #expect(try await HTTPProbe.get(port: port, "/matches/123").status == 404)
                #expect(try await HTTPProbe.get(port: port, "/assets/live.js").headers["content-type"]?.hasPrefix("text/javascript") == true)
            }
            _ = try await served
        }
    }

    @Test("a gateway presents its own token to an origin that requires one, and shows its match")
    func withToken() async throws {
        try await bounded(60) {
            let key = GroupSigningKey()
            let origin = try await Self.server {
                $0.tokenAdmission = TokenAdmission(trusted: [key.publicKey])
                $0.originalAllowed = false
            }
            async let served = origin.run()
            let now = UInt32(Date().timeIntervalSince1970)
            let text = try TokenTool.issue(key: key, subject: "gateway", matches: [], lifetime: 600, permissions: [.watch, .repair], now: now)
            let token = try SubscriberToken(text: text).encoded()
            try await withGateway(upstream: origin.localAddress.port ?? 0, { $0.subscriberToken = token }) { gateway, port in
                _ = await gateway.hub.changes.wait(until: { _ in gateway.hub.allEnded && !gateway.hub.board.matches.isEmpty })
                let (events, _) = MatchSimulator.play(seed: 7)
                #expect(gateway.hub.board.matches.first?.history.count == events.count)
            }
            _ = try await served
        }
    }

    @Test("event streams are capped per client address (429), and a closed one frees its place")
    func connectionCap() async throws {
        try await bounded(60) {
            let origin = try await Self.server { $0.interval = .milliseconds(200) }
            async let served = origin.run()
            try await withGateway(
                upstream: origin.localAddress.port ?? 0,
                {
                    $0.connectionsPerAddress = 2
                    $0.heartbeat = .milliseconds(100)
                }
            ) { gateway, port in
                _ = await gateway.hub.changes.wait(until: { $0 >= 1 })
                let first = try await HTTPProbe(port: port, path: "/events")
                let second = try await HTTPProbe(port: port, path: "/events")
                let (one, two) = (await first.wait { $0.hasPrefix("retry:") }, await second.wait { $0.hasPrefix("retry:") })
                #expect(one && two)
                let third = try await HTTPProbe.get(port: port, "/events")
                #expect(third.status == 429 && third.body.contains("too many event streams"))
                await first.close()
                // The gateway notices at its next write (a heartbeat at the latest), then takes a new one.
                var accepted = false
                for _ in 0..<50 where !accepted {
                    let retry = try await HTTPProbe(port: port, path: "/events")
                    accepted = await retry.wait(seconds: 2) { $0.hasPrefix("retry:") } && retry.response.status == 200
                    await retry.close()
                }
                #expect(accepted)
                await second.close()
            }
            origin.stop()
            _ = try await served
        }
    }

    @Test("--match follows only the matches named; an idle stream gets heartbeat comments; an upcoming match says so")
    func matchAndHeartbeat() async throws {
        try await bounded(60) {
            // Two matches waiting for clients that never come: the streams stay idle.
            let origin = try await Self.server {
                $0.simulate = 2
                $0.waitForClients = 5
            }
            async let served = origin.run()
            var lister = ClientConfiguration()
            lister.port = origin.localAddress.port ?? 0
            let listed = try await MatchLister.list(configuration: lister, logger: quietLogger).map(\.id)
            #expect(listed.count == 2)
            let chosen = try #require(listed.last)
            try await withGateway(
                upstream: origin.localAddress.port ?? 0,
                {
                    $0.matches = [chosen]
                    $0.heartbeat = .milliseconds(100)
                }
            ) { gateway, port in
                _ = await gateway.hub.changes.wait(until: { $0 >= 1 })
                let stream = try await HTTPProbe(port: port, path: "/matches/\(chosen)/events")
                #expect(await stream.wait { $0.contains(": heartbeat\n\n") })
                await stream.close()
                #expect(gateway.hub.board.matches.map(\.id) == [chosen])
                let card = try await HTTPProbe.get(port: port, "/matches/\(chosen)")
                #expect(card.body.contains("class=\"status upcoming\" id=\"status\">Upcoming</span>") && card.body.contains("No events yet"))
                #expect(try await HTTPProbe.get(port: port, "/matches/\(listed[0])").status == 404)
            }
            origin.stop()
            _ = try await served
        }
    }

    @Test("a reader coming back gets the card's current header whatever it missed (the source lost), and an ended match's records in one answer")
    func statusOnReconnect() async throws {
        let hub = GatewayHub(logger: quietLogger, readerBuffer: 8, connectionsPerAddress: 4)
        let (events, _) = MatchSimulator.play(seed: 7)
        hub.apply(.welcomed(id: 1, roster: .original, catalog: .english, latest: nil))
        for index in 0..<3 { hub.apply(.event(id: 1, sequence: UInt32(index), events[index])) }
        hub.apply(.outage(id: 1, true))
        guard case .live(let records, _, let key) = hub.subscribe(.match(1), language: .en, after: 2, address: "10.0.0.2") else {
            Issue.record("no stream")
            return
        }
        #expect(records.count == 1 && records[0].hasPrefix("event: status") && records[0].contains("class=\\\"lost\\\""))
        hub.unsubscribe(key)
        hub.apply(.ended(id: 1, .fullTime))
        guard case .ended(let final) = hub.subscribe(.match(1), language: .en, after: 0, address: "10.0.0.2") else {
            Issue.record("an ended match opened a stream")
            return
        }
        #expect(streamIDs(final.joined()) == [1, 2] && final.last?.contains("\"ended\": true") == true)
        hub.finishAll()
        guard case .closed = hub.subscribe(.index, language: .en, after: nil, address: "10.0.0.3") else {
            Issue.record("a stopping gateway took a new stream")
            return
        }
    }

    @Test(
        "a reader that falls behind by its buffer is dropped (its stream ends), never buffered without bound; its place is freed when its handler ends"
    )
    func slowReader() async throws {
        let hub = GatewayHub(logger: quietLogger, readerBuffer: 2, connectionsPerAddress: 1)
        guard case .live(let initial, let stream, let key) = hub.subscribe(.index, language: .en, after: nil, address: "10.0.0.1") else {
            Issue.record("no stream")
            return
        }
        #expect(initial.isEmpty)
        for id in 1...3 as ClosedRange<UInt32> {
            hub.apply(.welcomed(id: id, roster: .original, catalog: .english, latest: nil))
        }
        var received: [String] = []
        for await record in stream { received.append(record) }
        #expect(received.count == 2 && received[0].contains("id=\\\"m1\\\""))
        // Its place is kept until its connection's handler ends (a stalled reader cannot open more).
        guard case .limited = hub.subscribe(.index, language: .en, after: nil, address: "10.0.0.1") else {
            Issue.record("a dropped reader's address opened another stream before its handler ended")
            return
        }
        hub.unsubscribe(key)
        guard case .live = hub.subscribe(.index, language: .en, after: nil, address: "10.0.0.1") else {
            Issue.record("the dropped reader's place was not freed")
            return
        }
    }
}
