import Foundation
import Match
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// CPU per event at a real pace: a `soccer-stream server` process streaming one match to one
/// registered client at `interval` seconds between events, its CPU time read from `/proc` when
/// the first measured event arrives and when the last does. With one client the fan-out is a
/// single datagram, so what remains is the fixed cost of an event: waking for it, the match log
/// (when durable), encoding, the trip to the socket, and the once-a-second housekeeping.
/// The C ceiling (Benchmarks/ceiling.c at the same pace: a timed sleep, then one `sendmmsg` of a
/// compact event) is the least an event can cost on the machine, measured the same way.
public struct PaceBenchmark: Sendable {
    /// The soccer-stream executable.
    public var executable: String
    /// Seconds between events (1: the real pace of a match day).
    public var interval = 1.0
    /// Events measured (after the first).
    public var events = 30

    /// One measured server.
    public struct Run: Sendable {
        /// Which build, and how it kept its log.
        public var label: String
        public var durable: Bool
        /// Events counted in the window.
        public var events: Int
        /// Server CPU seconds over them (its threads' time on a CPU, to the nanosecond).
        public var cpuSeconds: Double
        /// Server CPU per event, in milliseconds.
        public var millisecondsPerEvent: Double { events > 0 ? 1000 * cpuSeconds / Double(events) : 0 }
    }

    /// Creates the benchmark.
    public init(executable: String) {
        self.executable = executable
    }

    /// Measures `executable` (labelled `label`), with the match log in a data directory of the
    /// run's own when `durable`, else none. Everything it starts is stopped before it returns.
    public func measure(_ executable: String, label: String, durable: Bool) throws -> Run {
        try WorkDirectory.with("pace") { work in
            let generator = try LoadGenerator(count: 1)
            let port = try FanOutBenchmark.freePort()
            let server = try ChildProcess(
                executable,
                BenchServer.arguments(
                    port: port, interval: String(interval), waitForClients: 1, log: work.path("server.log"),
                    ["--matches", "100", "--original", "deny", "--data-dir", durable ? work.path("data") : "none"]))
            defer {
                server.terminate()
                _ = server.wait(timeout: 10)
            }
            try ChildProcess.stoppedOnFailure([server]) {
                try generator.register(serverPort: port, format: .compact, counting: FanOutBenchmark.isEvent)
            }
            return Run(label: label, durable: durable, events: events, cpuSeconds: try window(of: server, to: generator, label: label))
        }
    }

    /// Measures the C ceiling compiled from `source`: one compact event a round to one receiver,
    /// `interval` seconds apart.
    public func measureCeiling(source: String) throws -> Run {
        try WorkDirectory.with("pace-ceiling") { work in
            let generator = try LoadGenerator(count: 1)
            let program = try CeilingProgram(source: source, work: work, generator: generator)
            // A few rounds more than are measured: still running when the window closes.
            let ceiling = try ChildProcess(program.binary, [program.portsFile, String(events + 3), program.payloadFile, "0", String(interval)])
            defer {
                ceiling.terminate()
                _ = ceiling.wait(timeout: 10)
            }
            return Run(label: "C ceiling", durable: false, events: events, cpuSeconds: try window(of: ceiling, to: generator, label: "C ceiling"))
        }
    }

    /// The CPU seconds `process` uses from the first event `generator` receives to the last of
    /// the next ``events``.
    private func window(of process: ChildProcess, to generator: LoadGenerator, label: String) throws -> Double {
        let patience = max(10, 5 * interval)
        // The window opens when an event arrives and closes when the last counted one does.
        let first = generator.receive(expected: 1, idle: patience, patience: patience, accept: FanOutBenchmark.isEvent)
        guard first.datagrams >= 1 else { throw BenchError("\(label): no event arrived within \(patience) s") }
        // To the nanosecond (/proc's utime and stime count 10 ms ticks: too coarse here).
        let before = try process.cpuClockSecondsSoFar()
        let window = generator.receive(expected: events, idle: patience, patience: patience, accept: FanOutBenchmark.isEvent)
        let after = try process.cpuClockSecondsSoFar()
        guard window.datagrams == events else {
            throw BenchError("\(label): \(window.datagrams) of \(events) events arrived (nothing for \(patience) s)")
        }
        return after - before
    }

    /// The figures as a table.
    public static func table(_ runs: [Run], interval: Double) -> String {
        var lines = [String(format: "server CPU per event, one client, an event every %g s:", interval)]
        lines.append("build       match log   events   CPU ms   CPU ms/event")
        for run in runs {
            lines.append(
                String(
                    format: "%@ %@ %6d %8.2f %14.3f", run.label.padding(toLength: 11, withPad: " ", startingAt: 0),
                    (run.durable ? "durable" : "none").padding(toLength: 11, withPad: " ", startingAt: 0), run.events, 1000 * run.cpuSeconds,
                    run.millisecondsPerEvent))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
