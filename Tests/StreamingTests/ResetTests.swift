import Match
import NIOCore
import Streaming
import Testing
import Wire

/// Stateless reset and probing (Spec §4.12), on the state and the session alone, with an
/// injected clock.
@Suite("Reset and probes (Spec §4.12, no sockets, injected clock)")
struct ResetTests {
    static func frame(_ body: FrameBody, id: UInt64 = 7) throws -> [UInt8] {
        try Frame(body: body, subscription: id).encoded()
    }

    @Test(
        "a heartbeat, NACK or unregister from an address the server holds nothing for gets a reset under its own identifier, never larger than it; counted as a reject too"
    )
    func serverResets() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state(clock: clock)
        let stranger = try ServerStateTests.address(5000)
        for (body, what) in [
            (FrameBody.heartbeat, "heartbeat"), (.nack(SequenceRanges([.init(first: 3, count: 2)])), "nack"), (.unregister, "unregister"),
        ] {
            let asked = try Self.frame(body, id: 0xABCD)
            let (replies, notices) = state.handle(asked, from: stranger)
            let reply = try #require(replies.first)
            let bytes = Array(reply.payload.readableBytesView)
            let answer = try Frame.decode(bytes)
            #expect(replies.count == 1 && reply.address == stranger)
            #expect(answer.kind == .reset && answer.subscription == 0xABCD && bytes.count == FrameHeader.size && bytes.count <= asked.count)
            #expect(notices.contains { if case .reset(_, let said) = $0 { said == what } else { false } })
            #expect(notices.contains { if case .rejected = $0 { true } else { false } })
        }
        #expect(state.resetsSent == 3 && state.rejects["heartbeat from an unknown address"] == 1)
    }

    @Test("no reset for a subscribed address (another identifier is a forgery, rejected), nor for one whose match ended (answered for repair)")
    func noResetForKnownAddresses() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state(clock: clock)
        let client = try ServerStateTests.address(5001)
        _ = try #require(try ServerStateTests.register(&state, client))
        let (replies, _) = state.handle(try Self.frame(.heartbeat, id: 99), from: client)
        #expect(replies.isEmpty && state.resetsSent == 0)
        _ = state.finish(.fullTime)
        let (afterEnd, _) = state.handle(try Self.frame(.nack(SequenceRanges([.init(first: 0, count: 1)]))), from: client)
        #expect(afterEnd.allSatisfy { (try? Frame.decode(Array($0.payload.readableBytesView)).kind) != .reset } && state.resetsSent == 0)
    }

    @Test(
        "resets are rate-limited per IP: a flood of heartbeats under guessed identifiers gets a burst of resets, then none until the clock refills the bucket"
    )
    func rateLimited() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state(clock: clock)
        var answered = 0
        for port in 0..<200 {
            let (replies, _) = state.handle(try Self.frame(.heartbeat, id: UInt64(port + 1)), from: try ServerStateTests.address(20_000 + port))
            answered += replies.count
        }
        let burst = Int(2 * ServerState.resetRate.perIP)
        #expect(answered == burst && state.rejects["heartbeat from an unknown address"] == 200)
        clock.advance(by: 1)
        let (later, _) = state.handle(try Self.frame(.heartbeat, id: 999), from: try ServerStateTests.address(30_000))
        #expect(later.count == 1)
    }

    @Test(
        "a reset under the client's identifier starts an outage from when the server was last heard, ends it at once, and has the client register again; under another identifier it is dropped and counted"
    )
    func clientTakesReset() throws {
        let (clock, first) = try ClientRepairTests.welcomedWithFirstEvent()
        var session = first
        clock.advance(by: 2)
        // A forger's guess: dropped before it counts even as a sign of life.
        guard case .rejected = session.receive(try Self.frame(.reset, id: 8)) else {
            Issue.record("a forged reset was taken")
            return
        }
        #expect(session.rejected == 1 && session.resets == 0 && !session.reregistering && session.outages.isEmpty && session.silence == 2)
        guard case .reset = session.receive(try Self.frame(.reset)) else {
            Issue.record("the reset was not taken")
            return
        }
        #expect(session.resets == 1 && session.reregistering)
        let outage = try #require(session.outages.first)
        #expect(session.outages.count == 1 && outage.duration == 2)
        // While registering again, a second reset changes nothing.
        guard case .ignored = session.receive(try Self.frame(.reset)) else {
            Issue.record("a second reset was taken")
            return
        }
        #expect(session.resets == 1 && session.outages.count == 1)
        // The outage begun by the reset is the one the register loop continues (not a second).
        session.beginOutage()
        #expect(session.outages.count == 1)
    }

    @Test(
        "probes: after three intervals of silence (at least 0.5 s, at most a heartbeat period), then an outage from the last datagram; an unpaced stream only after an unanswered probe"
    )
    func probes() throws {
        let (clock, first) = try ClientRepairTests.welcomedWithFirstEvent()  // an event every 100 ms
        var session = first
        #expect(session.probePeriod == .seconds(0.5))
        var slow = ClientSession(original: false, clock: clock, subscription: 7)
        _ = slow.receive(try ClientSessionTests.welcome(interval: 1_000_000))
        #expect(slow.probePeriod == .seconds(3))
        var unpaced = ClientSession(original: false, clock: clock, subscription: 7)
        _ = unpaced.receive(try ClientSessionTests.welcome(interval: 0))
        #expect(unpaced.probePeriod == .seconds(5))
        #expect(ClientSession(original: true, clock: clock, subscription: 0).probePeriod == nil)
        clock.advance(by: 0.4)
        session.noteSilence()
        #expect(session.outages.isEmpty)
        clock.advance(by: 0.2)
        session.noteSilence()
        let outage = try #require(session.outages.first)
        #expect(outage.end == nil && outage.kind == .serverSilent)
        // The restarted server that kept the subscription streams again: the outage ends there.
        clock.advance(by: 1.4)
        _ = session.receive(try ClientRepairTests.event(25))
        #expect(session.outages.first?.duration.map { abs($0 - 2) < 1e-9 } == true)
        // Unpaced: a probe period of silence is a quiet feed, two are an outage.
        clock.advance(by: 5)
        unpaced.noteSilence()
        #expect(unpaced.outages.isEmpty)
        clock.advance(by: 5)
        unpaced.noteSilence()
        #expect(unpaced.outages.count == 1)
    }

    @Test(
        "a client registering again after silence takes a restarted server's events or heartbeat under its identifier as its subscription kept: registering again is over"
    )
    func keptSubscriptionEndsReregistering() throws {
        let (clock, first) = try ClientRepairTests.welcomedWithFirstEvent()
        var session = first
        clock.advance(by: 20)
        session.beginOutage()
        #expect(session.reregistering && session.welcomedAgain == 0)
        _ = session.receive(try Frame(sequence: 30, body: .heartbeat, subscription: 7).encoded())
        #expect(!session.reregistering && session.welcomedAgain == 1)
        // The heartbeat revealed events 1...30 sent meanwhile: asked for.
        clock.advance(by: ClientSession.firstNackDelay)
        #expect(session.dueRepairs()?.sequences.first == 1)
    }
}
