import ArgumentParser
import CommandSettings
import Foundation
import GroupSigning
import Logging
import Match
import Monitoring
import NIOCore
import ServiceLifecycle
import Streaming
import Synchronization
import Toolkit
import WebRuntime
import Wire

struct Server: ServingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stream a simulated match to every registered client.",
        discussion: """
            Logs: the server writes its log to --log-file (server.log in the current directory by default, \
            appended to, never truncated, one process at a time; each start writes a header line): start-up, registrations, kick-offs, ends, rejects and totals, in the original \
            project's wording; --log-level debug adds a line per datagram sent. The terminal shows one line at start \
            (where the log goes), one at the end, and errors.
            """)

    @OptionGroup var pace: PaceOptions<ServerDefaults>
    @OptionGroup var match: MatchOptions
    @OptionGroup var logging: LoggingOptions<ServerDefaults>
    @OptionGroup var serving: ServingOptions
    @Option(help: .hidden) var crashAfterLogging: Int?
    @Option(help: .hidden) var crashAfterSending: Int?
    @Option(help: "Start the match once this many clients are registered.") var waitForClients = 0
    @Flag(help: "Replace each match that ends by the next (seed + 1) instead of exiting.") var loop = false
    @Option(
        help:
            "Simulated matches carried at once (1...1000): match 1 is the original Galáticos vs The Bests, the others distinct pairs of built-in clubs. Clients pick one with client --match (ids from client --list)."
    )
    var simulate: Int?
    @Option(
        help:
            "A live feed in JSON Lines (Spec/FEED.md; `soccer-stream simulate --jsonl` writes one), one match per feed: a file, followed as it grows (tail -f), or - for standard input. Repeatable. With feeds, --simulate defaults to 0."
    )
    var feed: [String] = []
    @Option(
        help: ArgumentHelp(
            "How feed events are timed: a speed (2: twice the recorded pace) or max (each line as it arrives). Default: a feed whose events carry \"at\" times replays at its recorded pace, one without streams each line as it arrives.",
            discussion: "An event line that does not fit the pace (no \"at\" in a paced feed) is a bad line (--on-bad-line).",
            valueName: "speed|max"))
    var replaySpeed: ReplayPace = .recorded
    @Option(help: "A feed line that cannot be used: skip it (logged with its line number) or stop that feed (its match ends as abandoned).")
    var onBadLine: BadLinePolicy = .skip
    @Option(help: "Matches streamed back to back as one stream (clients stay subscribed).") var matches = 1

    static let what = "SoccerStream server"
    static let ending = "Ctrl+C ends the match"

    var logFile: String { logging.logFile }
    var logLevel: Logger.Level { logging.logLevel }

    func run() async throws {
        try await serveLayered()
    }

    /// The server's configuration as these options say.
    func makeConfiguration() throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        try serving.apply(to: &configuration, logFile: logFile)
        configuration.interval = try pace.pace()
        configuration.seed = match.seed
        configuration.language = match.language
        configuration.waitForClients = waitForClients
        configuration.loop = loop
        configuration.matches = matches
        configuration.simulate = simulate ?? (feed.isEmpty ? 1 : 0)
        configuration.feeds = feed
        configuration.replayPace = replaySpeed
        configuration.onBadLine = onBadLine
        configuration.crashAfterLogging = crashAfterLogging
        configuration.crashAfterSending = crashAfterSending
        return configuration
    }
}

/// What every server serves downstream, whatever its matches come from (`server`, `relay`):
/// its socket, formats, clients, repair, durable log and metrics. One set of options and one
/// way to run, for both commands.
struct ServingOptions: ParsableArguments {
    @Option(
        help:
            "A JSON configuration file: an object whose keys are these options' long names (\"max-clients\": 500). Flags win over SOCCERSTREAM_* environment variables (SOCCERSTREAM_MAX_CLIENTS=500), which win over the file. SIGHUP reads it again: limits, rates and --log-level apply at once; the rest is logged as needing a restart. Default: $SOCCERSTREAM_CONFIG."
    )
    var config: String?
    @OptionGroup var listen: ListenOptions<ServerDefaults>
    @Option(help: "The formats offered: any, compact or json.") var format: OfferChoice = .any
    @Option(
        help:
            "Where the durable match log lives (every event is written there before it is sent); default: named after --log-file, beside it: soccer-stream-data for server.log, NAME-data for NAME.log; none: no log. One process per data directory (a second is refused)."
    )
    var dataDir: String?
    @Flag(help: "Discard the match log's unfinished matches instead of resuming them.") var fresh = false
    @Option(
        parsing: .unconditional,
        help:
            "After a crash, a restarted server goes on sending a resumed match to the subscriptions kept in its match log (original-protocol and SoccerStream clients) only if it is back within this many seconds; 0: never (SoccerStream clients are then reset and register again)."
    )
    var originalResumeWithin = 120.0
    @Option(help: "Serve Prometheus metrics over HTTP at http://METRICS-HOST:PORT/metrics (off by default; 0: any free port).")
    var metricsPort: Int?
    @Option(help: "The address the metrics endpoint binds (only with --metrics-port).") var metricsHost = "127.0.0.1"
    @Option(help: "Also serve the live match card to browsers at http://WEB-HOST:PORT/ (docs/WEB.md; 0: any free port).")
    var webPort: Int?
    @Option(help: "The address the web pages bind (only with --web-port).") var webHost = "127.0.0.1"
    @Option(help: "The most clients served at once.") var maxClients = 10_000
    @Flag(help: "Admit subscribers with a valid token only (Spec/TOKENS.md; needs --trusted-key and --original deny).") var requireToken = false
    @Option(help: "An operator public key whose tokens are accepted (ssp1.… or a file holding it); repeatable.") var trustedKey: [String] = []
    @Option(help: "Seconds of clock difference allowed on a token's times.") var tokenSkew: UInt32 = TokenAdmission.defaultSkew
    @Option(
        help:
            "Seal subscriptions (Spec/ENCRYPTION.md): preferred seals those whose register offers a key share; required seals all (needs --original deny); off seals none."
    )
    var encrypt: EncryptionPolicy = .off
    @Option(
        help:
            "With --encrypt and --multicast: seconds a group key seals the group's events before the next epoch's replaces it (each cut-off rotates it too; Spec/ENCRYPTION.md)."
    )
    var groupKeyLifetime = 600.0
    @Option(
        help:
            "The revocation list file (Spec/TOKENS.md, \"Revocation\"): read at start, again whenever it changes and on SIGHUP; a subscriber it revokes is cut off at once."
    ) var revocations: String?
    @Option(
        name: [.customLong("original"), .customLong("legacy")],
        help: ArgumentHelp(
            "Serve original-protocol clients (allow, from loopback and private addresses unless --original-from says more) or not (deny). (--legacy: version 1's spelling, kept so existing scripts work.)",
            discussion: """
                The original protocol carries no subscription identifier and no address check, so anyone who can \
                forge a source address can, with one datagram: register any address (the server then sends it \
                about 3 KB per event: a reflection attack on a third party), or unregister any original client \
                (its stream stops). So by default (protected mode) its registers are accepted only from loopback \
                and private ranges (127/8, ::1, 10/8, 172.16/12, 192.168/16, fc00::/7), and what original clients \
                off loopback are sent is capped by --original-budget and --original-budget-total. SoccerStream \
                clients are not affected (protocol version 2 validates every address).
                """))
    var original: OriginalPolicy = .allow
    @Option(
        help: ArgumentHelp(
            "Also accept original-protocol registers from this address range (CIDR, e.g. 198.51.100.0/24; repeatable). Each is a range from which a forged register can point the stream at a third party: a warning says so.",
            valueName: "cidr"))
    var originalFrom: [String] = []
    @Option(
        help: "Bytes per second that original-protocol clients off loopback in one /24 (IPv6: /56) may be sent together; more is dropped and counted."
    )
    var originalBudget = OriginalBudgetSettings().perPrefix
    @Option(help: "Bytes per second that all original-protocol clients off loopback may be sent together.")
    var originalBudgetTotal = OriginalBudgetSettings().total
    @Option(parsing: .unconditional, help: "Seconds without a heartbeat before a client is dropped.") var clientTimeout = 15.0
    @Option(help: "The preset compression dictionary to use with clients that offer it: standard or none.")
    var dictionary: DictionaryChoice = .standard
    @Option(parsing: .unconditional, help: "New subscriptions per client IP per second (0: unlimited).") var registerRate = 20.0
    @Option(parsing: .unconditional, help: "Seconds to keep answering repair requests (NACKs) after the last match, before exiting.")
    var repairGrace = 5.0
    @Option(
        parsing: .unconditional,
        help: "Events one subscription may have sent again per second (its repair budget; default: 4 times the stream's rate, at least 10).")
    var repairRate: Double?
    @Option(parsing: .unconditional, help: "New subscriptions one client IP may make at once (default: twice --register-rate).") var registerBurst:
        Double?
    @Option(
        help:
            "Also send every event to this IPv4 multicast group (GROUP:PORT, e.g. 239.1.2.3:5000), once per match and format, signed with Ed25519, for the clients that join it; registration, heartbeats and repair stay unicast."
    )
    var multicast: String?
    @Option(help: "The interface (name or IPv4 address) group datagrams leave by (only with --multicast; default: the route's).")
    var multicastInterface: String?
    @Option(help: "How many routers a group datagram may cross (only with --multicast; 1: this network only).") var multicastTtl = 1
    @Option(parsing: .unconditional, help: .hidden) var groupLoss = 0.0

    /// Sets what these options say in `configuration`.
    func apply(to configuration: inout ServerConfiguration, logFile: String) throws {
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw StreamingError(.configuration, "--metrics-port: \(metricsPort); expected 0...65535")
        }
        if let webPort, !(0...65535).contains(webPort) {
            throw StreamingError(.configuration, "--web-port: \(webPort); expected 0...65535")
        }
        if webPort != nil, !format.formats.contains(.compact) {
            throw StreamingError(
                .configuration, "--web-port: the pages follow the stream in the compact format, which --format \(format) does not offer")
        }
        configuration.host = listen.host
        configuration.port = listen.port
        configuration.formats = format.formats
        configuration.maxClients = maxClients
        configuration.encryption = encrypt
        configuration.groupKeyLifetime = try duration(seconds: groupKeyLifetime, option: "--group-key-lifetime")
        if requireToken {
            configuration.tokenAdmission = try TokenTool.admission(trusted: trustedKey, skew: tokenSkew, revocations: revocations)
            configuration.revocationFile = revocations
        } else if !trustedKey.isEmpty || revocations != nil {
            throw StreamingError(.configuration, "--trusted-key, --revocations: only with --require-token")
        }
        configuration.originalAllowed = original == .allow
        configuration.originalFrom = try originalFrom.map { try AddressRange(parsing: $0) }
        configuration.originalBudget.perPrefix = originalBudget
        configuration.originalBudget.total = originalBudgetTotal
        configuration.clientTimeout = try duration(seconds: clientTimeout, option: "--client-timeout")
        configuration.registerRate = registerRate
        configuration.registerBurst = registerBurst
        configuration.repairGrace = try duration(seconds: repairGrace, option: "--repair-grace")
        configuration.repairRate = repairRate
        configuration.dictionaries = dictionary.dictionaries
        configuration.dataDirectory = dataDirectory(dataDir, logFile: logFile)
        configuration.fresh = fresh
        configuration.originalResumeWithin = try duration(seconds: originalResumeWithin, option: "--original-resume-within")
        if let multicast {
            var settings = try MulticastSettings(parsing: multicast)
            settings.interface = multicastInterface
            settings.ttl = multicastTtl
            settings.loss = groupLoss
            configuration.multicast = settings
        } else if multicastInterface != nil || multicastTtl != 1 || groupLoss != 0 {
            throw StreamingError(.configuration, "--multicast-interface, --multicast-ttl: only with --multicast GROUP:PORT")
        }
    }

    /// Checks `configuration`, binds, serves until the matches end or a signal stops it.
    /// `settings` came from the environment and `configFile`; `reload` reads them again (SIGHUP).
    func serve(
        _ configuration: ServerConfiguration, logFile: String, logLevel: Logger.Level, what: String, ending: String, settings: [LayeredSetting],
        unknownVariables: [String],
        configFile: String?,
        reload: @escaping @Sendable () async throws -> (ServerConfiguration, Logger.Level, [LayeredSetting])
    ) async throws {
        ProcessSignal.ignoreHangUpsUntilTrapped()
        // Every range is checked once, by the library (ServerConfiguration.validate), for every entry point.
        try configuration.validate()
        try PathCheck.distinct(outputs: [("--log-file", logFile)], inputs: configuration.feeds.map { ("--feed", $0) })
        try PathCheck.foldersExist([("--log-file", logFile)])
        // Opened (for append) only once the socket, data directory and feeds are ready: a server
        // that fails to start never touches its log, and a second one on the same log is refused.
        let log = LogFile(path: logFile)
        let logger = log.logger(label: configuration.upstreams.isEmpty ? "server" : "relay", level: logLevel)
        let server: StreamServer
        let endpoint: MetricsEndpoint?
        if let metricsPort {
            (server, endpoint) = try await StreamServer.bind(
                configuration: configuration, logger: logger, metricsHost: metricsHost, metricsPort: metricsPort)
        } else {
            (server, endpoint) = (try await StreamServer.bind(configuration: configuration, logger: logger), nil)
        }
        try log.start(
            "\(what) \(Release.version) started (pid \(getpid())): soccer-stream \(CommandLine.arguments.dropFirst().joined(separator: " "))")
        server.watch(logFile: log)
        // Written at once (not through print's buffer), so that a script reading the output sees it.
        StandardOutput.write("\(what) on \(server.localAddress.display); logging to \(logFile). \(ending).\n")
        if configuration.originalAllowed && !configuration.originalFrom.isEmpty {
            StandardError.write(
                "Warning: original-protocol registers accepted from \(configuration.originalFrom.map(\.description).joined(separator: ", ")) (--original-from): a forged register from there subscribes a third party's address unvalidated (within --original-budget).\n"
            )
        }
        for setting in settings {
            logger.info("Setting \(setting.key) from \(setting.source).")
        }
        for variable in unknownVariables {
            logger.warning("Environment variable \(variable) names no setting of this command: ignored (see --help for the options).")
        }
        // SIGINT, SIGTERM: end frames to every client, totals, exit. SIGHUP (a closed terminal,
        // or an operator's "reload", as nginx and sshd take it): the log file is opened again
        // (after logrotate moved it), the configuration file read again, and the stream goes on.
        let current = SettingsRecord(settings)
        let handle: @Sendable (ProcessSignal) async -> Void = { signal in
            guard signal == .hangUp else { return server.stop() }
            let trouble = log.reopen()
            server.reloadRevocations(because: "SIGHUP")
            guard let configFile else {
                return logger.info(
                    "SIGHUP received: \(trouble ?? "the log file \(logFile) opened again"); no configuration file (--config) to reload; streaming on."
                )
            }
            logger.info("SIGHUP received: \(trouble ?? "the log file \(logFile) opened again"); reading \(configFile) again.")
            await server.reload(file: configFile, log: log) {
                let (configuration, level, settings) = try await reload()
                return StreamServer.Reloaded(configuration: configuration, level: level) { current.replace(with: settings) }
            }
        }
        // The pages in-process: a gateway following this server, as `web` would: on loopback
        // when it listens on every address, else at the one address it listens on. It is one of
        // the server's clients (it counts toward --wait-for-clients).
        let gateway = try webPort.map { port throws(StreamingError) in
            let bound = server.localAddress.ipAddress ?? "0.0.0.0"
            let loopback = server.localAddress.protocol == .inet6 ? "::1" : "127.0.0.1"
            let host = bound == "0.0.0.0" || bound == "::" ? loopback : bound
            var web = WebGatewayConfiguration(upstream: Upstream(host: host, port: server.localAddress.port ?? 0))
            (web.host, web.port) = (webHost, port)
            return try WebGateway(configuration: web, logger: logger)
        }
        let services: [any Service] = (endpoint.map { [$0] } ?? []) + (gateway.map { [$0] } ?? [])
        let summary = try await runWithSignals(logger: logger, handle: handle, services: services) {
            if let gateway {
                let address = try await gateway.localAddress()
                StandardOutput.write("Web: http://\(address.display)/\n")
                logger.info("Web pages served at http://\(address.display)/")
            }
            if let endpoint {
                // The server streams once its metrics are served (or the command fails naming the port).
                let address: SocketAddress
                do {
                    address = try await endpoint.localAddress()
                } catch {
                    logger.error("Not streaming: \(error)")
                    throw error
                }
                StandardOutput.write("Metrics: http://\(address.display)/metrics\n")
                logger.info("Metrics served at http://\(address.display)/metrics")
            }
            let summary = try await server.run()
            // The pages' readers get the final whistle before the process ends (bounded).
            if let gateway { await gateway.waitForEnds(deadline: .now.advanced(by: .seconds(3))) }
            return summary
        }
        StandardOutput.write("Match over: \(summary.events) events, \(summary.datagramsSent) datagrams sent.\n")
        // A feed that gave no match is an error on the terminal too (its lines' errors are in the
        // log), and the exit status when it was all the server carried.
        for (feed, problem) in summary.feedsWithoutMatch {
            StandardError.write(
                "error: feed \(TerminalText.escaped(feed)) gave no match\(problem.map { ": \(TerminalText.escaped($0))" } ?? ": it closed before its line-ups") (Spec/FEED.md; more in \(logFile))\n"
            )
        }
        let sources = configuration.simulate + configuration.feeds.count + configuration.upstreams.count
        if !summary.feedsWithoutMatch.isEmpty && summary.feedsWithoutMatch.count == sources { throw ExitCode(1) }
        // A log that could not be written was said on standard error when it happened; the stream went on.
        if log.failure != nil { throw ExitCode(1) }
    }
}

/// `--data-dir`: the directory given, none for "none", else a directory named after the log
/// file, beside it: `soccer-stream-data` for `server.log` (the default, as before), `NAME-data`
/// for `NAME.log` (`relay-2.log` → `relay-2-data`), so that processes started in one folder with
/// their own log files never share a data directory by default.
func dataDirectory(_ option: String?, logFile: String) -> String? {
    if let option { return option == "none" ? nil : option }
    let path = logFile as NSString
    let folder = path.deletingLastPathComponent
    let stem = (path.lastPathComponent as NSString).deletingPathExtension
    let name = stem == "server" || stem.isEmpty ? "soccer-stream-data" : stem + "-data"
    return (folder.isEmpty ? "." : folder) + "/" + name
}
