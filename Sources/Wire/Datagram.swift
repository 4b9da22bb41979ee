/// Which protocol a datagram speaks (Spec §8): the first byte tells, since a SoccerStream frame
/// starts with `0xFF`, which never starts UTF-8 text, and every original-protocol datagram is text.
///
/// This is the one place the split is made: the server, the decoders and `validate` all ask it.
public enum WireProtocol: Sendable, Hashable {
    /// SoccerStream frames (first byte `0xFF`).
    case soccerStream
    /// The original student project's protocol: plain texts and bare JSON.
    case original

    /// The protocol of `bytes`, judged by their first byte (an empty datagram is original-protocol
    /// text, and fails as such).
    public init(of bytes: [UInt8]) {
        self = bytes.first == FrameHeader.magic.0 ? .soccerStream : .original
    }
}

/// Any datagram SoccerStream may meet on its port: a frame of its own protocol or a packet of the original's.
public enum Datagram: Sendable, Hashable {
    /// A SoccerStream frame (starts with the magic 0xFF53).
    case frame(Frame)
    /// An original-protocol packet.
    case original(OriginalPacket)

    /// Tells the two protocols apart (``WireProtocol``) and decodes.
    ///
    /// - Throws: ``WireError``: a frame's errors (``Frame/decode(_:)``); for the original protocol,
    ///   ``WireError/Code/unknownText`` or a JSON body's errors (``OriginalPacket/decode(_:)``).
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Datagram {
        try decodeWithHeader(bytes).datagram
    }

    /// Decodes a datagram, also returning the frame header as sent when it is a frame.
    ///
    /// - Returns: the header (`nil` for an original-protocol packet) and the datagram.
    /// - Throws: ``WireError``, as ``decode(_:)`` does.
    public static func decodeWithHeader(_ bytes: [UInt8]) throws(WireError) -> (header: FrameHeader?, datagram: Datagram) {
        switch WireProtocol(of: bytes) {
        case .soccerStream:
            let (header, frame) = try Frame.decodeWithHeader(bytes)
            return (header, .frame(frame))
        case .original:
            return (nil, .original(try OriginalPacket.decode(bytes)))
        }
    }

    /// The canonical bytes of this datagram (frames per Spec §4.4; original packets as the original sent them).
    ///
    /// - Throws: ``WireError`` when a field does not fit the wire (``Frame/encoded(level:strategy:)``,
    ///   ``OriginalPacket/encoded()``).
    public func encoded() throws(WireError) -> [UInt8] {
        switch self {
        case .frame(let frame): try frame.encoded()
        case .original(let packet): try packet.encoded()
        }
    }

    /// Whether the datagram may travel `direction` (Spec §3 for frames, §8 for the original protocol).
    public func travels(_ direction: Direction) -> Bool {
        switch self {
        case .frame(let frame): frame.kind.rules.directions.contains(direction)
        case .original(let packet): packet.direction == direction
        }
    }
}
