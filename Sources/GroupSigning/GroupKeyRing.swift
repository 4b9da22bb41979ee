import Crypto
import Wire

/// A server's group keys (Spec/ENCRYPTION.md, "Multicast: the group key"): the current epoch's,
/// which seals the group events, and the previous one's, still handed out during a rotation.
public struct GroupKeyRing: Sendable, Hashable {
    /// The current epoch.
    public private(set) var epoch: UInt8
    /// The current epoch's key.
    public private(set) var current: SubscriptionKey
    /// The previous epoch and its key, after a rotation.
    public private(set) var previous: MulticastOffer.GroupKeyEntry?

    /// A ring starting at `epoch` with a fresh random key.
    public init(epoch: UInt8 = 1) {
        self.epoch = epoch
        current = Self.freshKey()
    }

    /// A ring of given keys (tests and fixtures).
    public init(epoch: UInt8, key: SubscriptionKey, previous: MulticastOffer.GroupKeyEntry? = nil) {
        self.epoch = epoch
        current = key
        self.previous = previous
    }

    /// What a sealed welcome hands out: the current key, then the previous one.
    public var entries: [MulticastOffer.GroupKeyEntry] {
        [MulticastOffer.GroupKeyEntry(epoch: epoch, key: current.bytes)] + (previous.map { [$0] } ?? [])
    }

    /// The next epoch with a fresh key; the current one becomes the previous.
    public mutating func rotate() {
        previous = MulticastOffer.GroupKeyEntry(epoch: epoch, key: current.bytes)
        epoch &+= 1
        current = Self.freshKey()
    }

    /// 32 random bytes from the system's secure generator, as a key.
    private static func freshKey() -> SubscriptionKey {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        // 32 bytes by construction: the initializer's size check cannot fail.
        guard let key = try? SubscriptionKey(bytes: bytes) else { preconditionFailure("a 256-bit key of \(bytes.count) bytes") }
        return key
    }
}

extension GroupSigningKey {
    /// The sealed, signed group event for `event` (a unicast event frame's bytes) of match
    /// `matchID`, sealed under `key` at `epoch`: the signature covers the sealed bytes, so a
    /// holder of the group key still cannot forge one (Spec/ENCRYPTION.md, "Multicast").
    ///
    /// - Throws: ``WireError`` when `event` is not an event frame or does not seal or sign.
    public func sealedGroupEvent(from event: [UInt8], matchID: UInt32, key: SubscriptionKey, epoch: UInt8) throws(WireError) -> [UInt8] {
        var bytes = try key.seal(try GroupSignature.unsignedGroupEvent(from: event, matchID: matchID), epoch: epoch)
        try sign(&bytes)
        return bytes
    }
}
