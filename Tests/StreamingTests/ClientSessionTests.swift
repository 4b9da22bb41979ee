import Match
import NIOCore
import Streaming
import Testing
import Wire

@Suite("Client session (no sockets, injected clock)")
struct ClientSessionTests {
    static func welcome(interval: UInt32 = 1_000_000, heartbeat: UInt8 = 5) throws -> [UInt8] {
        try Frame(
            body: .welcome(
                Welcome(
                    format: .compact, matchID: 1, heartbeatSeconds: heartbeat, intervalMicroseconds: interval,
                    roster: .original, catalog: .english, current: nil)), subscription: 7
        ).encoded()
    }

    @Test("silence is measured on the injected clock, from the start and then from the last datagram; at least three intervals")
    func silence() throws {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        #expect(!session.subscribed && session.heartbeatPeriod == nil)
        clock.advance(by: 4)
        #expect(session.silence == 4)
        guard case .welcomed = session.receive(try Self.welcome(interval: 10_000_000)) else {
            Issue.record("expected a welcome")
            return
        }
        #expect(session.subscribed && session.heartbeatPeriod == .seconds(5) && session.silence == 0)
        // Intervals of 10 s: silence is judged at 30 s, not at the configured 15.
        let limit = session.silenceLimit(configured: .seconds(15))
        #expect(limit == .seconds(30))
        clock.advance(by: 29)
        #expect(!session.serverSilent(limit: limit))
        clock.advance(by: 2)
        #expect(session.serverSilent(limit: limit))
        _ = session.receive(try Frame(sequence: 0, body: .heartbeat, subscription: 7).encoded())
        #expect(!session.serverSilent(limit: limit))
    }

    @Test("arrival times come from the clock: events exactly on schedule have zero jitter, a late one has some")
    func jitter() throws {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        _ = session.receive(try Self.welcome())
        let events = MatchSimulator.play(seed: 5).events
        for (index, event) in events.prefix(5).enumerated() {
            _ = session.receive(try Frame.compactEvent(event, sequence: UInt32(index), subscription: 7).encoded())
            clock.advance(by: 1)
        }
        #expect(session.statistics.received == 5 && session.statistics.jitter == 0)
        clock.advance(by: 0.5)
        _ = session.receive(try Frame.compactEvent(events[5], sequence: 5, subscription: 7).encoded())
        #expect(session.statistics.jitter > 0)
    }

    @Test("frames that only travel to the server are ignored (Spec §3's directions), before and after the welcome")
    func directions() throws {
        var session = ClientSession(original: false, clock: ManualClock(), subscription: 7)
        guard case .ignored(let why) = session.receive(try Frame(body: .unregister, subscription: 7).encoded()) else {
            Issue.record("an unregister from the server was not ignored")
            return
        }
        #expect(why.contains("unregister"))
        var original = ClientSession(original: true, clock: ManualClock())
        guard case .ignored = original.receive(Array("register".utf8)) else {
            Issue.record("an original register from the server was not ignored")
            return
        }
    }
}

@Suite("Subscription identifiers and plausibility at the client (version 2)")
struct ClientSubscriptionTests {
    @Test("frames under another identifier are rejected and counted, even before the welcome; they are no sign of life")
    func identifiers() throws {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        let forgedWelcome = try Frame(
            body: .welcome(
                Welcome(
                    format: .compact, matchID: 1, heartbeatSeconds: 5, intervalMicroseconds: 1_000_000,
                    roster: .original, catalog: .english, current: nil)), subscription: 8
        ).encoded()
        let forgedRefuse = try Frame(body: .refuse(Refusal(reason: .serverFull, text: "go away")), subscription: 8).encoded()
        guard case .rejected = session.receive(forgedWelcome), case .rejected = session.receive(forgedRefuse) else {
            Issue.record("a forged welcome or refusal was accepted")
            return
        }
        #expect(!session.subscribed && session.rejected == 2 && session.lastHeard == nil)
        _ = session.receive(try ClientSessionTests.welcome())
        #expect(session.subscribed)
        let forgedEnd = try Frame(sequence: 1_000_000, body: .end(EndOfMatch(reason: .serverShutdown)), subscription: 9).encoded()
        guard case .rejected = session.receive(forgedEnd) else {
            Issue.record("a forged end was accepted")
            return
        }
        #expect(session.endReason == nil && session.rejected == 3)
    }

    @Test("a far-ahead sequence under the right identifier moves neither the view nor the statistics until the stream confirms it")
    func plausibility() throws {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        _ = session.receive(try ClientSessionTests.welcome())  // 1 s interval
        let events = MatchSimulator.play(seed: 8).events
        for index in 0..<3 {
            _ = session.receive(try Frame.compactEvent(events[index], sequence: UInt32(index), subscription: 7).encoded())
            clock.advance(by: 1)
        }
        let far = try Frame.compactEvent(events[3], sequence: 2_000_000_000, subscription: 7).encoded()
        guard case .rejected = session.receive(far) else {
            Issue.record("a far-ahead sequence was accepted")
            return
        }
        #expect(session.latest?.sequence == 2 && session.statistics.last == 2 && session.statistics.lost == 0)
        #expect(session.rejected == 1)
        // The real stream goes on: every event counts, the far one never does.
        for index in 3..<6 {
            clock.advance(by: 1)
            _ = session.receive(try Frame.compactEvent(events[index], sequence: UInt32(index), subscription: 7).encoded())
        }
        #expect(session.statistics.received == 6 && session.statistics.lost == 0 && session.statistics.last == 5 && session.rejected == 1)
        // A real jump (after a long silence, say) is confirmed by its successor: both count.
        let jumped = ReceptionStatistics.plausibleAdvance(after: 0, interval: 1) + 10
        clock.advance(by: 0.1)
        _ = session.receive(try Frame.compactEvent(events[6], sequence: 5 + UInt32(jumped), subscription: 7).encoded())
        #expect(session.statistics.received == 6)
        _ = session.receive(try Frame.compactEvent(events[7], sequence: 6 + UInt32(jumped), subscription: 7).encoded())
        #expect(session.statistics.received == 8 && session.statistics.last == 6 + UInt32(jumped) && session.rejected == 1)
    }
}

@Suite("Repair at the client (Spec §4.8, injected clock)")
struct ClientRepairTests {
    static func event(_ index: Int, retransmission: Bool = false) throws -> [UInt8] {
        var frame = Frame.compactEvent(MatchSimulator.play(seed: 9).events[index], sequence: UInt32(index), subscription: 7)
        frame.retransmission = retransmission
        return try frame.encoded()
    }

    /// A session welcomed (an event every 100 ms) that has event 0, on a clock of its own.
    static func welcomedWithFirstEvent() throws -> (ManualClock, ClientSession) {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        _ = session.receive(try ClientSessionTests.welcome(interval: 100_000))
        _ = session.receive(try Self.event(0))
        return (clock, session)
    }

    @Test(
        "a welcome answering a register after an outage reveals what was sent meanwhile (its latest event's sequence): asked for before the next event comes"
    )
    func welcomeAfterOutage() throws {
        let (clock, first) = try Self.welcomedWithFirstEvent()
        var session = first
        _ = session.receive(try Self.event(1))
        session.beginOutage()
        // The restarted server's welcome: same match, its latest event is sequence 5.
        let latest = MatchSimulator.play(seed: 9).events[5]
        var welcome = Frame(
            sequence: 5, eventType: latest.type, score: latest.score, minute: latest.minute,
            body: .welcome(
                Welcome(
                    format: .compact, matchID: 1, heartbeatSeconds: 5, intervalMicroseconds: 100_000,
                    roster: .original, catalog: .english, current: CompactEvent(latest))))
        welcome.subscription = 7
        _ = session.receive(try welcome.encoded())
        #expect(session.welcomedAgain == 1)
        clock.advance(by: ClientSession.firstNackDelay)
        #expect(session.dueRepairs()?.sequences == [2, 3, 4, 5])
        // Another match's welcome (a server started afresh) reveals nothing of this one.
        var other = try Self.welcomedWithFirstEvent().1
        other.beginOutage()
        var foreign = welcome
        if case .welcome(var body) = foreign.body {
            body.matchID = 2
            foreign.body = .welcome(body)
        }
        _ = other.receive(try foreign.encoded())
        clock.advance(by: ClientSession.firstNackDelay)
        #expect(other.dueRepairs() == nil)
    }

    @Test(
        "a relay's heartbeat saying its source is lost starts an outage of the source, the next frame without the flag ends it (Spec §4.10); no register again"
    )
    func sourceLost() throws {
        let (clock, first) = try Self.welcomedWithFirstEvent()
        var session = first
        clock.advance(by: 1)
        var lost = Frame(sequence: 0, body: .heartbeat, subscription: 7)
        lost.sourceLost = true
        _ = session.receive(try lost.encoded())
        clock.advance(by: 1)
        _ = session.receive(try lost.encoded())  // still lost: the same outage
        clock.advance(by: 1.5)
        _ = session.receive(try Self.event(3))  // back, with events 1 and 2 missed meanwhile
        #expect(session.outages.count == 1 && !session.reregistering)
        let outage = try #require(session.outages.first)
        #expect(outage.kind == .sourceLost && outage.duration.map { abs($0 - 2.5) < 1e-9 } == true)
        #expect(session.figures(of: outage) == (missed: 2, repaired: 0))
    }

    @Test("a gap is asked for after a short wait, then with a doubling wait; a retransmission repairs it; the log stays in order")
    func repairsAGap() throws {
        let (clock, first) = try Self.welcomedWithFirstEvent()
        var session = first
        _ = session.receive(try Self.event(3))  // 1 and 2 missing
        #expect(session.dueRepairs() == nil)  // not yet: reordering may fill it
        #expect(session.takeLoggable().map(\.snapshot.sequence) == [0])
        clock.advance(by: ClientSession.firstNackDelay)
        #expect(session.dueRepairs()?.sequences == [1, 2])
        #expect(session.dueRepairs() == nil)
        clock.advance(by: ClientSession.repairBackoff)
        #expect(session.dueRepairs()?.sequences == [1, 2])
        clock.advance(by: 0.005)
        guard case .repaired(_, let delay) = session.receive(try Self.event(2, retransmission: true)) else {
            Issue.record("not repaired")
            return
        }
        #expect(delay.map { abs($0 - 0.035) < 1e-9 } == true)
        _ = session.receive(try Self.event(1))  // the first transmission, late: an ordinary out-of-order arrival
        #expect(session.takeLoggable().map(\.snapshot.sequence) == [1, 2, 3])
        #expect(session.statistics.received == 3 && session.statistics.repaired == 1 && session.statistics.unrecovered == 0)
        #expect(session.statistics.lost == 1 && session.repairsOutstanding == 0)
    }

    @Test("a gap nobody answers is given up after the attempts, and unavailable answers give up at once; the end waits for them")
    func givesUp() throws {
        let (clock, first) = try Self.welcomedWithFirstEvent()
        var session = first
        _ = session.receive(try Self.event(4))  // 1, 2, 3 missing
        _ = session.receive(try Frame(sequence: 6, body: .end(EndOfMatch(reason: .fullTime)), subscription: 7).encoded())  // 5, 6 too
        #expect(!session.finished && session.repairsOutstanding == 5)
        _ = session.receive(try Frame(body: .unavailable(SequenceRanges(covering: [5, 6])), subscription: 7).encoded())
        #expect(session.statistics.unrecovered == 2 && session.repairsOutstanding == 3)
        var asked = 0
        for _ in 0..<(ClientSession.repairAttempts + 2) {
            clock.advance(by: ClientSession.repairTimeoutCap)
            if session.dueRepairs() != nil { asked += 1 }
        }
        #expect(asked == ClientSession.repairAttempts)
        #expect(session.finished && session.statistics.unrecovered == 5)
        #expect(session.takeAllLoggable().map(\.snapshot.sequence) == [0, 4])
    }

    @Test("the retry wait follows the measured round trip: samples only from events asked once; unanswered waits double it until a sample arrives")
    func adaptiveRetry() throws {
        let (clock, first) = try Self.welcomedWithFirstEvent()
        var session = first
        _ = session.receive(try Self.event(2))  // 1 missing
        clock.advance(by: ClientSession.firstNackDelay)
        #expect(session.dueRepairs()?.sequences == [1])
        clock.advance(by: 0.004)
        _ = session.receive(try Self.event(1, retransmission: true))  // asked once: a 4 ms round trip
        #expect(session.repairTimer.smoothed.map { abs($0 - 0.004) < 1e-9 } == true)
        #expect(session.repairTimer.timeout == ClientSession.repairBackoff)  // 4 + 4 × 2 ms is below the floor

        // A slow path: nothing answers for a second. The timeout doubles on each unanswered wait
        // (once per timeout), so the client asks far fewer times than a fixed schedule would.
        _ = session.receive(try Self.event(4))  // 3 missing
        clock.advance(by: ClientSession.firstNackDelay)
        var nacks = session.dueRepairs() == nil ? 0 : 1
        for _ in 0..<1000 {
            clock.advance(by: 0.001)
            if session.dueRepairs() != nil { nacks += 1 }
        }
        #expect(nacks <= 6)  // 20, 40, 80, 160, 320 ms … then the 500 ms cap or the timeout
        #expect(session.repairTimer.timeout > 0.3)
        _ = session.receive(try Self.event(3, retransmission: true))  // asked several times: no sample (Karn)
        #expect(session.repairTimer.smoothed.map { abs($0 - 0.004) < 1e-9 } == true)
        #expect(session.repairTimer.timeout > 0.3)  // stays backed off until a fresh sample
        #expect(session.statistics.repaired == 2 && session.repairsOutstanding == 0)
    }

    @Test(
        "the tail lost before the end and repaired is the newest view: the live view and the result show the last event, not the last first arrival")
    func repairedTailIsNewest() throws {
        let (clock, first) = try Self.welcomedWithFirstEvent()
        var session = first
        _ = session.events(after: session.receive(try Self.event(1)))
        // Events 2 and 3 lost; the end says 3 was the last.
        _ = session.events(after: session.receive(try Frame(sequence: 3, body: .end(EndOfMatch(reason: .fullTime)), subscription: 7).encoded()))
        clock.advance(by: ClientSession.firstNackDelay)
        #expect(session.dueRepairs()?.sequences == [2, 3])
        let older = session.events(after: session.receive(try Self.event(2, retransmission: true)))
        #expect(session.latest?.sequence == 2)
        let newest = session.events(after: session.receive(try Self.event(3, retransmission: true)))
        #expect(session.latest?.sequence == 3)
        func shown(_ events: [ClientEvent]) -> [UInt32] {
            events.compactMap { if case .arrived(let snapshot) = $0 { snapshot.sequence } else { nil } }
        }
        #expect(shown(older) == [2] && shown(newest) == [3])
        // A repaired event older than the one shown does not replace it.
        var later = first
        _ = later.receive(try Self.event(3))
        clock.advance(by: ClientSession.firstNackDelay)
        #expect(shown(later.events(after: later.receive(try Self.event(2, retransmission: true)))).isEmpty)
        #expect(later.latest?.sequence == 3)
    }

    @Test("after the end, no wait between two NACKs exceeds the cap, whatever the timer says (the server answers only for its grace)")
    func tailWithinGrace() throws {
        let (clock, first) = try Self.welcomedWithFirstEvent()
        var session = first
        _ = session.receive(try Self.event(2))  // 1 missing
        clock.advance(by: ClientSession.firstNackDelay)
        var asked = session.dueRepairs() == nil ? 0 : 1
        for _ in 0..<3000 {  // three seconds unanswered: the timer backs off past the cap
            clock.advance(by: 0.001)
            if session.dueRepairs() != nil { asked += 1 }
        }
        #expect(session.repairTimer.timeout > ClientSession.repairBackoffCap)
        _ = session.receive(try Frame(sequence: 2, body: .end(EndOfMatch(reason: .fullTime)), subscription: 7).encoded())
        var last = clock.now()
        var longest = 0.0
        for _ in 0..<60_000 where !session.finished {
            clock.advance(by: 0.001)
            if session.dueRepairs() != nil {
                longest = max(longest, clock.now() - last)
                last = clock.now()
                asked += 1
            }
        }
        #expect(session.finished && asked == ClientSession.repairAttempts && session.statistics.unrecovered == 1)
        #expect(longest <= ClientSession.repairBackoffCap + 0.0015)
    }

    @Test("RFC 6298's estimator: smoothed round trip, variation, floor and ceiling")
    func repairTimer() {
        var timer = RepairTimer(initial: 0.02, cap: 2)
        timer.sample(0.1)
        #expect(timer.smoothed == 0.1 && timer.variation == 0.05 && abs(timer.timeout - 0.3) < 1e-9)
        timer.sample(0.1)
        #expect(abs(timer.variation - 0.0375) < 1e-9 && abs(timer.timeout - 0.25) < 1e-9)
        timer.sample(10)
        #expect(timer.timeout == 2)  // the ceiling
        var fresh = RepairTimer(initial: 0.02, cap: 2)
        fresh.backOff(now: 0)
        fresh.backOff(now: 0.01)  // within the (new) timeout: once only
        #expect(fresh.timeout == 0.04)
        fresh.backOff(now: 0.05)
        #expect(fresh.timeout == 0.08)
        fresh.sample(-1)  // not a round trip
        #expect(fresh.smoothed == nil)
    }

    @Test("--no-repair: gaps are only counted, nothing is asked, the log follows arrival")
    func noRepair() throws {
        var session = ClientSession(original: false, clock: ManualClock(), subscription: 7, repairs: false)
        _ = session.receive(try ClientSessionTests.welcome())
        _ = session.receive(try Self.event(0))
        _ = session.receive(try Self.event(3))
        #expect(session.repairsOutstanding == 0 && session.dueRepairs() == nil)
        #expect(session.takeLoggable().map(\.snapshot.sequence) == [0, 3])
    }
}
