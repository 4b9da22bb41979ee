/// The body of a challenge frame: an address-validation token (Spec §7.1).
///
/// A server answers a register from an address it has not validated with a challenge; the
/// client repeats its register with this token. The token binds the client's address and
/// a time, and is checked without any state kept for the address (QUIC's Retry, DTLS's
/// HelloVerifyRequest).
public struct Challenge: Sendable, Hashable, Codable {
    /// The token to echo (1...64 bytes).
    public var token: [UInt8]

    /// Creates a challenge.
    public init(token: [UInt8]) {
        self.token = token
    }

    /// Appends the body.
    ///
    /// - Throws: ``WireError/Code/outOfRange`` when the token is empty or longer than
    ///   ``RegisterRequest/maximumTokenLength`` bytes.
    public func write(to writer: inout ByteWriter) throws(WireError) {
        guard (1...RegisterRequest.maximumTokenLength).contains(token.count) else {
            throw WireError(
                .outOfRange, field: "body.token", offset: writer.bytes.count,
                "token of \(token.count) bytes; expected 1...\(RegisterRequest.maximumTokenLength)")
        }
        writer.writeUInt8(UInt8(token.count))
        writer.writeBytes(token)
    }

    /// Reads the body.
    ///
    /// - Throws: ``WireError/Code/truncated`` when the body ends early, ``WireError/Code/outOfRange``
    ///   when the token's length is 0 or more than ``RegisterRequest/maximumTokenLength``.
    public static func read(from reader: inout ByteReader) throws(WireError) -> Challenge {
        let offset = reader.offset
        let length = Int(try reader.readUInt8(field: "body.token.length"))
        guard (1...RegisterRequest.maximumTokenLength).contains(length) else {
            throw WireError(
                .outOfRange, field: "body.token.length", offset: offset,
                "token of \(length) bytes; expected 1...\(RegisterRequest.maximumTokenLength)")
        }
        return Challenge(token: try reader.readBytes(length, field: "body.token"))
    }
}
