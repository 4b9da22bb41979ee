/// The token's text form (Spec/TOKENS.md): `sst1.` and base64url without padding (RFC 4648 §5),
/// what `token issue` prints, a token file holds and `SOCCERSTREAM_TOKEN` carries.
extension SubscriberToken {
    /// `sst1.` and the token's bytes in base64url.
    public func text() throws(WireError) -> String {
        Self.textPrefix + Base64URL.encode(try encoded())
    }

    /// Reads the text form (surrounding whitespace, such as a file's newline, is ignored).
    ///
    /// - Throws: ``WireError`` naming the character that is not base64url, or what the bytes
    ///   break (field and byte offset in the decoded token).
    public init(text: String) throws(WireError) {
        let trimmed = text.trimmingWhitespace
        guard trimmed.hasPrefix(Self.textPrefix) else {
            throw WireError(.unknownText, field: "token", offset: 0, "a token starts with \(Self.textPrefix)")
        }
        let bytes = try Base64URL.decode(String(trimmed.dropFirst(Self.textPrefix.count)), offset: Self.textPrefix.count)
        try self.init(decoding: bytes)
    }
}

/// base64url without padding (RFC 4648 §5).
public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// `bytes` in base64url, unpadded.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value: UInt32 = 0
            for (position, byte) in chunk.enumerated() { value |= UInt32(byte) << (16 - 8 * UInt32(position)) }
            for position in 0..<(chunk.count + 1) { output.append(alphabet[Int((value >> (18 - 6 * UInt32(position))) & 0x3F)]) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of base64url `text` (unpadded; `=` padding is refused).
    ///
    /// - Throws: ``WireError`` (`unknownText`) naming the first character that is not
    ///   base64url (its offset plus `offset`), or a length no encoding has.
    public static func decode(_ text: String, offset: Int = 0) throws(WireError) -> [UInt8] {
        let characters = Array(text.utf8)
        guard characters.count % 4 != 1 else {
            throw WireError(
                .unknownText, field: "token", offset: offset + characters.count, "\(characters.count) base64url characters: no encoding is that long")
        }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count * 3 / 4)
        var value: UInt32 = 0
        var bits = 0
        for (index, character) in characters.enumerated() {
            guard let digit = Self.value(of: character) else {
                throw WireError(
                    .unknownText, field: "token", offset: offset + index, "character \(offset + index + 1) is not base64url (A-Z a-z 0-9 - _)")
            }
            value = value << 6 | UInt32(digit)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((value >> UInt32(bits)) & 0xFF))
            }
        }
        return output
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line ends.
    package var trimmingWhitespace: String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
