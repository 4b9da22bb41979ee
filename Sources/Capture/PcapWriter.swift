/// Writes a classic pcap file (little-endian, microseconds, link type 101: raw IP) holding
/// UDP datagrams, with IPv4 or IPv6 and UDP headers synthesized around each payload; what
/// `soccer-stream client --capture` records.
public struct PcapWriter: Sendable {
    /// The link type written: raw IP.
    public static let linkType: UInt32 = 101

    /// The file so far.
    public private(set) var bytes: [UInt8]

    /// Starts a file with its 24-byte header.
    public init() {
        bytes = []
        append32(0xA1B2_C3D4)
        append16(2)
        append16(4)
        append32(0)  // thiszone
        append32(0)  // sigfigs
        append32(65_535 + 48)  // snaplen: any UDP datagram with its headers
        append32(Self.linkType)
    }

    private mutating func append16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    private mutating func append32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Parses `127.0.0.1` or `::1` into its 4 or 16 bytes.
    static func addressBytes(_ text: String) -> [UInt8]? {
        if !text.contains(":") {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
            return parts.count == 4 ? parts : nil
        }
        var halves: [String] = []
        var rest = Substring(text)
        while let range = rest.firstRange(of: "::") {
            halves.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        halves.append(String(rest))
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            part.isEmpty
                ? []
                : part.split(separator: ":").map { UInt16($0, radix: 16) }.reduce([UInt16]?([])) { list, group in
                    guard let list, let group else { return nil }
                    return list + [group]
                }
        }
        guard let head = groups(halves[0]), let tail = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let fill = 8 - head.count - tail.count
        guard halves.count == 2 ? fill >= 0 : fill == 0 else { return nil }
        return (head + [UInt16](repeating: 0, count: fill) + tail).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Appends one datagram as captured at `timestamp` (seconds since the epoch).
    /// Returns false when the addresses are not IPv4 or IPv6 of the same family, or the payload is too large.
    @discardableResult
    public mutating func append(payload: [UInt8], from source: Endpoint, to destination: Endpoint, timestamp: Double) -> Bool {
        guard let sourceBytes = Self.addressBytes(source.address), let destinationBytes = Self.addressBytes(destination.address),
            sourceBytes.count == destinationBytes.count, payload.count <= 65_507
        else { return false }
        let udpLength = 8 + payload.count
        var packet: [UInt8] = []
        if sourceBytes.count == 4 {
            let total = 20 + udpLength
            var header: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0x40, 0, 64, 17, 0, 0]
            header += sourceBytes + destinationBytes
            var sum = 0
            for index in stride(from: 0, to: 20, by: 2) { sum += Int(header[index]) << 8 | Int(header[index + 1]) }
            while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
            let checksum = ~UInt16(sum)
            header[10] = UInt8(checksum >> 8)
            header[11] = UInt8(checksum & 0xFF)
            packet = header
        } else {
            packet = [0x60, 0, 0, 0, UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 17, 64] + sourceBytes + destinationBytes
        }
        // UDP checksum 0: "not computed" (IPv4); captures of loopback traffic often show it so.
        packet += [
            UInt8(source.port >> 8), UInt8(source.port & 0xFF), UInt8(destination.port >> 8), UInt8(destination.port & 0xFF),
            UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0,
        ]
        packet += payload
        let seconds = timestamp.rounded(.down)
        append32(UInt32(clamping: Int64(seconds)))
        append32(UInt32(clamping: Int64(((timestamp - seconds) * 1_000_000).rounded(.down))))
        append32(UInt32(packet.count))
        append32(UInt32(packet.count))
        bytes += packet
        return true
    }
}
