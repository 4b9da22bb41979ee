import Foundation
import Match
import Streaming
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 14's fault matrix, storage: a data directory that becomes unwritable while a match
/// streams. The server's data directory is a 2 MiB tmpfs mounted in a mount namespace of its
/// own (`unshare --mount`, so nothing on the machine is touched); the test fills it through
/// `/proc/PID/root`, then frees it.
@Suite("Fault matrix: a data directory that fills up mid-match")
struct DataDirectoryFaultTests {
    /// Root, unshare(1), and a kernel that lets this process mount a tmpfs in a new mount
    /// namespace (tried once: over /tmp, inside a namespace that ends with the probe).
    static let canMount: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        probe.arguments = ["--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /tmp"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        do { try probe.run() } catch { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    @Test(
        "full storage pauses the stream with a clear error (never unlogged streaming); freed, the stream resumes and every event arrives",
        .enabled(if: canMount, "needs root, unshare(1) and permission to mount a tmpfs in a new mount namespace (the test mounts one of its own)"))
    func storageFillsUp() async throws {
        try await bounded(90) {
            let directory = temporaryDirectoryPath("soccer-full")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            let data = directory + "/data"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let log = directory + "/server.log"
            #expect(FileManager.default.createFile(atPath: log, contents: nil))
            let port = try RestartTests.freePort()
            let executable = try CommandLineTests.executable().path
            let server = try RestartTests.ServerProcess(
                arguments: [
                    "--mount", "--propagation", "private", "sh", "-c", #"d=$1; shift; mount -t tmpfs -o size=2m tmpfs "$d" && exec "$@""#,
                    "sh", data, executable, "server", "--host", "127.0.0.1", "--port", String(port), "--interval", "0.2",
                    "--seed", "1", "--wait-for-clients", "1", "--data-dir", data, "--log-file", log, "--repair-grace", "1",
                ],
                executable: URL(fileURLWithPath: "/usr/bin/unshare"))
            let client = try await makeReconnectingClient(port: port, serverTimeout: .seconds(2), reconnectFor: .seconds(60))
            async let result = client.run()
            #expect(await client.waitUntilReceived(10))
            // Fill the server's data directory (its tmpfs, seen through its own root) to the last byte.
            let filler = "/proc/\(server.processIdentifier)/root\(data)/filler"
            #expect(FileManager.default.createFile(atPath: filler, contents: nil))
            let handle = try #require(FileHandle(forWritingAtPath: filler))
            let chunk = Data(repeating: 0x55, count: 64 << 10)
            var full = false
            for _ in 0..<64 where !full {
                do { try handle.write(contentsOf: chunk) } catch { full = true }
            }
            try? handle.close()  // the disk is full: closing may report it again
            #expect(full, "the 2 MiB tmpfs did not fill up")
            try await RestartTests.waitForLine(containing: "streaming is paused until the match log can be written", in: log)
            let paused = client.received
            try FileManager.default.removeItem(atPath: filler)
            try await RestartTests.waitForLine(containing: "The match log is written again", in: log)
            let outcome = try await result
            await server.exited()
            let (events, _) = MatchSimulator.play(seed: 1)
            #expect(paused < events.count)
            #expect(outcome.reason == .endOfTransmission(.fullTime))
            #expect(outcome.statistics.received + outcome.statistics.repaired == events.count && outcome.statistics.unrecovered == 0)
            let text = try String(contentsOfFile: log, encoding: .utf8)
            // The error names the log and what is wrong (SQLite's "database or disk is full").
            #expect(text.contains("matches.sqlite") && text.contains("full"))
            #expect(text.contains("Totals: 1 match(es), \(events.count) events"))
        }
    }
}
