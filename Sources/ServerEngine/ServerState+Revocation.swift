import GroupSigning
import NIOCore
import Wire

/// A subscription admitted by a subscriber token, kept so that a revocation or the token's
/// expiry can end it (Spec/TOKENS.md, "Revocation").
package struct AdmittedToken: Sendable {
    /// The subscription it admitted (a later one from the same address is another).
    package var subscription: UInt64
    package var token: SubscriberToken
}

// Cutting off subscribers whose tokens no longer stand: revoked by a reloaded list, or expired.
extension ServerState {
    /// Takes a reloaded revocation list and cuts off every subscriber it now revokes (and any
    /// whose token has expired meanwhile). Nothing changes without token admission.
    public mutating func applyRevocations(_ list: RevocationList) -> (replies: [Reply], notices: [Notice]) {
        guard configuration.tokenAdmission != nil else { return ([], []) }
        configuration.tokenAdmission?.revocations = list
        return cutOffFallen()
    }

    /// Cuts off every subscriber whose token no longer stands (``TokenAdmission/standing(of:now:)``):
    /// unsubscribed at once, and told why with a refuse frame under its own identifier (Spec
    /// §4.5: a refuse after the welcome ends the subscription). Called on each reload of the
    /// revocation list and about once a second (``HousekeepingSchedule``), so that a revoked or expired subscriber stops within
    /// one heartbeat period.
    public mutating func cutOffFallen() -> (replies: [Reply], notices: [Notice]) {
        guard let admission = configuration.tokenAdmission, !admitted.isEmpty else { return ([], []) }
        let unix = clock.unixSeconds()
        var (replies, notices): ([Reply], [Notice]) = ([], [])
        for (key, entry) in admitted {
            guard let (subscriber, _) = subscriberAndSlot(at: key), subscriber.subscription == entry.subscription else {
                // It left, timed out, or its match ended: nothing to cut off.
                admitted[key] = nil
                continue
            }
            guard let refusal = admission.standing(of: entry.token, now: unix) else { continue }
            let address = subscriber.address
            admitted[key] = nil
            _ = unsubscribe(key)
            let frame = Frame(body: .refuse(Refusal(reason: refusal.reason, shortening: refusal.description)), subscription: entry.subscription)
            switch counted(Self.encode("refuse (\(refusal.reason.name))", for: address, { () throws(WireError) in try frame.encoded() })) {
            case .success(let payload):
                // Sealed for a sealed subscription (Spec/ENCRYPTION.md): an on-path forger cannot cut it off.
                switch outgoing(payload, to: subscriber, what: "refuse (sealed)") {
                case .success(let sent): replies.append(Reply(address: address, payload: sent))
                case .failure(let notice): notices.append(notice)
                }
            case .failure(let notice): notices.append(notice)
            }
            notices.append(.cutOff(subscriber, Refusal(reason: refusal.reason, text: refusal.description), count: clientCount))
        }
        // Whoever was cut off holds the group key: the others get the next one (Spec/ENCRYPTION.md, "Multicast").
        if notices.contains(where: { if case .cutOff = $0 { true } else { false } }) {
            let rotated = rotateGroupKey()
            replies += rotated.replies
            notices += rotated.notices
        }
        return (replies, notices)
    }
}
