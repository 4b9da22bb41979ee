import Foundation
import GroupSigning
import Testing
import Toolkit
import Wire

@Suite("Subscriber tokens (Spec/TOKENS.md): format, signature, admission, revocation, keys")
struct TokenTests {
    static let key = GroupSigningKey()
    static let now: UInt32 = 1_800_000_000

    static func token(
        subject: String = "acme-sports", matches: [UInt32] = [42], lifetime: UInt32 = 3_600,
        permissions: SubscriberToken.Permissions = [.watch, .repair],
        key: GroupSigningKey = key, notBefore: UInt32? = nil
    ) throws -> String {
        try TokenTool.issue(
            key: key, subject: subject, matches: matches, lifetime: lifetime, permissions: permissions, now: now, notBefore: notBefore)
    }

    @Test("an issued token reads back with its claims, is signed by its key, and is 104 bytes plus subject and matches")
    func roundTrip() throws {
        let text = try Self.token()
        #expect(text.hasPrefix("sst1."))
        let token = try SubscriberToken(text: text + "\n")
        #expect(token.subject == "acme-sports" && token.matches == [42] && token.permissions == [.watch, .repair])
        #expect(token.issuedAt == Self.now && token.notBefore == Self.now && token.expires == Self.now + 3_600)
        #expect(token.keyID == Self.key.publicKey.tokenKeyID && token.signer(among: [Self.key.publicKey]) == .signed(by: Self.key.publicKey))
        #expect(try token.encoded().count == 104 + 11 + 4)
        #expect(try token.text() == text)
    }

    @Test("base64url: RFC 4648's vectors both ways; a bad character or length is named")
    func base64url() throws {
        for (plain, encoded) in [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
        ] {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(try Base64URL.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(throws: WireError.self) { try Base64URL.decode("Zm9v+") }
        #expect(throws: WireError.self) { try Base64URL.decode("Zm9vY") }
    }

    @Test(
        "every refusal is its own, said plainly: missing, malformed, unknown key, bad signature, not yet valid, expired, not permitted, wrong match, revoked"
    )
    func admission() throws {
        var admission = TokenAdmission(trusted: [Self.key.publicKey])
        func refusal(_ text: String?, match: UInt32? = 42, now: UInt32 = TokenTests.now) throws -> String {
            let bytes = try text.map { try SubscriberToken(text: $0).encoded() }
            switch admission.admit(bytes, match: match, now: now) {
            case .success: return "admitted"
            case .failure(let reason): return reason.description
            }
        }
        let good = try Self.token()
        #expect(try refusal(good) == "admitted")
        #expect(try refusal(nil).hasPrefix("token missing"))
        #expect(try refusal(try Self.token(key: GroupSigningKey())).hasPrefix("token signed by an unknown key"))
        // One bit of the subject changed: the signature no longer matches.
        var altered = try SubscriberToken(text: good)
        altered.subject = "acme-sportz"
        #expect(admission.admit(try altered.encoded(), match: 42, now: Self.now) == .failure(.badSignature))
        #expect(try refusal(good, now: Self.now - 61).hasPrefix("token not yet valid"))
        #expect(try refusal(good, now: Self.now - 60) == "admitted", "60 s of skew")
        #expect(try refusal(good, now: Self.now + 3_600 + 60).hasPrefix("token expired at 1800003600"))
        #expect(try refusal(good, now: Self.now + 3_600 + 59) == "admitted")
        #expect(try refusal(try Self.token(permissions: [.repair])) == "token does not permit watching")
        #expect(try refusal(good, match: 7) == "token not valid for match 7: it admits to 42")
        #expect(try refusal(try Self.token(matches: []), match: 7) == "admitted", "a token for every match")
        #expect(try refusal(good, match: nil) == "admitted", "the match not known yet: every rule but the match's")
        #expect(try refusal(try Self.token(permissions: [.repair]), match: nil) == "token does not permit watching")
        let id = try SubscriberToken(text: good).tokenID
        admission.revocations = try RevocationList(text: "# revoked\n\ntoken \(Hex.encode(id))\n")
        #expect(try refusal(good).hasPrefix("token revoked: token id \(Hex.encode(id))"))
        admission.revocations = try RevocationList(text: "subject acme-sports before \(Self.now + 1)")
        #expect(try refusal(good).hasPrefix("token revoked: tokens of subject acme-sports issued before"))
        admission.revocations = try RevocationList(text: "subject acme-sports before \(Self.now)")
        #expect(try refusal(good) == "admitted", "issued at the time itself: not before it")
        switch admission.admit([1, 2, 3], match: 42, now: Self.now) {
        case .failure(.malformed(let error)): #expect(error.field == "token.key_id" && error.code == .truncated)
        default: Issue.record("three bytes admitted or refused otherwise")
        }
    }

    @Test("malformed tokens are refused naming the field and byte offset")
    func malformed() throws {
        let bytes = try SubscriberToken(text: try Self.token()).encoded()
        func error(_ change: (inout [UInt8]) -> Void) -> WireError? {
            var copy = bytes
            change(&copy)
            do {
                _ = try SubscriberToken(decoding: copy)
                return nil
            } catch {
                return error
            }
        }
        #expect(error { $0[0] = 2 }?.field == "token.version")
        let permissions = error { $0[37] = 0x04 }
        #expect(permissions?.field == "token.permissions" && permissions?.offset == 37 && permissions?.code == .reservedBits)
        #expect(error { $0[38] = 0 }?.field == "token.subject")
        let count = error { $0[50] = 17 }
        #expect(count?.field == "token.match_count" && count?.offset == 50)
        #expect(error { $0.append(0) }?.code == .lengthMismatch)
        #expect(error { $0.removeLast() }?.field == "token.signature")
        #expect(error { $0.replaceSubrange(33..<37, with: [0, 0, 0, 0]) }?.field == "token.expires")
        #expect(throws: WireError.self) { try SubscriberToken(text: "sst2.AAAA") }
        // Random damage never crashes the reader, and whatever it accepts writes back the same.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var copy = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                copy[Int.random(in: 0..<copy.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { copy = Array(copy.prefix(Int.random(in: 0...copy.count, using: &generator))) }
            // Refused is fine; only what is accepted is checked.
            if let token = try? SubscriberToken(decoding: copy) { #expect(try token.encoded() == copy) }
        }
    }

    @Test("revocation lists: rules read, bad lines refused with their number")
    func revocationList() throws {
        #expect(throws: RevocationList.LineError(line: 3, message: "expected a rule starting with 'token' or 'subject', found 'revoke everything'")) {
            try RevocationList(text: "# list\ntoken \(String(repeating: "ab", count: 16))\nrevoke everything\n")
        }
        #expect(throws: RevocationList.LineError.self) { try RevocationList(text: "token abc") }
        #expect(throws: RevocationList.LineError.self) { try RevocationList(text: "subject x before soon") }
    }

    @Test("keygen writes a private key of mode 0600 and a public key, never replaces them, and both read back")
    func keys() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
        let made = try TokenTool.keygen(name: directory + "/operator")
        let mode = try FileManager.default.attributesOfItem(atPath: made.privatePath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let key = try TokenTool.privateKey(file: made.privatePath)
        #expect(try TokenTool.publicKey(made.publicPath) == key.publicKey && TokenTool.publicKey(made.publicKey) == key.publicKey)
        #expect(throws: TokenTool.Failure.self) { try TokenTool.keygen(name: directory + "/operator") }
        #expect(throws: TokenTool.Failure.self) { try TokenTool.privateKey(file: made.publicPath) }
        #expect(try TokenTool.seconds("90m", option: "--expires") == 5_400)
        #expect(throws: TokenTool.Failure.self) { try TokenTool.seconds("soon", option: "--expires") }
        let inspected = try TokenTool.inspect(try Self.token(key: key), trusted: [key.publicKey], now: Self.now + 10)
        #expect(inspected.contains("subject      acme-sports") && inspected.contains("signature    valid") && inspected.contains("3590 s left"))
    }
}

extension TokenTests {
    static func vector() throws -> (key: GroupSigningKey, token: SubscriberToken) { try GoldenFixtures.tokenVector() }

    @Test("the Spec's test vector: a fixed key and claims give exactly Spec/TOKENS.md's bytes and text, and they check")
    func specVector() throws {
        let (key, token) = try Self.vector()
        #expect(TokenTool.publicText(key.publicKey) == "ssp1.A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg")
        #expect(Hex.encode(token.keyID) == "56475aa75463474c")
        #expect(
            Hex.encode(try token.encoded())
                == "0156475aa75463474c101112131415161718191a1b1c1d1e1f6b49d2006b49d2006b4b2380030b61636d652d73706f72747301b16f7387"
                + "0fa00d877a37cdf9c558ba5e9268cb980a7b20cff5097390c7383f7393f094411646d7e14e7ae4a59aa0f2eff5aec3595946b4bbc2e0c7fdbdeb26124779f500")
        let text =
            "sst1.AVZHWqdUY0dMEBESExQVFhcYGRobHB0eH2tJ0gBrSdIAa0sjgAMLYWNtZS1zcG9ydHMBsW9zhw-gDYd6N835xVi6XpJoy5gKeyDP9QlzkMc4P3OT8JRBFkbX4U565KWaoPLv9a7DWVlGtLvC4Mf9vesmEkd59QA"
        #expect(try token.text() == text)
        let spec = try String(contentsOf: FixturePaths.root.appendingPathComponent("Spec/TOKENS.md"), encoding: .utf8)
        #expect(spec.contains(text) && spec.contains("56475aa75463474c"), "Spec/TOKENS.md carries the vector")
        let admission = TokenAdmission(trusted: [key.publicKey])
        #expect(try admission.admit(try SubscriberToken(text: text).encoded(), match: 2_976_871_303, now: 1_800_000_001).get() == token)
    }
}
