import GroupSigning
import Match
import RuntimeSupport
import Wire

/// The client's protocol logic, free of I/O: it turns each datagram from the server into
/// what to show, keeps the statistics, and says when the server has fallen silent. It reads
/// the time from an injected ``ProtocolClock``.
public struct ClientSession: Sendable {
    /// What a datagram meant.
    public enum Reception: Sendable {
        /// Subscribed; the latest event so far, if the match has started.
        case welcomed(Welcome, LiveSnapshot?)
        /// Not subscribed.
        case refused(Refusal)
        /// Subscribed no longer: the server cut the subscription off (its token expired or was
        /// revoked, Spec §4.5).
        case cutOff(Refusal)
        /// An event to show.
        case event(LiveSnapshot, ReceptionStatistics.Outcome)
        /// A repeat of an event already shown.
        case duplicate(UInt32)
        /// The match is over.
        case ended(EndReason)
        /// The server asks for its address token to be echoed in a new register.
        case challenged([UInt8])
        /// The server answered a heartbeat.
        case keepalive
        /// Not for us, or malformed.
        case ignored(String)
        /// Rejected as forged or implausible (Spec §2.1, §6.1): another subscription's
        /// identifier, or a sequence the stream has not confirmed. Counted in ``rejected``.
        case rejected(String)
        /// A missing event arrived as a retransmission (Spec §4.8), this many seconds after it
        /// was noticed missing.
        case repaired(LiveSnapshot, delay: Double?)
        /// The server no longer holds these missing events: given up.
        case unavailable([UInt32])
        /// The server holds no subscription under this client's identifier (Spec §4.12: it
        /// restarted without keeping it): register again now.
        case reset
    }

    /// Whether this session speaks the original protocol.
    public let original: Bool
    /// The welcome, once received.
    public internal(set) var welcome: Welcome?
    /// What the network did to the stream.
    public internal(set) var statistics = ReceptionStatistics()
    /// The latest snapshot shown.
    public internal(set) var latest: LiveSnapshot?
    /// Set once the end arrived.
    public internal(set) var endReason: EndReason?
    /// Nominal seconds between events, for jitter (from the welcome, or given for original servers).
    public internal(set) var interval: Double?
    /// When anything last came from the server (monotonic seconds).
    public internal(set) var lastHeard: Double? {
        didSet {
            // The first datagram after a silence ends it (a relay's lost source ends otherwise: in receive).
            if let heard = lastHeard, let last = outages.indices.last, outages[last].end == nil, outages[last].kind == .serverSilent {
                outages[last].end = heard
            }
        }
    }

    /// A time the server was silent past the client's timeout and the client registered again
    /// (`--reconnect-for`): when it was last heard, when it was heard again, and the sequences
    /// around it, from which the events missed during it (and repaired since) are counted.
    public struct Outage: Sendable, Hashable {
        /// What happened.
        public enum Kind: String, Sendable, Hashable {
            /// The server fell silent and the client registered again.
            case serverSilent = "server_silent"
            /// The server (a relay) said its own source was lost (Spec §4.10).
            case sourceLost = "source_lost"
        }
        public var kind: Kind = .serverSilent
        /// When the server was last heard before it (clock seconds).
        public var start: Double
        /// When it was heard again; nil while it lasts.
        public var end: Double?
        /// The highest sequence received before it (extended).
        package var highestBefore: Int64?
        /// The first event received after it (extended).
        package var firstAfter: Int64?
        /// How long it lasted, once over.
        public var duration: Double? { end.map { $0 - start } }
    }
    /// The outages so far, oldest first.
    public internal(set) var outages: [Outage] = []
    /// Registering again after an outage, until welcomed again.
    public internal(set) var reregistering = false
    /// Resets received: the server held no subscription for this client (Spec §4.12).
    public internal(set) var resets = 0
    /// Times the subscription was confirmed again after an outage: a welcome answering a
    /// register sent after it, or a restarted server that kept it streaming to it again.
    public internal(set) var welcomedAgain = 0
    /// The server's word that its own source is lost, as last yielded (``ClientEvent/outage(lost:)``).
    var sourceLostYielded = false
    /// The end was yielded (``ClientEvent/ended(_:)``): once.
    var endYielded = false

    /// The latest address token from a challenge, to echo in the next register.
    public internal(set) var token: [UInt8] = []
    /// When the session started (clock seconds): silence counts from here until the first datagram.
    public let startedAt: Double
    let clock: any ProtocolClock

    /// Creates a session; `originalInterval` is the original server's interval, when known.
    /// The subscription identifier this session's register carries and every frame of the
    /// subscription must carry (Spec §2.1): drawn from the system's cryptographically secure
    /// generator, a fresh one for every session. Unused by the original protocol.
    public let subscription: UInt64
    /// Datagrams with another subscription's identifier (forged, or stale from an earlier run).
    public internal(set) var wrongIdentifier = 0

    /// Datagrams rejected: another subscription's identifier, or an implausible sequence never
    /// confirmed (Spec §6.1), or a group datagram forged or replayed (Spec §4.11).
    public var rejected: Int { wrongIdentifier + statistics.implausible + group.forged + group.replayed + unauthentic }

    /// The key group events must be signed with, pinned by `client --server-key`: a welcome
    /// that offers another key is not followed to its group.
    public var pinnedKey: GroupPublicKey?
    /// The multicast group the welcome offered (Spec §4.11), when its key is acceptable (the
    /// pinned one, or any without a pin): the client may join it.
    public internal(set) var groupOffer: MulticastOffer?
    /// The key the offered group's events are checked with.
    public internal(set) var groupKey: GroupPublicKey?
    /// A welcome offered a group whose key is not the pinned one: that key.
    public internal(set) var refusedKey: GroupPublicKey?
    /// What came from the multicast group (Spec §4.11).
    public internal(set) var group = GroupFigures()

    /// What came from the multicast group.
    public struct GroupFigures: Sendable, Hashable {
        /// Signed group events of this match and format taken (first time or late).
        public var accepted = 0
        /// Group datagrams of this match whose signature is not the server's key: forged, rejected.
        public var forged = 0
        /// Correctly signed group events already held: replayed (or duplicated by the network), rejected.
        public var replayed = 0
        /// Group datagrams of other matches or formats (the group carries them all): ignored.
        public var others = 0
        /// Group datagrams that are no group event, or do not decode: ignored.
        public var malformed = 0
        /// Events repaired since the last group event taken: many in a row, and the group does
        /// not reach this receiver (its client goes back to unicast).
        public var repairedInARow = 0

        /// Figures with these counts.
        public init(accepted: Int = 0, forged: Int = 0, replayed: Int = 0, others: Int = 0, malformed: Int = 0) {
            (self.accepted, self.forged, self.replayed, self.others, self.malformed) = (accepted, forged, replayed, others, malformed)
        }
    }

    /// Whether missing events are asked for again (Spec §4.8; `client --no-repair` turns it off).
    public let repairs: Bool
    /// Events noticed missing, by extended sequence, waiting for a retransmission.
    var pending: [Int64: PendingRepair] = [:]
    struct PendingRepair: Sendable {
        package var noticed: Double
        package var attempts = 0
        package var due: Double
        /// When the last NACK for it went out.
        package var asked: Double?
    }
    /// The repair round trip's estimate (RFC 6298's SRTT, RTTVAR and RTO, with Karn's rule).
    public internal(set) var repairTimer = RepairTimer(initial: ClientSession.repairBackoff, cap: ClientSession.repairTimeoutCap)
    /// The highest extended sequence whose predecessors have been checked for gaps.
    var checkedUpTo: Int64?
    /// From the welcome: the first sequence owed, and the one a heartbeat answer must exceed to
    /// reveal events before any has arrived (the welcome's own: its latest event, or, before
    /// kick-off, the first event, which an answer names before it is sent).
    var firstOwed: Int64?
    var revealFloor: Int64?
    /// Events waiting to be logged in sequence order behind a missing one.
    var logQueue: [Int64: (snapshot: LiveSnapshot, repaired: Bool)] = [:]
    var nextToLog: Int64?
    var loggable: [(snapshot: LiveSnapshot, repaired: Bool)] = []

    /// NACKs per missing event before it is given up.
    public static let repairAttempts = 12
    /// The wait before the first NACK for a gap (reordering usually fills it sooner).
    public static let firstNackDelay = 0.01
    /// The first retry's wait before any repair round trip has been measured; each further retry
    /// doubles the wait, up to ``repairBackoffCap`` or the measured timeout, whichever is larger.
    public static let repairBackoff = 0.02
    public static let repairBackoffCap = 0.5
    /// The largest repair timeout the round-trip estimate may reach.
    public static let repairTimeoutCap = 2.0
    /// The largest gap asked for; beyond it, the events are given up at once.
    public static let maximumGap: Int64 = 4096

    /// Creates a session; `originalInterval` is the original server's interval, when known.
    /// Encryption (Spec/ENCRYPTION.md): the key share this client offers in its registers (nil:
    /// none, `--encrypt off`), and whether it requires its subscription sealed.
    public var keyShare: KeyShare?
    /// Whether a welcome in clear stops the client (`--encrypt required`).
    public var requiresSealing = false
    /// The subscription key agreed with the server's share of the last sealed welcome; nil while
    /// the subscription is in clear.
    public internal(set) var subscriptionKey: SubscriptionKey?
    /// The server share that key was agreed with.
    var serverShare: [UInt8] = []
    /// Frames under this subscription's identifier rejected because they are not authentic:
    /// a sealed body that does not open, or a frame that must be sealed arriving in clear.
    public internal(set) var unauthentic = 0
    /// The group keys by epoch, from a sealed welcome's offer (Spec/ENCRYPTION.md, "Multicast").
    public internal(set) var groupKeys: [UInt8: SubscriptionKey] = [:]

    /// `subscription` is for tests; by default a fresh random identifier (never 0).
    /// Continuing an earlier run of this client (``ClientProgress``): its match, and the last
    /// event it logged; every later one is owed, and asked for once the welcome says how far
    /// the match got.
    public var resumeAfter: (match: UInt32, sequence: UInt32)?

    public init(
        original: Bool, originalInterval: Double? = nil, clock: any ProtocolClock = SystemClock(),
        subscription: UInt64 = UInt64.random(in: 1...UInt64.max), repairs: Bool = true
    ) {
        self.subscription = subscription
        self.repairs = repairs && !original
        self.original = original
        self.interval = original ? originalInterval : nil
        self.clock = clock
        self.startedAt = clock.now()
    }

    /// Whether the client is subscribed: welcomed, or (original protocol, which has no welcome)
    /// receiving events.
    public var subscribed: Bool { original ? statistics.received > 0 : welcome != nil }

    /// How often to send a heartbeat, once welcomed (nil: never, or not yet welcomed).
    public var heartbeatPeriod: Duration? {
        guard let seconds = welcome?.heartbeatSeconds, seconds > 0 else { return nil }
        return .seconds(Int(seconds))
    }

    /// How long the server may stay silent before the client gives up: `configured`, but at
    /// least three event intervals.
    public func silenceLimit(configured: Duration) -> Duration {
        max(configured, .seconds((interval ?? 0) * 3))
    }

    /// Seconds since anything came from the server (or since the session started).
    public var silence: Double { clock.now() - (lastHeard ?? startedAt) }

    /// Whether the server has been silent for longer than `limit` (see ``silenceLimit(configured:)``).
    public func serverSilent(limit: Duration) -> Bool { silence > limit.inSeconds }

    /// Whether the run is over: the end arrived and no repair is outstanding.
    public var finished: Bool { endReason != nil && pending.isEmpty }

    /// Whether repairs are outstanding.
    public var repairsOutstanding: Int { pending.count }

    /// When the next NACK is due (clock seconds), if any.
    public var nextRepairDue: Double? { pending.values.map(\.due).min() }
}
