import NIOCore

/// A datagram to send: where to, and what.
public struct OutboundDatagram: Sendable {
    /// Where to.
    public var address: SocketAddress
    /// What.
    public var payload: ByteBuffer

    /// A datagram of `payload` to `address`.
    public init(address: SocketAddress, payload: ByteBuffer) {
        self.address = address
        self.payload = payload
    }
}
