import Foundation
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Idle cost: a `soccer-stream server` process holding N registered load-generator clients
/// between two events (the interval is an hour, so the next event is far away), and one real
/// `soccer-stream client` process following it; both processes' CPU time is read from
/// `/proc` over a window. Everything in the server and client waits on events, so both should
/// use next to nothing: the client's heartbeat every 5 s and the server's answer, and the
/// server's once-a-second housekeeping over its client table.
public struct IdleBenchmark {
    /// The soccer-stream executable.
    public var executable: String
    /// Registered load-generator clients.
    public var clients = 10_000
    /// The measured window, in seconds.
    public var seconds = 10.0

    /// What the window cost.
    public struct Result: Sendable {
        public var clients: Int
        public var seconds: Double
        /// Server CPU seconds in the window.
        public var serverCPU: Double
        /// Client CPU seconds in the window.
        public var clientCPU: Double
        /// CPU use in percent of one core.
        public var serverPercent: Double { 100 * serverCPU / seconds }
        public var clientPercent: Double { 100 * clientCPU / seconds }
    }

    /// Creates the benchmark.
    public init(executable: String) {
        self.executable = executable
    }

    /// Runs it on 127.0.0.1; everything it starts is stopped before it returns.
    public func run() throws -> Result {
        try WorkDirectory.with("idle") { work in
            // The clients' sockets first, so that none takes the server's port before it binds it.
            let generator = try LoadGenerator(count: clients)
            let port = try FanOutBenchmark.freePort()
            let server = try ChildProcess(
                executable,
                BenchServer.arguments(
                    port: port, interval: "3600", waitForClients: clients + 1, maxClients: clients + 1, log: work.path("server.log"),
                    // Version 1's spelling of --original, so that a version-1 binary can be measured the same way.
                    ["--legacy", "deny"]))
            defer {
                server.terminate()
                _ = server.wait(timeout: 10)
            }
            try generator.register(serverPort: port, format: .compact, counting: FanOutBenchmark.isEvent)
            let client = try ChildProcess(
                executable,
                [
                    "client", "--server", "127.0.0.1", "--port", String(port), "--quiet", "--server-timeout", "3600",
                    "--log-file", work.path("client.log"),
                    "--stats-file", work.path("client_stats.log"),
                ])
            defer {
                client.terminate()
                _ = client.wait(timeout: 10)
            }
            // Settle: the client registers and the match kicks off; then the server waits an hour for event 0.
            usleep(2_000_000)
            let serverStart = try server.cpuSecondsSoFar()
            let clientStart = try client.cpuSecondsSoFar()
            let start = LoadGenerator.now()
            usleep(UInt32(seconds * 1_000_000))
            let elapsed = LoadGenerator.now() - start
            let serverCPU = try server.cpuSecondsSoFar() - serverStart
            let clientCPU = try client.cpuSecondsSoFar() - clientStart
            return Result(clients: clients, seconds: elapsed, serverCPU: serverCPU, clientCPU: clientCPU)
        }
    }
}
