import Wire

/// How a ``StreamClient`` connects.
public struct ClientConfiguration: Sendable {
    /// The server's host name or address.
    public var server: String = "127.0.0.1"
    /// The server's UDP port.
    public var port: Int = 12345
    /// The preferred body format.
    public var format: BodyFormat = .compact
    /// Also accept the other format when the preferred one is not offered.
    public var allowFallback: Bool = true
    /// The preset compression dictionaries to offer in the register, best first.
    public var dictionaries: [CompressionDictionary] = [.standard]
    /// Speak the original protocol (to an original server).
    public var original: Bool = false
    /// The original server's interval in seconds, for jitter (it does not announce it).
    public var originalInterval: Double?
    /// How many register attempts before giving up.
    public var registerAttempts: Int = 6
    /// The wait after the first attempt; it doubles after each (at most 2 s, 8 s for original).
    public var initialBackoff: Duration = .milliseconds(250)

    /// After the welcome, give up when nothing has come from the server for this long
    /// (at least three event intervals).
    public var serverTimeout: Duration = .seconds(15)
    /// Write every datagram received to this classic pcap file (raw IP link type).
    public var capturePath: String?

    /// Creates the default configuration.
    public init() {}

    /// The formats the register frame lists, best first.
    public var acceptedFormats: [BodyFormat] {
        guard allowFallback else { return [format] }
        return [format] + [BodyFormat.compact, .json].filter { $0 != format }
    }
}
