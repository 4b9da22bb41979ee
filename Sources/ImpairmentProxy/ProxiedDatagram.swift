import NIOCore
import Wire

/// What the impairment proxy reads of a datagram it relays: the frame header's kind, flags and
/// sequence (Spec §2, read by Wire's ``FrameHeader/glance(_:)``, sealed frames too) to tell
/// events, retransmissions and repair traffic apart, and a NACK's sequences.
enum ProxiedDatagram {
    private static func glance(_ data: ByteBuffer) -> FrameHeader.Glance? {
        data.withUnsafeReadableBytes { FrameHeader.glance($0) }
    }

    /// The event sequence a datagram carries, if it is an event frame, and whether it is a
    /// retransmission (header flag bit 5).
    static func eventSequence(_ data: ByteBuffer) -> (sequence: UInt32, retransmission: Bool)? {
        guard let header = glance(data), header.kind == .event else { return nil }
        return (header.sequence, header.retransmission)
    }

    /// The sequences a NACK asks for; empty for any other datagram (or one that does not decode).
    static func nackedSequences(_ data: ByteBuffer) -> [UInt32] {
        guard glance(data)?.kind == .nack, case .nack(let ranges)? = try? Frame.decode(Array(data.readableBytesView)).body
        else { return [] }  // not a NACK the server would take either: nothing was asked
        return ranges.sequences
    }

    /// Whether a datagram is repair traffic (a NACK or an unavailable answer).
    static func isRepairTraffic(_ data: ByteBuffer) -> Bool {
        guard let kind = glance(data)?.kind else { return false }
        return kind == .nack || kind == .unavailable
    }
}
