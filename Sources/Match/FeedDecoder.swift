import Wire

/// A feed line that could not be used: its line number, and the field, byte offset in the line
/// and reason (Spec/FEED.md).
public struct FeedError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line, counting from 1.
    public var line: Int
    /// What was wrong, located in the line.
    public var error: WireError

    public var description: String {
        "line \(line): \(error.code.rawValue) at byte \(error.offset) (\(error.field)): \(error.message)"
    }
}

/// Turns a feed's lines (Spec/FEED.md) into match events, keeping the match state as the
/// simulator does: the line-ups first, then events whose players exist and are still on the
/// pitch, at minutes that never go back, then the end. Lines in the original project's
/// datagram layout are accepted too (their team sheets give the line-ups, their event name,
/// clock and phrase the event). Free of I/O: `server --feed` feeds it lines as they arrive.
public struct FeedDecoder: Sendable {
    /// What one line gave.
    public enum Output: Sendable, Equatable {
        /// The line-ups (the match can be announced); an original-layout first line also
        /// carries the first event, and a feed joining a match under way where it stands.
        case lineups(Roster, catalog: PhraseCatalog, first: MatchEvent?, start: MatchStart? = nil)
        /// An event, with its time after kick-off when the line named one.
        case event(MatchEvent, at: Double?)
        /// The end.
        case end(EndReason)
        /// An empty line (allowed, ignored).
        case blank
    }

    /// The team sheets, once the first line gave them.
    public private(set) var roster: Roster?
    /// The words of the match: the line-ups' language, else the default.
    public private(set) var catalog: PhraseCatalog
    /// The state after the last event.
    public private(set) var state = MatchState.kickOff
    /// The minute of the last event.
    public private(set) var minute: UInt8 = 0
    /// Why the feed ended, once it has.
    public private(set) var ended: EndReason?
    /// Lines read so far.
    public private(set) var lineNumber = 0

    /// Creates a decoder; `catalog` is the language used when the line-ups do not name one.
    public init(catalog: PhraseCatalog) {
        self.catalog = catalog
    }

    /// Counts a line that a caller refused after decoding it on a copy of this decoder (its
    /// pacing did not fit): the next line's number stays right.
    public mutating func skipLine() {
        lineNumber += 1
    }

    /// Reads the next line (without its newline). A bad line throws ``FeedError`` and changes
    /// nothing, so the caller may skip it and go on.
    public mutating func next(_ line: [UInt8]) throws(FeedError) -> Output {
        lineNumber += 1
        let number = lineNumber
        // A UTF-8 byte order mark before the first line (editors on Windows write one) is not text.
        let line = number == 1 && line.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(line.dropFirst(3)) : line
        func fail(_ field: String, _ offset: Int, _ message: String, _ code: WireError.Code = .schemaViolation) -> FeedError {
            FeedError(line: number, error: WireError(code, field: field, offset: offset, message))
        }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .blank }
        guard ended == nil else { throw fail("line", 0, "the feed already ended") }
        if FeedLine.isOriginalLayout(line) {
            // The original project's datagram layout: its own errors say what is wrong in it.
            let datagram: OriginalDatagram
            do {
                datagram = try OriginalDatagram(decoding: line)
            } catch {
                throw FeedError(line: number, error: error)
            }
            return try original(datagram, line: number)
        }
        let parsed: FeedLine
        do {
            parsed = try FeedLine.parse(line)
        } catch {
            throw FeedError(line: number, error: error)
        }
        switch parsed {
        case .lineups(let lineups, let language, let start):
            guard roster == nil else { throw fail("line.type", 0, "line-ups already given (line-ups come once, first)") }
            if let start {
                try Self.check(start, roster: lineups, line: number)
                (state, minute) = (start.state, start.minute)
            }
            roster = lineups
            let words: Language = language == "pt" ? .pt : language == "en" ? .en : catalog.language == "pt" ? .pt : .en
            if lineups.needsExtension {
                // A real match (Spec/FEED.md, "Real matches"): its own catalogue, all thirteen kinds.
                catalog = .realMatch(words)
            } else if language != nil {
                catalog = words.catalog
            }
            return .lineups(lineups, catalog: catalog, first: nil, start: start)
        case .event(let event):
            guard let roster else { throw fail("line.type", 0, "an event before the line-ups (the first line must give them)") }
            return .event(try accept(event, roster: roster, line: number), at: event.at)
        case .end(let reason):
            guard roster != nil else { throw fail("line.type", 0, "the end before the line-ups") }
            ended = reason
            return .end(reason)
        }
    }

    /// Checks `event` against the roster and the state so far and applies it.
    private mutating func accept(_ event: FeedEvent, roster: Roster, line: Int) throws(FeedError) -> MatchEvent {
        func fail(_ field: String, _ message: String) -> FeedError {
            FeedError(line: line, error: WireError(.inconsistent, field: field, offset: 0, message))
        }
        guard roster.contains(event.actor) else { throw fail("line.actor", "\(FeedLine.reference(event.actor)) is not on the team sheet") }
        guard event.actor.isKeeper || state.redCardMinute(of: event.actor) == nil else {
            throw fail("line.actor", "\(FeedLine.reference(event.actor)) was sent off and takes part in no later event")
        }
        let real = roster.needsExtension
        guard real || !event.isRealMatchOnly else {
            throw fail(
                "line.event", "\(event.type.identifier) with these fields needs a real match's line-ups (starters, formation or lineup_known)")
        }
        let opponent: PlayerRef
        if event.type == .substitution, let on = event.on {
            opponent = on
        } else {
            opponent = event.opponent ?? PlayerRef.keeper(of: event.actor.side.opposite)
            guard opponent.side != event.actor.side, roster.contains(opponent) else {
                throw fail("line.opponent", "\(FeedLine.reference(opponent)) is not a player of the other side")
            }
        }
        let template = event.template ?? event.defaultTemplate
        let count = catalog.templates(of: event.type).count
        guard Int(template) < max(1, count) else {
            throw fail("line.template", "template \(template); \(event.type.identifier) has \(count) (0...\(count - 1))")
        }
        guard event.minute >= minute else { throw fail("line.minute", "minute \(event.minute) is before the previous event's \(minute)") }
        // A goal or red card is timed when the play started: the clock before this event, the
        // previous event's minute (as the simulator times them, so a replayed match is the same).
        var next = state
        if real {
            next = try realMatchState(after: event, roster: roster, line: line)
        } else {
            switch event.type {
            case .goal: next.goals.append(Incident(player: event.actor, minute: minute))
            case .redCard: next.redCards.append(Incident(player: event.actor, minute: minute))
            default: break
            }
        }
        guard next.goals.count <= 2 * Int(UInt8.max), next.score.home < UInt8.max, next.score.away < UInt8.max else {
            throw fail("line.event", "the score would exceed 254")
        }
        state = next
        minute = event.minute
        return MatchEvent(
            type: event.type, minute: event.minute, template: template, actor: event.actor, opponent: opponent, state: next,
            added: event.added ?? 0)
    }

    /// An event in the original datagram layout: the team sheets (the first such line gives the
    /// line-ups), the event name (English or Portuguese), the clock, and the phrase, matched
    /// against the catalogue's templates to find the actor, the opponent and the template.
    private mutating func original(_ datagram: OriginalDatagram, line: Int) throws(FeedError) -> Output {
        func fail(_ field: String, _ message: String) -> FeedError {
            FeedError(line: line, error: WireError(.inconsistent, field: field, offset: 0, message))
        }
        let sheets = Roster(
            home: TeamSheet(
                name: datagram.goleiroA.time, keeper: datagram.goleiroA.nome,
                players: datagram.timeA.map { RosterPlayer(name: $0.nome, position: $0.posicao) }),
            away: TeamSheet(
                name: datagram.goleiroB.time, keeper: datagram.goleiroB.nome,
                players: datagram.timeB.map { RosterPlayer(name: $0.nome, position: $0.posicao) }))
        guard !sheets.home.players.isEmpty, !sheets.away.players.isEmpty, sheets.home.players.count <= 126, sheets.away.players.count <= 126 else {
            throw fail("timeA", "each team needs 1...126 outfield players")
        }
        if let roster, roster != sheets { throw fail("timeA", "the team sheets differ from the line-ups") }
        let catalogs = [catalog, .portuguese, .english]
        guard let (type, words) = catalogs.lazy.compactMap({ words in words.eventType(named: datagram.message.type).map { ($0, words) } }).first
        else {
            throw fail("message.type", "'\(datagram.message.type)' is not an event name in English or Portuguese")
        }
        guard (0...Int(FrameHeader.maximumMinute)).contains(datagram.message.timePassed) else {
            throw fail("message.time_passed", "\(datagram.message.timePassed); expected 0...\(FrameHeader.maximumMinute)")
        }
        // Which template, actor and opponent render exactly this phrase?
        let everyone = Side.allCases.flatMap { side in
            (0..<sheets[side].players.count).map { PlayerRef(side: side, slot: UInt8($0)) } + [PlayerRef.keeper(of: side)]
        }
        var found: FeedEvent?
        search: for (index, _) in words.templates(of: type).enumerated() {
            for actor in everyone where datagram.message.content.contains(sheets.name(of: actor) ?? "\u{0}") {
                for opponent in everyone where opponent.side != actor.side {
                    let trial = MatchEvent(
                        type: type, minute: UInt8(datagram.message.timePassed), template: UInt8(index), actor: actor,
                        opponent: opponent, state: state)
                    if (try? words.phrase(for: trial, roster: sheets)) == datagram.message.content {  // a template that cannot render is no match
                        found = FeedEvent(type: type, minute: trial.minute, actor: actor, opponent: opponent, template: UInt8(index))
                        break search
                    }
                }
            }
        }
        guard let event = found else {
            throw fail("message.content", "the phrase matches no \(words.language) template of \(type.identifier) with these teams")
        }
        let isFirst = roster == nil
        let previous = (roster, catalog)
        roster = sheets
        catalog = words
        do {
            let accepted = try accept(event, roster: sheets, line: line)
            return isFirst ? .lineups(sheets, catalog: words, first: accepted) : .event(accepted, at: nil)
        } catch {
            (roster, catalog) = previous  // a bad line changes nothing
            throw error
        }
    }
}
