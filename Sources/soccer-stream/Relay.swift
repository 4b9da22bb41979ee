import ArgumentParser
import Logging
import Streaming
import Toolkit
import Wire

struct Relay: ServingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow matches of an upstream server (or relay) and serve them to clients of its own.",
        discussion: """
            Upstream, a relay is a normal client (compact, repairing, registering again after silence); \
            downstream, a full server (negotiation, both formats, the original protocol, identifiers, repair, \
            --list, metrics, a durable match log). Events keep their match id, sequence numbers and content end \
            to end, and it never sends a client anything its upstream did not send. With several --upstream, the \
            next takes over when one stays silent for --upstream-timeout (after registering again for as long).
            """)

    @Option(
        name: [.customLong("upstream"), .customLong("server")],
        help:
            "An upstream server or relay, HOST:PORT ([ADDRESS]:PORT for IPv6); repeat for alternatives, tried in order. (--server: the same, as client and impair spell where the server is.)"
    )
    var upstream: [String] = []
    @Option(help: "The upstream matches to relay, comma-separated ids (from client --list); default: the upstream's first live match.")
    var match: String?
    @Flag(
        help:
            "Follow only the matches the relay's clients ask for: subscribe upstream at a client's register, unsubscribe when a match's last client leaves (instead of --match)."
    )
    var onDemand = false
    @Option(
        parsing: .unconditional, help: "Seconds of silence from an upstream before registering again, and then before the next upstream takes over.")
    var upstreamTimeout = 5.0
    @Flag(
        help:
            "Take the upstream's events from its multicast group when its welcome offers one (a relay on the upstream's network); by default from the upstream's unicast stream."
    )
    var upstreamMulticast = false
    @Option(help: "The relay's own subscriber token, presented to its upstreams (sst1.…, a file holding it, or - for standard input).")
    var token: String?
    @OptionGroup var logging: LoggingOptions<RelayDefaults>
    @OptionGroup var serving: ServingOptions

    var logFile: String { logging.logFile }
    var logLevel: Logger.Level { logging.logLevel }

    static let what = "SoccerStream relay"
    static let ending = "Ctrl+C stops it"

    func run() async throws {
        try await serveLayered()
    }

    /// The relay's configuration as these options say.
    func makeConfiguration() throws -> ServerConfiguration {
        guard !upstream.isEmpty else { throw ValidationError("--upstream HOST:PORT is required (the server or relay to follow)") }
        var configuration = ServerConfiguration()
        try serving.apply(to: &configuration, logFile: logFile)
        configuration.simulate = 0
        configuration.upstreams = try upstream.map { try Upstream(parsing: $0) }
        configuration.upstreamTimeout = try duration(seconds: upstreamTimeout, option: "--upstream-timeout")
        configuration.upstreamOnDemand = onDemand
        configuration.upstreamMulticast = upstreamMulticast
        if let token { configuration.upstreamToken = try TokenTool.tokenBytes(token, option: "--token", standardInput: readStandardInput) }
        if let match {
            configuration.upstreamMatches = try matchIDs(match)
        }
        return configuration
    }
}
