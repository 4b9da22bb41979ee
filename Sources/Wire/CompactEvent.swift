/// The compact body of an event frame: who did what, and the whole state after it.
///
/// With the header (type, minute, score, sequence) and the roster and catalogue from the
/// welcome, it rebuilds everything the JSON body says. Layout (Spec §4.2):
/// `template u8 | actor u8 | opponent u8 | goalCount u8 | goals (player u8, minute u8)… |
/// redCount u8 | red cards (player u8, minute u8)…`, and in an extended frame (Spec §4.13) the
/// real match's details after it (``CompactEvent+Extension.swift``).
public struct CompactEvent: Sendable, Hashable, Codable {
    /// The template index within the event type's list.
    public var template: UInt8
    /// The event's actor.
    public var actor: PlayerRef
    /// The opponent named by templates that need one (always of the other side).
    public var opponent: PlayerRef
    /// Goals and red cards so far (and, in an extended frame, the rest of a real match's state).
    public var state: MatchState
    /// The event's stoppage minutes (extended frames only; 0 otherwise).
    public var added: UInt8

    /// Creates a body.
    public init(template: UInt8, actor: PlayerRef, opponent: PlayerRef, state: MatchState, added: UInt8 = 0) {
        self.template = template
        self.actor = actor
        self.opponent = opponent
        self.state = state
        self.added = added
    }

    /// The body of `event`.
    public init(_ event: MatchEvent) {
        self.init(template: event.template, actor: event.actor, opponent: event.opponent, state: event.state, added: event.added)
    }

    /// The event this body describes, given the header's type and minute.
    public func event(type: EventType, minute: UInt8) -> MatchEvent {
        MatchEvent(type: type, minute: minute, template: template, actor: actor, opponent: opponent, state: state, added: added)
    }

    /// Appends the body, in the extended layout when `extended` (Spec §4.13).
    ///
    /// - Throws: ``WireError/Code/tooLarge`` when the state holds more than 255 goals or 255 red
    ///   cards (or, extended, yellow cards, substitutions or kicks); ``WireError/Code/inconsistent``
    ///   when the body needs the extended layout but `extended` is false, so nothing is lost unsaid.
    public func write(to writer: inout ByteWriter, extended: Bool = false) throws(WireError) {
        guard state.goals.count <= 255, state.redCards.count <= 255 else {
            throw WireError(.tooLarge, field: "body.goals", offset: writer.bytes.count, "more than 255 goals or red cards")
        }
        guard extended || (added == 0 && !state.needsExtension) else {
            throw WireError(
                .inconsistent, field: "body", offset: writer.bytes.count,
                "a real match's details (stoppage time, marks, cards, substitutions, period, shoot-out) need the extended layout")
        }
        writer.writeUInt8(template)
        writer.writeUInt8(actor.byte)
        writer.writeUInt8(opponent.byte)
        for list in [state.goals, state.redCards] {
            writer.writeUInt8(UInt8(list.count))
            for incident in list {
                writer.writeUInt8(incident.player.byte)
                writer.writeUInt8(incident.minute)
            }
        }
        if extended { try writeExtension(to: &writer) }
    }

    /// Reads the body and checks it against the header's `score` and `minute`.
    ///
    /// - Parameters:
    ///   - reader: a reader at the body's first byte.
    ///   - score: the header's score, which the body's goals must add up to.
    ///   - minute: the header's minute; no goal or red card may come after it.
    ///   - extended: the header's extended flag: the real match's details follow (Spec §4.13).
    ///   - type: the header's event type: a substitution's opponent byte names a team-mate.
    /// - Throws: ``WireError/Code/inconsistent`` when the opponent is on the actor's side (or, for a
    ///   substitution, is not), incidents are out of order or after `minute`, a player is sent off
    ///   twice, or the goals do not add up to `score`; ``WireError/Code/truncated`` when the body
    ///   ends early; the extension's errors (``readExtension(from:into:minute:)``).
    public static func read(
        from reader: inout ByteReader, score: Score, minute: UInt8, extended: Bool = false, type: UInt8 = 0
    ) throws(WireError) -> CompactEvent {
        let template = try reader.readUInt8(field: "body.template")
        let actor = PlayerRef(byte: try reader.readUInt8(field: "body.actor"))
        let opponentOffset = reader.offset
        let opponent = PlayerRef(byte: try reader.readUInt8(field: "body.opponent"))
        if type == EventType.substitution.rawValue {
            guard opponent.side == actor.side, opponent != actor else {
                throw WireError(
                    .inconsistent, field: "body.opponent", offset: opponentOffset,
                    "a substitution's opponent byte names the team-mate coming on; 0x\(hex(opponent.byte)) is not one")
            }
        } else {
            guard opponent.side != actor.side else {
                throw WireError(
                    .inconsistent, field: "body.opponent", offset: opponentOffset,
                    "opponent 0x\(hex(opponent.byte)) is on the actor's side")
            }
        }
        let goals = try readIncidents(from: &reader, name: "goals", minute: minute)
        let redCards = try readIncidents(from: &reader, name: "redCards", minute: minute)
        var sentOff = Set<PlayerRef>()
        for (index, card) in redCards.enumerated() where !sentOff.insert(card.player).inserted {
            throw WireError(
                .inconsistent, field: "body.redCards[\(index)].player", offset: reader.offset,
                "player 0x\(hex(card.player.byte)) is sent off twice")
        }
        var state = MatchState(goals: goals, redCards: redCards)
        var added: UInt8 = 0
        if extended { added = try readExtension(from: &reader, into: &state, minute: minute) }
        guard state.score == score else {
            throw WireError(
                .inconsistent, field: "header.score", offset: 10,
                "header says \(score.home)-\(score.away) but the body lists goals for \(state.score.home)-\(state.score.away)")
        }
        return CompactEvent(template: template, actor: actor, opponent: opponent, state: state, added: added)
    }

    static func readIncidents(from reader: inout ByteReader, name: String, minute: UInt8) throws(WireError) -> [Incident] {
        let count = Int(try reader.readUInt8(field: "body.\(name).count"))
        try reader.require(count * 2, field: "body.\(name)")
        var incidents: [Incident] = []
        incidents.reserveCapacity(count)
        var previous: UInt8 = 0
        for index in 0..<count {
            let player = PlayerRef(byte: try reader.readUInt8(field: "body.\(name)[\(index)].player"))
            let minuteOffset = reader.offset
            let at = try reader.readUInt8(field: "body.\(name)[\(index)].minute")
            guard at <= minute else {
                throw WireError(
                    .inconsistent, field: "body.\(name)[\(index)].minute", offset: minuteOffset,
                    "minute \(at) is after the frame's minute \(minute)")
            }
            guard at >= previous else {
                throw WireError(
                    .inconsistent, field: "body.\(name)[\(index)].minute", offset: minuteOffset,
                    "minute \(at) is before the previous entry's \(previous); entries must be in time order")
            }
            previous = at
            incidents.append(Incident(player: player, minute: at))
        }
        return incidents
    }
}
