import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

extension ByteBuffer {
    /// A copy of this frame with `subscription` written into its header (bytes 15–22, Spec
    /// §2.1): a frame made once is sent to each client with that client's identifier.
    package func stamped(_ subscription: UInt64) -> ByteBuffer {
        var copy = self
        copy.withUnsafeMutableReadableBytes { FrameHeader.stamp(subscription, into: $0) }
        return copy
    }

    /// A copy of this event frame stamped with `subscription` and marked as a retransmission
    /// (header flag bit 5, Spec §4.8).
    package func retransmitted(to subscription: UInt64) -> ByteBuffer {
        var copy = stamped(subscription)
        let flagsAt = readerIndex + FrameHeader.flagsOffset
        if let flags = copy.getInteger(at: flagsAt, as: UInt8.self) {
            copy.setInteger(flags | FrameHeader.retransmissionFlag, at: flagsAt)
        }
        return copy
    }
}
