import Glibc
import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

/// Where a server (or relay) sends its group events (Spec §4.11), and how: `--multicast
/// GROUP:PORT`, `--multicast-interface`, `--multicast-ttl`.
public struct MulticastSettings: Sendable, Hashable {
    /// The group and port, as given.
    public var group: Upstream
    /// The local IPv4 address (or interface name) the group datagrams leave by; nil: the
    /// route's choice.
    public var interface: String?
    /// How many routers a group datagram may cross (IP_MULTICAST_TTL; 1: this network only).
    public var ttl: Int = 1
    /// The share of group datagrams dropped before they are sent (hidden `--group-loss`, for
    /// tests of repair: loss induced on the group, as `tc netem` would on a link).
    public var loss: Double = 0

    /// `--multicast GROUP:PORT`.
    ///
    /// - Throws: ``StreamingError`` (`configuration`) when it is no IPv4 multicast group and port.
    public init(parsing text: String) throws(StreamingError) {
        group = try Upstream(parsing: text, setting: "multicast group (--multicast)")
        _ = try groupAddress()
    }

    /// The group as a socket address: an IPv4 address in 224.0.0.0/4.
    ///
    /// - Throws: ``StreamingError`` (`configuration`) naming what is wrong.
    public func groupAddress() throws(StreamingError) -> SocketAddress {
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: group.host, port: group.port)
        } catch {
            throw StreamingError(.configuration, "multicast group (--multicast) \"\(group)\": not an IP address")
        }
        guard case .v4 = address, MulticastOffer.isMulticast(Self.addressBytes(address)) else {
            throw StreamingError(
                .configuration,
                "multicast group (--multicast) \"\(group)\": not an IPv4 multicast group; expected 224.0.0.0/4 (239.0.0.0/8 for a private network), e.g. 239.1.2.3:5000"
            )
        }
        return address
    }

    /// Checks the settings.
    public func validate() throws(StreamingError) {
        _ = try groupAddress()
        guard group.port < 65535 else {
            throw StreamingError(
                .configuration, "multicast group (--multicast) \"\(group)\": port 65535; expected 1...65534 (JSON group events go to the next port)")
        }
        guard (1...255).contains(ttl) else {
            throw StreamingError(.configuration, "multicast TTL (--multicast-ttl): \(ttl); expected 1...255 (1: this network only)")
        }
        guard loss.isFinite, (0...1).contains(loss) else {
            throw StreamingError(.configuration, "group loss (--group-loss): \(loss); expected a probability 0...1")
        }
    }

    /// The port a format's group events go to: compact to the group's port, JSON to the next,
    /// so that a receiver gets only its own format (a compact receiver on a low-bandwidth link
    /// never receives the 3 KB JSON events).
    public func port(for format: BodyFormat) -> Int {
        format == .json ? group.port + 1 : group.port
    }

    /// What each format's welcome offers: the group, that format's port, and `key`.
    public func offers(key: GroupPublicKey) throws(StreamingError) -> [BodyFormat: MulticastOffer] {
        let address = Self.addressBytes(try groupAddress())
        return Dictionary(
            uniqueKeysWithValues: [BodyFormat.compact, .json].map { format in
                (format, MulticastOffer(address: address, port: UInt16(port(for: format)), publicKey: key.bytes))
            })
    }

    /// The 4 or 16 bytes of an IP address (none for a Unix socket).
    public static func addressBytes(_ address: SocketAddress) -> [UInt8] {
        switch address {
        case .v4(let v4): withUnsafeBytes(of: v4.address.sin_addr.s_addr) { Array($0) }
        case .v6(let v6): withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        case .unixDomainSocket: []
        }
    }

    /// Sets the sending socket's multicast options: TTL, loopback on (receivers on this machine
    /// get the group too), and the interface when one is given.
    ///
    /// - Throws: ``StreamingError`` (`socket`, or `configuration` for an unknown interface).
    package func configure(socket: CInt) throws(StreamingError) {
        var ttlValue = CInt(ttl)
        var loop: CInt = 1
        guard setsockopt(socket, CInt(IPPROTO_IP), IP_MULTICAST_TTL, &ttlValue, socklen_t(MemoryLayout<CInt>.size)) == 0,
            setsockopt(socket, CInt(IPPROTO_IP), IP_MULTICAST_LOOP, &loop, socklen_t(MemoryLayout<CInt>.size)) == 0
        else {
            throw StreamingError(.socket, "cannot set the multicast TTL on the server's socket: \(IOError(errnoCode: errno, reason: "setsockopt"))")
        }
        guard let interface else { return }
        var request = ip_mreqn()
        if let index = Self.interfaceIndex(interface) {
            request.imr_ifindex = index
        } else if inet_pton(AF_INET, interface, &request.imr_address) != 1 {
            throw StreamingError(.configuration, "multicast interface (--multicast-interface) \"\(interface)\": no such interface or IPv4 address")
        }
        guard setsockopt(socket, CInt(IPPROTO_IP), IP_MULTICAST_IF, &request, socklen_t(MemoryLayout<ip_mreqn>.size)) == 0 else {
            throw StreamingError(
                .socket, "cannot send to the group by \(interface): \(IOError(errnoCode: errno, reason: "setsockopt IP_MULTICAST_IF"))")
        }
    }

    /// The index of the interface named `name`, if there is one.
    package static func interfaceIndex(_ name: String) -> CInt? {
        let index = if_nametoindex(name)
        return index == 0 ? nil : CInt(index)
    }
}
