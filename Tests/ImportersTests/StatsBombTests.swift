import Foundation
import Importers
import MatchModel
import Testing
import Wire

@Suite("StatsBomb-shaped events and line-ups: the events a follower is told, checked")
struct StatsBombTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/statsbomb-shaped")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static func match() throws -> StatsBombMatch {
        try StatsBombFile.match(
            events: try bytes("events.json"), eventsFile: "events.json", lineups: try bytes("lineups.json"), lineupsFile: "lineups.json")
    }

    @Test("squads, starters and formation; the told events in order; the rest counted by type")
    func reads() throws {
        let match = try Self.match()
        #expect(match.home.name == "Aldeia Atlético" && match.away.name == "Northbridge Rovers")
        #expect(match.home.squad.count == 16 && match.home.starters.count == 11 && match.home.formation == "433")
        #expect(match.home.starters.filter(\.keeper).map(\.id) == [91001])
        #expect(match.home.squad.first { $0.id == 91007 }?.name == "Vitinha")  // the nickname, when the file has one
        #expect(match.skipped["Pass"] == 7 && match.skipped["Carry"] == 7 && match.skipped["Foul Won"] == 4)
        #expect(match.skipped["Tactical Shift"] == 1 && match.skipped["Injury Stoppage"] == 1 && match.skipped["Own Goal For"] == nil)
        #expect(match.plainFouls == [9002: 1])
        let kinds = match.events.map(\.kind)
        #expect(kinds.filter { if case .substitution = $0 { true } else { false } }.count == 6)
        #expect(kinds.filter { $0 == .ownGoal }.count == 1)
        #expect(kinds.contains(.foul(card: .secondYellow, penalty: false)) && kinds.contains(.foul(card: .yellow, penalty: true)))
        #expect(kinds.contains(.card(.yellow)))
        #expect(match.events.filter { $0.period == 5 && $0.kind == .shot(.goal, penalty: true) }.count == 7)
        #expect(match.events.filter { $0.kind == .periodStart(3) }.count == 2)  // one per team, as StatsBomb writes them
        #expect(match.events.map(\.index) == match.events.map(\.index).sorted())
        let ownGoal = try #require(match.events.first { $0.kind == .ownGoal })
        #expect(ownGoal.team == 9002 && ownGoal.player == 92004 && ownGoal.minute == 38)
    }

    static func refused(events: String? = nil, lineups: String? = nil) throws -> String {
        do {
            _ = try StatsBombFile.match(
                events: try events.map { Array($0.utf8) } ?? bytes("events.json"), eventsFile: "events.json",
                lineups: try lineups.map { Array($0.utf8) } ?? bytes("lineups.json"), lineupsFile: "lineups.json")
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    /// The fixture's events file with the first event that `matches` changed by `change`,
    /// written out again pretty-printed (one field per line, as StatsBomb's files are).
    static func edited(_ matches: ([String: Any]) -> Bool, _ change: (inout [String: Any]) -> Void) throws -> String {
        var events = try #require(try JSONSerialization.jsonObject(with: Data(try bytes("events.json"))) as? [[String: Any]])
        let found = events.firstIndex(where: matches)
        let index = try #require(found)
        change(&events[index])
        return String(decoding: try JSONSerialization.data(withJSONObject: events, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
    }

    static func type(_ name: String) -> ([String: Any]) -> Bool {
        { ($0["type"] as? [String: Any])?["name"] as? String == name }
    }

    @Test("bad files are refused naming the file, the event, the field, the line and what was expected")
    func badFiles() throws {
        var said = try Self.refused(
            events: try Self.edited(Self.type("Substitution")) { $0["substitution"] = ["replacement": ["id": 99999, "name": "Nobody"]] })
        #expect(
            said.contains("events.json: event ") && said.contains("substitution.replacement.id: player 99999 is not in Aldeia Atlético's squad"),
            "\(said)")
        #expect(said.contains("line ") && said.contains("column "), "\(said)")
        said = try Self.refused(events: try Self.edited({ $0["period"] as? Int == 3 }) { $0["period"] = 6 })
        #expect(said.contains("].period: 6 is outside 1...5"), "\(said)")
        said = try Self.refused(
            events: try Self.edited({ ($0["foul_committed"] as? [String: Any])?["card"] != nil }) {
                $0["foul_committed"] = ["card": ["id": 9, "name": "Orange Card"]]
            })
        #expect(said.contains("foul_committed.card.name: 'Orange Card'; expected Yellow Card, Second Yellow or Red Card"), "\(said)")
        said = try Self.refused(
            events: try Self.edited(Self.type("Shot")) {
                $0["shot"] = ["outcome": ["id": 1, "name": "Into Orbit"], "type": ["id": 87, "name": "Open Play"]]
            })
        #expect(said.contains("shot.outcome.name: 'Into Orbit'; expected one of"), "\(said)")
        said = try Self.refused(events: try Self.edited(Self.type("Shot")) { $0["player"] = nil })
        #expect(said.contains(".player: required field is missing (a Shot is about a player)"), "\(said)")
        said = try Self.refused(events: "[{\"index\": 1}]")
        #expect(said.contains("events.json: event 1: $[0].period: required field is missing"), "\(said)")
        said = try Self.refused(lineups: "[]")
        #expect(said.contains("lineups.json: $: 0 team(s); expected 2"), "\(said)")
        said = try Self.refused(events: "[")
        #expect(said.contains("events.json: json:") && said.contains("line 1, column 2"), "\(said)")
        said = try Self.refused(events: try Self.edited(Self.type("Pass")) { $0["team"] = ["id": 4, "name": "Elsewhere"] })
        #expect(said.contains("team 4 is neither Aldeia Atlético (9001) nor Northbridge Rovers (9002)"), "\(said)")
        said = try Self.refused(events: try Self.edited(Self.type("Starting XI")) { $0["tactics"] = ["formation": 433, "lineup": []] })
        #expect(said.contains("0 starters, 0 goalkeeper(s); expected 11 with one goalkeeper"), "\(said)")
    }
}
