/// The signature that closes every group event (Spec §4.11): 64 bytes of Ed25519 (RFC 8032)
/// after the body, over every byte before them. Signing and checking live in the
/// `GroupSigning` module (it needs swift-crypto); the layout lives here, with the rest of the
/// wire, so that decoders and fuzzers need no cryptography.
public enum GroupSignature {
    /// A signature's size in bytes.
    public static let size = 64

    /// The unsigned group event for an encoded event frame: `event` (kind 4, as the encoder
    /// made it) with kind 13, no retransmission flag, the match id in bytes 15–18 and zero in
    /// 19–22 (Spec §4.11). The signature of these bytes follows them.
    ///
    /// - Parameters:
    ///   - event: an encoded event frame with a body (``Frame/encoded(level:strategy:)``).
    ///   - matchID: the match the group event belongs to; never 0.
    /// - Returns: the bytes to sign; the 64-byte signature is appended after them.
    /// - Throws: ``WireError`` when `event` is not an event frame's bytes (``WireError/Code/inconsistent``),
    ///   or `matchID` is 0 (``WireError/Code/outOfRange``).
    public static func unsignedGroupEvent(from event: [UInt8], matchID: UInt32) throws(WireError) -> [UInt8] {
        guard event.count > FrameHeader.size, FrameHeader.kind(in: event) == .event else {
            throw WireError(.inconsistent, field: "header.kind", offset: FrameHeader.kindOffset, "a group event is made from an event frame")
        }
        guard matchID != 0 else {
            throw WireError(.outOfRange, field: "header.match", offset: FrameHeader.subscriptionOffset, "a group event needs a match id, found 0")
        }
        var bytes = event
        bytes[FrameHeader.kindOffset] = FrameKind.groupEvent.rawValue
        bytes[FrameHeader.flagsOffset] &= ~FrameHeader.retransmissionFlag
        FrameHeader.stamp(UInt64(matchID) << 32, into: &bytes)
        return bytes
    }
}
