/// The fixed 23-byte header that starts every SoccerStream frame (Spec/PROTOCOL.md §2).
///
/// All multi-byte fields are big-endian (network order).
public struct FrameHeader: Sendable, Hashable {
    /// The two magic bytes: `0xFF` can never start UTF-8 text, so a frame is never mistaken
    /// for one of the original protocol's datagrams (JSON or plain text), nor they for it.
    public static let magic: (UInt8, UInt8) = (0xFF, 0x53)
    /// The protocol version this implementation speaks.
    public static let currentVersion: UInt8 = 2
    /// The header's size in bytes.
    public static let size = 23
    /// The offset of the subscription identifier (bytes 15–22).
    public static let subscriptionOffset = 15
    /// The largest body a frame may carry.
    public static let maximumBodyLength = 65_507 - size
    /// The latest match minute the header may carry.
    public static let maximumMinute: UInt8 = 150

    /// Byte 2: the protocol version.
    public var version: UInt8
    /// Byte 3: the message kind.
    public var kind: FrameKind
    /// Byte 4, bits 0–1: the body format.
    public var format: BodyFormat
    /// Byte 4, bit 2: the body is raw-DEFLATE compressed.
    public var compressed: Bool
    /// Byte 4, bits 3–4: the preset dictionary a compressed body was deflated with (0: none).
    public var dictionary: UInt8
    /// Byte 4, bit 5: this event frame is a retransmission, answering a NACK (Spec §4.8).
    public var retransmission: Bool = false
    /// Byte 4, bit 6: in a relay's heartbeat, its upstream is lost (Spec §4.10): the stream
    /// is paused, not over.
    public var sourceLost: Bool = false
    /// Byte 4, bit 7: a welcome, event or group event frame of a real match in the extended layout
    /// (Spec §4.13), sent only to a client whose register asked for it.
    public var extended: Bool = false
    /// Bytes 5–8: the sequence number.
    public var sequence: UInt32
    /// Byte 9: the event type, 0 for none.
    public var eventType: UInt8
    /// Bytes 10–11: the score.
    public var score: Score
    /// Byte 12: the match minute.
    public var minute: UInt8
    /// Bytes 13–14: the body's length in bytes (as sent, i.e. compressed if compressed).
    public var bodyLength: UInt16
    /// Bytes 15–22: the subscription identifier the datagram belongs to (Spec §2.1): the one a
    /// welcome assigned, or, before it, the register's nonce; 0 where a kind has none.
    public var subscription: UInt64

    /// Creates a header.
    public init(
        version: UInt8 = FrameHeader.currentVersion, kind: FrameKind, format: BodyFormat, compressed: Bool,
        dictionary: UInt8 = 0, sequence: UInt32, eventType: UInt8, score: Score, minute: UInt8, bodyLength: UInt16,
        subscription: UInt64 = 0
    ) {
        self.version = version
        self.kind = kind
        self.format = format
        self.compressed = compressed
        self.dictionary = dictionary
        self.sequence = sequence
        self.eventType = eventType
        self.score = score
        self.minute = minute
        self.bodyLength = bodyLength
        self.subscription = subscription
    }

    /// The subscription identifier in a frame's bytes 15–22, read without decoding the rest
    /// (0 when the bytes are too short to hold one).
    public static func subscription(in bytes: [UInt8]) -> UInt64 {
        guard bytes.count >= subscriptionOffset + 8 else { return 0 }
        return bytes[subscriptionOffset..<(subscriptionOffset + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Writes `subscription` into a frame's bytes 15–22 (a frame made once, sent under several
    /// identifiers). Bytes too short to hold a header are left as they are.
    public static func stamp(_ subscription: UInt64, into bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { stamp(subscription, into: $0) }
    }

    /// Writes `subscription` into a frame's bytes 15–22 in place (big-endian, Spec §2.1): the
    /// server's fan-out stamps each client's copy in its send slab this way. Bytes too short to
    /// hold a header are left as they are.
    @inlinable
    public static func stamp(_ subscription: UInt64, into bytes: UnsafeMutableRawBufferPointer) {
        guard bytes.count >= subscriptionOffset + 8 else { return }
        bytes.storeBytes(of: subscription.bigEndian, toByteOffset: subscriptionOffset, as: UInt64.self)
    }

    /// Appends the header's 23 bytes.
    public func write(to writer: inout ByteWriter) {
        writer.writeUInt8(Self.magic.0)
        writer.writeUInt8(Self.magic.1)
        writer.writeUInt8(version)
        writer.writeUInt8(kind.rawValue)
        writer.writeUInt8(
            format.rawValue | (compressed ? 0x04 : 0) | (dictionary & 0x03) << 3 | (retransmission ? Self.retransmissionFlag : 0)
                | (sourceLost ? 0x40 : 0) | (extended ? 0x80 : 0))
        writer.writeUInt32(sequence)
        writer.writeUInt8(eventType)
        writer.writeUInt8(score.home)
        writer.writeUInt8(score.away)
        writer.writeUInt8(minute)
        writer.writeUInt16(bodyLength)
        writer.writeUInt64(subscription)
    }

    /// Reads and checks a header from the start of a datagram.
    ///
    /// Checks the magic, version, kind, flags, minute range and that the body length
    /// matches the datagram's size. Per-kind rules are checked by ``Frame/decode(_:)``.
    ///
    /// - Parameters:
    ///   - reader: a reader at the datagram's first byte; left after the header.
    ///   - datagramSize: the whole datagram's size, which the body (and a group event's signature) must fill.
    /// - Throws: ``WireError/Code/truncated`` under 23 bytes; ``WireError/Code/badMagic``;
    ///   ``WireError/Code/unsupportedVersion``; ``WireError/Code/unknownKind``; ``WireError/Code/sealed``
    ///   for format 3 (a sealed body, ``SealedFrame``); ``WireError/Code/reservedBits`` for a dictionary on an uncompressed body;
    ///   ``WireError/Code/outOfRange`` for a dictionary not held or a minute over ``maximumMinute``;
    ///   ``WireError/Code/lengthMismatch`` when the body length disagrees with `datagramSize`.
    public static func read(from reader: inout ByteReader, datagramSize: Int) throws(WireError) -> FrameHeader {
        try reader.require(size, field: "header")
        let magic0 = try reader.readUInt8(field: "header.magic")
        let magic1 = try reader.readUInt8(field: "header.magic")
        guard magic0 == magic.0 && magic1 == magic.1 else {
            throw WireError(
                .badMagic, field: "header.magic", offset: 0,
                "found 0x\(hex(magic0))\(hex(magic1)), expected 0xFF53")
        }
        let version = try reader.readUInt8(field: "header.version")
        guard version == currentVersion else {
            throw WireError(
                .unsupportedVersion, field: "header.version", offset: versionOffset,
                "version \(version); this implementation speaks version \(currentVersion)")
        }
        let kindByte = try reader.readUInt8(field: "header.kind")
        guard let kind = FrameKind(rawValue: kindByte) else {
            throw WireError(.unknownKind, field: "header.kind", offset: kindOffset, "kind \(kindByte); expected 1...\(FrameKind.allCases.count)")
        }
        let flags = try reader.readUInt8(field: "header.flags")
        guard let format = BodyFormat(rawValue: flags & formatMask) else {
            throw WireError(
                .sealed, field: "header.flags.format", offset: flagsOffset,
                "format 3: a sealed body (Spec/ENCRYPTION.md); it decodes once opened with its subscription's key")
        }
        let dictionary = (flags >> 3) & 0x03
        if dictionary != 0 {
            guard flags & 0x04 != 0 else {
                throw WireError(
                    .reservedBits, field: "header.flags.dictionary", offset: flagsOffset,
                    "dictionary \(dictionary) named for a body that is not compressed; expected 0")
            }
            _ = try CompressionDictionary.named(dictionary, field: "header.flags.dictionary", offset: flagsOffset)
        }
        let sequence = try reader.readUInt32(field: "header.sequence")
        let eventType = try reader.readUInt8(field: "header.eventType")
        let home = try reader.readUInt8(field: "header.score.home")
        let away = try reader.readUInt8(field: "header.score.away")
        let minute = try reader.readUInt8(field: "header.minute")
        guard minute <= maximumMinute else {
            throw WireError(.outOfRange, field: "header.minute", offset: minuteOffset, "minute \(minute); expected 0...\(maximumMinute)")
        }
        let bodyLength = try reader.readUInt16(field: "header.bodyLength")
        // A group event's signature follows its body (Spec §4.11).
        let trailer = kind == .groupEvent ? GroupSignature.size : 0
        guard Int(bodyLength) == datagramSize - size - trailer else {
            throw WireError(
                .lengthMismatch, field: "header.bodyLength", offset: bodyLengthOffset,
                "declares \(bodyLength) body bytes but the datagram has \(datagramSize - size - trailer)"
                    + (trailer > 0 ? " before its \(trailer)-byte signature" : ""))
        }
        let subscription = try reader.readUInt64(field: "header.subscription")
        var header = FrameHeader(
            version: version, kind: kind, format: format, compressed: flags & 0x04 != 0, dictionary: dictionary, sequence: sequence,
            eventType: eventType, score: Score(home: home, away: away), minute: minute, bodyLength: bodyLength, subscription: subscription)
        header.retransmission = flags & retransmissionFlag != 0
        header.sourceLost = flags & 0x40 != 0
        header.extended = flags & 0x80 != 0
        return header
    }
}

func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}
