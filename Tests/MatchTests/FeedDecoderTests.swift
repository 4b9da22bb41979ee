import Match
import Testing
import Wire

@Suite("Live feed format (Spec/FEED.md)")
struct FeedDecoderTests {
    static func lines(seed: UInt64, roster: Roster = .original, catalog: PhraseCatalog = .english) -> [[UInt8]] {
        let (events, reason) = MatchSimulator.play(seed: seed, roster: roster, catalog: catalog)
        var lines = [FeedLine.lineups(roster, language: catalog.language == PhraseCatalog.portuguese.language ? "pt" : "en").jsonText]
        for (index, event) in events.enumerated() {
            lines.append(
                FeedLine.event(
                    FeedEvent(
                        type: event.type, minute: event.minute, actor: event.actor, opponent: event.opponent,
                        template: event.template, at: Double(index))
                ).jsonText)
        }
        lines.append(FeedLine.end(reason).jsonText)
        return lines.map { Array($0.utf8) }
    }

    @Test("a simulated match written as a feed reads back as the same events, states and end", arguments: [1, 7, 2028] as [UInt64])
    func roundTrip(seed: UInt64) throws {
        let (events, reason) = MatchSimulator.play(seed: seed)
        var decoder = FeedDecoder(catalog: .english)
        var read: [MatchEvent] = []
        var ended: EndReason?
        for line in Self.lines(seed: seed) {
            switch try decoder.next(line) {
            case .lineups(let roster, _, let first, _):
                #expect(roster == .original && first == nil)
            case .event(let event, _): read.append(event)
            case .end(let why): ended = why
            case .blank: break
            }
        }
        #expect(read == events && ended == reason)
    }

    @Test(
        "bad lines are refused with their line number, field and offset, and change nothing",
        arguments: [
            ("not json", "line 2", "json"),
            (#"{"type": "event", "event": "goal", "minute": 200, "actor": "home:1"}"#, "line 2", "line.minute"),
            (#"{"type": "event", "event": "header", "minute": 3, "actor": "home:1"}"#, "line 2", "line.event"),
            (#"{"type": "event", "event": "goal", "minute": 3, "actor": "home:11"}"#, "line 2", "line.actor"),
            (#"{"type": "event", "event": "goal", "minute": 3, "actor": "left:1"}"#, "line 2", "line.actor"),
            (#"{"type": "event", "event": "goal", "minute": 3, "actor": "home:1", "opponent": "home:2"}"#, "line 2", "line.opponent"),
            (#"{"type": "event", "event": "goal", "minute": 3, "actor": "home:1", "template": 9}"#, "line 2", "line.template"),
            (#"{"type": "event", "event": "goal", "minute": 3, "actor": "home:1", "colour": "red"}"#, "line 2", "line.colour"),
            (
                #"{"type": "lineups", "home": {"name": "A", "keeper": "B", "players": []}, "away": {"name": "C", "keeper": "D", "players": []}}"#,
                "line 2", "line.home.players"
            ),
            (#"{"type": "kickoff"}"#, "line 2", "line.type"),
        ])
    func badLines(line: String, where: String, field: String) throws {
        var decoder = FeedDecoder(catalog: .english)
        _ = try decoder.next(Self.lines(seed: 1)[0])
        do {
            _ = try decoder.next(Array(line.utf8))
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.line == 2 && "\(error)".hasPrefix(`where`), "\(error)")
            #expect(error.error.field.hasPrefix(field), "\(error)")
        }
        #expect(decoder.state == .kickOff && decoder.minute == 0)
        // The next good line still works.
        guard case .event = try decoder.next(Array(#"{"type": "event", "event": "foul", "minute": 2, "actor": "away:3"}"#.utf8)) else {
            Issue.record("the good line after a bad one was not read")
            return
        }
    }

    @Test("the match so far is enforced: an event before the line-ups, a minute going back, a sent-off player, anything after the end")
    func matchRules() throws {
        var decoder = FeedDecoder(catalog: .english)
        #expect(throws: FeedError.self) { try decoder.next(Array(#"{"type": "event", "event": "foul", "minute": 2, "actor": "away:3"}"#.utf8)) }
        _ = try decoder.next(Self.lines(seed: 1)[1 - 1])
        _ = try decoder.next(Array(#"{"type": "event", "event": "red_card", "minute": 10, "actor": "away:3"}"#.utf8))
        #expect(throws: FeedError.self) { try decoder.next(Array(#"{"type": "event", "event": "foul", "minute": 9, "actor": "away:4"}"#.utf8)) }
        #expect(throws: FeedError.self) { try decoder.next(Array(#"{"type": "event", "event": "foul", "minute": 12, "actor": "away:3"}"#.utf8)) }
        guard case .event(let goal, _) = try decoder.next(Array(#"{"type": "event", "event": "goal", "minute": 12, "actor": "home:8"}"#.utf8)) else {
            Issue.record("goal refused")
            return
        }
        #expect(goal.score == Score(home: 1, away: 0) && goal.opponent == PlayerRef.keeper(of: .away))
        #expect(try decoder.next([]) == .blank)
        #expect(try decoder.next(Array(#"{"type": "end"}"#.utf8)) == .end(.fullTime))
        #expect(throws: FeedError.self) { try decoder.next(Array(#"{"type": "end"}"#.utf8)) }
    }

    @Test("lines in the original datagram layout give the line-ups and the same events (the phrase finds its template and players)")
    func originalLayout() throws {
        let (events, _) = MatchSimulator.play(seed: 11, catalog: .portuguese)
        var decoder = FeedDecoder(catalog: .english)
        var read: [MatchEvent] = []
        for (index, event) in events.enumerated() {
            let datagram = try OriginalDatagram(event: event, sequence: UInt32(index), roster: .original, catalog: .portuguese)
            switch try decoder.next(try datagram.encoded()) {
            case .lineups(let roster, let catalog, let first, _):
                #expect(roster == .original && catalog.language == PhraseCatalog.portuguese.language)
                if let first { read.append(first) }
            case .event(let event, _): read.append(event)
            default: Issue.record("unexpected output")
            }
        }
        // Templates whose phrase does not name the opponent cannot tell which opponent it was:
        // the same phrase, type, minute, actor and state.
        #expect(read.count == events.count)
        for (got, want) in zip(read, events) {
            #expect(got.type == want.type && got.minute == want.minute && got.actor == want.actor && got.state == want.state)
            #expect(try PhraseCatalog.portuguese.phrase(for: got, roster: .original) == PhraseCatalog.portuguese.phrase(for: want, roster: .original))
        }
    }
}
