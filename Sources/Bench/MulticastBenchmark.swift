#if canImport(Glibc)
import Glibc
#endif
import CBenchSupport
import Foundation
import Wire

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
    public var matches = 4
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
        /// The origin's CPU seconds while streaming (from the last welcome to its exit), and the
        /// datagrams it sent in all (its log's totals).
        public var originCPUSeconds: Double
        public var originDatagrams: Int
        /// Of those, signed group events.
        public var groupDatagrams: Int
    }

    /// Both runs.
    public struct Result: Sendable {
        public var receivers: Int
        public var events: Int
        public var unicast: Side
        public var multicast: Side
    }

    /// Makes the namespace, runs both sides inside it (on a thread that entered it: the
    /// processes it spawns and the sockets it opens are the namespace's), and removes it.
    public func run() throws -> Result {
        guard geteuid() == 0 else { throw BenchError("bench multicast needs root: it makes a network namespace of its own (ip netns)") }
        let name = "ss-bench-\(getpid())"
        try Self.ip(["netns", "add", name])
        defer { _ = try? Self.ip(["netns", "del", name]) }   // removed however the run ends (a failure here is reported by ip itself)
        try Self.ip(["-n", name, "link", "set", "lo", "up"])
        try Self.ip(["-n", name, "link", "set", "lo", "multicast", "on"])
        try Self.ip(["-n", name, "route", "add", "224.0.0.0/4", "dev", "lo", "src", "127.0.0.1"])
        let outcome = Locked<Result?>(nil)
        let failure = Locked<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            guard bench_enter_netns("/var/run/netns/\(name)") == 0 else {
                failure.update { $0 = "cannot enter the namespace \(name): \(String(cString: strerror(errno)))" }
                return
            }
            do {
                let result = try WorkDirectory.with("multicast") { work in
                    let events = FanOutBenchmark.slots(concurrent: 1, matches: matches).events.first ?? 0
                    let unicast = try measure(multicast: false, events: events, work: work)
                    let multicast = try measure(multicast: true, events: events, work: work)
                    return Result(receivers: receivers, events: events, unicast: unicast, multicast: multicast)
                }
                outcome.update { $0 = result }
            } catch {
                failure.update { $0 = "\(error)" }
            }
        }
        thread.start()
        done.wait()
        if let message = failure.value { throw BenchError(message) }
        guard let result = outcome.value else { throw BenchError("the benchmark thread ended without a result") }
        return result
    }

    /// One run: the origin and its receivers, unicast or on the group.
    func measure(multicast: Bool, events: Int, work: WorkDirectory) throws -> Side {
        let tag = multicast ? "multicast" : "unicast"
        let port = try FanOutBenchmark.freePort()
        let log = work.path("origin-\(tag).log")
        let origin = try ChildProcess(executable, [
            "server", "--host", "127.0.0.1", "--port", String(port), "--interval", String(interval), "--seed", "1",
            "--matches", String(matches), "--wait-for-clients", String(receivers), "--log-file", log,
            "--register-rate", "0", "--original", "deny", "--repair-grace", "0", "--data-dir", "none",
            "--client-timeout", "3600", "--max-clients", String(receivers + 16),
        ] + (multicast ? ["--multicast", "\(group):\(groupPort)"] : []))
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
        try registered.register(serverPort: port, format: .compact, delivery: multicast ? .group : .unicast, counting: accept)
        // The stream's CPU: from the last welcome (registration costs the same either way) to the end.
        let registeredCPU = try origin.cpuSecondsSoFar()
        let reception = listeners.receive(expected: receivers * events, idle: max(2.0, 4 * interval), patience: 60, accept: accept)
        let exit = origin.wait(timeout: 120)
        let text: String
        do {
            text = try String(contentsOfFile: log, encoding: .utf8)
        } catch {
            throw BenchError("cannot read \(log): \(error.localizedDescription)")
        }
        var group = 0
        if let line = text.split(separator: "\n").last(where: { $0.contains("signed group events sent") }),
           let range = line.range(of: "Multicast: ") {
            group = Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        return Side(expected: receivers * events, delivered: reception.datagrams, originCPUSeconds: exit.cpuSeconds - registeredCPU,
                    originDatagrams: try RelayBenchmark.datagramsSent(log: log), groupDatagrams: group)
    }

    /// Whether `bytes` are a group event frame (kind 13).
    static func isGroupEvent(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count > 3 && bytes[bytes.startIndex] == 0xFF && bytes[bytes.startIndex + 3] == FrameKind.groupEvent.rawValue
    }

    /// Runs `ip` with `arguments`; throws when it fails.
    static func ip(_ arguments: [String]) throws {
        let candidates = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BenchError("bench multicast needs ip(8) (iproute2) to make its network namespace")
        }
        let status = try ChildProcess(path, arguments).wait(timeout: 30).status
        guard status == 0 else { throw BenchError("ip \(arguments.joined(separator: " ")) failed (status \(status))") }
    }

    /// The table `bench multicast` prints.
    public static func table(_ result: Result) -> String {
        var lines = [
            "\(result.receivers) receivers, \(result.events) events each, in a network namespace of its own",
            "",
            "delivery    delivered/expected   origin dgrams   of them to the group   stream CPU s   origin CPU ms/event",
        ]
        func row(_ name: String, _ side: Side) -> String {
            [name.padding(toLength: 10, withPad: " ", startingAt: 0),
             "\(side.delivered)/\(side.expected)".leftPadded(20),
             String(side.originDatagrams).leftPadded(15),
             String(side.groupDatagrams).leftPadded(22),
             String(format: "%.2f", side.originCPUSeconds).leftPadded(14),
             String(format: "%.3f", side.originCPUSeconds * 1000 / Double(max(1, result.events))).leftPadded(21)].joined(separator: " ")
        }
        lines.append(row("unicast", result.unicast))
        lines.append(row("multicast", result.multicast))
        if result.unicast.originCPUSeconds > 0 {
            lines.append("")
            lines.append(String(format: "multicast: %.1f%% of the origin's CPU per event, %.2f%% of its datagrams",
                                100 * result.multicast.originCPUSeconds / result.unicast.originCPUSeconds,
                                100 * Double(result.multicast.originDatagrams) / Double(max(1, result.unicast.originDatagrams))))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
