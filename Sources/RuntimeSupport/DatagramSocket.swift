/// The server's and client's UDP receive buffers.
public enum DatagramSocket {
    /// The receive buffer: one `recvmmsg` fills it with up to ``vectorReadCount`` datagrams,
    /// each in a slot of `receiveBufferSize / vectorReadCount` (2,048) bytes. Clients send at
    /// most 1,024; a larger datagram is truncated by the kernel and then fails its size check.
    public static let receiveBufferSize = 65_536
    /// Datagrams the server reads per system call (`recvmmsg`), so a registration storm or a
    /// flood costs one system call per batch rather than per datagram.
    public static let vectorReadCount = 32
}
