import ArgumentParser
import Foundation
import GroupSigning
import Logging
import Streaming
import Toolkit
import WebRuntime

struct Web: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Serve the live match card to browsers: follow a server's (or relay's) matches and serve pages updated live over Server-Sent Events.",
        discussion: """
            A client of the stream like a relay's upstream side (compact, repairing, reconnecting): it follows \
            every match the upstream lists (or --match), keeps each match's state and events, and serves / (every \
            match), /matches/ID (the card), /matches/ID/events (SSE), /matches/ID.json and /matches/ID/feed.jsonl. \
            See docs/WEB.md.
            """)

    @Option(help: "The server or relay to follow, HOST:PORT ([ADDRESS]:PORT for IPv6).") var upstream: String
    @Option(help: "The matches to follow, comma-separated ids; default: every match the upstream lists, as they appear.")
    var match: String?
    @Option(help: "The HTTP port of the pages (0: any free port).") var port = 8080
    @Option(help: "The address the pages are served on.") var host = "127.0.0.1"
    @Option(help: "Seconds between heartbeat comments on idle event streams.") var heartbeat = 15.0
    @Option(help: "Event streams open at once from one client address; more are refused (429).") var connectionsPerAddress = 8
    @Option(help: "Records an event-stream reader may fall behind by before it is dropped.") var readerBuffer = 64
    @Option(help: "The gateway's own subscriber token, presented upstream (sst1.…, a file holding it, or - for standard input).")
    var token: String?
    @Flag(
        help:
            "Serve pages only to holders of a valid subscriber token (Spec/TOKENS.md): a link with ?token=sst1.… sets a cookie; needs --trusted-key.")
    var requireToken = false
    @Option(help: "An operator public key whose tokens are accepted (ssp1.… or a file holding it); repeatable.") var trustedKey: [String] = []
    @Option(help: "Seconds of clock difference allowed on a token's times.") var tokenSkew: UInt32 = TokenAdmission.defaultSkew
    @Option(
        help:
            "The revocation list file (Spec/TOKENS.md, \"Revocation\"): read at start and again whenever it changes; the open event streams of a token it revokes (or that expires) end within a heartbeat period."
    ) var revocations: String?
    @Option(help: "Serve the pages over TLS (HTTPS) with this PEM certificate chain; needs --tls-key.") var tlsCert: String?
    @Option(help: "The PEM private key of --tls-cert.") var tlsKey: String?
    @OptionGroup var logging: LoggingOptions<WebDefaults>

    func run() async throws {
        var configuration = WebGatewayConfiguration(upstream: try Upstream(parsing: upstream))
        configuration.matches = try match.map(matchIDs) ?? []
        configuration.host = host
        configuration.port = port
        configuration.heartbeat = try Duration.milliseconds(heartbeat * 1000, option: "--heartbeat")
        configuration.connectionsPerAddress = connectionsPerAddress
        configuration.readerBuffer = readerBuffer
        if let token { configuration.subscriberToken = try TokenTool.tokenBytes(token, option: "--token", standardInput: readStandardInput) }
        if requireToken {
            configuration.access = try TokenTool.admission(trusted: trustedKey, skew: tokenSkew, revocations: revocations)
            configuration.revocationFile = revocations
        } else if !trustedKey.isEmpty || revocations != nil {
            throw StreamingError(.configuration, "--trusted-key, --revocations: only with --require-token")
        }
        switch (tlsCert, tlsKey) {
        case (let certificate?, let key?): configuration.tls = (certificate, key)
        case (nil, nil): break
        default: throw StreamingError(.configuration, "--tls-cert and --tls-key: give both, or neither")
        }
        let logFile = logging.logFile
        try PathCheck.foldersExist([("--log-file", logFile)])
        let log = LogFile(path: logFile)
        let logger = log.logger(label: "web", level: logging.logLevel)
        let gateway = try WebGateway(configuration: configuration, logger: logger)
        try log.start(
            "web gateway \(Release.version) started (pid \(getpid())): soccer-stream \(CommandLine.arguments.dropFirst().joined(separator: " "))")
        let stopped = Watch(false)
        let upstream = configuration.upstream
        let (scheme, guarded) = (configuration.tls == nil ? "http" : "https", configuration.access != nil)
        // SIGINT, SIGTERM: stop. SIGHUP: the log file opened again (after logrotate moved it), as a server does.
        let stop: @Sendable (ProcessSignal) async -> Void = { signal in
            guard signal == .hangUp else { return stopped.update { $0 = true } }
            logger.info("SIGHUP received: \(log.reopen() ?? "the log file \(logFile) opened again").")
        }
        try await runWithSignals(logger: logger, handle: stop, services: [gateway]) {
            let address = try await gateway.localAddress()
            StandardOutput.write("Web gateway on \(scheme)://\(address.display)/ following \(upstream); logging to \(logFile). Ctrl+C ends it.\n")
            logger.info("Serving \(scheme)://\(address.display)/, following \(upstream)\(guarded ? "; pages need a subscriber token" : "").")
            _ = await stopped.wait { $0 }
        }
    }
}

/// `web` logs to web.log by default.
enum WebDefaults: LogDefaults {
    static let logFile = "web.log"
}
