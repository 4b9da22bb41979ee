import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

extension ServerState {
    /// Starts a new match in slot `slot`: clears its latest event and sets its id. A match
    /// `resuming` from the match log keeps the latest event ``resume(slot:nextSequence:logNumber:latest:)`` gave it.
    public mutating func beginMatch(id: UInt32, slot: Int = 0, resuming: Bool = false) {
        for key in matches[slot].begin(id: id, resuming: resuming) where matches[slot].subscribers[key] == nil {
            slotOf[key] = nil
        }
    }

    /// Continues slot `slot`'s match from the match log, where it is match `logNumber`: its
    /// next event gets `nextSequence` (the events before it were streamed by an earlier run of
    /// the server, and NACKs for them are answered from the log), and `latest` (the last logged
    /// event) is its latest event again, so that a welcome tells a returning client how far the
    /// match got (and so what it missed) before the next event comes.
    public mutating func resume(slot: Int, nextSequence: UInt32, logNumber: Int, latest: MatchEvent?) -> [Notice] {
        matches[slot].logNumber = logNumber
        return continueMatch(slot: slot, nextSequence: nextSequence, latest: latest)
    }

    /// Slot `slot`'s match continues one that began elsewhere (an earlier run, or a relay's
    /// upstream): its next event gets `nextSequence`, and `latest` (the one before) is its latest
    /// event, so that welcomes show how far the match got.
    public mutating func continueMatch(slot: Int, nextSequence: UInt32, latest: MatchEvent?) -> [Notice] {
        matches[slot].nextSequence = nextSequence
        guard let latest else { return [] }
        do {
            let event = try EncodedEvent(
                event: latest, sequence: nextSequence &- 1, roster: matches[slot].roster, catalog: matches[slot].catalog,
                base: matches[slot].baseProjection, deliveries: [.compact])
            matches[slot].current = event
            matches[slot].keepForRepair(event, events: configuration.repairRingEvents, bytes: configuration.repairRingBytes)
            return []
        } catch {
            encodingFailures["resumed match's latest event", default: 0] += 1
            return [.encodingFailed(what: "resumed match's latest event", nil, error)]
        }
    }

    /// A relay's upstream for slot `slot` is lost (`lost`) or back (Spec §4.10): from now on its
    /// heartbeat answers say so, and each SoccerStream subscriber gets one heartbeat saying it
    /// now (the replies). Nothing when the state does not change.
    public mutating func setSourceLost(_ lost: Bool, slot: Int) -> [Reply] {
        guard matches[slot].sourceLost != lost else { return [] }
        matches[slot].sourceLost = lost
        let sequence = matches[slot].current?.sequence ?? matches[slot].nextSequence
        var heartbeat = Frame(sequence: sequence, body: .heartbeat)
        heartbeat.sourceLost = lost
        switch counted(Self.encode("source-lost heartbeat", for: nil, { () throws(WireError) in try heartbeat.encoded() })) {
        case .success(let payload):
            return matches[slot].subscribers.values.filter { $0.delivery != .original }.map { subscriber in
                Reply(address: subscriber.address, payload: payload.stamped(subscriber.subscription))
            }
        case .failure:
            return []
        }
    }

    /// An on-demand relay's upstream does not carry match `id` (Spec §4.10): refuse it from now on.
    public mutating func upstreamRefused(_ id: UInt32) {
        unknownUpstream.insert(id)
    }

    /// Slot `slot`'s current match is match `number` of the durable log: from now on, a NACK
    /// for events its ring does not hold is a ``Notice/lookUp(_:)``.
    public mutating func logged(slot: Int, number: Int) {
        matches[slot].logNumber = number
    }
}
