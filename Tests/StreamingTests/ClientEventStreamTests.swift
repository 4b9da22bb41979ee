import Match
import NIOCore
import Streaming
import Testing
import Wire

/// The client's one stream of events (``ClientEvent``), as the session yields it for each
/// datagram: what client.log, the progress file, the live view and a relay's upstream all take.
@Suite("The client's stream of events (no sockets, injected clock)")
struct ClientEventStreamTests {
    /// A short name for each element, to compare whole streams.
    static func names(_ events: [ClientEvent]) -> [String] {
        events.map { event in
            switch event {
            case .datagram: "datagram"
            case .welcomed(_, let latest, let next): "welcomed(latest: \(latest.map { "\($0.sequence)" } ?? "none"), next: \(next))"
            case .arrived(let snapshot): "arrived(\(snapshot.sequence))"
            case .inSequence(let snapshot, let repaired): "inSequence(\(snapshot.sequence)\(repaired ? ", repaired" : ""))"
            case .outage(let lost): "outage(\(lost))"
            case .ended(let reason): "ended(\(reason.name))"
            case .stopped(let reason, let over): "stopped(\(reason.name), over: \(over))"
            }
        }
    }

    /// Receives `bytes` and returns what the datagram added to the stream.
    static func receive(_ bytes: [UInt8], _ session: inout ClientSession) -> [String] {
        let reception = session.receive(bytes)
        return names(session.events(after: reception))
    }

    @Test("welcome, newest events at once, events in sequence order once a gap is repaired (marked), the end once, then the stop")
    func inOrderRepairedEnded() throws {
        let clock = ManualClock()
        var session = ClientSession(original: false, clock: clock, subscription: 7)
        #expect(Self.receive(try ClientSessionTests.welcome(interval: 100_000), &session) == ["welcomed(latest: none, next: 0)"])
        #expect(Self.receive(try ClientRepairTests.event(0), &session) == ["arrived(0)", "inSequence(0)"])
        // 1 is missing: 2 is shown at once, logged only after 1.
        #expect(Self.receive(try ClientRepairTests.event(2), &session) == ["arrived(2)"])
        #expect(Self.receive(try ClientRepairTests.event(2), &session).isEmpty)  // a duplicate adds nothing
        clock.advance(by: ClientSession.firstNackDelay)
        #expect(session.dueRepairs()?.sequences == [1])
        #expect(Self.receive(try ClientRepairTests.event(1, retransmission: true), &session) == ["inSequence(1, repaired)", "inSequence(2)"])
        let end = try Frame(sequence: 2, body: .end(EndOfMatch(reason: .fullTime)), subscription: 7).encoded()
        #expect(Self.receive(end, &session) == ["ended(full_time)"])
        #expect(Self.receive(end, &session).isEmpty)  // the end's repeats add nothing
        #expect(Self.names(session.finalEvents(.endOfTransmission(.fullTime), matchOver: true)) == ["stopped(end_of_transmission, over: true)"])
    }

    @Test("a relay's word that its source is lost is an outage in the stream, once, and its end when a frame comes without it")
    func sourceLostOutage() throws {
        var (clock, session) = try ClientRepairTests.welcomedWithFirstEvent()
        _ = session.takeLoggable()
        var lost = Frame(sequence: 0, body: .heartbeat, subscription: 7)
        lost.sourceLost = true
        #expect(Self.receive(try lost.encoded(), &session) == ["outage(true)"])
        clock.advance(by: 1)
        #expect(Self.receive(try lost.encoded(), &session).isEmpty)
        #expect(Self.receive(try ClientRepairTests.event(1), &session) == ["outage(false)", "arrived(1)", "inSequence(1)"])
    }

    @Test("a run stopped with a gap still open: the events behind it go out in order before the stop")
    func stoppedWithGap() throws {
        var (_, session) = try ClientRepairTests.welcomedWithFirstEvent()
        _ = session.events(after: session.receive(try ClientRepairTests.event(0)))
        #expect(Self.receive(try ClientRepairTests.event(3), &session) == ["arrived(3)"])
        #expect(Self.names(session.finalEvents(.interrupted, matchOver: true)) == ["inSequence(3)", "stopped(interrupted, over: true)"])
    }
}
