import ArgumentParser
import Bench
import Foundation
import Match
import Streaming
import Toolkit
import Wire

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure datagram sizes, codec throughput and fan-out (on 127.0.0.1 only).",
        subcommands: [
            Sizes.self, Codec.self, FanOut.self, Relay.self, Multicast.self, Idle.self, Pace.self, Register.self, Repair.self, Generate.self,
        ])

    struct Relay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "An origin serving N clients directly, then through relay processes: the origin's CPU and datagrams, the relays', the delay a hop adds."
        )
        @Option(help: "Clients in all (dealt evenly over the relays).") var clients = 10_000
        @Option(help: "Relay processes under the origin.") var relays = 2
        @OptionGroup var pace: PaceOptions<RelayBenchDefaults>
        @Option(help: "Simulated matches back to back (about 45 events each).") var matches = 2

        func run() async throws {
            guard (1...40_000).contains(clients) else { throw ValidationError("--clients takes 1...40000 (one generator process each side)") }
            guard (1...8).contains(relays) else { throw ValidationError("--relays takes 1...8") }
            guard (1...100).contains(matches) else { throw ValidationError("--matches takes 1...100") }
            var benchmark = RelayBenchmark(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
            benchmark.clients = clients
            benchmark.relays = relays
            benchmark.interval = try pace.seconds()
            benchmark.matches = matches
            let configured = benchmark
            let result = try await LoadGenerator.onOwnThread { try configured.run() }
            StandardOutput.write(RelayBenchmark.table(result))
        }
    }

    struct Multicast: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "In a network namespace of its own (needs root): an origin serving N unicast clients, then N multicast receivers; the origin's CPU per event and datagrams either way."
        )
        @Option(help: "Receivers each side.") var receivers = 1_000
        @OptionGroup var pace: PaceOptions<MulticastBenchDefaults>
        @Option(help: "Simulated matches back to back (about 45 events each; between two, every receiver's end frames count in the events' CPU).")
        var matches = 1
        @Option(help: "Runs of each side, added up (the CPU is read in 10 ms ticks).") var repeats = 5

        func run() async throws {
            guard (1...10_000).contains(receivers) else { throw ValidationError("--receivers takes 1...10000") }
            guard (1...100).contains(matches) else { throw ValidationError("--matches takes 1...100") }
            var benchmark = MulticastBenchmark(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
            benchmark.receivers = receivers
            benchmark.interval = try pace.seconds()
            benchmark.matches = matches
            guard (1...50).contains(repeats) else { throw ValidationError("--repeats takes 1...50") }
            benchmark.repeats = repeats
            let result = try await benchmark.run()
            StandardOutput.write(MulticastBenchmark.table(result))
        }
    }

    struct Sizes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bytes per event datagram over seeded matches, per encoding.")
        @Option(help: "Matches measured (seeds 1...N).") var matches = 100

        func run() async throws {
            StandardOutput.write(try SizeReport(seeds: (1...UInt64(max(1, matches))).map { $0 }).textLines().joined(separator: "\n") + "\n")
        }
    }

    struct Codec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Encode + decode of event frames per second on one core, per format.")
        @Option(parsing: .unconditional, help: "CPU seconds per format.") var seconds = 2.0
        @Option(help: "The formats measured: compact, json or both.") var format: BenchFormatChoice = .both
        @Option(help: "Run exactly this many frames instead of for --seconds.") var frames: Int?
        @Option(help: "Also count allocations per frame with this LD_PRELOAD counter's source.") var allocations: String?

        func run() async throws {
            let formats = format.formats
            for format in formats {
                let result = try CodecBenchmark.run(format: format, seconds: seconds, frames: frames)
                StandardOutput.write(
                    "\(format.name.padded(to: 8)) \(Int(result.perSecond)) encode+decode per second on one core (\(result.frames) frames, \(String(format: "%.2f", result.seconds)) s)\n"
                )
                if let allocations {
                    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
                    let perFrame = try CodecBenchmark.allocationsPerFrame(format: format, executable: executable, counterSource: allocations)
                    StandardOutput.write("\(format.name.padded(to: 8)) \(String(format: "%.2f", perFrame)) allocations per encode+decode\n")
                }
            }
        }
    }

    struct Idle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "CPU of a server holding N registered clients between two events, and of an idle client, over a window.")
        @Option(help: "Registered load-generator clients (1...20000).") var clients = 10_000
        @Option(parsing: .unconditional, help: "The measured window in seconds (1...600).") var seconds = 10.0
        @Option(help: "Measure this soccer-stream executable's server and client instead of this one (e.g. an older build).")
        var executable: String?

        func run() async throws {
            guard (1...20_000).contains(clients) else { throw ValidationError("--clients: \(clients); expected 1...20000") }
            guard seconds.isFinite, (1...600).contains(seconds) else { throw ValidationError("--seconds: \(seconds); expected 1...600") }
            var benchmark = IdleBenchmark(executable: executable ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
            benchmark.clients = clients
            benchmark.seconds = seconds
            let result = try benchmark.run()
            StandardOutput.write(
                String(
                    format: "idle over %.1f s: server with %d clients %.3f CPU s (%.2f %% of a core); idle client %.3f CPU s (%.2f %%)\n",
                    result.seconds, result.clients, result.serverCPU, result.serverPercent, result.clientCPU, result.clientPercent))
        }
    }

    struct Pace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Server CPU per event with one client at a real pace, with and without the durable match log.")
        @OptionGroup var pace: PaceOptions<PaceBenchDefaults>
        @Option(help: "Events measured per run (2...600).") var events = 30
        @Option(help: "The C ceiling's source, run at the same pace (empty: skip it).") var ceiling = "Benchmarks/ceiling.c"
        @OptionGroup var baselineOption: BaselineOption

        func run() async throws {
            guard (2...600).contains(events) else { throw ValidationError("--events: \(events); expected 2...600") }
            let interval = try pace.seconds()
            var benchmark = PaceBenchmark(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
            benchmark.interval = interval
            benchmark.events = events
            let configured = benchmark
            let builds = [(configured.executable, "this")] + (baselineOption.baseline.map { [($0, "baseline")] } ?? [])
            var runs: [PaceBenchmark.Run] = []
            if !ceiling.isEmpty {
                let source = ceiling
                let run = try await LoadGenerator.onOwnThread { try configured.measureCeiling(source: source) }
                runs.append(run)
                StandardOutput.write(PaceBenchmark.table([run], interval: interval).split(separator: "\n").last.map { $0 + "\n" } ?? "")
            }
            for durable in [false, true] {
                for (executable, label) in builds {
                    let run = try await LoadGenerator.onOwnThread { try configured.measure(executable, label: label, durable: durable) }
                    runs.append(run)
                    StandardOutput.write(PaceBenchmark.table([run], interval: interval).split(separator: "\n").last.map { $0 + "\n" } ?? "")
                }
            }
            StandardOutput.write("\n" + PaceBenchmark.table(runs, interval: interval))
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Server CPU per registration (challenge, register, welcome), plain and with subscriber tokens, in one run.")
        @Option(help: "Clients registered in each mode (1...200000; above 19000 by several generator processes, plainly only).")
        var clients = 10_000
        @Option(help: "The server's --log-level (info, what a server runs with, logs each registration).") var logLevel = "info"
        @Option(help: "The C ceiling's source, registering the same clients plainly (empty: skip it).")
        var ceiling = "Benchmarks/register-ceiling.c"
        @Option(
            name: .customLong("repeat"),
            help: "Rounds (this build, --baseline, the ceiling) run one after another; above 1, the medians follow (1...20).")
        var repeats = 1
        @OptionGroup var baselineOption: BaselineOption

        func run() async throws {
            guard (1...200_000).contains(clients) else { throw ValidationError("--clients: \(clients); expected 1...200000") }
            guard (1...20).contains(repeats) else { throw ValidationError("--repeat: \(repeats); expected 1...20") }
            guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
                throw ValidationError("--log-level: \(logLevel); expected trace, debug, info, notice, warning, error or critical")
            }
            var benchmark = RegistrationBenchmark(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
            benchmark.clients = clients
            benchmark.logLevel = logLevel
            benchmark.baseline = baselineOption.baseline
            benchmark.ceilingSource = ceiling.isEmpty ? nil : ceiling
            benchmark.repeats = repeats
            let configured = benchmark
            let modes = try await LoadGenerator.onOwnThread { try configured.run() }
            StandardOutput.write(RegistrationBenchmark.table(modes, logLevel: logLevel))
            if repeats > 1 {
                StandardOutput.write(
                    "\nmedians of \(repeats) rounds:\n" + RegistrationBenchmark.table(RegistrationBenchmark.medians(modes), logLevel: logLevel))
            }
        }
    }

    /// One load-generator process of a sharded `bench fanout` (more clients than one process can hold).
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Internal: one load-generator shard of bench fanout (registers its sockets, counts events, writes the figures).",
            shouldDisplay: false)
        @Option var port: Int
        @Option var count: Int
        @Option var firstIndex: Int
        @Option var format: FormatChoice = .compact
        @Option var matches: String = ""
        @Option var expected: Int
        @Option var idle: Double
        @Option var patience: Double
        @Option var result: String

        func run() async throws {
            let ids = try matches.split(separator: ",").map { part in
                guard let id = UInt32(part) else { throw ValidationError("--matches takes match ids, comma-separated; got '\(part)'") }
                return id
            }
            try GeneratorShard.run(
                serverPort: port, count: count, firstIndex: firstIndex, format: format.format, matches: ids,
                expected: expected, idle: idle, patience: patience, resultPath: result)
        }
    }

    struct Repair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Gap repair through soccer-stream impair (loss both ways, 5 ms each way): residual loss, repair traffic, repair delay.")
        @Option(help: "Client counts, comma-separated (1...1000).") var clients = "1,100,1000"
        @Option(help: "Random loss rates, comma-separated (0...0.9), each both ways.") var loss = "0.1,0.3,0.5"
        @Flag(help: "Add a bursty setting (Gilbert–Elliott: enter 0.05, leave 0.25; about 17 % loss in bursts of 4).") var burst = false
        @Option(help: "Milliseconds between events (at least 40: four round trips).") var interval = 50

        func run() async throws {
            let counts = clients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let rates = loss.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.allSatisfy({ (1...1000).contains($0) }) else {
                throw ValidationError("--clients takes counts 1...1000, comma-separated")
            }
            guard !rates.isEmpty, rates.allSatisfy({ (0...0.9).contains($0) }) else {
                throw ValidationError("--loss takes rates 0...0.9, comma-separated")
            }
            var settings: [(String, Impairment)] = rates.map { rate in
                var impairment = Impairment()
                impairment.loss = rate
                return ("\(Int((rate * 100).rounded())) % random", impairment)
            }
            if burst {
                var impairment = Impairment()
                impairment.burst = BurstLoss(enterBad: 0.05, leaveBad: 0.25)
                settings.append(("bursty 17 %", impairment))
            }
            guard (40...10_000).contains(interval) else {
                throw ValidationError("--interval takes 40...10000 milliseconds (at least four 10 ms round trips)")
            }
            var results: [RepairBenchmark.Result] = []
            var benchmark = RepairBenchmark()
            benchmark.interval = .milliseconds(interval)
            for (name, impairment) in settings {
                for count in counts {
                    results.append(try await benchmark.run(clients: count, impairment: impairment, name: name))
                    StandardOutput.write(RepairBenchmark.table([results[results.count - 1]]).split(separator: "\n").last.map { $0 + "\n" } ?? "")
                }
            }
            StandardOutput.write("\n" + RepairBenchmark.table(results))
        }
    }

    struct FanOut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fanout",
            abstract: "One server at interval 0 to N loopback clients, and the C sendmmsg ceiling to the same clients.")
        @Option(help: "Client counts, comma-separated.") var clients = "1,100,1000,10000"
        @Option(help: "The formats measured: compact, json, original (the original protocol's bare JSON), both (compact and json) or all.")
        var format: FanOutFormatChoice = .compact
        @OptionGroup var baselineOption: BaselineOption
        @Option(help: "About how many datagrams each run sends.") var datagrams = 2_000_000
        @Option(
            name: .customLong("repeat"),
            help:
                "Runs of each format and client count, one after another; with more than one, the medians of the comparisons with the ceiling follow the table (1...20)."
        )
        var repetitions = 1
        @Option(help: "The C ceiling's source (empty: skip it).") var ceiling = "Benchmarks/ceiling.c"
        @Option(help: "Also count the server's allocations with this LD_PRELOAD counter's source (10 vs 1000 clients).") var allocations: String?
        @Option(help: "Simulated matches the server carries at once (server --simulate), the clients dealt over them.") var matches = 1
        @OptionGroup var pace: PaceOptions<FanOutBenchDefaults>
        @Flag(help: "The server also serves Prometheus metrics (--metrics-port), to measure what counting them costs.") var metrics = false
        @Flag(help: "The server writes its durable match log (--data-dir), to measure what durability costs.") var durable = false
        @Flag(
            help:
                "Also measure each count with every subscription sealed (server --encrypt required, Spec/ENCRYPTION.md), in the same run: plaintext, sealed, and the C ceiling."
        )
        var encrypt = false

        func run() async throws {
            let counts = clients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.allSatisfy({ (1...200_000).contains($0) }) else {
                throw ValidationError("--clients takes counts 1...200000, comma-separated")
            }
            guard (1...1000).contains(matches) else { throw ValidationError("--matches takes 1...1000") }
            guard (1...20).contains(repetitions) else { throw ValidationError("--repeat: \(repetitions); expected 1...20") }
            let interval = try pace.seconds()
            let runs = format.runs
            let formats = runs.filter { !$0.original }.map(\.format)
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            var benchmark = FanOutBenchmark(executable: executable, ceilingSource: ceiling.isEmpty ? nil : ceiling)
            benchmark.baseline = baselineOption.baseline
            benchmark.targetDatagrams = datagrams
            benchmark.interval = interval
            benchmark.metrics = metrics
            benchmark.durable = durable
            var results: [FanOutBenchmark.Result] = []
            for (format, original) in runs {
                for count in counts {
                    for _ in 0..<repetitions {
                        results.append(try benchmark.run(clients: count, format: format, concurrent: matches, original: original))
                        StandardOutput.write(FanOutBenchmark.table([results[results.count - 1]]).split(separator: "\n").last.map { $0 + "\n" } ?? "")
                        if encrypt && !original {
                            let plain = results[results.count - 1]
                            results.append(try benchmark.run(clients: count, format: format, concurrent: matches, sealed: true))
                            let sealed = results[results.count - 1]
                            StandardOutput.write(FanOutBenchmark.table([sealed]).split(separator: "\n").last.map { $0 + "\n" } ?? "")
                            if let ours = plain.server.streamingCPUPerMillion, let enc = sealed.server.streamingCPUPerMillion, ours > 0 {
                                let ceiling = plain.ceiling.map { String(format: ", %.2f× the C ceiling's", enc / max($0.cpuPerMillion, 1e-9)) } ?? ""
                                StandardOutput.write(
                                    String(format: "sealed: stream CPU %.2f s per million datagrams, %.2f× plaintext's (%.2f)", enc, enc / ours, ours)
                                        + ceiling
                                        + "\n")
                            }
                        }
                    }
                }
            }
            StandardOutput.write("\n" + FanOutBenchmark.table(results) + FanOutBenchmark.medians(results))
            if let allocations {
                for format in formats {
                    let counted = try benchmark.allocations(format: format, counterSource: allocations)
                    StandardOutput.write(
                        "\(format.name): steady-state streaming of \(counted.extraEvents) events: \(counted.smallStreaming) allocations to \(counted.smallClients) clients, \(counted.largeStreaming) to \(counted.largeClients): "
                            + String(format: "%.4f allocations per client per event, %.1f per event\n", counted.perClientPerEvent, counted.perEvent))
                }
            }
        }
    }
}
