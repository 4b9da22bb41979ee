import NIOCore
import Wire

/// What a sent datagram is, for the counts the metrics keep per kind: slot 0 is the original
/// protocol, 1… the frame kinds (group events and resets included).
public enum DatagramKind {
    /// The label value of each slot.
    public static let names: [String] = ["original"] + FrameKind.allCases.map(\.name)

    /// The slot a datagram's bytes belong to: its frame kind, or 0.
    @inline(__always)
    static func slot(firstByte: UInt8, kindByte: UInt8, length: Int) -> Int {
        firstByte == FrameHeader.magic.0 && length >= FrameHeader.size && kindByte >= 1 && Int(kindByte) < names.count ? Int(kindByte) : 0
    }
}

/// Where a server's channel handler reports what each flush sent (the server's metrics).
public protocol DatagramTallies: Sendable {
    /// Adds a flush's tallies: datagrams and bytes per slot of ``DatagramKind/names``.
    func sent(datagrams counts: borrowing [Int], bytes sizes: borrowing [Int])
}

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

/// The server's and client's UDP receive buffers.
public enum DatagramSocket {
    /// The receive buffer: one `recvmmsg` fills it with up to 32 datagrams, each in a slot of
    /// 2,048 bytes. Clients send at most 1,024; a larger datagram is truncated by the kernel and
    /// then fails its size check.
    public static let receiveBufferSize = 65_536
}
