import Match
import Wire

/// Random but valid frames for round-trip tests, from a seeded generator.
struct RandomFrames {
    var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    mutating func int(_ bound: Int) -> Int { generator.next(below: bound) }

    mutating func player(_ side: Side, roster: Roster) -> PlayerRef {
        PlayerRef(side: side, slot: UInt8(int(roster[side].players.count)))
    }

    /// A random event consistent with the wire's rules: incidents in time order up to the minute.
    mutating func event(roster: Roster = .original) -> MatchEvent {
        let minute = UInt8(int(Int(FrameHeader.maximumMinute) + 1))
        let goals = incidents(int(12), upTo: minute, distinct: false, roster: roster)
        let reds = incidents(int(4), upTo: minute, distinct: true, roster: roster)
        let side: Side = int(2) == 0 ? .home : .away
        let type = EventType.base[int(EventType.base.count)]
        return MatchEvent(
            type: type, minute: minute, template: UInt8(int(4)),
            actor: player(side, roster: roster),
            opponent: int(5) == 0 ? .keeper(of: side.opposite) : player(side.opposite, roster: roster),
            state: MatchState(goals: goals, redCards: reds))
    }

    /// Up to `count` incidents in time order, at or before `minute`; `distinct`: one per player.
    mutating func incidents(_ count: Int, upTo minute: UInt8, distinct: Bool, roster: Roster) -> [Incident] {
        let minutes = (0..<count).map { _ in UInt8(int(Int(minute) + 1)) }.sorted()
        var used = Set<PlayerRef>()
        var list: [Incident] = []
        for at in minutes {
            let player = player(int(2) == 0 ? .home : .away, roster: roster)
            if distinct && !used.insert(player).inserted { continue }
            list.append(Incident(player: player, minute: at))
        }
        return list
    }

    /// A random frame with a random subscription identifier (never 0, but on some refusals, as Spec §2.1 allows).
    mutating func frame() throws -> Frame {
        var frame = try unstamped()
        frame.subscription = frame.kind == .refuse && int(2) == 0 ? 0 : max(1, generator.next())
        // A group event's identifier is its match id (Spec §4.11).
        if frame.kind == .groupEvent { frame.subscription = UInt64(max(1, UInt32(truncatingIfNeeded: generator.next()))) << 32 }
        return frame
    }

    private mutating func unstamped() throws -> Frame {
        let sequence = UInt32(truncatingIfNeeded: generator.next())
        switch int(11) {
        case 0:
            let formats: [[BodyFormat]] = [[.compact], [.json], [.compact, .json], [.json, .compact]]
            let token = (0..<int(RegisterRequest.maximumTokenLength + 1)).map { _ in UInt8(int(256)) }
            let dictionaries: [UInt8] = int(2) == 0 ? [] : [1]
            let match = int(2) == 0 ? RegisterRequest.anyMatch : UInt32(truncatingIfNeeded: generator.next())
            return Frame(
                body: .register(
                    RegisterRequest(
                        formats: formats[int(4)], token: token, dictionaries: dictionaries, match: match,
                        delivery: int(3) == 0 ? .group : .unicast, padding: int(3) == 0 ? int(60) : 0)))
        case 1:
            let event = event()
            let catalog: PhraseCatalog = int(2) == 0 ? .english : .portuguese
            let current = int(2) == 0 ? nil : event
            var welcome = Welcome(
                format: int(2) == 0 ? .json : .compact, matchID: UInt32(truncatingIfNeeded: generator.next()),
                heartbeatSeconds: UInt8(int(256)),
                intervalMicroseconds: UInt32(truncatingIfNeeded: generator.next()), roster: .original, catalog: catalog,
                current: current.map(CompactEvent.init))
            if int(3) == 0 {
                // A multicast offer (Spec §4.11): an IPv4 or IPv6 group, a port, a key's 32 bytes.
                let address: [UInt8] =
                    int(2) == 0
                    ? [UInt8(224 + int(16)), UInt8(int(256)), UInt8(int(256)), UInt8(int(256))]
                    : [0xFF] + (0..<15).map { _ in UInt8(int(256)) }
                welcome.multicast = MulticastOffer(address: address, port: UInt16(int(65536)), publicKey: (0..<32).map { _ in UInt8(int(256)) })
            }
            return Frame(
                sequence: current == nil ? 0 : sequence, eventType: current?.type, score: current?.score ?? .zero,
                minute: current?.minute ?? 0, body: .welcome(welcome))
        case 2:
            let reason = RefuseReason.allCases[int(RefuseReason.allCases.count)]
            return Frame(body: .refuse(Refusal(reason: reason, text: String(repeating: "é", count: int(100)))))
        case 3:
            return Frame.compactEvent(event(), sequence: sequence)
        case 4:
            // A group event (Spec §4.11): an event body and 64 signature bytes (not checked here).
            var frame =
                int(2) == 0
                ? Frame.compactEvent(event(), sequence: sequence)
                : try Frame.jsonEvent(event(), sequence: sequence, roster: .original, catalog: .english)
            frame.groupSignature = (0..<GroupSignature.size).map { _ in UInt8(int(256)) }
            return frame
        case 5:
            let catalog: PhraseCatalog = int(2) == 0 ? .english : .portuguese
            return try Frame.jsonEvent(event(), sequence: sequence, roster: .original, catalog: catalog)
        case 6:
            let event = event()
            return Frame(
                sequence: sequence, score: event.score, minute: event.minute,
                body: .end(EndOfMatch(reason: EndReason.allCases[int(EndReason.allCases.count)])))
        case 7:
            switch int(3) {
            case 0: return Frame(body: .unregister)
            case 1: return Frame(body: .reset)  // Spec §4.12
            default:
                return Frame(body: .challenge(Challenge(token: (0..<(1 + int(RegisterRequest.maximumTokenLength))).map { _ in UInt8(int(256)) })))
            }
        case 8:
            let token = (0..<int(RegisterRequest.maximumTokenLength + 1)).map { _ in UInt8(int(256)) }
            return Frame(body: .list(ListRequest(token: token, offset: UInt16(int(65536)), padding: int(40))))
        case 9:
            let count = int(20)
            let matches = (0..<count).map { _ in
                MatchSummary(
                    id: UInt32(truncatingIfNeeded: generator.next()), status: MatchStatus.allCases[int(3)], minute: UInt8(int(151)),
                    score: Score(home: UInt8(int(256)), away: UInt8(int(256))), viewers: UInt32(truncatingIfNeeded: generator.next()),
                    home: String(repeating: "ã", count: int(40)), away: String(repeating: "b", count: int(40)))
            }
            let offset = int(100)
            return Frame(body: .listing(MatchListing(total: UInt16(offset + count + int(50)), offset: UInt16(offset), matches: matches)))
        default:
            var heartbeat = Frame(sequence: sequence, body: .heartbeat)
            heartbeat.sourceLost = int(2) == 1  // a relay's, its upstream lost (Spec §4.10)
            return heartbeat
        }
    }
}
