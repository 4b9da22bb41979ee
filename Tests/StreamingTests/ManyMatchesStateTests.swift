import Match
import NIOCore
import Streaming
import Testing
import Wire

@Suite("Many matches in the server state (Spec §4.9, no sockets)")
struct ManyMatchesStateTests {
    static func register(match: UInt32, token: [UInt8] = [], subscription: UInt64 = 7) throws -> [UInt8] {
        try Frame(body: .register(RegisterRequest.padded(formats: [.compact], token: token, match: match)), subscription: subscription).encoded()
    }

    /// Registers `address` for `match` through the challenge; the final reply's frame.
    static func register(_ state: inout ServerState, _ address: SocketAddress, match: UInt32) throws -> Frame? {
        let (replies, _) = try state.registerThroughChallenge(from: address) { token in try register(match: match, token: token) }
        return try replies.first.map { try Frame.decode(Array($0.payload.readableBytesView)) }
    }

    /// A state with three matches: 42 (original teams, live), 43 and 44 (pool pairs, 43 live, 44 waiting).
    static func threeMatches(clock: ManualClock) -> ServerState {
        var configuration = ServerConfiguration()
        configuration.registerRate = 0
        var state = ServerState(configuration: configuration, clock: clock)
        state.beginMatch(id: 42)
        _ = state.addMatch(id: 43, roster: Roster.simulated(slot: 1, seed: 1), catalog: .english)
        _ = state.addMatch(id: 44, roster: Roster.simulated(slot: 2, seed: 1), catalog: .portuguese)
        state.beginMatch(id: 43, slot: 1)
        return state
    }

    @Test("a register names its match and is welcomed into it; 'any' is the first live one; an unknown or ended match is refused")
    func registerByMatch() throws {
        let clock = ManualClock()
        var state = Self.threeMatches(clock: clock)
        let frame = try #require(try Self.register(&state, try ServerStateTests.address(6001), match: 43))
        guard case .welcome(let welcome) = frame.body else {
            Issue.record("not a welcome: \(frame.kind.name)")
            return
        }
        #expect(welcome.matchID == 43 && welcome.roster == Roster.simulated(slot: 1, seed: 1))
        #expect(state.matches[1].subscribers.count == 1 && state.matches[0].subscribers.isEmpty && state.clientCount == 1)

        let waiting = try #require(try Self.register(&state, try ServerStateTests.address(6002), match: 44))
        guard case .welcome(let waitingWelcome) = waiting.body else {
            Issue.record("a waiting match takes registrations")
            return
        }
        #expect(waitingWelcome.matchID == 44 && waitingWelcome.catalog.language == PhraseCatalog.portuguese.language)

        let any = try #require(try Self.register(&state, try ServerStateTests.address(6003), match: RegisterRequest.anyMatch))
        guard case .welcome(let anyWelcome) = any.body else {
            Issue.record("not a welcome")
            return
        }
        #expect(anyWelcome.matchID == 42)

        let unknown = try #require(try Self.register(&state, try ServerStateTests.address(6004), match: 99))
        guard case .refuse(let refusal) = unknown.body else {
            Issue.record("not refused")
            return
        }
        #expect(refusal.reason == .unknownMatch && refusal.text.contains("99"))

        _ = state.finish(.fullTime, slot: 1)
        let late = try #require(try Self.register(&state, try ServerStateTests.address(6005), match: 43))
        #expect(late.kind == .refuse)
        #expect(state.clientCount == 2)
    }

    @Test("each match has its own sequence space, ring and end: finishing one leaves the others streaming")
    func independentMatches() throws {
        let clock = ManualClock()
        var state = Self.threeMatches(clock: clock)
        let a = try ServerStateTests.address(6101)
        let b = try ServerStateTests.address(6102)
        _ = try Self.register(&state, a, match: 42)
        _ = try Self.register(&state, b, match: 43)
        let events = MatchSimulator.play(seed: 5).events
        for index in 0..<3 {
            let first = try EncodedEvent(event: events[index], sequence: state.nextSequence(slot: 0), roster: .original, catalog: .english)
            #expect(state.publish(first, slot: 0).map(\.address) == [a])
            if index < 2 {
                let other = try EncodedEvent(
                    event: events[index], sequence: state.nextSequence(slot: 1), roster: state.matches[1].roster, catalog: .english)
                #expect(state.publish(other, slot: 1).map(\.address) == [b])
            }
        }
        #expect(state.nextSequence(slot: 0) == 3 && state.nextSequence(slot: 1) == 2)

        // A nack is answered from its own match's ring: 2 exists in match 42 only.
        let nack = try Frame(body: .nack(SequenceRanges(covering: [2])), subscription: 7).encoded()
        let fromA = state.handle(nack, from: a).replies
        let fromB = state.handle(nack, from: b).replies
        #expect(try Frame.decode(Array(try #require(fromA.first).payload.readableBytesView)).kind == .event)
        #expect(try Frame.decode(Array(try #require(fromB.first).payload.readableBytesView)).kind == .unavailable)

        let (ends, _) = state.finish(.fullTime, slot: 0)
        #expect(ends.map(\.0.address) == [a])
        #expect(state.clientCount == 1 && state.matches[1].subscribers[DatagramAddress(b)] != nil)
        let next = try EncodedEvent(event: events[2], sequence: state.nextSequence(slot: 1), roster: state.matches[1].roster, catalog: .english)
        #expect(state.publish(next, slot: 1).map(\.address) == [b])
        // The ended match still answers its subscriber's nacks (the repair grace).
        #expect(try Frame.decode(Array(try #require(state.handle(nack, from: a).replies.first).payload.readableBytesView)).kind == .event)
    }

    @Test("list: a challenge first (never larger than the request), then the listing with every match, its score, minute and viewers")
    func listing() throws {
        let clock = ManualClock()
        var state = Self.threeMatches(clock: clock)
        _ = try Self.register(&state, try ServerStateTests.address(6201), match: 43)
        _ = try Self.register(&state, try ServerStateTests.address(6202), match: 43)
        let event = MatchSimulator.play(seed: 5).events[0]
        _ = state.publish(try EncodedEvent(event: event, sequence: 0, roster: state.matches[1].roster, catalog: .english), slot: 1)

        let asker = try ServerStateTests.address(6203)
        var exchange = ListExchange(subscription: 99)
        let first = try exchange.request()
        #expect(first.count == RegisterRequest.minimumFrameSize)
        let (challenge, _) = state.handle(first, from: asker)
        let challengeBytes = Array(try #require(challenge.first).payload.readableBytesView)
        #expect(challengeBytes.count <= first.count)
        #expect(exchange.receive(challengeBytes) == .challenged)
        let (pages, _) = state.handle(try exchange.request(), from: asker)
        #expect(exchange.receive(Array(try #require(pages.first).payload.readableBytesView)) == .complete)
        #expect(exchange.matches.map(\.id) == [42, 43, 44])
        #expect(exchange.matches.map(\.status) == [.live, .live, .waiting])
        let live = exchange.matches[1]
        #expect(live.viewers == 2 && live.minute == event.minute && live.score == event.score)
        #expect(live.home == state.matches[1].roster.home.name && live.away == state.matches[1].roster.away.name)

        // Unpadded or unvalidated: nothing larger than what came in.
        let short = try Frame(body: .list(ListRequest()), subscription: 5).encoded()
        #expect(state.handle(short, from: try ServerStateTests.address(6204)).replies.isEmpty)
    }

    @Test("a listing longer than one page is paged: 60 matches arrive in order, each page at most 1,200 bytes")
    func paging() throws {
        let clock = ManualClock()
        var configuration = ServerConfiguration()
        configuration.registerRate = 0
        var state = ServerState(configuration: configuration, clock: clock)
        for slot in 1..<60 { _ = state.addMatch(id: UInt32(1000 + slot), roster: Roster.simulated(slot: slot, seed: 3), catalog: .english) }
        let asker = try ServerStateTests.address(6301)
        var exchange = ListExchange(subscription: 5)
        var pages = 0
        for _ in 0..<20 where !exchange.isComplete {
            let (replies, _) = state.handle(try exchange.request(), from: asker)
            let bytes = Array(try #require(replies.first).payload.readableBytesView)
            #expect(bytes.count <= MatchListing.maximumFrameSize)
            if case .page = exchange.receive(bytes) { pages += 1 }
        }
        #expect(exchange.isComplete && exchange.matches.count == 60 && pages >= 2)
        #expect(exchange.matches.map(\.id) == [0] + (1..<60).map { UInt32(1000 + $0) })
    }

    @Test("the simulated round: slot 0 is the original match, the others distinct pairs of distinct clubs")
    func pool() {
        #expect(Roster.simulated(slot: 0, seed: 9) == .original)
        let pairs = (1...100).map { Roster.simulated(slot: $0, seed: 9) }
        #expect(Set(pairs.map { "\($0.home.name)|\($0.away.name)" }).count == 100)
        #expect(pairs.allSatisfy { $0.home.name != $0.away.name && $0.home.players.count == 10 })
        #expect(Set(Roster.pool.map(\.name)).count == Roster.pool.count)
        #expect(Roster.simulated(slot: 5, seed: 9) == Roster.simulated(slot: 5, seed: 9))
    }
}
