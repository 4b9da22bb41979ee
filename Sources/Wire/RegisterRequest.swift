/// The body of a register frame: the formats a client accepts, best first, the
/// address-validation token it echoes (empty on a first attempt), and zero padding.
///
/// A register frame is padded to at least ``minimumFrameSize`` bytes so that the server's
/// answer to an address it has not validated yet (a challenge or a refusal) is never larger
/// than what it received: the server can never be used to amplify traffic.
public struct RegisterRequest: Sendable, Hashable, Codable {
    /// The longest token a register frame may carry.
    public static let maximumTokenLength = 64
    /// The least size of a register frame, header included.
    public static let minimumFrameSize = 64

    /// The body formats accepted, in order of preference: `json`, `compact` or both, no repeats.
    public var formats: [BodyFormat]
    /// The token from an earlier challenge, or empty.
    public var token: [UInt8]
    /// Zero bytes after the token.
    public var padding: Int

    /// Creates a request with `padding` zero bytes after the token.
    public init(formats: [BodyFormat], token: [UInt8] = [], padding: Int = 0) {
        self.formats = formats
        self.token = token
        self.padding = padding
    }

    /// A request padded so that its frame is exactly ``minimumFrameSize`` bytes (or unpadded if already larger).
    public static func padded(formats: [BodyFormat], token: [UInt8] = []) -> RegisterRequest {
        let unpadded = FrameHeader.size + 1 + formats.count + 1 + token.count
        return RegisterRequest(formats: formats, token: token, padding: max(0, minimumFrameSize - unpadded))
    }

    /// Appends the body.
    public func write(to writer: inout ByteWriter) throws(WireError) {
        guard (1...2).contains(formats.count), Set(formats).count == formats.count, !formats.contains(.none) else {
            throw WireError(.outOfRange, field: "body.formats", offset: writer.bytes.count,
                            "formats must be 1 or 2 distinct values of json and compact")
        }
        guard token.count <= Self.maximumTokenLength else {
            throw WireError(.tooLarge, field: "body.token", offset: writer.bytes.count,
                            "token of \(token.count) bytes exceeds \(Self.maximumTokenLength)")
        }
        writer.writeUInt8(UInt8(formats.count))
        for format in formats { writer.writeUInt8(format.rawValue) }
        writer.writeUInt8(UInt8(token.count))
        writer.writeBytes(token)
        writer.writeBytes(repeatElement(0, count: max(0, padding)))
    }

    /// Reads the body.
    public static func read(from reader: inout ByteReader) throws(WireError) -> RegisterRequest {
        let countOffset = reader.offset
        let count = try reader.readUInt8(field: "body.formats.count")
        guard (1...2).contains(count) else {
            throw WireError(.outOfRange, field: "body.formats.count", offset: countOffset, "\(count) formats; expected 1 or 2")
        }
        var formats: [BodyFormat] = []
        for index in 0..<Int(count) {
            let offset = reader.offset
            let code = try reader.readUInt8(field: "body.formats[\(index)]")
            guard let format = BodyFormat(rawValue: code), format != .none, !formats.contains(format) else {
                throw WireError(.unknownFormat, field: "body.formats[\(index)]", offset: offset,
                                "format \(code); expected json (1) or compact (2), each at most once")
            }
            formats.append(format)
        }
        let tokenOffset = reader.offset
        let tokenLength = Int(try reader.readUInt8(field: "body.token.length"))
        guard tokenLength <= maximumTokenLength else {
            throw WireError(.outOfRange, field: "body.token.length", offset: tokenOffset,
                            "token of \(tokenLength) bytes; at most \(maximumTokenLength)")
        }
        let token = try reader.readBytes(tokenLength, field: "body.token")
        let paddingStart = reader.offset
        let padding = try reader.readBytes(reader.remaining, field: "body.padding")
        if let nonZero = padding.firstIndex(where: { $0 != 0 }) {
            throw WireError(.reservedBits, field: "body.padding", offset: paddingStart + nonZero, "padding must be zero bytes")
        }
        return RegisterRequest(formats: formats, token: token, padding: padding.count)
    }
}
