import Foundation
import GroupSigning
import Match
import Streaming
import Toolkit
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Registration's cost at the server, with and without subscriber tokens (`--require-token`,
/// Spec/TOKENS.md): a `soccer-stream server` process registers N load-generator clients, each
/// through the address challenge (two registers, a challenge and a welcome), and its CPU time is
/// read from `/proc` before the first register and after the last welcome. The same run measures
/// both, plain first, so the token's share (an Ed25519 verification per client) is a ratio
/// against a baseline of the same machine at the same moment.
public struct RegistrationBenchmark: Sendable {
    /// The soccer-stream executable.
    public var executable: String
    /// Clients registered in each mode (above ``GeneratorShard/maximumClients``, by several
    /// generator processes, plainly only).
    public var clients = 10_000
    /// The server's `--log-level`: `info`, what a server runs with, writes three lines per
    /// registration; `warning` measures registration without them.
    public var logLevel = "info"
    /// Another build's executable (the build before a change), measured the same way in the same run.
    public var baseline: String?
    /// The C ceiling's source (Benchmarks/register-ceiling.c), measured plainly after the
    /// builds; nil skips it.
    public var ceilingSource: String?
    /// How many times the whole round (this build, the baseline, the ceiling) runs, one round
    /// after another: on a shared machine one run decides little, the median of several more
    /// (``medians(_:)``).
    public var repeats = 1

    /// One mode's figures.
    public struct Mode: Sendable {
        /// Which build: this one or the baseline.
        public var build = "this"
        public var name: String
        public var clients: Int
        /// Server CPU seconds from before the first register to after the last welcome.
        public var serverCPU: Double
        /// The part of ``serverCPU`` spent in the kernel (the datagrams' system calls and their
        /// loopback delivery); the rest is user space.
        public var systemCPU = 0.0
        /// Wall seconds the registering took.
        public var seconds: Double
        /// Which round of ``RegistrationBenchmark/repeats`` measured it (from 1).
        public var round = 1
        /// A mode's figures.
        public init(build: String = "this", name: String, clients: Int, serverCPU: Double, systemCPU: Double = 0, seconds: Double) {
            self.build = build
            self.name = name
            self.clients = clients
            self.serverCPU = serverCPU
            self.systemCPU = systemCPU
            self.seconds = seconds
        }

        /// Server CPU per client, in microseconds.
        public var microsecondsPerClient: Double { 1e6 * serverCPU / Double(max(clients, 1)) }
    }

    public init(executable: String) {
        self.executable = executable
    }

    /// Runs both modes on 127.0.0.1; everything it starts is stopped before it returns.
    public func run() throws -> [Mode] {
        let key = GroupSigningKey()
        // The ceiling runs last: a missing source fails now, not after the builds were measured.
        if let ceilingSource, !FileManager.default.fileExists(atPath: ceilingSource) {
            throw BenchError("the register ceiling's source \(ceilingSource) does not exist (run from the package's folder, or give --ceiling)")
        }
        var modes: [Mode] = []
        for round in 1...max(repeats, 1) {
            // A token per round: however many rounds, none outlives its hour.
            let now = UInt32(Date().timeIntervalSince1970)
            let text: String
            do {
                text = try TokenTool.issue(key: key, subject: "bench", matches: [], lifetime: 3_600, permissions: [.watch, .repair], now: now)
            } catch {
                throw BenchError("cannot issue the benchmark's token: \(error)")
            }
            let token = try SubscriberToken(text: text).encoded()
            for var mode in try runRound(key: key, token: token) {
                mode.round = round
                modes.append(mode)
            }
        }
        return modes
    }

    /// One round: each build plainly (and with a token when one generator holds every client),
    /// then the ceiling.
    private func runRound(key: GroupSigningKey, token: [UInt8]) throws -> [Mode] {
        var modes: [Mode] = []
        for (build, executable) in [("this", executable)] + (baseline.map { [("baseline", $0)] } ?? []) {
            var plain = try measure(name: "plain", executable: executable, arguments: [], token: [])
            plain.build = build
            modes.append(plain)
            // Tokens need every client in one generator process (the shards register plainly).
            guard clients <= GeneratorShard.maximumClients else { continue }
            var tokened = try measure(
                name: "with token", executable: executable,
                arguments: ["--require-token", "--trusted-key", TokenTool.publicText(key.publicKey)], token: token)
            tokened.build = build
            modes.append(tokened)
        }
        if let ceilingSource {
            var ceiling = try measure(name: "plain", start: { port, work in try Self.startCeiling(source: ceilingSource, port: port, work: work) })
            ceiling.build = "C ceiling"
            modes.append(ceiling)
        }
        return modes
    }

    /// The median of each figure (CPU, its kernel part, wall time; each on its own) of every
    /// build and mode over the rounds, in the order they first appear, with round 0.
    public static func medians(_ modes: [Mode]) -> [Mode] {
        Medians.groups(modes, by: { $0.build + "\u{0}" + $0.name }).compactMap { group -> Mode? in
            guard let first = group.first, let cpu = Medians.median(group.map(\.serverCPU)),
                let kernel = Medians.median(group.map(\.systemCPU)), let seconds = Medians.median(group.map(\.seconds))
            else { return nil }
            var median = Mode(build: first.build, name: first.name, clients: first.clients, serverCPU: cpu, systemCPU: kernel, seconds: seconds)
            median.round = 0
            return median
        }
    }

    /// Compiles and starts the registration ceiling on `port`: pre-built answers (this build's
    /// challenge, with a token of its own, and a welcome offering the standard dictionary, as a
    /// server sends them) stamped with each register's identifier, read and sent a batch at a time.
    private static func startCeiling(source: String, port: Int, work: WorkDirectory) throws -> ChildProcess {
        let binary = try work.compile(source, into: "register-ceiling")
        let token = (0..<AddressValidator.tokenSize).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let challenge = try Frame(body: .challenge(Challenge(token: token))).encoded()
        let welcome = try Frame(
            body: .welcome(
                Welcome(
                    format: .compact, dictionary: CompressionDictionary.standard.id, matchID: MatchSimulator(seed: 1).matchID,
                    heartbeatSeconds: 5, intervalMicroseconds: 3_600_000_000, roster: .original, catalog: .english, current: nil))
        ).encoded()
        for (name, bytes) in [("challenge.bin", challenge), ("welcome.bin", welcome), ("token.bin", token)] {
            try Data(bytes).write(to: work.url.appendingPathComponent(name))
        }
        return try ChildProcess(
            binary,
            [
                String(port), work.path("challenge.bin"), work.path("welcome.bin"), work.path("token.bin"),
                String(FrameKind.register.rawValue), String(FrameHeader.subscriptionOffset),
            ])
    }

    private func measure(name: String, executable: String, arguments: [String], token: [UInt8]) throws -> Mode {
        try measure(name: name, token: token) { port, work in
            try ChildProcess(
                executable,
                BenchServer.arguments(
                    port: port, interval: "3600", waitForClients: clients + 1, maxClients: clients, log: work.path("server.log"),
                    ["--original", "deny", "--data-dir", "none", "--log-level", logLevel] + arguments))
        }
    }

    /// Registers every client with what `start` starts on a port: a server waiting for one client
    /// more than are registered (so it never kicks off) and taking every register at once, or the
    /// ceiling.
    private func measure(name: String, token: [UInt8] = [], start: (Int, WorkDirectory) throws -> ChildProcess) throws -> Mode {
        if clients > GeneratorShard.maximumClients {
            return try measureWindow(name: name, start: start, registerAll: registerSharded)
        }
        // The clients' sockets first: bound after the server's port was chosen, one of them
        // could take it before the server binds it (10,000 ephemeral ports of about 28,000).
        let generator = try LoadGenerator(count: clients)
        return try measureWindow(name: name, start: start) { port, _ in
            try generator.register(serverPort: port, format: .compact, seconds: 120, subscriberToken: token, counting: FanOutBenchmark.isEvent)
        }
    }

    /// Starts what answers the registers (`start`), lets it settle (its start-up is not
    /// registration), then reads its CPU time around `registerAll(port, work)`.
    private func measureWindow(
        name: String, start: (Int, WorkDirectory) throws -> ChildProcess, registerAll: (Int, WorkDirectory) throws -> Void
    ) throws -> Mode {
        try WorkDirectory.with("register") { work in
            let port = try FanOutBenchmark.freePort()
            let server = try start(port, work)
            defer {
                server.terminate()
                _ = server.wait(timeout: 10)
            }
            usleep(1_500_000)
            let before = try server.cpuSplitSoFar()
            let began = LoadGenerator.now()
            do {
                try registerAll(port, work)
            } catch {
                // What the server said about it, for the report.
                let log = (try? String(contentsOfFile: work.path("server.log"), encoding: .utf8)) ?? ""
                throw BenchError("\(name): \(error); the server's log ends: \(log.suffix(600))")
            }
            let seconds = LoadGenerator.now() - began
            let after = try server.cpuSplitSoFar()
            return Mode(
                name: name, clients: clients, serverCPU: (after.user + after.system) - (before.user + before.system),
                systemCPU: after.system - before.system, seconds: seconds)
        }
    }

    /// More clients than one generator process holds: shards of at most
    /// ``GeneratorShard/maximumClients`` (`bench generate`, registering only), all at once.
    private func registerSharded(port: Int, work: WorkDirectory) throws {
        var shards: [(ChildProcess, String)] = []
        var first = 0
        while first < clients {
            let count = min(GeneratorShard.maximumClients, clients - first)
            let result = work.path("shard-\(first).txt")
            shards.append(
                (
                    try GeneratorShard.start(
                        executable, serverPort: port, first: first, count: count, expected: 0, idle: 1, patience: 1, result: result),
                    result
                ))
            first += count
        }
        for (shard, result) in shards {
            let exit = shard.wait(timeout: 300)
            guard exit.status == 0 else { throw BenchError("a generator shard failed (status \(exit.status)); see \(result)") }
        }
    }

    /// The figures as a table; with several rounds, a column says which, and each row is
    /// compared with its own round's first (this build, plain).
    public static func table(_ modes: [Mode], logLevel: String) -> String {
        let rounds = Set(modes.map(\.round)).count > 1
        var lines = [
            "registration of \(modes.first?.clients ?? 0) clients (challenge, register, welcome each), server CPU, log level \(logLevel):"
        ]
        lines.append((rounds ? "round " : "") + "build      mode         CPU s   µs/client   of it kernel   ×this plain   wall s")
        for mode in modes {
            let baseline = modes.first { $0.round == mode.round }?.microsecondsPerClient ?? 0
            let kernel = 1e6 * mode.systemCPU / Double(max(mode.clients, 1))
            lines.append(
                (rounds ? String(format: "%5d ", mode.round) : "")
                    + String(
                        format: "%@ %@ %7.3f %11.1f %14.1f %13.2f %8.2f", mode.build.padding(toLength: 10, withPad: " ", startingAt: 0),
                        mode.name.padding(toLength: 11, withPad: " ", startingAt: 0), mode.serverCPU,
                        mode.microsecondsPerClient, kernel, baseline > 0 ? mode.microsecondsPerClient / baseline : 0, mode.seconds))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
