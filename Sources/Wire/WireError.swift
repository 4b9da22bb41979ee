/// An error raised while encoding or decoding SoccerStream data.
///
/// Every error names a ``Code`` (what went wrong, broadly), the `field` it concerns
/// (`"header.version"`, `"body.goals[2].minute"`, `"json.timeA[3].nome"`...), the byte
/// `offset` within the datagram where the problem was found, and a human-readable
/// `message` saying what was expected.
public struct WireError: Error, Sendable, Hashable {
    /// A broad classification of a wire error.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The input ended before a field was complete.
        case truncated
        /// The first two bytes are not the SoccerStream magic.
        case badMagic
        /// The protocol version is not one this implementation speaks.
        case unsupportedVersion
        /// The message kind is not defined.
        case unknownKind
        /// The body format is not defined or not allowed for this kind.
        case unknownFormat
        /// Reserved bits or bytes are not zero.
        case reservedBits
        /// A declared length disagrees with the bytes present.
        case lengthMismatch
        /// A value lies outside its documented range.
        case outOfRange
        /// Header fields and body disagree, or the body is self-contradictory.
        case inconsistent
        /// Text is not valid UTF-8.
        case invalidUTF8
        /// The JSON text is malformed.
        case invalidJSON
        /// The JSON is well formed but does not follow the body schema.
        case schemaViolation
        /// The compressed body cannot be inflated.
        case inflateFailed
        /// The body inflates to more than the documented cap.
        case inflateLimitExceeded
        /// A body or string is larger than the protocol allows.
        case tooLarge
        /// Compression could not be performed.
        case deflateFailed
        /// A plain-text datagram is not one of the original protocol's texts.
        case unknownText
        /// A sealed body (body format 3, Spec/ENCRYPTION.md): it decodes only once opened with
        /// its subscription's key (``SealedFrame``).
        case sealed
        /// A sealed body that does not open under its subscription's key: forged, tampered
        /// with, or sealed under another key (Spec/ENCRYPTION.md).
        case notAuthentic
    }

    /// What went wrong, broadly.
    public var code: Code
    /// The field concerned, as a dotted path.
    public var field: String
    /// The byte offset in the input at which the problem was detected.
    public var offset: Int
    /// What was found and what was expected.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: what went wrong, broadly.
    ///   - field: the field concerned, as a dotted path (`"body.token"`).
    ///   - offset: the byte offset in the input at which the problem was detected.
    ///   - message: what was found and what was expected, for people.
    public init(_ code: Code, field: String, offset: Int, _ message: String) {
        self.code = code
        self.field = field
        self.offset = offset
        self.message = message
    }
}

extension WireError: CustomStringConvertible {
    /// The error as one line: its code, byte offset, field and what was expected.
    public var description: String {
        "\(code.rawValue) at byte \(offset) (\(field)): \(message)"
    }
}
