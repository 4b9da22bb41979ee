/// The kind of a SoccerStream frame (header byte 3).
public enum FrameKind: UInt8, Sendable, Hashable, CaseIterable, Codable {
    /// Client → server: subscribe, naming the formats accepted.
    case register = 1
    /// Server → client: subscribed; carries what the compact decoder needs.
    case welcome = 2
    /// Server → client: not subscribed, with a reason.
    case refuse = 3
    /// Server → client: one match event.
    case event = 4
    /// Server → client: the match is over.
    case end = 5
    /// Client → server: unsubscribe.
    case unregister = 6
    /// Client → server: still listening; server → client: the answer, still streaming.
    case heartbeat = 7
    /// Server → client: prove you own your address by echoing this token in a register.
    case challenge = 8
    /// Client → server: these events never arrived; send them again (Spec §4.8).
    case nack = 9
    /// Server → client: these events are no longer held; stop asking (Spec §4.8).
    case unavailable = 10
    /// Client → server: which matches do you carry? (Spec §4.9)
    case list = 11
    /// Server → client: the matches, a page at a time (Spec §4.9).
    case listing = 12
    /// Server → multicast group: one match event for every receiver on the group, signed by the
    /// server instead of stamped with a subscription (Spec §4.11).
    case groupEvent = 13
    /// Server → client: "I hold no subscription under this identifier" (a restarted server
    /// answering a heartbeat, NACK or unregister it cannot place): register again now, without
    /// waiting for silence (Spec §4.12, after QUIC's stateless reset).
    case reset = 14

    /// A lower-case name, used in Spec, fixtures and reports.
    public var name: String {
        switch self {
        case .register: "register"
        case .welcome: "welcome"
        case .refuse: "refuse"
        case .event: "event"
        case .end: "end"
        case .unregister: "unregister"
        case .heartbeat: "heartbeat"
        case .challenge: "challenge"
        case .nack: "nack"
        case .unavailable: "unavailable"
        case .list: "list"
        case .listing: "listing"
        case .groupEvent: "group-event"
        case .reset: "reset"
        }
    }
}

/// How a frame's body is encoded (header byte 4, bits 0–1).
public enum BodyFormat: UInt8, Sendable, Hashable, CaseIterable, Codable {
    /// No body.
    case none = 0
    /// The original project's JSON layout (event frames only).
    case json = 1
    /// SoccerStream's binary encoding, optionally DEFLATE-compressed.
    case compact = 2

    /// A lower-case name, as the command line spells it.
    public var name: String {
        switch self {
        case .none: "none"
        case .json: "json"
        case .compact: "compact"
        }
    }

    /// The format named `name`, if any.
    public init?(name: String) {
        guard let match = BodyFormat.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}
