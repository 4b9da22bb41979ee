import Foundation
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Relays measured (issue 15): an origin server process streaming to `clients` load-generator
/// clients directly, and then through `relays` relay processes (`soccer-stream relay`), the
/// clients dealt evenly over them. Reported: the origin's CPU and datagrams either way, the
/// relays' CPU per million datagrams, and the delay a hop adds (per event: the arrival at a
/// probe client of a relay minus the arrival at a probe client of the origin, CLOCK_MONOTONIC).
public struct RelayBenchmark: Sendable {
    /// The soccer-stream executable.
    public var executable: String
    public var clients = 10_000
    public var relays = 2
    /// Seconds between events.
    public var interval = 0.05
    /// Simulated matches back to back (about 45 events each).
    public var matches = 2

    public init(executable: String) {
        self.executable = executable
    }

    /// One topology's figures.
    public struct Side: Sendable {
        /// Datagrams the clients should get (events × clients) and got.
        public var expected: Int
        public var delivered: Int
        /// The origin's CPU seconds and datagrams sent (from its log's totals).
        public var originCPUSeconds: Double
        public var originDatagrams: Int
        /// Each relay's CPU seconds and datagrams sent (none for the direct run).
        public var relayCPUSeconds: [Double] = []
        public var relayDatagrams: [Int] = []
        /// Per event and relay: seconds from the origin probe's arrival to the relay probe's.
        public var hopDelays: [Double] = []
    }

    /// Both runs.
    public struct Result: Sendable {
        public var clients: Int
        public var relays: Int
        public var events: Int
        public var direct: Side
        public var relayed: Side
    }

    /// Runs the direct topology, then the relayed one.
    public func run() throws -> Result {
        try WorkDirectory.with("relay") { work in
            // The origin plays slot 0 of seed 1 (its back-to-back matches as fan-out's do).
            let events = FanOutBenchmark.slots(concurrent: 1, matches: matches).events.first ?? 0
            let direct = try measure(relays: 0, events: events, work: work)
            let relayed = try measure(relays: relays, events: events, work: work)
            return Result(clients: clients, relays: relays, events: events, direct: direct, relayed: relayed)
        }
    }

    /// One run: the origin, `relays` relays (0: none), the clients and the probes.
    func measure(relays: Int, events: Int, work: WorkDirectory) throws -> Side {
        let tag = relays == 0 ? "direct" : "relayed"
        let originPort = try FanOutBenchmark.freePort()
        // The origin kicks off once its probe and its direct clients (or its relays) are registered.
        let originClients = (relays == 0 ? clients : relays) + 1
        let common = [
            "--host", "127.0.0.1", "--register-rate", "0", "--original", "deny", "--repair-grace", "0", "--data-dir", "none",
            "--client-timeout", "3600", "--max-clients", String(clients + 16),
        ]
        let origin = try ChildProcess(
            executable,
            [
                "server", "--port", String(originPort), "--interval", String(interval), "--seed", "1",
                "--matches", String(matches), "--wait-for-clients", String(originClients),
                "--log-file", work.path("origin-\(tag).log"),
            ] + common)
        var relayProcesses: [ChildProcess] = []
        var relayPorts: [Int] = []
        for index in 0..<relays {
            let port = try FanOutBenchmark.freePort()
            relayPorts.append(port)
            relayProcesses.append(
                try ChildProcess(
                    executable,
                    [
                        "relay", "--upstream", "127.0.0.1:\(originPort)", "--port", String(port),
                        "--log-file", work.path("relay-\(index)-\(tag).log"),
                    ] + common))
        }
        // The clients (on the origin, or dealt over the relays), each relay's probe, then the origin's.
        let ports = relays == 0 ? [originPort] : relayPorts
        var generators: [LoadGenerator] = []
        var probes: [LoadGenerator] = []
        var first = 0
        let originProbe = try ChildProcess.stoppedOnFailure([origin] + relayProcesses) { () throws -> LoadGenerator in
            for (index, port) in ports.enumerated() {
                let count = clients / ports.count + (index < clients % ports.count ? 1 : 0)
                let generator = try LoadGenerator(count: count, firstIndex: first)
                first += count
                try generator.register(serverPort: port, format: .compact, counting: FanOutBenchmark.isEvent)
                generators.append(generator)
                if relays > 0 {
                    let probe = try LoadGenerator(count: 1, firstIndex: first)
                    first += 1
                    try probe.register(serverPort: port, format: .compact, counting: { _ in false })
                    probes.append(probe)
                }
            }
            let originProbe = try LoadGenerator(count: 1, firstIndex: first)
            try originProbe.register(serverPort: originPort, format: .compact, counting: { _ in false })
            return originProbe
        }
        // Everyone receives at once, each on a thread of its own.
        let idle = max(2.0, 4 * interval)
        let expectedPer = generators.map { $0.sockets.count * events }
        let group = DispatchGroup()
        let counts = Locked([Int](repeating: 0, count: generators.count))
        let probeArrivals = Locked([[UInt32: Double]](repeating: [:], count: probes.count + 1))
        for (index, generator) in generators.enumerated() {
            DispatchQueue.global().async(group: group) {
                let reception = generator.receive(expected: expectedPer[index], idle: idle, patience: 60, accept: FanOutBenchmark.isEvent)
                counts.update { $0[index] = reception.datagrams }
            }
        }
        for (index, probe) in (probes + [originProbe]).enumerated() {
            DispatchQueue.global().async(group: group) {
                let seen = probe.arrivals(expected: events, idle: idle, patience: 60)
                probeArrivals.update { $0[index] = seen }
            }
        }
        group.wait()
        let originExit = origin.wait(timeout: 60)
        var relayCPU: [Double] = []
        for relay in relayProcesses { relayCPU.append(relay.wait(timeout: 60).cpuSeconds) }
        let arrivals = probeArrivals.value
        let atOrigin = arrivals[arrivals.count - 1]
        var delays: [Double] = []
        for relayArrivals in arrivals.dropLast() {
            for (sequence, time) in relayArrivals {
                if let base = atOrigin[sequence] { delays.append(time - base) }
            }
        }
        return Side(
            expected: expectedPer.reduce(0, +), delivered: counts.value.reduce(0, +), originCPUSeconds: originExit.cpuSeconds,
            originDatagrams: try ServerLogTotals(log: work.path("origin-\(tag).log")).datagramsSent,
            relayCPUSeconds: relayCPU,
            relayDatagrams: try (0..<relays).map { try ServerLogTotals(log: work.path("relay-\($0)-\(tag).log")).datagramsSent },
            hopDelays: delays)
    }

    /// The `p`-quantile (0...1) of `values`, nearest rank; nil when there are none.
    static func quantile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }

    /// The table `bench relay` prints.
    public static func table(_ result: Result) -> String {
        func millions(_ count: Int) -> Double { Double(count) / 1e6 }
        let direct = result.direct
        let relayed = result.relayed
        var lines = [
            "\(result.clients) clients, \(result.events) events each; \(result.relays) relays",
            "",
            "topology   delivered/expected   origin dgrams   origin CPU s   origin CPU s/M   relay CPU s (each)   relay CPU s/M (each)",
        ]
        func row(_ name: String, _ side: Side) -> String {
            let relayCPU = side.relayCPUSeconds.map { String(format: "%.2f", $0) }.joined(separator: " / ")
            let relayPerMillion = zip(side.relayCPUSeconds, side.relayDatagrams).map { cpu, sent in
                sent > 0 ? String(format: "%.2f", cpu / millions(sent)) : "-"
            }.joined(separator: " / ")
            return [
                name.padding(toLength: 9, withPad: " ", startingAt: 0),
                "\(side.delivered)/\(side.expected)".leftPadded(20),
                String(side.originDatagrams).leftPadded(15),
                String(format: "%.2f", side.originCPUSeconds).leftPadded(14),
                (side.originDatagrams > 0 ? String(format: "%.2f", side.originCPUSeconds / millions(side.originDatagrams)) : "-").leftPadded(16),
                (relayCPU.isEmpty ? "-" : relayCPU).leftPadded(20),
                (relayPerMillion.isEmpty ? "-" : relayPerMillion).leftPadded(22),
            ].joined(separator: " ")
        }
        lines.append(row("direct", direct))
        lines.append(row("relayed", relayed))
        if direct.originCPUSeconds > 0, direct.originDatagrams > 0 {
            lines.append("")
            lines.append(
                String(
                    format: "origin with relays: %.1f%% of the datagrams, %.1f%% of the CPU of serving the clients directly",
                    100 * Double(relayed.originDatagrams) / Double(direct.originDatagrams),
                    100 * relayed.originCPUSeconds / direct.originCPUSeconds))
        }
        if let p50 = quantile(relayed.hopDelays, 0.5), let p99 = quantile(relayed.hopDelays, 0.99) {
            lines.append(
                String(
                    format: "delay a hop adds (origin probe → relay probe, %d events): p50 %.2f ms, p99 %.2f ms",
                    relayed.hopDelays.count, p50 * 1000, p99 * 1000))
        } else {
            lines.append("delay a hop adds: no event reached both probes")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
