import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

// Restarts (Spec §4.12): the subscriptions the match log keeps and a restarted server restores, heartbeats, and resets for what it does not hold.
extension ServerState {
    /// A heartbeat to `subscriber` carrying slot `slot`'s latest sequence (and its source-lost
    /// flag): the answer to its heartbeat, or, unasked, the word of a restarted server that kept
    /// its subscription (the sequence reveals what it missed, Spec §4.8).
    package mutating func heartbeat(to subscriber: Subscriber, slot: Int) -> (replies: [Reply], notices: [Notice]) {
        let sequence = matches[slot].current?.sequence ?? matches[slot].nextSequence
        let lost = matches[slot].sourceLost
        switch counted(
            Self.encode(
                "heartbeat", for: subscriber.address,
                { () throws(WireError) in
                    var answer = Frame(sequence: sequence, body: .heartbeat, subscription: subscriber.subscription)
                    answer.sourceLost = lost
                    return try answer.encoded()
                }))
        {
        case .success(let payload): return ([Reply(address: subscriber.address, payload: payload)], [])
        case .failure(let notice): return ([], [notice])
        }
    }

    /// Slot `slot`'s ``LiveMatch/subscribersVersion``.
    public func subscribersVersion(slot: Int) -> Int { matches[slot].subscribersVersion }

    /// Slot `slot`'s subscriptions and their version (``LiveMatch/subscribersVersion``): what
    /// the match log keeps of them.
    ///
    /// A sealed subscription is not kept: its key lives only in this process (Spec/ENCRYPTION.md),
    /// so a restarted server resets its client, which registers again and agrees a new key.
    public func keptSubscribers(slot: Int) -> (version: Int, subscribers: [Subscriber]) {
        (matches[slot].subscribersVersion, matches[slot].subscribers.values.filter { $0.seal == nil })
    }

    /// Subscribes again, to slot `slot`'s resumed match, the subscriptions the match log kept
    /// for it (Spec §4.12: an original client cannot register again, and a SoccerStream client
    /// need not), as far as the server's client limit allows; returns those restored. A
    /// SoccerStream subscription whose format or dictionary this run does not serve is left
    /// out (its client is reset when it next speaks, and registers again); so is an original
    /// client outside the original protocol's ranges. Each SoccerStream one restored is sent its
    /// welcome again at once (the replies), so that it hears from the server without waiting for
    /// the next event, learns what it missed (the latest event's sequence, Spec §4.8) and the
    /// group this run offers, if it changed (§4.11). A server that requires subscriber tokens
    /// restores none: each client registers again and its token is checked again.
    public mutating func restoreSubscribers(_ kept: [Subscriber], slot: Int) -> (restored: [Subscriber], replies: [Reply], notices: [Notice]) {
        var restored: [Subscriber] = []
        var replies: [Reply] = []
        var notices: [Notice] = []
        // A server that requires tokens restores none: the log keeps no token, so a restored
        // subscription could not be checked again (revoked or expired meanwhile); each client is
        // reset when it next speaks and registers again with its token (Spec/TOKENS.md).
        let restoring = configuration.tokenAdmission == nil ? kept : []
        for var subscriber in restoring where subscriberAndSlot(at: subscriber.address) == nil && clientCount < configuration.maxClients {
            if subscriber.delivery == .original {
                guard configuration.originalAllowed && configuration.originalAccepted(from: subscriber.address) else { continue }
            } else {
                guard subscriber.subscription != 0, configuration.formats.contains(subscriber.delivery.format),
                    subscriber.dictionary == 0 || configuration.dictionaries.contains(where: { $0.id == subscriber.dictionary })
                else { continue }
                subscriber.group = subscriber.group && multicastOffers[subscriber.delivery.format] != nil
            }
            subscriber.lastHeard = clock.now()
            subscribe(subscriber, slot: slot)
            restored.append(subscriber)
            if subscriber.delivery != .original {
                let (welcome, said) = welcoming(subscriber, slot: slot, repeated: true)
                replies += welcome
                notices += said.filter { if case .registered = $0 { false } else { true } }
            }
        }
        return (restored, replies, notices)
    }

    /// A `what` (heartbeat, NACK, unregister) from an address this server holds nothing for,
    /// not even an ended subscription: answered with a reset under the frame's identifier
    /// (Spec §4.12), a header alone, so never more bytes than the frame had (every frame has at
    /// least a header), and within the reset rates; otherwise rejected. The address is not
    /// trusted: the reset carries back only the identifier it came with, which the real client
    /// alone knows (a forger's guess makes a reset the client drops).
    package mutating func resetOrReject(_ address: SocketAddress, _ frame: Frame, _ what: String) -> (replies: [Reply], notices: [Notice]) {
        // Counted as a reject either way: the datagram changes nothing here.
        let rejected = reject(address, "\(what) from an unknown address")
        // Not while a restarted server has yet to restore the subscriptions its log kept: the
        // client probing now is likely one of them.
        guard !holdingResets, subscriberAndSlot(at: address, includingEnded: true) == nil else { return rejected }
        // The server-wide budget first: a flood from many forged addresses stops there, before
        // the per-address table is consulted.
        var total = resetBudget ?? TokenBucket(rate: Self.resetRate.total, burst: Self.resetRate.total, now: now)
        defer { resetBudget = total }
        guard total.available(now: now) >= 1, resetLimiter.allow(address), total.take(now: now) else { return rejected }
        switch counted(
            Self.encode(
                "reset", for: address,
                { () throws(WireError) in
                    try Frame(body: .reset, subscription: frame.subscription).encoded()
                }))
        {
        case .success(let payload):
            resetsSent += 1
            return ([Reply(address: address, payload: payload)], rejected.notices + [.reset(address, what: what)])
        case .failure(let notice): return ([], rejected.notices + [notice])
        }
    }
}
