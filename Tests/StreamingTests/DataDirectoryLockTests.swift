import Foundation
import Match
import RuntimeSupport
import Streaming
import TestSupport
import Testing
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// One process per data directory (``DataDirectoryLock``), and default data directories named
/// after the log file, so that processes started in one folder never share one.
@Suite("Data directory: one process each, named after the log file by default", .serialized)
struct DataDirectoryLockTests {
    @Test("a second claim on a held data directory is refused, naming the directory and the holder's pid; released, it can be claimed again")
    func secondClaimRefused() throws {
        let directory = temporaryDirectoryPath("soccer-lock")
        defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
        let held = try DataDirectoryLock.acquire(directory: directory)
        do {
            _ = try DataDirectoryLock.acquire(directory: directory)
            Issue.record("a second claim on \(directory) succeeded")
        } catch {
            #expect(error.code == .dataDirectoryInUse)
            #expect(
                error.message.contains(directory) && error.message.contains("(pid \(getpid()))") && error.message.contains("--data-dir"),
                "\(error.message)")
        }
        held.release()
        let again = try DataDirectoryLock.acquire(directory: directory)
        again.release()
    }

    @Test("a second server process on a running server's data directory exits at once, non-zero, with the message; the first streams on")
    func secondServerRefused() async throws {
        try await bounded(60) {
            let directory = temporaryDirectoryPath("soccer-lock-process")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let data = directory + "/data"
            let firstLog = directory + "/first.log"
            #expect(FileManager.default.createFile(atPath: firstLog, contents: nil))
            let first = try RestartTests.startServer(port: try RestartTests.freePort(), directory: data, log: firstLog)
            try await RestartTests.waitForLine(containing: "Match log:", in: firstLog)
            let output = directory + "/second.out"
            let second = try RestartTests.ServerProcess(
                arguments: [
                    "server", "--host", "127.0.0.1", "--port", String(try RestartTests.freePort()), "--data-dir", data,
                    "--log-file", directory + "/second.log",
                ],
                output: output)
            await second.exited()
            let message = try String(contentsOfFile: output, encoding: .utf8)
            #expect(second.status != 0)
            #expect(message.contains("the data directory \(data) is in use by another process (pid \(first.processIdentifier))"), "\(message)")
            #expect(message.contains("--data-dir"))
            // The first one still holds its match and its log.
            #expect(first.process.isRunning)
            await first.kill(SIGTERM)
        }
    }

    @Test(
        "origin → relay → relay started in one folder with default data directories: each its own (soccer-stream-data, relay-1-data, relay-2-data), every event reaches the leaves"
    )
    func chainInOneFolder() async throws {
        try await bounded(120) {
            let folder = temporaryDirectoryPath("soccer-one-folder")
            defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let (originPort, firstPort, secondPort) = (try RestartTests.freePort(), try RestartTests.freePort(), try RestartTests.freePort())
            for name in ["server.log", "relay-1.log", "relay-2.log"] {
                #expect(FileManager.default.createFile(atPath: "\(folder)/\(name)", contents: nil))
            }
            // As docs/OPERATING.md's relay example: each its own --port and --log-file, nothing else.
            let origin = try RestartTests.ServerProcess(
                arguments: [
                    "server", "--host", "127.0.0.1", "--port", String(originPort), "--interval", "0.05", "--wait-for-clients", "2",
                    "--repair-grace", "1",
                ],
                directory: folder)
            func relay(_ name: String, upstream: Int, port: Int) throws -> RestartTests.ServerProcess {
                try RestartTests.ServerProcess(
                    arguments: [
                        "relay", "--upstream", "127.0.0.1:\(upstream)", "--host", "127.0.0.1", "--port", String(port),
                        "--log-file", "\(name).log", "--repair-grace", "1", "--upstream-timeout", "1",
                    ],
                    directory: folder)
            }
            let first = try relay("relay-1", upstream: originPort, port: firstPort)
            try await RestartTests.waitForLine(containing: "Relaying match", in: folder + "/relay-1.log")
            let second = try relay("relay-2", upstream: firstPort, port: secondPort)
            try await RestartTests.waitForLine(containing: "Relaying match", in: folder + "/relay-2.log")
            let (compact, compactLog) = try await RelayTests.client(port: secondPort, format: .compact)
            let (json, jsonLog) = try await RelayTests.client(port: secondPort, format: .json)
            async let compactResult = compact.run()
            async let jsonResult = json.run()
            #expect(await compact.waitUntilSubscribed())
            #expect(await json.waitUntilSubscribed())
            // The origin kicks off once relay 1 and this direct client are registered (the leaves are in by then).
            let (direct, _) = try await RelayTests.client(port: originPort, format: .compact)
            async let directResult = direct.run()
            let results = try await [compactResult, jsonResult, directResult]
            await second.exited()
            await first.exited()
            await origin.exited()
            let (events, _) = MatchSimulator.play(seed: 1)
            for (name, store, result) in [("compact", compactLog, results[0]), ("json", jsonLog, results[1])] {
                let lines = store.all.compactMap { RestartTests.eventText($0.1) }
                #expect(lines.count == events.count, "\(name) leaf: \(lines.count) event lines, expected \(events.count)")
                #expect(result.reason == .endOfTransmission(.fullTime), "\(name) leaf: \(result.reason)")
                #expect(
                    result.statistics.unrecovered == 0 && result.statistics.received + result.statistics.repaired == events.count,
                    "\(name) leaf: \(result.statistics.received) received, \(result.statistics.repaired) repaired")
            }
            for data in ["soccer-stream-data", "relay-1-data", "relay-2-data"] {
                #expect(FileManager.default.fileExists(atPath: "\(folder)/\(data)/\(DataDirectoryLock.fileName)"), "\(data) missing")
            }
        }
    }

    @Test(
        "the holder of a file's flock is found among the processes' open files too (when /proc/locks misses it), and no one holds a file nobody locked"
    )
    func holderAmongOpenFiles() throws {
        let path = temporaryDirectoryPath("soccer-flock")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }  // a temporary file
        let holding = open(path, O_RDWR)
        let asking = open(path, O_RDWR)
        defer {
            close(holding)
            close(asking)
        }
        #expect(holding >= 0 && asking >= 0)
        #expect(FileLock.holderAmongOpenFiles(of: asking) == nil, "nobody holds it yet")
        guard case .success = FileLock.exclusive(holding) else {
            Issue.record("the first lock was not taken")
            return
        }
        // Another open file description of the same file: refused, this process named both ways.
        guard case .failure(.held(let holder)) = FileLock.exclusive(asking) else {
            Issue.record("a second open of a locked file took the lock")
            return
        }
        #expect(holder == getpid())
        #expect(FileLock.holderAmongOpenFiles(of: asking) == getpid())
    }
}
