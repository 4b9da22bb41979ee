/// Whether a subscription's frames are sealed (Spec/ENCRYPTION.md), as `--encrypt` says on
/// either side.
public enum EncryptionPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Server: every SoccerStream subscription is sealed; a register without a key share is
    /// refused (reason 16) and the original protocol, which cannot be sealed, is not served.
    /// Client: offers a key share and stops if the welcome comes in clear.
    case required
    /// Server: a register with a key share is sealed, one without is served in clear.
    /// Client: offers a key share and takes whatever the server does.
    case preferred
    /// Server: nothing is sealed (a key share is ignored). Client: offers no key share.
    case off
}

/// One encrypted subscription's sealing, as the server keeps it: the key and the server's key share
/// its welcomes carry.
public struct SubscriptionSeal: Sendable, Hashable {
    /// The subscription key.
    public var key: SubscriptionKey
    /// The server's public key share (32 bytes), sent in every sealed welcome.
    public var share: [UInt8]

    /// A seal of `key`, whose server share is `share`.
    public init(key: SubscriptionKey, share: [UInt8]) {
        self.key = key
        self.share = share
    }
}
