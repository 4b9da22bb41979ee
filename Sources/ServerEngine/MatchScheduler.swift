import Match
import Wire

/// What became due in one turn of the scheduler, in order: each live match's outputs that are
/// due (events, a simulated stream's next match, ends), at most so many events and datagrams
/// so that one trip to the event loop carries them.
package struct DueOutputs: Sendable {
    package struct Item: Sendable {
        /// The match's index in ``MatchScheduler/matches``.
        package var index: Int
        package var output: SourceOutput
        /// When it was due.
        package var due: ContinuousClock.Instant
    }
    package var items: [Item] = []
    /// How many of ``items`` are events.
    package var events = 0
    /// The matches that ended in this turn (indices into ``MatchScheduler/matches``).
    package var ended: [Int] = []
}

/// Merges every match source of a server: which matches wait for their kick-off, when the next
/// output of any live one is due, and what is due now. Free of I/O and of any clock but the one
/// its caller passes in, so it is tested with made-up instants.
package struct MatchScheduler: Sendable {
    /// Every match the server streams, by slot order of arrival.
    package var matches: [ScheduledMatch] = []
    /// The nominal time between a simulated match's events.
    package let interval: Duration

    package init(interval: Duration) {
        self.interval = interval
    }

    /// Some match waits for its kick-off.
    package var waiting: Bool { matches.contains { $0.phase == .waiting } }
    /// Some match is not over yet.
    package var unfinished: Bool { matches.contains { $0.phase != .done } }

    /// The match of a feed's or an upstream's source.
    package func index(of origin: SourceOrigin) -> Int? {
        matches.firstIndex { $0.source.origin == origin }
    }

    /// When the next output of any live match is due; nil when none is.
    package var deadline: ContinuousClock.Instant? {
        matches.lazy.filter { $0.phase == .live }.compactMap { $0.due(self.interval) }.min()
    }

    /// Kicks off every waiting match at `now` and returns their indices. A resumed match's next
    /// event is due one interval from now, as if it had never stopped; a fed match that waited
    /// keeps its queued events' times after kick-off.
    package mutating func kickOff(now: ContinuousClock.Instant) -> [Int] {
        var started: [Int] = []
        for index in matches.indices where matches[index].phase == .waiting {
            matches[index].phase = .live
            if matches[index].resumed {
                matches[index].start = now - interval * matches[index].streamed
            } else {
                let shift = now - matches[index].start
                matches[index].withQueue { $0.shift(by: shift) }
                matches[index].start = now
                matches[index].streamed = 0
            }
            started.append(index)
        }
        return started
    }

    /// Takes what is due at `now` from every live match, match by match: up to
    /// `maximumEvents` events and `maximumDatagrams` datagrams (`audience(slot)` per event of a
    /// slot). A match's turn ends at its next match (a simulated stream played back to back:
    /// its events are due from the next turn) or at its end.
    package mutating func takeDue(
        now: ContinuousClock.Instant, maximumEvents: Int, maximumDatagrams: Int, audience: (Int) -> Int
    ) -> DueOutputs {
        var due = DueOutputs()
        var datagrams = 0
        for index in matches.indices where matches[index].phase == .live {
            let recipients = audience(matches[index].slot)
            turn: while due.events < maximumEvents && datagrams < maximumDatagrams, let at = matches[index].due(interval), now >= at {
                let output = matches[index].source.next()
                due.items.append(DueOutputs.Item(index: index, output: output, due: at))
                switch output {
                case .event:
                    due.events += 1
                    datagrams += recipients
                    matches[index].streamed += 1
                case .opened(let opening):
                    if let id = opening.id { matches[index].id = id }
                    break turn
                case .outage:
                    continue
                case .ended(let reason):
                    matches[index].endReason = reason
                    due.ended.append(index)
                    break turn
                }
            }
        }
        return due
    }
}
