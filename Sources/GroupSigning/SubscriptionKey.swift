import Crypto
import Foundation
import Wire

/// The key of one encrypted subscription (Spec/ENCRYPTION.md): ChaCha20-Poly1305 (RFC 8439),
/// derived with HKDF-SHA256 (RFC 5869) from an X25519 exchange (RFC 7748) between the client's
/// key share (its register) and the server's (its welcome), bound to the subscription's identifier
/// and both shares.
///
/// It seals and opens the bodies of the frames the server sends the subscription (welcome,
/// event, end, refuse); the 23-byte header stays in clear as associated data (``SealedFrame``).
public struct SubscriptionKey: Sendable, Hashable {
    /// HKDF's salt.
    public static let salt = Array("SoccerStream subscription key 1".utf8)
    /// HKDF's info begins with this label, then the identifier (8 bytes, big-endian), the
    /// client's share and the server's.
    public static let label = Array("server to client".utf8)
    /// The key's size.
    public static let size = 32

    /// The key's 32 bytes (for `client --export-key` and tests; never logged).
    public let bytes: [UInt8]
    /// swift-crypto's key is not `Sendable`: made from the bytes where it is used.
    private var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// A key of these 32 bytes.
    ///
    /// - Throws: ``WireError/Code/outOfRange`` for another size.
    public init(bytes: [UInt8]) throws(WireError) {
        guard bytes.count == Self.size else {
            throw WireError(.outOfRange, field: "key", offset: 0, "a subscription key of \(bytes.count) bytes; expected \(Self.size)")
        }
        self.bytes = bytes
    }

    /// HKDF's info for a subscription: the label, the identifier, the client's share, the server's.
    public static func info(identifier: UInt64, clientShare: [UInt8], serverShare: [UInt8]) -> [UInt8] {
        label + withUnsafeBytes(of: identifier.bigEndian) { Array($0) } + clientShare + serverShare
    }

    public static func == (left: SubscriptionKey, right: SubscriptionKey) -> Bool { left.bytes == right.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    /// `plaintext` (a frame's bytes: welcome, event, end or refuse) sealed: format 3, the prefix
    /// (`keyShare` and `counter` for a welcome, `counter` for an end or a refuse), the ciphertext
    /// and the tag.
    ///
    /// - Throws: ``WireError`` from ``SealedFrame/layout(of:keyShare:counter:)``.
    ///
    /// Also seals an unsigned group event under a group key (Spec/ENCRYPTION.md, "Multicast"),
    /// `epoch` in its header; the caller then signs it.
    public func seal(_ plaintext: [UInt8], keyShare: [UInt8] = [], counter: UInt32 = 0, epoch: UInt8 = 0) throws(WireError) -> [UInt8] {
        let (clear, nonce, body) = try SealedFrame.layout(of: plaintext, keyShare: keyShare, counter: counter, epoch: epoch)
        do {
            let box = try ChaChaPoly.seal(body, using: key, nonce: try ChaChaPoly.Nonce(data: nonce), authenticating: clear)
            return clear + box.ciphertext + box.tag
        } catch {
            // Only a nonce of another size fails here, and ours is always 12 bytes.
            throw WireError(.outOfRange, field: "nonce", offset: 0, "ChaCha20-Poly1305 refused to seal: \(error)")
        }
    }

    /// The plaintext frame's bytes of a sealed frame, its body opened; an event's plaintext is in
    /// `eventFormat` (the subscription's), every other kind's compact.
    ///
    /// - Throws: ``WireError``: the layout's errors (``SealedFrame/parse(_:)``);
    ///   ``WireError/Code/notAuthentic`` when the tag does not verify under this key.
    public func open(_ bytes: [UInt8], eventFormat: BodyFormat) throws(WireError) -> [UInt8] {
        let frame = try SealedFrame.parse(bytes)
        return try open(frame, eventFormat: eventFormat)
    }

    /// ``open(_:eventFormat:)`` for a frame already parsed.
    public func open(_ frame: SealedFrame, eventFormat: BodyFormat) throws(WireError) -> [UInt8] {
        let body: Data
        do {
            let nonce = frame.kind == .groupEvent ? frame.groupNonce(format: eventFormat) : frame.nonce
            let box = try ChaChaPoly.SealedBox(nonce: try ChaChaPoly.Nonce(data: nonce), ciphertext: frame.ciphertext, tag: frame.tag)
            body = try ChaChaPoly.open(box, using: key, authenticating: frame.associatedData)
        } catch {
            throw WireError(
                .notAuthentic, field: "body.tag", offset: FrameHeader.size + SealedFrame.prefixSize(frame.kind) + frame.ciphertext.count,
                "the sealed \(frame.kind.name) body does not open under this subscription's key (forged, tampered with, or another key's)")
        }
        return frame.plaintext(body: Array(body), format: frame.kind == .event || frame.kind == .groupEvent ? eventFormat : .compact)
    }
}

/// One side's ephemeral X25519 key pair for one subscription (Spec/ENCRYPTION.md): the client
/// makes one per register it sends with a share, the server one per subscription it seals.
public struct KeyShare: Sendable {
    /// The private key's 32 bytes (swift-crypto's key is not `Sendable`: made where it is used).
    private let privateBytes: [UInt8]
    /// The public share, 32 bytes: a register's or a welcome's key share.
    public let publicBytes: [UInt8]

    /// A fresh key pair from the system's secure generator.
    public init() {
        let privateKey = Curve25519.KeyAgreement.PrivateKey()
        privateBytes = Array(privateKey.rawRepresentation)
        publicBytes = Array(privateKey.publicKey.rawRepresentation)
    }

    /// The key pair of a 32-byte private key (test vectors).
    ///
    /// - Throws: ``WireError/Code/outOfRange`` for another size.
    public init(privateKey bytes: [UInt8]) throws(WireError) {
        do {
            let privateKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: bytes)
            publicBytes = Array(privateKey.publicKey.rawRepresentation)
        } catch {
            throw WireError(.outOfRange, field: "private_key", offset: 0, "an X25519 private key of \(bytes.count) bytes; expected 32")
        }
        privateBytes = bytes
    }

    /// The subscription key agreed with `peer`'s share, for subscription `identifier`; `client`
    /// says which side this share is (the info names the client's share first).
    ///
    /// - Throws: ``WireError/Code/outOfRange`` (field `body.key_share`) for a peer share that is
    ///   not an X25519 public key or yields no secret (a low-order point).
    public func key(peer: [UInt8], identifier: UInt64, client: Bool) throws(WireError) -> SubscriptionKey {
        let secret: SharedSecret
        do {
            let privateKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateBytes)
            secret = try privateKey.sharedSecretFromKeyAgreement(with: try Curve25519.KeyAgreement.PublicKey(rawRepresentation: peer))
        } catch {
            throw WireError(.outOfRange, field: "body.key_share", offset: 0, "the peer's key share is not a usable X25519 public key")
        }
        // RFC 7748 §6.1: a low-order point gives the all-zero secret, which agrees nothing secret.
        guard secret.withUnsafeBytes({ $0.contains { $0 != 0 } }) else {
            throw WireError(.outOfRange, field: "body.key_share", offset: 0, "the peer's key share is a low-order point (an all-zero secret)")
        }
        let (clientShare, serverShare) = client ? (publicBytes, peer) : (peer, publicBytes)
        let derived = secret.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: SubscriptionKey.salt,
            sharedInfo: SubscriptionKey.info(identifier: identifier, clientShare: clientShare, serverShare: serverShare),
            outputByteCount: SubscriptionKey.size)
        let bytes = derived.withUnsafeBytes { Array($0) }
        do {
            return try SubscriptionKey(bytes: bytes)
        } catch {
            throw WireError(.outOfRange, field: "body.key_share", offset: 0, "HKDF gave \(bytes.count) bytes; expected \(SubscriptionKey.size)")
        }
    }
}
