import Match
import Streaming
import Testing
import Wire

/// The match sources and the scheduler that merges them, without a server or a clock: every
/// instant is made up from one origin.
@Suite("Match sources and their scheduler (no sockets, made-up instants)")
struct MatchSchedulerTests {
    static let origin = ContinuousClock().now

    static func at(_ seconds: Double) -> ContinuousClock.Instant { origin.advanced(by: .seconds(seconds)) }

    static func event(_ minute: UInt8) -> MatchEvent {
        MatchEvent(
            type: .save, minute: minute, template: 0, actor: PlayerRef(side: .home, slot: 0), opponent: PlayerRef(side: .away, slot: 0),
            state: .kickOff)
    }

    /// Every output of a source until its end (at most `limit`).
    static func drain(_ source: inout some MatchSource, limit: Int = 10_000) -> [SourceOutput] {
        var outputs: [SourceOutput] = []
        while outputs.count < limit {
            let output = source.next()
            outputs.append(output)
            if case .ended = output { break }
        }
        return outputs
    }

    @Test("a simulated source yields its simulator's events, then each back-to-back match opened with seed + 1, then the end")
    func simulatedBackToBack() throws {
        var source = SimulatedSource(simulator: MatchSimulator(seed: 7), catalog: .english, backToBack: 2)
        let outputs = Self.drain(&source)
        var expected: [UInt64: [MatchEvent]] = [:]
        for seed in UInt64(7)...9 { expected[seed] = Array(MatchSimulator(seed: seed)) }
        var seed: UInt64 = 7
        var events: [UInt64: [MatchEvent]] = [:]
        var openings: [UInt32] = []
        for output in outputs {
            switch output {
            case .event(let event, let position):
                #expect(position == .none)
                events[seed, default: []].append(event)
            case .opened(let opening):
                seed += 1
                #expect(opening.seed == seed)
                openings.append(try #require(opening.id))
            case .outage:
                Issue.record("a simulated source has no outage")
            case .ended(let reason):
                #expect(reason == .fullTime)
            }
        }
        #expect(openings == [MatchSimulator(seed: 8).matchID, MatchSimulator(seed: 9).matchID])
        #expect(events == expected)
        guard case .ended = try #require(outputs.last) else {
            Issue.record("the last output is not the end")
            return
        }
    }

    @Test("a simulated source's events are due one interval apart from its kick-off")
    func simulatedDue() {
        let source = SimulatedSource(simulator: MatchSimulator(seed: 1), catalog: .english, backToBack: 0)
        #expect(source.due(start: Self.at(0), streamed: 0, interval: .seconds(2)) == Self.at(2))
        #expect(source.due(start: Self.at(0), streamed: 5, interval: .seconds(2)) == Self.at(12))
    }

    @Test("a queued source yields its events in order with their positions, then the end once drained; nothing due while it waits")
    func queued() {
        var source = QueuedSource(origin: .fed(3))
        #expect(source.due(start: Self.at(0), streamed: 0, interval: .seconds(1)) == nil)
        source.enqueue(Self.event(1), position: .feedOffset(40), due: Self.at(5))
        source.enqueue(Self.event(2), position: .feedOffset(80), due: Self.at(9))
        #expect(source.due(start: Self.at(0), streamed: 0, interval: .seconds(1)) == Self.at(5))
        guard case .event(let first, .feedOffset(40)) = source.next() else {
            Issue.record("the first event did not come first with its offset")
            return
        }
        #expect(first.minute == 1)
        #expect(source.due(start: Self.at(0), streamed: 1, interval: .seconds(1)) == Self.at(9))
        source.shift(by: .seconds(1))
        #expect(source.due(start: Self.at(0), streamed: 1, interval: .seconds(1)) == Self.at(10))
        source.finish(.fullTime)
        guard case .event(let second, .feedOffset(80)) = source.next() else {
            Issue.record("the second event did not come before the end")
            return
        }
        #expect(second.minute == 2)
        // Drained: the end is due at once.
        #expect(source.due(start: Self.at(0), streamed: 2, interval: .seconds(1)) == Self.at(0))
        guard case .ended(.fullTime) = source.next() else {
            Issue.record("no end after the queue drained")
            return
        }
    }

    @Test("the scheduler takes what is due of every live match, capped per turn, and sleeps until the next due output")
    func schedulerTurns() {
        var scheduler = MatchScheduler(interval: .seconds(1))
        for slot in 0..<2 {
            let simulator = MatchSimulator(seed: UInt64(slot) + 1)
            scheduler.matches.append(
                ScheduledMatch(
                    slot: slot, id: simulator.matchID, roster: simulator.roster,
                    source: SimulatedSource(simulator: simulator, catalog: .english, backToBack: 0), start: Self.at(0)))
        }
        #expect(scheduler.waiting)
        #expect(scheduler.deadline == nil)
        #expect(scheduler.kickOff(now: Self.at(10)) == [0, 1])
        #expect(!scheduler.waiting)
        #expect(scheduler.deadline == Self.at(11))
        // Nothing is due before its time.
        #expect(scheduler.takeDue(now: Self.at(10.5), maximumEvents: 64, maximumDatagrams: 4096, audience: { _ in 1 }).items.isEmpty)
        // Three intervals late: three events of each, in slot order.
        let due = scheduler.takeDue(now: Self.at(13.5), maximumEvents: 64, maximumDatagrams: 4096, audience: { _ in 1 })
        #expect(due.events == 6)
        #expect(due.items.map(\.index) == [0, 0, 0, 1, 1, 1])
        #expect(due.items.map(\.due) == [Self.at(11), Self.at(12), Self.at(13), Self.at(11), Self.at(12), Self.at(13)])
        #expect(scheduler.deadline == Self.at(14))
        // Capped by events, then by datagrams (slot 1 has 1,000 recipients per event).
        let capped = scheduler.takeDue(now: Self.at(20), maximumEvents: 4, maximumDatagrams: 4096, audience: { _ in 1 })
        #expect(capped.items.map(\.index) == [0, 0, 0, 0])
        let byDatagrams = scheduler.takeDue(now: Self.at(20), maximumEvents: 64, maximumDatagrams: 1500, audience: { $0 == 1 ? 1000 : 1 })
        #expect(byDatagrams.items.map(\.index) == [0, 0, 0, 1, 1])
    }

    @Test("a back-to-back match ends its match's turn: its id changes and its events follow from the next turn, on the same beat")
    func schedulerBackToBack() throws {
        let simulator = MatchSimulator(seed: 7)
        let length = Array(MatchSimulator(seed: 7)).count
        var scheduler = MatchScheduler(interval: .seconds(1))
        scheduler.matches = [
            ScheduledMatch(
                slot: 0, id: simulator.matchID, roster: simulator.roster,
                source: SimulatedSource(simulator: simulator, catalog: .english, backToBack: 1), start: Self.at(0))
        ]
        _ = scheduler.kickOff(now: Self.at(0))
        let first = scheduler.takeDue(now: Self.at(10_000), maximumEvents: 10_000, maximumDatagrams: 10_000, audience: { _ in 0 })
        #expect(first.events == length)
        guard case .opened = try #require(first.items.last).output else {
            Issue.record("the turn did not end at the next match")
            return
        }
        #expect(scheduler.matches[0].id == MatchSimulator(seed: 8).matchID)
        #expect(scheduler.deadline == Self.at(Double(length + 1)))
        let second = scheduler.takeDue(now: Self.at(10_000), maximumEvents: 10_000, maximumDatagrams: 10_000, audience: { _ in 0 })
        #expect(second.events == Array(MatchSimulator(seed: 8)).count)
        #expect(second.ended == [0])
        #expect(scheduler.matches[0].endReason == .fullTime)
    }

    @Test("kick-off: a resumed match goes on one interval from now; a fed match that waited keeps its events' times after kick-off")
    func schedulerKickOff() {
        var scheduler = MatchScheduler(interval: .seconds(2))
        let simulator = MatchSimulator(seed: 3)
        var resumed = ScheduledMatch(
            slot: 0, id: simulator.matchID, roster: simulator.roster,
            source: SimulatedSource(simulator: simulator, catalog: .english, backToBack: 0), start: Self.at(0))
        resumed.resumed = true
        resumed.streamed = 10
        var fed = ScheduledMatch(slot: 1, id: 99, roster: .original, source: QueuedSource(origin: .fed(0)), start: Self.at(100))
        fed.withQueue { $0.enqueue(Self.event(3), position: .feedOffset(12), due: Self.at(103)) }
        scheduler.matches = [resumed, fed]
        #expect(scheduler.index(of: .fed(0)) == 1)
        #expect(scheduler.index(of: .relayed(0)) == nil)
        #expect(scheduler.kickOff(now: Self.at(500)) == [0, 1])
        #expect(scheduler.matches[0].due(.seconds(2)) == Self.at(502))
        #expect(scheduler.matches[1].due(.seconds(2)) == Self.at(503))
        #expect(scheduler.deadline == Self.at(502))
    }
}
