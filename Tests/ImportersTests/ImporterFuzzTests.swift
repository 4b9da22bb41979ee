import Foundation
import Importers
import Match
import MatchModel
import TestSupport
import Testing
import Wire

/// The importers' readers on mutated files: a value or a located error, never a crash, and
/// nothing accepted that breaks what the reader promises. (libFuzzer runs them for a million
/// inputs each: `Fuzz/run.sh`.)
@Suite("Bounded fuzzing of the importers")
struct ImporterFuzzTests {
    /// Mutates `seed`: bit flips, byte insertions and deletions, a cut, JSON's own bytes in
    /// the wrong places, a digit run made huge.
    static func mutate(_ seed: [UInt8], random: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        let tokens = Array("{}[]\",:-0e".utf8)
        for _ in 0...random.next(below: 3) where !bytes.isEmpty {
            let at = random.next(below: bytes.count)
            switch random.next(below: 6) {
            case 0: bytes[at] ^= UInt8(1 << random.next(below: 8))
            case 1: bytes.insert(tokens[random.next(below: tokens.count)], at: at)
            case 2: bytes.remove(at: at)
            case 3: bytes = Array(bytes.prefix(at))
            case 4: bytes.replaceSubrange(at..<at, with: Array("99999999999999999999".utf8))
            default: bytes[at] = [0, 0x22, 0x5C, 0xC3, 0xFF][random.next(below: 5)]
            }
        }
        return bytes
    }

    /// Reads `lines` as `server --feed` does: each line is accepted or refused with its line
    /// number and a located error, never a crash; the state after the last event, or nil when
    /// a line was refused (after checking the refusal is located).
    static func readBack(_ lines: [FeedLine], findings: inout Findings) -> MatchState? {
        do {
            return try FeedDecoder.read(lines).events.last?.state ?? .kickOff
        } catch {
            findings.expect(error.line >= 1 && !error.error.field.isEmpty, "\(error)")
            return nil
        }
    }

    /// One match of the 2022 file, as a file of its own (the final: extra time and penalties).
    static func finalOnly() throws -> [UInt8] {
        let all = try #require(try JSONSerialization.jsonObject(with: Data(try OpenFootballTests.file("worldcup-2022.json"))) as? [String: Any])
        let matches = try #require(all["matches"] as? [Any])
        return Array(try JSONSerialization.data(withJSONObject: ["name": "final", "matches": [try #require(matches.last)]]))
    }

    @Test("4,000 mutated openfootball files: matches whose goals add up to their scores, or a located error")
    func openFootball() async throws {
        let seed = try Self.finalOnly()
        try await CPUBoundLane.check { findings in
            var random = SeededGenerator(seed: 0x0F0F)
            var accepted = 0
            for round in 0..<4_000 {
                let input = Self.mutate(seed, random: &random)
                do throws(ImportError) {
                    for match in try OpenFootballFile.matches(input, file: "fuzz.json") {
                        accepted += 1
                        for side in Side.allCases {
                            let goals = match.goals.filter { $0.side == side }.count
                            findings.expect(goals == Int(match.finalScore[side]), "round \(round): \(goals) \(side) goals, score \(match.finalScore)")
                        }
                        // Its feed reads back as the server reads it, to the same score.
                        if let state = Self.readBack(match.feedLines(language: "en"), findings: &findings) {
                            findings.expect(state.score == match.finalScore, "round \(round): the feed ends \(state.score), not \(match.finalScore)")
                        }
                    }
                } catch {
                    findings.expect(error.error.offset >= 0 && error.error.offset <= input.count, "round \(round): \(error)")
                    findings.expect(error.description.hasPrefix("fuzz.json: "), "round \(round): \(error)")
                }
            }
            findings.expect(accepted > 0, "no mutated file accepted")
        }
    }

    @Test("800 mutated StatsBomb-shaped match files: a match naming only its squads' players, or a located error")
    func statsBomb() async throws {
        let (lineups, events) = (try StatsBombTests.bytes("lineups.json"), try StatsBombTests.bytes("events.json"))
        try await CPUBoundLane.check { findings in
            var random = SeededGenerator(seed: 0x5B5B)
            var accepted = 0
            for round in 0..<800 {
                let mutateLineups = random.next(below: 4) == 0
                let (someLineups, someEvents) =
                    mutateLineups ? (Self.mutate(lineups, random: &random), events) : (lineups, Self.mutate(events, random: &random))
                do throws(ImportError) {
                    let match = try StatsBombFile.match(
                        events: someEvents, eventsFile: "events.json", lineups: someLineups, lineupsFile: "lineups.json")
                    accepted += 1
                    let players = Set((match.home.squad + match.away.squad).map(\.id))
                    findings.expect(
                        match.events.allSatisfy { event in event.player.map { players.contains($0) } ?? true },
                        "round \(round): an event names a player of neither squad")
                    // Its feed: made or refused with the event named, then read back line by line.
                    do throws(ImportError) {
                        _ = Self.readBack(try match.feed(language: "pt", eventsFile: "events.json").lines, findings: &findings)
                    } catch {
                        findings.expect(error.description.hasPrefix("events.json: "), "round \(round): \(error)")
                    }
                } catch {
                    let bytes = error.file == "lineups.json" ? someLineups : someEvents
                    findings.expect(error.error.offset >= 0 && error.error.offset <= bytes.count, "round \(round): \(error)")
                }
            }
            findings.expect(accepted > 0, "no mutated file accepted")
        }
    }
}
