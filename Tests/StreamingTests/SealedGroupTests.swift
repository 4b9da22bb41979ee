import GroupSigning
import Match
import NIOCore
import Streaming
import Testing
import Wire

/// Spec/ENCRYPTION.md "Multicast: the group key" in the pure protocol logic: the server hands its
/// group keys to sealed group subscribers only, rotates them, and the client opens sealed group
/// events under their epoch's key.
@Suite("The sealed group: keys in sealed welcomes, rotation, sealed group events (injected clock)")
struct SealedGroupTests {
    static let signer = GroupSigningKey()
    static let offer = MulticastOffer(address: [239, 9, 9, 9], port: 5000, publicKey: signer.publicKey.bytes)

    /// Registers `session`'s client at `address` through the challenge; the last reply.
    static func register(
        _ state: inout ServerState, _ session: ClientSession, at address: SocketAddress, share: [UInt8], delivery: RegisterRequest.Delivery
    ) throws -> [UInt8]? {
        var token: [UInt8] = []
        for _ in 0..<2 {
            let bytes = try Frame(
                body: .register(RegisterRequest.padded(formats: [.compact], token: token, delivery: delivery, keyShare: share)),
                subscription: session.subscription
            ).encoded()
            guard let reply = state.handle(bytes, from: address).replies.first.map({ Array($0.payload.readableBytesView) }) else { return nil }
            guard !SealedFrame.isSealed(reply), case .challenge(let challenge) = try Frame.decode(reply).body else { return reply }
            token = challenge.token
        }
        return nil
    }

    @Test("only sealed subscriptions take a sealed group, with its keys; a rotation hands the next key to each; a key holder cannot forge")
    func sealedGroup() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state({ $0.encryption = .preferred }, clock: clock)
        state.multicastOffers = [.compact: Self.offer]
        var viewer = ClientSession(original: false, clock: clock, subscription: 21)
        viewer.keyShare = KeyShare()
        let welcome = try #require(
            try Self.register(&state, viewer, at: try ServerStateTests.address(9700), share: viewer.keyShare?.publicBytes ?? [], delivery: .group))
        #expect(SealedFrame.isSealed(welcome))
        guard case .welcomed = viewer.receive(welcome) else {
            Issue.record("the sealed welcome did not welcome")
            return
        }
        let epoch = try #require(state.groupKeys?.epoch)
        #expect(viewer.groupOffer != nil && viewer.groupKeys[epoch] == state.groupKeys?.current)
        #expect(state.matches[0].groupCounts[.compact] == 1)
        // In clear: neither the group nor its keys; its events come at its address.
        let plain = ClientSession(original: false, clock: clock, subscription: 22)
        let clearWelcome = try #require(try Self.register(&state, plain, at: try ServerStateTests.address(9701), share: [], delivery: .group))
        guard case .welcome(let body) = try Frame.decode(clearWelcome).body else {
            Issue.record("no welcome in clear")
            return
        }
        #expect(body.multicast == nil && state.matches[0].groupCounts[.compact] == 1)
        // A sealed group event opens under its epoch's key and counts; one a key holder seals and
        // signs with another key is forged.
        let event = MatchSimulator.play(seed: 1).events[0]
        let frame = try Frame.compactEvent(event, sequence: 0).encoded()
        let ring = try #require(state.groupKeys)
        let sealed = try Self.signer.sealedGroupEvent(from: frame, matchID: 42, key: ring.current, epoch: ring.epoch)
        #expect(sealed.count == frame.count + SealedFrame.tagSize + GroupSignature.size)
        let forged = try GroupSigningKey().sealedGroupEvent(from: frame, matchID: 42, key: ring.current, epoch: ring.epoch)
        guard case .rejected = viewer.receiveGroup(forged) else {
            Issue.record("a group event signed by a key holder was taken")
            return
        }
        guard case .event(let snapshot, _) = viewer.receiveGroup(sealed) else {
            Issue.record("a sealed group event was not taken")
            return
        }
        #expect(snapshot.sequence == 0 && viewer.group.forged == 1 && viewer.group.accepted == 1)
        // Rotation: a sealed welcome with both keys to the sealed group subscriber only.
        let (replies, _) = state.rotateGroupKey()
        #expect(replies.count == 1 && state.groupKeys?.epoch == epoch &+ 1)
        _ = viewer.receive(Array(try #require(replies.first).payload.readableBytesView))
        #expect(viewer.groupKeys.count == 2 && viewer.groupKeys[epoch &+ 1] == state.groupKeys?.current)
        let next = try #require(state.groupKeys)
        let later = try Self.signer.sealedGroupEvent(
            from: try Frame.compactEvent(MatchSimulator.play(seed: 1).events[1], sequence: 1).encoded(), matchID: 42, key: next.current,
            epoch: next.epoch)
        guard case .event = viewer.receiveGroup(later) else {
            Issue.record("an event of the new epoch was not taken")
            return
        }
        // An epoch the client does not hold: not taken (unicast repair fills it).
        let unknown = try Self.signer.sealedGroupEvent(
            from: try Frame.compactEvent(MatchSimulator.play(seed: 1).events[2], sequence: 2).encoded(), matchID: 42,
            key: try SubscriptionKey(bytes: [UInt8](repeating: 3, count: 32)), epoch: next.epoch &+ 5)
        guard case .ignored = viewer.receiveGroup(unknown) else {
            Issue.record("an event of an unknown epoch was taken")
            return
        }
    }

    @Test(
        "the amplification bar with key shares: a register offering one (67 bytes) from an address not validated gets one 60-byte challenge, no key agreed, nobody subscribed"
    )
    func amplification() throws {
        let clock = ManualClock()
        var state = ServerStateTests.state(
            {
                $0.encryption = .required
                $0.originalAllowed = false
            }, clock: clock)
        let register = try Frame(body: .register(RegisterRequest.padded(formats: [.compact], keyShare: KeyShare().publicBytes)), subscription: 5)
            .encoded()
        #expect(register.count == 67)
        for port in 9800..<9810 {
            let (replies, _) = state.handle(register, from: try ServerStateTests.address(port))
            #expect(replies.count == 1 && replies.allSatisfy { $0.payload.readableBytes <= register.count })
            guard case .challenge = try Frame.decode(Array(try #require(replies.first).payload.readableBytesView)).body else {
                Issue.record("not a challenge")
                return
            }
        }
        #expect(state.clientCount == 0 && state.sealCounter == 0)
    }
}
