import Logging
import Match
import RelayRuntime
import ServerEngine
import Wire

// The producers' side of the stream loop: what feed readers and upstream followers handed over
// becomes matches and queued events of the scheduler.
extension StreamServer {
    /// The most due events written in one trip to the event loop.
    package static let maximumBatch = 64

    /// Takes every item the producers delivered since the last turn, in order.
    package func takeProducerItems(_ turn: inout StreamTurn, now: ContinuousClock.Instant) {
        for item in core.takeProducerItems() {
            switch item.content {
            case .output(let output, let at):
                receive(output, at: at, from: item.origin, turn: &turn, now: now)
            case .bad(let error, let stopping):
                guard case .fed(let feed) = item.origin else { continue }
                logger.error(
                    "Feed \(configuration.feeds[feed]): \(error)\(stopping ? "; the feed stops here (--on-bad-line stop)" : "; line skipped")")
                turn.summary.badFeedLines += 1
                if turn.summary.firstFeedProblems[feed] == nil { turn.summary.firstFeedProblems[feed] = "\(error)" }
            case .unreadable(let why):
                guard case .fed(let feed) = item.origin else { continue }
                logger.error("Feed \(configuration.feeds[feed]) cannot be read any further: \(why).")
                if turn.summary.firstFeedProblems[feed] == nil { turn.summary.firstFeedProblems[feed] = "cannot be read: \(why)" }
            case .closed:
                if producerClosed(item.origin, turn: &turn) { turn.producersOpen -= 1 }
            }
        }
    }

    /// Applies what a feed or an upstream yields: an opening makes a new match, events queue
    /// for their time (`at` seconds after kick-off, never before now; nil: at once), the end
    /// waits for the queue, an outage is told to the match's clients at once.
    package func receive(_ output: SourceOutput, at: Double?, from origin: SourceOrigin, turn: inout StreamTurn, now: ContinuousClock.Instant) {
        let index = turn.scheduler.index(of: origin)
        switch output {
        case .opened(let opening):
            guard index == nil else { return }
            if let match = open(opening, from: origin, summary: &turn.summary, now: now) { turn.scheduler.matches.append(match) }
        case .event(let event, let position):
            guard let index else { return }
            let due = at.map { max(now, turn.scheduler.matches[index].start.advanced(by: .seconds($0))) } ?? now
            turn.scheduler.matches[index].withQueue { $0.enqueue(event, position: position, due: due) }
        case .outage(let lost):
            guard let index else { return }
            sourceOutage(lost: lost, of: turn.scheduler.matches[index])
        case .ended(let reason):
            guard let index else { return }
            turn.scheduler.matches[index].withQueue { $0.finish(reason) }
        }
    }

    /// A match a producer opened: a feed's, with an identifier derived from the feed and its
    /// line-ups (kicked off once enough clients are here), or an upstream's, live at once where
    /// it stands upstream. Nil for a simulated origin (its next matches open in its own stream).
    private func open(
        _ opening: MatchOpening, from origin: SourceOrigin, summary: inout ServerSummary, now: ContinuousClock.Instant
    )
        -> ScheduledMatch?
    {
        let (roster, teams) = (opening.roster, "\(opening.roster.home.name) vs \(opening.roster.away.name)")
        switch origin {
        case .simulated:
            return nil
        case .fed(let feed):
            let name = configuration.feeds[feed]
            let (id, slot) = core.state.withLock { state in
                var id = FeedMatchID.make(feed: feed, roster: roster)
                while id == 0 || state.matches.contains(where: { $0.id == id }) { id &+= 1 }
                return (id, state.addMatch(id: id, roster: roster, catalog: opening.catalog, paced: false))
            }
            var match = ScheduledMatch(slot: slot, id: id, roster: roster, source: QueuedSource(origin: origin), start: now)
            match.joined = opening.start
            core.signals.update { $0.matches += 1 }
            // --wait-for-clients holds a fed match's kick-off like any other (the loop kicks it off).
            guard core.signals.value.clients >= configuration.waitForClients else {
                logger.info("Match \(id) from feed \(name), \(teams): waiting for \(configuration.waitForClients) client(s) before kick-off.")
                return match
            }
            core.beginMatch(id: id, slot: slot)
            summary.matches += 1
            match.phase = .live
            logger.info("Kick-off: match \(id) from feed \(name), \(teams), \(clientCount) client(s).")
            return match
        case .relayed(let follower):
            guard let id = opening.id, let continuing = opening.continuing else { return nil }
            var match = liveSlot(
                id: id, roster: roster, catalog: opening.catalog, intervalMicroseconds: continuing.intervalMicroseconds, next: continuing.next,
                latest: continuing.latest, logNumber: nil, origin: origin, start: now, summary: &summary)
            // Joined under way: its log starts from the upstream's latest event (else it would not read back).
            match.joined = continuing.latest.map(MatchStart.init(after:))
            demanded.withLock { $0.live(follower, slot: match.slot, now: now) }
            logger.info("Relaying match \(id) (\(teams)) from upstream, from sequence \(continuing.next).")
            return match
        }
    }

    /// A producer stopped. A match it left without an end ends when its queue drains: a feed's
    /// as abandoned, an upstream's as server_shutdown. True when it is gone for good (an
    /// on-demand relay's upstream subscription may be asked for again: not gone).
    private func producerClosed(_ origin: SourceOrigin, turn: inout StreamTurn) -> Bool {
        let index = turn.scheduler.index(of: origin)
        let unended = index.map { (turn.scheduler.matches[$0].source as? QueuedSource)?.end == nil } ?? false
        switch origin {
        case .simulated:
            return false
        case .fed(let feed):
            let name = configuration.feeds[feed]
            if let index, unended {
                logger.warning("Feed \(name) closed without an end line: match \(turn.scheduler.matches[index].id) ends as abandoned.")
                turn.scheduler.matches[index].withQueue { $0.finish(.abandoned) }
            } else if index == nil {
                logger.warning("Feed \(name) closed before its line-ups: no match.")
                turn.summary.feedsWithoutMatch.append((name, turn.summary.firstFeedProblems[feed]))
            }
            return true
        case .relayed(let follower):
            if let index, unended {
                logger.warning("Upstream follower stopped before the end of match \(turn.scheduler.matches[index].id): it ends as server_shutdown.")
                turn.scheduler.matches[index].withQueue { $0.finish(.serverShutdown) }
            }
            // An on-demand follower: its match may be asked for again (a new subscription).
            guard let wanted = demanded.withLock({ $0.closed(follower) }) else { return true }
            // Never welcomed: the upstream does not carry it; registers for it are refused from now on.
            if index == nil, wanted != RegisterRequest.anyMatch, !stopping {
                core.state.withLock { $0.upstreamRefused(wanted) }
                logger.info("Upstream does not carry match \(wanted): registers for it are refused.")
            }
            return false
        }
    }

    /// A match live at once in a slot of its own, continuing one that began elsewhere (a relay's
    /// upstream, or, with `logNumber`, an earlier run's match log): its place in its sequence
    /// space and its latest event, counted among the matches, its events queued from `origin`.
    package func liveSlot(
        id: UInt32, roster: Roster, catalog: PhraseCatalog, intervalMicroseconds: UInt32, next: UInt32, latest: MatchEvent?,
        logNumber: Int?, origin: SourceOrigin, start: ContinuousClock.Instant, summary: inout ServerSummary
    ) -> ScheduledMatch {
        let slot = core.state.withLock { $0.addMatch(id: id, roster: roster, catalog: catalog, intervalMicroseconds: intervalMicroseconds) }
        core.beginMatch(id: id, slot: slot)
        if let logNumber {
            core.resume(slot: slot, nextSequence: next, logNumber: logNumber, latest: latest)
        } else {
            core.continueMatch(slot: slot, nextSequence: next, latest: latest)
        }
        summary.matches += 1
        core.signals.update { $0.matches += 1 }
        var match = ScheduledMatch(slot: slot, id: id, roster: roster, source: QueuedSource(origin: origin), start: start)
        match.phase = .live
        match.logNumber = logNumber
        return match
    }
}
