import Wire

/// What a server did, returned when it stops.
public struct ServerSummary: Sendable {
    /// Nothing streamed yet.
    public init() {}

    /// Matches streamed (started).
    public var matches = 0
    /// Events streamed, over all matches.
    public var events = 0
    /// Datagrams sent to clients (events, welcomes, refusals, ends).
    public var datagramsSent = 0
    /// Datagrams rejected, by reason.
    public var rejects: [String: Int] = [:]
    /// Datagrams not sent because they failed to encode, by what they were (0 unless a bug).
    public var encodingFailures: [String: Int] = [:]
    /// Events sent again on request (Spec §4.8).
    public var repairsSent = 0
    /// Sequence numbers answered "unavailable".
    public var unavailableSent = 0
    /// Feed lines refused (Spec/FEED.md), skipped or stopping their feed.
    public var badFeedLines = 0
    /// Signed group events sent to the multicast group (Spec §4.11), one per event, match and
    /// format some subscriber takes there; and those dropped on purpose (hidden `--group-loss`).
    public var groupSent = 0
    public var groupDropped = 0
    /// Datagrams (and their bytes) to original-protocol clients that their byte budget held back.
    /// The feeds that closed without giving a match (no usable line-ups), each with the first
    /// problem its lines had: said on the terminal, and the exit status when they were all
    /// the server carried.
    public var feedsWithoutMatch: [(feed: String, problem: String?)] = []
    /// The first bad line of each feed (by index), for ``feedsWithoutMatch``.
    package var firstFeedProblems: [Int: String] = [:]
    /// Resets sent to clients of subscriptions this server does not hold (Spec §4.12).
    public var resetsSent = 0
    public var originalBudgetDropped = 0
    public var originalBudgetDroppedBytes = 0
}
