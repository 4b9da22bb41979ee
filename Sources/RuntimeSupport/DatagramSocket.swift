/// The server's and client's UDP receive buffers.
public enum DatagramSocket {
    /// The receive buffer: one `recvmmsg` fills it with up to 32 datagrams, each in a slot of
    /// 2,048 bytes. Clients send at most 1,024; a larger datagram is truncated by the kernel and
    /// then fails its size check.
    public static let receiveBufferSize = 65_536
}
