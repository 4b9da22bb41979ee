import Foundation
import GroupSigning
import Match
import Streaming
import TestSupport
import Testing
import Toolkit
import Wire

@Suite("Who may watch: servers and relays that require subscriber tokens (Spec/TOKENS.md, Spec §4.5)", .serialized)
struct TokenAdmissionTests {
    static let operatorKey = GroupSigningKey()

    /// A token's bytes, signed by `key`, valid from now (minus `age`) for `lifetime` seconds.
    static func token(
        subject: String = "viewer", matches: [UInt32] = [], lifetime: UInt32 = 3_600, age: UInt32 = 0, key: GroupSigningKey = operatorKey,
        permissions: SubscriberToken.Permissions = [.watch, .repair]
    ) throws -> [UInt8] {
        let now = UInt32(Date().timeIntervalSince1970) - age
        let text = try TokenTool.issue(key: key, subject: subject, matches: matches, lifetime: lifetime, permissions: permissions, now: now)
        return try SubscriberToken(text: text).encoded()
    }

    static func requiring(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) async throws -> StreamServer {
        try await makeServer {
            $0.tokenAdmission = TokenAdmission(trusted: [Self.operatorKey.publicKey])
            $0.originalAllowed = false
            $0.waitForClients = 1
            $0.interval = .milliseconds(5)
            adjust(&$0)
        }
    }

    @Test("a valid token is admitted and follows the whole match; each bad one is refused with its own reason and words")
    func admissions() async throws {
        try await bounded(90) {
            let server = try await Self.requiring()
            let matchID = try #require(server.matchIDs.first)
            let otherMatch = matchID &+ 1 == 0 ? 2 : matchID &+ 1
            var tampered = try SubscriberToken(decoding: try Self.token())
            tampered.subject = "viewer2"
            let cases: [(String, [UInt8], RefuseReason, String)] = [
                ("none", [], .tokenMissing, "token missing"),
                ("expired", try Self.token(lifetime: 600, age: 3_600), .tokenExpired, "token expired at"),
                ("not yet valid", try SubscriberToken(decoding: try Self.token()).futureCopy(), .tokenNotYetValid, "token not yet valid"),
                ("another match", try Self.token(matches: [otherMatch]), .tokenWrongMatch, "token not valid for match \(matchID)"),
                ("unknown key", try Self.token(key: GroupSigningKey()), .tokenUnknownKey, "token signed by an unknown key"),
                ("altered", try tampered.encoded(), .tokenBadSignature, "token signature invalid"),
                ("watch not permitted", try Self.token(permissions: [.repair]), .tokenNotPermitted, "does not permit watching"),
                ("not a token", [1, 2, 3], .tokenMalformed, "token malformed: truncated"),
            ]
            for (what, bytes, reason, words) in cases {
                let client = try await makeClient(server) { $0.subscriberToken = bytes }
                let result = try await client.run()
                guard case .refused(let refusal) = result.reason else {
                    Issue.record("\(what): not refused (\(result.reason))")
                    continue
                }
                #expect(refusal.reason == reason && refusal.text.contains(words), "\(what): \(refusal.reason.name): \(refusal.text)")
            }
            let viewer = try await makeClient(server) { $0.subscriberToken = try! Self.token(matches: [matchID]) }  // built just above
            async let served = server.run()
            let result = try await viewer.run()
            _ = try await served
            let (events, _) = MatchSimulator.play(seed: 7)
            #expect(result.reason == .endOfTransmission(.fullTime) && result.statistics.received == events.count)
        }
    }

    @Test("a relay presents its own token upstream and admits its clients with the operator's public key alone")
    func relay() async throws {
        try await bounded(90) {
            // The origin kicks off once it has a client: the relay, which subscribes upstream
            // only when a viewer it admits asks for the match (on demand, Spec §4.10). So the
            // match cannot be over before the viewer registers, however loaded the machine.
            let origin = try await Self.requiring { $0.interval = .milliseconds(20) }
            async let originRun = origin.run()
            let relay = try await makeServer {
                $0.simulate = 0
                $0.upstreams = [Upstream(host: "127.0.0.1", port: origin.localAddress.port ?? 0)]
                $0.upstreamOnDemand = true
                $0.upstreamToken = try! Self.token(subject: "relay-1")  // a fresh token, signed above
                $0.tokenAdmission = TokenAdmission(trusted: [Self.operatorKey.publicKey])
                $0.originalAllowed = false
            }
            async let relayRun = relay.run()
            let match = try #require(origin.matchIDs.first)
            let refused = try await makeClient(relay) { $0.match = match }.run()
            guard case .refused(let refusal) = refused.reason else {
                Issue.record("a relay requiring tokens admitted a client without one")
                return
            }
            #expect(refusal.reason == .tokenMissing)
            let viewer = try await makeClient(relay) {
                $0.match = match
                $0.subscriberToken = try! Self.token()  // signed above
                // Its registers go unanswered until the relay carries the match: as long as the
                // relay takes to subscribe upstream, seconds on a loaded machine.
                $0.registerAttempts = 50
            }
            let result = try await viewer.run()
            relay.stop()  // an on-demand relay runs until stopped
            _ = try await (originRun, relayRun)
            #expect(
                result.reason == .endOfTransmission(.fullTime) && result.statistics.unrecovered == 0,
                "the viewer ended with \(result.reason), \(result.statistics.unrecovered) unrecovered")
        }
    }

    @Test("a token without the repair permission watches, but its NACKs are answered unavailable: what it lost stays lost")
    func watchOnly() async throws {
        try await bounded(90) {
            let server = try await Self.requiring { $0.interval = .milliseconds(20) }
            let relay = try await makeRelay(server, loss: 0.2, duplicate: 0, reorder: 0, seed: 3)
            let viewer = try await makeClient(port: relay.port) { $0.subscriberToken = try! Self.token(permissions: [.watch]) }  // signed above
            async let served = server.run()
            let result = try await viewer.run()
            _ = try await served
            await relay.close()
            let statistics = result.statistics
            #expect(statistics.lost > 0 && statistics.repaired == 0 && statistics.unrecovered == statistics.lost, "\(statistics)")
        }
    }

    @Test("--require-token needs a trusted key, and original-protocol clients (whose registers carry no token) denied")
    func configuration() async throws {
        var configuration = ServerConfiguration()
        configuration.tokenAdmission = TokenAdmission(trusted: [])
        configuration.originalAllowed = false
        #expect(throws: StreamingError.self) { try configuration.validate() }
        configuration.tokenAdmission = TokenAdmission(trusted: [Self.operatorKey.publicKey])
        configuration.originalAllowed = true
        #expect(throws: StreamingError.self) { try configuration.validate() }
        configuration.originalAllowed = false
        try configuration.validate()
    }
}

extension SubscriberToken {
    /// The same claims valid only from an hour ahead, signed again.
    func futureCopy() throws -> [UInt8] {
        var copy = self
        copy.notBefore = notBefore + 3_600
        copy.expires = expires + 3_600
        try copy.sign(with: TokenAdmissionTests.operatorKey)
        return try copy.encoded()
    }
}
