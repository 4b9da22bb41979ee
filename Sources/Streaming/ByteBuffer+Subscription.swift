import NIOCore
import Wire

extension ByteBuffer {
    /// A copy of this frame with `subscription` written into its header (bytes 15–22, Spec
    /// §2.1): a frame made once is sent to each client with that client's identifier.
    func stamped(_ subscription: UInt64) -> ByteBuffer {
        var copy = self
        copy.setInteger(subscription, at: readerIndex + FrameHeader.subscriptionOffset)
        return copy
    }
}
