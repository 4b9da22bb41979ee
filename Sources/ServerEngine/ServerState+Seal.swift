import GroupSigning
import NIOCore
import RuntimeSupport
import Wire

// Encrypted subscriptions (Spec/ENCRYPTION.md): the key agreed at register, and each frame for a sealed subscriber sealed on its way out.
extension ServerState {
    /// What the server's `--encrypt` makes of a register's key share: the seal of a new
    /// subscription (nil in clear), or the refusal to send.
    package enum SealDecision {
        case clear
        case sealed(SubscriptionSeal)
        case refused(RefuseReason, String)
    }

    /// The seal for a new subscription `subscription` whose register offered `keyShare` (empty:
    /// none), under the server's policy: a fresh server share and the key agreed with it.
    package func sealDecision(keyShare: [UInt8], subscription: UInt64) -> SealDecision {
        switch (configuration.encryption, keyShare.isEmpty) {
        case (.off, _), (.preferred, true):
            return .clear
        case (.required, true):
            return .refused(.encryptionRequired, "this server sends encrypted subscriptions only; register with a key share (client --encrypt)")
        case (.preferred, false), (.required, false):
            let share = KeyShare()
            do {
                return .sealed(
                    SubscriptionSeal(key: try share.key(peer: keyShare, identifier: subscription, client: false), share: share.publicBytes))
            } catch {
                return .refused(.malformed, "key share: \(error.message)")
            }
        }
    }

    /// `payload` (a frame made once) for `subscriber`: stamped with its identifier and, when its
    /// subscription is sealed, sealed (a welcome, an end or a refuse under the next counter).
    package mutating func outgoing(_ payload: ByteBuffer, to subscriber: Subscriber, what: String) -> Encoding {
        let stamped = payload.stamped(subscriber.subscription)
        guard let seal = subscriber.seal else { return .success(stamped) }
        let kind = payload.withUnsafeReadableBytes { FrameHeader.kind(in: $0) }
        let counter: UInt32
        if let kind, SealedFrame.prefixSize(kind) > 0 {
            sealCounter &+= 1
            counter = sealCounter
        } else {
            counter = 0
        }
        return counted(Self.encode(what, for: subscriber.address, { () throws(WireError) in try stamped.sealedBytes(with: seal, counter: counter) }))
    }
}

extension ByteBuffer {
    /// This frame (stamped already) sealed under `seal` (Spec/ENCRYPTION.md), `counter` in the
    /// clear prefix of a welcome, an end or a refuse.
    ///
    /// - Throws: ``WireError`` from ``SubscriptionKey/seal(_:keyShare:counter:)``.
    package func sealedBytes(with seal: SubscriptionSeal, counter: UInt32) throws(WireError) -> [UInt8] {
        let plaintext = getBytes(at: readerIndex, length: readableBytes) ?? []
        let isWelcome = plaintext.count > 3 && plaintext[3] == FrameKind.welcome.rawValue
        return try seal.key.seal(plaintext, keyShare: isWelcome ? seal.share : [], counter: counter)
    }
}

// The sealed group (Spec/ENCRYPTION.md, "Multicast: the group key").
extension ServerState {
    /// Whether the group's events are sealed: the server seals and sends to a group.
    public var groupSealed: Bool { groupKeys != nil && !multicastOffers.isEmpty }

    /// The next epoch's group key, handed at once to every sealed subscription that takes the
    /// group in a sealed welcome with both keys (the replies); from now on the group's events are
    /// sealed with it. Nothing when the group is not sealed.
    public mutating func rotateGroupKey() -> (replies: [Reply], notices: [Notice]) {
        guard groupSealed, groupKeys != nil else { return ([], []) }
        groupKeys?.rotate()
        groupKeyRotatedAt = clock.now()
        var (replies, notices): ([Reply], [Notice]) = ([], [])
        for slot in matches.indices {
            // The welcomes made so far carry the old keys.
            matches[slot].welcomes.removeAll()
            for subscriber in matches[slot].subscribers.values where subscriber.group && subscriber.seal != nil {
                let answer = welcoming(subscriber, slot: slot, repeated: true)
                replies += answer.replies
                notices += answer.notices.filter { if case .registered = $0 { false } else { true } }
            }
        }
        return (replies, notices)
    }

    /// ``rotateGroupKey()`` when the key has sealed for `--group-key-lifetime` (the once-a-second sweep).
    public mutating func rotateGroupKeyIfDue() -> (replies: [Reply], notices: [Notice]) {
        guard groupSealed, clock.now() - groupKeyRotatedAt >= configuration.groupKeyLifetime.inSeconds else { return ([], []) }
        return rotateGroupKey()
    }
}
