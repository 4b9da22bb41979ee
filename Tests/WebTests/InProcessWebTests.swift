import Foundation
import Logging
import Streaming
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `server --web-port` and `relay --web-port` as real processes: the same pages, served
/// in-process by a gateway following the process's own stream on loopback.
@Suite("--web-port: the pages served by a server and by a relay", .serialized)
struct InProcessWebTests {
    /// A soccer-stream process whose standard output is collected as it comes.
    final class Command: Sendable {
        let process = Process()
        let output = Watch("")

        init(_ arguments: [String]) throws {
            let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            let executable = try #require(
                [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("soccer-stream") }
                    .first { FileManager.default.isExecutableFile(atPath: $0.path) }, "soccer-stream is not built next to the tests")
            process.executableURL = executable
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            let output = self.output
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                output.update { $0 += String(decoding: data, as: UTF8.self) }
            }
            try process.run()
        }

        deinit {
            // A test that failed or timed out must not leave its processes behind.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }

        /// The first line of the output starting with `prefix`, once it is written (nil after `seconds`).
        func line(_ prefix: String, seconds: Double = 30) async -> String? {
            _ = await output.wait(
                until: { $0.split(separator: "\n").contains { $0.hasPrefix(prefix) } }, deadline: .now.advanced(by: .seconds(seconds)))
            return output.value.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
        }

        /// The port at the end of the first line starting with `prefix` (`…:PORT` or `…:PORT/`).
        func port(_ prefix: String) async -> Int? {
            guard let line = await line(prefix) else { return nil }
            let tail = line.split(separator: " ").first { $0.contains("127.0.0.1:") || $0.contains("0.0.0.0:") } ?? ""
            return Int(tail.split(separator: ":").last?.split(separator: "/").first?.split(separator: ";").first ?? "")
        }
    }

    @Test("a server serving its own pages sends their readers the final whistle before it exits")
    func endReachesReaders() async throws {
        try await bounded(90) {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-end-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            // Kick-off waits for a second client (the gateway is the first): the card's reader is there from the start.
            let server = try Command([
                "server", "--host", "127.0.0.1", "--port", "0", "--interval", "0.02", "--seed", "5", "--wait-for-clients", "2",
                "--data-dir", "none", "--repair-grace", "0", "--log-file", directory + "/server.log", "--web-port", "0",
            ])
            let udp = try #require(await server.port("SoccerStream server on"), "\(server.output.value)")
            let web = try #require(await server.port("Web: http://"), "\(server.output.value)")
            let index = try await HTTPProbe(port: web, path: "/events")
            #expect(await index.wait { $0.contains("event: match") })
            let id = try #require(index.response.body.components(separatedBy: "id=\\\"m").dropFirst().first?.prefix { $0.isNumber })
            await index.close()
            let card = try await HTTPProbe(port: web, path: "/matches/\(id)/events")
            #expect(await card.wait { $0.hasPrefix("retry:") })
            var configuration = ClientConfiguration()
            configuration.port = udp
            let viewer = try await StreamClient.connect(configuration: configuration, logger: quietLogger, display: .none)
            _ = try await viewer.run()
            #expect(await card.wait { $0.contains("\"ended\": true") }, "\(card.response.body.suffix(300))")
            await card.close()
        }
    }

    @Test("a server's and its relay's --web-port each list the match and stream its events")
    func serverAndRelay() async throws {
        try await bounded(90) {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-port-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            let server = try Command([
                "server", "--host", "127.0.0.1", "--port", "0", "--interval", "0.2", "--seed", "3", "--wait-for-clients", "2", "--data-dir",
                "none", "--log-file", directory + "/server.log", "--web-port", "0",
            ])
            let udp = try #require(await server.port("SoccerStream server on"), "\(server.output.value)")
            let serverWeb = try #require(await server.port("Web: http://"), "\(server.output.value)")
            let relay = try Command([
                "relay", "--upstream", "127.0.0.1:\(udp)", "--port", "0", "--data-dir", "none", "--log-file", directory + "/relay.log",
                "--web-port", "0",
            ])
            let relayWeb = try #require(await relay.port("Web: http://"), "\(relay.output.value)")
            // Two clients (the server's own gateway and the relay) kick the match off; both pages list it and stream it.
            for port in [serverWeb, relayWeb] {
                let index = try await HTTPProbe(port: port, path: "/events")
                #expect(
                    await index.wait { $0.contains("event: match") && $0.contains("class=\\\"status live\\\"") },
                    "port \(port): \(index.response.body)")
                await index.close()
            }
            let page = try await HTTPProbe.get(port: relayWeb, "/")
            #expect(page.status == 200 && page.body.contains("Galáticos"))
            kill(relay.process.processIdentifier, SIGTERM)
            kill(server.process.processIdentifier, SIGTERM)
        }
    }
}
