import Match
import Streaming
import Synchronization
import TestSupport
import Testing
import Wire

@Suite("Many matches on loopback (Spec §4.9)", .serialized)
struct ManyMatchesTests {
    /// The events of slot `slot`'s first match on a server seeded `seed`.
    static func events(slot: Int, seed: UInt64) -> [MatchEvent] {
        MatchSimulator.play(seed: MatchSimulator.roundSeed(slot: slot, base: seed), roster: Roster.simulated(slot: slot, seed: seed)).events
    }

    @Test(
        "four simulated matches at once: --list shows them, clients on different matches and one following three each get every event of their own; a match that ends leaves the others streaming"
    )
    func fourMatches() async throws {
        try await bounded(60) {
            let server = try await makeServer {
                $0.simulate = 4
                $0.waitForClients = 5
                $0.interval = .milliseconds(10)
            }
            let port = server.localAddress.port ?? 0
            var listing = ClientConfiguration()
            listing.server = "127.0.0.1"
            listing.port = port
            listing.initialBackoff = .milliseconds(100)
            let before = try await MatchLister.list(configuration: listing, logger: quietLogger)
            #expect(before.count == 4 && before.allSatisfy { $0.status == .waiting && $0.viewers == 0 })
            #expect(before[0].home == "Galáticos" && before[0].away == "The Bests")
            #expect(Set(before.map { "\($0.home)|\($0.away)" }).count == 4)
            let ids = before.map(\.id)

            async let summary = server.run()
            let single = try await makeClient(server) { $0.match = ids[1] }
            let json = try await makeClient(server) {
                $0.match = ids[3]
                $0.format = .json
            }
            let seen = Mutex<[UInt32: Int]>([:])
            async let several = MultiMatchFollower.follow(
                matches: [ids[0], ids[2], ids[3]], configuration: listing, logger: quietLogger,
                show: { text in seen.withLock { $0[0, default: 0] += text.isEmpty ? 0 : 1 } })
            async let singleResult = single.run()
            async let jsonResult = json.run()
            let (one, other, outcomes) = try await (singleResult, jsonResult, several)
            let totals = try await summary
            #expect(totals.matches == 4)

            let lengths = (0..<4).map { Self.events(slot: $0, seed: 7).count }
            #expect(totals.events == lengths.reduce(0, +))
            #expect(one.reason == .endOfTransmission(.fullTime) && one.statistics.received == lengths[1] && one.statistics.lost == 0)
            #expect(other.format == .json && other.statistics.received == lengths[3] && other.statistics.lost == 0)
            #expect(outcomes.map(\.match) == [ids[0], ids[2], ids[3]])
            for (outcome, slot) in zip(outcomes, [0, 2, 3]) {
                #expect(outcome.result.reason == .endOfTransmission(.fullTime))
                #expect(outcome.result.statistics.received == lengths[slot] && outcome.result.statistics.lost == 0)
                // The last view is of the right match: its teams.
                #expect(outcome.result.latest?.home.name == Roster.simulated(slot: slot, seed: 7).home.name)
            }
            #expect(seen.withLock { $0[0] ?? 0 } >= lengths[0])
            // The matches have different lengths: the shortest ended while the others streamed on,
            // and their clients still got every event.
            #expect(Set(lengths).count > 1)
        }
    }

    @Test("a register for a match the server does not carry is refused with 'unknown match'")
    func unknownMatch() async throws {
        try await bounded(30) {
            let server = try await makeServer { $0.simulate = 2 }
            let client = try await makeClient(server) { $0.match = 12345 }
            let result = try await client.run()
            guard case .refused(let refusal) = result.reason else {
                Issue.record("not refused: \(result.reason)")
                return
            }
            #expect(refusal.reason == .unknownMatch)
            server.stop()
            _ = try await server.run()
        }
    }
}
