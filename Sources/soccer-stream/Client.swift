import ArgumentParser
import Foundation
import GroupSigning
import Logging
import Streaming
import Toolkit
import Wire

struct Client: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register with a server and show the match live.")

    @OptionGroup var serverAddress: ServerAddressOptions
    @Option(help: "The server's UDP port: --server-port's other spelling, kept for scripts.") var port: Int?
    @Option(help: "The preferred body format: compact or json.") var format: FormatChoice = .compact
    @Flag(help: "Fail instead of accepting the other format when the preferred one is not offered.") var strictFormat = false
    @Option(help: "The preset compression dictionary to offer: standard (the welcome shrinks from about 1,100 bytes to about 60) or none.")
    var dictionary: DictionaryChoice = .standard
    @Flag(
        name: [.customLong("original"), .customLong("legacy")],
        help:
            "Speak the original protocol (plain-text register, bare JSON) to an original server. (--legacy: version 1's spelling, kept so existing scripts work.)"
    )
    var original = false
    @Option(
        name: [.customLong("original-interval"), .customLong("legacy-interval")],
        help: "With --original: the original server's interval in seconds, for jitter.")
    var originalInterval: Double?
    @OptionGroup var logging: LoggingOptions<ClientDefaults>
    @Option(help: "The statistics file (appended to, as the original did).") var statsFile = "client_stats.log"
    @Option(help: "Also write the statistics as JSON to this file.") var statsJson: String?
    @Option(help: "Register attempts before giving up (exit code 2).") var registerAttempts = 6
    @Option(parsing: .unconditional, help: "Seconds of silence from the server before registering again (at least three event intervals).")
    var serverTimeout = 15.0
    @Option(
        parsing: .unconditional,
        help: "Seconds to keep registering again, with backoff, after the server fell silent, before giving up (exit code 4); 0: give up at once.")
    var reconnectFor = 120.0
    @Option(help: "Write every datagram received to this classic pcap file (for soccer-stream validate).") var capture: String?
    @Flag(help: "Do not show the live view.") var quiet = false
    @Flag(help: "Do not ask the server for missing events again (they are only counted as lost).") var noRepair = false
    @Flag(help: "Ask the server which matches it carries, print them (id, teams, score, minute, viewers) and exit.") var list = false
    @Option(help: "The match to follow (an id from --list), or several, comma-separated, for a scoreboard of them. Default: the first live match.")
    var match: String?
    @Flag(help: "Follow every match the server carries, in a scoreboard.") var all = false
    @Option(
        help:
            "Where the client keeps how far it got (match, last event logged), so that, killed and started again, it continues the same match and log; none: nowhere."
    )
    var progressFile = "client_progress.json"
    @Flag(help: "Ignore the progress file: follow the current match from now, with a new client.log.") var fresh = false
    @Flag(
        help:
            "Take events from the server's multicast group from the first register on (by default the client joins when the welcome offers a group, and switches once joined)."
    )
    var multicast = false
    @Flag(help: "Never join the server's multicast group: every event at this client's address.") var noMulticast = false
    @Flag(
        help:
            "Register as a client of before real matches: a real match's events come as the eight base kinds, with phrases and the score (Spec §4.13)."
    )
    var baseLayout = false
    @Option(
        help:
            "The server's group key (64 hexadecimal digits, as its log prints it): group events must be signed with it; a welcome offering another key is not followed to its group."
    )
    var serverKey: String?
    @Option(help: "The interface (name or IPv4 address) to join the multicast group on (default: the route's).") var multicastInterface: String?
    @Option(
        help:
            "The subscriber token to present (sst1.…, a file holding it, or - for standard input; Spec/TOKENS.md); default: SOCCERSTREAM_TOKEN's value, if set."
    )
    var token: String?
    @Option(
        help:
            "Ask for a sealed subscription (Spec/ENCRYPTION.md): preferred offers a key share and takes what the server gives; required stops (exit 3) if the server answers in clear; off offers none."
    )
    var encrypt: EncryptionPolicy = .preferred
    @Option(help: "Append the subscription key, once agreed, to this file (readable by its owner only), for validate --key.")
    var exportKey: String?

    var logFile: String { logging.logFile }

    func run() async throws {
        let address = try serverAddress.address(alias: port)
        let (server, port) = (address.host, address.port)
        var configuration = ClientConfiguration()
        configuration.server = server
        configuration.port = port
        configuration.format = format.format
        configuration.allowFallback = !strictFormat
        configuration.dictionaries = dictionary.dictionaries
        configuration.original = original
        configuration.originalInterval = originalInterval
        if let token = token ?? ProcessInfo.processInfo.environment["SOCCERSTREAM_TOKEN"] {
            let option = self.token == nil ? "SOCCERSTREAM_TOKEN" : "--token"
            configuration.subscriberToken = try TokenTool.tokenBytes(token, option: option, standardInput: readStandardInput)
        }
        guard !(original && encrypt == .required) else {
            throw ValidationError("--original and --encrypt required exclude each other: the original protocol cannot be sealed")
        }
        configuration.encryption = encrypt
        configuration.exportKeyPath = exportKey
        configuration.registerAttempts = registerAttempts
        configuration.capturePath = capture
        configuration.repairs = !noRepair
        configuration.features = baseLayout ? [] : .realMatches
        configuration.serverTimeout = try duration(seconds: serverTimeout, option: "--server-timeout")
        configuration.reconnectFor = try duration(seconds: reconnectFor, option: "--reconnect-for")
        guard !(multicast && noMulticast) else { throw ValidationError("--multicast and --no-multicast exclude each other") }
        configuration.multicast = multicast ? .group : noMulticast ? .off : .auto
        configuration.multicastInterface = multicastInterface
        if let serverKey {
            do {
                configuration.serverKey = try GroupPublicKey(hex: serverKey)
            } catch {
                throw ValidationError("--server-key: \(error.message)")
            }
        }
        // Every range is checked once, by the library (ClientConfiguration.validate), for every entry point.
        try configuration.validate()
        if list || all {
            guard !original else { throw ValidationError("--list and --all need the SoccerStream protocol; the original one has one match") }
            guard !(all && match != nil) else { throw ValidationError("--all and --match exclude each other") }
        }
        // A run of this client that stopped mid-match (killed, or its server gone) is continued:
        // same match, its log appended to, every event after its last one asked for.
        let progressPath = progressFile == "none" || original || list || all || (match?.contains(",") ?? false) ? nil : progressFile
        var resume: ClientProgress?
        if let progressPath, !fresh, let kept = try ClientProgress.read(from: progressPath),
            kept.continues(server: server, port: port, match: match.flatMap { UInt32($0) })
        {
            resume = kept
            // The log is written first: killed between the two, it holds one event more.
            if let inLog = ClientProgress.lastLogged(inLog: logFile) { resume?.lastLogged = inLog }
        }
        // No file is touched before the server resolves and the paths are sound: then the log is
        // opened for append (a header line), claimed for this process.
        let outputs: [PathCheck.Named] = [
            ("--log-file", logFile), ("--stats-file", statsFile), ("--stats-json", statsJson ?? "-"),
            ("--progress-file", progressPath ?? "-"), ("--capture", capture ?? "-"),
        ]
        try PathCheck.distinct(outputs: outputs)
        try PathCheck.foldersExist(outputs)
        _ = try configuration.resolvedServer()
        let log = LogFile(path: logFile)
        try log.start("SoccerStream client \(Release.version) (pid \(getpid())) for \(server):\(port)")
        if list {
            let matches = try await MatchLister.list(configuration: configuration, logger: log.logger(label: "client", level: logging.logLevel))
            StandardOutput.write(MatchLister.table(matches))
            return
        }
        var followed: [UInt32] = []
        if all {
            followed = try await MatchLister.list(configuration: configuration, logger: log.logger(label: "client", level: logging.logLevel))
                .filter { $0.status != .ended }.map(\.id)
            guard !followed.isEmpty else {
                StandardOutput.write("error: the server carries no live match\n")
                throw ExitCode(3)
            }
        } else if let match {
            followed = try matchIDs(match)
            guard Set(followed).count == followed.count else { throw ValidationError("--match lists a match twice") }
        }
        let stats = LogFile(path: statsFile, exclusive: false)
        try stats.start(nil)
        if followed.count > 1 {
            try await follow(followed, configuration: configuration, log: log, stats: stats)
            return
        }
        configuration.match = followed.first ?? configuration.match
        configuration.progressPath = progressPath
        let logger = log.logger(label: "client", level: logging.logLevel)
        var result = try await watch(configuration, resuming: resume, logger: logger)
        if let resume, case .refused(let refusal) = result.reason, refusal.reason == .unknownMatch {
            // The match this client was following is over or gone: follow the current one instead.
            logger.info("Match \(resume.match), which this client was following, is no longer on the server; following the current match.")
            result = try await watch(configuration, resuming: nil, logger: logger)
        }
        let report = result.report
        report.append(to: stats)
        if let statsJson { try report.writeJSON(to: statsJson) }
        StandardOutput.write(report.text)
        if let (code, message) = failure(result.reason, server: address) {
            StandardOutput.write("error: \(message)\n")
            throw ExitCode(code)
        }
        try Self.checkWrites(log, stats)
    }

    /// Exit status 1 when a log or statistics write failed (each was said on standard error when it happened).
    static func checkWrites(_ files: LogFile...) throws {
        if files.contains(where: { $0.failure != nil }) { throw ExitCode(1) }
    }

    /// One client run (Ctrl+C and SIGTERM stop it), continuing `resuming` when given.
    private func watch(_ base: ClientConfiguration, resuming: ClientProgress?, logger: Logger) async throws -> ClientResult {
        var configuration = base
        configuration.resume = resuming
        if let resuming {
            configuration.match = resuming.match
            let from = resuming.lastLogged.map { "after event #\($0)" } ?? "from its first event"
            logger.info("Continuing match \(resuming.match) \(from), as \(progressFile) says (--fresh starts afresh).")
        }
        let client = try await StreamClient.connect(configuration: configuration, logger: logger, display: quiet ? .none : .standardOutput)
        return try await runWithSignals(logger: logger, handle: { client.stop($0.clientStopReason) }, { try await client.run() })
    }

    /// The exit code and message of a client that stopped for `reason`, or nil when it ended well:
    /// 2 no answer, 3 refused (or cut off: a token expired or revoked), 4 the server fell silent.
    private func failure(_ reason: ClientStopReason, server: Upstream) -> (Int32, String)? {
        switch reason {
        case .noAnswer: (2, "no answer from \(server) after \(registerAttempts) register attempts")
        case .refused(let refusal): (3, "the server refused the registration: \(refusal.reason.name): \(refusal.text)")
        case .cutOff(let refusal): (3, "the server cut this client off: \(refusal.reason.name): \(refusal.text)")
        case .serverSilent(let seconds): (4, "the server fell silent for \(seconds) s")
        case .endOfTransmission, .interrupted, .terminated, .hangUp: nil
        }
    }

    /// Several matches at once: one subscription each, a scoreboard, per-match statistics.
    private func follow(_ matches: [UInt32], configuration: ClientConfiguration, log: LogFile, stats: LogFile) async throws {
        let holder = ClientsHolder()
        let logger = log.logger(label: "client", level: logging.logLevel)
        let quiet = self.quiet
        let outcomes = try await runWithSignals(
            logger: logger, handle: { holder.stop($0.clientStopReason) },
            {
                try await MultiMatchFollower.follow(
                    matches: matches, configuration: configuration, logger: logger,
                    show: { text in if !quiet { LiveDisplay.showScreen(text) } },
                    onClients: { holder.set($0) })
            })
        var worst: Int32 = 0
        for outcome in outcomes {
            let report = outcome.result.report
            stats.write("(client) Match \(outcome.match):\n")
            report.append(to: stats)
            StandardOutput.write("\nMatch \(outcome.match):\n" + report.text)
            if let (code, message) = failure(outcome.result.reason, server: Upstream(host: configuration.server, port: configuration.port)) {
                StandardOutput.write("error: match \(outcome.match): \(message)\n")
                worst = max(worst, code)
            }
        }
        if let statsJson {
            try MultiMatchFollower.writeJSON(outcomes, to: statsJson)
        }
        if worst != 0 { throw ExitCode(worst) }
        try Self.checkWrites(log, stats)
    }
}
