import Foundation
import Match
import Monitoring
import NIOCore
import NIOPosix
import Streaming
import Synchronization
import TestSupport
import Testing
import Wire

@Suite("Prometheus endpoint (server --metrics-port), scraped over real HTTP")
struct MetricsEndpointTests {
    /// `GET path` over a fresh TCP connection: the whole response, read until the server closes.
    static func get(_ path: String, from address: SocketAddress) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
            var response = ByteBuffer()
            for try await chunk in inbound { response.writeImmutableBuffer(chunk) }
            return String(buffer: response)
        }
    }

    /// The value of the sample `name{labels}` in a Prometheus text body.
    static func sample(_ body: String, _ series: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// `promtool check metrics` (Debian's `prometheus`, which `.ci/run` installs), if here; in
    /// CI (SOCCERSTREAM_REQUIRE_PROMTOOL=1) its absence is a failure, not a skip.
    static let promtool: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").map { "\($0)/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    static let promtoolRequired = ProcessInfo.processInfo.environment["SOCCERSTREAM_REQUIRE_PROMTOOL"] == "1"

    /// What `promtool check metrics` says of `body`: its exit status and output (nil without promtool).
    static func promtoolCheck(_ body: String) throws -> (status: Int32, output: String)? {
        guard let promtool else {
            #expect(!promtoolRequired, "promtool is required (SOCCERSTREAM_REQUIRE_PROMTOOL=1) but not on PATH")
            if !promtoolRequired {
                print("promtool not found (Debian's prometheus package): the scrape's check by Prometheus's own checker is skipped")
            }
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(body.utf8))
        try input.fileHandleForWriting.close()
        let said = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: said, as: UTF8.self))
    }

    @Test("during a match: events sent equal what the clients received, subscribers by format, challenges, welcomes; then 404 elsewhere")
    func scrapeDuringMatch() async throws {
        try await bounded(60) {
            // A live feed: events come when the test writes them, so the scrape sees a known moment.
            let (events, _) = MatchSimulator.play(seed: 5)
            let url = try FeedTests.temporaryFeed([FeedLine.lineups(.original, language: "en").jsonText])
            defer { try? FileManager.default.removeItem(at: url) }  // a temporary file
            var configuration = ServerConfiguration()
            configuration.host = "127.0.0.1"
            configuration.port = 0
            configuration.simulate = 0
            configuration.feeds = [url.path]
            configuration.repairGrace = .zero
            let (server, endpoint) = try await StreamServer.bind(
                configuration: configuration, logger: quietLogger,
                metricsHost: "127.0.0.1", metricsPort: 0)
            try await Self.serving(endpoint) { metrics in
                async let summary = server.run()
                await server.waitForMatches { $0 >= 1 }
                let compact = try await makeClient(server) {
                    $0.format = .compact
                    $0.allowFallback = false
                }
                let json = try await makeClient(server) {
                    $0.format = .json
                    $0.allowFallback = false
                }
                async let first = compact.run()
                async let second = json.run()
                await server.waitForClients { $0 >= 2 }
                // A datagram that is no frame, long before the scrape (read ahead of the events below):
                // the rejects' family is in the scrape too.
                let peer = try await RawPeer()
                try await peer.send(Array("not a frame".utf8), to: try SocketAddress(ipAddress: "127.0.0.1", port: server.localAddress.port ?? 0))
                await peer.close()
                for (index, event) in events.prefix(3).enumerated() {
                    try FeedTests.append(
                        FeedLine.event(
                            FeedEvent(
                                type: event.type, minute: event.minute, actor: event.actor, opponent: event.opponent,
                                template: event.template)
                        ).jsonText, to: url)
                    #expect(await compact.waitUntilReceived(index + 1))
                    #expect(await json.waitUntilReceived(index + 1))
                }
                let response = try await Self.get("/metrics", from: metrics)
                let parts = response.components(separatedBy: "\r\n\r\n")
                let (head, body) = (parts.first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
                #expect(head.hasPrefix("HTTP/1.1 200"))
                #expect(head.lowercased().contains("content-type: text/plain; version=0.0.4"))
                let match = try #require(server.matchIDs.first)
                #expect(compact.received + json.received == 6)
                #expect(Self.sample(body, "soccerstream_datagrams_sent_total{kind=\"event\"}") == Double(compact.received + json.received))
                #expect(Self.sample(body, "soccerstream_subscribers{match=\"\(match)\",format=\"compact\"}") == 1)
                #expect(Self.sample(body, "soccerstream_subscribers{match=\"\(match)\",format=\"json\"}") == 1)
                #expect(Self.sample(body, "soccerstream_subscribers{match=\"\(match)\",format=\"original\"}") == 0)
                let challenges = try #require(Self.sample(body, "soccerstream_challenges_total"))
                #expect(challenges >= 2 && Self.sample(body, "soccerstream_datagrams_sent_total{kind=\"challenge\"}") == challenges)
                #expect((Self.sample(body, "soccerstream_datagrams_sent_total{kind=\"welcome\"}") ?? 0) >= 2)
                // Three JSON events are about 9 KB; three compact ones about 90 bytes.
                #expect((Self.sample(body, "soccerstream_bytes_sent_total{kind=\"event\"}") ?? 0) > 6_000)
                #expect(Self.sample(body, "soccerstream_event_lag_seconds_count") == 3)
                #expect(body.contains("# TYPE soccerstream_event_lag_seconds histogram"))
                // Every family has its help text, and Prometheus's own checker accepts the scrape.
                for family in body.split(separator: "\n").filter({ $0.hasPrefix("# TYPE ") }).map({ $0.split(separator: " ")[2] }) {
                    #expect(body.contains("# HELP \(family) "), "\(family) has no help text")
                }
                #expect(body.contains("# HELP soccerstream_rejects_total "))
                if let (status, said) = try Self.promtoolCheck(body) {
                    #expect(status == 0 && said.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool check metrics: \(said)")
                }
                #expect(try await Self.get("/elsewhere", from: metrics).hasPrefix("HTTP/1.1 404"))
                try FeedTests.append(FeedLine.end(.fullTime).jsonText, to: url)
                let (served, a, b) = try await (summary, first, second)
                #expect(served.events == 3 && a.statistics.received == 3 && b.statistics.received == 3)
            }
        }
    }

    @Test("a metrics port already in use is a clear error naming it")
    func busyPort() async throws {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let (server, endpoint) = try await StreamServer.bind(
            configuration: configuration, logger: quietLogger, metricsHost: "127.0.0.1", metricsPort: 0)
        try await Self.serving(endpoint) { [configuration] address in
            let port = try #require(address.port)
            let (other, busy) = try await StreamServer.bind(
                configuration: configuration, logger: quietLogger, metricsHost: "127.0.0.1", metricsPort: port)
            do {
                try await busy.run()
                Issue.record("a second endpoint served the busy port \(port)")
            } catch {
                let said = "\(error)"
                #expect(said.contains("cannot serve metrics on TCP 127.0.0.1:\(port)") && said.contains("in use"), "\(said)")
            }
            await #expect(throws: StreamingError.self) { _ = try await busy.localAddress() }
            _ = (server, other)
        }
    }

    /// Runs `endpoint` (as a command's service group would) while `body` gets its address.
    static func serving<T: Sendable>(_ endpoint: MetricsEndpoint, _ body: @Sendable (SocketAddress) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await endpoint.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(try await endpoint.localAddress())
        }
    }
}

/// A continuation resumed once, by whichever comes first.
final class Once: Sendable {
    let waiter = Mutex<CheckedContinuation<Bool, Never>?>(nil)
    func resume(_ value: Bool) {
        waiter.withLock {
            $0?.resume(returning: value)
            $0 = nil
        }
    }
}

@Suite("Cancellation stops a server and a client (they do not spin on a cancelled wait)")
struct CancellationTests {
    /// Whether `task` finishes within `seconds`, without waiting on it past that (a task that
    /// never ends is left behind, not awaited).
    static func finishes<T: Sendable>(within seconds: Double, _ task: Task<T, any Error>) async -> Bool {
        let once = Once()
        return await withCheckedContinuation { continuation in
            once.waiter.withLock { $0 = continuation }
            Task {
                _ = await task.result
                once.resume(true)
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))  // the bound: a failure, not a measurement
                once.resume(false)
            }
        }
    }

    @Test("a server's run() and a client's run() end when their tasks are cancelled, mid-match")
    func cancelled() async throws {
        let server = try await makeServer {
            $0.interval = .seconds(30)
            $0.waitForClients = 1
        }
        let client = try await makeClient(server)
        let serving = Task { try await server.run() }
        let following = Task { try await client.run() }
        await server.waitForClients { $0 >= 1 }
        following.cancel()
        #expect(await Self.finishes(within: 20, following))
        serving.cancel()
        #expect(await Self.finishes(within: 20, serving))
    }
}
