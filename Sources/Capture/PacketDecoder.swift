/// Decodes captured link-layer frames down to UDP datagrams: Ethernet (with 802.1Q/802.1ad
/// VLAN tags), Linux cooked capture v1 and v2, BSD loopback (NULL), raw IP; IPv4 and IPv6
/// (with extension headers); reassembling fragmented IP datagrams.
public struct PacketDecoder: Sendable {
    /// Link types this decoder understands.
    public static let supportedLinkTypes: [UInt32: String] = [
        0: "BSD loopback", 1: "Ethernet", 12: "raw IP", 14: "raw IP", 101: "raw IP", 113: "Linux cooked v1",
        228: "raw IPv4", 229: "raw IPv6", 276: "Linux cooked v2",
    ]

    /// The most incomplete datagrams held for reassembly at once; the oldest is dropped past it.
    public static let maximumPendingReassemblies = 1024

    private struct FragmentKey: Hashable {
        var source: String
        var destination: String
        var identification: UInt32
        var version: Int
    }

    private struct Pending {
        var pieces: [(offset: Int, data: ArraySlice<UInt8>)] = []
        var totalLength: Int?
        var firstSeen: Int
    }

    private var pending: [FragmentKey: Pending] = [:]
    /// Datagrams found so far.
    public private(set) var datagrams: [UDPDatagram] = []
    /// Frames that were malformed below UDP.
    public private(set) var problems: [FrameProblem] = []

    /// Creates a decoder.
    public init() {}

    /// Decodes every frame; returns the datagrams and the problems.
    public static func decode(_ frames: [CapturedFrame]) -> PacketDecoder {
        var decoder = PacketDecoder()
        for frame in frames { decoder.add(frame) }
        return decoder
    }

    /// Fragments still waiting for their other pieces (at the end: incomplete datagrams).
    public var incompleteReassemblies: Int { pending.count }

    /// Decodes one frame.
    public mutating func add(_ frame: CapturedFrame) {
        let data = frame.data[...]
        switch frame.linkType {
        case 1:
            ethernet(data, frame)
        case 113:
            guard let type = data.be16(14) else { return problem(frame, "Linux cooked v1 header cut short") }
            network(type, data.dropFirst(16), frame)
        case 276:
            guard let type = data.be16(0), data.count >= 20 else { return problem(frame, "Linux cooked v2 header cut short") }
            network(type, data.dropFirst(20), frame)
        case 0:
            guard data.count >= 4 else { return problem(frame, "BSD loopback header cut short") }
            let little =
                UInt32(data[data.startIndex]) | UInt32(data[data.startIndex + 1]) << 8
                | UInt32(data[data.startIndex + 2]) << 16 | UInt32(data[data.startIndex + 3]) << 24
            let big = data.be32(0) ?? 0
            let family = little < 256 ? little : big
            switch family {
            case 2: ipv4(data.dropFirst(4), frame)
            case 10, 24, 28, 30: ipv6(data.dropFirst(4), frame)
            default: problem(frame, "BSD loopback family \(family) is neither IPv4 (2) nor IPv6 (10, 24, 28, 30)")
            }
        case 12, 14, 101, 228, 229:
            guard let first = data.first else { return problem(frame, "empty raw IP frame") }
            switch first >> 4 {
            case 4: ipv4(data, frame)
            case 6: ipv6(data, frame)
            default: problem(frame, "raw IP frame with IP version \(first >> 4)")
            }
        default:
            problem(frame, "unsupported link type \(frame.linkType)")
        }
    }

    private mutating func problem(_ frame: CapturedFrame, _ message: String) {
        problems.append(FrameProblem(frame: frame.number, message: message))
    }

    private mutating func ethernet(_ data: ArraySlice<UInt8>, _ frame: CapturedFrame) {
        var offset = 12
        while let type = data.be16(offset) {
            if type == 0x8100 || type == 0x88A8 || type == 0x9100 {
                offset += 4  // a VLAN tag: TPID, then TCI; the real EtherType follows
                continue
            }
            return network(type, data.dropFirst(offset + 2), frame)
        }
        problem(frame, "Ethernet header cut short")
    }

    private mutating func network(_ etherType: Int, _ data: ArraySlice<UInt8>, _ frame: CapturedFrame) {
        switch etherType {
        case 0x0800: ipv4(data, frame)
        case 0x86DD: ipv6(data, frame)
        default: break  // ARP and friends: not ours
        }
    }

    private static func ipv4Text(_ data: ArraySlice<UInt8>, _ at: Int) -> String {
        let start = data.startIndex + at
        return (0..<4).map { String(data[start + $0]) }.joined(separator: ".")
    }

    private static func ipv6Text(_ data: ArraySlice<UInt8>, _ at: Int) -> String {
        let groups = (0..<8).map { data.be16(at + 2 * $0) ?? 0 }
        // Compress the longest run of zero groups (RFC 5952).
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > best.length && end - index > 1 { best = (index, end - index) }
                index = end
            } else {
                index += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.start >= 0 else { return hex.joined(separator: ":") }
        let head = hex[0..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    private mutating func ipv4(_ data: ArraySlice<UInt8>, _ frame: CapturedFrame) {
        guard let first = data.first, first >> 4 == 4 else { return problem(frame, "not an IPv4 header") }
        let headerLength = Int(first & 0x0F) * 4
        guard headerLength >= 20, data.count >= headerLength, let total = data.be16(2), let flags = data.be16(6),
            let identification = data.be16(4)
        else { return problem(frame, "IPv4 header cut short or shorter than 20 bytes") }
        guard total >= headerLength, total <= data.count else {
            return problem(frame, "IPv4 total length \(total) does not fit the \(data.count) bytes captured")
        }
        guard data[data.startIndex + 9] == 17 else { return }  // not UDP
        let source = Self.ipv4Text(data, 12)
        let destination = Self.ipv4Text(data, 16)
        let payload = data[(data.startIndex + headerLength)..<(data.startIndex + total)]
        let moreFragments = flags & 0x2000 != 0
        let fragmentOffset = (flags & 0x1FFF) * 8
        if moreFragments || fragmentOffset > 0 {
            let key = FragmentKey(source: source, destination: destination, identification: UInt32(identification), version: 4)
            fragment(key, offset: fragmentOffset, last: !moreFragments, payload, source: source, destination: destination, frame)
        } else {
            udp(payload, source: source, destination: destination, fragments: 1, frame)
        }
    }

    private mutating func ipv6(_ data: ArraySlice<UInt8>, _ frame: CapturedFrame) {
        guard let first = data.first, first >> 4 == 6, data.count >= 40, let payloadLength = data.be16(4) else {
            return problem(frame, "IPv6 header cut short")
        }
        guard 40 + payloadLength <= data.count else {
            return problem(frame, "IPv6 payload length \(payloadLength) does not fit the \(data.count - 40) bytes captured")
        }
        let source = Self.ipv6Text(data, 8)
        let destination = Self.ipv6Text(data, 24)
        var next = Int(data[data.startIndex + 6])
        var offset = 40
        let end = 40 + payloadLength
        var fragmentInfo: (offset: Int, more: Bool, identification: UInt32)?
        // Walk the extension headers: hop-by-hop 0, routing 43, fragment 44, destination options 60.
        for _ in 0..<16 {
            switch next {
            case 0, 43, 60:
                guard let lengthByte = data.be16(offset).map({ $0 & 0xFF }) else { return problem(frame, "IPv6 extension header cut short") }
                next = Int(data[data.startIndex + offset])
                offset += (lengthByte + 1) * 8
            case 44:
                guard let field = data.be16(offset + 2), let identification = data.be32(offset + 4) else {
                    return problem(frame, "IPv6 fragment header cut short")
                }
                next = Int(data[data.startIndex + offset])
                fragmentInfo = (field & 0xFFF8, field & 1 != 0, identification)
                offset += 8
            default:
                guard next == 17 else { return }  // not UDP
                guard offset <= end else { return problem(frame, "IPv6 extension headers overrun the payload") }
                let payload = data[(data.startIndex + offset)..<(data.startIndex + end)]
                if let info = fragmentInfo, info.more || info.offset > 0 {
                    let key = FragmentKey(source: source, destination: destination, identification: info.identification, version: 6)
                    fragment(key, offset: info.offset, last: !info.more, payload, source: source, destination: destination, frame)
                } else {
                    udp(payload, source: source, destination: destination, fragments: 1, frame)
                }
                return
            }
            guard offset <= end else { return problem(frame, "IPv6 extension headers overrun the payload") }
        }
        problem(frame, "more than 16 IPv6 extension headers")
    }

    private mutating func fragment(
        _ key: FragmentKey, offset: Int, last: Bool, _ data: ArraySlice<UInt8>, source: String, destination: String, _ frame: CapturedFrame
    ) {
        var entry = pending[key] ?? Pending(firstSeen: frame.number)
        guard offset + data.count <= 65_535 else {
            pending[key] = nil
            return problem(frame, "IP fragment at offset \(offset) would make a datagram over 65,535 bytes")
        }
        if !entry.pieces.contains(where: { $0.offset == offset }) {
            entry.pieces.append((offset, data))
        }
        if last { entry.totalLength = offset + data.count }
        guard let total = entry.totalLength else {
            store(key, entry)
            return
        }
        // Complete when the pieces cover 0..<total without a hole.
        let sorted = entry.pieces.sorted { $0.offset < $1.offset }
        var covered = 0
        for piece in sorted where piece.offset <= covered {
            covered = max(covered, piece.offset + piece.data.count)
        }
        guard covered >= total else {
            store(key, entry)
            return
        }
        var whole = [UInt8](repeating: 0, count: total)
        for piece in sorted {
            for (index, byte) in piece.data.enumerated() where piece.offset + index < total {
                whole[piece.offset + index] = byte
            }
        }
        pending[key] = nil
        udp(whole[...], source: source, destination: destination, fragments: sorted.count, frame)
    }

    private mutating func store(_ key: FragmentKey, _ entry: Pending) {
        if pending[key] == nil, pending.count >= Self.maximumPendingReassemblies,
            let oldest = pending.min(by: { $0.value.firstSeen < $1.value.firstSeen })?.key
        {
            pending[oldest] = nil
        }
        pending[key] = entry
    }

    private mutating func udp(_ data: ArraySlice<UInt8>, source: String, destination: String, fragments: Int, _ frame: CapturedFrame) {
        guard let sourcePort = data.be16(0), let destinationPort = data.be16(2), let length = data.be16(4) else {
            return problem(frame, "UDP header cut short")
        }
        guard length >= 8, length <= data.count else {
            return problem(frame, "UDP length \(length) does not fit the \(data.count) bytes present")
        }
        datagrams.append(
            UDPDatagram(
                frame: frame.number, interface: frame.interface, timestamp: frame.timestamp,
                source: Endpoint(address: source, port: sourcePort), destination: Endpoint(address: destination, port: destinationPort),
                payload: Array(data[(data.startIndex + 8)..<(data.startIndex + length)]), fragments: fragments))
    }
}
