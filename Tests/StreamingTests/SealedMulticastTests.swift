import Bench
import Foundation
import Match
import Streaming
import Testing
import Toolkit
import Wire

/// The sealed group end to end (Spec/ENCRYPTION.md, "Multicast: the group key"), in a network
/// namespace the test makes: a server that seals and sends to a group, and sealed receivers of
/// both formats that take their events from it.
/// Part of the multicast suite, which runs its tests one at a time (each makes a namespace and
/// starts processes: run beside one another on two cores, the attacker of `groupDelivery` starts late).
extension MulticastTests {
    @Test(
        "--encrypt required --multicast: compact and JSON receivers get the whole match from the sealed group; their captures hold no name",
        .enabled(if: NetworkNamespace.available || NetworkNamespace.required, "needs root and ip(8) to make a network namespace of its own"))
    func sealedGroup() async throws {
        try await MulticastTests.inNamespace("soccer-sealed-multicast") { directory, start in
            let origin = try start([
                "server", "--host", "127.0.0.1", "--port", "14100", "--interval", "0.05", "--seed", "1", "--wait-for-clients", "2",
                "--data-dir", "none", "--log-file", directory + "/server.log", "--repair-grace", "1", "--multicast", "239.8.8.9:15101",
                "--encrypt", "required", "--original", "deny",
            ])
            var receivers: [RestartTests.ServerProcess] = []
            for (name, format, groupPort) in [("compact", "compact", 15101), ("json", "json", 15102)] {
                let log = "\(directory)/\(name).log"
                #expect(FileManager.default.createFile(atPath: log, contents: nil))  // followed before the client writes it
                receivers.append(
                    try start([
                        "client", "--port", "14100", "--format", format, "--quiet", "--server-timeout", "5", "--register-attempts", "20",
                        "--encrypt", "required", "--log-file", log, "--stats-file", "\(directory)/\(name)_stats.log",
                        "--stats-json", "\(directory)/\(name).json", "--progress-file", "none", "--capture", "\(directory)/\(name).pcap",
                    ]))
                try await RestartTests.waitForLine(containing: "Joined multicast group 239.8.8.9:\(groupPort)", in: log)
            }
            for receiver in receivers { await receiver.exited() }
            await origin.exited()
            let events = MatchSimulator.play(seed: 1).events
            let names = Set((Roster.original.home.players + Roster.original.away.players).map(\.name) + [Roster.original.home.name])
            for name in ["compact", "json"] {
                #expect(try RestartTests.eventLines(ofLog: "\(directory)/\(name).log").count == events.count, "\(name)'s client.log")
                let stats = try #require(
                    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name).json"))) as? [String: Any])
                let group = try #require(stats["group"] as? [String: Int], "\(name) did not take the sealed group")
                #expect(group["accepted", default: 0] > 0 && group["forged"] == 0 && stats["unrecovered"] as? Int == 0, "\(name): \(stats)")
                // What a passive observer of the group and the unicast path sees: no name.
                let capture = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name).pcap"))
                let text = String(decoding: capture.map { $0 < 0x20 || $0 > 0x7E ? 0x20 : $0 }, as: UTF8.self)
                for player in names where player.count >= 4 { #expect(!text.contains(player), "\(player) in \(name)'s capture") }
                let report = CaptureValidation.validate(
                    capture: [UInt8](capture), path: name, ports: [14100, 15101, 15102])
                #expect(report.invalidCount == 0 && report.verdicts.contains { $0.check.summary.hasPrefix("sealed group-event") }, "\(name)")
            }
        }
    }
}
