/// A datagram of the original project's protocol: three plain texts and the bare JSON datagram.
public enum OriginalPacket: Sendable, Hashable {
    /// The text `register` (client → server).
    case register
    /// The text `unregister` (client → server).
    case unregister
    /// The text `End of transmission` (server → client).
    case endOfTransmission
    /// A bare JSON datagram (server → client).
    case datagram(OriginalDatagram)

    /// The original's register text, exactly as it sent it (UTF-8, no terminator).
    public static let registerText = "register"
    /// The original's unregister text.
    public static let unregisterText = "unregister"
    /// The original server's end text.
    public static let endOfTransmissionText = "End of transmission"

    /// Which way the packet travels (client → server or server → client).
    public var direction: Direction {
        switch self {
        case .register, .unregister: .toServer
        case .endOfTransmission, .datagram: .toClient
        }
    }

    /// The bytes the original sends for this packet.
    ///
    /// - Throws: ``WireError/Code/tooLarge`` when a datagram's JSON exceeds ``OriginalDatagram/maximumSize``.
    public func encoded() throws(WireError) -> [UInt8] {
        switch self {
        case .register: Array(Self.registerText.utf8)
        case .unregister: Array(Self.unregisterText.utf8)
        case .endOfTransmission: Array(Self.endOfTransmissionText.utf8)
        case .datagram(let datagram): try datagram.encoded()
        }
    }

    /// Decodes an original-protocol datagram: one of the three texts exactly, or a JSON
    /// object (first byte `{`) in the original layout.
    ///
    /// - Throws: ``WireError/Code/unknownText`` for any other bytes; for a JSON object, the
    ///   errors of ``OriginalDatagram/init(decoding:base:)``.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> OriginalPacket {
        if bytes.first == UInt8(ascii: "{") {
            return .datagram(try OriginalDatagram(decoding: bytes))
        }
        if bytes.elementsEqual(registerText.utf8) { return .register }
        if bytes.elementsEqual(unregisterText.utf8) { return .unregister }
        if bytes.elementsEqual(endOfTransmissionText.utf8) { return .endOfTransmission }
        let preview = TerminalText.escaped(utf8: bytes.prefix(24))
        throw WireError(
            .unknownText, field: "original", offset: 0,
            "\(bytes.count)-byte datagram \"\(preview)\(bytes.count > 24 ? "…" : "")\" is neither a frame nor register, unregister, End of transmission or a JSON object"
        )
    }
}
