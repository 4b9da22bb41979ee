import Match
import Wire

/// A feed's or an upstream's match: its producer (a feed's reader, an upstream follower) runs
/// in a task of its own and hands over each event with the time it is due; the events wait
/// here for that time, in order, and the end once every event is out.
package struct QueuedSource: MatchSource {
    package let origin: SourceOrigin
    private var queue: [(event: MatchEvent, due: ContinuousClock.Instant, position: SourcePosition)] = []
    private var head = 0
    /// The end, once the producer said it (it comes when the queue has drained).
    package private(set) var end: EndReason?

    /// A source for `origin` (``SourceOrigin/fed(_:)`` or ``SourceOrigin/relayed(_:)``).
    package init(origin: SourceOrigin) {
        self.origin = origin
    }

    /// Events waiting for their time.
    package var queued: Int { queue.count - head }

    /// The first waiting event's time; once none waits, the end's (at once), or nil.
    package func due(start: ContinuousClock.Instant, streamed: Int, interval: Duration) -> ContinuousClock.Instant? {
        head < queue.count ? queue[head].due : (end != nil ? start : nil)
    }

    package mutating func next() -> SourceOutput {
        guard head < queue.count else { return .ended(end ?? .abandoned) }
        let (event, _, position) = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        return .event(event, position)
    }

    /// An event the producer handed over, due at `due` (events go out in the order handed over).
    package mutating func enqueue(_ event: MatchEvent, position: SourcePosition, due: ContinuousClock.Instant) {
        queue.append((event, due, position))
    }

    /// The producer's end of the match (sent once every queued event is out).
    package mutating func finish(_ reason: EndReason) {
        end = reason
    }

    /// Moves every waiting event's time by `shift` (a fed match that waited for its clients
    /// keeps its events' times after kick-off).
    package mutating func shift(by shift: Duration) {
        for index in queue.indices { queue[index].due += shift }
    }
}
