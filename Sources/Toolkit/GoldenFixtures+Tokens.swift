import GroupSigning
import Wire

extension GoldenFixtures {
    /// Spec/TOKENS.md's test vector: the operator key whose seed is the bytes 0…31, and the
    /// token it signs (Ed25519 signatures are deterministic, so the bytes are fixed). The
    /// register fixture carries it; `TokenTests` checks it against the Spec.
    public static func tokenVector() throws(WireError) -> (key: GroupSigningKey, token: SubscriberToken) {
        let key = try GroupSigningKey(seed: Array(0..<32))
        var token = SubscriberToken(
            keyID: [], tokenID: Array(0x10..<0x20), issuedAt: 1_800_000_000, notBefore: 1_800_000_000, expires: 1_800_086_400,
            permissions: [.watch, .repair], subject: "acme-sports", matches: [2_976_871_303])
        try token.sign(with: key)
        return (key, token)
    }
}
