import GroupSigning
import Wire

// Encrypted subscriptions (Spec/ENCRYPTION.md): the key agreed from a sealed welcome's share, and each sealed frame opened.
extension ClientSession {
    /// A sealed frame not opened: what ``receive(_:)`` answers.
    struct Unopened: Error {
        var reception: Reception
    }

    /// `bytes` as a plaintext frame: as they are when not sealed; opened under the subscription
    /// key when sealed (a sealed welcome first agrees the key from its server share). A sealed
    /// frame that does not open is rejected and counted (``unauthentic``), changing nothing.
    mutating func opened(_ bytes: [UInt8]) -> Result<[UInt8], Unopened> {
        guard SealedFrame.isSealed(bytes) else { return .success(bytes) }
        let frame: SealedFrame
        do {
            frame = try SealedFrame.parse(bytes)
        } catch {
            return .failure(Unopened(reception: .ignored("\(error)")))
        }
        guard frame.subscription == subscription else {
            wrongIdentifier += 1
            return .failure(Unopened(reception: .rejected("sealed \(frame.kind.name) frame with another subscription's identifier")))
        }
        guard let keyShare else {
            unauthentic += 1
            return .failure(Unopened(reception: .rejected("a sealed \(frame.kind.name) frame, but this client offered no key share")))
        }
        var key = subscriptionKey
        if frame.kind == .welcome, frame.keyShare != serverShare {
            // A new server share (the first welcome, or a server that agreed a new key after a restart).
            do {
                key = try keyShare.key(peer: frame.keyShare, identifier: subscription, client: true)
            } catch {
                unauthentic += 1
                return .failure(Unopened(reception: .rejected("sealed welcome: \(error.message)")))
            }
        }
        guard let key else {
            return .failure(Unopened(reception: .ignored("a sealed \(frame.kind.name) frame before the sealed welcome")))
        }
        do {
            let plaintext = try key.open(frame, eventFormat: welcome?.format ?? .compact)
            if frame.kind == .welcome {
                subscriptionKey = key
                serverShare = frame.keyShare
            }
            return .success(plaintext)
        } catch {
            unauthentic += 1
            return .failure(Unopened(reception: .rejected("\(error)")))
        }
    }

    /// The exported form of this subscription's key (`client --export-key`), once agreed.
    public var exportedKey: ExportedKey? {
        guard let subscriptionKey, let welcome else { return nil }
        return ExportedKey(identifier: subscription, format: welcome.format, key: subscriptionKey)
    }
}
