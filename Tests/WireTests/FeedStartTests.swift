import Match
import Testing
import Toolkit
import Wire

@Suite("A feed that joins a match under way: the line-ups' state (Spec/FEED.md)")
struct FeedStartTests {
    /// A match's feed cut after `cut` events: its line-ups carrying where the match stood,
    /// then the events after the cut, as a relay that joined there logs it.
    static func joined(_ lines: [FeedLine], events: [MatchEvent], cut: Int) -> [FeedLine] {
        guard case .lineups(let roster, let language, _) = lines[0] else { return [] }
        let start = cut == 0 ? nil : MatchStart(after: events[cut - 1])
        return [.lineups(roster, language: language, start: start)] + lines.dropFirst(1 + cut)
    }

    static var simulatedFeed: [FeedLine] {
        let (events, reason) = MatchSimulator.play(seed: 7)
        return [.lineups(.original, language: "en")] + events.map { FeedLine.event(FeedEvent($0, at: nil)) } + [.end(reason)]
    }

    @Test(
        "cut after any event, a feed starting from the state there reads on to the very events of the whole feed (real and simulated)",
        arguments: ["real", "simulated"])
    func everyCut(_ which: String) throws {
        let lines = which == "real" ? GoldenFixtures.realMatchFeed : Self.simulatedFeed
        let whole = try FeedDecoder.read(lines)
        #expect(whole.events.count > 10)
        for cut in 0..<whole.events.count {
            let feed = Self.joined(lines, events: whole.events, cut: cut)
            // Written and read again, the state is the same.
            let text = feed[0].jsonText
            #expect(try FeedLine.parse(Array(text.utf8)) == feed[0], "cut \(cut): \(text)")
            let read = try FeedDecoder.read(feed)
            #expect(Array(read.events) == Array(whole.events[cut...]), "cut \(cut)")
        }
    }

    @Test("the state's JSON holds only what happened: a late real state names goals with marks, cards, substitutions, kicks and the period")
    func json() throws {
        let whole = try FeedDecoder.read(GoldenFixtures.realMatchFeed)
        let last = try #require(whole.events.last)
        let text = FeedLine.lineups(try #require(whole.roster), language: "en", start: MatchStart(after: last)).jsonText
        for member in [
            #""state": {"minute": 120, "goals": [{"player": "away:8", "minute": 23, "penalty": true}, {"player": "away:2", "minute": 38, "own_goal": true}]"#,
            #""substitutions": [{"off": "home:6", "on": "home:10", "minute": 53}]"#, #""period": "shootout_over""#,
            #"{"player": "home:5", "minute": 58, "second_yellow": true}"#,
        ] {
            #expect(text.contains(member), "\(member) in \(text)")
        }
        let early = FeedLine.lineups(.original, language: "en", start: MatchStart(minute: 0, state: .kickOff)).jsonText
        #expect(early.hasSuffix(#""state": {"minute": 0}}"#), "\(early)")
    }

    @Test("a state that contradicts its team sheets is refused naming the line, the field and why; a player it sent off plays no more")
    func refusals() throws {
        let sheets = FeedLine.lineups(.original, language: "en").jsonText.dropLast()
        func refusal(_ state: String, then event: String? = nil) -> String {
            var decoder = FeedDecoder(catalog: .english)
            do {
                _ = try decoder.next(Array((sheets + #", "state": "# + state + "}").utf8))
                if let event { _ = try decoder.next(Array(event.utf8)) }
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let cases: [(state: String, then: String?, expected: String)] = [
            (
                #"{"minute": 30, "goals": [{"player": "home:40", "minute": 12}]}"#, nil,
                "(line.state.goals[0].player): home:40 is not on the team sheet"
            ),
            (
                #"{"minute": 30, "goals": [{"player": "home:1", "minute": 31}]}"#, nil,
                "(line.state.goals[0].minute): minute 31 is after the state's clock 30"
            ),
            (
                #"{"minute": 30, "red_cards": [{"player": "away:2", "minute": 3}, {"player": "away:2", "minute": 9}]}"#, nil,
                "(line.state.red_cards[1].player): away:2 is sent off twice"
            ),
            (
                #"{"minute": 30, "yellow_cards": [{"player": "away:2", "minute": 3}]}"#, nil,
                "(line.state): yellow cards, substitutions, kicks, periods"
            ),
            (#"{"minute": 30, "goals": [{"player": "home:1", "minute": 3, "scorer": "x"}]}"#, nil, "line.state.goals[0]"),
            (#"{"minute": 151}"#, nil, "(line.state.minute): 151"),
            (#"{"minute": 30, "period": "overtime"}"#, nil, "(line.state.period): 'overtime'; expected unannounced, first_half"),
            (
                #"{"minute": 30, "red_cards": [{"player": "away:2", "minute": 3}]}"#,
                #"{"type": "event", "event": "foul", "minute": 31, "actor": "away:2"}"#,
                "line 2: inconsistent at byte 0 (line.actor): away:2 was sent off"
            ),
            (
                #"{"minute": 30}"#, #"{"type": "event", "event": "foul", "minute": 29, "actor": "away:2"}"#,
                "minute 29 is before the previous event's 30"
            ),
        ]
        for (state, then, expected) in cases {
            let said = refusal(state, then: then)
            #expect(said.contains(expected), "\(state): \(said)")
        }
        #expect(refusal(#"{"minute": 30, "goals": [{"player": "home:1", "minute": 12}]}"#) == "accepted")
    }

    @Test("a goal after the state counts on from its score")
    func scoreCountsOn() throws {
        let start = MatchStart(minute: 60, state: MatchState(goals: [Incident(player: PlayerRef(side: .away, slot: 3), minute: 20)]))
        let read = try FeedDecoder.read([
            .lineups(.original, language: "en", start: start), .event(FeedEvent(type: .goal, minute: 61, actor: PlayerRef(side: .home, slot: 2))),
        ])
        #expect(read.events.first?.state.score == Score(home: 1, away: 1) && read.events.first?.state.goals.last?.minute == 60)
    }
}
