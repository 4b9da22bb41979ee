import Match
import TestSupport
import Testing
import Wire

@Suite("Round trips")
struct RoundTripTests {
    @Test("random frames of every kind and both formats decode to themselves", arguments: 0..<4)
    func randomFrames(batch: Int) throws {
        var random = RandomFrames(seed: UInt64(batch) &* 7919)
        for _ in 0..<500 {
            let frame = try random.frame()
            let bytes = try frame.encoded()
            let decoded = try Frame.decode(bytes)
            #expect(decoded == frame)
            #expect(try decoded.encoded() == bytes)
        }
    }

    @Test("every event of 50 matches survives both formats, and both bodies tell the same story")
    func wholeMatches() async throws {
        try await CPUBoundLane.check { findings in
            for seed in UInt64(1)...50 {
                let (events, _) = MatchSimulator.play(seed: seed)
                for (index, event) in events.enumerated() {
                    let sequence = UInt32(index) &+ UInt32.max &- 20  // crosses the wrap for long matches
                    let compact = try Frame.decode(try Frame.compactEvent(event, sequence: sequence, subscription: 7).encoded())
                    findings.expect(compact.compactEvent == event, "seed \(seed), event \(index): compact differs")
                    findings.expect(compact.sequence == sequence, "seed \(seed), event \(index): sequence \(compact.sequence)")
                    let json = try Frame.decode(
                        try Frame.jsonEvent(event, sequence: sequence, roster: .original, catalog: .english, subscription: 7).encoded())
                    guard case .event(.json(let datagram)) = json.body, let rebuilt = compact.compactEvent else {
                        findings.record("seed \(seed), event \(index): unexpected body")
                        continue
                    }
                    findings.expect(
                        datagram == (try OriginalDatagram(event: rebuilt, sequence: sequence, roster: .original, catalog: .english)),
                        "seed \(seed), event \(index): the JSON body tells another story")
                    findings.expect(
                        datagram.message.content == (try PhraseCatalog.english.phrase(for: rebuilt, roster: .original)),
                        "seed \(seed), event \(index): message \(datagram.message.content)")
                }
            }
        }
    }

    @Test("a welcome carries the roster and catalogue a compact client needs to render the JSON body")
    func welcomeSuffices() throws {
        let (events, _) = MatchSimulator.play(seed: 99, catalog: .portuguese)
        let welcome = Frame(
            body: .welcome(
                Welcome(
                    format: .compact, matchID: 1, heartbeatSeconds: 5, intervalMicroseconds: 1000, roster: .original,
                    catalog: .portuguese, current: nil)), subscription: 7)
        guard case .welcome(let received) = try Frame.decode(try welcome.encoded()).body else {
            Issue.record("not a welcome")
            return
        }
        for (index, event) in events.enumerated() {
            let frame = try Frame.decode(try Frame.compactEvent(event, sequence: UInt32(index), subscription: 7).encoded())
            let event = try #require(frame.compactEvent)
            let fromCompact = try OriginalDatagram(event: event, sequence: frame.sequence, roster: received.roster, catalog: received.catalog)
            let fromServer = try OriginalDatagram(event: event, sequence: UInt32(index), roster: .original, catalog: .portuguese)
            #expect(fromCompact == fromServer)
        }
    }

    @Test("the JSON body never exceeds 4,096 bytes and the compact event frame stays tiny over 200 matches")
    func sizes() async throws {
        try await CPUBoundLane.check { findings in
            var compactSizes: [Int] = []
            for seed in UInt64(1)...200 {
                for (index, event) in MatchSimulator.play(seed: seed, catalog: .portuguese).events.enumerated() {
                    let frame = try Frame.jsonEvent(event, sequence: UInt32(index), roster: .original, catalog: .portuguese, subscription: 7)
                    let size = try frame.encoded().count
                    findings.expect(size <= FrameHeader.size + OriginalDatagram.maximumSize, "seed \(seed), event \(index): \(size) bytes")
                    compactSizes.append(try Frame.compactEvent(event, sequence: UInt32(index), subscription: 7).encoded().count)
                }
            }
            compactSizes.sort()
            let median = compactSizes[(compactSizes.count - 1) / 2]
            findings.expect(median <= 40, "median compact event frame \(median) bytes")
        }
    }

    @Test("a JSON body too large for the original client's buffer is refused when encoding")
    func oversizedJSON() throws {
        var event = MatchSimulator.play(seed: 3).events[0]
        event.minute = 150
        event.state.goals = (0..<255).map { Incident(player: PlayerRef(side: .home, slot: UInt8($0 % 10)), minute: UInt8(100 + $0 / 6)) }
        #expect(throws: WireError.self) { try Frame.jsonEvent(event, sequence: 0, roster: .original, catalog: .english, subscription: 7).encoded() }
    }
}
