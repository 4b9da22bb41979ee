/// Reading a frame header's leading fields without decoding the frame (Spec §2), for code that
/// classifies datagrams (the impairment proxy, capture checks, the server before it refuses
/// another version) or patches one field of a frame it made: the byte offsets are written here
/// once, beside ``FrameHeader/read(from:datagramSize:)``, which decodes them in full.
extension FrameHeader {
    /// Byte 2: the protocol version.
    public static let versionOffset = 2
    /// Byte 3: the message kind.
    public static let kindOffset = 3
    /// Byte 4: the flags (format, compression, dictionary, retransmission, source lost, extended).
    public static let flagsOffset = 4
    /// Bytes 5–8: the sequence number.
    public static let sequenceOffset = 5
    /// Byte 12: the match minute.
    public static let minuteOffset = 12
    /// Bytes 13–14: the body's length.
    public static let bodyLengthOffset = 13
    /// Bits 0–1 of byte 4: the body format (3: sealed, Spec/ENCRYPTION.md).
    public static let formatMask: UInt8 = 0x03
    /// Flag bit 5 of byte 4: an event frame sent again for a NACK (Spec §4.8).
    public static let retransmissionFlag: UInt8 = 0x20

    /// What a frame's header says before its frame is decoded or opened.
    public struct Glance: Sendable, Hashable {
        /// Byte 3: the message kind.
        public var kind: FrameKind
        /// Byte 4: the flags, as they are.
        public var flags: UInt8
        /// Bytes 5–8: the sequence number.
        public var sequence: UInt32

        /// Flag bit 5: an event sent again for a NACK.
        public var retransmission: Bool { flags & FrameHeader.retransmissionFlag != 0 }
    }

    /// The kind, flags and sequence of the frame in `bytes`, nothing else checked (a sealed
    /// frame, format 3, glances like any other); nil unless `bytes` hold a whole header that
    /// starts with the magic and names a known kind.
    public static func glance(_ bytes: UnsafeRawBufferPointer) -> Glance? {
        guard bytes.count >= size, let kind = kind(in: bytes) else { return nil }
        return Glance(kind: kind, flags: bytes[flagsOffset], sequence: sequence(in: bytes))
    }

    /// The sequence number in a header's bytes 5–8 (big-endian); 0 when `bytes` are shorter.
    public static func sequence(in bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard bytes.count >= sequenceOffset + 4 else { return 0 }
        var sequence: UInt32 = 0
        for index in sequenceOffset..<(sequenceOffset + 4) { sequence = sequence << 8 | UInt32(bytes[index]) }
        return sequence
    }

    /// Writes `length` into a header's bytes 13–14 (big-endian), for a frame whose body was
    /// replaced (sealed, or opened). Bytes too short to hold them are left as they are.
    public static func setBodyLength(_ length: Int, in bytes: inout [UInt8]) {
        guard bytes.count >= bodyLengthOffset + 2 else { return }
        bytes[bodyLengthOffset] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[bodyLengthOffset + 1] = UInt8(truncatingIfNeeded: length)
    }

    /// The kind a datagram's header names, read from its first four bytes (a header of another
    /// version may be another size); nil unless they start with the magic and name a known kind.
    public static func kind(in bytes: UnsafeRawBufferPointer) -> FrameKind? {
        guard bytes.count > kindOffset, startsWithMagic(bytes) else { return nil }
        return FrameKind(rawValue: bytes[kindOffset])
    }

    /// Whether `bytes` begin with the frame magic: the first thing every glance at a header checks.
    public static func startsWithMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == magic.0 && bytes[1] == magic.1
    }

    /// ``startsWithMagic(_:)`` of a datagram held as an array.
    public static func startsWithMagic(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { startsWithMagic($0) }
    }

    /// ``kind(in:)`` of a datagram held as an array.
    public static func kind(in bytes: [UInt8]) -> FrameKind? {
        bytes.withUnsafeBytes { kind(in: $0) }
    }
}
