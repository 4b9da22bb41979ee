/// The server's and client's UDP receive buffers.
public enum DatagramSocket {
    /// The receive buffer: one `recvmmsg` fills it with up to ``vectorReadCount`` datagrams,
    /// each in a slot of `receiveBufferSize / vectorReadCount` (2,048) bytes. Clients send at
    /// most 1,024; a larger datagram is truncated by the kernel and then fails its size check.
    public static let receiveBufferSize = 65_536
    /// Datagrams the server reads per system call (`recvmmsg`), so a registration storm or a
    /// flood costs one system call per batch rather than per datagram.
    public static let vectorReadCount = 32
    /// The kernel's receive queue a client asks for (`SO_RCVBUF`; Linux caps it at
    /// `net.core.rmem_max`, 208 KiB unless raised): room for about 1,300 small event datagrams,
    /// so that a client whose event loop is busy for a moment (a slow terminal, a loaded
    /// machine) finds its events queued rather than dropped by the kernel, where nothing counts
    /// them but the gap they leave.
    public static let clientKernelBuffer = 1 << 20
}
