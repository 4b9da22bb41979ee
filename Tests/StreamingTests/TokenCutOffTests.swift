import Foundation
import GroupSigning
import Match
import NIOCore
import Streaming
import Synchronization
import TestSupport
import Testing
import Toolkit
import Wire

/// A clock whose Unix time the test sets: tokens are timed by it.
final class UnixClock: ProtocolClock {
    let base = ManualClock()
    let unix: Mutex<UInt32>

    init(unix: UInt32) { self.unix = Mutex(unix) }

    func now() -> Double { base.now() }
    func unixSeconds() -> UInt32 { unix.withLock { $0 } }
    func advance(by seconds: UInt32) {
        base.advance(by: Double(seconds))
        unix.withLock { $0 += seconds }
    }
}

@Suite("Revoked and expired tokens cut their subscribers off (Spec §4.5, Spec/TOKENS.md)", .serialized)
struct TokenCutOffTests {
    static let start: UInt32 = 1_800_000_000

    static func token(subject: String, lifetime: UInt32) throws -> SubscriberToken {
        let text = try TokenTool.issue(
            key: TokenAdmissionTests.operatorKey, subject: subject, matches: [], lifetime: lifetime, permissions: [.watch, .repair],
            now: start)
        return try SubscriberToken(text: text)
    }

    /// Registers `address` under identifier `subscription` with `token`, through the challenge.
    static func register(_ state: inout ServerState, _ address: SocketAddress, subscription: UInt64, token: SubscriberToken) throws {
        let (welcomed, _) = try state.registerThroughChallenge(from: address) { challenge in
            let request = RegisterRequest.padded(formats: [.compact], token: challenge, subscriberToken: try token.encoded())
            return try Frame(body: .register(request), subscription: subscription).encoded()
        }
        #expect(try Frame.decode(Array(try #require(welcomed.first).payload.readableBytesView)).kind == .welcome)
    }

    /// The refuse frames among `replies`: address, identifier, reason.
    static func refusals(_ replies: [ServerState.Reply]) throws -> [(SocketAddress, UInt64, RefuseReason)] {
        try replies.map { reply in
            let frame = try Frame.decode(Array(reply.payload.readableBytesView))
            guard case .refuse(let refusal) = frame.body else { throw WireError(.unknownKind, field: "kind", offset: 3, "not a refuse") }
            return (reply.address, frame.subscription, refusal.reason)
        }
    }

    @Test(
        "a reloaded list cuts off the subscriber it names at once, told why under its own identifier; an expired token is cut off by the next sweep")
    func engine() throws {
        let clock = UnixClock(unix: Self.start + 10)
        var configuration = ServerConfiguration()
        configuration.registerRate = 0
        configuration.originalAllowed = false
        configuration.tokenAdmission = TokenAdmission(trusted: [TokenAdmissionTests.operatorKey.publicKey])
        var state = ServerState(configuration: configuration, clock: clock)
        state.beginMatch(id: 42)
        let (revoked, expiring, staying) = (
            try SocketAddress(ipAddress: "127.0.0.1", port: 5001), try SocketAddress(ipAddress: "127.0.0.1", port: 5002),
            try SocketAddress(ipAddress: "127.0.0.1", port: 5003)
        )
        let revokedToken = try Self.token(subject: "acme", lifetime: 86_400)
        try Self.register(&state, revoked, subscription: 11, token: revokedToken)
        try Self.register(&state, expiring, subscription: 12, token: try Self.token(subject: "brief", lifetime: 600))
        try Self.register(&state, staying, subscription: 13, token: try Self.token(subject: "loyal", lifetime: 86_400))
        #expect(state.clientCount == 3)
        #expect(try Self.refusals(state.cutOffFallen().replies).isEmpty)

        var list = RevocationList()
        list.tokenIDs.insert(revokedToken.tokenID)
        let (replies, notices) = state.applyRevocations(list)
        let cut = try Self.refusals(replies)
        #expect(cut.count == 1 && cut.first?.0 == revoked && cut.first?.1 == 11 && cut.first?.2 == .tokenRevoked)
        #expect(state.clientCount == 2 && state.subscribers[revoked] == nil)
        guard case .cutOff(let subscriber, let refusal, let count) = notices.first else {
            Issue.record("no cut-off notice: \(notices)")
            return
        }
        #expect(subscriber.address == revoked && refusal.text.contains("is on the revocation list") && count == 2)

        // Within the skew nothing happens; past it, the next sweep (once a second) cuts the expired one off.
        clock.advance(by: 600)
        #expect(try Self.refusals(state.cutOffFallen().replies).isEmpty)
        clock.advance(by: TokenAdmission.defaultSkew)
        let expired = try Self.refusals(state.cutOffFallen().replies)
        #expect(expired.count == 1 && expired.first?.0 == expiring && expired.first?.1 == 12 && expired.first?.2 == .tokenExpired)
        #expect(state.clientCount == 1 && state.subscribers[staying] != nil)
        // Registering again with the revoked token is refused, with the same reason.
        let again = RegisterRequest.padded(formats: [.compact], token: state.token(for: revoked), subscriberToken: try revokedToken.encoded())
        let (answer, _) = state.handle(try Frame(body: .register(again), subscription: 14).encoded(), from: revoked)
        #expect(try Self.refusals(answer).map(\.2) == [.tokenRevoked])
    }

    @Test("a restarted server that requires tokens restores no kept subscription: each registers again, its token checked again")
    func restart() throws {
        var configuration = ServerConfiguration()
        configuration.originalAllowed = false
        configuration.tokenAdmission = TokenAdmission(trusted: [TokenAdmissionTests.operatorKey.publicKey])
        var state = ServerState(configuration: configuration, clock: UnixClock(unix: Self.start))
        state.beginMatch(id: 42)
        let kept = Subscriber(address: try SocketAddress(ipAddress: "127.0.0.1", port: 5004), delivery: .compact, subscription: 21)
        let (restored, replies, _) = state.restoreSubscribers([kept], slot: 0)
        #expect(restored.isEmpty && replies.isEmpty && state.clientCount == 0)
        configuration.tokenAdmission = nil
        var open = ServerState(configuration: configuration, clock: UnixClock(unix: Self.start))
        open.beginMatch(id: 42)
        #expect(open.restoreSubscribers([kept], slot: 0).restored.count == 1)
    }

    @Test("a client takes a refuse after its welcome as the end of its subscription only for an expired or revoked token")
    func client() throws {
        for (reason, cut) in [(RefuseReason.tokenRevoked, true), (.tokenExpired, true), (.serverFull, false), (.tokenMissing, false)] {
            var session = ClientSession(original: false, clock: ManualClock(), subscription: 7)
            _ = session.receive(try ClientSessionTests.welcome(interval: 100_000))
            let refuse = try Frame(body: .refuse(Refusal(reason: reason, text: "why")), subscription: 7).encoded()
            switch session.receive(refuse) {
            case .cutOff(let refusal): #expect(cut && refusal.reason == reason)
            case .ignored: #expect(!cut, "\(reason.name) ignored")
            default: Issue.record("\(reason.name): neither cut off nor ignored")
            }
            // Another subscription's identifier never cuts anyone off.
            let forged = try Frame(body: .refuse(Refusal(reason: reason, text: "why")), subscription: 8).encoded()
            if case .cutOff = session.receive(forged) { Issue.record("a forged refuse cut the client off") }
        }
    }

    @Test("rewriting the revocation list file cuts a watching client off mid-match, and it says why")
    func revokedWhileWatching() async throws {
        try await bounded(90) {
            let folder = temporaryDirectoryPath("revocations")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let listFile = folder + "/revoked.txt"
            try "# nobody yet\n".write(toFile: listFile, atomically: true, encoding: .utf8)
            // A second between events: the match lasts longer than a loaded machine takes to
            // notice the rewritten file (at 20 ms a CI run once streamed all 47 events first, and
            // at 100 ms a full run beside two busy loops). It costs no time: the server is
            // stopped once the viewer is cut off.
            let server = try await TokenAdmissionTests.requiring {
                $0.interval = .seconds(1)
                $0.revocationFile = listFile
            }
            let tokenBytes = try TokenAdmissionTests.token(subject: "cancelled-customer")
            let token = try SubscriberToken(decoding: tokenBytes)
            let viewer = try await makeClient(server) { $0.subscriberToken = tokenBytes }
            async let served = server.run()
            async let watched = viewer.run()
            await server.waitForClients { $0 >= 1 }
            // Replaced by a rename, as editors and `mv` do.
            try "token \(Hex.encode(token.tokenID))\n".write(toFile: listFile, atomically: true, encoding: .utf8)
            let result = try await watched
            server.stop()
            _ = try await served
            guard case .cutOff(let refusal) = result.reason else {
                Issue.record("not cut off: \(result.reason)")
                return
            }
            let (events, _) = MatchSimulator.play(seed: 7)
            #expect(refusal.reason == .tokenRevoked && refusal.text.contains("revocation list"))
            #expect(result.statistics.received < events.count)
            #expect(result.reason.statisticsLine.hasPrefix("(client) Cut off by the server: token_revoked"))
        }
    }
}
