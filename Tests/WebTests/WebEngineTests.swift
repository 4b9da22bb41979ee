import Match
import Testing
import Toolkit
import WebEngine
import Wire

@Suite("The web gateway's pages and records, free of I/O (WebEngine)")
struct WebEngineTests {
    /// A simulated match on the board: welcomed, then `count` of its events (all for nil).
    static func board(seed: UInt64 = 7, roster: Roster = .original, count: Int? = nil, ended: Bool = false) -> (MatchBoard, [MatchEvent]) {
        let (events, reason) = MatchSimulator.play(seed: seed, roster: roster)
        var board = MatchBoard()
        _ = board.apply(.welcomed(id: 9, roster: roster, catalog: .english, latest: nil))
        for (index, event) in events.prefix(count ?? events.count).enumerated() {
            _ = board.apply(.event(id: 9, sequence: UInt32(index), event))
        }
        if ended { _ = board.apply(.ended(id: 9, reason)) }
        return (board, events)
    }

    @Test("hostile names are escaped everywhere and isolated: no tag, quote or right-to-left text escapes into the page")
    func hostileNames() throws {
        var roster = Roster.original
        roster.home.name = "<script>window.pwned=1</script>"
        roster.away.name = "\"Quote' FC\" onmouseover=\"x"
        roster.home.players[0].name = "\u{202E}evil\u{202C} <img src=x onerror=alert(1)>"
        roster.away.keeper = "</bdi><b>keeper"
        let (board, _) = Self.board(roster: roster, ended: true)
        let match = try #require(board.match(9))
        for page in [
            PageView.card(match, language: .en), PageView.index(board, language: .pt), LiveRecords.row(match, language: .en).text,
            LiveRecords.event(try #require(match.history.last), of: match, language: .en).text,
        ] {
            #expect(!page.contains("<script>window") && !page.contains("<img") && !page.contains("<b>keeper"))
            #expect(!page.contains("onmouseover=\"x"))
        }
        let card = PageView.card(match, language: .en)
        #expect(card.contains("<bdi>&lt;script&gt;window.pwned=1&lt;/script&gt;</bdi>"))
        #expect(card.contains("<bdi>&quot;Quote&#39; FC&quot; onmouseover=&quot;x</bdi>"))
        #expect(card.contains("<bdi>\u{202E}evil\u{202C} &lt;img src=x onerror=alert(1)&gt;</bdi>"))
        // The only script is the gateway's own file.
        #expect(card.components(separatedBy: "<script").count == 2 && card.contains("<script src=\"/assets/live.js\" defer></script>"))
    }

    @Test("the board keeps each event once, in order; a reader that saw up to N gets exactly the events after N")
    func history() throws {
        var (board, events) = Self.board(count: 10)
        #expect(board.apply(.event(id: 9, sequence: 5, events[5])).isEmpty, "an event at or before the latest changes nothing")
        #expect(board.apply(.event(id: 9, sequence: 10, events[10])) == [.event(id: 9, sequence: 10)])
        #expect(board.apply(.welcomed(id: 9, roster: .original, catalog: .english, latest: nil)).isEmpty)
        let match = try #require(board.match(9))
        #expect(match.entries(after: nil).map(\.sequence) == Array(0...10))
        #expect(match.entries(after: 6).map(\.sequence) == [7, 8, 9, 10])
        #expect(match.entries(after: 10).isEmpty && match.entries(after: 4_000).isEmpty)
        #expect(board.apply(.outage(id: 9, true)) == [.changed(9)] && board.apply(.outage(id: 9, true)).isEmpty)
        #expect(board.apply(.event(id: 77, sequence: 1, events[0])).isEmpty, "an unknown match")
    }

    @Test("the card shows score, minute, scorers with minutes, a star per goal on the scorer, and the timeline newest first")
    func card() throws {
        let (board, events) = Self.board(ended: true)
        let match = try #require(board.match(9))
        let view = CardView(match, language: .en)
        let final = try #require(events.last)
        #expect(view.header.contains("\(final.score.home) – \(final.score.away)"))
        #expect(view.status == "FT")
        for goal in final.state.goals {
            let name = try #require(Roster.original.name(of: goal.player))
            #expect(view.header.contains("\(HTML.name(name)) \(goal.minute)'"))
            let row = try #require(
                view.lineUps.components(separatedBy: "<li ").first { $0.contains("data-player=\"\(FeedLine.reference(goal.player))\"") })
            #expect(row.components(separatedBy: "★").count - 1 == final.state.goals(of: goal.player).count)
        }
        let sequences = view.timeline.components(separatedBy: "data-seq=\"").dropFirst().compactMap { UInt32($0.prefix { $0.isNumber }) }
        #expect(sequences == Array((0..<UInt32(events.count)).reversed()))
        let statistics = MatchStatistics(match)
        #expect(
            statistics.goals.home == Int(final.score.home)
                && statistics.fouls.home + statistics.fouls.away == events.filter { $0.type == .foul }.count)
    }

    @Test("a real match's card: its shoot-out, extra time, marks, substitutions in and out, and the status in both languages")
    func realMatch() throws {
        let whole = try FeedDecoder.read(GoldenFixtures.realMatchFeed)
        var board = MatchBoard()
        _ = board.apply(.welcomed(id: 3, roster: try #require(whole.roster), catalog: whole.catalog, latest: nil))
        for (index, event) in whole.events.enumerated() { _ = board.apply(.event(id: 3, sequence: UInt32(index), event)) }
        _ = board.apply(.ended(id: 3, .fullTime))
        let match = try #require(board.match(3))
        let english = CardView(match, language: .en)
        #expect(english.status == "AET, 3-2 on pens" || english.status.hasPrefix("AET, "))
        #expect(english.header.contains("Penalty shoot-out"))
        #expect(english.lineUps.contains("class=\"sub off\">▼ 53'") && english.lineUps.contains("class=\"sub on\">▲ 53'"))
        #expect(english.lineUps.contains("card second-yellow") && english.header.contains("(og) 38'"))
        #expect(english.timeline.contains("class=\"ev own-goal\"") && english.timeline.contains("class=\"ev penalty-goal") == false)
        let portuguese = CardView(match, language: .pt)
        #expect(portuguese.status.hasPrefix("Após prorrogação") && portuguese.header.contains("Disputa de pênaltis"))
        #expect(portuguese.catalog.language == "pt" && portuguese.timeline != english.timeline)
    }

    @Test("the feed a card exports reads back to the same events, from kick-off or from where the gateway joined")
    func feedExport() throws {
        let (board, events) = Self.board(ended: true)
        let whole = try FeedDecoder.read(MatchDocument.feed(try #require(board.match(9))))
        #expect(whole.events == events)
        var joined = MatchBoard()
        _ = joined.apply(.welcomed(id: 4, roster: .original, catalog: .english, latest: (sequence: 20, event: events[20])))
        for index in 21..<events.count { _ = joined.apply(.event(id: 4, sequence: UInt32(index), events[index])) }
        let read = try FeedDecoder.read(MatchDocument.feed(try #require(joined.match(4))))
        #expect(read.events == Array(events[21...]))
    }

    @Test("a substitution loop from a hostile upstream (A off for B, then B off for A) renders each player once, never recursing")
    func substitutionLoop() throws {
        let whole = try FeedDecoder.read(GoldenFixtures.realMatchFeed)
        let roster = try #require(whole.roster)
        let (a, b) = (PlayerRef(side: .home, slot: 6), PlayerRef(side: .home, slot: 10))
        var state = MatchState(phase: .secondHalf)
        state.substitutions = [Substitution(off: a, on: b, minute: 53), Substitution(off: b, on: a, minute: 60)]
        let event = MatchEvent(type: .substitution, minute: 60, template: 0, actor: b, opponent: a, state: state)
        var board = MatchBoard()
        _ = board.apply(.welcomed(id: 5, roster: roster, catalog: whole.catalog, latest: (sequence: 1, event: event)))
        let lineUps = CardView(try #require(board.match(5)), language: .en).lineUps
        #expect(
            lineUps.components(separatedBy: "data-player=\"home:6\"").count == 2
                && lineUps.components(separatedBy: "data-player=\"home:10\"").count == 2)
    }

    @Test("an abandoned or interrupted real match says so, not its last period's status")
    func abandonedStatus() throws {
        let whole = try FeedDecoder.read(GoldenFixtures.realMatchFeed)
        var board = MatchBoard()
        _ = board.apply(.welcomed(id: 3, roster: try #require(whole.roster), catalog: whole.catalog, latest: nil))
        for (index, event) in whole.events.prefix(5).enumerated() { _ = board.apply(.event(id: 3, sequence: UInt32(index), event)) }
        #expect(CardView(try #require(board.match(3)), language: .en).status == "HT")
        _ = board.apply(.ended(id: 3, .abandoned))
        #expect(CardView(try #require(board.match(3)), language: .en).status == "Abandoned")
        #expect(CardView(try #require(board.match(3)), language: .pt).status == "Abandonada")
    }

    @Test("language: ?lang first, then Accept-Language by quality, else English")
    func language() {
        #expect(WebLanguage.negotiate(query: "pt", acceptLanguage: "en") == .pt)
        #expect(WebLanguage.negotiate(query: nil, acceptLanguage: "pt-BR,pt;q=0.9,en;q=0.8") == .pt)
        #expect(WebLanguage.negotiate(query: nil, acceptLanguage: "de-DE, en;q=0.5, pt;q=0.7") == .pt)
        #expect(WebLanguage.negotiate(query: "xx", acceptLanguage: "fr") == .en)
        #expect(WebLanguage.negotiate(query: nil, acceptLanguage: nil) == .en)
    }

    @Test("SSE records: id, event, one data line per line; Last-Event-ID read as a sequence number")
    func records() {
        #expect(SSERecord(id: 42, event: "event", data: "a\nb").text == "id: 42\nevent: event\ndata: a\ndata: b\n\n")
        #expect(SSERecord(data: "x\r\ny").text == "data: x\ndata: y\n\n")
        #expect(SSERecord.lastEventID(" 17 ") == 17 && SSERecord.lastEventID("x") == nil && SSERecord.lastEventID(nil) == nil)
    }
}
