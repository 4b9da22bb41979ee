import Foundation
import Match
import Streaming
import TestSupport
import Testing
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Signals and messages a hostile new user meets (issue 23): SIGINT, SIGTERM and SIGHUP to real
/// processes, and every unclear message made to say what is wrong and what is allowed.
@Suite("Hostile user: signals and messages", .serialized)
struct HostileCommandLineTests {
    static func server(
        _ folder: String, port: Int, wait: Int = 1, interval: String = "0.2", extra: [String] = []
    ) throws -> RestartTests.ServerProcess {
        #expect(FileManager.default.createFile(atPath: folder + "/server.log", contents: nil))
        return try RestartTests.ServerProcess(
            arguments: [
                "server", "--host", "127.0.0.1", "--port", String(port), "--interval", interval,
                "--wait-for-clients", String(wait), "--data-dir", "none", "--repair-grace", "0",
            ] + extra,
            directory: folder)
    }

    static func client(_ folder: String, port: Int, extra: [String] = []) throws -> RestartTests.ServerProcess {
        #expect(FileManager.default.createFile(atPath: folder + "/client.log", contents: nil))
        return try RestartTests.ServerProcess(
            arguments: [
                "client", "--port", String(port), "--quiet", "--progress-file", "none",
                "--stats-json", "client.json",
            ] + extra,
            directory: folder, output: folder + "/client.out")
    }

    /// A server process and a client process in `folder`, the client 3 events into the match.
    static func matchUnderWay(in folder: String) async throws -> (server: RestartTests.ServerProcess, client: RestartTests.ServerProcess) {
        let port = try RestartTests.freePort()
        let server = try Self.server(folder, port: port)
        try await RestartTests.waitForLine(containing: "Server started", in: folder + "/server.log")
        let client = try Self.client(folder, port: port)
        try await RestartTests.waitForLine(containing: "Received message: #3 ", in: folder + "/client.log")
        return (server, client)
    }

    @Test(
        "a client given SIGINT, SIGTERM or SIGHUP (its terminal closed) unregisters, writes its statistics and --stats-json, and exits 0",
        arguments: [
            (SIGINT, "Ctrl+C received", "interrupted"), (SIGTERM, "SIGTERM received", "terminated"),
            (SIGHUP, "SIGHUP received (the terminal closed)", "hang_up"),
        ])
    func clientSignals(signal: Int32, line: String, reason: String) async throws {
        try await bounded(60) {
            let folder = try HostileUser.folder("client-signal")
            defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
            let (server, client) = try await Self.matchUnderWay(in: folder)
            await client.kill(signal)
            #expect(client.status == 0)
            #expect(try HostileUser.contents(folder + "/client_stats.log").contains("(client) \(line)"))
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/client.json"))) as? [String: Any])
            #expect(json["reason"] as? String == reason, "\(json)")
            try await RestartTests.waitForLine(containing: "Received unregister", in: folder + "/server.log")
            await server.kill(SIGTERM)
        }
    }

    @Test(
        "a server given SIGHUP reopens its log (after it was moved away, as logrotate does) and streams on; then SIGINT or SIGTERM: end frames to its client, totals, exit 0",
        arguments: [SIGINT, SIGTERM])
    func serverSignals(last: Int32) async throws {
        try await bounded(60) {
            let folder = try HostileUser.folder("server-signal")
            defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
            let (server, client) = try await Self.matchUnderWay(in: folder)
            try FileManager.default.moveItem(atPath: folder + "/server.log", toPath: folder + "/server.log.1")
            #expect(FileManager.default.createFile(atPath: folder + "/server.log", contents: nil))  // followed before the server writes it
            kill(server.processIdentifier, SIGHUP)
            try await RestartTests.waitForLine(containing: "SIGHUP received", in: folder + "/server.log")
            // A SIGHUP with nothing moved (a closed terminal) keeps the same file, without complaint.
            kill(server.processIdentifier, SIGHUP)
            try await RestartTests.waitForLine(containing: "Received message: #6 ", in: folder + "/client.log")
            // Still streaming: the client gets more events after the reload.
            try await RestartTests.waitForLine(containing: "Received message: #8 ", in: folder + "/client.log")
            await server.kill(last)
            #expect(server.status == 0)
            await client.exited()
            let log = try HostileUser.contents(folder + "/server.log")
            #expect(log.contains("Sent end of transmission to client") && log.contains("Totals:"))
            #expect(try HostileUser.contents(folder + "/client.log").contains("Received end of transmission (server_shutdown)"))
            #expect(try HostileUser.contents(folder + "/server.log.1").contains("Kick-off"))
            #expect(log.components(separatedBy: "SIGHUP received: the log file").count == 3 && !log.contains("another process"), "\(log)")
        }
    }

    @Test(
        "unclear messages made clear: each names what is wrong and what is allowed, with a non-zero exit",
        arguments: [
            (["server", "--interval", "-1"], "interval (--interval): -1.0 s; expected 0...3600 seconds"),
            (["server", "--interval", "1e12"], "--interval: 1000000000000.0 is out of range"),
            (["impair", "--duration=-1"], "--duration: -1.0 seconds; expected more than 0"),
            (["simulate", "--matches", "5"], "--matches 5: only with --sizes"),
            (
                ["client", "--progress-file", "no-such-folder/progress.json"],
                "--progress-file no-such-folder/progress.json: the folder no-such-folder does not exist"
            ),
            (
                ["relay", "--upstream", "no.such.host.invalid:12345", "--port", "0", "--data-dir", "none"],
                "upstream (--upstream) no.such.host.invalid:12345 does not resolve"
            ),
        ] as [([String], String)])
    func messages(arguments: [String], message: String) async throws {
        let folder = try HostileUser.folder("messages")
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        let run = try await HostileUser.run(arguments, in: folder)
        #expect(run.status != 0 && (run.errors + run.output).contains(message), "\(run.status): \(run.errors)\(run.output)")
        // Nothing announced, no file touched.
        #expect(!run.output.contains("Impairment relay on") && !FileManager.default.fileExists(atPath: folder + "/client.log"))
    }

    @Test("help with an unknown subcommand exits 64 naming the subcommands; a relay told to follow itself is refused")
    func helpAndSelfRelay() async throws {
        let folder = try HostileUser.folder("help")
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        let help = try await HostileUser.run(["help", "nosuch"], in: folder)
        #expect(help.status == 64 && help.errors.contains("no subcommand nosuch; the subcommands are demo, server"), "\(help.errors)")
        let port = try RestartTests.freePort()
        let relay = try await HostileUser.run(
            ["relay", "--upstream", "127.0.0.1:\(port)", "--host", "127.0.0.1", "--port", String(port), "--data-dir", "none"],
            in: folder)
        #expect(relay.status != 0 && relay.errors.contains("is this relay itself"), "\(relay.errors)")
    }

    @Test("client --multicast against a server without a group says so on the terminal, and gets the match unicast")
    func multicastWithoutGroup() async throws {
        try await bounded(60) {
            let folder = try HostileUser.folder("no-group")
            defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
            let port = try RestartTests.freePort()
            let server = try Self.server(folder, port: port, interval: "0.01")
            try await RestartTests.waitForLine(containing: "Server started", in: folder + "/server.log")
            let client = try Self.client(folder, port: port, extra: ["--multicast"])
            await client.exited()
            await server.exited()
            #expect(client.status == 0)
            #expect(try HostileUser.contents(folder + "/client.out").contains("warning: --multicast: the server offers no multicast group"))
            #expect(try RestartTests.eventLines(ofLog: folder + "/client.log").count == MatchSimulator.play(seed: 1).events.count)
        }
    }

    @Test("names and phrases from a feed reach no terminal raw: the live view and client.log show their control characters escaped")
    func hostileNames() throws {
        let hostile = "Evil\u{1B}[2J\u{1B}]0;pwned\u{07}\u{202E}FC"
        let screen = LiveDisplay.screen("Home: \(hostile)\nAway: Real", terminal: true)
        #expect(screen.hasPrefix("\u{1B}[H\u{1B}[2J"))  // the program's own sequence, once
        #expect(!screen.dropFirst(7).unicodeScalars.contains { [0x1B, 0x07, 0x202E].contains($0.value) } && screen.contains("\\u{1B}[2J"))
        #expect(screen.contains("\nAway: Real"))  // lines kept
        let folder = try HostileUser.folder("names")
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        let file = LogFile(path: folder + "/client.log")
        try file.start(nil)
        file.logger(label: "client").info("Received message: #1 1' Goal! | \(hostile) scores")
        let written = try HostileUser.contents(folder + "/client.log")
        #expect(!written.unicodeScalars.contains { [0x1B, 0x07, 0x202E].contains($0.value) } && written.contains("Evil\\u{1B}[2J"), "\(written)")
    }
}

/// "Where the server is", one spelling for every command (issue 24): `--server HOST[:PORT]`,
/// `--server-port`, and the earlier spellings kept as aliases.
@Suite("Where the server is: --server HOST[:PORT] everywhere")
struct ServerAddressTests {
    @Test("HOST, HOST:PORT, [IPv6]:PORT and a bare IPv6 address; a port given twice, differently, is an error naming both")
    func spellings() throws {
        #expect(try Upstream.server("127.0.0.1:4000", port: nil) == Upstream(host: "127.0.0.1", port: 4000))
        #expect(try Upstream.server("example.net", port: 4001) == Upstream(host: "example.net", port: 4001))
        #expect(try Upstream.server("example.net", port: nil).port == 12345)
        #expect(try Upstream.server("[::1]:4002", port: nil) == Upstream(host: "::1", port: 4002))
        #expect(try Upstream.server("::1", port: 4003) == Upstream(host: "::1", port: 4003))
        #expect(try Upstream.server("127.0.0.1:4000", port: 4000).port == 4000)
        do {
            _ = try Upstream.server("127.0.0.1:4000", port: 5000, portSetting: "--port")
            Issue.record("two ports accepted")
        } catch {
            #expect(error.message.contains("names port 4000, and --port 5000"), "\(error.message)")
        }
    }

    @Test("client --server 127.0.0.1:PORT and impair --server 127.0.0.1:PORT reach the server as --port and --server-port did")
    func commands() async throws {
        try await bounded(60) {
            let folder = try HostileUser.folder("server-address")
            defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
            let port = try RestartTests.freePort()
            let relayPort = try RestartTests.freePort()
            let server = try HostileCommandLineTests.server(folder, port: port, interval: "0.01")
            try await RestartTests.waitForLine(containing: "Server started", in: folder + "/server.log")
            let impair = try RestartTests.ServerProcess(
                arguments: ["impair", "--port", String(relayPort), "--server", "127.0.0.1:\(port)", "--duration", "30"],
                directory: folder)
            let client = try RestartTests.ServerProcess(
                arguments: ["client", "--server", "127.0.0.1:\(relayPort)", "--quiet", "--progress-file", "none"],
                directory: folder)
            await client.exited()
            await server.exited()
            await impair.kill(SIGTERM)
            #expect(client.status == 0)
            #expect(try RestartTests.eventLines(ofLog: folder + "/client.log").count == MatchSimulator.play(seed: 1).events.count)
        }
    }
}
