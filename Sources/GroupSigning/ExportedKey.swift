import Wire

/// A subscription's key as `client --export-key` writes it and `validate --key` reads it
/// (Spec/ENCRYPTION.md, "Exported keys"): one line per subscription,
/// `soccerstream-key 1 IDENTIFIER FORMAT KEY`, the identifier as 16 hexadecimal digits, the
/// format its events use (`json` or `compact`), the key as 64. Lines starting with `#` and empty
/// lines are ignored.
public struct ExportedKey: Sendable, Hashable {
    /// The line's first word.
    public static let prefix = "soccerstream-key"
    /// The subscription identifier.
    public var identifier: UInt64
    /// The body format of its events.
    public var format: BodyFormat
    /// The key.
    public var key: SubscriptionKey

    /// An exported key.
    public init(identifier: UInt64, format: BodyFormat, key: SubscriptionKey) {
        self.identifier = identifier
        self.format = format
        self.key = key
    }

    /// The line that writes it, with its newline.
    public var line: String {
        let id = String(identifier, radix: 16)
        return "\(Self.prefix) 1 \(String(repeating: "0", count: 16 - id.count) + id) \(format.name) \(Hex.encode(key.bytes))\n"
    }

    /// What went wrong reading a key file: its line and what was expected.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The line (1-based).
        public var line: Int
        /// What was found and expected.
        public var message: String
        public var description: String { "line \(line): \(message)" }

        /// An error at `line` saying `message`.
        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    /// Every key of a key file's `text`, by identifier.
    ///
    /// - Throws: ``ParseError`` naming the first line that is not a key line.
    public static func parse(_ text: String) throws(ParseError) -> [UInt64: ExportedKey] {
        var keys: [UInt64: ExportedKey] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let words = line.split(separator: " ")
            guard words.count == 5, words[0] == prefix, words[1] == "1" else {
                throw ParseError(line: index + 1, message: "expected \"\(prefix) 1 IDENTIFIER FORMAT KEY\"")
            }
            guard words[2].count == 16, let identifier = UInt64(words[2], radix: 16), identifier != 0 else {
                throw ParseError(line: index + 1, message: "identifier \(words[2]); expected 16 hexadecimal digits, not all zero")
            }
            guard let format = BodyFormat.allCases.first(where: { $0.name == words[3] && $0 != .none }) else {
                throw ParseError(line: index + 1, message: "format \(words[3]); expected json or compact")
            }
            guard let bytes = Hex.decode(String(words[4])), let key = try? SubscriptionKey(bytes: bytes) else {
                throw ParseError(line: index + 1, message: "key \(words[4].prefix(8))…; expected 64 hexadecimal digits")
            }
            keys[identifier] = ExportedKey(identifier: identifier, format: format, key: key)
        }
        return keys
    }
}
