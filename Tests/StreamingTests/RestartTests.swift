import Foundation
import Match
import NIOCore
import Streaming
import Synchronization
import TestSupport
import Testing
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// A real server process killed with SIGKILL mid-match and started again on the same data
/// directory: it resumes the match from its log, and a client that registers again sees the
/// match through to its end.
@Suite("Restart: kill -9 of a server process, resumed from its match log", .serialized)
struct RestartTests {
    /// A UDP port free a moment ago on 127.0.0.1, below Linux's ephemeral range (32768 and up):
    /// a server restarted on it must find it free again, and a client socket bound to port 0
    /// elsewhere in the suite could otherwise be given it while the server is down.
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            // Each call its own port (suites run side by side): a counter from a random start.
            let port = 20_000 + (portBase + portCounter.add(1, ordering: .relaxed).oldValue) % 12_000
            let socket = Glibc.socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
            defer { close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return port }
        }
        throw StreamingError(.socket, "no free UDP port in 20000..<32000 on 127.0.0.1 after 200 tries")
    }

    private static let portBase = Int.random(in: 0..<12_000)
    private static let portCounter = Atomic<Int>(0)

    /// A server process of the built executable, whose exit can be awaited without blocking a thread.
    final class ServerProcess: Sendable {
        let process: Process
        private let exit = Watch(false)

        /// Runs `executable` (the built soccer-stream by default) with `arguments`, in
        /// `directory` (the test's by default), its standard output and error written to
        /// `output` (discarded by default).
        init(arguments: [String], executable: URL? = nil, directory: String? = nil, output: String? = nil) throws {
            process = Process()
            process.executableURL = try executable ?? CommandLineTests.executable()
            process.arguments = arguments
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            if let output {
                #expect(FileManager.default.createFile(atPath: output, contents: nil))
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
                process.standardOutput = handle
                process.standardError = handle
            } else {
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
            }
            let exit = self.exit
            process.terminationHandler = { _ in exit.update { $0 = true } }
            try process.run()
        }

        var processIdentifier: Int32 { process.processIdentifier }
        /// The exit status, once ``exited()`` has returned.
        var status: Int32 { process.terminationStatus }

        deinit {
            // A test that failed or timed out must not leave its servers and relays behind.
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        }

        /// Returns once the process has exited.
        func exited() async {
            _ = await exit.wait { $0 }
        }

        /// Returns once the process has exited; kills it first unless its client `ended` the
        /// match: a restarted server waiting for a client that gave up would otherwise hold the
        /// test to its bound, and hide why the client gave up.
        func exited(clientEnded ended: Bool) async {
            if !ended { await kill() } else { await exited() }
        }

        /// Sends `signal` (unless the process has exited already: its number may be another's
        /// by now) and returns once the process has exited.
        func kill(_ signal: Int32 = SIGKILL) async {
            if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
            await exited()
        }
    }

    static func startServer(
        port: Int, directory: String, log: String, waitForClients: Int = 1, interval: Double = 0.05,
        repairGrace: Double = 1, extra: [String] = []
    ) throws -> ServerProcess {
        try ServerProcess(
            arguments: [
                "server", "--host", "127.0.0.1", "--port", String(port), "--interval", String(interval), "--seed", "1",
                "--wait-for-clients", String(waitForClients), "--data-dir", directory, "--log-file", log,
                "--repair-grace", String(repairGrace),
            ] + extra)
    }

    @Test("kill -9 after 10 events, restarted: same match id, sequences continue, the client's match ends whole with its final score")
    func killAndResume() async throws {
        try await bounded(90) {
            let directory = temporaryDirectoryPath("soccer-restart")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let port = try Self.freePort()
            // Events 0.2 s apart: the kill surely comes mid-match, even when a loaded machine starves this test for seconds.
            let first = try Self.startServer(port: port, directory: directory, log: directory + "/server-1.log", interval: 0.2)
            let client = try await makeReconnectingClient(port: port, serverTimeout: .milliseconds(500), reconnectFor: .seconds(30))
            async let result = client.run()
            #expect(await client.waitUntilReceived(10))
            await first.kill()
            // The outage itself is what is tested: the server is gone for a second (a restarted
            // server that kept the subscription streams to the client again at once).
            try await Task.sleep(for: .seconds(1))
            let second = try Self.startServer(port: port, directory: directory, log: directory + "/server-2.log", interval: 0.2)
            let outcome = try await result
            await second.exited(clientEnded: outcome.reason == .endOfTransmission(.fullTime))
            let (events, _) = MatchSimulator.play(seed: 1)
            let resumed = try String(contentsOfFile: directory + "/server-2.log", encoding: .utf8)
            #expect(resumed.contains("Resuming match"))
            #expect(outcome.reason == .endOfTransmission(.fullTime))
            #expect(outcome.outages.count >= 1)
            // Every event arrived, first time or repaired (from the restarted server's match log).
            let statistics = outcome.statistics
            #expect(statistics.last == UInt32(events.count - 1))
            #expect(statistics.received + statistics.repaired == events.count && statistics.unrecovered == 0)
            #expect(outcome.latest?.scoreLine == PhraseCatalog.english.scoreLine(events.last?.score ?? .zero, roster: .original))
            // The log holds the match once, ended at full time, every event.
            let (records, _) = try await readMatchLog(directory)
            #expect(records.count == 1 && records.first?.events == events.count && records.first?.endReason == "full_time")
        }
    }

    /// Returns once a line containing `text` is written to the file at `path` (which must
    /// exist): followed as it grows, no polling.
    static func waitForLine(containing text: String, in path: String) async throws {
        let follower = try LineFollower(path: path)
        defer { follower.cancel() }
        for await item in follower.items {
            if case .line(let bytes, _) = item, String(decoding: bytes, as: UTF8.self).contains(text) { return }
        }
    }

    @Test(
        "a feed's match, killed after logging 10 events, resumes on restart at the feed's byte offset: same match, no event twice, every event reaches the client"
    )
    func feedResumes() async throws {
        try await bounded(90) {
            let directory = temporaryDirectoryPath("soccer-feed-restart")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let lines = FeedTests.feedLines(3, .original, .english).map { String(decoding: $0, as: UTF8.self) }
            let (events, _) = MatchSimulator.play(seed: 3, roster: .original, catalog: .english)
            let feed = directory + "/feed.jsonl"
            try Data((lines[0] + "\n").utf8).write(to: URL(fileURLWithPath: feed))
            let port = try Self.freePort()
            let firstLog = directory + "/server-1.log"
            #expect(FileManager.default.createFile(atPath: firstLog, contents: nil))
            let arguments = ["--simulate", "0", "--feed", feed]
            // Kicked off by its line-ups (--wait-for-clients, which holds a fed match's kick-off too, is 0).
            let first = try Self.startServer(
                port: port, directory: directory, log: firstLog, waitForClients: 0,
                extra: arguments + ["--crash-after-logging", "10"])
            try await Self.waitForLine(containing: "Kick-off", in: firstLog)
            let client = try await makeReconnectingClient(port: port, serverTimeout: .milliseconds(500), reconnectFor: .seconds(30))
            async let result = client.run()
            #expect(await client.waitUntilSubscribed())
            // Events one at a time up to 8, then 12 at once: the server logs the 10th and dies before sending it.
            for (index, line) in lines[1...8].enumerated() {
                try FeedTests.append(line, to: URL(fileURLWithPath: feed))
                #expect(await client.waitUntilReceived(index + 1))
            }
            for line in lines[9...20] { try FeedTests.append(line, to: URL(fileURLWithPath: feed)) }
            await first.exited()
            let second = try Self.startServer(port: port, directory: directory, log: directory + "/server-2.log", extra: arguments)
            // Everything the feed held reaches the client (the logged events from the log, the rest read on from the file).
            #expect(await client.waitUntilReceived(20))
            for line in lines[21...] { try FeedTests.append(line, to: URL(fileURLWithPath: feed)) }
            let outcome = try await result
            await second.exited()
            let resumed = try String(contentsOfFile: directory + "/server-2.log", encoding: .utf8)
            #expect(resumed.contains("Resuming match") && resumed.contains("from feed"))
            #expect(outcome.reason == .endOfTransmission(.fullTime))
            let statistics = outcome.statistics
            #expect(statistics.received + statistics.repaired == events.count && statistics.unrecovered == 0 && statistics.duplicates == 0)
            #expect(outcome.latest?.scoreLine == PhraseCatalog.english.scoreLine(events.last?.score ?? .zero, roster: .original))
            // One match in the log, every event once, each the event the feed gave (the decoder's state carried over).
            let (records, logged) = try await readMatchLog(directory)
            #expect(records.count == 1 && records.first?.events == events.count && records.first?.endReason == "full_time")
            #expect(logged.count == events.count && events.indices.allSatisfy { logged[UInt32($0)] == events[$0] })
        }
    }

    /// An original-protocol client (a bare socket sending "register") of a server process that
    /// is killed after `killAfter` datagrams and restarted 1 s later with `restartArguments`:
    /// the sequence numbers it received, whether the end came, and the restarted server's log.
    /// With `silent`, the restarted server is expected to send it nothing: the run ends when that
    /// server has played the match out, and whatever it sent the client counts.
    static func originalClientAcrossRestart(
        killAfter: Int, restartArguments: [String], waitForClients: Int, silent: Bool = false
    )
        async throws -> (counts: [UInt32], ended: Bool, restartedLog: String)
    {
        let directory = temporaryDirectoryPath("soccer-original-restart")
        defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try Self.freePort()
        let first = try Self.startServer(port: port, directory: directory, log: directory + "/server-1.log")
        let peer = try await RawPeer()
        defer { Task { await peer.close() } }
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        // The original client registers once, as the original does (retried only until the server is up).
        var counts: [UInt32] = []
        var datagram: [UInt8]?
        for _ in 0..<50 where datagram == nil {
            try await peer.send(Array(OriginalPacket.registerText.utf8), to: server)
            datagram = try await peer.next(timeout: .milliseconds(200))?.1
        }
        var ended = false
        var second: ServerProcess?
        while let bytes = datagram {
            if bytes == Array(OriginalPacket.endOfTransmissionText.utf8) {
                ended = true
                break
            }
            counts.append(try OriginalDatagram(decoding: bytes).message.count)
            if counts.count == killAfter && second == nil {
                await first.kill()
                // What the killed server sent before it died is the first server's, not the restarted one's.
                while peer.pending > 0, let (_, bytes) = try await peer.next(timeout: .zero) {
                    if bytes != Array(OriginalPacket.endOfTransmissionText.utf8) {
                        counts.append(try OriginalDatagram(decoding: bytes).message.count)
                    }
                }
                // The outage itself is what is tested: the server is gone for this long.
                try await Task.sleep(for: .seconds(1))
                second = try Self.startServer(
                    port: port, directory: directory, log: directory + "/server-2.log",
                    waitForClients: waitForClients, extra: restartArguments)
                if silent, let second {
                    await second.exited()
                    // Nothing from the restarted server: the run ends here, with what the first one sent.
                    if try await peer.next(timeout: .zero) != nil { counts.append(UInt32.max) }
                    break
                }
            }
            datagram = try await peer.next(timeout: .seconds(10))?.1
        }
        await second?.exited()
        let restartedLog = try String(contentsOfFile: directory + "/server-2.log", encoding: .utf8)
        return (counts, ended, restartedLog)
    }

    @Test(
        "an original-protocol client, which cannot register again, is kept in the match log and sent the resumed match after a restart; not when the server was down longer than --original-resume-within"
    )
    func originalClientKept() async throws {
        try await bounded(90) {
            let (events, _) = MatchSimulator.play(seed: 1)
            async let kept = Self.originalClientAcrossRestart(killAfter: 10, restartArguments: [], waitForClients: 1)
            async let dropped = Self.originalClientAcrossRestart(
                killAfter: 10, restartArguments: ["--original-resume-within", "0"],
                waitForClients: 0, silent: true)
            let (counts, ended, log) = try await kept
            #expect(log.contains("again to 1 of its 1 original-protocol client(s)"))
            #expect(ended)
            // In order, none twice; every event but, at most, one the killed server had logged and
            // not yet sent (the original protocol has no repair).
            #expect(counts == counts.sorted() && Set(counts).count == counts.count)
            #expect(counts.count >= events.count - 1 && counts.last == UInt32(events.count - 1), "\(counts.count) of \(events.count) events")
            let (droppedCounts, droppedEnded, droppedLog) = try await dropped
            #expect(droppedLog.contains("are not sent to again") && droppedLog.contains("--original-resume-within 0 s"))
            #expect(!droppedCounts.contains(UInt32.max) && !droppedEnded, "the restarted server sent to the original client")
        }
    }

    /// A client process of the built executable, quiet, logging in `directory` under `name`.
    static func startClient(port: Int, directory: String, name: String) throws -> ServerProcess {
        try ServerProcess(arguments: [
            "client", "--port", String(port), "--quiet", "--server-timeout", "2",
            "--log-file", "\(directory)/\(name).log", "--stats-file", "\(directory)/\(name)_stats.log",
            "--progress-file", "\(directory)/\(name)_progress.json",
        ])
    }

    /// A client.log line's event text without what differs between runs and is no event's
    /// content (the timestamp, the "(repaired)" mark, the server's address); nil for other lines.
    static func eventText(_ line: some StringProtocol) -> String? {
        guard let start = line.range(of: "Received message") else { return nil }
        var text = String(line[start.lowerBound...]).replacingOccurrences(of: "Received message (repaired):", with: "Received message:")
        if let from = text.range(of: " from ", options: .backwards) { text = String(text[..<from.lowerBound]) }
        return text
    }

    /// The event lines of the client.log at `path` (``eventText(_:)``).
    static func eventLines(ofLog path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap(eventText)
    }

    @Test("a client process killed with SIGKILL and started again continues its match and its client.log: the log equals an uninterrupted client's")
    func clientKilledAndRestarted() async throws {
        try await bounded(90) {
            let directory = temporaryDirectoryPath("soccer-client-restart")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let port = try Self.freePort()
            // 0.2 s an event (9 s a match): the killed client's second process registers 1 s after the
            // kill plus its start-up, seconds on a loaded machine; at 0.05 s the match had ended by then.
            let server = try Self.startServer(port: port, directory: directory, log: directory + "/server.log", waitForClients: 2, interval: 0.2)
            #expect(FileManager.default.createFile(atPath: directory + "/killed.log", contents: nil))
            let reference = try Self.startClient(port: port, directory: directory, name: "reference")
            let killed = try Self.startClient(port: port, directory: directory, name: "killed")
            // Killed once its log holds 12 events.
            let follower = try LineFollower(path: directory + "/killed.log")
            var logged = 0
            for await item in follower.items {
                if case .line(let bytes, _) = item, String(decoding: bytes, as: UTF8.self).contains("Received message") { logged += 1 }
                if logged == 12 { break }
            }
            follower.cancel()
            await killed.kill()
            // The outage itself is what is tested: the client is gone for this long.
            try await Task.sleep(for: .seconds(1))
            let again = try Self.startClient(port: port, directory: directory, name: "killed")
            await again.exited()
            await reference.exited()
            await server.exited()
            #expect(again.process.terminationStatus == 0 && reference.process.terminationStatus == 0)
            let expected = try Self.eventLines(ofLog: directory + "/reference.log")
            let continued = try Self.eventLines(ofLog: directory + "/killed.log")
            let (events, _) = MatchSimulator.play(seed: 1)
            #expect(expected.count == events.count)
            #expect(continued == expected, "\(continued.count) lines, expected \(expected.count)")
            let log = try String(contentsOfFile: directory + "/killed.log", encoding: .utf8)
            #expect(log.contains("Continuing match"))
            let progress = try #require(try ClientProgress.read(from: directory + "/killed_progress.json"))
            #expect(progress.ended && progress.lastLogged == UInt32(events.count - 1))
        }
    }

    @Test("SIGSTOP for 20 s, then SIGCONT: the client, silent past its timeout, registers again and sees the match through, nothing lost")
    func pausedServer() async throws {
        try await bounded(90) {
            let directory = temporaryDirectoryPath("soccer-pause")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let port = try Self.freePort()
            let server = try Self.startServer(port: port, directory: directory, log: directory + "/server.log")
            let client = try await makeReconnectingClient(port: port, serverTimeout: .seconds(2), reconnectFor: .seconds(60))
            async let result = client.run()
            #expect(await client.waitUntilReceived(10))
            kill(server.processIdentifier, SIGSTOP)
            // The pause itself is what is tested: 20 s of a stopped process (a paused VM).
            try await Task.sleep(for: .seconds(20))
            kill(server.processIdentifier, SIGCONT)
            let outcome = try await result
            await server.exited()
            let (events, _) = MatchSimulator.play(seed: 1)
            #expect(outcome.reason == .endOfTransmission(.fullTime))
            // A stopped server sends nothing, so nothing is missed: every event arrives (a repair at most).
            #expect(outcome.statistics.received + outcome.statistics.repaired == events.count && outcome.statistics.unrecovered == 0)
            // The pause's outage (a loaded machine may add short ones around it).
            let outage = try #require(outcome.outages.max { $0.seconds < $1.seconds })
            #expect(outage.seconds >= 19)
            #expect(outcome.latest?.scoreLine == PhraseCatalog.english.scoreLine(events.last?.score ?? .zero, roster: .original))
        }
    }
}
