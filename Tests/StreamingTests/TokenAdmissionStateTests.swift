import Foundation
import GroupSigning
import NIOCore
import Streaming
import Testing
import Wire

/// Servers and relays that require subscriber tokens (Spec/TOKENS.md), no sockets: the rate
/// limit comes before a token's signature is checked, and an on-demand relay (Spec §4.10)
/// subscribes upstream only for a register it would admit.
@Suite("Token admission in the server's state (injected clock)")
struct TokenAdmissionStateTests {
    /// A relay's state: on demand from one upstream, carrying no match yet, requiring tokens.
    static func relay(clock: ManualClock) -> ServerState {
        var configuration = ServerConfiguration()
        configuration.registerRate = 0
        configuration.simulate = 0
        configuration.upstreams = [Upstream(host: "127.0.0.1", port: 9)]
        configuration.upstreamOnDemand = true
        configuration.tokenAdmission = TokenAdmission(trusted: [TokenAdmissionTests.operatorKey.publicKey])
        configuration.originalAllowed = false
        return ServerState(configuration: configuration, roster: .original, clock: clock)
    }

    /// Registers for `match` from `address` through the address challenge, with `token`;
    /// returns the last answer's replies and notices.
    static func register(
        _ state: inout ServerState, _ address: SocketAddress, match: UInt32, token: [UInt8]
    ) throws -> (replies: [ServerState.Reply], notices: [ServerState.Notice]) {
        try state.registerThroughChallenge(from: address) { addressToken in
            try Frame(
                body: .register(RegisterRequest.padded(formats: [.compact], token: addressToken, match: match, subscriberToken: token)),
                subscription: 7
            ).encoded()
        }
    }

    /// The reason of the refusal that answered, if the first reply is one.
    static func refusal(_ answer: (replies: [ServerState.Reply], notices: [ServerState.Notice])) throws -> RefuseReason? {
        try ServerStateTests.refusal(answer.replies.first.map { Array($0.payload.readableBytesView) })
    }

    static func wanted(_ notices: [ServerState.Notice]) -> [UInt32] {
        notices.compactMap { notice in
            guard case .wanted(let match) = notice else { return nil }
            return match
        }
    }

    @Test("registers with forged tokens from one validated address meet the rate limit before their signatures are checked")
    func rateLimitBeforeSignature() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state(
            {
                $0.registerRate = 1  // a burst of 2
                $0.tokenAdmission = TokenAdmission(trusted: [TokenAdmissionTests.operatorKey.publicKey])
                $0.originalAllowed = false
            }, clock: clock)
        var forged = try TokenAdmissionTests.token(matches: [42])
        forged[forged.count - 1] ^= 1  // the signature's last byte
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 5010)
        var reasons: [RefuseReason?] = []
        for _ in 0..<4 {
            let answer = try Self.register(&state, address, match: 42, token: forged)
            reasons.append(try Self.refusal(answer))
        }
        #expect(reasons == [.tokenBadSignature, .tokenBadSignature, .rateLimited, .rateLimited])
        // A second later the bucket has a token again, and the signature is checked again.
        clock.advance(by: 1)
        let later = try Self.register(&state, address, match: 42, token: forged)
        #expect(try Self.refusal(later) == .tokenBadSignature)
    }

    @Test("a register without a token, or with one for another match, is refused and pulls nothing upstream; a valid one is")
    func pullsOnlyForAdmitted() throws {
        let clock = ManualClock()
        var state = Self.relay(clock: clock)
        let match: UInt32 = 2_976_871_303

        let tokenless = try Self.register(&state, try SocketAddress(ipAddress: "127.0.0.1", port: 5001), match: match, token: [])
        #expect(Self.wanted(tokenless.notices).isEmpty, "a tokenless register pulled the match upstream")
        #expect(try Self.refusal(tokenless) == .tokenMissing)

        let elsewhere = try TokenAdmissionTests.token(matches: [match &+ 1])
        let wrong = try Self.register(&state, try SocketAddress(ipAddress: "127.0.0.1", port: 5002), match: match, token: elsewhere)
        #expect(Self.wanted(wrong.notices).isEmpty, "a register with another match's token pulled the match upstream")
        #expect(try Self.refusal(wrong) == .tokenWrongMatch)

        let valid = try TokenAdmissionTests.token(matches: [match])
        let admitted = try Self.register(&state, try SocketAddress(ipAddress: "127.0.0.1", port: 5003), match: match, token: valid)
        #expect(admitted.replies.isEmpty, "left unanswered while the relay subscribes upstream")
        #expect(Self.wanted(admitted.notices) == [match])

        // "Any match" with a token for one match: the match is not known yet, so it is pulled
        // (the token is checked against the match found on the next attempt), unless the token
        // fails for another reason.
        let any = try Self.register(&state, try SocketAddress(ipAddress: "127.0.0.1", port: 5004), match: RegisterRequest.anyMatch, token: valid)
        #expect(any.replies.isEmpty && Self.wanted(any.notices) == [RegisterRequest.anyMatch])
        let expired = try TokenAdmissionTests.token(matches: [match], lifetime: 60, age: 3_600)
        let stale = try Self.register(
            &state, try SocketAddress(ipAddress: "127.0.0.1", port: 5005), match: RegisterRequest.anyMatch, token: expired)
        #expect(Self.wanted(stale.notices).isEmpty, "an expired token pulled a match")
        #expect(try Self.refusal(stale) == .tokenExpired)
    }
}
