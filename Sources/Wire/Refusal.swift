/// Why a server refused a registration (refuse body byte 0).
public enum RefuseReason: UInt8, Sendable, Hashable, CaseIterable, Codable {
    /// The register frame's version is not spoken by this server.
    case unsupportedVersion = 1
    /// None of the client's formats is offered.
    case noCommonFormat = 2
    /// The server holds its maximum number of clients.
    case serverFull = 3
    /// The address registers too often.
    case rateLimited = 4
    /// The register frame is malformed.
    case malformed = 5
    /// The register names a match this server does not carry, or one already over.
    case unknownMatch = 6
    /// Subscriber tokens (Spec/TOKENS.md, "Admission"), each reason its own: none sent to a
    /// server that requires one;
    case tokenMissing = 7
    /// the bytes are not a token;
    case tokenMalformed = 8
    /// no trusted operator key has its key id;
    case tokenUnknownKey = 9
    /// the signature does not match its claims;
    case tokenBadSignature = 10
    /// before its not-before time (beyond the clock-skew allowance);
    case tokenNotYetValid = 11
    /// after its expiry (beyond the clock-skew allowance);
    case tokenExpired = 12
    /// it lacks the watch permission;
    case tokenNotPermitted = 13
    /// it names other matches;
    case tokenWrongMatch = 14
    /// the revocation list names it (a subscriber revoked while watching gets this too).
    case tokenRevoked = 15
    /// The server delivers only encrypted subscriptions (`--encrypt required`) and the register
    /// offered no key share (Spec/ENCRYPTION.md).
    case encryptionRequired = 16

    /// Whether a refuse with this reason, arriving after the welcome, ends the subscription
    /// (Spec §4.5): the token expired or was revoked while its holder watched. Other reasons
    /// answer registers only.
    public var endsSubscription: Bool { self == .tokenExpired || self == .tokenRevoked }

    /// A lower-case identifier.
    public var name: String {
        switch self {
        case .unsupportedVersion: "unsupported_version"
        case .noCommonFormat: "no_common_format"
        case .serverFull: "server_full"
        case .rateLimited: "rate_limited"
        case .malformed: "malformed"
        case .unknownMatch: "unknown_match"
        case .tokenMissing: "token_missing"
        case .tokenMalformed: "token_malformed"
        case .tokenUnknownKey: "token_unknown_key"
        case .tokenBadSignature: "token_bad_signature"
        case .tokenNotYetValid: "token_not_yet_valid"
        case .tokenExpired: "token_expired"
        case .tokenNotPermitted: "token_not_permitted"
        case .tokenWrongMatch: "token_wrong_match"
        case .tokenRevoked: "token_revoked"
        case .encryptionRequired: "encryption_required"
        }
    }
}

/// The body of a refuse frame: a reason code and a text for people.
public struct Refusal: Sendable, Hashable, Codable {
    /// The reason code.
    public var reason: RefuseReason
    /// An explanation (at most 255 UTF-8 bytes).
    public var text: String

    /// Creates a refusal.
    public init(reason: RefuseReason, text: String) {
        self.reason = reason
        self.text = text
    }

    /// A refusal whose text is `text` cut, at a character boundary, to at most `limit` UTF-8
    /// bytes (and never over the body's 255).
    public init(reason: RefuseReason, shortening text: String, to limit: Int = 255) {
        var shortened = ""
        for character in text where shortened.utf8.count + character.utf8.count <= min(limit, 255) {
            shortened.append(character)
        }
        self.init(reason: reason, text: shortened)
    }

    /// Appends the body.
    ///
    /// - Throws: ``WireError/Code/tooLarge`` when the text is longer than 255 UTF-8 bytes.
    public func write(to writer: inout ByteWriter) throws(WireError) {
        writer.writeUInt8(reason.rawValue)
        try writer.writeString8(text, field: "body.text")
    }

    /// Reads the body.
    ///
    /// - Throws: ``WireError/Code/truncated`` when the body ends early, ``WireError/Code/outOfRange`` for
    ///   an unknown reason code, ``WireError/Code/invalidUTF8`` when the text is not UTF-8.
    public static func read(from reader: inout ByteReader) throws(WireError) -> Refusal {
        let offset = reader.offset
        let code = try reader.readUInt8(field: "body.reason")
        guard let reason = RefuseReason(rawValue: code) else {
            throw WireError(.outOfRange, field: "body.reason", offset: offset, "reason \(code); expected 1...\(RefuseReason.allCases.count)")
        }
        return Refusal(reason: reason, text: try reader.readString8(field: "body.text"))
    }
}
