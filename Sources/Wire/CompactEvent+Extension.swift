/// The extended layout's part of a compact event body (Spec §4.13): a real match's details
/// after the base layout's red cards.
///
/// `added u8 | phase u8 | goal marks (u8 per goal) | red-card marks (u8 per red card) |
/// yellowCount u8 | yellows (player u8, minute u8, mark u8)… | substitutionCount u8 |
/// substitutions (off u8, on u8, minute u8, mark u8)… | kickCount u8 | kicks (player u8, scored u8)…`
///
/// A mark byte holds the incident's marks in bits 0–1 and its stoppage minutes in bits 2–7.
extension CompactEvent {
    /// The most stoppage minutes a mark byte holds.
    public static let maximumAdded: UInt8 = 63

    func writeExtension(to writer: inout ByteWriter) throws(WireError) {
        for (name, count) in [
            ("yellowCards", state.yellowCards.count), ("substitutions", state.substitutions.count), ("shootout", state.shootout.count),
        ] where count > 255 {
            throw WireError(.tooLarge, field: "body.\(name)", offset: writer.bytes.count, "\(count) entries; at most 255")
        }
        let stoppage = [added] + (state.goals + state.redCards + state.yellowCards).map(\.added) + state.substitutions.map(\.added)
        guard stoppage.allSatisfy({ $0 <= Self.maximumAdded }) else {
            throw WireError(.outOfRange, field: "body.added", offset: writer.bytes.count, "stoppage minutes over \(Self.maximumAdded)")
        }
        writer.writeUInt8(added)
        writer.writeUInt8(state.phase.rawValue)
        for incident in state.goals + state.redCards { writer.writeUInt8(Self.mark(incident.marks, added: incident.added)) }
        writer.writeUInt8(UInt8(state.yellowCards.count))
        for card in state.yellowCards {
            writer.writeUInt8(card.player.byte)
            writer.writeUInt8(card.minute)
            writer.writeUInt8(Self.mark([], added: card.added))
        }
        writer.writeUInt8(UInt8(state.substitutions.count))
        for substitution in state.substitutions {
            writer.writeUInt8(substitution.off.byte)
            writer.writeUInt8(substitution.on.byte)
            writer.writeUInt8(substitution.minute)
            writer.writeUInt8(Self.mark([], added: substitution.added))
        }
        writer.writeUInt8(UInt8(state.shootout.count))
        for kick in state.shootout {
            writer.writeUInt8(kick.player.byte)
            writer.writeUInt8(kick.scored ? 1 : 0)
        }
    }

    private static func mark(_ marks: IncidentMarks, added: UInt8) -> UInt8 {
        marks.rawValue & IncidentMarks.wireMask | added << 2
    }

    /// Reads the extension into `state` and returns the event's stoppage minutes.
    ///
    /// - Throws: ``WireError/Code/truncated`` when the body ends early; ``WireError/Code/outOfRange``
    ///   for a phase over 10 or a kick's outcome other than 0 or 1; ``WireError/Code/reservedBits``
    ///   for a mark a list does not define (a goal: own goal, penalty; a red card: second yellow;
    ///   others: none); ``WireError/Code/inconsistent`` for a goal both own goal and penalty,
    ///   entries out of time order or after the frame's minute, a substitution across sides or of a
    ///   player by himself, or kicks outside a shoot-out.
    static func readExtension(from reader: inout ByteReader, into state: inout MatchState, minute: UInt8) throws(WireError) -> UInt8 {
        let addedOffset = reader.offset
        let added = try reader.readUInt8(field: "body.added")
        guard added <= maximumAdded else {
            throw WireError(.outOfRange, field: "body.added", offset: addedOffset, "\(added) stoppage minutes; at most \(maximumAdded)")
        }
        let phaseOffset = reader.offset
        let phaseCode = try reader.readUInt8(field: "body.phase")
        guard let phase = MatchPhase(rawValue: phaseCode) else {
            throw WireError(
                .outOfRange, field: "body.phase", offset: phaseOffset, "phase \(phaseCode); expected 0...\(MatchPhase.shootoutOver.rawValue)")
        }
        state.phase = phase
        for index in state.goals.indices {
            let offset = reader.offset
            let (marks, stoppage) = try readMark(&reader, field: "body.goalMarks[\(index)]", allowed: [.ownGoal, .penalty])
            guard marks != [.ownGoal, .penalty] else {
                throw WireError(.inconsistent, field: "body.goalMarks[\(index)]", offset: offset, "a goal is an own goal or a penalty, not both")
            }
            state.goals[index].marks = marks
            state.goals[index].added = stoppage
        }
        for index in state.redCards.indices {
            let (marks, stoppage) = try readMark(&reader, field: "body.redMarks[\(index)]", allowed: [.secondYellow])
            state.redCards[index].marks = marks
            state.redCards[index].added = stoppage
        }
        let yellowCount = Int(try reader.readUInt8(field: "body.yellowCards.count"))
        try reader.require(yellowCount * 3, field: "body.yellowCards")
        var previous: UInt8 = 0
        for index in 0..<yellowCount {
            let player = PlayerRef(byte: try reader.readUInt8(field: "body.yellowCards[\(index)].player"))
            let at = try readMinute(&reader, field: "body.yellowCards[\(index)].minute", after: previous, frame: minute)
            let (_, stoppage) = try readMark(&reader, field: "body.yellowCards[\(index)].mark", allowed: [])
            previous = at
            state.yellowCards.append(Incident(player: player, minute: at, added: stoppage))
        }
        let substitutionCount = Int(try reader.readUInt8(field: "body.substitutions.count"))
        try reader.require(substitutionCount * 4, field: "body.substitutions")
        previous = 0
        for index in 0..<substitutionCount {
            let offOffset = reader.offset
            let off = PlayerRef(byte: try reader.readUInt8(field: "body.substitutions[\(index)].off"))
            let on = PlayerRef(byte: try reader.readUInt8(field: "body.substitutions[\(index)].on"))
            guard off.side == on.side, off != on else {
                throw WireError(
                    .inconsistent, field: "body.substitutions[\(index)]", offset: offOffset,
                    "0x\(hex(off.byte)) off and 0x\(hex(on.byte)) on: a substitution replaces a player by a team-mate")
            }
            let at = try readMinute(&reader, field: "body.substitutions[\(index)].minute", after: previous, frame: minute)
            let (_, stoppage) = try readMark(&reader, field: "body.substitutions[\(index)].mark", allowed: [])
            previous = at
            state.substitutions.append(Substitution(off: off, on: on, minute: at, added: stoppage))
        }
        let kickOffset = reader.offset
        let kickCount = Int(try reader.readUInt8(field: "body.shootout.count"))
        guard kickCount == 0 || phase == .shootout || phase == .shootoutOver else {
            throw WireError(
                .inconsistent, field: "body.shootout.count", offset: kickOffset, "\(kickCount) shoot-out kicks in phase \(phase.identifier)")
        }
        try reader.require(kickCount * 2, field: "body.shootout")
        for index in 0..<kickCount {
            let player = PlayerRef(byte: try reader.readUInt8(field: "body.shootout[\(index)].player"))
            let outcomeOffset = reader.offset
            let outcome = try reader.readUInt8(field: "body.shootout[\(index)].scored")
            guard outcome <= 1 else {
                throw WireError(
                    .outOfRange, field: "body.shootout[\(index)].scored", offset: outcomeOffset, "\(outcome); expected 0 (missed) or 1 (scored)")
            }
            state.shootout.append(ShootoutKick(player: player, scored: outcome == 1))
        }
        return added
    }

    private static func readMark(_ reader: inout ByteReader, field: String, allowed: IncidentMarks) throws(WireError) -> (IncidentMarks, UInt8) {
        let offset = reader.offset
        let byte = try reader.readUInt8(field: field)
        let marks = IncidentMarks(rawValue: byte & IncidentMarks.wireMask)
        guard allowed.isSuperset(of: marks) else {
            throw WireError(
                .reservedBits, field: field, offset: offset,
                "mark bits 0x\(hex(marks.rawValue)) are not defined here; expected a subset of 0x\(hex(allowed.rawValue))")
        }
        return (marks, byte >> 2)
    }

    private static func readMinute(_ reader: inout ByteReader, field: String, after previous: UInt8, frame: UInt8) throws(WireError) -> UInt8 {
        let offset = reader.offset
        let at = try reader.readUInt8(field: field)
        guard at <= frame else {
            throw WireError(.inconsistent, field: field, offset: offset, "minute \(at) is after the frame's minute \(frame)")
        }
        guard at >= previous else {
            throw WireError(
                .inconsistent, field: field, offset: offset, "minute \(at) is before the previous entry's \(previous); entries must be in time order")
        }
        return at
    }
}
