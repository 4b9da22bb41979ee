import Match
import Wire

/// How a ``StreamServer`` runs.
public struct ServerConfiguration: Sendable {
    /// The address to bind (`0.0.0.0`, `::`, `127.0.0.1`...).
    public var host: String = "0.0.0.0"
    /// The UDP port; 0 picks a free one.
    public var port: Int = 12345
    /// The time between events.
    public var interval: Duration = .seconds(1)
    /// The seed of the (first) match.
    public var seed: UInt64 = 1
    /// The body formats offered to SoccerStream clients.
    public var formats: [BodyFormat] = [.compact, .json]
    /// The language of phrases and event names.
    public var language: Language = .en
    /// Start a match only once this many clients are registered (0: at once).
    public var waitForClients: Int = 0
    /// Start a new match (seed + 1) after each one instead of exiting.
    public var loop: Bool = false
    /// Matches streamed back to back as one stream (seeds seed, seed + 1, ...): clients stay
    /// subscribed and sequence numbers run on; the end frame follows the last.
    public var matches: Int = 1
    /// The most clients served at once; more are refused as "server full".
    public var maxClients: Int = 10_000
    /// The sequence number of the first event.
    public var firstSequence: UInt32 = 0
    /// The heartbeat interval announced to clients, in seconds.
    public var heartbeatSeconds: UInt8 = 5
    /// How many times the end of the match is sent to each client (UDP loses packets).
    public var endRepeats: Int = 3
    /// Whether original-protocol clients (`register` text) are served.
    public var originalAllowed: Bool = true
    /// A SoccerStream client silent (no heartbeat) for longer is dropped.
    public var clientTimeout: Duration = .seconds(15)
    /// New subscriptions allowed per client IP per second (0: unlimited).
    public var registerRate: Double = 20
    /// New subscriptions one client IP may make at once before ``registerRate`` applies;
    /// nil means twice the rate.
    public var registerBurst: Double? = nil
    /// The preset compression dictionaries the server agrees to use, when a client's register
    /// lists one of them (the client's order decides).
    public var dictionaries: [CompressionDictionary] = [.standard]
    /// The largest datagram the server accepts from a client; larger ones are rejected unread.
    /// (Reads land in 2,048-byte slots, so values of 2,048 or more change nothing.)
    public var maximumInboundDatagram: Int = 1024

    /// Creates the default configuration.
    public init() {}

    /// The interval in microseconds, as the welcome announces it.
    public var intervalMicroseconds: UInt32 {
        let (seconds, attoseconds) = interval.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return UInt32(clamping: micros)
    }
}
