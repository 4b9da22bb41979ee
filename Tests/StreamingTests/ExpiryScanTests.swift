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
