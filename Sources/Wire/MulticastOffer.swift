/// What a welcome offers a client that can join a multicast group (Spec §4.3, §4.11): the group
/// the server sends every event of its matches to, and the key that signs them.
public struct MulticastOffer: Sendable, Hashable, Codable {
    /// The group's address: 4 bytes (IPv4, 224.0.0.0/4) or 16 (IPv6, ff00::/8).
    public var address: [UInt8]
    /// The group's UDP port.
    public var port: UInt16
    /// The 32 bytes of the Ed25519 public key that signs the group's events.
    public var publicKey: [UInt8]
    /// The group keys, in a sealed welcome only (Spec/ENCRYPTION.md, "Multicast: the group
    /// key"): the current epoch's and, during a rotation, the previous one's; empty otherwise
    /// (and then not sent at all).
    public var groupKeys: [GroupKeyEntry] = []

    /// One epoch's group key.
    public struct GroupKeyEntry: Sendable, Hashable, Codable {
        /// The epoch (header byte 19 of the group events sealed with it).
        public var epoch: UInt8
        /// The 32-byte ChaCha20-Poly1305 key.
        public var key: [UInt8]

        public init(epoch: UInt8, key: [UInt8]) {
            self.epoch = epoch
            self.key = key
        }
    }

    /// The most group keys an offer carries (the current and the previous epoch's).
    public static let maximumGroupKeys = 2

    /// Creates an offer; ``write(to:)`` checks it.
    public init(address: [UInt8], port: UInt16, publicKey: [UInt8]) {
        self.address = address
        self.port = port
        self.publicKey = publicKey
    }

    /// The size of an Ed25519 public key.
    public static let keySize = 32

    /// Whether `address` (4 or 16 bytes) is a multicast address.
    public static func isMulticast(_ address: [UInt8]) -> Bool {
        switch address.count {
        case 4: (224...239).contains(address[0])
        case 16: address[0] == 0xFF
        default: false
        }
    }

    /// The group as text: `239.1.2.3:5000` or `[ff15::1]:5000`.
    public var groupDescription: String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") + ":\(port)" }
        let words = stride(from: 0, to: address.count, by: 2).map { String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16) }
        return "[\(words.joined(separator: ":"))]:\(port)"
    }

    /// Appends the offer: `u8` family (4 or 6), the address, `u16` port, the 32-byte key.
    ///
    /// - Throws: ``WireError/Code/outOfRange`` when `address` is no multicast group of 4 or 16 bytes
    ///   (``isMulticast(_:)``) or `publicKey` is not ``keySize`` bytes.
    public func write(to writer: inout ByteWriter) throws(WireError) {
        guard Self.isMulticast(address) else {
            throw WireError(
                .outOfRange, field: "body.multicast.address", offset: writer.bytes.count,
                "\(address.count)-byte address that is no multicast group; expected 224.0.0.0/4 or ff00::/8")
        }
        guard publicKey.count == Self.keySize else {
            throw WireError(
                .outOfRange, field: "body.multicast.key", offset: writer.bytes.count, "\(publicKey.count) bytes; expected \(Self.keySize)")
        }
        writer.writeUInt8(address.count == 4 ? 4 : 6)
        writer.writeBytes(address)
        writer.writeUInt16(port)
        writer.writeBytes(publicKey)
        guard !groupKeys.isEmpty else { return }
        guard groupKeys.count <= Self.maximumGroupKeys, groupKeys.allSatisfy({ $0.key.count == Self.keySize }),
            Set(groupKeys.map(\.epoch)).count == groupKeys.count
        else {
            throw WireError(
                .outOfRange, field: "body.multicast.group_keys", offset: writer.bytes.count,
                "\(groupKeys.count) group keys; expected 1 or 2 of \(Self.keySize) bytes, distinct epochs")
        }
        writer.writeUInt8(UInt8(groupKeys.count))
        for entry in groupKeys {
            writer.writeUInt8(entry.epoch)
            writer.writeBytes(entry.key)
        }
    }

    /// Reads an offer.
    ///
    /// - Throws: ``WireError/Code/truncated`` when the bytes end early; ``WireError/Code/outOfRange`` for a
    ///   family other than 4 or 6, or an address that is no multicast group.
    public static func read(from reader: inout ByteReader) throws(WireError) -> MulticastOffer {
        let familyOffset = reader.offset
        let family = try reader.readUInt8(field: "body.multicast.family")
        let length: Int
        switch family {
        case 4: length = 4
        case 6: length = 16
        default:
            throw WireError(.outOfRange, field: "body.multicast.family", offset: familyOffset, "family \(family); expected 4 or 6")
        }
        let addressOffset = reader.offset
        let address = try reader.readBytes(length, field: "body.multicast.address")
        guard isMulticast(address) else {
            throw WireError(
                .outOfRange, field: "body.multicast.address", offset: addressOffset,
                "not a multicast group; expected \(family == 4 ? "224.0.0.0/4" : "ff00::/8")")
        }
        let port = try reader.readUInt16(field: "body.multicast.port")
        let key = try reader.readBytes(Self.keySize, field: "body.multicast.key")
        var offer = MulticastOffer(address: address, port: port, publicKey: key)
        // The group keys, in a sealed welcome only: a count, then each epoch and key.
        if reader.remaining > 0 {
            let countOffset = reader.offset
            let count = try reader.readUInt8(field: "body.multicast.group_keys.count")
            guard (1...maximumGroupKeys).contains(Int(count)) else {
                throw WireError(
                    .outOfRange, field: "body.multicast.group_keys.count", offset: countOffset, "\(count) group keys; expected 1 or 2")
            }
            for index in 0..<Int(count) {
                let epochOffset = reader.offset
                let epoch = try reader.readUInt8(field: "body.multicast.group_keys[\(index)].epoch")
                guard !offer.groupKeys.contains(where: { $0.epoch == epoch }) else {
                    throw WireError(
                        .inconsistent, field: "body.multicast.group_keys[\(index)].epoch", offset: epochOffset, "epoch \(epoch) given twice")
                }
                offer.groupKeys.append(
                    GroupKeyEntry(epoch: epoch, key: try reader.readBytes(keySize, field: "body.multicast.group_keys[\(index)].key")))
            }
        }
        return offer
    }
}
