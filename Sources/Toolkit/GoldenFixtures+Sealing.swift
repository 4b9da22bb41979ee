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
        return made
    }

    /// A sealed fixture's expectation: its clear part, then its plaintext opened with the
    /// vector's key, described as any frame.
    static func sealedExpectation(of bytes: [UInt8]) throws(WireError) -> JSONNode {
        let frame = try SealedFrame.parse(bytes)
        let plaintext = try sealingVector().key.open(frame, eventFormat: .compact)
        let (header, opened) = try Datagram.decodeWithHeader(plaintext)
        var clear: [(String, JSONNode)] = [("kind", .string(frame.kind.name)), ("flags", .int(frame.flags)), ("sequence", .int(frame.sequence))]
        if !frame.keyShare.isEmpty { clear.append(("key_share", .string(Hex.encode(frame.keyShare)))) }
        if let counter = frame.counter { clear.append(("counter", .int(counter))) }
        // Not the ciphertext's length or tag: a compressed plaintext's DEFLATE bytes differ between zlib builds.
        clear.append(("nonce", .string(Hex.encode(frame.nonce))))
        return .object([("sealed", .object(clear)), ("opened", opened.description(header: header))])
    }
}
