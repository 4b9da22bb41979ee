import Foundation
import GroupSigning
import Match
import Streaming
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Fan-out: one `soccer-stream server` process at interval 0 streaming to N load-generator
/// sockets on 127.0.0.1, then the C `sendmmsg` ceiling (Benchmarks/ceiling.c) sending the same
/// number of datagrams to the same sockets, measured the same way in the same run.
public struct FanOutBenchmark {
    /// One measured sender.
    public struct Run: Sendable {
        /// Datagrams the receivers expected.
        public var expected: Int
        /// Datagrams they got.
        public var received: Int
        /// Seconds from the first to the last.
        public var seconds: Double
        /// The sender's CPU seconds.
        public var cpuSeconds: Double
        /// The sender's peak resident memory.
        public var peakResidentMiB: Double
        /// CPU seconds it had used when the stream began (start-up and registering every
        /// client), when known: the C ceiling registers nobody, so the streaming share is what
        /// compares with it.
        public var setupCPUSeconds: Double?

        /// Delivered datagrams per second.
        public var perSecond: Double { seconds > 0 ? Double(received) / seconds : 0 }
        /// Lost share, in percent.
        public var lossPercent: Double { expected > 0 ? 100 * Double(expected - received) / Double(expected) : 0 }
        /// Sender CPU seconds per million datagrams sent.
        public var cpuPerMillion: Double { expected > 0 ? cpuSeconds / (Double(expected) / 1e6) : 0 }
        /// CPU seconds per million datagrams after the stream began (nil when not measured).
        public var streamingCPUPerMillion: Double? {
            setupCPUSeconds.map { expected > 0 ? (cpuSeconds - $0) / (Double(expected) / 1e6) : 0 }
        }

        /// Creates a run's figures.
        public init(
            expected: Int, received: Int, seconds: Double, cpuSeconds: Double, peakResidentMiB: Double,
            setupCPUSeconds: Double? = nil
        ) {
            self.setupCPUSeconds = setupCPUSeconds
            self.expected = expected
            self.received = received
            self.seconds = seconds
            self.cpuSeconds = cpuSeconds
            self.peakResidentMiB = peakResidentMiB
        }
    }

    /// The figures for one client count and format.
    public struct Result: Sendable {
        public var clients: Int
        public var format: BodyFormat
        public var eventsPerClient: Int
        public var server: Run
        public var ceiling: Run?
        /// Matches carried at once.
        public var matches: Int
        /// Creates a result.
        /// Whether every subscription was sealed (`server --encrypt required`, Spec/ENCRYPTION.md).
        public var sealed = false
        /// Whether the clients spoke the original protocol (Spec §8: bare JSON datagrams).
        public var original = false
        /// The same measurement of the baseline build (``FanOutBenchmark/baseline``), same run.
        public var baseline: Run?
        /// The format's name in tables.
        public var formatName: String {
            if original { return "original" }
            return sealed ? (format == .json ? "json+enc" : "cmpt+enc") : format.name
        }

        public init(clients: Int, format: BodyFormat, eventsPerClient: Int, server: Run, ceiling: Run?, matches: Int = 1) {
            self.matches = matches
            self.clients = clients
            self.format = format
            self.eventsPerClient = eventsPerClient
            self.server = server
            self.ceiling = ceiling
        }

        /// Our delivered rate as a share of the ceiling's, in percent.
        public var ratioPercent: Double? {
            guard let ceiling, ceiling.perSecond > 0 else { return nil }
            return 100 * server.perSecond / ceiling.perSecond
        }
        /// The server's CPU per million datagrams while streaming, as a multiple of the ceiling's.
        public var streamingCPURatio: Double? {
            guard let ceiling, ceiling.cpuPerMillion > 0, let ours = server.streamingCPUPerMillion else { return nil }
            return ours / ceiling.cpuPerMillion
        }
    }

    /// The soccer-stream executable.
    public var executable: String
    /// Where Benchmarks/ceiling.c is (nil: skip the ceiling).
    public var ceilingSource: String?
    /// About how many datagrams each run sends in all.
    public var targetDatagrams = 2_000_000
    /// Seconds between a match's events (0: as fast as the server can; 1: the real pace of a
    /// match day, one event per match per second).
    public var interval: Double = 0
    /// Whether the server also serves Prometheus metrics (`--metrics-port`, any free port), to
    /// measure what counting them costs.
    public var metrics = false
    /// Whether the server writes its durable match log (`--data-dir` in the run's work
    /// directory), to measure what durability costs.
    public var durable = false
    /// Another build's executable (the build before a change), measured the same way against
    /// the same sockets in the same run, between ours and the ceiling.
    public var baseline: String?

    /// Creates a benchmark.
    public init(executable: String, ceilingSource: String?) {
        self.executable = executable
        self.ceilingSource = ceilingSource
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = LoadGenerator.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw BenchError.system("bind") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// An event datagram: a frame of kind event, or an original-protocol event (bare JSON, `{`).
    static func isEvent(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        return first == UInt8(ascii: "{") || (bytes.count > 3 && first == 0xFF && bytes[bytes.startIndex + 3] == FrameKind.event.rawValue)
    }

    /// Streams `matches` matches from a server process to `generator`'s sockets; with
    /// `allocationCounter` (a compiled Benchmarks/alloc-count.c), also counts the server's allocations.
    /// With `concurrent` above 1, the server carries that many simulated matches at once
    /// (`server --simulate`) and the clients are dealt over them in turn (Spec §4.9); `events`
    /// is then the mean per client.
    func measureServer(
        _ generator: LoadGenerator, format: BodyFormat, matches: Int, work: WorkDirectory,
        allocationCounter: String? = nil, interval: String = "0",
        concurrent: Int = 1, sealed: Bool = false, original: Bool = false, executable: String? = nil
    ) throws -> (run: Run, events: Int, allocations: Int?) {
        let clients = generator.sockets.count
        // Each slot's matches, as the server will play them: its teams, its seeds.
        let (ids, perSlot) = Self.slots(concurrent: concurrent, matches: matches)
        let expected = Self.events(of: 0..<clients, perSlot: perSlot)
        let events = expected / max(1, clients)
        let port = try Self.freePort()
        let countFile = work.url.appendingPathComponent("allocations-\(clients).txt")
        let environment = allocationCounter.map { ["LD_PRELOAD": $0, "ALLOC_COUNT_FILE": countFile.path] } ?? [:]
        var arguments = serverArguments(
            port: port, clients: clients, matches: matches, concurrent: concurrent, format: format, interval: interval, work: work,
            original: original)
        if sealed { arguments += ["--encrypt", "required"] }
        let server = try ChildProcess(executable ?? self.executable, arguments, environment: environment)
        // No wait for the bind: registration resends round after round until the server answers.
        // Sealed: every register offers one key share (the server makes its own per subscription,
        // so its cost is a real client's; the generator counts sealed events by their clear header).
        // Never leave the server waiting for clients that will not come.
        try ChildProcess.stoppedOnFailure([server]) {
            if original {
                try generator.registerOriginal(serverPort: port, counting: Self.isEvent)
                return
            }
            try generator.register(
                serverPort: port, format: format, matches: concurrent > 1 ? ids : [], keyShare: sealed ? KeyShare().publicBytes : [],
                counting: Self.isEvent)
        }
        // Every client is welcomed and the stream has just begun: what the server has used so
        // far is start-up and registration.
        let setupCPU = try server.cpuSecondsSoFar()
        // Paced, the stream is quiet between events: wait longer than an interval before calling it over.
        let seconds = Double(interval) ?? 0
        let reception = generator.receive(expected: expected, idle: max(1.0, 3 * seconds), patience: max(30, 3 * seconds), accept: Self.isEvent)
        let exit = server.wait(timeout: 30)
        var allocations: Int?
        if allocationCounter != nil {
            let text: String
            do {
                text = try String(contentsOf: countFile, encoding: .utf8)
            } catch {
                throw BenchError("the allocation counter wrote no total to \(countFile.path): \(error.localizedDescription)")
            }
            allocations = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return (
            Run(
                expected: expected, received: reception.datagrams, seconds: reception.seconds,
                cpuSeconds: exit.cpuSeconds, peakResidentMiB: exit.peakResidentMiB, setupCPUSeconds: setupCPU), events, allocations
        )
    }

    /// Allocations of the whole server process, counted at two client counts and two match
    /// counts: differencing the match counts removes start-up and registration, differencing
    /// the client counts leaves what fan-out costs per client.
    public struct Allocations: Sendable {
        public var format: BodyFormat
        /// Events in the extra matches of the longer runs.
        public var extraEvents: Int
        public var smallClients: Int
        public var largeClients: Int
        /// Allocations during the extra matches, at each client count.
        public var smallStreaming: Int
        public var largeStreaming: Int
        /// Allocations per client per event in steady-state streaming.
        public var perClientPerEvent: Double {
            Double(largeStreaming - smallStreaming) / Double(extraEvents * (largeClients - smallClients))
        }
        /// Allocations per event in steady-state streaming (encoding, bookkeeping), at the small count.
        public var perEvent: Double { Double(smallStreaming) / Double(extraEvents) }
    }

    /// Measures ``Allocations`` with `counterSource` (Benchmarks/alloc-count.c) preloaded into the server.
    public func allocations(
        format: BodyFormat, counterSource: String, smallClients: Int = 10, largeClients: Int = 1000,
        matches: Int = 10
    ) throws -> Allocations {
        try WorkDirectory.with("allocations") { work in
            let library = try work.allocationCounter(counterSource)
            func count(_ clients: Int, _ matches: Int) throws -> (allocations: Int, events: Int) {
                // At a 2 ms interval every event is its own trip to the event loop at both client counts,
                // so per-trip costs (closure, future) cancel out and what remains scales with clients.
                let measured = try measureServer(
                    try LoadGenerator(count: clients), format: format, matches: matches, work: work,
                    allocationCounter: library, interval: "0.002")
                guard let allocations = measured.allocations else {
                    throw BenchError("the allocation counter wrote no total (was the server killed?)")
                }
                return (allocations, measured.events)
            }
            let small1 = try count(smallClients, matches)
            let small2 = try count(smallClients, 2 * matches)
            let large1 = try count(largeClients, matches)
            let large2 = try count(largeClients, 2 * matches)
            return Allocations(
                format: format, extraEvents: small2.events - small1.events, smallClients: smallClients,
                largeClients: largeClients, smallStreaming: small2.allocations - small1.allocations,
                largeStreaming: large2.allocations - large1.allocations)
        }
    }

    /// The server's command line for a measurement.
    func serverArguments(
        port: Int, clients: Int, matches: Int, concurrent: Int, format: BodyFormat, interval: String,
        work: WorkDirectory, original: Bool = false
    ) -> [String] {
        BenchServer.arguments(
            port: port, interval: interval, waitForClients: clients, maxClients: clients, log: work.path("server.log"),
            [
                "--matches", String(matches), "--format", format.name,
                // Original-protocol clients (Spec §8) are served from loopback when measured.
                "--original", original ? "allow" : "deny", "--repair-grace", "0", "--simulate", String(concurrent),
                // The fan-out without the durable match log unless asked (`--durable` measures its cost).
                "--data-dir", durable ? work.path("data") : "none",
            ] + (metrics ? ["--metrics-port", "0"] : []))
    }

    /// Measures `clients` clients receiving `format`; `sealed`, every subscription sealed
    /// (Spec/ENCRYPTION.md) and no ceiling (the plaintext run's is the one to compare with).
    /// `original`: the clients speak the original protocol (`format` is then `.json`, the body
    /// they get), one generator process only.
    public func run(clients: Int, format: BodyFormat, concurrent: Int = 1, sealed: Bool = false, original: Bool = false) throws -> Result {
        if original && (sealed || clients > GeneratorShard.maximumClients || concurrent > 1) {
            throw BenchError("original-protocol runs take one match, no sealing and at most \(GeneratorShard.maximumClients) clients")
        }
        if sealed {
            guard clients <= GeneratorShard.maximumClients else {
                throw BenchError("sealed runs take at most \(GeneratorShard.maximumClients) clients (one generator process)")
            }
            let generator = try LoadGenerator(count: clients, receiveBuffer: format == .json ? 4 << 20 : 1 << 20)
            let matches = max(1, targetDatagrams / (47 * clients))
            return try WorkDirectory.with(String(clients) + "-sealed") { work in
                let (serverRun, events, _) = try measureServer(
                    generator, format: format, matches: matches, work: work, interval: String(interval), concurrent: concurrent, sealed: true)
                var result = Result(clients: clients, format: format, eventsPerClient: events, server: serverRun, ceiling: nil, matches: concurrent)
                result.sealed = true
                return result
            }
        }
        if clients > GeneratorShard.maximumClients {
            let perMatch = 47
            let matches = max(1, targetDatagrams / (perMatch * clients))
            return try WorkDirectory.with(String(clients)) { work in
                let (serverRun, events) = try measureSharded(clients: clients, format: format, matches: matches, concurrent: concurrent, work: work)
                // The C ceiling needs every socket in one process: not run for sharded client counts.
                return Result(clients: clients, format: format, eventsPerClient: events, server: serverRun, ceiling: nil, matches: concurrent)
            }
        }
        let perMatch = 47
        let matches = max(1, targetDatagrams / (perMatch * clients))
        let generator = try LoadGenerator(count: clients, receiveBuffer: format == .json ? 4 << 20 : 1 << 20)
        return try WorkDirectory.with(String(clients)) { work in
            let (serverRun, events, _) = try measureServer(
                generator, format: format, matches: matches, work: work,
                interval: String(interval), concurrent: concurrent, original: original)
            var baselineRun: Run?
            if let baseline {
                baselineRun =
                    try measureServer(
                        generator, format: format, matches: matches, work: work, interval: String(interval), concurrent: concurrent,
                        original: original, executable: baseline
                    ).run
            }
            var ceilingRun: Run?
            if let ceilingSource {
                let program = try CeilingProgram(source: ceilingSource, work: work, generator: generator, format: format, original: original)
                let ceiling = try ChildProcess(
                    program.binary, [program.portsFile, String(events), program.payloadFile, String(LoadGenerator.socketsPerAddress)])
                let got = generator.receive(expected: events * clients, idle: 1.0, patience: 30, accept: Self.isEvent)
                let end = ceiling.wait(timeout: 30)
                ceilingRun = Run(
                    expected: events * clients, received: got.datagrams, seconds: got.seconds,
                    cpuSeconds: end.cpuSeconds, peakResidentMiB: end.peakResidentMiB)
            }
            var result = Result(
                clients: clients, format: format, eventsPerClient: events, server: serverRun, ceiling: ceilingRun, matches: concurrent)
            result.original = original
            result.baseline = baselineRun
            return result
        }
    }
}
