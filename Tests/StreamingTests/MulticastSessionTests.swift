import GroupSigning
import Match
import NIOCore
import Streaming
import Testing
import Wire

/// Spec §4.11 in the pure protocol logic (no sockets, injected clock): the client's checks of
/// group datagrams and the server's group subscriptions.
@Suite("Multicast in ClientSession and ServerState (injected clock)")
struct MulticastSessionTests {
    static let key = GroupSigningKey()
    static let events = MatchSimulator.play(seed: 5).events

    static func welcome(key: GroupSigningKey = key, match: UInt32 = 1) throws -> [UInt8] {
        var body = Welcome(
            format: .compact, matchID: match, heartbeatSeconds: 5, intervalMicroseconds: 1_000_000, roster: .original,
            catalog: .english, current: nil)
        body.multicast = MulticastOffer(address: [239, 9, 9, 9], port: 5000, publicKey: key.publicKey.bytes)
        return try Frame(body: .welcome(body), subscription: 7).encoded()
    }

    static func group(_ sequence: Int, key: GroupSigningKey = key, match: UInt32 = 1, json: Bool = false) throws -> [UInt8] {
        let frame =
            json
            ? try Frame.jsonEvent(events[sequence], sequence: UInt32(sequence), roster: .original, catalog: .english)
            : Frame.compactEvent(events[sequence], sequence: UInt32(sequence))
        return try key.groupEvent(from: try frame.encoded(), matchID: match)
    }

    @Test("group events count only signed, of this match and format; forged and replayed ones are rejected, counted, and change nothing")
    func receiverChecks() throws {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        guard case .ignored = session.receiveGroup(try Self.group(0)) else {
            Issue.record("a group event before the welcome was taken")
            return
        }
        _ = session.receive(try Self.welcome())
        #expect(session.groupOffer?.groupDescription == "239.9.9.9:5000" && session.groupKey == Self.key.publicKey)
        guard case .event(let first, _) = session.receiveGroup(try Self.group(0)) else {
            Issue.record("a signed group event was not taken")
            return
        }
        #expect(first.sequence == 0)
        clock.advance(by: 1)
        // Replayed: signed, already held.
        guard case .rejected(let replay) = session.receiveGroup(try Self.group(0)) else {
            Issue.record("a replay was not rejected")
            return
        }
        #expect(replay.contains("replayed"))
        // Forged: another key, or a byte changed under the server's signature.
        var tampered = try Self.group(1)
        tampered[FrameHeader.size] ^= 1
        for forged in [try Self.group(1, key: GroupSigningKey()), tampered, try Self.group(500 % Self.events.count, key: GroupSigningKey())] {
            guard case .rejected(let why) = session.receiveGroup(forged) else {
                Issue.record("a forged group event was not rejected")
                return
            }
            #expect(why.contains("forged"))
        }
        // Another match's and another format's group events are the group's normal traffic: ignored.
        for other in [try Self.group(1, match: 2), try Self.group(1, json: true)] {
            guard case .ignored = session.receiveGroup(other) else {
                Issue.record("another match's or format's group event was not ignored")
                return
            }
        }
        // A unicast event frame on the group, and a group event at the client's address: not taken.
        guard case .ignored = session.receiveGroup(try Frame.compactEvent(Self.events[1], sequence: 1, subscription: 7).encoded()),
            case .rejected = session.receive(try Self.group(1))
        else {
            Issue.record("a frame on the wrong path was taken")
            return
        }
        #expect(session.statistics.received == 1 && session.statistics.duplicates == 0 && session.latest?.sequence == 0)
        #expect(session.group == ClientSession.GroupFigures(accepted: 1, forged: 3, replayed: 1, others: 2, malformed: 1))
        #expect(session.rejected == 5)  // 3 forged + 1 replayed + the group event at the unicast address (not its identifier)
        guard case .event(let second, _) = session.receiveGroup(try Self.group(1)) else {
            Issue.record("the next signed event was not taken")
            return
        }
        #expect(second.sequence == 1 && session.statistics.received == 2)
    }

    @Test(
        "a heartbeat answer ahead of the highest event reveals the events missed (a group gone quiet); before any event it reveals nothing; repairs in a row are counted until a group event comes"
    )
    func heartbeatRevealsGaps() throws {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        _ = session.receive(try Self.welcome())
        // Before kick-off the answer names the first event, not sent yet: nothing owed.
        _ = session.receive(try Frame(sequence: 0, body: .heartbeat, subscription: 7).encoded())
        clock.advance(by: 1)
        #expect(session.dueRepairs() == nil && session.nextRepairDue == nil)
        // A receiver the group never reached: the answer naming #1 says #0 and #1 were sent.
        var unreached = ClientSession(original: false, clock: clock, subscription: 7)
        _ = unreached.receive(try Self.welcome())
        _ = unreached.receive(try Frame(sequence: 1, body: .heartbeat, subscription: 7).encoded())
        clock.advance(by: 0.05)
        let owed = unreached.dueRepairs()
        #expect(owed?.sequences == [0, 1] && unreached.statistics.expected == 2)
        _ = session.receiveGroup(try Self.group(0))
        _ = session.receiveGroup(try Self.group(1))
        // The group goes quiet; the answer to the next heartbeat says the server is at #4.
        _ = session.receive(try Frame(sequence: 4, body: .heartbeat, subscription: 7).encoded())
        clock.advance(by: 0.05)
        let due = session.dueRepairs()
        #expect(due?.sequences == [2, 3, 4])
        #expect(session.statistics.expected == 5)
        // Repaired over unicast: three in a row with no group event; a group event resets the count.
        for sequence in 2...4 {
            var repair = try Frame.decode(try Frame.compactEvent(Self.events[sequence], sequence: UInt32(sequence), subscription: 7).encoded())
            repair.retransmission = true
            _ = session.receive(try repair.encoded())
        }
        #expect(session.group.repairedInARow == 3 && session.statistics.repaired == 3)
        _ = session.receiveGroup(try Self.group(5))
        #expect(session.group.repairedInARow == 0 && session.statistics.received == 3)
    }

    @Test("a pinned key that the welcome does not offer: no group to join, every group event refused")
    func pinnedKey() throws {
        var session = ClientSession(original: false, clock: ManualClock(), subscription: 7)
        let pinned = GroupSigningKey()
        session.pinnedKey = pinned.publicKey
        _ = session.receive(try Self.welcome())
        #expect(session.groupOffer == nil && session.refusedKey == Self.key.publicKey)
        guard case .ignored = session.receiveGroup(try Self.group(0)) else {
            Issue.record("a group event was taken without an accepted key")
            return
        }
        // The pinned key offered: taken.
        var trusting = ClientSession(original: false, clock: ManualClock(), subscription: 7)
        trusting.pinnedKey = Self.key.publicKey
        _ = trusting.receive(try Self.welcome())
        #expect(trusting.groupKey == Self.key.publicKey && trusting.refusedKey == nil)
    }

    @Test(
        "server: a group register is welcomed with the offer and left out of the unicast fan-out; a repeat register switches delivery both ways; without a group it stays unicast"
    )
    func serverSide() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state(clock: clock)
        let offer = MulticastOffer(address: [239, 9, 9, 9], port: 5000, publicKey: Self.key.publicKey.bytes)
        let client = try ServerStateTests.address(9600)
        let other = try ServerStateTests.address(9601)
        func register(_ address: SocketAddress, delivery: RegisterRequest.Delivery, token: [UInt8] = []) throws -> [UInt8]? {
            let bytes = try Frame(body: .register(RegisterRequest.padded(formats: [.compact], token: token, delivery: delivery)), subscription: 7)
                .encoded()
            let (replies, _) = state.handle(bytes, from: address)
            guard let reply = replies.first.map({ Array($0.payload.readableBytesView) }) else { return nil }
            if case .challenge(let challenge) = try Frame.decode(reply).body {
                return try register(address, delivery: delivery, token: challenge.token)
            }
            return reply
        }
        // No group: asked for, not given; the welcome offers nothing.
        guard case .welcome(let plain) = try Frame.decode(try #require(try register(client, delivery: .group))).body else {
            Issue.record("no welcome")
            return
        }
        #expect(plain.multicast == nil && state.matches[0].groupCounts.values.reduce(0, +) == 0)
        state.multicastOffers = [.compact: offer]
        guard case .welcome(let offered) = try Frame.decode(try #require(try register(client, delivery: .group))).body else {
            Issue.record("no welcome")
            return
        }
        #expect(offered.multicast == offer && state.matches[0].groupCounts[.compact] == 1)
        _ = try register(other, delivery: .unicast)
        let recipients = state.publish(
            try EncodedEvent(
                event: Self.events[0], sequence: state.nextSequence(), roster: .original,
                catalog: .english, deliveries: [.compact]))
        #expect(recipients.map(\.address) == [other], "the group subscriber is left out of the unicast fan-out")
        // Back to unicast with a repeat register, and once more to the group.
        _ = try register(client, delivery: .unicast)
        #expect(state.matches[0].groupCounts[.compact] == 0 && state.clientCount == 2)
        let both = state.publish(
            try EncodedEvent(
                event: Self.events[1], sequence: state.nextSequence(), roster: .original,
                catalog: .english, deliveries: [.compact]))
        #expect(Set(both.map(\.address)) == [client, other])
        _ = try register(client, delivery: .group)
        #expect(state.matches[0].groupCounts[.compact] == 1 && state.matches[0].groupDeliveries == [.compact])
        // Its repairs stay unicast, stamped with its identifier.
        let (repairs, _) = state.handle(try ServerRepairTests.nack([0]), from: client)
        let repaired = try repairs.map { try Frame.decode(Array($0.payload.readableBytesView)) }
        #expect(repaired.count == 1 && repaired.first?.kind == .event && repaired.first?.retransmission == true && repaired.first?.subscription == 7)
    }
}
