import GroupSigning
import Match
import RuntimeSupport
import Wire

extension ClientSession {
    /// An event frame's snapshot, recorded (or taken as a repair when a retransmission).
    mutating func accept(_ body: EventBody, frame: Frame, welcome: Welcome, arrival: Double) -> Reception {
        // A real match's frames are in the extended layout, any other's in the base one (Spec
        // §4.13); a JSON frame is extended only for a real match's own kinds.
        let real = welcome.roster.needsExtension
        if case .compact = body, frame.extended != real {
            return .rejected("a \(frame.extended ? "extended" : "base")-layout event in a \(real ? "real" : "simulated") match's stream")
        }
        if case .json = body, frame.extended && !real {
            return .rejected("an extended-layout event in a simulated match's stream")
        }
        let snapshot: LiveSnapshot
        do {
            switch body {
            case .json(let datagram):
                snapshot = LiveSnapshot(datagram: datagram, language: welcome.catalog.language, realMatch: welcome.roster.needsExtension)
            case .compact:
                guard let event = frame.compactEvent else { return .ignored("compact event without type") }
                snapshot = try LiveSnapshot(event: event, sequence: frame.sequence, roster: welcome.roster, catalog: welcome.catalog)
            }
        } catch {
            return .ignored("\(error)")
        }
        if frame.retransmission { return repaired(snapshot, arrival: arrival) }
        guard endReason == nil else { return .ignored("first transmission after the end of the match") }
        return record(snapshot, arrival: arrival)
    }

    private mutating func repaired(_ snapshot: LiveSnapshot, arrival: Double) -> Reception {
        let extended = statistics.extend(snapshot.sequence)
        let entry = pending.removeValue(forKey: extended)
        let noticed = entry?.noticed
        // Karn's rule: only an event asked for once gives an unambiguous round trip.
        if let entry, entry.attempts == 1, let asked = entry.asked { repairTimer.sample(arrival - asked) }
        guard statistics.recordRepair(snapshot.sequence, arrival: arrival, noticed: noticed) else { return .duplicate(snapshot.sequence) }
        if groupKey != nil { group.repairedInARow += 1 }
        queueForLog(snapshot, repaired: true)
        // Newer than anything shown (the tail of a match, lost before its end): the newest now.
        if latest.map({ statistics.extend($0.sequence) < extended }) ?? true { latest = snapshot }
        return .repaired(snapshot, delay: noticed.map { arrival - $0 })
    }

    private mutating func record(_ snapshot: LiveSnapshot, arrival: Double) -> Reception {
        let extended = statistics.extend(snapshot.sequence)
        let outcome = statistics.record(snapshot.sequence, arrival: arrival, interval: interval)
        if outcome == .duplicate { return .duplicate(snapshot.sequence) }
        if outcome == .implausible { return .rejected("implausible sequence \(snapshot.sequence), set aside until the stream confirms it") }
        pending[extended] = nil
        if let last = outages.indices.last, outages[last].end != nil, outages[last].firstAfter == nil { outages[last].firstAfter = extended }
        if outcome == .inOrder { noteGaps(upTo: extended, now: arrival) }
        queueForLog(snapshot, repaired: false)
        // A late event does not replace a newer one on screen.
        if outcome == .inOrder { latest = snapshot }
        return .event(snapshot, outcome)
    }

    mutating func receiveOriginal(_ bytes: [UInt8], arrival: Double) -> Reception {
        do {
            let packet = try OriginalPacket.decode(bytes)
            guard packet.direction == .toClient else { return .ignored("client text from the server") }
            switch packet {
            case .datagram(let datagram):
                return record(LiveSnapshot(datagram: datagram, language: "pt"), arrival: arrival)
            case .endOfTransmission:
                endReason = .fullTime
                return .ended(.fullTime)
            case .register, .unregister:
                return .ignored("client text from the server")
            }
        } catch {
            return .ignored("\(error)")
        }
    }
}
