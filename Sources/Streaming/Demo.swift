import Foundation
import Logging
import Match
import NIOCore
import Synchronization
import Wire

/// The formats the demo's clients ask for.
public enum DemoFormat: String, Sendable, CaseIterable {
    /// Every client compact.
    case compact
    /// Every client JSON.
    case json
    /// Alternating compact, JSON, compact...
    case mixed
}

/// The `soccer-stream demo`: a server and N clients on loopback, in one process.
public struct Demo: Sendable {
    /// The number of clients.
    public var clients = 3
    /// The time between events (about a minute for a whole match by default).
    public var interval: Duration = .milliseconds(1250)
    /// The clients' formats.
    public var format: DemoFormat = .mixed
    /// The match's seed.
    public var seed: UInt64 = 1
    /// The language.
    public var language: Language = .en
    /// The server's port (0: any free one).
    public var port = 0
    /// Simulated matches at once (`demo --matches 4`): the clients are dealt over them in turn,
    /// and the live view is a scoreboard of every match.
    public var matches = 1
    /// Where the logs go.
    public var serverLogPath = "server.log"
    public var clientLogPath = "client.log"
    public var statsPath = "client_stats.log"
    /// Show the first client's live view on standard output.
    public var showLiveView = true
    /// When above 0, an impairment relay (`soccer-stream impair`) between the server and the
    /// clients drops this share of the events to each client.
    public var loss = 0.0

    /// Creates the default demo.
    public init() {}

    /// The outcome.
    public struct Outcome: Sendable {
        /// What the server did.
        public var server: ServerSummary
        /// Each client's result, in order.
        public var clients: [ClientResult]
        /// What the impairment relay did, when there was one.
        public var relay: ImpairmentReport?
    }

    /// The server currently running, for a signal watcher to stop.
    public typealias Started = @Sendable (StreamServer) -> Void

    /// Checks the demo's own settings (the server's and clients' are checked by their configurations).
    ///
    /// - Throws: ``StreamingError`` with code `configuration`.
    public func validate() throws(StreamingError) {
        guard (1...1000).contains(clients) else {
            throw StreamingError(.configuration, "clients (--clients): \(clients); expected 1...1000")
        }
        guard (1...100).contains(matches) else {
            throw StreamingError(.configuration, "matches (--matches): \(matches); expected 1...100")
        }
        guard loss.isFinite, (0..<1).contains(loss) else {
            throw StreamingError(.configuration, "loss (--loss): \(loss); expected a probability 0...1 (below 1)")
        }
    }

    /// Runs the whole match; `started` receives the server once it is bound.
    public func run(started: Started = { _ in }) async throws -> Outcome {
        try validate()
        // Opened (for append) only once the server is bound: a demo that cannot start touches no file.
        let serverLog = LogFile(path: serverLogPath)
        let clientLog = LogFile(path: clientLogPath)
        let stats = LogFile(path: statsPath, exclusive: false)
        var serverConfiguration = ServerConfiguration()
        serverConfiguration.host = "127.0.0.1"
        serverConfiguration.port = port
        serverConfiguration.interval = interval
        serverConfiguration.seed = seed
        serverConfiguration.language = language
        serverConfiguration.waitForClients = clients
        serverConfiguration.simulate = matches
        let server = try await StreamServer.bind(configuration: serverConfiguration, logger: serverLog.logger(label: "server"))
        try serverLog.start("SoccerStream demo server \(Release.version) started (pid \(getpid()))")
        try clientLog.start("SoccerStream demo clients \(Release.version) started (pid \(getpid()))")
        try stats.start(nil)
        started(server)
        var relay: ImpairmentProxy?
        if loss > 0 {
            var impairment = ImpairmentConfiguration()
            impairment.serverPort = server.localAddress.port ?? port
            impairment.toClient.loss = loss
            impairment.eventsOnly = true
            relay = try await ImpairmentProxy.start(configuration: impairment)
        }
        let ids = server.matchIDs
        let board = Scoreboard.Shared(matches: ids)
        let showBoard = showLiveView && matches > 1
        var clientList: [StreamClient] = []
        for index in 0..<clients {
            var configuration = ClientConfiguration()
            configuration.server = "127.0.0.1"
            configuration.port = relay?.port ?? server.localAddress.port ?? port
            configuration.format = format == .json || (format == .mixed && index % 2 == 1) ? .json : .compact
            configuration.allowFallback = false
            let match = ids[index % ids.count]
            if matches > 1 { configuration.match = match }
            var logger = clientLog.logger(label: "client")
            logger[metadataKey: "client"] = "\(index + 1)"
            let display: LiveDisplay
            if showBoard && index < ids.count {
                display = board.display(of: match, show: LiveDisplay.showScreen)
            } else {
                display = index == 0 && showLiveView ? .standardOutput : .none
            }
            clientList.append(try await StreamClient.connect(configuration: configuration, logger: logger, display: display))
        }
        let list = clientList
        return try await withThrowingTaskGroup(of: (Int, ClientResult?, ServerSummary?).self) { group in
            group.addTask { (-1, nil, try await server.run()) }
            for (index, client) in list.enumerated() {
                group.addTask { (index, try await client.run(), nil) }
            }
            var summary = ServerSummary()
            var results = [ClientResult?](repeating: nil, count: list.count)
            for try await (index, result, serverSummary) in group {
                if let serverSummary { summary = serverSummary }
                if let result {
                    results[index] = result
                    result.report.append(to: stats)
                    // Every client is done (repairs included): the server need not wait out its repair grace.
                    if !results.contains(where: { $0 == nil }) { server.stop() }
                }
            }
            let report = relay?.report
            await relay?.close()
            return Outcome(server: summary, clients: results.compactMap { $0 }, relay: report)
        }
    }

    /// Every client's statistics side by side.
    public static func table(_ results: [ClientResult]) -> String {
        let rows: [(String, (ClientResult) -> String)] = [
            ("match", { $0.match.map(String.init) ?? "-" }),
            ("format", { $0.format?.name ?? "original" }),
            ("port", { String($0.localPort) }),
            ("ended by", { $0.reason.name }),
            ("received", { String($0.statistics.received) }),
            ("lost", { String($0.statistics.lost) }),
            ("out of order", { String($0.statistics.outOfOrder) }),
            ("duplicates", { String($0.statistics.duplicates) }),
            ("jitter (ms)", { String((($0.statistics.jitter * 1_000_000).rounded()) / 1000) }),
            ("first sequence", { $0.statistics.first.map(String.init) ?? "-" }),
            ("last sequence", { $0.statistics.last.map(String.init) ?? "-" }),
            ("rejected", { String($0.rejected) }),
            ("repaired", { String($0.statistics.repaired) }),
            ("unrecovered", { String($0.statistics.unrecovered) }),
        ]
        func cell(_ text: String, _ width: Int) -> String { text.padded(to: width) }
        let width = max(12, rows.flatMap { row in results.map { row.1($0).count } }.max() ?? 0) + 2
        var lines = [cell("", 16) + results.indices.map { cell("client \($0 + 1)", width) }.joined()]
        for (name, value) in rows {
            lines.append(cell(name, 16) + results.map { cell(value($0), width) }.joined())
        }
        return lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }.joined(separator: "\n") + "\n"
    }
}
