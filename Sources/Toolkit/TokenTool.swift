import FileAccess
import GroupSigning
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// `soccer-stream token`: operator key pairs, and subscriber tokens issued and inspected
/// (Spec/TOKENS.md). The executable parses the arguments; this does the work.
public enum TokenTool {
    /// What went wrong, said plainly (the file, the option, the field).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The private key file's text prefix (then base64url of the 32-byte Ed25519 seed).
    public static let privatePrefix = "ssk1."
    /// The public key's text prefix (then base64url of its 32 bytes): `--trusted-key` takes it.
    public static let publicPrefix = "ssp1."

    /// The text of `key`'s public half: `ssp1.…`.
    public static func publicText(_ key: GroupPublicKey) -> String { publicPrefix + Base64URL.encode(key.bytes) }

    /// Makes a key pair: `NAME.key` (private, mode 0600) and `NAME.pub`; neither may exist yet.
    ///
    /// - Returns: the two paths and the public key's text.
    public static func keygen(name: String) throws(Failure) -> (privatePath: String, publicPath: String, publicKey: String) {
        let key = GroupSigningKey()
        let (privatePath, publicPath) = (name + ".key", name + ".pub")
        let publicKey = publicText(key.publicKey)
        do {
            try NewFiles.write(
                [(privatePath, privatePrefix + Base64URL.encode(key.seed) + "\n", 0o600), (publicPath, publicKey + "\n", 0o644)],
                remedy: "keys are never replaced: choose another name")
        } catch {
            throw Failure(error.description)
        }
        return (privatePath, publicPath, publicKey)
    }

    /// The operator's private key from its file (`token keygen`'s `NAME.key`).
    public static func privateKey(file path: String) throws(Failure) -> GroupSigningKey {
        let text = try read(path)
        guard text.hasPrefix(privatePrefix) else { throw Failure("\(path): not a private key file (it starts with \(privatePrefix))") }
        do {
            return try GroupSigningKey(seed: try Base64URL.decode(String(text.dropFirst(privatePrefix.count)), offset: privatePrefix.count))
        } catch {
            throw Failure("\(path): \(error.field) at byte \(error.offset): \(error.message)")
        }
    }

    /// A trusted key: `ssp1.…` itself, or a file holding it (`NAME.pub`).
    public static func publicKey(_ value: String) throws(Failure) -> GroupPublicKey {
        let text = value.hasPrefix(publicPrefix) ? value : try read(value)
        guard text.hasPrefix(publicPrefix) else { throw Failure("\(value): not a public key (ssp1.…, or a file holding one)") }
        do {
            return try GroupPublicKey(bytes: try Base64URL.decode(String(text.dropFirst(publicPrefix.count)), offset: publicPrefix.count))
        } catch {
            throw Failure("\(value): \(error.field) at byte \(error.offset): \(error.message)")
        }
    }

    /// A subscriber token signed with `key`: valid from `notBefore` (default now) for `lifetime`
    /// seconds, for `matches` (none: every match), with `permissions`. Its text.
    public static func issue(
        key: GroupSigningKey, subject: String, matches: [UInt32], lifetime: UInt32, permissions: SubscriberToken.Permissions,
        now: UInt32, notBefore: UInt32? = nil
    ) throws(Failure) -> String {
        var tokenID = [UInt8](repeating: 0, count: SubscriberToken.tokenIDSize)
        var generator = SystemRandomNumberGenerator()
        for index in tokenID.indices { tokenID[index] = UInt8.random(in: 0...255, using: &generator) }
        let start = notBefore ?? now
        let (expires, overflow) = start.addingReportingOverflow(lifetime)
        guard !overflow else { throw Failure("--expires: too far in the future (past 2106)") }
        var token = SubscriberToken(
            keyID: [], tokenID: tokenID, issuedAt: now, notBefore: start, expires: expires, permissions: permissions, subject: subject,
            matches: matches)
        do {
            try token.sign(with: key)
            return try token.text()
        } catch {
            throw Failure("\(error.field): \(error.message)")
        }
    }

    /// A duration as `--expires` takes it: a number and a unit, `s`, `m`, `h` or `d` (`90m`, `30d`).
    public static func seconds(_ text: String, option: String) throws(Failure) -> UInt32 {
        let units: [Character: UInt64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = UInt64(text.dropLast()), count > 0, count * unit <= UInt64(UInt32.max)
        else {
            throw Failure("\(option): '\(text)'; expected a positive number and a unit: s, m, h or d (90m, 12h, 30d)")
        }
        return UInt32(count * unit)
    }

    /// A token given on the command line (`--token`): `sst1.…` itself, `-` for standard input's
    /// text, or a file holding it; its bytes, checked to read as a token.
    public static func tokenBytes(_ value: String, option: String, standardInput: () -> String) throws(Failure) -> [UInt8] {
        let text = value.hasPrefix(SubscriberToken.textPrefix) ? value : value == "-" ? standardInput() : try read(value)
        do {
            return try SubscriberToken(text: text).encoded()
        } catch {
            throw Failure("\(option): not a token: \(error.code.rawValue) at byte \(error.offset) (\(error.field)): \(error.message)")
        }
    }

    /// The admission a server with `--require-token` applies: `trusted` keys (each `ssp1.…` or
    /// a file), `skew` seconds of clock difference, and the revocation list in `revocations`.
    public static func admission(trusted: [String], skew: UInt32, revocations: String?) throws(Failure) -> TokenAdmission {
        var list = RevocationList()
        if let revocations {
            do {
                list = try RevocationList(contentsOf: revocations)
            } catch {
                throw Failure("--revocations \(error)")
            }
        }
        return TokenAdmission(trusted: try trusted.map(publicKey), skew: skew, revocations: list)
    }

    /// What a token says, and whether `trusted` (if any) signed it: `token inspect`.
    public static func inspect(_ text: String, trusted: [GroupPublicKey], now: UInt32) throws(Failure) -> String {
        let token: SubscriberToken
        do {
            token = try SubscriberToken(text: text)
        } catch {
            throw Failure("not a token: \(error.code.rawValue) at byte \(error.offset) (\(error.field)): \(error.message)")
        }
        var permissions: [String] = []
        if token.permissions.contains(.watch) { permissions.append("watch") }
        if token.permissions.contains(.repair) { permissions.append("repair") }
        var lines = [
            "subject      \(token.subject)", "token id     \(Hex.encode(token.tokenID))", "key id       \(Hex.encode(token.keyID))",
            "issued at    \(token.issuedAt)", "not before   \(token.notBefore)", "expires      \(token.expires)",
            "matches      \(token.matches.isEmpty ? "every match" : token.matches.map(String.init).joined(separator: ", "))",
            "permissions  \(permissions.isEmpty ? "none" : permissions.joined(separator: ", "))",
        ]
        switch token.validity(at: now, skew: 0) {
        case .valid: lines.append("time         valid now (\(token.expires - min(now, token.expires)) s left)")
        case .notYetValid: lines.append("time         not yet valid (from \(token.notBefore), now \(now))")
        case .expired: lines.append("time         expired (at \(token.expires), now \(now))")
        }
        if !trusted.isEmpty {
            switch token.signer(among: trusted) {
            case .signed(let key): lines.append("signature    valid, by \(publicText(key))")
            case .unknownKey: lines.append("signature    by a key not among the trusted ones")
            case .badSignature: lines.append("signature    INVALID: altered, or not signed by the key it names")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func read(_ path: String) throws(Failure) -> String {
        do {
            return String(decoding: try FileBytes.read(path), as: UTF8.self).trimmingWhitespace
        } catch {
            throw Failure(error.description)
        }
    }
}
