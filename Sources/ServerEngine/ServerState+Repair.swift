import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

// Repair (Spec §4.8): NACKs answered from the ring, the budgets, and from the durable match log.
extension ServerState {
    /// Answers a NACK (Spec §4.8): each event still held is sent again, marked as a
    /// retransmission, in the subscriber's format, within its budget and the server's; the
    /// sequence numbers no longer held get one "unavailable" answer. What the budgets leave
    /// unanswered the client asks for again later.
    /// With `consultLog` and a logged match, the sequences the ring lacks are not answered yet
    /// but looked up in the log (``Notice/lookUp(_:)``).
    package mutating func repair(
        _ subscriber: Subscriber, _ ranges: SequenceRanges, slot: Int,
        consultLog: Bool = true
    ) -> (replies: [Reply], notices: [Notice]) {
        var replies: [Reply] = []
        var missing: [UInt32] = []
        var overBudget = 0
        var budget = subscriber.repairBudget ?? TokenBucket(rate: configuration.effectiveRepairRate, burst: configuration.repairBurst, now: now)
        var total = repairBudget ?? TokenBucket(rate: configuration.repairRateTotal, burst: max(1, configuration.repairRateTotal / 10), now: now)
        for sequence in ranges.sequences {
            // A token without the repair permission: nothing is sent again, all "unavailable".
            guard subscriber.mayRepair, var event = matches[slot].ring[sequence] else {
                missing.append(sequence)
                continue
            }
            guard budget.take(now: now), configuration.repairRateTotal == 0 || total.take(now: now) else {
                overBudget += 1
                continue
            }
            if event.payload(for: subscriber.delivery).readableBytes == 0 {
                // Encoded before any client of this delivery listened: encode it now, once, for the ring too.
                do {
                    event = try EncodedEvent(
                        event: event.event, sequence: sequence, roster: matches[slot].roster, catalog: matches[slot].catalog,
                        base: matches[slot].baseProjection)
                    matches[slot].ring[sequence] = event
                } catch {
                    return (replies, [.encodingFailed(what: "repair (\(subscriber.delivery.rawValue))", subscriber.address, error)])
                }
            }
            let retransmission = event.payload(for: subscriber.delivery).retransmitted(to: subscriber.subscription)
            if let seal = subscriber.seal {
                // Sealed like the original (Spec/ENCRYPTION.md): the retransmission flag makes its nonce another.
                do {
                    replies.append(
                        Reply(address: subscriber.address, payload: ByteBuffer(bytes: try retransmission.sealedBytes(with: seal, counter: 0))))
                } catch {
                    return (replies, [.encodingFailed(what: "repair (sealed)", subscriber.address, error)])
                }
            } else {
                replies.append(Reply(address: subscriber.address, payload: retransmission))
            }
        }
        matches[slot].subscribers[subscriber.datagramAddress]?.repairBudget = budget
        matches[slot].ended[subscriber.datagramAddress]?.repairBudget = budget
        repairBudget = total
        repairsSent += replies.count
        var notices: [Notice] = []
        if consultLog, subscriber.mayRepair, !missing.isEmpty, let logNumber = matches[slot].logNumber {
            notices.append(
                .lookUp(
                    LogLookup(
                        address: subscriber.address, slot: slot, matchID: matches[slot].id, logNumber: logNumber,
                        sequences: SequenceRanges(covering: missing))))
            notices.append(.repaired(subscriber.address, sent: replies.count, unavailable: 0, overBudget: overBudget))
            if overBudget > 0 { rejects["repair requests over budget", default: 0] += overBudget }
            return (replies, notices)
        }
        if !missing.isEmpty {
            let answer = SequenceRanges(covering: missing)
            switch counted(
                Self.encode(
                    "unavailable", for: subscriber.address,
                    { () throws(WireError) in
                        try Frame(body: .unavailable(answer), subscription: subscriber.subscription).encoded()
                    }))
            {
            case .success(let payload):
                replies.append(Reply(address: subscriber.address, payload: payload))
                unavailableSent += answer.sequences.count
            case .failure(let notice):
                notices.append(notice)
            }
        }
        if overBudget > 0 { rejects["repair requests over budget", default: 0] += overBudget }
        notices.append(
            .repaired(subscriber.address, sent: replies.count - (missing.isEmpty ? 0 : 1), unavailable: missing.count, overBudget: overBudget))
        return (replies, notices)
    }

    /// Answers the part of a NACK the ring could not, with the events the log holds for it
    /// (`events`, by sequence): they are kept in the ring again (the next NACK for them, from
    /// this client or another, is answered from there), sent within the budgets like any
    /// repair, and what the log does not hold either is answered "unavailable". Nothing is sent
    /// when the client is gone or the slot carries another match by now.
    public mutating func answerFromLog(_ lookup: LogLookup, events: [UInt32: MatchEvent]) -> (replies: [Reply], notices: [Notice]) {
        now = clock.now()
        guard matches.indices.contains(lookup.slot), matches[lookup.slot].id == lookup.matchID,
            matches[lookup.slot].logNumber == lookup.logNumber
        else { return ([], []) }
        // Not a copy of the match: that would copy its ring when the ring grows below.
        let (roster, catalog, base, deliveries) = (
            matches[lookup.slot].roster, matches[lookup.slot].catalog, matches[lookup.slot].baseProjection, matches[lookup.slot].deliveriesInUse
        )
        let asked = Set(lookup.sequences.sequences)
        var notices: [Notice] = []
        for (sequence, event) in events.sorted(by: { $0.key < $1.key }) where asked.contains(sequence) && matches[lookup.slot].ring[sequence] == nil {
            do {
                let encoded = try EncodedEvent(
                    event: event, sequence: sequence, roster: roster, catalog: catalog, base: base, deliveries: deliveries)
                matches[lookup.slot].keepForRepair(encoded, events: configuration.repairRingEvents, bytes: configuration.repairRingBytes)
            } catch {
                encodingFailures["repair from the match log", default: 0] += 1
                notices.append(.encodingFailed(what: "repair from the match log", lookup.address, error))
            }
        }
        let key = DatagramAddress(lookup.address)
        guard let subscriber = matches[lookup.slot].subscribers[key] ?? matches[lookup.slot].ended[key] else {
            return ([], notices)
        }
        let (replies, repairNotices) = repair(subscriber, lookup.sequences, slot: lookup.slot, consultLog: false)
        return (replies, notices + repairNotices)
    }
}
