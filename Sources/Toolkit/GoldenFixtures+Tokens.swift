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

    /// The text of the refuse fixture of `reason`: what a server says for it.
    static func refusalText(_ reason: RefuseReason) -> String {
        switch reason {
        case .unsupportedVersion: "version 2 only; you sent 1"
        case .noCommonFormat: "this server offers compact only"
        case .serverFull: "server full (1000 clients)"
        case .rateLimited: "too many registrations from this address; retry in 1 s"
        case .malformed: "register body is malformed"
        case .unknownMatch: "no live match 12345; ask with client --list"
        case .tokenMissing: "token missing: this server admits subscribers with a token only"
        case .tokenMalformed: "token malformed: truncated at byte 1 (token.key_id): need 8 bytes, 0 left"
        case .tokenUnknownKey: "token signed by an unknown key (key id 56475aa75463474c): not one this server trusts"
        case .tokenBadSignature: "token signature invalid: the token was altered or not signed by the key it names"
        case .tokenNotYetValid: "token not yet valid: valid from 1800000000 (Unix time), now 1799990000, 60 s of clock skew allowed"
        case .tokenExpired: "token expired at 1800086400 (Unix time), now 1800090000, 60 s of clock skew allowed"
        case .tokenNotPermitted: "token does not permit watching"
        case .tokenWrongMatch: "token not valid for match 12345: it admits to 2976871303"
        case .tokenRevoked: "token revoked: token id 101112131415161718191a1b1c1d1e1f is on the revocation list"
        case .encryptionRequired:
            "this server sends encrypted subscriptions only; register with a key share (client --encrypt)"
        }
    }
}
