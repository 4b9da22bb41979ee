/// An operator-signed subscriber token (Spec/TOKENS.md): who may watch, which matches, what
/// they may do, and for how long, signed with the operator's Ed25519 key. This is the format
/// alone (reading with located errors, writing, the time and match checks); the signature is
/// made and checked with swift-crypto in GroupSigning (`SubscriberToken+Signing`).
public struct SubscriberToken: Sendable, Hashable {
    /// What the holder may do.
    public struct Permissions: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Subscribe and receive the match.
        public static let watch = Permissions(rawValue: 0x01)
        /// Ask for repairs (NACKs).
        public static let repair = Permissions(rawValue: 0x02)
        /// Every bit defined; others must be zero.
        public static let defined: Permissions = [.watch, .repair]
    }

    /// The format's version byte.
    public static let version: UInt8 = 1
    /// The key id's size: the first bytes of SHA-256 of the operator's public key.
    public static let keyIDSize = 8
    /// The token id's size (random, unique per token: what a revocation names).
    public static let tokenIDSize = 16
    /// An Ed25519 signature's size.
    public static let signatureSize = 64
    /// The longest subject, in bytes of UTF-8.
    public static let maximumSubject = 64
    /// The most matches a token names (none: every match).
    public static let maximumMatches = 16
    /// The text form's prefix: `sst1.` then base64url without padding.
    public static let textPrefix = "sst1."
    /// What the signature covers first, so that it can never pass for anything else's.
    public static let signingContext: [UInt8] = Array("SoccerStream subscriber token 1".utf8) + [0]

    public var keyID: [UInt8]
    public var tokenID: [UInt8]
    /// Unix seconds.
    public var issuedAt: UInt32
    public var notBefore: UInt32
    public var expires: UInt32
    public var permissions: Permissions
    /// Who holds it: a customer, a relay, a gateway.
    public var subject: String
    /// The matches it admits to; empty: every match.
    public var matches: [UInt32]
    /// The operator's signature of ``signingContext`` and ``claims``.
    public var signature: [UInt8]

    /// A token's claims (its signature empty until signed).
    public init(
        keyID: [UInt8], tokenID: [UInt8], issuedAt: UInt32, notBefore: UInt32, expires: UInt32, permissions: Permissions, subject: String,
        matches: [UInt32], signature: [UInt8] = []
    ) {
        self.keyID = keyID
        self.tokenID = tokenID
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expires = expires
        self.permissions = permissions
        self.subject = subject
        self.matches = matches
        self.signature = signature
    }

    /// The claims as bytes: everything before the signature.
    ///
    /// - Throws: ``WireError`` when a claim is out of its range (the field and why).
    public func claims() throws(WireError) -> [UInt8] {
        try check()
        var writer = ByteWriter(capacity: 128)
        writer.writeUInt8(Self.version)
        writer.writeBytes(keyID)
        writer.writeBytes(tokenID)
        writer.writeUInt32(issuedAt)
        writer.writeUInt32(notBefore)
        writer.writeUInt32(expires)
        writer.writeUInt8(permissions.rawValue)
        try writer.writeString8(subject, field: "token.subject")
        writer.writeUInt8(UInt8(matches.count))
        for match in matches { writer.writeUInt32(match) }
        return writer.bytes
    }

    /// The token's bytes: claims, then the signature.
    public func encoded() throws(WireError) -> [UInt8] {
        guard signature.count == Self.signatureSize else {
            throw WireError(.inconsistent, field: "token.signature", offset: 0, "not signed (\(signature.count) signature bytes)")
        }
        return try claims() + signature
    }

    /// Reads a token's bytes. Errors name the field and the byte offset.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        let version = try reader.readUInt8(field: "token.version")
        guard version == Self.version else {
            throw WireError(.unsupportedVersion, field: "token.version", offset: 0, "version \(version); this reader knows \(Self.version)")
        }
        keyID = try reader.readBytes(Self.keyIDSize, field: "token.key_id")
        tokenID = try reader.readBytes(Self.tokenIDSize, field: "token.token_id")
        issuedAt = try reader.readUInt32(field: "token.issued_at")
        notBefore = try reader.readUInt32(field: "token.not_before")
        expires = try reader.readUInt32(field: "token.expires")
        let permissionsAt = reader.offset
        permissions = Permissions(rawValue: try reader.readUInt8(field: "token.permissions"))
        guard Permissions.defined.isSuperset(of: permissions) else {
            throw WireError(.reservedBits, field: "token.permissions", offset: permissionsAt, "bits 2-7 must be zero")
        }
        let subjectAt = reader.offset
        subject = try reader.readString8(field: "token.subject")
        guard (1...Self.maximumSubject).contains(subject.utf8.count) else {
            throw WireError(
                .outOfRange, field: "token.subject", offset: subjectAt, "\(subject.utf8.count) bytes; 1...\(Self.maximumSubject) expected")
        }
        let countAt = reader.offset
        let count = Int(try reader.readUInt8(field: "token.match_count"))
        guard count <= Self.maximumMatches else {
            throw WireError(.outOfRange, field: "token.match_count", offset: countAt, "\(count) matches; at most \(Self.maximumMatches)")
        }
        matches = []
        for index in 0..<count {
            let at = reader.offset
            let match = try reader.readUInt32(field: "token.matches[\(index)]")
            guard match != 0, !matches.contains(match) else {
                throw WireError(
                    .outOfRange, field: "token.matches[\(index)]", offset: at,
                    match == 0 ? "match 0 (every match is an empty list)" : "match \(match) twice")
            }
            matches.append(match)
        }
        signature = try reader.readBytes(Self.signatureSize, field: "token.signature")
        try reader.expectEnd(field: "token")
        guard expires > notBefore else {
            throw WireError(.inconsistent, field: "token.expires", offset: 33, "expires (\(expires)) is not after not-before (\(notBefore))")
        }
    }

    /// The claims' own rules: ids of their sizes, a subject of 1…64 bytes, at most 16 matches,
    /// no match twice or 0, expiry after not-before.
    private func check() throws(WireError) {
        guard keyID.count == Self.keyIDSize else {
            throw WireError(.outOfRange, field: "token.key_id", offset: 0, "\(keyID.count) bytes; \(Self.keyIDSize) expected")
        }
        guard tokenID.count == Self.tokenIDSize else {
            throw WireError(.outOfRange, field: "token.token_id", offset: 0, "\(tokenID.count) bytes; \(Self.tokenIDSize) expected")
        }
        let subjectBytes = subject.utf8.count
        guard (1...Self.maximumSubject).contains(subjectBytes) else {
            throw WireError(.outOfRange, field: "token.subject", offset: 0, "\(subjectBytes) bytes; 1...\(Self.maximumSubject) expected")
        }
        guard matches.count <= Self.maximumMatches, !matches.contains(0), Set(matches).count == matches.count else {
            throw WireError(.outOfRange, field: "token.matches", offset: 0, "at most \(Self.maximumMatches) distinct non-zero match ids")
        }
        guard expires > notBefore else {
            throw WireError(.inconsistent, field: "token.expires", offset: 0, "expires (\(expires)) is not after not-before (\(notBefore))")
        }
    }

    /// Whether the token admits the holder to `match`.
    public func admits(match: UInt32) -> Bool { matches.isEmpty || matches.contains(match) }

    /// Where `now` (Unix seconds) falls in the token's validity, allowing `skew` seconds of
    /// clock difference either way.
    public func validity(at now: UInt32, skew: UInt32) -> Validity {
        if UInt64(now) + UInt64(skew) < UInt64(notBefore) { return .notYetValid }
        if UInt64(now) >= UInt64(expires) + UInt64(skew) { return .expired }
        return .valid
    }

    /// A token's standing at some moment.
    public enum Validity: Sendable, Hashable {
        case valid
        case notYetValid
        case expired
    }
}
