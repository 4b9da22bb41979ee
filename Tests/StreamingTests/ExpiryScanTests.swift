import Match
import NIOCore
import Streaming
import Testing
import Wire

/// The client-timeout scan (``ServerState/expire()``) reads the subscribers only once someone
/// can be due: a server holding many clients does not read them all at every housekeeping.
@Suite("Client expiry: scans only when someone can be due, and misses nobody")
struct ExpiryScanTests {
    static func heartbeat(_ state: inout ServerState, _ address: SocketAddress) throws {
        let (answer, _) = state.handle(try Frame(sequence: 0, body: .heartbeat, subscription: 7).encoded(), from: address)
        #expect(answer.count == 1, "heartbeat from \(address) unanswered")
    }

    static func dropped(_ notices: [ServerState.Notice]) -> [SocketAddress] {
        notices.compactMap { notice in
            guard case .timedOut(let subscriber, _) = notice else { return nil }
            return subscriber.address
        }
    }

    @Test("the earliest last-heard time bounds the scans: skipped before it is a timeout old, each client dropped when due")
    func scansWhenDue() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state({ $0.clientTimeout = .seconds(15) }, clock: clock)
        let start = clock.now()  // times below are seconds after it
        let (first, second) = (try ServerStateTests.address(8100), try ServerStateTests.address(8101))
        _ = try ServerStateTests.register(&state, first)  // heard at 0
        #expect(state.expire().isEmpty && state.earliestHeard == start)
        clock.advance(by: 10)
        _ = try ServerStateTests.register(&state, second)  // heard at 10
        clock.advance(by: 2)
        try Self.heartbeat(&state, first)  // heard at 12
        // 12 s after the earliest: nobody can be due, so nothing is read (the bound stays where it was).
        #expect(state.expire().isEmpty && state.earliestHeard == start)
        clock.advance(by: 4)  // 16: the bound is due; the scan finds the first heard at 12 and the second at 10
        #expect(state.expire().isEmpty && state.earliestHeard == start + 10 && state.clientCount == 2)
        clock.advance(by: 9.5)  // 25.5: the second is 15.5 s silent
        #expect(Self.dropped(state.expire()) == [second] && state.earliestHeard == start + 12 && state.clientCount == 1)
        clock.advance(by: 2)  // 27.5: the first is
        #expect(Self.dropped(state.expire()) == [first] && state.clientCount == 0 && state.earliestHeard == .infinity)
        // Nobody left: no scan is due until someone subscribes, and whoever does is still dropped in time.
        clock.advance(by: 100)
        let third = try ServerStateTests.address(8102)
        _ = try ServerStateTests.register(&state, third)
        #expect(state.earliestHeard == start + 127.5)
        clock.advance(by: 15.5)
        #expect(Self.dropped(state.expire()) == [third] && state.clientCount == 0)
    }

    @Test(
        "an ended match's subscriptions stay answered for repair while they nack, go silently a client timeout after they last did, and then the match's ring is released"
    )
    func endedSubscriptionsExpire() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state({ $0.clientTimeout = .seconds(15) }, clock: clock)
        let (early, late) = (try ServerStateTests.address(8120), try ServerStateTests.address(8121))
        _ = try ServerStateTests.register(&state, early)
        _ = try ServerStateTests.register(&state, late)
        try ServerRepairTests.publish(&state, 3)
        _ = state.finish(.fullTime)
        #expect(state.matches[0].ended.count == 2 && !state.matches[0].ring.isEmpty)
        clock.advance(by: 10)
        // The late one is still repairing at 10 s: answered, and heard.
        #expect(state.handle(try ServerRepairTests.nack([2]), from: late).replies.count == 1)
        clock.advance(by: 6)  // 16 s: the early one was last heard at 0
        #expect(state.expire().isEmpty, "an ended subscription leaves without a notice")
        #expect(state.matches[0].ended.count == 1 && state.subscriberAndSlot(at: early, includingEnded: true) == nil)
        #expect(!state.matches[0].ring.isEmpty, "the late one may still ask")
        // Its nack now meets no subscription: a reset, no repair.
        let answer = state.handle(try ServerRepairTests.nack([2]), from: early).replies
        #expect(try answer.map { try Frame.decode(Array($0.payload.readableBytesView)).kind } == [.reset])
        clock.advance(by: 10)  // 26 s: the late one was last heard at 10
        _ = state.expire()
        #expect(state.matches[0].ended.isEmpty && state.subscriberAndSlot(at: late, includingEnded: true) == nil)
        #expect(state.matches[0].ring.isEmpty && state.matches[0].current != nil, "the ring goes; the latest event stays for the listing")
    }

    @Test("a match that ends with nobody subscribed releases its ring at once")
    func endedUnwatched() throws {
        var state = ServerStateTests.state(clock: ManualClock())
        try ServerRepairTests.publish(&state, 3)
        #expect(!state.matches[0].ring.isEmpty)
        _ = state.finish(.fullTime)
        #expect(state.matches[0].ring.isEmpty)
    }

    @Test("a reloaded, shorter timeout applies at the next housekeeping, not one old timeout later")
    func shorterTimeout() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state({ $0.clientTimeout = .seconds(60) }, clock: clock)
        let client = try ServerStateTests.address(8110)
        _ = try ServerStateTests.register(&state, client)
        clock.advance(by: 20)
        #expect(state.expire().isEmpty)
        var shorter = state.configuration
        shorter.clientTimeout = .seconds(15)
        #expect(state.applyLive(shorter) == [.clientTimeout])
        #expect(Self.dropped(state.expire()) == [client])
    }
}
