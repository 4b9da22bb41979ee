import Foundation
import Logging
import Match
import NIOCore
import Streaming
import TestSupport
import Testing
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Relays (issue 15): `soccer-stream relay` processes between an origin server and clients.
@Suite("Relays: an origin, relays in a chain, clients at the leaves", .serialized)
struct RelayTests {
    static func startRelay(
        upstream: Int, port: Int, directory: String, name: String, alternatives: [Int] = [],
        extra: [String] = []
    ) throws -> RestartTests.ServerProcess {
        try RestartTests.ServerProcess(
            arguments: [
                "relay", "--upstream", "127.0.0.1:\(upstream)",
            ] + alternatives.flatMap { ["--upstream", "127.0.0.1:\($0)"] } + [
                "--host", "127.0.0.1", "--port", String(port),
                "--data-dir", "\(directory)/\(name)-data", "--log-file", "\(directory)/\(name).log", "--repair-grace", "2",
                "--upstream-timeout", "1",
            ] + extra)
    }

    /// A client of 127.0.0.1:`port` in `format` whose log is kept (registering again after 2 s of silence).
    static func client(
        port: Int, format: BodyFormat, match: UInt32 = RegisterRequest.anyMatch
    ) async throws -> (StreamClient, RecordingLogHandler.Store) {
        try await makeRecordingClient(port: port, format: format, match: match, serverTimeout: .seconds(2))
    }

    @Test(
        "origin → relay → relay → a compact, a JSON and an original client; the first relay killed with SIGKILL and restarted mid-match: every leaf ends with the match whole, client.log equal to a client of the origin's, the outage of its source in its statistics"
    )
    func chainWithRestart() async throws {
        try await bounded(120) {
            let directory = temporaryDirectoryPath("soccer-relay")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let (originPort, firstPort, secondPort) = (try RestartTests.freePort(), try RestartTests.freePort(), try RestartTests.freePort())
            // The origin kicks off once relay 1 and the direct client are registered (the direct one comes last).
            // Events 0.2 s apart: the match outlasts relay 1's restart (a process start, slow on a busy machine).
            let origin = try RestartTests.startServer(
                port: originPort, directory: directory + "/origin-data", log: directory + "/origin.log",
                waitForClients: 2, interval: 0.2)
            let firstLog = directory + "/relay-1.log"
            #expect(FileManager.default.createFile(atPath: firstLog, contents: nil))
            var first = try Self.startRelay(upstream: originPort, port: firstPort, directory: directory, name: "relay-1")
            try await RestartTests.waitForLine(containing: "Relaying match", in: firstLog)
            let secondLog = directory + "/relay-2.log"
            #expect(FileManager.default.createFile(atPath: secondLog, contents: nil))
            let second = try Self.startRelay(upstream: firstPort, port: secondPort, directory: directory, name: "relay-2")
            try await RestartTests.waitForLine(containing: "Relaying match", in: secondLog)
            // The leaves: compact, JSON, original (a bare socket).
            let (compact, compactLog) = try await Self.client(port: secondPort, format: .compact)
            let (json, jsonLog) = try await Self.client(port: secondPort, format: .json)
            async let compactResult = compact.run()
            async let jsonResult = json.run()
            #expect(await compact.waitUntilSubscribed())
            #expect(await json.waitUntilSubscribed())
            let peer = try await RawPeer()
            let secondAddress = try SocketAddress(ipAddress: "127.0.0.1", port: secondPort)
            try await peer.send(Array(OriginalPacket.registerText.utf8), to: secondAddress)
            // The direct client kicks the match off.
            let (direct, directLog) = try await Self.client(port: originPort, format: .compact)
            async let directResult = direct.run()
            // Relay 1 dies mid-match and is back on its data directory once relay 2 has told its
            // leaves that its source is lost (after its 1 s upstream timeout): waited for, not timed,
            // since a busy machine can run relay 2 seconds late (a fixed 2 s lost that race).
            #expect(await compact.waitUntilReceived(10))
            await first.kill()
            try await RestartTests.waitForLine(containing: "client(s) told (Spec §4.10)", in: secondLog)
            first = try Self.startRelay(upstream: originPort, port: firstPort, directory: directory, name: "relay-1")
            let results = try await [compactResult, jsonResult, directResult]
            // The original leaf: every event in order, then the end.
            var counts: [UInt32] = []
            var ended = false
            while !ended, let (_, bytes) = try await peer.next(timeout: .seconds(10)) {
                if bytes == Array(OriginalPacket.endOfTransmissionText.utf8) {
                    ended = true
                } else {
                    counts.append(try OriginalDatagram(decoding: bytes).message.count)
                }
            }
            await peer.close()
            await first.exited()
            await second.exited()
            await origin.exited()
            let (events, _) = MatchSimulator.play(seed: 1)
            let expected = directLog.all.compactMap { RestartTests.eventText($0.1) }
            #expect(expected.count == events.count && results[2].statistics.unrecovered == 0)
            for (name, store, result) in [("compact", compactLog, results[0]), ("json", jsonLog, results[1])] {
                let lines = store.all.compactMap { RestartTests.eventText($0.1) }
                #expect(lines == expected, "\(name) leaf: \(lines.count) lines, expected \(expected.count)")
                #expect(result.reason == .endOfTransmission(.fullTime), "\(name) leaf: \(result.reason)")
                #expect(
                    result.statistics.unrecovered == 0 && result.statistics.received + result.statistics.repaired == events.count,
                    "\(name) leaf: \(result.statistics.received) received, \(result.statistics.repaired) repaired, \(result.statistics.unrecovered) unrecovered"
                )
                #expect(result.match == results[2].match)
                // Relay 2 told them its source was lost while relay 1 was away (Spec §4.10).
                // (From when it said so: it notices after its upstream timeout, 1 s here.)
                #expect(result.outages.contains { $0.kind == .sourceLost && $0.seconds > 0 }, "\(name) leaf: outages \(result.outages)")
            }
            #expect(ended && counts == (0..<UInt32(events.count)).map { $0 }, "original leaf: \(counts.count) events, ended \(ended)")
            let restarted = try String(contentsOfFile: firstLog, encoding: .utf8)
            #expect(restarted.contains("Resuming relayed match"))
        }
    }

    @Test(
        "a relay with two upstreams fails over when the first dies for good: its client's match ends whole, client.log equal to a client of the origin's"
    )
    func failover() async throws {
        try await bounded(120) {
            let directory = temporaryDirectoryPath("soccer-failover")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let ports = try (0..<4).map { _ in try RestartTests.freePort() }
            let (originPort, aPort, bPort, cPort) = (ports[0], ports[1], ports[2], ports[3])
            // Events 0.2 s apart: the failover (1 s of silence, 1 s registering again) comes well before the end.
            let origin = try RestartTests.startServer(
                port: originPort, directory: directory + "/origin-data", log: directory + "/origin.log",
                waitForClients: 3, interval: 0.2)
            var relays: [RestartTests.ServerProcess] = []
            for (name, port) in [("a", aPort), ("b", bPort)] {
                #expect(FileManager.default.createFile(atPath: "\(directory)/\(name).log", contents: nil))
                relays.append(try Self.startRelay(upstream: originPort, port: port, directory: directory, name: name))
                try await RestartTests.waitForLine(containing: "Relaying match", in: "\(directory)/\(name).log")
            }
            let cLog = directory + "/c.log"
            #expect(FileManager.default.createFile(atPath: cLog, contents: nil))
            let c = try Self.startRelay(upstream: aPort, port: cPort, directory: directory, name: "c", alternatives: [bPort])
            try await RestartTests.waitForLine(containing: "Relaying match", in: cLog)
            let (leaf, leafLog) = try await Self.client(port: cPort, format: .compact)
            async let leafResult = leaf.run()
            #expect(await leaf.waitUntilSubscribed())
            let (direct, directLog) = try await Self.client(port: originPort, format: .compact)
            async let directResult = direct.run()
            #expect(await leaf.waitUntilReceived(10))
            await relays[0].kill()  // relay a is gone for good
            let (seen, reference) = try await (leafResult, directResult)
            await relays[1].exited()
            await c.exited()
            await origin.exited()
            let expected = directLog.all.compactMap { RestartTests.eventText($0.1) }
            let lines = leafLog.all.compactMap { RestartTests.eventText($0.1) }
            #expect(expected.count == MatchSimulator.play(seed: 1).events.count && reference.statistics.unrecovered == 0)
            #expect(lines == expected, "\(lines.count) lines, expected \(expected.count)")
            #expect(seen.reason == .endOfTransmission(.fullTime) && seen.statistics.unrecovered == 0)
            #expect(seen.outages.contains { $0.kind == .sourceLost && $0.seconds > 0 }, "outages \(seen.outages)")
            let text = try String(contentsOfFile: cLog, encoding: .utf8)
            #expect(text.contains("Failing over to upstream 127.0.0.1:\(bPort)"))
        }
    }

    @Test("an on-demand relay unsubscribes upstream from a match nobody joined within its client timeout (the client that asked gave up)")
    func onDemandNeverJoined() async throws {
        try await bounded(90) {
            let directory = temporaryDirectoryPath("soccer-on-demand-unjoined")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let (originPort, relayPort) = (try RestartTests.freePort(), try RestartTests.freePort())
            let originLog = directory + "/origin.log"
            #expect(FileManager.default.createFile(atPath: originLog, contents: nil))  // followed before the origin writes it
            // A long match (an event every 0.5 s): it is still on when the relay drops it.
            let origin = try RestartTests.startServer(
                port: originPort, directory: directory + "/origin-data", log: originLog,
                waitForClients: 1, interval: 0.5)
            let relayLog = directory + "/relay.log"
            #expect(FileManager.default.createFile(atPath: relayLog, contents: nil))
            let relay = try Self.startRelay(
                upstream: originPort, port: relayPort, directory: directory, name: "relay",
                extra: ["--on-demand", "--client-timeout", "6"])
            try await RestartTests.waitForLine(containing: "Server started on port", in: relayLog)
            // One register attempt, echoing the relay's challenge, then it gives up: the relay subscribes upstream for it.
            let asker = try await makeClient(port: relayPort) {
                $0.match = MatchSimulator(seed: 1).matchID
                $0.registerAttempts = 1
            }
            let asked = try await asker.run()
            #expect(asked.reason == .noAnswer(attempts: 1))
            try await RestartTests.waitForLine(containing: "Relaying match", in: relayLog)
            // Nobody joins: after the 6 s client timeout the relay unsubscribes, and the origin sees it unregister.
            try await RestartTests.waitForLine(containing: "Unregistering client", in: originLog)
            await relay.kill()  // an on-demand relay runs until stopped
            await origin.kill()
            #expect(try String(contentsOfFile: relayLog, encoding: .utf8).contains("none joined within"))
        }
    }

    @Test("an on-demand relay subscribes upstream only to the matches its clients ask for, and unsubscribes when a match's last client leaves")
    func onDemand() async throws {
        try await bounded(120) {
            let directory = temporaryDirectoryPath("soccer-on-demand")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let (originPort, relayPort) = (try RestartTests.freePort(), try RestartTests.freePort())
            let originLog = directory + "/origin.log"
            #expect(FileManager.default.createFile(atPath: originLog, contents: nil))
            // Two simulated matches, kicked off once someone (the relay) subscribes.
            let origin = try RestartTests.startServer(
                port: originPort, directory: directory + "/origin-data", log: originLog,
                waitForClients: 1, interval: 0.2, extra: ["--simulate", "2"])
            let relayLog = directory + "/relay.log"
            #expect(FileManager.default.createFile(atPath: relayLog, contents: nil))
            let relay = try Self.startRelay(upstream: originPort, port: relayPort, directory: directory, name: "relay", extra: ["--on-demand"])
            try await RestartTests.waitForLine(containing: "Server started on port", in: relayLog)
            let (first, second) = (MatchSimulator(roundSlot: 0, seed: 1).matchID, MatchSimulator(roundSlot: 1, seed: 1).matchID)
            // A viewer of match 2 (to the end) and one of match 1 (who leaves after 5 events).
            let (viewer, _) = try await Self.client(port: relayPort, format: .compact, match: second)
            let (leaver, _) = try await Self.client(port: relayPort, format: .json, match: first)
            async let viewed = viewer.run()
            async let left = leaver.run()
            #expect(await leaver.waitUntilReceived(5))
            leaver.stop()
            // The relay drops its upstream subscription to match 1: the origin sees it unregister.
            try await RestartTests.waitForLine(containing: "Unregistering client", in: originLog)
            let (seen, gone) = try await (viewed, left)
            await relay.kill()  // an on-demand relay runs until stopped
            await origin.exited()
            #expect(seen.match == second && seen.reason == .endOfTransmission(.fullTime) && seen.statistics.unrecovered == 0)
            #expect(gone.match == first && gone.reason == .terminated)
            let relayText = try String(contentsOfFile: relayLog, encoding: .utf8)
            #expect(relayText.contains("Subscribing upstream to match \(second)") && relayText.contains("Subscribing upstream to match \(first)"))
            #expect(relayText.contains("unsubscribing upstream"))
            // The origin had exactly the relay's two subscriptions, one per match asked for.
            let originText = try String(contentsOfFile: originLog, encoding: .utf8)
            #expect(originText.components(separatedBy: "Registering client").count - 1 == 2)
        }
    }
}
