/// The body of a list frame (Spec §4.9): a client asks which matches the server carries, from
/// the `offset`-th on. Like a register, it echoes an address-validation token (empty on a first
/// attempt, which gets a challenge) and is padded to ``RegisterRequest/minimumFrameSize`` bytes,
/// so that nothing the server sends an address it has not validated is larger than what it got.
public struct ListRequest: Sendable, Hashable, Codable {
    /// The token from an earlier challenge, or empty.
    public var token: [UInt8]
    /// The index of the first match wanted (pages after the first).
    public var offset: UInt16
    /// Zero bytes at the end.
    public var padding: Int

    /// Creates a request with `padding` zero bytes at the end.
    public init(token: [UInt8] = [], offset: UInt16 = 0, padding: Int = 0) {
        self.token = token
        self.offset = offset
        self.padding = padding
    }

    /// A request padded so that its frame is exactly ``RegisterRequest/minimumFrameSize`` bytes (or unpadded if larger).
    public static func padded(token: [UInt8] = [], offset: UInt16 = 0) -> ListRequest {
        ListRequest(
            token: token, offset: offset,
            padding: max(0, RegisterRequest.minimumFrameSize - FrameHeader.size - 1 - token.count - 2))
    }

    /// Appends the body.
    ///
    /// - Throws: ``WireError/Code/tooLarge`` when the token is longer than ``RegisterRequest/maximumTokenLength`` bytes.
    public func write(to writer: inout ByteWriter) throws(WireError) {
        guard token.count <= RegisterRequest.maximumTokenLength else {
            throw WireError(
                .tooLarge, field: "body.token", offset: writer.bytes.count,
                "token of \(token.count) bytes exceeds \(RegisterRequest.maximumTokenLength)")
        }
        writer.writeUInt8(UInt8(token.count))
        writer.writeBytes(token)
        writer.writeUInt16(offset)
        writer.writeBytes(repeatElement(0, count: max(0, padding)))
    }

    /// Reads the body.
    ///
    /// - Parameter reader: a reader at the body's first byte; every byte after the `offset` field is read as padding.
    /// - Throws: ``WireError/Code/truncated`` when the body ends early; ``WireError/Code/outOfRange`` for a token
    ///   longer than ``RegisterRequest/maximumTokenLength``; ``WireError/Code/reservedBits`` for a non-zero padding byte.
    public static func read(from reader: inout ByteReader) throws(WireError) -> ListRequest {
        let tokenOffset = reader.offset
        let length = Int(try reader.readUInt8(field: "body.token.length"))
        guard length <= RegisterRequest.maximumTokenLength else {
            throw WireError(
                .outOfRange, field: "body.token.length", offset: tokenOffset,
                "token of \(length) bytes; at most \(RegisterRequest.maximumTokenLength)")
        }
        let token = try reader.readBytes(length, field: "body.token")
        let offset = try reader.readUInt16(field: "body.offset")
        let paddingStart = reader.offset
        let padding = try reader.readBytes(reader.remaining, field: "body.padding")
        if let nonZero = padding.firstIndex(where: { $0 != 0 }) {
            throw WireError(.reservedBits, field: "body.padding", offset: paddingStart + nonZero, "padding must be zero bytes")
        }
        return ListRequest(token: token, offset: offset, padding: padding.count)
    }
}
