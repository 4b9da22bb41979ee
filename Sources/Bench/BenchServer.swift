/// The server command line every benchmark starts from, spelled once: a `soccer-stream server`
/// on 127.0.0.1 playing seed 1, kicking off once enough clients are registered.
enum BenchServer {
    /// `server` on 127.0.0.1:`port` at `interval` seconds between events, seed 1, kicking off
    /// once `waitForClients` are registered and holding at most `maxClients`; registering at
    /// any rate (the load generator registers thousands at once) and keeping silent clients (it
    /// sends no heartbeats, and at a real pace a match outlasts the 15 s client timeout);
    /// logging to `log`. Then the benchmark's own options, `more`.
    static func arguments(
        port: Int, interval: String, waitForClients: Int, maxClients: Int? = nil, log: String, _ more: [String] = []
    ) -> [String] {
        [
            "server", "--host", "127.0.0.1", "--port", String(port), "--interval", interval, "--seed", "1",
            "--wait-for-clients", String(waitForClients), "--register-rate", "0", "--client-timeout", "3600", "--log-file", log,
        ] + (maxClients.map { ["--max-clients", String($0)] } ?? []) + more
    }
}
