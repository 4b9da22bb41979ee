import Foundation
import Importers
import MatchModel
import Testing
import Wire

@Suite("openfootball football.json: matches, scores and goals, checked")
struct OpenFootballTests {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Data/openfootball")

    static func file(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: data.appendingPathComponent(name)))
    }

    @Test(
        "the 2022 final: 3–3 after extra time, 4–2 on penalties, Messi at 23' (pen), 36' is Di María's, Messi 108', Mbappé 80' (pen), 81', 118' (pen)"
    )
    func final2022() throws {
        let matches = try OpenFootballFile.matches(try Self.file("worldcup-2022.json"), file: "worldcup-2022.json")
        #expect(matches.count == 64)
        let final = try #require(matches.last)
        #expect(final.number == 64 && final.round == "Final" && final.home == "Argentina" && final.away == "France")
        #expect(final.fullTime == Score(home: 2, away: 2) && final.extraTime == Score(home: 3, away: 3) && final.shootOut == Score(home: 4, away: 2))
        #expect(final.finalScore == Score(home: 3, away: 3))
        #expect(
            final.goals.map { "\($0.side == .home ? "H" : "A") \($0.name) \($0.minute)\($0.penalty ? " pen" : "")" } == [
                "H Lionel Messi 23 pen", "H Ángel Di María 36", "A Kylian Mbappé 80 pen", "A Kylian Mbappé 81", "H Lionel Messi 108",
                "A Kylian Mbappé 118 pen",
            ])
        #expect(!final.halfTimeDisagrees)
    }

    @Test("every match of both World Cups reads, its goals add up to its score; own goals sit under the team they counted for")
    func wholeTournaments() throws {
        for name in ["worldcup-2018.json", "worldcup-2022.json"] {
            let matches = try OpenFootballFile.matches(try Self.file(name), file: name)
            #expect(matches.count == 64, "\(name)")
            for match in matches {
                #expect(match.goals.filter { $0.side == .home }.count == Int(match.finalScore.home), "\(name) match \(match.number)")
                #expect(match.goals.filter { $0.side == .away }.count == Int(match.finalScore.away), "\(name) match \(match.number)")
                #expect(match.goals.map { $0.minute * 100 + $0.offset } == match.goals.map { $0.minute * 100 + $0.offset }.sorted())
            }
        }
        let spainRussia = try #require(try OpenFootballFile.matches(try Self.file("worldcup-2018.json"), file: "2018")[50])
        let ownGoal = try #require(spainRussia.goals.first { $0.ownGoal })
        #expect(ownGoal.name == "Sergei Ignashevich" && ownGoal.side == .home && spainRussia.home == "Spain")
        // Netherlands–Argentina 2022: the file says 1–0 at half-time, its goals 0–1 (Molina, 35').
        let quarter = try OpenFootballFile.matches(try Self.file("worldcup-2022.json"), file: "2022")[57]
        #expect(quarter.halfTimeDisagrees)
    }

    static func refused(_ json: String) -> ImportError? {
        do {
            _ = try OpenFootballFile.matches(Array(json.utf8), file: "cup.json")
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "bad files are refused naming the file, the match, the field, the line and what was expected",
        arguments: [
            (#"{"matches": [}"#, "cup.json: json:", "line 1, column 14"),
            (#"{"games": []}"#, "cup.json: $.matches: required field is missing", "line 1"),
            (
                "{\"matches\": [\n {\"round\": \"F\", \"team1\": \"A\", \"team2\": \"B\", \"score\": {\"ft\": [1, 0]}, \"goals1\": []}]}",
                "cup.json: match 1: $.matches[0].goals1: 0 goal(s) listed for A, but the score says 1 (score.ft)", "line 2"
            ),
            (
                #"{"matches": [{"round": "F", "team1": "A", "team2": "B", "score": {"ft": [0, 0]}, "goals2": [{"name": "X", "minute": 0}]}]}"#,
                "$.matches[0].goals2[0].minute: 0 is outside 1...120", "outOfRange"
            ),
            (
                #"{"matches": [{"round": "F", "team1": "A", "team2": "B", "score": {"ft": [0, 1]}, "goals2": [{"name": "X", "minute": 95}]}]}"#,
                "a goal at minute 95 (X) in a match without extra time", "match 1"
            ),
            (
                #"{"matches": [{"round": "F", "team1": "A", "team2": "B", "score": {"ft": [1, 0], "p": [3, 2]}, "goals1": [{"name": "X", "minute": 5}]}]}"#,
                "$.matches[0].score.p: a shoot-out after 1–0", "match 1"
            ),
            (
                #"{"matches": [{"round": "F", "team1": "A", "team2": 7, "score": {"ft": [0, 0]}}]}"#,
                "$.matches[0].team2: expected a string, found integer", "match 1"
            ),
            (
                #"{"matches": [{"round": "F", "team1": "A", "team2": "B", "score": {"ft": [0]}}]}"#,
                "$.matches[0].score.ft: expected [home, away], found 1 number(s)", "match 1"
            ),
        ])
    func badFiles(json: String, says: String, alsoSays: String) {
        let error = Self.refused(json)
        let text = error?.description ?? "accepted"
        #expect(text.contains(says) && text.contains(alsoSays), "\(text)")
    }
}
