import GroupSigning
import RuntimeSupport
import ServerEngine

/// What a web gateway (`soccer-stream web`, or `server`/`relay --web-port`) follows and serves.
public struct WebGatewayConfiguration: Sendable {
    /// The stream it follows: a server or relay (UDP).
    public var upstream: Upstream
    /// The matches to follow; empty: every match the upstream lists, as they appear.
    public var matches: [UInt32] = []
    /// Where the pages are served (HTTP).
    public var host = "127.0.0.1"
    public var port = 8080
    /// The comment line that keeps idle event streams open through proxies, this often.
    public var heartbeat: Duration = .seconds(15)
    /// Records an event-stream reader may fall behind by before it is dropped (its memory is
    /// bounded by this, never by how slow it is).
    public var readerBuffer = 64
    /// Event streams open at once from one client address; more are refused (429).
    public var connectionsPerAddress = 8
    /// How often the upstream is asked for its list of matches, to follow new ones (the protocol
    /// announces no new match to a client: a listing is how one learns of it, Spec §4.9).
    public var listEvery: Duration = .seconds(5)
    /// Silence from the upstream before registering again (as a relay's upstream side).
    public var upstreamTimeout: Duration = .seconds(5)
    /// The gateway's own subscriber token, presented upstream (`web --token`, Spec/TOKENS.md).
    public var subscriberToken: [UInt8] = []
    /// Who may see the pages (`web --require-token`): nil, anyone who can reach them.
    public var access: TokenAdmission?
    /// The revocation list's file (`web --revocations`): read again whenever it changes; open
    /// event streams of tokens it revokes (or that expire) end within a heartbeat period.
    public var revocationFile: String?
    /// The certificate chain and private key (PEM files) to serve the pages over TLS
    /// (`--tls-cert`, `--tls-key`); nil: plain HTTP.
    public var tls: (certificate: String, key: String)?

    public init(upstream: Upstream) {
        self.upstream = upstream
    }

    /// Checks the ranges.
    ///
    /// - Throws: ``StreamingError`` (`configuration`) naming the setting.
    public func validate() throws(StreamingError) {
        guard (0...65535).contains(port) else { throw StreamingError(.configuration, "--port: \(port); expected 0...65535") }
        guard (1...65535).contains(upstream.port) else {
            throw StreamingError(.configuration, "--upstream: port \(upstream.port); expected 1...65535")
        }
        guard (1...10_000).contains(readerBuffer) else {
            throw StreamingError(.configuration, "--reader-buffer: \(readerBuffer); expected 1...10000")
        }
        guard (1...1_000).contains(connectionsPerAddress) else {
            throw StreamingError(.configuration, "--connections-per-address: \(connectionsPerAddress); expected 1...1000")
        }
        if let access, access.trusted.isEmpty {
            throw StreamingError(.configuration, "--require-token: no trusted key (--trusted-key); expected at least one")
        }
        guard heartbeat >= .milliseconds(100) else { throw StreamingError(.configuration, "--heartbeat: \(heartbeat); at least 0.1 s") }
    }
}
