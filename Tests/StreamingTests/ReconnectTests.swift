import Match
import NIOCore
import Streaming
import TestSupport
import Testing
import Wire

/// A client whose server falls silent registers again (`--reconnect-for`), and the outage shows
/// in its statistics; the stream goes on. The server here is a scripted peer, so that its
/// silence, its second welcome and its repairs come exactly when the test says.
@Suite("Clients reconnect after a server's silence")
struct ReconnectTests {
    /// The next frame of `kind` from the client, skipping others (heartbeats).
    static func next(_ kind: FrameKind, from peer: RawPeer) async throws -> (SocketAddress, Frame)? {
        for _ in 0..<50 {
            guard let (address, bytes) = try await peer.next(timeout: .seconds(10)) else { return nil }
            let frame = try Frame.decode(bytes)
            if frame.kind == kind { return (address, frame) }
        }
        return nil
    }

    @Test("silent past the timeout, the client registers again; welcomed again, it repairs the events it missed and reports the outage")
    func outage() async throws {
        try await bounded(60) {
            let server = try await RawPeer()
            let events = MatchSimulator.play(seed: 4).events
            let client = try await makeClient(port: server.port) {
                $0.serverTimeout = .seconds(1)
                $0.reconnectFor = .seconds(20)
                $0.initialBackoff = .milliseconds(50)
            }
            async let result = client.run()
            let (address, register) = try #require(try await Self.next(.register, from: server))
            let subscription = register.subscription
            func welcome() throws -> [UInt8] {
                try Frame(
                    sequence: 0,
                    body: .welcome(
                        Welcome(
                            format: .compact, matchID: 9, heartbeatSeconds: 0, intervalMicroseconds: 10_000,
                            roster: .original, catalog: .english, current: nil)),
                    subscription: subscription
                ).encoded()
            }
            func event(_ index: Int, retransmission: Bool = false) throws -> [UInt8] {
                var frame = Frame.compactEvent(events[index], sequence: UInt32(index), subscription: subscription)
                frame.retransmission = retransmission
                return try frame.encoded()
            }
            try await server.send(try welcome(), to: address)
            for index in 0..<3 { try await server.send(try event(index), to: address) }
            #expect(await client.waitUntilReceived(3))
            // Silence (events 3, 4 and 5 are "lost" meanwhile): the client registers again, same
            // identifier. The register that counts is one read once the client's outage is on (it
            // begins before the register goes out). Those it repeated before its first welcome (its
            // backoff is short), or sent after a pause of this test on a loaded machine before the
            // events came, are stale: answered, they would end no outage.
            var again: Frame?
            for _ in 0..<50 where again == nil {
                let (_, register) = try #require(try await Self.next(.register, from: server))
                if client.session.withLock({ $0.reregistering && $0.outages.last?.end == nil }) { again = register }
            }
            #expect(try #require(again).subscription == subscription)
            try await server.send(try welcome(), to: address)
            for index in 6..<8 { try await server.send(try event(index), to: address) }
            #expect(await client.waitUntilReceived(5))
            // The gap is asked for and repaired.
            let (_, nack) = try #require(try await Self.next(.nack, from: server))
            guard case .nack(let ranges) = nack.body else {
                Issue.record("not a nack")
                return
            }
            #expect(ranges.sequences.contains(3) && ranges.sequences.contains(5))
            // Sent before the end, so they arrive before it (loopback keeps order); the client waits for them anyway.
            for index in 3..<6 { try await server.send(try event(index, retransmission: true), to: address) }
            let end = try Frame(
                sequence: 7, score: events[7].score, minute: events[7].minute, body: .end(EndOfMatch(reason: .fullTime)),
                subscription: subscription
            ).encoded()
            try await server.send(end, to: address)
            let outcome = try await result
            await server.close()
            #expect(outcome.reason == .endOfTransmission(.fullTime))
            // First time: 0-2 and 6-7; the three of the outage came as repairs (lost = repaired + unrecovered, Spec §6).
            #expect(outcome.statistics.received == 5 && outcome.statistics.repaired == 3 && outcome.statistics.unrecovered == 0)
            // The scripted silence; on a loaded machine a pause of the test itself may count as
            // another outage (short, nothing missed).
            let scripted = outcome.outages.filter { $0.missed > 0 }
            #expect(scripted.count == 1, "outages: \(outcome.outages)")
            let outage = try #require(scripted.first)
            #expect(outage.missed == 3 && outage.repaired == 3 && outage.seconds >= 1)
            #expect(outcome.report.text.contains("server silent") && outcome.report.text.contains("missed during it: 3, repaired: 3"))
        }
    }

    @Test("with no reconnect time, silence ends the client as before")
    func givesUp() async throws {
        try await bounded(30) {
            let server = try await RawPeer()
            let client = try await makeClient(port: server.port) {
                $0.serverTimeout = .milliseconds(200)
                $0.registerAttempts = 10
            }
            async let result = client.run()
            let (address, register) = try #require(try await Self.next(.register, from: server))
            try await server.send(
                try Frame(
                    body: .welcome(
                        Welcome(
                            format: .compact, matchID: 9, heartbeatSeconds: 0, intervalMicroseconds: 10_000,
                            roster: .original, catalog: .english, current: nil)),
                    subscription: register.subscription
                ).encoded(), to: address)
            let outcome = try await result
            await server.close()
            guard case .serverSilent = outcome.reason else {
                Issue.record("ended by \(outcome.reason.name)")
                return
            }
            #expect(outcome.outages.isEmpty)
        }
    }
}
