import Crypto
import Foundation
import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

/// Stateless address validation (Spec §7.1), as QUIC's Retry token (RFC 9000 §8.1) and DTLS's
/// HelloVerifyRequest cookie (RFC 6347 §4.2.1) do it.
///
/// A token is `timestamp (4 bytes, big-endian seconds) | HMAC-SHA256(key, "SSv1" | IP version |
/// client IP | client port | timestamp)` (32 bytes; the address as bytes, as it travels): it binds the client's address and a time, expires after
/// ``lifetime`` seconds, and needs no state per address: the server only keeps its keys. The
/// key rotates every ``rotationInterval``; tokens made with the previous key stay valid.
public struct AddressValidator: Sendable {
    /// Seconds a token stays valid.
    public static let lifetime: UInt32 = 30
    /// How far in the future a token's time may lie (clock steps).
    public static let futureTolerance: UInt32 = 5
    /// Seconds between key rotations.
    public static let rotationInterval: UInt32 = 600
    /// A token's size.
    public static let tokenSize = 36

    // Each key, set up once (its HMAC pads hashed, ``PaddedHMAC``): registration makes one
    // token and checks one.
    private var current: PaddedHMAC
    private var previous: PaddedHMAC?
    private var rotatedAt: UInt32

    /// Token time: the whole seconds of `seconds`, a ``ProtocolClock`` reading. The caller reads
    /// the clock once per datagram and passes it to each step (a read cost about 0.3 µs here,
    /// and a registration used to make six).
    private static func tokenTime(_ seconds: Double) -> UInt32 { UInt32(clamping: Int64(seconds.rounded(.down))) }

    private static func freshKey() -> PaddedHMAC {
        PaddedHMAC(key: SymmetricKey(size: .bits256))
    }

    /// `mac`'s code of `address` and `time`'s message (``withMessage(_:time:_:)``).
    private static func code(_ mac: PaddedHMAC, _ address: SocketAddress, time: UInt32) -> SHA256Digest {
        withMessage(address, time: time) { mac.code($0) }
    }

    /// Creates a validator with a fresh random key at `seconds` of the protocol clock.
    public init(at seconds: Double) {
        current = Self.freshKey()
        previous = nil
        rotatedAt = Self.tokenTime(seconds)
    }

    /// Replaces the key if it is due at `seconds`, keeping the old one for tokens already handed out.
    public mutating func rotateIfDue(at seconds: Double) {
        let now = Self.tokenTime(seconds)
        guard now &- rotatedAt >= Self.rotationInterval else { return }
        previous = current
        current = Self.freshKey()
        rotatedAt = now
    }

    /// What a token authenticates: `SSv1`, the IP version (4 or 6; 0 for an address without
    /// one), the IP's 4 or 16 bytes and the port's 2, as they travel (network order), and the
    /// time's 4 bytes (big-endian). Bytes, not text, and on the stack: no address is formatted
    /// and nothing is allocated per registration.
    private static func withMessage<Result>(
        _ address: SocketAddress, time: UInt32, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        // 4 + 1 + 16 + 2 + 4 bytes at most.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var count = 0
            func append(_ bytes: UnsafeRawBufferPointer) {
                for byte in bytes {
                    buffer[count] = byte
                    count += 1
                }
            }
            func append(_ byte: UInt8) {
                buffer[count] = byte
                count += 1
            }
            for byte in "SSv1".utf8 { append(byte) }
            switch address {
            case .v4(let v4):
                append(4)
                withUnsafeBytes(of: v4.address.sin_addr.s_addr) { append($0) }
                withUnsafeBytes(of: v4.address.sin_port) { append($0) }
            case .v6(let v6):
                append(6)
                withUnsafeBytes(of: v6.address.sin6_addr) { append($0) }
                withUnsafeBytes(of: v6.address.sin6_port) { append($0) }
            case .unixDomainSocket:
                append(0)
            }
            withUnsafeBytes(of: time.bigEndian) { append($0) }
            return body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<count]))
        }
    }

    /// A token for `address` at `seconds` of the protocol clock.
    public func token(for address: SocketAddress, at seconds: Double) -> [UInt8] {
        let now = Self.tokenTime(seconds)
        let code = Self.code(current, address, time: now)
        var token: [UInt8] = []
        token.reserveCapacity(Self.tokenSize)
        withUnsafeBytes(of: now.bigEndian) { token.append(contentsOf: $0) }
        code.withUnsafeBytes { token.append(contentsOf: $0) }
        return token
    }

    /// Whether `token` was made by this server for `address` within the ``lifetime`` seconds
    /// before `seconds` of the protocol clock. Malformed tokens are simply invalid, as if there
    /// were none.
    public func isValid(_ token: [UInt8], for address: SocketAddress, at seconds: Double) -> Bool {
        let now = Self.tokenTime(seconds)
        guard token.count == Self.tokenSize else { return false }
        let time = UInt32(token[0]) << 24 | UInt32(token[1]) << 16 | UInt32(token[2]) << 8 | UInt32(token[3])
        guard time <= now &+ Self.futureTolerance, now <= time &+ Self.lifetime else { return false }
        if Self.equalInConstantTime(Self.code(current, address, time: time), token) { return true }
        guard let previous else { return false }
        return Self.equalInConstantTime(Self.code(previous, address, time: time), token)
    }

    /// Whether `code` equals `token`'s bytes after its time, in a time that does not depend on
    /// where they differ.
    private static func equalInConstantTime(_ code: SHA256Digest, _ token: [UInt8]) -> Bool {
        code.withUnsafeBytes { code in
            guard code.count == token.count - 4 else { return false }
            var difference: UInt8 = 0
            for index in 0..<code.count { difference |= code[index] ^ token[index + 4] }
            return difference == 0
        }
    }
}
