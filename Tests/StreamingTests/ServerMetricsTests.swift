import MetricsTestKit
import NIOCore
import Streaming
import TestSupport
import Testing
import Wire

@Suite("Server metrics (swift-metrics, counted against what clients received)")
struct ServerMetricsTests {
    @Test("a match to a compact and a JSON client: datagrams and bytes by kind, challenges, ends, lag, batches, rejects, subscribers")
    func wholeMatch() async throws {
        try await bounded(60) {
            let test = TestMetrics()
            var configuration = ServerConfiguration()
            configuration.host = "127.0.0.1"
            configuration.port = 0
            configuration.interval = .milliseconds(5)
            configuration.seed = 7
            configuration.repairGrace = .zero
            configuration.waitForClients = 2
            let server = try await StreamServer.bind(configuration: configuration, logger: quietLogger, metrics: ServerMetrics(factory: test))
            let compact = try await makeClient(server) {
                $0.format = .compact
                $0.allowFallback = false
            }
            let json = try await makeClient(server) {
                $0.format = .json
                $0.allowFallback = false
            }
            // A datagram that is no protocol's, before kick-off: one reject.
            let peer = try await RawPeer()
            try await peer.send(Array("hello".utf8), to: server.localAddress)
            async let summary = server.run()
            async let first = compact.run()
            async let second = json.run()
            let (served, a, b) = try await (summary, first, second)
            await peer.close()
            let received = a.statistics.received + b.statistics.received
            #expect(a.statistics.lost == 0 && b.statistics.lost == 0)
            let events = try test.expectCounter("soccerstream_datagrams_sent_total", [("kind", "event")]).totalValue
            #expect(events == Int64(received))
            #expect(events == Int64(served.events * 2))
            // A client that hears nothing within its backoff registers again, and gets the same
            // answer again (Spec §7.2): at least one welcome and one challenge per client, and the
            // challenge datagrams are the challenges counted.
            #expect(try test.expectCounter("soccerstream_datagrams_sent_total", [("kind", "welcome")]).totalValue >= 2)
            let challenges = try test.expectCounter("soccerstream_challenges_total").totalValue
            #expect(challenges >= 2)
            #expect(try test.expectCounter("soccerstream_datagrams_sent_total", [("kind", "challenge")]).totalValue == challenges)
            #expect(try test.expectCounter("soccerstream_datagrams_sent_total", [("kind", "end")]).totalValue == Int64(2 * configuration.endRepeats))
            // Every datagram the server sent is counted once, under one kind.
            let all = DatagramKind.names.reduce(Int64(0)) { total, kind in
                total + ((try? test.expectCounter("soccerstream_datagrams_sent_total", [("kind", kind)]).totalValue) ?? 0)
            }
            #expect(all == Int64(served.datagramsSent))
            let eventBytes = try test.expectCounter("soccerstream_bytes_sent_total", [("kind", "event")]).totalValue
            #expect(eventBytes > events * Int64(FrameHeader.size) && eventBytes < events * 4096)
            #expect(try test.expectTimer("soccerstream_event_lag_seconds").values.count == served.events)
            let batches = try test.expectRecorder("soccerstream_fanout_batch_datagrams").values
            #expect(!batches.isEmpty && batches.allSatisfy { $0 >= 1 } && Int(batches.reduce(0, +)) == served.events * 2)
            #expect(try test.expectCounter("soccerstream_rejects_total", [("reason", "unknownText")]).totalValue == 1)
            // After the end, nobody is subscribed any more.
            let match = try #require(server.matchIDs.first)
            #expect(try test.expectGauge("soccerstream_subscribers", [("match", String(match)), ("format", "compact")]).lastValue == 0)
        }
    }

    @Test("subscriber gauges per match and format")
    func subscribers() throws {
        let test = TestMetrics()
        let metrics = ServerMetrics(factory: test)
        metrics.recordSubscribers([(id: 7, counts: [.compact: 2, .json: 1]), (id: 8, counts: [:])])
        #expect(try test.expectGauge("soccerstream_subscribers", [("match", "7"), ("format", "compact")]).lastValue == 2)
        #expect(try test.expectGauge("soccerstream_subscribers", [("match", "7"), ("format", "json")]).lastValue == 1)
        #expect(try test.expectGauge("soccerstream_subscribers", [("match", "8"), ("format", "original")]).lastValue == 0)
    }
}

@Suite("Subscriber gauges, refreshed")
struct SubscriberGaugeRefreshTests {
    /// A server core counting into test metrics, and one compact viewer not yet subscribed.
    static func coreWithViewer() throws -> (TestMetrics, ServerCore, Subscriber) {
        let test = TestMetrics()
        let core = ServerCore(configuration: ServerConfiguration(), logger: quietLogger, metrics: ServerMetrics(factory: test))
        let viewer = Subscriber(address: try SocketAddress(ipAddress: "127.0.0.1", port: 5004), delivery: .compact, subscription: 21)
        return (test, core, viewer)
    }

    @Test(
        "a refresh records only the matches whose subscriptions changed; an id in two slots (a relay following a match again) shows its latest slot's count, whatever the earlier slot does"
    )
    func onlyChanged() throws {
        let (test, core, viewer) = try Self.coreWithViewer()
        let (earlier, latest) = core.state.withLock { state in
            (state.addMatch(id: 7, roster: .original, catalog: .english), state.addMatch(id: 7, roster: .original, catalog: .english))
        }
        core.state.withLock { $0.subscribe(viewer, slot: latest) }
        core.refreshSubscriberMetrics()
        let gauge = try test.expectGauge("soccerstream_subscribers", [("match", "7"), ("format", "compact")])
        #expect(gauge.lastValue == 1)
        // The earlier slot changes (another viewer comes, and the match ends there): the gauge
        // still shows the latest slot's one viewer.
        let other = Subscriber(address: try SocketAddress(ipAddress: "127.0.0.1", port: 5005), delivery: .compact, subscription: 22)
        core.state.withLock { $0.subscribe(other, slot: earlier) }
        _ = core.state.withLock { $0.finish(.fullTime, slot: earlier) }
        core.refreshSubscriberMetrics()
        #expect(gauge.lastValue == 1, "\(gauge.values)")
        let recorded = gauge.values.count
        // Nothing changed: nothing recorded again.
        core.refreshSubscriberMetrics()
        #expect(gauge.values.count == recorded)
        // The latest slot's viewer leaves: recorded again.
        _ = core.state.withLock { $0.unsubscribe(viewer.address) }
        core.refreshSubscriberMetrics()
        #expect(gauge.lastValue == 0 && gauge.values.count > recorded)
    }

    @Test(
        "a match's series leave the metrics once no slot holds it (its slot took the next match), and come back if it does again"
    )
    func forgotten() throws {
        let (test, core, viewer) = try Self.coreWithViewer()
        let slot = core.state.withLock { $0.addMatch(id: 7, roster: .original, catalog: .english) }
        core.state.withLock { $0.subscribe(viewer, slot: slot) }
        core.refreshSubscriberMetrics()
        #expect(try test.expectGauge("soccerstream_subscribers", [("match", "7"), ("format", "compact")]).lastValue == 1)
        // The match ends: its series stays, at 0, while the slot still holds it.
        _ = core.state.withLock { $0.finish(.fullTime, slot: slot) }
        _ = core.state.withLock { $0.unsubscribe(viewer.address) }
        core.refreshSubscriberMetrics()
        #expect(try test.expectGauge("soccerstream_subscribers", [("match", "7"), ("format", "compact")]).lastValue == 0)
        // The slot takes the next match: match 7's series are gone, every format of them; match 8's are there.
        core.state.withLock { $0.beginMatch(id: 8, slot: slot) }
        core.refreshSubscriberMetrics()
        for format in ["compact", "json", "original"] {
            #expect(throws: (any Error).self) { try test.expectGauge("soccerstream_subscribers", [("match", "7"), ("format", format)]) }
            #expect(try test.expectGauge("soccerstream_subscribers", [("match", "8"), ("format", format)]).lastValue == 0)
        }
        // Match 7 in a slot again (a relay following it anew): recorded again, not taken for known.
        core.state.withLock { $0.beginMatch(id: 7, slot: slot) }
        core.refreshSubscriberMetrics()
        #expect(try test.expectGauge("soccerstream_subscribers", [("match", "7"), ("format", "compact")]).lastValue == 0)
        #expect(throws: (any Error).self) { try test.expectGauge("soccerstream_subscribers", [("match", "8"), ("format", "compact")]) }
    }
}
