import Crypto
import Streaming
import Testing

@Suite("Padded HMAC")
struct PaddedHMACTests {
    /// Keys and messages of the sizes that matter: the token's 32-byte key, a key of exactly a
    /// block, keys longer than a block (hashed first), an empty message, and messages that end
    /// on either side of SHA-256's block and padding boundaries.
    @Test("every code equals swift-crypto's HMAC<SHA256> under the same key")
    func matchesHMAC() {
        var generator = SystemRandomNumberGenerator()
        for keySize in [0, 1, 16, 32, 63, 64, 65, 100, 200] {
            let keyBytes = (0..<keySize).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let key = SymmetricKey(data: keyBytes)
            let mac = PaddedHMAC(key: key)
            for messageSize in [0, 1, 27, 31, 55, 56, 63, 64, 65, 119, 120, 128, 1000] {
                let message = (0..<messageSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
                let got = message.withUnsafeBytes { Array(mac.code($0)) }
                #expect(got == expected, "key of \(keySize) bytes, message of \(messageSize) bytes")
            }
        }
    }

    /// RFC 4231's test case 2: a short key and message, with the code the RFC gives.
    @Test("RFC 4231 test case 2")
    func rfc4231() {
        let mac = PaddedHMAC(key: SymmetricKey(data: Array("Jefe".utf8)))
        let code = Array("what do ya want for nothing?".utf8).withUnsafeBytes { Array(mac.code($0)) }
        let hex = code.map { String($0, radix: 16).leftPaddedHex }.joined()
        #expect(hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("a code copies the key's states: codes in a row do not depend on each other")
    func independent() {
        let mac = PaddedHMAC(key: SymmetricKey(size: .bits256))
        let first = [UInt8](repeating: 1, count: 27).withUnsafeBytes { Array(mac.code($0)) }
        _ = [UInt8](repeating: 2, count: 27).withUnsafeBytes { mac.code($0) }
        let again = [UInt8](repeating: 1, count: 27).withUnsafeBytes { Array(mac.code($0)) }
        #expect(first == again)
    }
}

extension String {
    fileprivate var leftPaddedHex: String { count == 1 ? "0" + self : self }
}
