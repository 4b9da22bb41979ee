import NIOCore
import Wire

/// What the impairment proxy reads of a datagram it relays: enough of the frame header (Spec
/// §2) to tell events, retransmissions and repair traffic apart, and a NACK's sequences.
enum ProxiedDatagram {
    /// The event sequence a datagram carries, if it is an event frame, and whether it is a
    /// retransmission (header flag bit 5).
    static func eventSequence(_ data: ByteBuffer) -> (sequence: UInt32, retransmission: Bool)? {
        guard data.readableBytes >= FrameHeader.size,
            data.getInteger(at: data.readerIndex, as: UInt8.self) == FrameHeader.magic.0,
            data.getInteger(at: data.readerIndex + 3, as: UInt8.self) == FrameKind.event.rawValue,
            let sequence = data.getInteger(at: data.readerIndex + 5, as: UInt32.self),
            let flags = data.getInteger(at: data.readerIndex + 4, as: UInt8.self)
        else { return nil }
        return (sequence, flags & 0x20 != 0)
    }

    /// The sequences a NACK asks for; empty for any other datagram (or one that does not decode).
    static func nackedSequences(_ data: ByteBuffer) -> [UInt32] {
        guard data.readableBytes >= FrameHeader.size, data.getInteger(at: data.readerIndex + 3, as: UInt8.self) == FrameKind.nack.rawValue,
            case .nack(let ranges)? = try? Frame.decode(Array(data.readableBytesView)).body
        else { return [] }  // not a NACK the server would take either: nothing was asked
        return ranges.sequences
    }

    /// Whether a datagram is repair traffic (a NACK or an unavailable answer).
    static func isRepairTraffic(_ data: ByteBuffer) -> Bool {
        guard data.readableBytes >= FrameHeader.size, data.getInteger(at: data.readerIndex, as: UInt8.self) == FrameHeader.magic.0,
            let kind = data.getInteger(at: data.readerIndex + 3, as: UInt8.self)
        else { return false }
        return kind == FrameKind.nack.rawValue || kind == FrameKind.unavailable.rawValue
    }
}
