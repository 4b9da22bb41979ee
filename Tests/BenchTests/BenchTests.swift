import Bench
import Foundation
import GroupSigning
import Logging
import Match
import Streaming
import Testing
import Wire

/// The benchmarks must keep running and their outputs stay well formed; no timing is judged here.
@Suite("Benchmarks run", .serialized)
struct BenchTests {
    @Test("the codec benchmark runs both formats and reports a rate")
    func codec() throws {
        for format in [BodyFormat.compact, .json] {
            let result = try CodecBenchmark.run(format: format, seconds: 0.05)
            #expect(result.frames > 0 && result.seconds > 0 && result.perSecond > 0)
        }
    }

    /// A quiet server on 127.0.0.1 at interval 0 that kicks off once `clients` are registered.
    static func server(waitingFor clients: Int, _ adjust: (inout ServerConfiguration) -> Void) async throws -> StreamServer {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.interval = .zero
        configuration.waitForClients = clients
        configuration.registerRate = 0
        adjust(&configuration)
        return try await StreamServer.bind(configuration: configuration, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
    }

    @Test("the load generator registers through the address handshake and counts a whole stream")
    func loadGenerator() async throws {
        let server = try await Self.server(waitingFor: 20) { $0.matches = 2 }
        async let summary = server.run()
        let generator = try LoadGenerator(count: 20)
        let port = server.localAddress.port ?? 0
        let counted: @Sendable (ArraySlice<UInt8>) -> Bool = { $0.count > 3 && $0[$0.startIndex] == 0xFF && $0[$0.startIndex + 3] == 4 }
        // The generator blocks in epoll: on its own thread, so the server's tasks here keep running.
        let reception = try await LoadGenerator.onOwnThread {
            try generator.register(serverPort: port, format: .compact, seconds: 60, counting: counted)
            let events = (1...2).reduce(0) { $0 + MatchSimulator.play(seed: UInt64($1)).events.count }
            return (generator.receive(expected: events * 20, idle: 20, patience: 60, accept: counted), events)
        }
        let totals = try await summary
        #expect(reception.1 * 20 == totals.events * 20)
        #expect(reception.0.datagrams == reception.1 * 20)
    }

    @Test("sealed (bench fanout --encrypt): the load generator registers with a key share through the handshake and counts every sealed event")
    func sealedLoadGenerator() async throws {
        let server = try await Self.server(waitingFor: 20) {
            $0.encryption = .required
            $0.originalAllowed = false
        }
        async let summary = server.run()
        let generator = try LoadGenerator(count: 20)
        let port = server.localAddress.port ?? 0
        let counted: @Sendable (ArraySlice<UInt8>) -> Bool = { $0.count > 3 && $0[$0.startIndex] == 0xFF && $0[$0.startIndex + 3] == 4 }
        let share = KeyShare().publicBytes
        let reception = try await LoadGenerator.onOwnThread {
            try generator.register(serverPort: port, format: .compact, seconds: 60, keyShare: share, counting: counted)
            return generator.receive(expected: MatchSimulator.play(seed: 1).events.count * 20, idle: 20, patience: 60, accept: counted)
        }
        let totals = try await summary
        #expect(reception.datagrams == totals.events * 20 && totals.events > 0)
    }

    @Test("the repair benchmark runs a lossy match through the relay and reports well-formed figures")
    func repair() async throws {
        var impairment = Impairment()
        impairment.loss = 0.2
        var benchmark = RepairBenchmark()
        benchmark.interval = .milliseconds(20)
        let result = try await benchmark.run(clients: 1, impairment: impairment, name: "20 % random")
        #expect(result.expected == MatchSimulator.play(seed: 1).events.count)
        #expect(result.lost == result.repaired + result.unrecovered)
        #expect(RepairBenchmark.table([result]).split(separator: "\n").count == 2)
    }

    @Test("the load generator deals its sockets over several matches, each socket getting every event of its own")
    func loadGeneratorMatches() async throws {
        let server = try await Self.server(waitingFor: 12) { $0.simulate = 3 }
        let ids = server.matchIDs
        async let summary = server.run()
        let generator = try LoadGenerator(count: 12)
        let port = server.localAddress.port ?? 0
        let counted: @Sendable (ArraySlice<UInt8>) -> Bool = { $0.count > 3 && $0[$0.startIndex] == 0xFF && $0[$0.startIndex + 3] == 4 }
        let perSlot = (0..<3).map { slot in
            MatchSimulator.play(seed: MatchSimulator.roundSeed(slot: slot, base: 1), roster: Roster.simulated(slot: slot, seed: 1)).events.count
        }
        let expected = (0..<12).reduce(0) { $0 + perSlot[$1 % 3] }
        let reception = try await LoadGenerator.onOwnThread {
            try generator.register(serverPort: port, format: .compact, matches: ids, seconds: 60, counting: counted)
            return generator.receive(expected: expected, idle: 20, patience: 60, accept: counted)
        }
        let totals = try await summary
        #expect(ids.count == 3 && totals.events == perSlot.reduce(0, +))
        #expect(reception.datagrams == expected)
    }

    @Test("the fan-out table is well formed")
    func table() {
        let ceiling = FanOutBenchmark.Run(expected: 1000, received: 990, seconds: 0.5, cpuSeconds: 0.01, peakResidentMiB: 20)
        let server = FanOutBenchmark.Run(expected: 1000, received: 990, seconds: 0.5, cpuSeconds: 0.05, peakResidentMiB: 20, setupCPUSeconds: 0.037)
        let text = FanOutBenchmark.table([
            FanOutBenchmark.Result(clients: 10, format: .compact, eventsPerClient: 100, server: server, ceiling: ceiling)
        ])
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        // 0.05 s per 1,000 datagrams is 50 s per million; 13 of them after the setup; 1.3× the ceiling's 10.
        #expect(lines[1].contains("1980") && lines[1].contains("1.000") && lines[1].contains("100.0 %"))
        #expect(lines[1].contains("50.00") && lines[1].contains("13.00") && lines[1].contains("1.30×"))
    }

    @Test("--repeat's medians: per format and client count, of the rate and CPU against the ceiling, only where measured more than once")
    func medians() {
        let ceiling = FanOutBenchmark.Run(expected: 1000, received: 1000, seconds: 1, cpuSeconds: 0.01, peakResidentMiB: 20)
        func run(rate: Int, cpu: Double, received: Int = 1000) -> FanOutBenchmark.Run {
            // `rate` datagrams a second against the ceiling's 1,000; `cpu` s while streaming against its 0.01.
            FanOutBenchmark.Run(
                expected: 1000, received: received, seconds: Double(received) / Double(rate), cpuSeconds: 0.1 + cpu, peakResidentMiB: 20,
                setupCPUSeconds: 0.1)
        }
        func result(_ clients: Int, _ server: FanOutBenchmark.Run) -> FanOutBenchmark.Result {
            FanOutBenchmark.Result(clients: clients, format: .json, eventsPerClient: 10, server: server, ceiling: ceiling)
        }
        let text = FanOutBenchmark.medians([
            result(100, run(rate: 800, cpu: 0.013)), result(100, run(rate: 1000, cpu: 0.011)), result(100, run(rate: 950, cpu: 0.02, received: 990)),
            result(10, run(rate: 500, cpu: 0.05)),
        ])
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1, "one group was measured once: no median for it")
        #expect(lines.first == "median of 3 runs: json, 100 client(s): 95.0 % of the ceiling's rate, 1.30× its stream CPU (loss at most 1.000 %)")
        #expect(Medians.median([4, 1, 3, 2]) == 2.5 && Medians.median([]) == nil)
    }
}

@Suite("Relay benchmark")
struct RelayBenchmarkTests {
    /// The soccer-stream executable built next to the tests.
    static func executable() throws -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("soccer-stream").path }
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "soccer-stream not built next to the tests")
    }

    @Test(
        "bench relay runs an origin directly and through two relay processes: every client gets every event both ways, the origin sends one copy per relay, the hops are measured"
    )
    func relay() async throws {
        var benchmark = RelayBenchmark(executable: try Self.executable())
        benchmark.clients = 20
        benchmark.relays = 2
        benchmark.interval = 0.02
        benchmark.matches = 1
        let configured = benchmark
        let result = try await LoadGenerator.onOwnThread { try configured.run() }
        #expect(result.direct.delivered == result.direct.expected && result.relayed.delivered == result.relayed.expected)
        #expect(result.direct.expected == 20 * result.events && result.events > 0)
        // Directly: a copy per client and the probe; relayed: one per relay and the probe (plus the end frames, 3 each).
        #expect(result.direct.originDatagrams >= 21 * result.events && result.relayed.originDatagrams < 4 * (result.events + 3))
        #expect(result.relayed.relayDatagrams.count == 2 && result.relayed.relayDatagrams.allSatisfy { $0 >= 11 * result.events })
        #expect(result.relayed.hopDelays.count >= result.events)
        let table = RelayBenchmark.table(result)
        #expect(table.contains("relayed") && table.contains("delay a hop adds"))
    }
}

@Suite("Registration benchmark")
struct RegistrationBenchmarkTests {
    @Test("bench register registers every client plainly and then with a token a --require-token server verifies, and reports both")
    func register() async throws {
        var benchmark = RegistrationBenchmark(executable: try RelayBenchmarkTests.executable())
        benchmark.clients = 50
        benchmark.ceilingSource =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/register-ceiling.c").path
        let configured = benchmark
        // Each mode throws unless every client was welcomed: the token mode's server refuses a register
        // without a valid token, and the C ceiling answers a register with the welcome only once it
        // carries the challenge's token.
        let modes = try await LoadGenerator.onOwnThread { try configured.run() }
        #expect(modes.map(\.name) == ["plain", "with token", "plain"])
        #expect(modes.map(\.build) == ["this", "this", "C ceiling"])
        for mode in modes {
            #expect(mode.clients == 50 && mode.serverCPU >= 0 && mode.seconds > 0, "\(mode.name)")
            // /proc's user and system times are the process's exact CPU time split by sampled
            // ticks: over a window this short the split may be off by a tick (10 ms) either way
            // (a CI run saw the kernel's part exceed the whole by one).
            let tick = 0.01
            #expect(mode.systemCPU >= -tick && mode.systemCPU <= mode.serverCPU + tick, "\(mode.name): the kernel's part of the CPU")
        }
        let table = RegistrationBenchmark.table(modes, logLevel: "info")
        #expect(table.contains("µs/client") && table.contains("with token") && table.contains("of it kernel"))
        // 2 ms of CPU for 50 clients, 1 ms of it in the kernel: 40 µs and 20 µs per client.
        let made = RegistrationBenchmark.Mode(name: "plain", clients: 50, serverCPU: 0.002, systemCPU: 0.001, seconds: 1)
        let row = RegistrationBenchmark.table([made], logLevel: "info").split(separator: "\n").last ?? ""
        #expect(row.contains("40.0") && row.contains("20.0"), "\(row)")
    }

    @Test("bench register --repeat: each build and mode's median over the rounds, each figure on its own, in first-seen order")
    func medians() {
        func mode(_ build: String, _ name: String, cpu: Double, kernel: Double, round: Int) -> RegistrationBenchmark.Mode {
            var made = RegistrationBenchmark.Mode(build: build, name: name, clients: 100, serverCPU: cpu, systemCPU: kernel, seconds: cpu * 2)
            made.round = round
            return made
        }
        let runs = [
            mode("this", "plain", cpu: 0.003, kernel: 0.001, round: 1), mode("baseline", "plain", cpu: 0.005, kernel: 0.004, round: 1),
            mode("C ceiling", "plain", cpu: 0.001, kernel: 0.001, round: 1),
            mode("this", "plain", cpu: 0.009, kernel: 0.002, round: 2), mode("baseline", "plain", cpu: 0.004, kernel: 0.002, round: 2),
            mode("C ceiling", "plain", cpu: 0.002, kernel: 0.002, round: 2),
            mode("this", "plain", cpu: 0.002, kernel: 0.0015, round: 3), mode("baseline", "plain", cpu: 0.006, kernel: 0.003, round: 3),
            mode("C ceiling", "plain", cpu: 0.0015, kernel: 0.0015, round: 3),
        ]
        let medians = RegistrationBenchmark.medians(runs)
        #expect(medians.map(\.build) == ["this", "baseline", "C ceiling"] && medians.allSatisfy { $0.round == 0 })
        // this: CPU 2, 3, 9 ms -> 3; kernel 1, 1.5, 2 ms -> 1.5 (not the kernel of the median CPU's run).
        #expect(abs(medians[0].microsecondsPerClient - 30) < 1e-9 && abs(medians[0].systemCPU - 0.0015) < 1e-12)
        #expect(abs(medians[1].microsecondsPerClient - 50) < 1e-9 && abs(medians[2].microsecondsPerClient - 15) < 1e-9)
        // The rounds' table: a round column, each row against its own round's first.
        let table = RegistrationBenchmark.table(runs, logLevel: "info")
        #expect(table.contains("round build"))
        let secondBaseline = table.split(separator: "\n").first { $0.hasPrefix("    2 baseline") } ?? ""
        #expect(secondBaseline.contains(" 0.44 "), "4 ms against round 2's 9 ms: \(secondBaseline)")
        #expect(!RegistrationBenchmark.table(medians, logLevel: "info").contains("round"))
        // An even count: the mean of the middle two.
        #expect(abs((RegistrationBenchmark.medians(Array(runs.prefix(6)))[0].serverCPU) - 0.006) < 1e-12)
    }
}

@Suite("Multicast benchmark")
struct MulticastBenchmarkTests {
    @Test(
        "bench multicast runs unicast and multicast receivers in a namespace: every receiver gets every event both ways, the origin sends one group event per event",
        .enabled(if: NetworkNamespace.available, "needs root and ip(8): the benchmark makes a network namespace of its own"))
    func multicast() async throws {
        var benchmark = MulticastBenchmark(executable: try RelayBenchmarkTests.executable())
        benchmark.receivers = 20
        benchmark.repeats = 1
        benchmark.interval = 0.01
        let result = try await benchmark.run()
        #expect(result.events > 0 && result.unicast.expected == 20 * result.events)
        #expect(result.unicast.delivered == result.unicast.expected && result.multicast.delivered == result.multicast.expected)
        #expect(result.baseline.delivered == result.events)
        // Unicast: a copy per receiver; multicast: one group event per event, the rest (challenges, welcomes, ends) unicast.
        #expect(result.unicast.originDatagrams >= 20 * result.events && result.multicast.groupDatagrams == result.events)
        // Per receiver: a challenge and a welcome (again for a register resent under load) and the
        // end's repeats; never a copy per event (20 × events).
        #expect(result.multicast.originDatagrams - result.multicast.groupDatagrams <= 20 * 8, "\(result.multicast)")
        #expect(result.multicast.originDatagrams - result.multicast.groupDatagrams < 20 * result.events / 2)
        #expect(result.signMicroseconds > 0 && result.verifyMicroseconds > 0)
        let table = MulticastBenchmark.table(result)
        #expect(table.contains("multicast") && table.contains("Ed25519"))
    }
}
