import Wire

/// Why a register's subscriber token was refused (Spec/TOKENS.md, "Admission"): each reason
/// distinct, and said plainly to the client and in the server's log.
public enum TokenRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server requires a token and the register carried none.
    case missing
    /// The bytes are not a token: the field, byte offset and why.
    case malformed(WireError)
    /// No trusted operator key has the token's key id.
    case unknownKey([UInt8])
    /// The trusted key's signature does not match the claims (altered, or forged).
    case badSignature
    /// Before its not-before time, beyond the allowed clock skew.
    case notYetValid(notBefore: UInt32, now: UInt32, skew: UInt32)
    /// At or after its expiry, beyond the allowed clock skew.
    case expired(expires: UInt32, now: UInt32, skew: UInt32)
    /// It names other matches.
    case wrongMatch(UInt32, allowed: [UInt32])
    /// It lacks a permission the request needs.
    case notPermitted(String)
    /// The revocation list names it (its id, or its subject before a time).
    case revoked(String)

    /// The refuse frame's reason for it (Spec §4.5).
    public var reason: RefuseReason {
        switch self {
        case .missing: .tokenMissing
        case .malformed: .tokenMalformed
        case .unknownKey: .tokenUnknownKey
        case .badSignature: .tokenBadSignature
        case .notYetValid: .tokenNotYetValid
        case .expired: .tokenExpired
        case .notPermitted: .tokenNotPermitted
        case .wrongMatch: .tokenWrongMatch
        case .revoked: .tokenRevoked
        }
    }

    public var description: String {
        switch self {
        case .missing: "token missing: this server admits subscribers with a token only"
        case .malformed(let error): "token malformed: \(error.code.rawValue) at byte \(error.offset) (\(error.field)): \(error.message)"
        case .unknownKey(let id): "token signed by an unknown key (key id \(Hex.encode(id))): not one this server trusts"
        case .badSignature: "token signature invalid: the token was altered or not signed by the key it names"
        case .notYetValid(let notBefore, let now, let skew):
            "token not yet valid: valid from \(notBefore) (Unix time), now \(now), \(skew) s of clock skew allowed"
        case .expired(let expires, let now, let skew): "token expired at \(expires) (Unix time), now \(now), \(skew) s of clock skew allowed"
        case .wrongMatch(let match, let allowed):
            "token not valid for match \(match): it admits to \(allowed.map(String.init).joined(separator: ", "))"
        case .notPermitted(let what): "token does not permit \(what)"
        case .revoked(let why): "token revoked: \(why)"
        }
    }
}

/// How a server checks a register's subscriber token: against the operator keys it trusts, its
/// clock (with a stated skew allowance), the match asked for and the revocation list. Pure: the
/// clock and the list are given.
public struct TokenAdmission: Sendable {
    /// The operator keys whose tokens are accepted (`--trusted-key`).
    public var trusted: [GroupPublicKey]
    /// Clock difference tolerated either way, in seconds.
    public var skew: UInt32
    /// Tokens revoked.
    public var revocations: RevocationList

    /// The default clock skew allowance: 60 s.
    public static let defaultSkew: UInt32 = 60

    public init(trusted: [GroupPublicKey], skew: UInt32 = Self.defaultSkew, revocations: RevocationList = RevocationList()) {
        self.trusted = trusted
        self.skew = skew
        self.revocations = revocations
    }

    /// The token in `bytes` (nil: none sent) admits its holder to `match` at `now` (Unix
    /// seconds), or the reason it does not. `match` is nil when which match is not known yet (a
    /// register for any match at a relay that carries none): every rule but the match's is
    /// checked, and the caller checks again once it knows the match. Match 0 (the web index of
    /// every match) is admitted only by a token for every match: no token lists match 0.
    public func admit(_ bytes: [UInt8]?, match: UInt32?, now: UInt32) -> Result<SubscriberToken, TokenRefusal> {
        guard let bytes, !bytes.isEmpty else { return .failure(.missing) }
        let token: SubscriberToken
        do {
            token = try SubscriberToken(decoding: bytes)
        } catch {
            return .failure(.malformed(error))
        }
        switch token.signer(among: trusted) {
        case .unknownKey: return .failure(.unknownKey(token.keyID))
        case .badSignature: return .failure(.badSignature)
        case .signed: break
        }
        switch token.validity(at: now, skew: skew) {
        case .notYetValid: return .failure(.notYetValid(notBefore: token.notBefore, now: now, skew: skew))
        case .expired: return .failure(.expired(expires: token.expires, now: now, skew: skew))
        case .valid: break
        }
        guard token.permissions.contains(.watch) else { return .failure(.notPermitted("watching")) }
        // Rule 7: the match must be among the token's (a register for any match is checked
        // against the match the server picks for it).
        if let match, !token.admits(match: match) { return .failure(.wrongMatch(match, allowed: token.matches)) }
        if let why = revocations.revokes(token) { return .failure(.revoked(why)) }
        return .success(token)
    }

    /// Why a subscriber admitted earlier with `token` may watch no longer at `now` (Unix
    /// seconds): the revocation list names it now, or it has expired (beyond the skew); nil
    /// while it stands. A server asks this of every admitted subscriber when the list is
    /// reloaded and once a second (Spec/TOKENS.md, "Revocation").
    public func standing(of token: SubscriberToken, now: UInt32) -> TokenRefusal? {
        if let why = revocations.revokes(token) { return .revoked(why) }
        if token.validity(at: now, skew: skew) == .expired { return .expired(expires: token.expires, now: now, skew: skew) }
        return nil
    }
}
