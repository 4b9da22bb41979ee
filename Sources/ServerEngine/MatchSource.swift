import Match
import Wire

/// Where a match's events come from: a simulator, a live feed (its index in
/// ``ServerConfiguration/feeds``), or an upstream followed by a relay (its follower's index).
package enum SourceOrigin: Equatable, Hashable, Sendable {
    case simulated
    case fed(Int)
    case relayed(Int)
}

/// Where an event stood in its source: logged with it, so that a restarted server goes on
/// from there (a feed's file offset just past its line), or published with it (a relayed
/// event keeps its upstream sequence).
package enum SourcePosition: Equatable, Sendable {
    /// Nothing to keep (a simulated event: its seed replays it).
    case none
    /// The feed file's offset just past the event's line.
    case feedOffset(Int)
    /// The upstream's sequence number of the event.
    case upstream(UInt32)

    /// The feed offset, if any.
    package var feedOffset: Int? {
        if case .feedOffset(let offset) = self { offset } else { nil }
    }
    /// The upstream sequence, if any.
    package var upstreamSequence: UInt32? {
        if case .upstream(let sequence) = self { sequence } else { nil }
    }
}

/// A match that opens: its teams and words, and what is known of its place already.
package struct MatchOpening: Sendable {
    /// Its identifier; nil for a feed's (the server derives one, unique among its matches).
    package var id: UInt32?
    package var roster: Roster
    package var catalog: PhraseCatalog
    /// A simulated match's seed.
    package var seed: UInt64?
    /// A relayed match continuing upstream: the sequence of its next event, its latest event,
    /// and its upstream's nominal interval.
    package var continuing: (next: UInt32, latest: MatchEvent?, intervalMicroseconds: UInt32)?
    /// A feed joining a match under way: where it stands (its line-ups' `state`).
    package var start: MatchStart?

    package init(
        id: UInt32?, roster: Roster, catalog: PhraseCatalog, seed: UInt64? = nil,
        continuing: (next: UInt32, latest: MatchEvent?, intervalMicroseconds: UInt32)? = nil, start: MatchStart? = nil
    ) {
        (self.id, self.roster, self.catalog, self.seed, self.continuing, self.start) = (id, roster, catalog, seed, continuing, start)
    }
}

/// What a source yields, whatever the source: a match opens, its next event, its producer
/// goes silent or is heard again, and its end. The scheduler (``MatchScheduler``) merges what
/// every source yields into the server's one publishing pipeline.
package enum SourceOutput: Sendable {
    /// A match opens (a feed's line-ups, an upstream's welcome, the next match of a simulated
    /// stream played back to back).
    case opened(MatchOpening)
    /// The next event, and where it stood in its source.
    case event(MatchEvent, SourcePosition)
    /// The source's producer went silent (true: clients are told their source is lost, Spec
    /// §4.10), or is heard again (false).
    case outage(lost: Bool)
    /// The match is over, and why.
    case ended(EndReason)
}

/// What produces one match for a slot of the server: a simulated match (with its back-to-back
/// successors), a live feed, or a relay's upstream. The scheduler asks each when its next
/// output is due and takes it then; nothing else about a source is the scheduler's business.
package protocol MatchSource: Sendable {
    /// Which kind of source, and which feed or upstream.
    var origin: SourceOrigin { get }
    /// When the next output is due, for a match that kicked off at `start` and has streamed
    /// `streamed` events at `interval`; nil when nothing is due until the source hears more.
    func due(start: ContinuousClock.Instant, streamed: Int, interval: Duration) -> ContinuousClock.Instant?
    /// The next output, once due: an event, the next match of the same stream (``SourceOutput/opened(_:)``,
    /// its events follow), or the end (the last output).
    mutating func next() -> SourceOutput
}
