/// An IP address and port, as text.
public struct Endpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address, `127.0.0.1` or `::1`.
    public var address: String
    /// The UDP port.
    public var port: Int

    /// Creates an endpoint.
    public init(address: String, port: Int) {
        self.address = address
        self.port = port
    }

    public var description: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }

    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }
}

/// One UDP datagram found in a capture (after IP reassembly).
public struct UDPDatagram: Sendable, Hashable {
    /// The capture frame that completed it (the last fragment).
    public var frame: Int
    /// The pcapng interface.
    public var interface: Int
    /// Capture time of that frame.
    public var timestamp: Double
    /// Sender.
    public var source: Endpoint
    /// Receiver.
    public var destination: Endpoint
    /// The UDP payload.
    public var payload: [UInt8]
    /// How many IP fragments it arrived in (1 when not fragmented).
    public var fragments: Int
}

/// A frame that could not be decoded down to UDP, and why; skipped frames (other
/// protocols) are not problems.
public struct FrameProblem: Sendable, Hashable {
    /// The frame number.
    public var frame: Int
    /// Why.
    public var message: String

    /// Creates a problem report.
    public init(frame: Int, message: String) {
        self.frame = frame
        self.message = message
    }
}
