import Foundation
import Match
import Streaming
import TestSupport
import Testing
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Files a user owns are never lost (issue 23): each test is something a hostile new user
/// tried, and asserts the file's bytes, or the exit status and message.
@Suite("Hostile user: logs, feeds and outputs are never lost", .serialized)
struct HostileFilesTests {
    @Test("a server that fails to start (its port busy) leaves an existing log file as it was")
    func failedStartKeepsLog() async throws {
        let folder = try HostileUser.folder("busy")
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        let busy = Glibc.socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
        defer { close(busy) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(busy, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(busy, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        try Data("OLD\n".utf8).write(to: URL(fileURLWithPath: folder + "/p.log"))
        let run = try await HostileUser.run(
            ["server", "--host", "127.0.0.1", "--port", String(port), "--log-file", "p.log", "--data-dir", "none"], in: folder)
        #expect(run.status != 0 && run.errors.contains("address already in use"), "\(run.status): \(run.errors)")
        #expect(try HostileUser.contents(folder + "/p.log") == "OLD\n")
    }

    @Test("a second server on a running server's log file is refused, naming the holder; the first one's log keeps every line it wrote, no NUL bytes")
    func sharedLogRefused() async throws {
        try await bounded(60) {
            let folder = try HostileUser.folder("shared-log")
            defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
            let log = folder + "/server.log"
            #expect(FileManager.default.createFile(atPath: log, contents: nil))
            let first = try RestartTests.ServerProcess(arguments: [
                "server", "--host", "127.0.0.1", "--port", String(try RestartTests.freePort()),
                "--wait-for-clients", "1", "--data-dir", "none", "--log-file", log,
            ])
            try await RestartTests.waitForLine(containing: "Server started", in: log)
            let before = try HostileUser.contents(log)
            let second = try await HostileUser.run(
                [
                    "server", "--host", "127.0.0.1", "--port", String(try RestartTests.freePort()), "--data-dir", "none",
                    "--log-file", log,
                ], in: folder)
            #expect(
                second.status != 0
                    && second.errors.contains("the log file \(log) is being written by another process (pid \(first.processIdentifier))"),
                "\(second.errors)")
            let after = try HostileUser.contents(log)
            // The first one may have written more since (its own lines); the second wrote nothing, not even its header.
            #expect(
                after.hasPrefix(before) && !after.contains("\u{0}") && after.hasPrefix("[")
                    && after.components(separatedBy: "---- SoccerStream server").count == 2, "\(after)")
            await first.kill(SIGTERM)
            #expect(try HostileUser.contents(log).contains("Totals:"))
        }
    }

    @Test("a client whose server does not resolve leaves client.log as it was; two clients on one log: the second is refused")
    func clientLogs() async throws {
        try await bounded(60) {
            let folder = try HostileUser.folder("client-log")
            defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
            try Data("PRECIOUS\n".utf8).write(to: URL(fileURLWithPath: folder + "/client.log"))
            let lost = try await HostileUser.run(["client", "--server", "no.such.host.invalid", "--quiet"], in: folder)
            #expect(lost.status != 0 && lost.errors.contains("cannot resolve server no.such.host.invalid"), "\(lost.errors)")
            #expect(try HostileUser.contents(folder + "/client.log") == "PRECIOUS\n")
            // Two clients, one --log-file: the first holds it while it runs.
            let port = try RestartTests.freePort()
            let serverLog = folder + "/server.log"
            #expect(FileManager.default.createFile(atPath: serverLog, contents: nil))
            let server = try RestartTests.ServerProcess(arguments: [
                "server", "--host", "127.0.0.1", "--port", String(port), "--wait-for-clients", "5",
                "--data-dir", "none", "--log-file", serverLog,
            ])
            try await RestartTests.waitForLine(containing: "Server started", in: serverLog)
            let first = try RestartTests.ServerProcess(
                arguments: [
                    "client", "--port", String(port), "--quiet", "--log-file", "shared.log",
                    "--progress-file", "none",
                ], directory: folder)
            try await RestartTests.waitForLine(containing: "Registering client", in: serverLog)
            let second = try await HostileUser.run(
                ["client", "--port", String(port), "--quiet", "--log-file", "shared.log", "--progress-file", "none"], in: folder)
            #expect(
                second.status != 0 && second.errors.contains("shared.log is being written by another process (pid \(first.processIdentifier))"),
                "\(second.errors)")
            await first.kill(SIGTERM)
            await server.kill(SIGTERM)
            let shared = try HostileUser.contents(folder + "/shared.log")
            #expect(shared.components(separatedBy: "---- SoccerStream client").count == 2, "one client's header only")
        }
    }

    @Test("--log-file naming a --feed file is refused at start, the feed untouched")
    func logOverFeed() async throws {
        let folder = try HostileUser.folder("log-feed")
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        let feed = try await HostileUser.run(["simulate", "--seed", "4", "--jsonl", "--interval", "0"], in: folder)
        try Data(feed.output.utf8).write(to: URL(fileURLWithPath: folder + "/m.jsonl"))
        let run = try await HostileUser.run(
            ["server", "--feed", "m.jsonl", "--log-file", "./m.jsonl", "--data-dir", "none", "--port", "0"], in: folder)
        #expect(run.status != 0 && run.errors.contains("--log-file and --feed name the same file"), "\(run.errors)")
        #expect(try HostileUser.contents(folder + "/m.jsonl") == feed.output)
    }

    @Test("server --feed - < match.jsonl: a regular file on standard input is read to its end, its match streamed whole")
    func feedFromRedirectedFile() async throws {
        let folder = try HostileUser.folder("stdin-feed")
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        let feed = try await HostileUser.run(["simulate", "--seed", "4", "--jsonl", "--interval", "0.001"], in: folder)
        try Data(feed.output.utf8).write(to: URL(fileURLWithPath: folder + "/m.jsonl"))
        let run = try await HostileUser.run(
            ["server", "--host", "127.0.0.1", "--port", "0", "--feed", "-", "--data-dir", "none", "--repair-grace", "0"],
            in: folder, input: folder + "/m.jsonl")
        let events = MatchSimulator.play(seed: 4).events.count
        #expect(run.status == 0, "\(run.errors)")
        #expect(try HostileUser.contents(folder + "/server.log").contains("over (full_time): \(events) events streamed"))
    }

    @Test("write errors are not silent: simulate, history --export to a full disk and a server logging to one exit non-zero, saying why once")
    func writeErrors() async throws {
        let folder = try HostileUser.folder("full")
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        #expect(FileManager.default.createFile(atPath: folder + "/out", contents: nil))
        for arguments in [["simulate", "--seed", "4", "--jsonl"], ["simulate", "--seed", "4"]] {
            let run = try await HostileUser.run(arguments, in: folder, outputFile: "/dev/full")
            #expect(run.status != 0 && run.errors.contains("cannot write to standard output: No space left on device"), "\(arguments): \(run.errors)")
        }
        // A server logging to a full disk streams its match anyway, says so once, and exits 1.
        let server = try await HostileUser.run(
            [
                "server", "--host", "127.0.0.1", "--port", "0", "--interval", "0", "--data-dir", "data",
                "--log-file", "/dev/full", "--repair-grace", "0",
            ], in: folder)
        #expect(server.status == 1, "\(server.status): \(server.errors)")
        #expect(
            server.errors.components(separatedBy: "cannot write to the log file /dev/full: No space left on device").count == 2, "\(server.errors)")
        #expect(server.output.contains("Match over: \(MatchSimulator.play(seed: 1).events.count) events"))
        // Its match is in the data directory: exporting it to a full disk fails the same way.
        let export = try await HostileUser.run(["history", "--data-dir", "data", "--export", "1"], in: folder, outputFile: "/dev/full")
        #expect(export.status != 0 && export.errors.contains("cannot write to standard output: No space left on device"), "\(export.errors)")
        let good = try await HostileUser.run(["history", "--data-dir", "data", "--export", "1"], in: folder)
        #expect(good.status == 0 && good.output.hasPrefix("{\"type\": \"lineups\""))
    }

    @Test(
        "feeds: one that can never give a match is an error on the terminal with a non-zero exit; a line after the end line is refused with its number; a UTF-8 byte order mark is skipped"
    )
    func feedsThatCannotPlay() async throws {
        let folder = try HostileUser.folder("feeds")
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        try Data("[{\"type\": \"lineups\"}]\n".utf8).write(to: URL(fileURLWithPath: folder + "/array.jsonl"))
        // Its only source, read to its end from standard input.
        let array = try await HostileUser.run(
            [
                "server", "--host", "127.0.0.1", "--port", "0", "--feed", "-", "--data-dir", "none",
                "--repair-grace", "0",
            ], in: folder, input: folder + "/array.jsonl")
        #expect(array.status != 0 && array.errors.contains("feed - gave no match: line 1:"), "\(array.status): \(array.errors)")
        // A whole match, then a line after its end; and the same match behind a byte order mark.
        let feed = try await HostileUser.run(["simulate", "--seed", "4", "--jsonl", "--interval", "0"], in: folder).output
        try Data((feed + "{\"type\": \"end\", \"reason\": \"full_time\"}\n").utf8).write(to: URL(fileURLWithPath: folder + "/after.jsonl"))
        try Data([0xEF, 0xBB, 0xBF] + Array(feed.utf8)).write(to: URL(fileURLWithPath: folder + "/bom.jsonl"))
        let lines = feed.split(separator: "\n").count
        for (name, log) in [("after.jsonl", "after.log"), ("bom.jsonl", "bom.log")] {
            let run = try await HostileUser.run(
                [
                    "server", "--host", "127.0.0.1", "--port", "0", "--feed", name, "--data-dir", "none", "--repair-grace", "0",
                    "--log-file", log,
                ], in: folder)
            #expect(run.status == 0, "\(name): \(run.errors)")
            #expect(
                try HostileUser.contents("\(folder)/\(log)").contains(
                    "over (full_time): \(MatchSimulator.play(seed: 4).events.count) events streamed"), "\(name)")
        }
        #expect(
            try HostileUser.contents(folder + "/after.log").contains("Feed after.jsonl: line \(lines + 1): schemaViolation"), "the line after the end"
        )
        // Two bad lines in a row keep their own numbers (each line counts, refused or not).
        var twoBad = feed.split(separator: "\n").map(String.init)
        twoBad.insert(contentsOf: ["{not json", "{not json either"], at: 1)
        try Data((twoBad.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/two.jsonl"))
        let two = try await HostileUser.run(
            [
                "server", "--host", "127.0.0.1", "--port", "0", "--feed", "two.jsonl", "--data-dir", "none", "--repair-grace", "0",
                "--log-file", "two.log",
            ], in: folder)
        let twoLog = try HostileUser.contents(folder + "/two.log")
        #expect(two.status == 0 && twoLog.contains("Feed two.jsonl: line 2:") && twoLog.contains("Feed two.jsonl: line 3:"), "\(twoLog)")
    }
}
