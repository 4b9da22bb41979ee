import Match
import NIOCore
import Streaming
import Testing
import Wire

@Suite("Server state (no sockets, injected clock)")
struct ServerStateTests {
    static func address(_ port: Int, _ ip: String = "127.0.0.1") throws -> SocketAddress {
        try SocketAddress(ipAddress: ip, port: port)
    }

    static func state(_ adjust: (inout ServerConfiguration) -> Void = { _ in }, roster: Roster = .original, clock: ManualClock) -> ServerState {
        var configuration = ServerConfiguration()
        configuration.registerRate = 0
        adjust(&configuration)
        var state = ServerState(configuration: configuration, roster: roster, clock: clock)
        state.beginMatch(id: 42)
        return state
    }

    static func register(formats: [BodyFormat] = [.compact], token: [UInt8] = [], dictionaries: [UInt8] = []) throws -> [UInt8] {
        try Frame(body: .register(RegisterRequest.padded(formats: formats, token: token, dictionaries: dictionaries)), subscription: 7).encoded()
    }

    /// Registers `address` through the challenge; returns the final reply's frame bytes (nil when none).
    static func register(
        _ state: inout ServerState, _ address: SocketAddress, formats: [BodyFormat] = [.compact],
        dictionaries: [UInt8] = []
    ) throws -> [UInt8]? {
        let (replies, _) = try state.registerThroughChallenge(from: address) { token in
            try register(formats: formats, token: token, dictionaries: dictionaries)
        }
        return replies.first.map { Array($0.payload.readableBytesView) }
    }

    static func refusal(_ bytes: [UInt8]?) throws -> RefuseReason? {
        guard let bytes, case .refuse(let refusal) = try Frame.decode(bytes).body else { return nil }
        return refusal.reason
    }

    @Test("welcomes are shared between two events, per format and dictionary, and never stale")
    func welcomeReuse() throws {
        let clock = ManualClock()
        var state = Self.state(clock: clock)
        let addresses = try (0..<4).map { try Self.address(4000 + $0) }
        let a = try #require(try Self.register(&state, addresses[0], dictionaries: [1]))
        let b = try #require(try Self.register(&state, addresses[1], dictionaries: [1]))
        let plain = try #require(try Self.register(&state, addresses[2]))
        #expect(a == b)
        #expect(a != plain && a.count < 100 && plain.count > 1000)
        #expect(try Frame.decodeWithHeader(a).header.dictionary == 1)
        #expect(try Frame.decodeWithHeader(plain).header.dictionary == 0)

        // After an event, a new client's welcome carries it.
        let event = MatchSimulator.play(seed: 3).events[0]
        let encoded = try EncodedEvent(event: event, sequence: state.nextSequence(), roster: .original, catalog: .english, deliveries: [.compact])
        _ = state.publish(encoded)
        clock.advance(by: 1)
        let late = try #require(try Self.register(&state, addresses[3], dictionaries: [1]))
        #expect(late != a)
        let frame = try Frame.decode(late)
        #expect(frame.sequence == encoded.sequence && frame.eventType == event.type)
        guard case .welcome(let welcome) = frame.body else {
            Issue.record("not a welcome")
            return
        }
        #expect(welcome.matchID == 42 && welcome.current == CompactEvent(event))
    }

    @Test("registration: challenge first, welcome with the token, the same welcome on a repeat, unregister removes at once")
    func registration() throws {
        let clock = ManualClock()
        var state = Self.state(clock: clock)
        let client = try Self.address(5000)
        let (challenge, notices) = state.handle(try Self.register(), from: client)
        #expect(challenge.count == 1 && state.clientCount == 0)
        guard case .challenged = try #require(notices.first) else {
            Issue.record("expected a challenge notice")
            return
        }
        let welcome = try #require(try Self.register(&state, client, formats: [.json, .compact]))
        #expect(state.clientCount == 1 && state.deliveryCounts[.json] == 1)
        let (again, _) = state.handle(try Self.register(formats: [.json, .compact]), from: client)
        #expect(again.map { Array($0.payload.readableBytesView) } == [welcome] && state.clientCount == 1)
        let (noReply, _) = state.handle(try Frame(body: .unregister, subscription: 7).encoded(), from: client)
        #expect(noReply.isEmpty && state.clientCount == 0 && state.deliveryCounts[.json] == 0)
    }

    @Test("a token expires after 30 s of the clock: then the same register earns a new challenge")
    func tokenExpiry() throws {
        let clock = ManualClock()
        var state = Self.state(clock: clock)
        let client = try Self.address(5001)
        let (replies, _) = state.handle(try Self.register(), from: client)
        guard case .challenge(let challenge) = try Frame.decode(Array(try #require(replies.first).payload.readableBytesView)).body else {
            Issue.record("expected a challenge")
            return
        }
        clock.advance(by: 31)
        let (late, _) = state.handle(try Self.register(token: challenge.token), from: client)
        guard case .challenge = try Frame.decode(Array(try #require(late.first).payload.readableBytesView)).body else {
            Issue.record("an expired token was accepted")
            return
        }
        #expect(state.clientCount == 0)
    }

    @Test("every refusal: unsupported version, malformed, no common format, server full, rate limited")
    func refusals() throws {
        let clock = ManualClock()
        var state = Self.state(
            {
                $0.formats = [.json]
                $0.maxClients = 1
            }, clock: clock)
        var future = try Self.register()
        future[2] = 9
        let versionReply = state.handle(future, from: try Self.address(6000)).replies.first.map { Array($0.payload.readableBytesView) }
        #expect(try Self.refusal(versionReply) == .unsupportedVersion)
        var malformed = try Self.register(formats: [.json])
        malformed[FrameHeader.size + 1] = 9
        let malformedReply = state.handle(malformed, from: try Self.address(6001)).replies.first.map { Array($0.payload.readableBytesView) }
        #expect(try Self.refusal(malformedReply) == .malformed)
        #expect(try Self.refusal(try Self.register(&state, try Self.address(6002), formats: [.compact])) == .noCommonFormat)
        #expect(try Self.refusal(try Self.register(&state, try Self.address(6003), formats: [.json])) == nil)
        #expect(try Self.refusal(try Self.register(&state, try Self.address(6004), formats: [.json])) == .serverFull)
        #expect(state.rejects["refused: server_full"] == 1 && state.rejects["refused: no_common_format"] == 1)

        // Rate limit: 0.3 registers a second per IP (the burst defaults to one), refilled by the clock.
        var limited = Self.state({ $0.registerRate = 0.3 }, clock: clock)
        #expect(try Self.refusal(try Self.register(&limited, try Self.address(7000, "127.0.0.2"))) == nil)
        #expect(try Self.refusal(try Self.register(&limited, try Self.address(7001, "127.0.0.2"))) == .rateLimited)
        #expect(try Self.refusal(try Self.register(&limited, try Self.address(7002, "127.0.0.3"))) == nil)  // another IP
        clock.advance(by: 3.4)
        #expect(try Self.refusal(try Self.register(&limited, try Self.address(7003, "127.0.0.2"))) == nil)
        #expect(limited.clientCount == 3)
    }

    @Test("a client silent past the timeout expires; a heartbeat keeps it; original clients are kept")
    func expiry() throws {
        let clock = ManualClock()
        var state = Self.state({ $0.clientTimeout = .seconds(15) }, clock: clock)
        let quiet = try Self.address(8000)
        let lively = try Self.address(8001)
        let original = try Self.address(8002)
        _ = try Self.register(&state, quiet)
        _ = try Self.register(&state, lively)
        _ = state.handle(Array("register".utf8), from: original)
        #expect(state.clientCount == 3)
        clock.advance(by: 10)
        let (answer, _) = state.handle(try Frame(sequence: 0, body: .heartbeat, subscription: 7).encoded(), from: lively)
        #expect(answer.count == 1)
        #expect(try Frame.decode(Array(answer[0].payload.readableBytesView)).kind == .heartbeat)
        clock.advance(by: 5.5)
        let dropped = state.expire()
        #expect(dropped.count == 1 && state.clientCount == 2)
        guard case .timedOut(let subscriber, let silence) = try #require(dropped.first) else {
            Issue.record("expected a timeout")
            return
        }
        #expect(subscriber.address == quiet && silence > 15)
        clock.advance(by: 100)
        _ = state.expire()
        #expect(state.clientCount == 1)  // the original client stays until it unregisters or the match ends
    }

    @Test("a welcome that fails to encode is counted and logged, never sent empty, and subscribes nobody")
    func encodingFailure() throws {
        let tooLong = String(repeating: "x", count: 300)  // a str8 field holds 255 bytes at most
        var roster = Roster.original
        roster.home.name = tooLong
        let clock = ManualClock()
        var state = Self.state(roster: roster, clock: clock)
        let client = try Self.address(9000)
        let (replies, notices) = try state.registerThroughChallenge(from: client) { try Self.register(token: $0) }
        #expect(replies.isEmpty)
        #expect(replies.allSatisfy { $0.payload.readableBytes > 0 })
        guard case .encodingFailed(let what, _, let error) = try #require(notices.first) else {
            Issue.record("expected an encoding failure, got \(notices)")
            return
        }
        #expect(what.hasPrefix("welcome") && error.code == .tooLarge)
        #expect(state.encodingFailures.values.reduce(0, +) == 1 && state.clientCount == 0)
    }

    @Test("datagrams that only travel to clients are rejected by the direction rule of Spec §3 and §8")
    func directions() throws {
        let clock = ManualClock()
        var state = Self.state(clock: clock)
        let peer = try Self.address(9100)
        let event = try Frame.compactEvent(MatchSimulator.play(seed: 1).events[0], sequence: 0, subscription: 7).encoded()
        _ = state.handle(event, from: peer)
        _ = state.handle(Array("End of transmission".utf8), from: peer)
        #expect(state.rejects["event frame sent to the server"] == 1)
        #expect(state.rejects["server-to-client original datagram sent to the server"] == 1)
    }
}

@Suite("Configuration (checked once, for every entry point)")
struct ConfigurationTests {
    @Test("a register rate between 0 and 0.5 works: its default burst is one register, not none")
    func tinyRegisterRate() throws {
        var configuration = ServerConfiguration()
        configuration.registerRate = 0.3
        let tiny = configuration
        try tiny.validate()
        #expect(configuration.effectiveRegisterBurst == 1)
        var limiter = RegistrationLimiter(rate: 0.3, clock: ManualClock())
        let first = limiter.allow(try SocketAddress(ipAddress: "127.0.0.1", port: 5000))
        // Another port of the same IP shares its bucket; another IP has its own.
        let second = limiter.allow(try SocketAddress(ipAddress: "127.0.0.1", port: 5001))
        let other = limiter.allow(try SocketAddress(ipAddress: "127.0.0.2", port: 5000))
        let v6 = limiter.allow(try SocketAddress(ipAddress: "::1", port: 5000))
        let v6Again = limiter.allow(try SocketAddress(ipAddress: "::1", port: 5001))
        #expect(first && !second && other && v6 && !v6Again)
    }

    @Test("settings out of range are refused with the setting, its option, the value and what is expected; bind refuses them too")
    func outOfRange() async throws {
        let cases: [(String, (inout ServerConfiguration) -> Void)] = [
            ("port (--port)", { $0.port = 70_000 }),
            ("register burst (--register-burst)", { $0.registerBurst = 0.5 }),
            ("register rate (--register-rate)", { $0.registerRate = -1 }),
            ("interval (--interval)", { $0.interval = .seconds(-1) }),
            ("matches (--matches)", { $0.matches = 0 }),
            ("most clients (--max-clients)", { $0.maxClients = 0 }),
            ("client timeout (--client-timeout)", { $0.clientTimeout = .seconds(2) }),
        ]
        for (setting, adjust) in cases {
            var configuration = ServerConfiguration()
            configuration.host = "127.0.0.1"
            adjust(&configuration)
            let checked = configuration
            do {
                try checked.validate()
                Issue.record("\(setting): accepted")
            } catch {
                #expect(error.code == .configuration && error.message.hasPrefix(setting) && error.message.contains("expected"), "\(error)")
            }
            await #expect(throws: StreamingError.self) { _ = try await StreamServer.bind(configuration: checked, logger: quietLogger) }
        }
    }

    @Test("client settings are checked the same way")
    func client() throws {
        var attempts = ClientConfiguration()
        attempts.registerAttempts = 0
        let noAttempts = attempts
        #expect(throws: StreamingError.self) { try noAttempts.validate() }
        var port = ClientConfiguration()
        port.port = 0
        let noPort = port
        #expect(throws: StreamingError.self) { try noPort.validate() }
    }
}

@Suite("Subscription identifiers at the server (version 2, injected clock)")
struct ServerSubscriptionTests {
    @Test("heartbeats and unregisters must carry the subscription's identifier; a register under another needs a token and replaces it")
    func identifiers() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state(clock: clock)
        let client = try ServerStateTests.address(9300)
        _ = try ServerStateTests.register(&state, client)  // identifier 7
        let forgedUnregister = try Frame(body: .unregister, subscription: 8).encoded()
        let forgedHeartbeat = try Frame(sequence: 1, body: .heartbeat, subscription: 8).encoded()
        #expect(state.handle(forgedUnregister, from: client).replies.isEmpty)
        #expect(state.handle(forgedHeartbeat, from: client).replies.isEmpty)
        #expect(state.clientCount == 1)
        #expect(state.rejects["unregister with another subscription's identifier"] == 1)
        #expect(state.rejects["heartbeat with another subscription's identifier"] == 1)
        // The right identifier: answered with it.
        let (answer, _) = state.handle(try Frame(sequence: 1, body: .heartbeat, subscription: 7).encoded(), from: client)
        #expect(try Frame.decode(Array(try #require(answer.first).payload.readableBytesView)).subscription == 7)
        // A register under identifier 9 without a token: a challenge carrying 9, and the subscription stays 7.
        let other = try Frame(body: .register(RegisterRequest.padded(formats: [.compact])), subscription: 9).encoded()
        let (challenge, _) = state.handle(other, from: client)
        let challengeFrame = try Frame.decode(Array(try #require(challenge.first).payload.readableBytesView))
        #expect(challengeFrame.kind == .challenge && challengeFrame.subscription == 9)
        #expect(state.subscribers[client]?.subscription == 7)
        // With the token (only the address's owner gets it): the new subscription replaces the old.
        guard case .challenge(let token) = challengeFrame.body else { return }
        let withToken = try Frame(body: .register(RegisterRequest.padded(formats: [.compact], token: token.token)), subscription: 9).encoded()
        let (welcome, _) = state.handle(withToken, from: client)
        #expect(try Frame.decode(Array(try #require(welcome.first).payload.readableBytesView)).subscription == 9)
        #expect(state.subscribers[client]?.subscription == 9 && state.clientCount == 1)
    }

    @Test("a version-1 register is refused within its own size, naming version 2, under identifier 0")
    func versionOne() throws {
        var state = ServerStateTests.state(clock: ManualClock())
        // A version-1 register: 15-byte header, version 1, padded to 64 bytes.
        var v1 = [UInt8](repeating: 0, count: 64)
        v1[0] = 0xFF
        v1[1] = 0x53
        v1[2] = 1
        v1[3] = FrameKind.register.rawValue
        v1[4] = BodyFormat.compact.rawValue
        v1[13] = 0
        v1[14] = 49
        let (replies, _) = state.handle(v1, from: try ServerStateTests.address(9400))
        let reply = Array(try #require(replies.first).payload.readableBytesView)
        #expect(reply.count <= v1.count)
        let frame = try Frame.decode(reply)
        guard case .refuse(let refusal) = frame.body else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.reason == .unsupportedVersion && refusal.text.contains("2") && frame.subscription == 0)
    }
}

@Suite("Repair at the server (Spec §4.8, injected clock)")
struct ServerRepairTests {
    static func publish(_ state: inout ServerState, _ count: Int) throws {
        for event in MatchSimulator.play(seed: 2).events.prefix(count) {
            _ = state.publish(
                try EncodedEvent(
                    event: event, sequence: state.nextSequence(), roster: .original, catalog: .english,
                    deliveries: [.compact]))
        }
    }

    static func nack(_ sequences: [UInt32], id: UInt64 = 7) throws -> [UInt8] {
        try Frame(body: .nack(SequenceRanges(covering: sequences)), subscription: id).encoded()
    }

    @Test("held events are sent again as retransmissions in the client's format; evicted ones get one unavailable answer; the budget holds")
    func answers() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state(
            {
                $0.repairRingEvents = 5
                $0.repairRate = 1
                $0.repairBurst = 4
            }, clock: clock)
        let client = try ServerStateTests.address(9500)
        _ = try ServerStateTests.register(&state, client, formats: [.json])
        try Self.publish(&state, 8)  // sequences 0...7; the ring keeps 3...7
        let (replies, _) = state.handle(try Self.nack([1, 2, 4, 5]), from: client)
        let frames = try replies.map { try Frame.decode(Array($0.payload.readableBytesView)) }
        #expect(frames.count == 3)
        let repaired = frames.filter { $0.kind == .event }
        #expect(repaired.map(\.sequence) == [4, 5] && repaired.allSatisfy { $0.retransmission && $0.subscription == 7 })
        guard case .event(.json) = repaired[0].body else {
            Issue.record("not the client's format")
            return
        }
        guard let last = frames.last, case .unavailable(let gone) = last.body else {
            Issue.record("no unavailable answer")
            return
        }
        #expect(gone.sequences == [1, 2] && last.subscription == 7)
        // The budget: 4 at once, then 1 a second.
        let (more, _) = state.handle(try Self.nack([3, 4, 5, 6, 7]), from: client)
        #expect(more.count == 2 && state.rejects["repair requests over budget"] == 3)
        clock.advance(by: 1)
        #expect(state.handle(try Self.nack([6]), from: client).replies.count == 1)
        #expect(state.repairsSent == 5 && state.unavailableSent == 2)
        // Another identifier gets nothing.
        #expect(state.handle(try Self.nack([7], id: 8), from: client).replies.isEmpty)
        #expect(state.rejects["nack with another subscription's identifier"] == 1)
    }

    @Test(
        "a logged match: what the ring no longer holds is looked up in the log, sent from there, kept in the ring again; what the log lacks is unavailable"
    )
    func fromTheLog() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state({ $0.repairRingEvents = 3 }, clock: clock)
        let client = try ServerStateTests.address(9502)
        _ = try ServerStateTests.register(&state, client, formats: [.json])
        state.logged(slot: 0, number: 7)
        try Self.publish(&state, 8)  // sequences 0...7; the ring keeps 5...7
        let (replies, notices) = state.handle(try Self.nack([1, 2, 6]), from: client)
        #expect(try replies.map { try Frame.decode(Array($0.payload.readableBytesView)).sequence } == [6])
        let lookups = notices.compactMap { notice -> ServerState.LogLookup? in
            if case .lookUp(let lookup) = notice { return lookup }
            return nil
        }
        let lookup = try #require(lookups.first)
        #expect(lookups.count == 1 && lookup.logNumber == 7 && lookup.sequences.sequences == [1, 2] && lookup.address == client)
        #expect(state.unavailableSent == 0)
        // The log holds 0...7 (as the server's read would give them), but say 2 is missing there too.
        var logged: [UInt32: MatchEvent] = [:]
        for (sequence, event) in MatchSimulator.play(seed: 2).events.prefix(8).enumerated() where sequence != 2 { logged[UInt32(sequence)] = event }
        let (fromLog, _) = state.answerFromLog(lookup, events: logged)
        let frames = try fromLog.map { try Frame.decode(Array($0.payload.readableBytesView)) }
        #expect(frames.count == 2)
        #expect(frames.first?.sequence == 1 && frames.first?.retransmission == true && frames.first?.subscription == 7)
        guard case .event(.json(let datagram)) = frames.first?.body else {
            Issue.record("not the client's format")
            return
        }
        // The very event sent the first time (state, minute and words).
        let original = try Frame.jsonEvent(MatchSimulator.play(seed: 2).events[1], sequence: 1, roster: .original, catalog: .english)
        guard case .event(.json(let expected)) = original.body else {
            Issue.record("no JSON event")
            return
        }
        #expect(datagram == expected)
        guard let last = frames.last, case .unavailable(let gone) = last.body else {
            Issue.record("no unavailable answer")
            return
        }
        #expect(gone.sequences == [2])
        // Sequence 1 is in the ring again: the next NACK for it is answered at once.
        let (again, againNotices) = state.handle(try Self.nack([1]), from: client)
        #expect(again.count == 1 && !againNotices.contains { if case .lookUp = $0 { true } else { false } })
        // A lookup for a match the slot no longer carries answers nothing.
        state.announce(id: 99)
        #expect(state.answerFromLog(lookup, events: logged).replies.isEmpty)
    }

    @Test("a relay whose upstream is lost tells each SoccerStream subscriber once, and flags its heartbeat answers until it is back (Spec §4.10)")
    func sourceLost() throws {
        var state = ServerStateTests.state(clock: ManualClock())
        let client = try ServerStateTests.address(9503)
        _ = try ServerStateTests.register(&state, client)
        let told = state.setSourceLost(true, slot: 0)
        #expect(told.count == 1 && told.first?.address == client)
        let heartbeat = try Frame.decode(Array(try #require(told.first).payload.readableBytesView))
        #expect(heartbeat.kind == .heartbeat && heartbeat.sourceLost && heartbeat.subscription == 7)
        #expect(state.setSourceLost(true, slot: 0).isEmpty)  // no change, nothing sent
        let answer = state.handle(try Frame(body: .heartbeat, subscription: 7).encoded(), from: client).replies
        #expect(try answer.map { try Frame.decode(Array($0.payload.readableBytesView)).sourceLost } == [true])
        let back = state.setSourceLost(false, slot: 0)
        #expect(try back.map { try Frame.decode(Array($0.payload.readableBytesView)).sourceLost } == [false])
    }

    @Test("after the end of the match its subscribers can still have its last events repaired")
    func afterTheEnd() throws {
        var state = ServerStateTests.state(clock: ManualClock())
        let client = try ServerStateTests.address(9501)
        _ = try ServerStateTests.register(&state, client)
        try Self.publish(&state, 3)
        _ = state.finish(.fullTime)
        #expect(state.clientCount == 0)
        let (replies, _) = state.handle(try Self.nack([2]), from: client)
        #expect(try replies.map { try Frame.decode(Array($0.payload.readableBytesView)).sequence } == [2])
    }
}
