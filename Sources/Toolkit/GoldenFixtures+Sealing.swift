import GroupSigning
import Wire

extension GoldenFixtures {
    /// Spec/ENCRYPTION.md's test vector: the client's private key is the bytes 0…31, the
    /// server's 32…63, the subscription identifier `0123456789abcdef`; the key they agree.
    public static func sealingVector() throws(WireError) -> (client: KeyShare, server: KeyShare, key: SubscriptionKey) {
        let client = try KeyShare(privateKey: Array(0..<32))
        let server = try KeyShare(privateKey: Array(32..<64))
        return (client, server, try client.key(peer: server.publicBytes, identifier: sealingIdentifier, client: true))
    }

    /// The fixtures' group key (Spec/ENCRYPTION.md, "Multicast"): the bytes 0x40…0x5f, epoch 1.
    public static func sealingGroupKeys() throws(WireError) -> GroupKeyRing {
        GroupKeyRing(epoch: 1, key: try SubscriptionKey(bytes: Array(0x40..<0x60)))
    }

    /// A sealed fixture opened: with the group key for a group event, else the vector's key.
    public static func openSealed(_ bytes: [UInt8]) throws(WireError) -> [UInt8] {
        let frame = try SealedFrame.parse(bytes)
        let key = frame.kind == .groupEvent ? try sealingGroupKeys().current : try sealingVector().key
        return try key.open(frame, eventFormat: .compact)
    }

    /// The identifier of the sealing vector's subscription (its key is bound to it).
    public static let sealingIdentifier: UInt64 = 0x0123_4567_89AB_CDEF

    /// The sealed fixtures (Spec/ENCRYPTION.md), made from `plain` fixtures under the vector's
    /// identifier and key: a welcome (counter 1), the goal event, the end (counter 2).
    static func sealedFixtures(from plain: [String: [UInt8]]) throws(WireError) -> [(String, [UInt8])] {
        let vector = try sealingVector()
        var made: [(String, [UInt8])] = []
        for (name, source, counter) in [
            ("welcome-sealed", "welcome-compact-kickoff", UInt32(1)), ("event-compact-goal-sealed", "event-compact-goal", 0),
            ("end-sealed", "end-full-time", 2),
        ] {
            guard var bytes = plain[source] else {
                throw WireError(.inconsistent, field: "fixtures", offset: 0, "the fixture \(source) to seal is missing")
            }
            FrameHeader.stamp(sealingIdentifier, into: &bytes)
            made.append((name, try vector.key.seal(bytes, keyShare: source.hasPrefix("welcome") ? vector.server.publicBytes : [], counter: counter)))
        }
        // The sealed group: a sealed welcome handing out the group key, and a sealed group event.
        let ring = try sealingGroupKeys()
        guard let offering = plain["welcome-multicast"], let goal = plain["event-compact-goal"], let signed = plain["group-event-compact-goal"],
            case .frame(let frame) = try Datagram.decode(offering), case .welcome(var body) = frame.body
        else {
            throw WireError(.inconsistent, field: "fixtures", offset: 0, "the multicast fixtures to seal are missing")
        }
        body.multicast?.groupKeys = ring.entries
        var welcome = frame
        welcome.body = .welcome(body)
        welcome.subscription = sealingIdentifier
        made.append(("welcome-sealed-group", try vector.key.seal(try welcome.encoded(), keyShare: vector.server.publicBytes, counter: 3)))
        let match = UInt32(truncatingIfNeeded: FrameHeader.subscription(in: signed) >> 32)  // a group event's bytes 15–18
        let signer = try GroupSigningKey(seed: groupKeySeed)
        made.append(
            ("group-event-compact-goal-sealed", try signer.sealedGroupEvent(from: goal, matchID: match, key: ring.current, epoch: ring.epoch)))
        return made
    }

    /// A sealed fixture's expectation: its clear part, then its plaintext opened with the
    /// vector's key, described as any frame.
    static func sealedExpectation(of bytes: [UInt8]) throws(WireError) -> JSONNode {
        let frame = try SealedFrame.parse(bytes)
        let plaintext = try openSealed(bytes)
        let (header, opened) = try Datagram.decodeWithHeader(plaintext)
        var clear: [(String, JSONNode)] = [("kind", .string(frame.kind.name)), ("flags", .int(frame.flags)), ("sequence", .int(frame.sequence))]
        if frame.kind == .groupEvent { clear.append(("epoch", .int(frame.epoch))) }
        if !frame.keyShare.isEmpty { clear.append(("key_share", .string(Hex.encode(frame.keyShare)))) }
        if let counter = frame.counter { clear.append(("counter", .int(counter))) }
        // Not the ciphertext's length or tag: a compressed plaintext's DEFLATE bytes differ between zlib builds.
        clear.append(("nonce", .string(Hex.encode(frame.kind == .groupEvent ? frame.groupNonce(format: .compact) : frame.nonce))))
        return .object([("sealed", .object(clear)), ("opened", opened.description(header: header))])
    }
}
