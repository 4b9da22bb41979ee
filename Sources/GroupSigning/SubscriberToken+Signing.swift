@preconcurrency import Crypto
import Wire

extension GroupPublicKey {
    /// The id a token names its operator key by: the first 8 bytes of SHA-256 of the key's 32
    /// bytes (Spec/TOKENS.md).
    public var tokenKeyID: [UInt8] { Array(SHA256.hash(data: bytes).prefix(SubscriberToken.keyIDSize)) }
}

extension SubscriberToken {
    /// Signs the token with the operator's key (an Ed25519 key, as a group's is): its key id
    /// becomes the key's, and its signature covers ``signingContext`` and the claims.
    ///
    /// - Throws: ``WireError`` when a claim is out of range, or Ed25519 fails.
    public mutating func sign(with key: GroupSigningKey) throws(WireError) {
        keyID = key.publicKey.tokenKeyID
        var message = Self.signingContext + (try claims())
        let length = message.count
        try key.sign(&message)
        signature = Array(message[length...])
    }

    /// Whether one of `trusted` signed the token: the key its key id names, and a signature that
    /// key made of exactly these claims.
    public func signer(among trusted: [GroupPublicKey]) -> SignatureCheck {
        guard let key = trusted.first(where: { $0.tokenKeyID == keyID }) else { return .unknownKey }
        // Claims out of range cannot have been signed: a bad signature, not an error.
        guard let claims = try? claims(), signature.count == Self.signatureSize else { return .badSignature }
        return key.key.isValidSignature(signature, for: Self.signingContext + claims) ? .signed(by: key) : .badSignature
    }

    /// What ``signer(among:)`` found.
    public enum SignatureCheck: Sendable, Hashable {
        case signed(by: GroupPublicKey)
        /// No trusted key has the token's key id.
        case unknownKey
        /// The key's signature does not match the claims.
        case badSignature
    }
}
