import Match
import NIOCore
import Streaming
import Testing
import Wire

@Suite("Client session (no sockets, injected clock)")
struct ClientSessionTests {
    static func welcome(interval: UInt32 = 1_000_000, heartbeat: UInt8 = 5) throws -> [UInt8] {
        try Frame(body: .welcome(Welcome(format: .compact, matchID: 1, heartbeatSeconds: heartbeat, intervalMicroseconds: interval,
                                         roster: .original, catalog: .english, current: nil)), subscription: 7).encoded()
    }

    @Test("silence is measured on the injected clock, from the start and then from the last datagram; at least three intervals")
    func silence() throws {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        #expect(!session.subscribed && session.heartbeatPeriod == nil)
        clock.advance(by: 4)
        #expect(session.silence == 4)
        guard case .welcomed = session.receive(try Self.welcome(interval: 10_000_000)) else {
            Issue.record("expected a welcome")
            return
        }
        #expect(session.subscribed && session.heartbeatPeriod == .seconds(5) && session.silence == 0)
        // Intervals of 10 s: silence is judged at 30 s, not at the configured 15.
        let limit = session.silenceLimit(configured: .seconds(15))
        #expect(limit == .seconds(30))
        clock.advance(by: 29)
        #expect(!session.serverSilent(limit: limit))
        clock.advance(by: 2)
        #expect(session.serverSilent(limit: limit))
        _ = session.receive(try Frame(sequence: 0, body: .heartbeat, subscription: 7).encoded())
        #expect(!session.serverSilent(limit: limit))
    }

    @Test("arrival times come from the clock: events exactly on schedule have zero jitter, a late one has some")
    func jitter() throws {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        _ = session.receive(try Self.welcome())
        let events = MatchSimulator.play(seed: 5).events
        for (index, event) in events.prefix(5).enumerated() {
            _ = session.receive(try Frame.compactEvent(event, sequence: UInt32(index), subscription: 7).encoded())
            clock.advance(by: 1)
        }
        #expect(session.statistics.received == 5 && session.statistics.jitter == 0)
        clock.advance(by: 0.5)
        _ = session.receive(try Frame.compactEvent(events[5], sequence: 5, subscription: 7).encoded())
        #expect(session.statistics.jitter > 0)
    }

    @Test("frames that only travel to the server are ignored (Spec §3's directions), before and after the welcome")
    func directions() throws {
        var session = ClientSession(original: false, clock: ManualClock(), subscription: 7)
        guard case .ignored(let why) = session.receive(try Frame(body: .unregister, subscription: 7).encoded()) else {
            Issue.record("an unregister from the server was not ignored")
            return
        }
        #expect(why.contains("unregister"))
        var original = ClientSession(original: true, clock: ManualClock())
        guard case .ignored = original.receive(Array("register".utf8)) else {
            Issue.record("an original register from the server was not ignored")
            return
        }
    }
}
