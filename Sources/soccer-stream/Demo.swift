import ArgumentParser
import Logging
import Streaming

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A server and three clients on loopback: one client's live view, then everyone's statistics.",
        discussion: """
            Logs go to the current directory: server.log (the server's), client.log (every client's events, \
            in order), client_stats.log (each client's statistics at the end); each run replaces them.
            """)

    @Option(help: "The number of clients.") var clients = 3
    @OptionGroup var pace: PaceOptions<DemoDefaults>
    @Option(help: "The clients' formats: compact, json or mixed.") var format: DemoFormat = .mixed
    @OptionGroup var match: MatchOptions
    @Option(help: "The server's port (0: any free port).") var port = 0
    @Option(help: "Simulated matches at once (1...100): the clients are dealt over them, and the live view becomes a scoreboard.") var matches = 1
    @Option(
        parsing: .unconditional, help: "Drop this share of the events to each client (0...1), through the impairment relay (soccer-stream impair).")
    var loss = 0.0

    func run() async throws {
        var demo = Streaming.Demo()
        demo.clients = clients
        demo.interval = try pace.pace()
        demo.format = format
        demo.seed = match.seed
        demo.language = match.language
        demo.port = port
        demo.loss = loss
        demo.matches = matches
        let stopper = ServerHolder()
        let configured = demo
        let outcome = try await runWithSignals(
            logger: Logger(label: "demo") { _ in SwiftLogNoOpLogHandler() }, handle: { _ in stopper.stop() },
            {
                try await configured.run { stopper.set($0) }
            })
        StandardOutput.write("\nStatistics (also in client_stats.log; logs in server.log and client.log):\n")
        StandardOutput.write(Streaming.Demo.table(outcome.clients))
        if let relay = outcome.relay { StandardOutput.write("\n" + relay.text) }
    }
}
