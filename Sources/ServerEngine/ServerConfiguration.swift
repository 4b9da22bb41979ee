import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

/// How a ``StreamServer`` runs.
public struct ServerConfiguration: Sendable {
    /// The multicast group every event is sent to as well, once per match and format, for the
    /// clients that take it there (Spec §4.11); nil: unicast only.
    public var multicast: MulticastSettings?
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
    /// Simulated matches carried at once (`--simulate`), each its own stream: slot 0 is the
    /// original Galáticos vs The Bests, the others distinct pairs of the built-in pool (Spec §4.9).
    public var simulate: Int = 1
    /// Live feeds in JSON Lines (Spec/FEED.md), one match each: file paths, followed as they
    /// grow, or "-" for standard input.
    public var feeds: [String] = []
    /// Where the durable match log lives (``MatchLog``); nil: none (the library's default; the
    /// `server` command's is a directory next to its log file).
    public var dataDirectory: String?
    /// Discard the match log's unfinished matches instead of resuming them (`--fresh`).
    public var fresh = false
    /// Fault injection, for tests of the match log: once this many events are logged, the
    /// process kills itself with SIGKILL before sending them (the worst moment for a crash:
    /// events on disk that no client has seen). Nil in any real run.
    public var crashAfterLogging: Int?
    /// Fault injection, for tests: once this many events are sent, the process kills itself
    /// with SIGKILL (a crash between two events). Nil in any real run.
    public var crashAfterSending: Int?
    /// A restarted server goes on sending a resumed match to the subscriptions the match log
    /// kept for it (original-protocol clients, which cannot register again, and SoccerStream
    /// ones, Spec §4.12) only when it is back within this long of the log's last write (after
    /// longer they may be gone, and their address someone else's). Zero: never
    /// (`--original-resume-within`).
    public var originalResumeWithin: Duration = .seconds(120)
    /// A relay's upstreams (issue 15), tried in order: the matches come from there, with their
    /// ids and sequence numbers, instead of a simulation or a feed. Empty: not a relay.
    public var upstreams: [Upstream] = []
    /// The upstream matches a relay follows; empty: the upstream's first live one.
    public var upstreamMatches: [UInt32] = []
    /// A relay that follows only what its clients ask for: a register for a match it does not
    /// carry makes it subscribe upstream (the client's next attempt finds the match), and it
    /// unsubscribes when the match's last client leaves.
    public var upstreamOnDemand = false
    /// A relay's patience with a silent upstream: silence before registering again, and
    /// registering again before the next upstream takes over.
    public var upstreamTimeout: Duration = .seconds(5)
    /// A relay takes its upstream's events from the upstream's multicast group when offered
    /// (`relay --upstream-multicast`: a relay on the upstream's network); unicast otherwise.
    public var upstreamMulticast = false
    /// How feed events are timed (``ReplayPace``): by default a feed with `at` times replays at
    /// its recorded pace, one without streams each line as it arrives.
    public var replayPace: ReplayPace = .recorded
    /// What a bad feed line does.
    public var onBadLine: BadLinePolicy = .skip
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
    /// Admission by subscriber token (`--require-token`, Spec/TOKENS.md): the operator keys
    /// trusted, the clock skew allowed and the revocation list; nil: anyone may subscribe.
    public var tokenAdmission: TokenAdmission?
    /// Whether subscriptions are sealed (`--encrypt`, Spec/ENCRYPTION.md): off (the default),
    /// preferred (those whose register offers a key share) or required (all; the original
    /// protocol is then not served).
    public var encryption: EncryptionPolicy = .off
    /// How long a group key seals the group's events before the next epoch's replaces it
    /// (`--group-key-lifetime`; each cut-off rotates it too, Spec/ENCRYPTION.md "Multicast").
    public var groupKeyLifetime: Duration = .seconds(600)
    /// The revocation list's file (`--revocations`): read again when it changes and on SIGHUP,
    /// and every subscriber it then revokes cut off (Spec/TOKENS.md, "Revocation").
    public var revocationFile: String?
    /// A relay's own subscriber token, presented to its upstreams (`relay --token`).
    public var upstreamToken: [UInt8] = []
    /// Where original-protocol registers are accepted from besides loopback and private ranges
    /// (``AddressRange/loopbackAndPrivate``, always accepted): protected mode, after Redis's,
    /// since such a register subscribes its source address unvalidated (`--original-from`).
    public var originalFrom: [AddressRange] = []
    /// The bytes a second original-protocol clients off loopback may be sent (``OriginalBudget``).
    public var originalBudget = OriginalBudgetSettings()

    /// Whether an original-protocol register from `address` is accepted (``originalFrom``).
    public func originalAccepted(from address: SocketAddress) -> Bool {
        AddressRange.any(AddressRange.loopbackAndPrivate, contains: address) || AddressRange.any(originalFrom, contains: address)
    }
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
    /// Events kept for repair (Spec §4.8): the most recent this many...
    public var repairRingEvents: Int = 4096
    /// ...and at most this many bytes of their encodings.
    public var repairRingBytes: Int = 16 << 20
    /// Retransmissions one subscription may ask for per second (its repair budget)...
    /// nil (the default): ``repairRateMultiple`` times the stream's own rate (one event per
    /// interval), at least ``minimumRepairRate``, at most 10,000.
    public var repairRate: Double?
    /// The per-subscription repair budget, as a multiple of the stream's rate, when ``repairRate`` is nil.
    public static let repairRateMultiple = 4.0
    /// The least automatic per-subscription repair rate, per second (for slow streams).
    public static let minimumRepairRate = 10.0

    /// The per-subscription repair rate in force: ``repairRate``, or 4 × the stream's rate
    /// (at least 10, at most 10,000 a second), so that a nack never makes the server send a
    /// subscription more than a fixed multiple of its normal stream, plus the burst.
    public var effectiveRepairRate: Double {
        if let repairRate { return repairRate }
        let interval = self.interval.inSeconds
        guard interval > 0 else { return 10_000 }
        return min(10_000, max(Self.minimumRepairRate, Self.repairRateMultiple / interval))
    }
    /// ...and at once.
    public var repairBurst: Double = 64
    /// How long the server stays after the last match ends, answering NACKs for its last events,
    /// before it exits (0: at once). `stop()` (Ctrl+C) does not wait.
    public var repairGrace: Duration = .seconds(5)
    /// Retransmissions the whole server sends per second at most, whoever asks (NACK storms).
    public var repairRateTotal: Double = 20_000
    /// The largest datagram the server accepts from a client; larger ones are rejected unread.
    /// (Reads land in 2,048-byte slots, so values of 2,048 or more change nothing.)
    public var maximumInboundDatagram: Int = 1024

    /// Creates the default configuration.
    public init() {}

    /// What the server carries, in words, for its start-up banner: its simulated matches (with
    /// their interval and seed), its feeds (with their pace) or its upstreams, only what it has.
    public var carried: String {
        var parts: [String] = []
        if simulate > 0 {
            parts.append(
                "\(simulate == 1 ? "a simulated match" : "\(simulate) simulated matches") (seed \(seed)\(simulate > 1 ? " on" : ""), "
                    + "an event every \(interval.inSeconds) s)")
        }
        if !feeds.isEmpty {
            parts.append("\(feeds.count == 1 ? "a feed" : "\(feeds.count) feeds") (\(feeds.joined(separator: ", ")); \(replayPace))")
        }
        if !upstreams.isEmpty {
            parts.append(
                "matches relayed from \(upstreams.map(\.description).joined(separator: ", "))"
                    + (upstreamOnDemand ? " on demand" : ""))
        }
        return parts.joined(separator: " and ")
    }

    /// The interval in microseconds, as the welcome announces it.
    public var intervalMicroseconds: UInt32 { interval.wholeMicroseconds }

    /// The register bucket's size in use: ``registerBurst``, or its default for the rate.
    public var effectiveRegisterBurst: Double { registerBurst ?? RegistrationLimiter.defaultBurst(rate: registerRate) }

    /// Checks every setting, so that each entry point (command line, demo, benchmarks, tests)
    /// gets the same checks and messages. ``StreamServer/bind(configuration:logger:group:)``
    /// calls it.
    ///
    /// - Throws: ``StreamingError`` with code `configuration`, naming the setting (and its
    ///   command-line option), the value found and what is expected.
    public func validate() throws(StreamingError) {
        func check(_ ok: Bool, _ setting: String, _ found: String, _ expected: String) throws(StreamingError) {
            guard ok else { throw StreamingError(.configuration, "\(setting): \(found); expected \(expected)") }
        }
        try check((0...65535).contains(port), "port (--port)", "\(port)", "0...65535 (0: any free port)")
        try check(interval >= .zero && interval <= .seconds(3600), "interval (--interval)", "\(interval.inSeconds) s", "0...3600 seconds")
        try check(
            !formats.isEmpty && !formats.contains(.none), "formats (--format)", formats.map(\.name).joined(separator: ", "),
            "compact, json or both")
        try check(waitForClients >= 0, "clients to wait for (--wait-for-clients)", "\(waitForClients)", "0 or more")
        try check((1...100_000).contains(matches), "matches (--matches)", "\(matches)", "1...100000")
        try check((0...1_000).contains(simulate), "simulated matches (--simulate)", "\(simulate)", "0...1000")
        try check(
            simulate + feeds.count + upstreams.count >= 1, "matches", "no simulated match, feed or upstream",
            "--simulate 1 or more, a --feed, or a relay's --upstream")
        try check(feeds.count <= 100, "feeds (--feed)", "\(feeds.count)", "at most 100")
        try check(feeds.filter { $0 == "-" }.count <= 1, "feeds (--feed)", "standard input twice", "'-' at most once")
        if case .speed(let speed) = replayPace {
            try check(
                speed.isFinite && speed > 0 && speed <= 10_000, "replay speed (--replay-speed)", "\(speed)", "more than 0 and at most 10000, or max")
        }
        try check(maxClients >= 1, "most clients (--max-clients)", "\(maxClients)", "1 or more")
        if let tokenAdmission {
            try check(!tokenAdmission.trusted.isEmpty, "trusted keys (--trusted-key)", "none", "at least one with --require-token")
            // Original-protocol registers carry no token: a server that requires one cannot serve them.
            try check(!originalAllowed, "original protocol (--original)", "allow", "deny with --require-token (its registers carry no token)")
        }
        try check(
            groupKeyLifetime >= .seconds(1) && groupKeyLifetime <= .seconds(86_400), "group key lifetime (--group-key-lifetime)",
            "\(groupKeyLifetime.inSeconds) s", "1 to 86400 seconds")
        if encryption == .required {
            // The original protocol has no key share: a server that seals everything cannot serve it.
            try check(!originalAllowed, "original protocol (--original)", "allow", "deny with --encrypt required (it cannot be sealed)")
        }
        try check(endRepeats >= 1 && endRepeats <= 10, "end repeats", "\(endRepeats)", "1...10")
        try check(
            upstreamTimeout >= .milliseconds(100) && upstreamTimeout <= .seconds(3600), "upstream timeout (--upstream-timeout)",
            "\(upstreamTimeout.inSeconds) s", "0.1 to 3600 seconds")
        try check(
            upstreams.isEmpty || (feeds.isEmpty && simulate == 0), "a relay's matches (--upstream)", "with feeds or simulated matches",
            "a relay's matches from its upstreams only")
        try check(
            !upstreamOnDemand || (!upstreams.isEmpty && upstreamMatches.isEmpty), "on-demand relaying (--on-demand)",
            upstreams.isEmpty ? "without an upstream" : "with --match", "a relay's --upstream, without --match")
        try check(
            Set(upstreamMatches).count == upstreamMatches.count && !upstreamMatches.contains(0), "relayed matches (--match)",
            "\(upstreamMatches)", "distinct match ids, none 0")
        try check(
            originalResumeWithin >= .zero && originalResumeWithin <= .seconds(86_400), "original clients' resume window (--original-resume-within)",
            "\(originalResumeWithin.inSeconds) s", "0 to 86400 seconds")
        try check(
            clientTimeout > .zero && clientTimeout <= .seconds(3600), "client timeout (--client-timeout)", "\(clientTimeout.inSeconds) s",
            "more than 0 and at most 3600 seconds")
        try check(heartbeatSeconds >= 1, "heartbeat seconds", "\(heartbeatSeconds)", "1...255")
        try check(
            Double(heartbeatSeconds) < clientTimeout.inSeconds, "client timeout (--client-timeout)", "\(clientTimeout.inSeconds) s",
            "longer than the \(heartbeatSeconds)-second heartbeat period, or every client is dropped between two heartbeats")
        try check(
            registerRate.isFinite && registerRate >= 0, "register rate (--register-rate)", "\(registerRate)",
            "a number of new subscriptions per IP per second, 0 or more (0: unlimited)")
        if let registerBurst {
            try check(
                registerBurst.isFinite && registerBurst >= 1, "register burst (--register-burst)", "\(registerBurst)",
                "at least 1: a smaller bucket never holds a whole token, so it would refuse every register")
        }
        try check((1...1_000_000).contains(repairRingEvents), "repair ring events", "\(repairRingEvents)", "1...1000000")
        try check((64 << 10...1 << 30).contains(repairRingBytes), "repair ring bytes", "\(repairRingBytes)", "64 KiB...1 GiB")
        try check(
            effectiveRepairRate.isFinite && effectiveRepairRate >= 0 && repairBurst.isFinite && repairBurst >= 1, "repair budget (--repair-rate)",
            "\(effectiveRepairRate) per second, bursts of \(repairBurst)", "a rate of 0 or more and a burst of at least 1")
        try check(repairGrace >= .zero && repairGrace <= .seconds(60), "repair grace", "\(repairGrace.inSeconds) s", "0...60 seconds")
        try check(repairRateTotal.isFinite && repairRateTotal >= 0, "total repair rate", "\(repairRateTotal)", "0 or more per second")
        try multicast?.validate()
        try check(
            originalBudget.perPrefix >= 4096 && originalBudget.total >= originalBudget.perPrefix,
            "original clients' byte budget (--original-budget, --original-budget-total)",
            "\(originalBudget.perPrefix) per block, \(originalBudget.total) in all",
            "at least 4096 bytes a second per block (an original datagram is about 3 KB), and a total no smaller")
        try check((1...65507).contains(maximumInboundDatagram), "largest inbound datagram", "\(maximumInboundDatagram) bytes", "1...65507")
    }
}
