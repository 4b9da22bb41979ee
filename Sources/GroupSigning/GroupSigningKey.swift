@preconcurrency import Crypto
import Wire

extension GroupSignature {
    /// Whether `datagram`'s last ``size`` bytes are `key`'s signature of the bytes before them.
    /// The signed message is the datagram itself up to the signature: it starts with the magic,
    /// the version and kind 13, and carries the match id, so a signature made for a group event
    /// can never pass for anything else, nor for another match's event. A datagram too short
    /// to hold a header and a signature is not signed.
    public static func isValid(_ datagram: [UInt8], key: GroupPublicKey) -> Bool {
        guard datagram.count >= FrameHeader.size + size else { return false }
        let end = datagram.count - size
        return key.key.isValidSignature(datagram[end...], for: datagram[..<end])
    }
}

/// A server's group signing key (Ed25519): it signs the events it sends to a multicast group.
public struct GroupSigningKey: Sendable {
    let key: Curve25519.Signing.PrivateKey

    /// A fresh key from the system's secure generator.
    public init() {
        key = Curve25519.Signing.PrivateKey()
    }

    /// The key whose 32-byte seed is `seed` (RFC 8032's private key), as kept in a key file.
    ///
    /// - Throws: ``WireError`` (`outOfRange`) when `seed` is not 32 bytes.
    public init(seed: [UInt8]) throws(WireError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw WireError(.outOfRange, field: "key.seed", offset: 0, "\(seed.count) bytes; an Ed25519 private key is 32")
        }
        self.key = key
    }

    /// The 32-byte seed, for a key file.
    public var seed: [UInt8] { Array(key.rawRepresentation) }

    /// The public key receivers check signatures with (announced in welcomes).
    public var publicKey: GroupPublicKey { GroupPublicKey(key.publicKey) }

    /// The group event for an encoded event frame: `event` (kind 4, as the encoder made it)
    /// with kind 13, no retransmission flag, the match id in bytes 15–18 and zero in 19–22,
    /// then the signature of all that (Spec §4.11).
    ///
    /// - Throws: ``WireError`` when `event` is not an event frame's bytes.
    public func groupEvent(from event: [UInt8], matchID: UInt32) throws(WireError) -> [UInt8] {
        var bytes = try GroupSignature.unsignedGroupEvent(from: event, matchID: matchID)
        try sign(&bytes)
        return bytes
    }

    /// Appends the signature of `datagram` to it.
    ///
    /// - Throws: ``WireError`` (`inconsistent`) when the system's Ed25519 fails (it does not
    ///   for a valid key).
    public func sign(_ datagram: inout [UInt8]) throws(WireError) {
        do {
            datagram.append(contentsOf: try key.signature(for: datagram))
        } catch {
            throw WireError(.inconsistent, field: "signature", offset: datagram.count, "Ed25519 signing failed: \(error)")
        }
    }
}

/// The public half of a server's group signing key: 32 bytes, announced in welcomes (Spec §4.3)
/// and pinned with `client --server-key`.
public struct GroupPublicKey: Sendable, Hashable, CustomStringConvertible {
    let key: Curve25519.Signing.PublicKey
    /// The key's 32 bytes.
    public let bytes: [UInt8]

    /// A key's size in bytes.
    public static let size = 32

    init(_ key: Curve25519.Signing.PublicKey) {
        self.key = key
        bytes = Array(key.rawRepresentation)
    }

    /// The key made of `bytes`.
    ///
    /// - Throws: ``WireError`` (`outOfRange`) when they are not 32 bytes.
    public init(bytes: [UInt8], field: String = "key", offset: Int = 0) throws(WireError) {
        guard bytes.count == Self.size, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else {
            throw WireError(.outOfRange, field: field, offset: offset, "\(bytes.count) bytes; an Ed25519 public key is \(Self.size)")
        }
        self.init(key)
    }

    /// The key written as 64 hexadecimal digits (as the server logs it and `--server-key` takes it).
    ///
    /// - Throws: ``WireError`` (`outOfRange`) naming the first character that is not a digit, or the length.
    public init(hex text: String) throws(WireError) {
        let characters = Array(text.utf8)
        guard characters.count == Self.size * 2 else {
            throw WireError(
                .outOfRange, field: "key", offset: 0, "\(characters.count) characters; an Ed25519 public key is \(Self.size * 2) hexadecimal digits")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size)
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let high = Hex.digit(characters[index]), let low = Hex.digit(characters[index + 1]) else {
                let at = Hex.digit(characters[index]) == nil ? index : index + 1
                throw WireError(.outOfRange, field: "key", offset: at, "character \(at + 1) is not a hexadecimal digit")
            }
            bytes.append(high << 4 | low)
        }
        try self.init(bytes: bytes)
    }

    /// The 64 lower-case hexadecimal digits.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func == (lhs: GroupPublicKey, rhs: GroupPublicKey) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

extension MulticastOffer {
    /// The signing key, checked.
    public func key() throws(WireError) -> GroupPublicKey { try GroupPublicKey(bytes: publicKey, field: "body.multicast.key") }
}
