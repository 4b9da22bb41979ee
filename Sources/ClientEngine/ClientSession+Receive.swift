import GroupSigning
import Match
import RuntimeSupport
import Wire

extension ClientSession {
    /// Handles one datagram that has just arrived.
    public mutating func receive(_ bytes: [UInt8]) -> Reception {
        let arrival = clock.now()
        guard endReason == nil || (!original && !pending.isEmpty) else { return .ignored("after the end of the match") }
        if original {
            lastHeard = arrival
            return receiveOriginal(bytes, arrival: arrival)
        }
        // A sealed frame is opened first (Spec/ENCRYPTION.md); then it decodes like any other.
        let plaintext: [UInt8]
        switch opened(bytes) {
        case .success(let opened): plaintext = opened
        case .failure(let reception): return reception.reception
        }
        let frame: Frame
        do {
            frame = try Frame.decode(plaintext)
        } catch {
            return .ignored("\(error)")
        }
        // Before anything else: only this subscription's frames count, even as a sign of life.
        guard frame.subscription == subscription else {
            wrongIdentifier += 1
            return .rejected("\(frame.kind.name) frame with another subscription's identifier")
        }
        if subscriptionKey != nil, !SealedFrame.isSealed(bytes), SealedFrame.sealable(frame.kind) {
            // A sealed subscription's content comes sealed (Spec/ENCRYPTION.md): this one could be
            // anybody's on the path, so it is not even a sign of life.
            unauthentic += 1
            return .rejected("\(frame.kind.name) frame in clear on a sealed subscription")
        }
        if frame.kind == .reset {
            // Spec §4.12. Its identifier is ours (checked above), which only the server we
            // registered with can know: a forger's guess was dropped there.
            guard welcome != nil, endReason == nil, !reregistering else {
                return .ignored("reset \(welcome == nil ? "before the welcome" : endReason != nil ? "after the end" : "while registering again")")
            }
            // A relay's lost source, if one was on, is over: its server is answering.
            if let last = outages.indices.last, outages[last].kind == .sourceLost, outages[last].end == nil { outages[last].end = arrival }
            if outages.last.map({ $0.end != nil || $0.kind != .serverSilent }) ?? true {
                outages.append(Outage(start: lastHeard ?? startedAt, highestBefore: statistics.last.map { statistics.extend($0) }))
            }
            reregistering = true
            resets += 1
            lastHeard = arrival  // the server is back: the outage ends here
            return .reset
        }
        heard(at: arrival, sourceLost: frame.sourceLost)
        if frame.sourceLost, frame.kind == .heartbeat {
            sourceLost(at: arrival)
        } else if let last = outages.indices.last, outages[last].kind == .sourceLost, outages[last].end == nil {
            outages[last].end = arrival
        }
        guard frame.kind.rules.directions.contains(.toClient) else {
            return .ignored("\(frame.kind.name) frame from the server")
        }
        if reregistering, welcome != nil, [.event, .heartbeat, .end, .unavailable].contains(frame.kind) {
            // A restarted server that kept this subscription streams to it again (Spec §4.12):
            // it holds, as a welcome would say; registering again is over.
            reregistering = false
            welcomedAgain += 1
        }
        switch frame.body {
        case .welcome(let body):
            if requiresSealing, subscriptionKey == nil {
                return .refused(
                    Refusal(
                        reason: .encryptionRequired, text: "the server answered in clear; this client requires encryption (--encrypt required)"))
            }
            guard let first = welcome else { return welcomed(body, frame: frame) }
            // The answer to a register sent after an outage: the subscription holds again.
            if body.matchID == first.matchID { adopt(body.multicast) }
            if reregistering {
                reregistering = false
                welcomedAgain += 1
            }
            // Its latest event reveals what was sent meanwhile (Spec §4.8), even before the next
            // event comes: the answer to a register after an outage, or a restarted server that
            // kept the subscription (§4.12).
            if body.matchID == first.matchID, body.current != nil, endReason == nil {
                statistics.noteLast(frame.sequence)
                noteGaps(upTo: statistics.extend(frame.sequence) + 1, now: arrival)
            }
            return .ignored("repeated welcome")
        case .refuse(let refusal):
            guard welcome == nil else {
                // Spec §4.5: under this subscription's identifier (checked above), a token
                // expired or revoked ends it; the server has already dropped it.
                guard endReason == nil, refusal.reason.endsSubscription else { return .ignored("refuse after welcome") }
                return .cutOff(refusal)
            }
            return .refused(refusal)
        case .event(let body):
            guard let welcome else { return .ignored("event before welcome") }
            guard frame.kind == .event else { return .ignored("group event at the client's address; group events come from the group") }
            return accept(body, frame: frame, welcome: welcome, arrival: arrival)
        case .end(let end):
            guard welcome != nil else { return .ignored("end before welcome") }
            guard endReason == nil else { return .ignored("repeated end") }
            statistics.noteLast(frame.sequence)
            endReason = end.reason
            // The tail: events after the last arrival that the end says were sent.
            noteGaps(upTo: statistics.extend(frame.sequence) + 1, now: arrival)
            // From now on the server answers only for its repair grace: no wait beyond the cap.
            for (sequence, entry) in pending where entry.due > arrival + Self.repairBackoffCap {
                pending[sequence]?.due = arrival + Self.repairBackoffCap
            }
            flushLog()
            return .ended(end.reason)
        case .challenge(let challenge):
            // After the welcome, a challenge matters only to a client registering again (after an outage).
            guard welcome == nil || reregistering else { return .ignored("challenge after welcome") }
            token = challenge.token
            return .challenged(challenge.token)
        case .heartbeat:
            // The answer carries the server's latest event's sequence (Spec §3; before kick-off,
            // the first event's, not sent yet). One ahead of the highest received (or, before any
            // arrived, of the welcome's) reveals events sent and not received (Spec §4.8): a
            // group receiver whose group went quiet, or a stream whose last events were lost,
            // asks for them now, not at the next event or the end.
            if welcome != nil, endReason == nil, let top = statistics.last.map({ statistics.extend($0) }) ?? revealFloor {
                let extended = statistics.extend(frame.sequence)
                if extended > top, extended - top <= ReceptionStatistics.unpacedAdvance {
                    statistics.noteLast(frame.sequence)
                    // Nothing received yet: every event from the first owed is missing.
                    if checkedUpTo == nil, statistics.last == nil, let firstOwed { checkedUpTo = firstOwed - 1 }
                    noteGaps(upTo: extended + 1, now: arrival)
                }
            }
            return .keepalive
        case .unavailable(let ranges):
            let given = ranges.sequences.map { statistics.extend($0) }.filter { pending.removeValue(forKey: $0) != nil }
            giveUp(given)
            return .unavailable(given.map { UInt32(truncatingIfNeeded: $0) })
        case .listing:
            return .ignored("listing frame outside a list request")
        case .reset:
            return .ignored("reset")  // handled above
        case .register, .unregister, .nack, .list:
            // Spec §3's directions (FrameKind.rules) turned these away above.
            return .ignored("\(frame.kind.name) frame from the server")
        }
    }

    /// Takes a welcome's multicast offer: usable when its key is the pinned one (or nothing is
    /// pinned). A later welcome (a restarted server's) replaces it: a server without a data
    /// directory signs with a new key after a restart.
    mutating func adopt(_ offer: MulticastOffer?) {
        // A sealed subscription takes the group only when its events are sealed too: with the
        // group keys its sealed welcome hands out (Spec/ENCRYPTION.md, "Multicast").
        guard let offer, subscriptionKey == nil || !offer.groupKeys.isEmpty, let key = try? offer.key() else {
            // No offer (the decoder has checked an offer's key): nothing to join.
            (groupOffer, groupKey) = (nil, nil)
            return
        }
        if subscriptionKey != nil {
            groupKeys = [:]
            for entry in offer.groupKeys {
                // 32 bytes: the decoder has checked each key's size.
                if let key = try? SubscriptionKey(bytes: entry.key) { groupKeys[entry.epoch] = key }
            }
        }
        if let pinnedKey, pinnedKey != key {
            refusedKey = key
            (groupOffer, groupKey) = (nil, nil)
        } else {
            (groupOffer, groupKey) = (offer, key)
        }
    }

    /// Handles one datagram from the multicast group (Spec §4.11). It counts only as a group
    /// event of this match, in this client's format, signed with the group's key; its header is
    /// checked before the signature, the signature before the body is decoded (an unsigned
    /// datagram is never inflated). A signed event already held is a replay and changes nothing.
    public mutating func receiveGroup(_ bytes: [UInt8]) -> Reception {
        let arrival = clock.now()
        guard let welcome, let groupKey else { return .ignored("group datagram before a welcome offering the group") }
        guard endReason == nil || !pending.isEmpty else { return .ignored("group datagram after the end of the match") }
        // A sealed group event's header reads as its format's (byte 4's bits 0–1 are 3).
        let sealed = SealedFrame.isSealed(bytes)
        let header: FrameHeader
        do {
            var probe = bytes
            if sealed { probe[4] = probe[4] & ~0x03 | welcome.format.rawValue }
            var reader = ByteReader(probe)
            header = try FrameHeader.read(from: &reader, datagramSize: bytes.count)
        } catch {
            group.malformed += 1
            return .ignored("group datagram: \(error)")
        }
        guard header.kind == .groupEvent else {
            group.malformed += 1
            return .ignored("\(header.kind.name) frame on the group; only group events travel there")
        }
        guard UInt32(truncatingIfNeeded: header.subscription >> 32) == welcome.matchID, sealed || header.format == welcome.format else {
            group.others += 1
            return .ignored("group event of another match or format")
        }
        guard GroupSignature.isValid(bytes, key: groupKey) else {
            group.forged += 1
            return .rejected("group event #\(header.sequence) not signed with the group's key (forged)")
        }
        // Signed by the server: a sealed one is opened with its epoch's group key. One that does
        // not open is another format's (its nonce names the format) or of an epoch not held.
        var plaintext = bytes
        if sealed != (subscriptionKey != nil && !groupKeys.isEmpty) {
            group.others += 1
            return .ignored(sealed ? "sealed group event without the group keys" : "group event in clear on a sealed group")
        }
        if sealed {
            do {
                let frame = try SealedFrame.parse(bytes)
                guard let key = groupKeys[frame.epoch] else {
                    group.others += 1
                    return .ignored("group event #\(frame.sequence) sealed under epoch \(frame.epoch), not held (repair fills it)")
                }
                plaintext = try key.open(frame, eventFormat: welcome.format)
            } catch {
                group.others += 1
                return .ignored("sealed group event that does not open under its epoch's key (another format's): \(error)")
            }
        }
        let frame: Frame
        do {
            frame = try Frame.decode(plaintext)
        } catch {
            group.malformed += 1
            return .ignored("signed group event that does not decode: \(error)")
        }
        if statistics.has(frame.sequence) {
            group.replayed += 1
            return .rejected("group event #\(frame.sequence) already held (replayed)")
        }
        heard(at: arrival)
        group.accepted += 1
        group.repairedInARow = 0
        guard case .event(let body) = frame.body else { return .ignored("group event without an event body") }
        return accept(body, frame: frame, welcome: welcome, arrival: arrival)
    }
}
