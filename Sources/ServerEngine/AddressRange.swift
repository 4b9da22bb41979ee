import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// A block of IP addresses in CIDR notation (`10.0.0.0/8`, `fc00::/7`), for the original
/// protocol's protected mode (``ServerConfiguration/originalFrom``). IPv4 blocks are held as
/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`), so that a dual-stack socket's mapped peers match them.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The block's first address, 16 bytes (IPv4 mapped), its host bits zero.
    public let network: [UInt8]
    /// Its prefix length over the 16 bytes (an IPv4 /8 is 104 here).
    public let prefixLength: Int
    /// As it was written (normalized: the address as given, then the prefix).
    public let description: String

    /// Loopback and private ranges: `127.0.0.0/8`, `::1/128`, `10.0.0.0/8`, `172.16.0.0/12`,
    /// `192.168.0.0/16`, `fc00::/7`: where original-protocol registers are accepted by default.
    public static let loopbackAndPrivate: [AddressRange] = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
        .compactMap { try? AddressRange(parsing: $0) }  // constants that parse (a test checks all six)
    /// Loopback only (`127.0.0.0/8`, `::1/128`): datagrams there never leave the host.
    public static let loopback: [AddressRange] = Array(loopbackAndPrivate.prefix(2))

    /// Parses `text` as `ADDRESS/PREFIX` (or a bare address: one host).
    ///
    /// - Throws: ``StreamingError`` (`configuration`) naming the text and what is expected.
    public init(parsing text: String) throws(StreamingError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let bytes = Self.bytes(of: String(parts[0])) else {
            throw StreamingError(
                .configuration, "address range \(text): not an IPv4 or IPv6 address with an optional /prefix (10.1.0.0/16, 2001:db8::/32)")
        }
        let isIPv4 = !parts[0].contains(":")
        let width = isIPv4 ? 32 : 128
        var length = width
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...width).contains(given) else {
                throw StreamingError(
                    .configuration, "address range \(text): prefix /\(parts[1]); expected 0...\(width) for an \(isIPv4 ? "IPv4" : "IPv6") address")
            }
            length = given
        }
        prefixLength = length + (isIPv4 ? 96 : 0)
        // An IPv4-mapped IPv6 block shorter than /96 would take in every IPv4 address (and more).
        if !isIPv4, bytes.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF], length < 96 {
            throw StreamingError(
                .configuration, "address range \(text): an IPv4-mapped block needs a prefix of /96 or more (write IPv4 ranges as IPv4: 10.0.0.0/8)")
        }
        network = Self.masked(bytes, to: prefixLength)
        description = "\(parts[0])/\(length)"
    }

    /// Whether `address` (16 bytes, IPv4 mapped) is in this block.
    public func contains(_ address: [UInt8]) -> Bool {
        address.count == 16 && Self.masked(address, to: prefixLength) == network
    }

    /// Whether `address` is in any of `ranges`.
    public static func any(_ ranges: [AddressRange], contains address: SocketAddress) -> Bool {
        guard let bytes = bytes(of: address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// `bytes` with every bit past the first `length` cleared.
    package static func masked(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = min(8, max(0, length - index * 8))
            return kept == 8 ? byte : byte & ~(UInt8.max >> kept)
        }
    }

    /// The 16 bytes of an IPv4 or IPv6 address in text (IPv4 mapped), nil if it is neither.
    package static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        return withUnsafeBytes(of: &v6) { Array($0) }
    }

    /// The 16 bytes of a socket address's IP (IPv4 mapped), nil for a Unix socket.
    package static func bytes(of address: SocketAddress) -> [UInt8]? {
        IPKey(address)?.bytes
    }
}

/// A socket address's IP as 16 bytes (an IPv4 address mapped into IPv6), held as two integers
/// and read from the address as it is, not formatted: a table key with no allocation (the
/// register limiter looks one up for every register), and the bytes ``AddressRange`` matches.
public struct IPKey: Sendable, Hashable {
    /// The first 8 bytes, big-endian.
    package let high: UInt64
    /// The last 8 bytes, big-endian.
    package let low: UInt64

    /// The key of `address`'s IP (its port is not part of it); nil for a Unix socket.
    public init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4):
            high = 0
            low = 0xFFFF_0000_0000 | UInt64(UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            (high, low) = withUnsafeBytes(of: v6.address.sin6_addr) { raw in
                (
                    UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                )
            }
        case .unixDomainSocket:
            return nil
        }
    }

    private init(high: UInt64, low: UInt64) {
        (self.high, self.low) = (high, low)
    }

    /// The one key of every address without an IP (no IP has it: it is not an IPv4-mapped
    /// address, and `ffff:…:ffff` is no host's).
    public static let withoutIP = IPKey(high: .max, low: .max)

    /// The 16 bytes, in network order.
    package var bytes: [UInt8] {
        (0..<16).map { index in UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> (8 * (7 - index % 8))) }
    }
}

/// The block an original-protocol subscriber's byte budget is shared by
/// (``OriginalBudget``): its IPv4 /24, or its IPv6 /56.
public struct AddressPrefix: Sendable, Hashable, CustomStringConvertible {
    /// The address's first 7 bytes (IPv6 /56) or, IPv4 mapped, its first 15 (/24), the rest zero.
    package let high: UInt64
    package let low: UInt64

    /// The budget block of `address`; nil for loopback (its datagrams never leave the host, so
    /// they cannot reflect at anyone) and for non-IP addresses.
    package init?(budgetOf address: SocketAddress) {
        guard let bytes = AddressRange.bytes(of: address), !AddressRange.loopback.contains(where: { $0.contains(bytes) }) else { return nil }
        let isIPv4 = bytes.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
        let kept = AddressRange.masked(bytes, to: isIPv4 ? 120 : 56)
        high = kept.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
        low = kept.suffix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var description: String {
        if high == 0 && low >> 32 == 0xFFFF {
            let v4 = UInt32(truncatingIfNeeded: low)
            return "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).0/24"
        }
        let groups = (0..<4).map { String(high >> (48 - 16 * $0) & 0xFFFF, radix: 16) }
        return groups.joined(separator: ":") + "::/56"
    }
}
