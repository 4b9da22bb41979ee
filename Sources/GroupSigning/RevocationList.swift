import FileAccess
import Wire

/// The operator's revocation list (Spec/TOKENS.md, "Revocation"): a text file, one rule a line,
/// reloaded by the server when it changes and on SIGHUP.
///
/// ```
/// # comments and empty lines are ignored
/// token 3f1c9a0e5b7d24c6a8e0f1b2c3d4e5f6
/// subject acme-sports before 1796000000
/// ```
///
/// `token HEX` revokes one token (its 16-byte id in 32 hexadecimal digits, as `token inspect`
/// prints it); `subject NAME before UNIX-SECONDS` revokes every token of that subject issued
/// before then (a customer's keys rotated, or a customer gone).
public struct RevocationList: Sendable, Hashable {
    public var tokenIDs: Set<[UInt8]> = []
    /// By subject: tokens issued before this time are revoked.
    public var subjectsBefore: [String: UInt32] = [:]

    public init() {}

    /// A line the list could not use: its number, and what was expected.
    public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }

        public init(line: Int, message: String) {
            (self.line, self.message) = (line, message)
        }
    }

    /// Reads the list's text.
    ///
    /// - Throws: ``LineError`` for the first line that is not a rule, with its number.
    public init(text: String) throws(LineError) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw).trimmingWhitespace
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            switch words.first {
            case "token":
                guard words.count == 2, let id = Hex.decode(words[1]), id.count == SubscriberToken.tokenIDSize else {
                    throw LineError(line: index + 1, message: "expected 'token' and a token id of 32 hexadecimal digits, found '\(line.prefix(80))'")
                }
                tokenIDs.insert(id)
            case "subject":
                guard words.count == 4, words[2] == "before", let time = UInt32(words[3]) else {
                    throw LineError(line: index + 1, message: "expected 'subject NAME before UNIX-SECONDS', found '\(line.prefix(80))'")
                }
                subjectsBefore[words[1]] = max(subjectsBefore[words[1]] ?? 0, time)
            default:
                throw LineError(line: index + 1, message: "expected a rule starting with 'token' or 'subject', found '\(line.prefix(80))'")
            }
        }
    }

    /// Why the list revokes `token`, or nil.
    public func revokes(_ token: SubscriberToken) -> String? {
        if tokenIDs.contains(token.tokenID) { return "token id \(Hex.encode(token.tokenID)) is on the revocation list" }
        if let before = subjectsBefore[token.subject], token.issuedAt < before {
            return "tokens of subject \(token.subject) issued before \(before) are revoked (this one: \(token.issuedAt))"
        }
        return nil
    }
}

extension RevocationList {
    /// Why a revocation list file could not be used: its path, and the reading error or the
    /// first line that is not a rule.
    public struct FileError: Error, Sendable, Hashable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Reads the list in the file at `path` (as the server does at start, on SIGHUP and when the
    /// file changes).
    ///
    /// - Throws: ``FileError`` naming the file and the reason (cannot be read, or the line
    ///   that is not a rule).
    public init(contentsOf path: String) throws(FileError) {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch {
            throw FileError(path: path, message: error.reason)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FileError(path: path, message: "not UTF-8 text")
        }
        do {
            try self.init(text: text)
        } catch {
            throw FileError(path: path, message: error.description)
        }
    }

    /// Reads the list in the file at `path` again (`why`: what prompted it), as the server and
    /// the web gateway both do while they run: the list and the line that says what it holds,
    /// or nil and the line that says why it does not read (the list in force then stays).
    public static func reread(_ path: String, because why: String) -> (list: RevocationList?, message: String) {
        do {
            let list = try RevocationList(contentsOf: path)
            return (
                list, "Revocation list \(path) read again (\(why)): \(list.tokenIDs.count) token id(s), \(list.subjectsBefore.count) subject rule(s)."
            )
        } catch {
            return (nil, "Revocation list \(error); the list in force stays.")
        }
    }
}
