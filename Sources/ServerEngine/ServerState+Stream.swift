import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

// The stream's side of the state: each event made the latest and handed to its recipients, silent clients dropped, and a match's end.
extension ServerState {
    /// Drops SoccerStream clients not heard from for longer than the client timeout (original
    /// clients cannot send heartbeats and are kept until they unregister or the match ends).
    /// An ended match's subscriptions, answered for repair after its end, go the same way,
    /// without a notice (each had its end frame); once a match has none left, its repair ring
    /// is released (``LiveMatch/releaseRingIfUnwatched()``).
    public mutating func expire() -> [Notice] {
        let now = clock.now()
        originalBudget.prune(now: now)
        let timeout = configuration.clientTimeout.inSeconds
        // Heartbeats only move a subscriber's last-heard time later: nobody is due before the
        // earliest one seen at the last scan (or joined since) is a timeout old. A server holding
        // many clients scans them once per timeout or so, not at every housekeeping.
        guard now - earliestHeard > timeout else { return [] }
        var (silent, earliest): ([DatagramAddress], Double) = ([], .infinity)
        var ended: [(slot: Int, key: DatagramAddress)] = []
        for index in matches.indices {
            for (key, subscriber) in matches[index].subscribers.entries where subscriber.delivery != .original {
                if now - subscriber.lastHeard > timeout {
                    silent.append(key)
                } else {
                    earliest = min(earliest, subscriber.lastHeard)
                }
            }
            for (key, subscriber) in matches[index].ended.entries {
                if now - subscriber.lastHeard > timeout {
                    ended.append((index, key))
                } else {
                    earliest = min(earliest, subscriber.lastHeard)
                }
            }
        }
        earliestHeard = earliest
        for (slot, key) in ended {
            _ = matches[slot].ended.removeValue(forKey: key)
            if slotOf[key] == slot { slotOf[key] = nil }
        }
        for slot in Set(ended.map(\.slot)) { matches[slot].releaseRingIfUnwatched() }
        var notices: [Notice] = []
        for key in silent {
            if let subscriber = unsubscribe(key) { notices.append(.timedOut(subscriber, silentFor: now - subscriber.lastHeard)) }
        }
        return notices
    }

    /// Makes `event` the latest of slot `slot`'s match and returns who gets it (their address
    /// and delivery; other fields may be as of their subscription). `event.sequence` must be
    /// that match's ``nextSequence(slot:)``.
    /// Original-protocol clients off loopback get the event only within the byte budget of
    /// their /24 (or /56) and the server's (``OriginalBudget``); the others are left out of this
    /// event and counted (the recipients are filtered only when such clients are subscribed).
    public mutating func publish(_ event: EncodedEvent, slot: Int = 0) -> [Subscriber] {
        let recipients = matches[slot].publish(event, ringEvents: configuration.repairRingEvents, ringBytes: configuration.repairRingBytes)
        guard matches[slot].recipientsBudgeted else { return recipients }
        let (size, now) = (event.payload(for: .original).readableBytes, clock.now())
        return recipients.filter { subscriber in
            subscriber.budgetBlock.map { originalBudget.allows($0, bytes: size, now: now) } ?? true
        }
    }

    /// The end-of-match datagrams for every client (frames for SoccerStream clients,
    /// `End of transmission` for original ones), and who they go to; the clients are then
    /// unsubscribed. Should the end frame fail to encode, SoccerStream clients get nothing
    /// (never an empty datagram) and the notice says so.
    /// With `next`, the slot at once announces the match replacing it (`--loop`), so that a
    /// register arriving while the end goes out joins the next match instead of being refused.
    public mutating func finish(_ reason: EndReason, slot: Int = 0, next: UInt32? = nil) -> (ends: [(Subscriber, ByteBuffer)], notices: [Notice]) {
        let last = matches[slot].current
        let end = Frame(
            sequence: last?.sequence ?? matches[slot].nextSequence &- 1, score: last?.event.score ?? .zero,
            minute: last?.event.minute ?? 0, body: .end(EndOfMatch(reason: reason)))
        var notices: [Notice] = []
        var endBytes: ByteBuffer?
        switch counted(Self.encode("end", for: nil, { () throws(WireError) in try end.encoded() })) {
        case .success(let bytes): endBytes = bytes
        case .failure(let notice): notices.append(notice)
        }
        let originalBytes = ByteBuffer(string: OriginalPacket.endOfTransmissionText)
        // Kept for repair only (the events just before the end are the last a client can miss).
        let leaving = matches[slot].end()
        if let next { announce(id: next, slot: slot) }
        clientCount -= leaving.count
        for subscriber in leaving where subscriber.delivery == .original { slotOf[subscriber.datagramAddress] = nil }
        var result: [(Subscriber, ByteBuffer)] = []
        for subscriber in leaving {
            if subscriber.delivery == .original {
                result.append((subscriber, originalBytes))
            } else if let endBytes {
                switch outgoing(endBytes, to: subscriber, what: "end (sealed)") {
                case .success(let payload): result.append((subscriber, payload))
                case .failure(let notice): notices.append(notice)
                }
            }
        }
        return (result, notices)
    }
}
