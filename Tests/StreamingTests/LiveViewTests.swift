import Foundation
import Match
import Streaming
import Testing
import Wire

@Suite("Live view")
struct LiveViewTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the rendered view of a fixed state matches the golden text", arguments: [("en", 7, 44), ("pt", 2028, 30)])
    func golden(language: String, seed: Int, index: Int) throws {
        let catalog = language == "pt" ? PhraseCatalog.portuguese : .english
        let event = MatchSimulator.play(seed: UInt64(seed), catalog: catalog).events[index]
        let snapshot = try LiveSnapshot(event: event, sequence: UInt32(index), roster: .original, catalog: catalog)
        let url = Self.root.appendingPathComponent("Fixtures/views/seed\(seed)-event\(index)-\(language).txt")
        let golden = try String(contentsOf: url, encoding: .utf8)
        #expect(snapshot.rendered() == golden)
    }

    @Test("minutes, goals and red cards show as the original client showed them")
    func marks() throws {
        let event = MatchEvent(
            type: .goal, minute: 47, template: 0, actor: PlayerRef(side: .home, slot: 8),
            opponent: PlayerRef(side: .away, slot: 0),
            state: MatchState(
                goals: [
                    Incident(player: PlayerRef(side: .home, slot: 8), minute: 12),
                    Incident(player: PlayerRef(side: .home, slot: 8), minute: 45),
                ],
                redCards: [Incident(player: PlayerRef(side: .away, slot: 7), minute: 30)]))
        let text = try LiveSnapshot(event: event, sequence: 3, roster: .original, catalog: .english).rendered()
        #expect(text.contains("Pelé ATA **"))
        #expect(text.contains("Messi MEI  (Red Card)"))
        #expect(text.contains("Match time: 45+2'"))
        #expect(text.contains("Score: Galáticos 2 - 0 The Bests"))
    }
}
