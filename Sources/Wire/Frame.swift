/// The body of an event frame, in the format negotiated for its client.
public enum EventBody: Sendable, Hashable {
    /// The compact binary body.
    case compact(CompactEvent)
    /// The original JSON layout.
    case json(OriginalDatagram)
}

/// What a frame carries after its header.
public enum FrameBody: Sendable, Hashable {
    /// A client asks to subscribe (Spec §4.1): its formats, dictionaries, match and token.
    case register(RegisterRequest)
    /// The server accepts a register (§4.3): the match, its teams and words, the format chosen.
    case welcome(Welcome)
    /// The server refuses a register (§4.5), saying why.
    case refuse(Refusal)
    /// One match event (§4.6), in the format the welcome chose.
    case event(EventBody)
    /// The match is over (§4.7), and why.
    case end(EndOfMatch)
    /// A client leaves (§4.1): no body.
    case unregister
    /// A client's keep-alive, or the server's answer to one (§4.2): no body.
    case heartbeat
    /// The server's address challenge (§7.1): the token to echo in the next register.
    case challenge(Challenge)
    /// A client asks for missing events again (§4.8).
    case nack(SequenceRanges)
    /// The server no longer holds these asked-for events (§4.8).
    case unavailable(SequenceRanges)
    /// A client asks which matches the server carries (§4.9).
    case list(ListRequest)
    /// The server's answer to a list request (§4.9): one page of matches.
    case listing(MatchListing)
    /// The server holds no subscription under the frame's identifier (Spec §4.12): no body.
    case reset

    /// The frame kind this body belongs to.
    public var kind: FrameKind {
        switch self {
        case .register: .register
        case .welcome: .welcome
        case .refuse: .refuse
        case .event: .event
        case .end: .end
        case .unregister: .unregister
        case .heartbeat: .heartbeat
        case .challenge: .challenge
        case .nack: .nack
        case .unavailable: .unavailable
        case .list: .list
        case .listing: .listing
        case .reset: .reset
        }
    }

    /// The body format this body is encoded in.
    public var format: BodyFormat {
        switch self {
        case .unregister, .heartbeat, .reset: .none
        case .event(.json): .json
        case .register, .welcome, .refuse, .event(.compact), .end, .challenge, .nack, .unavailable, .list, .listing: .compact
        }
    }
}

/// One SoccerStream datagram: the header's meaningful fields and a body.
///
/// The kind and format follow from the body; the compressed flag and body length from the
/// canonical encoding (``encoded()``).
public struct Frame: Sendable, Hashable {
    /// The sequence number: the event's for event frames, the latest event's for welcome
    /// and end frames, the highest received for heartbeats, 0 otherwise.
    public var sequence: UInt32
    /// The event type (event frames; welcome frames with a current event).
    public var eventType: EventType?
    /// The score after the event (event, welcome and end frames).
    public var score: Score
    /// The match minute (event, welcome and end frames).
    public var minute: UInt8
    /// The body.
    public var body: FrameBody
    /// The subscription identifier (Spec §2.1): drawn by the client for its register, then
    /// carried by every frame of that subscription, both ways; 0 only on a refusal that answers
    /// a register whose identifier could not be read.
    public var subscription: UInt64
    /// Whether this event frame is a retransmission answering a NACK (header flag bit 5).
    public var retransmission = false
    /// Whether this heartbeat says the sender's own source (a relay's upstream) is lost
    /// (header flag bit 6, Spec §4.10).
    public var sourceLost = false
    /// Whether this welcome or event frame uses the extended layout of real matches (header flag
    /// bit 7, Spec §4.13): only a client whose register asked for it gets one.
    public var extended = false
    /// A group event's signature (Spec §4.11): set, the frame is a group event (kind 13) for
    /// the match ``groupMatchID``, its body an event body; nil for every other frame. The
    /// encoder writes these 64 bytes as they are; ``GroupSigningKey/groupEvent(from:matchID:)``
    /// makes signed ones.
    public var groupSignature: [UInt8]?

    /// Creates a frame.
    public init(
        sequence: UInt32 = 0, eventType: EventType? = nil, score: Score = .zero, minute: UInt8 = 0, body: FrameBody,
        subscription: UInt64 = 0
    ) {
        self.sequence = sequence
        self.eventType = eventType
        self.score = score
        self.minute = minute
        self.body = body
        self.subscription = subscription
    }

    /// The frame's kind.
    public var kind: FrameKind { groupSignature != nil ? .groupEvent : body.kind }

    /// The match a group event belongs to: header bytes 15–18 (the subscription field's high
    /// half, Spec §4.11); 0 for other frames.
    public var groupMatchID: UInt32 { groupSignature != nil ? UInt32(truncatingIfNeeded: subscription >> 32) : 0 }

    /// A compact event frame for `event`.
    ///
    /// - Parameters:
    ///   - event: the event, with the match state after it.
    ///   - sequence: the event's sequence number.
    ///   - subscription: the subscriber's identifier; 0 for a frame stamped later (``FrameHeader/stamp(_:into:)``).
    ///   - extended: the extended layout (Spec §4.13), which a real match's event needs.
    public static func compactEvent(_ event: MatchEvent, sequence: UInt32, subscription: UInt64 = 0, extended: Bool = false) -> Frame {
        var frame = Frame(
            sequence: sequence, eventType: event.type, score: event.score, minute: event.minute,
            body: .event(.compact(CompactEvent(event))), subscription: subscription)
        frame.extended = extended
        return frame
    }

    /// A JSON event frame for `event`, its body rendered with `roster` and `catalog`.
    ///
    /// - Parameters:
    ///   - event: the event, with the match state after it.
    ///   - sequence: the event's sequence number (also the body's `count`).
    ///   - roster: the team sheets that name the players.
    ///   - catalog: the phrases, score line and event names, in the client's language.
    ///   - subscription: the subscriber's identifier; 0 for a frame stamped later (``FrameHeader/stamp(_:into:)``).
    /// - Throws: ``WireError/Code/outOfRange`` when the event's template or players are not in
    ///   `catalog` or `roster` (``PhraseCatalog/phrase(for:roster:)``).
    public static func jsonEvent(
        _ event: MatchEvent, sequence: UInt32, roster: Roster, catalog: PhraseCatalog,
        subscription: UInt64 = 0
    ) throws(WireError) -> Frame {
        var frame = Frame(
            sequence: sequence, eventType: event.type, score: event.score, minute: event.minute,
            body: .event(.json(try OriginalDatagram(event: event, sequence: sequence, roster: roster, catalog: catalog))),
            subscription: subscription)
        // A JSON body is the same in both layouts; the header says which kinds it may name.
        frame.extended = !event.type.isBase
        return frame
    }

    /// The event a compact event frame describes, or `nil` for other frames.
    public var compactEvent: MatchEvent? {
        guard case .event(.compact(let body)) = body, let eventType else { return nil }
        return body.event(type: eventType, minute: minute)
    }
}
