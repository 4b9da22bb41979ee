import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import GroupSigning
import Match
import MatchStore
import NIOCore
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Wire

// One concurrent match's stream.
extension StreamServer {
    /// One concurrent match's stream: its slot, its source (a simulator, or a feed's queue of
    /// decoded events), and when its next event is due.
    package struct SlotStream {
        package enum Phase { case waiting, live, done }

        /// Where a stream's events come from: one of three, never none or two.
        package enum Source {
            /// A simulated match: its simulator makes each event when it is due.
            case simulated(MatchSimulator)
            /// A live feed (its index in ``ServerConfiguration/feeds``): decoded events wait in
            /// the queue for their time.
            case fed(Int)
            /// A relay's upstream follower (its index): events wait in the queue with their
            /// upstream sequence.
            case relayed(Int)
        }

        package var slot: Int
        package var seed: UInt64
        package var source: Source
        package var id: UInt32
        package var roster: Roster
        /// A feed's or an upstream's events waiting for their time (with the feed offset past
        /// each, or its upstream sequence), and the feed's end once the queue drains.
        package var queue: [(event: MatchEvent, due: ContinuousClock.Instant, end: Int?, sequence: UInt32?)] = []
        /// The upstream sequence of the relayed event taken last (published with it).
        package var upstreamSequence: UInt32?
        /// The file offset just past the line of the feed event taken last (logged with it).
        package var feedOffset: Int?
        package var feedEnd: EndReason?
        /// Matches still to play back to back in this stream after the current one (`--matches`).
        package var backToBackLeft: Int
        package var start: ContinuousClock.Instant
        /// Events sent in this stream.
        package var index = 0
        package var endReason = EndReason.fullTime
        package var phase = Phase.waiting
        /// Its number in the match log, once logged (nil without a log, or before kick-off).
        package var logNumber: Int?
        /// Continued from the match log: ``index`` events were streamed by an earlier run.
        package var resumed = false

        /// When the next event (or a feed's end, once its queue is empty) is due; nil: a feed
        /// with nothing queued and no end yet.
        package func due(_ interval: Duration) -> ContinuousClock.Instant? {
            if case .simulated = source { return start.advanced(by: interval * (index + 1)) }
            return queue.first?.due ?? (feedEnd != nil ? start : nil)
        }

        /// Whether a simulator makes its events.
        package var isSimulated: Bool {
            if case .simulated = source { true } else { false }
        }
        /// The feed it streams, if fed.
        package var feed: Int? {
            if case .fed(let index) = source { index } else { nil }
        }
        /// The upstream follower it streams, if relayed.
        package var upstream: Int? {
            if case .relayed(let index) = source { index } else { nil }
        }
    }

    /// A match live at once in a slot of its own, continuing one that began elsewhere (a relay's
    /// upstream, or, with `logNumber`, an earlier run's match log): its place in its sequence
    /// space and its latest event, counted among the matches, and its stream (the caller names
    /// its `source`).
    package func liveSlot(
        id: UInt32, roster: Roster, catalog: PhraseCatalog, intervalMicroseconds: UInt32, next: UInt32, latest: MatchEvent?,
        logNumber: Int?, source: SlotStream.Source, start: ContinuousClock.Instant, summary: inout ServerSummary
    ) -> SlotStream {
        let slot = core.state.withLock { $0.addMatch(id: id, roster: roster, catalog: catalog, intervalMicroseconds: intervalMicroseconds) }
        core.beginMatch(id: id, slot: slot)
        if let logNumber {
            core.resume(slot: slot, nextSequence: next, logNumber: logNumber, latest: latest)
        } else {
            core.continueMatch(slot: slot, nextSequence: next, latest: latest)
        }
        summary.matches += 1
        core.signals.update { $0.matches += 1 }
        var stream = SlotStream(slot: slot, seed: 0, source: source, id: id, roster: roster, backToBackLeft: 0, start: start)
        stream.phase = .live
        stream.logNumber = logNumber
        return stream
    }
}
