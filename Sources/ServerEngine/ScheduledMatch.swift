import Match
import Wire

/// One slot's match as the scheduler sees it: its source, when it kicked off, how many events
/// it has streamed, and where it stands.
package struct ScheduledMatch: Sendable {
    /// Waiting for its kick-off (for `--wait-for-clients`), live, or over.
    package enum Phase: Sendable { case waiting, live, done }

    /// The server's slot (its index in ``ServerState/matches``).
    package var slot: Int
    /// The current match's identifier (a simulated stream's next match changes it).
    package var id: UInt32
    package var roster: Roster
    package var source: any MatchSource
    /// When it kicked off (or, before that, was announced).
    package var start: ContinuousClock.Instant
    /// Events streamed in this slot's stream (back-to-back matches count on).
    package var streamed = 0
    package var phase = Phase.waiting
    /// Why it ended, once it has.
    package var endReason = EndReason.fullTime
    /// Its number in the match log, once logged (nil without a log, or before kick-off).
    package var logNumber: Int?
    /// Continued from the match log: ``streamed`` events were streamed by an earlier run.
    package var resumed = false
    /// Where the match stood when this server took it up under way (a relay's upstream
    /// mid-match, a feed whose line-ups give a `state`): its log begins from there.
    package var joined: MatchStart?

    package init(slot: Int, id: UInt32, roster: Roster, source: any MatchSource, start: ContinuousClock.Instant) {
        (self.slot, self.id, self.roster, self.source, self.start) = (slot, id, roster, source, start)
    }

    /// When its next output is due (see ``MatchSource/due(start:streamed:interval:)``).
    package func due(_ interval: Duration) -> ContinuousClock.Instant? {
        source.due(start: start, streamed: streamed, interval: interval)
    }

    /// A simulated match's current seed.
    package var seed: UInt64? { (source as? SimulatedSource)?.seed }

    /// Runs `body` on its source's queue (a feed's or an upstream's); nil, and `body` not run,
    /// for a simulated match.
    package mutating func withQueue<Result>(_ body: (inout QueuedSource) -> Result) -> Result? {
        guard var queued = source as? QueuedSource else { return nil }
        // The queue is held once while it changes (no copy of its events).
        source = QueuedSource(origin: queued.origin)
        defer { source = queued }
        return body(&queued)
    }
}
