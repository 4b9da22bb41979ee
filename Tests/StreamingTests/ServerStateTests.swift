import Match
import NIOCore
import Streaming
import Testing
import Wire

@Suite("Server state (no sockets)")
struct ServerStateTests {
    /// Registers `address` through the challenge, returning the welcome's bytes.
    static func register(_ state: inout ServerState, _ address: SocketAddress, dictionaries: [UInt8], now: Double) throws -> [UInt8] {
        let first = try Frame(body: .register(RegisterRequest.padded(formats: [.compact], dictionaries: dictionaries))).encoded()
        let (challengeReplies, _) = state.handle(first, from: address, now: now)
        let challengeBytes = try #require(challengeReplies.first).payload.readableBytesView
        guard case .challenge(let challenge) = try Frame.decode(Array(challengeBytes)).body else {
            Issue.record("expected a challenge")
            return []
        }
        let second = try Frame(body: .register(RegisterRequest.padded(formats: [.compact], token: challenge.token, dictionaries: dictionaries))).encoded()
        let (replies, _) = state.handle(second, from: address, now: now)
        return Array(try #require(replies.first).payload.readableBytesView)
    }

    @Test("welcomes are shared between two events, per format and dictionary, and never stale")
    func welcomeReuse() throws {
        var configuration = ServerConfiguration()
        configuration.registerRate = 0
        var state = ServerState(configuration: configuration)
        state.beginMatch(id: 42)
        let addresses = try (0..<4).map { try SocketAddress(ipAddress: "127.0.0.1", port: 4000 + $0) }
        let a = try Self.register(&state, addresses[0], dictionaries: [1], now: 1)
        let b = try Self.register(&state, addresses[1], dictionaries: [1], now: 1)
        let plain = try Self.register(&state, addresses[2], dictionaries: [], now: 1)
        #expect(a == b)
        #expect(a != plain && a.count < 100 && plain.count > 1000)
        #expect(try Frame.decodeWithHeader(a).header.dictionary == 1)
        #expect(try Frame.decodeWithHeader(plain).header.dictionary == 0)

        // After an event, a new client's welcome carries it.
        let event = MatchSimulator.play(seed: 3).events[0]
        let encoded = try EncodedEvent(event: event, sequence: state.nextSequence, roster: .original, catalog: .english, deliveries: [.compact])
        _ = state.publish(encoded)
        let late = try Self.register(&state, addresses[3], dictionaries: [1], now: 2)
        #expect(late != a)
        let frame = try Frame.decode(late)
        #expect(frame.sequence == encoded.sequence && frame.eventType == event.type)
        guard case .welcome(let welcome) = frame.body else {
            Issue.record("not a welcome")
            return
        }
        #expect(welcome.matchID == 42 && welcome.current == CompactEvent(event))
    }
}
