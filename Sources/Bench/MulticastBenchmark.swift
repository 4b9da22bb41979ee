import Foundation
import GroupSigning
import Match
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Multicast measured (issue 15), in a network namespace of its own (loopback up, multicast on,
/// a route for 224.0.0.0/4): an origin server process streaming to `receivers` unicast
/// clients, then to as many multicast receivers (registered for group delivery, each a socket
/// joined to the group). Reported: the origin's CPU per event and its datagrams either way.
/// Needs root (`ip netns`); every datagram stays inside the namespace.
public struct MulticastBenchmark: Sendable {
    /// The soccer-stream executable.
    public var executable: String
    public var receivers = 1_000
    /// Seconds between events.
    public var interval = 0.02
    /// Simulated matches back to back (about 45 events each).
    public var matches = 1
    /// Runs of each side, added up (the CPU is read in 10 ms ticks: more runs, finer figures).
    public var repeats = 5
    /// The group, inside the namespace.
    public var group = "239.255.7.1"
    public var groupPort = 15_000

    public init(executable: String) {
        self.executable = executable
    }

    /// One run's figures.
    public struct Side: Sendable {
        /// Events the receivers should get (events × receivers), and got.
        public var expected: Int
        public var delivered: Int
        /// The origin's CPU seconds while streaming the events (from the last welcome to the last
        /// event's arrival at the receivers), and over its whole run (registration and ends too);
        /// and the datagrams it sent in all (its log's totals).
        public var originCPUSeconds: Double
        /// Of the events' CPU, the part in user space (encoding, signing, the fan-out's copies);
        /// the rest is the kernel's: sending, and on loopback also delivering every copy to the
        /// receivers' sockets, which on a network the receivers' machines (and for a group, the
        /// switches) do.
        public var userCPUSeconds: Double
        public var wholeRunCPUSeconds: Double
        public var originDatagrams: Int
        /// Of those, signed group events.
        public var groupDatagrams: Int

        /// Adds another run's figures.
        mutating func add(_ other: Side) {
            expected += other.expected
            delivered += other.delivered
            originCPUSeconds += other.originCPUSeconds
            userCPUSeconds += other.userCPUSeconds
            wholeRunCPUSeconds += other.wholeRunCPUSeconds
            originDatagrams += other.originDatagrams
            groupDatagrams += other.groupDatagrams
        }
    }

    /// Both runs.
    public struct Result: Sendable {
        public var receivers: Int
        /// Events per run, and runs per side.
        public var events: Int
        public var repeats: Int
        /// The same stream to one unicast receiver: what an event costs the origin whoever watches.
        public var baseline: Side
        public var unicast: Side
        public var multicast: Side
        /// Microseconds to sign one compact group event, and to check its signature, on one core.
        public var signMicroseconds: Double
        public var verifyMicroseconds: Double
    }

    /// The cost of Ed25519 per group event on this thread: signs and then checks `count`
    /// compact group events of simulated matches.
    public static func signingCost(count: Int = 5_000) throws -> (sign: Double, verify: Double) {
        let key = GroupSigningKey()
        let events = (1...5).flatMap { MatchSimulator.play(seed: UInt64($0)).events }
        let frames = try events.enumerated().map { try Frame.compactEvent($1, sequence: UInt32($0)).encoded() }
        var signed: [[UInt8]] = []
        signed.reserveCapacity(count)
        let start = LoadGenerator.threadCPU()
        for index in 0..<count { signed.append(try key.groupEvent(from: frames[index % frames.count], matchID: 7)) }
        let middle = LoadGenerator.threadCPU()
        var valid = 0
        for bytes in signed where GroupSignature.isValid(bytes, key: key.publicKey) { valid += 1 }
        let end = LoadGenerator.threadCPU()
        guard valid == count else { throw BenchError("\(count - valid) of \(count) signed group events did not verify") }
        return ((middle - start) * 1e6 / Double(count), (end - middle) * 1e6 / Double(count))
    }

    /// Makes a namespace of its own, runs both sides inside it (on a thread that entered it:
    /// the processes it spawns and the sockets it opens are the namespace's), and removes it.
    public func run() async throws -> Result {
        guard geteuid() == 0 else { throw BenchError("bench multicast needs root: it makes a network namespace of its own (ip netns)") }
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let benchmark = self
        return try await namespace.onThread {
            try WorkDirectory.with("multicast") { work in
                let events = FanOutBenchmark.slots(concurrent: 1, matches: benchmark.matches).events.first ?? 0
                func measure(multicast: Bool, receivers: Int, run: Int) throws -> Side {
                    try benchmark.measure(multicast: multicast, receivers: receivers, events: events, work: work, run: run)
                }
                var baseline = try measure(multicast: false, receivers: 1, run: 0)
                var unicast = try measure(multicast: false, receivers: benchmark.receivers, run: 0)
                var multicast = try measure(multicast: true, receivers: benchmark.receivers, run: 0)
                for run in 1..<max(1, benchmark.repeats) {
                    baseline.add(try measure(multicast: false, receivers: 1, run: run))
                    unicast.add(try measure(multicast: false, receivers: benchmark.receivers, run: run))
                    multicast.add(try measure(multicast: true, receivers: benchmark.receivers, run: run))
                }
                let (sign, verify) = try Self.signingCost()
                return Result(
                    receivers: benchmark.receivers, events: events, repeats: max(1, benchmark.repeats), baseline: baseline,
                    unicast: unicast, multicast: multicast, signMicroseconds: sign, verifyMicroseconds: verify)
            }
        }
    }

    /// One run: the origin and its receivers, unicast or on the group.
    func measure(multicast: Bool, receivers: Int, events: Int, work: WorkDirectory, run: Int) throws -> Side {
        let tag = (multicast ? "multicast" : "unicast-\(receivers)") + "-\(run)"
        let port = try FanOutBenchmark.freePort()
        let log = work.path("origin-\(tag).log")
        let origin = try ChildProcess(
            executable,
            BenchServer.arguments(
                port: port, interval: String(interval), waitForClients: receivers, maxClients: receivers + 16, log: log,
                ["--matches", String(matches), "--original", "deny", "--repair-grace", "0", "--data-dir", "none"]
                    + (multicast ? ["--multicast", "\(group):\(groupPort)"] : [])))
        // Unicast: the registered sockets receive. Multicast: they only register; the group's
        // sockets (one per receiver, joined before anyone registers) receive.
        let registered = try LoadGenerator(count: receivers)
        let listeners = multicast ? try LoadGenerator(count: receivers, group: (group, groupPort)) : registered
        let accept: (ArraySlice<UInt8>) -> Bool
        if multicast {
            accept = { Self.isGroupEvent($0) }
        } else {
            accept = { FanOutBenchmark.isEvent($0) }
        }
        try ChildProcess.stoppedOnFailure([origin]) {
            try registered.register(serverPort: port, format: .compact, delivery: multicast ? .group : .unicast, counting: accept)
        }
        // The stream's CPU: from the last welcome (registration costs the same either way) to the end.
        let registeredCPU = try origin.cpuSplitSoFar()
        let reception = listeners.receive(expected: receivers * events, idle: max(2.0, 4 * interval), patience: 60, accept: accept)
        // The events' CPU: up to the last event's arrival (the ends, unicast either way, after it).
        let endCPU = try origin.cpuSplitSoFar()
        let (user, system) = (endCPU.user - registeredCPU.user, endCPU.system - registeredCPU.system)
        let exit = origin.wait(timeout: 120)
        let totals = try ServerLogTotals(log: log)
        return Side(
            expected: receivers * events, delivered: reception.datagrams, originCPUSeconds: user + system, userCPUSeconds: user,
            wholeRunCPUSeconds: exit.cpuSeconds, originDatagrams: totals.datagramsSent, groupDatagrams: totals.groupEventsSent)
    }

    /// Whether `bytes` are a group event frame (kind 13).
    static func isGroupEvent(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count > 3 && bytes[bytes.startIndex] == 0xFF && bytes[bytes.startIndex + 3] == FrameKind.groupEvent.rawValue
    }

    /// The table `bench multicast` prints.
    public static func table(_ result: Result) -> String {
        let events = Double(max(1, result.events * result.repeats))
        var lines = [
            "\(result.receivers) receivers, \(result.events) events each, \(result.repeats) runs a side, in a network namespace of its own",
            "",
            "delivery    delivered/expected   origin dgrams   of them to the group   events' CPU s   ms/event (user + kernel)   whole run CPU s",
        ]
        func row(_ name: String, _ side: Side) -> String {
            [
                name.padding(toLength: 10, withPad: " ", startingAt: 0),
                "\(side.delivered)/\(side.expected)".leftPadded(20),
                String(side.originDatagrams).leftPadded(15),
                String(side.groupDatagrams).leftPadded(22),
                String(format: "%.2f", side.originCPUSeconds).leftPadded(15),
                String(
                    format: "%.3f (%.3f + %.3f)", side.originCPUSeconds * 1000 / events, side.userCPUSeconds * 1000 / events,
                    (side.originCPUSeconds - side.userCPUSeconds) * 1000 / events
                ).leftPadded(26),
                String(format: "%.2f", side.wholeRunCPUSeconds).leftPadded(17),
            ].joined(separator: " ")
        }
        lines.append(row("1 unicast", result.baseline))
        lines.append(row("unicast", result.unicast))
        lines.append(row("multicast", result.multicast))
        if result.unicast.originCPUSeconds > 0 {
            lines.append("")
            lines.append(
                String(
                    format: "multicast: %.1f%% of the origin's CPU per event, %.2f%% of its datagrams",
                    100 * result.multicast.originCPUSeconds / result.unicast.originCPUSeconds,
                    100 * Double(result.multicast.originDatagrams) / Double(max(1, result.unicast.originDatagrams))))
        }
        let base = result.baseline.originCPUSeconds * 1000 / events
        lines.append(
            String(
                format: "beyond the 1-receiver baseline (%.3f ms/event): unicast %.2f µs per receiver per event; multicast %.3f ms per event for all",
                base, (result.unicast.originCPUSeconds * 1000 / events - base) * 1000 / Double(max(1, result.receivers)),
                result.multicast.originCPUSeconds * 1000 / events - base))
        lines.append(
            String(
                format: "Ed25519 per compact group event, one core: sign %.1f µs, check %.1f µs", result.signMicroseconds, result.verifyMicroseconds))
        return lines.joined(separator: "\n") + "\n"
    }
}
