import DatagramTransport
import Logging
import Match
import MatchStore
import NIOCore
import RuntimeSupport
import ServerEngine
import Wire

extension StreamServer {
    /// The scheduled stream of slot `slot` playing `simulator`'s match (then, with `--matches`,
    /// its next seeds), waiting for its kick-off.
    package func scheduledSimulation(slot: Int, simulator: MatchSimulator) -> ScheduledMatch {
        let source = SimulatedSource(
            simulator: simulator, catalog: configuration.language.catalog, backToBack: max(1, configuration.matches) - 1)
        return ScheduledMatch(slot: slot, id: simulator.matchID, roster: simulator.roster, source: source, start: ContinuousClock().now)
    }

    /// Streams every match (Spec §4.9). The scheduler (``MatchScheduler``) merges every source:
    /// simulated, fed and relayed. Each turn kicks off what waits, takes what the feeds and
    /// upstreams handed over, and sleeps until the next output is due; then what is due, of
    /// every match, goes through one pipeline: write-ahead, state, fan-out (one trip to the
    /// event loop, one flush), then the ends.
    package func stream() async throws -> ServerSummary {
        var turn = StreamTurn(interval: configuration.interval)
        let clock = ContinuousClock()
        let needed = configuration.waitForClients
        // The same slots, seeds and teams as bind() announced.
        turn.scheduler.matches = (0..<configuration.simulate).map { slot in
            scheduledSimulation(
                slot: slot, simulator: MatchSimulator(roundSlot: slot, seed: configuration.seed, catalog: configuration.language.catalog))
        }
        // Matches an earlier run left unfinished continue where the log says they were.
        resume(&turn.scheduler.matches, summary: &turn.summary, now: clock.now)
        core.state.withLock { $0.holdingResets = false }
        turn.producersOpen = feeds.count + followers.count
        var feedItemsSeen = 0
        // End frames' repeats, scheduled on the event loop so that the stream does not wait for them.
        var endRepeats = channel.eventLoop.makeSucceededVoidFuture()
        if needed > 0 && turn.scheduler.waiting { logger.info("Waiting for \(needed) client(s) before kick-off.") }
        while !stopping && (turn.scheduler.unfinished || turn.producersOpen > 0 || configuration.upstreamOnDemand) {
            // The housekeeping rides on this loop's wake-ups: one wake-up per due batch, not one more per tick.
            housekeepIfDue()
            // Kick off whatever waits, once enough clients are here.
            if turn.scheduler.waiting && core.signals.value.clients >= needed { kickOff(&turn, now: clock.now) }
            // What the feeds and upstreams brought since the last turn. The count is read before
            // the items are taken, so an item delivered after the take still wakes the wait below.
            feedItemsSeen = core.signals.value.sourceItems
            takeProducerItems(&turn, now: clock.now)
            // Every match that kicked off is in the match log before its first event.
            guard await logKickedOff(&turn) else { break }
            // The last producer may have closed just now, with every match over: nothing left to wait for.
            if turn.producersOpen == 0 && !turn.scheduler.unfinished && !configuration.upstreamOnDemand { break }
            let (waiting, seen) = (turn.scheduler.waiting, feedItemsSeen)
            let wake: @Sendable (ServerSignals) -> Bool = { $0.stopped || (waiting && $0.clients >= needed) || $0.sourceItems != seen }
            guard let deadline = turn.scheduler.deadline else {
                // Nothing due: asleep until enough clients are here, a producer brings something,
                // stop(), or the housekeeping's turn.
                await core.signals.wait(until: wake, deadline: loopDeadline(housekeepingDeadline, clock: clock), timer: channel.eventLoop)
                continue
            }
            // Asleep until the next output is due (or the housekeeping's turn, if sooner), or woken
            // at once by stop(), a kick-off or a producer: timed by the event loop's own timer, so
            // a due batch wakes only the loop.
            let woken = await core.signals.wait(
                until: wake, deadline: loopDeadline(min(deadline, housekeepingDeadline), clock: clock), timer: channel.eventLoop)
            if woken && stopping { break }
            if clock.now < deadline { continue }
            // Outputs already due, of every match, go through the pipeline together (up to 64
            // events, 4,096 datagrams: enough to amortize the trip, little enough in flight).
            let core = self.core
            let due = turn.scheduler.takeDue(
                now: clock.now, maximumEvents: Self.maximumBatch, maximumDatagrams: Self.maximumBatchDatagrams,
                audience: { slot in core.state.withLock { $0.matches[slot].subscribers.count } })
            guard try await publish(due, turn: &turn) else { break }
            try await end(due.ended, turn: &turn, repeats: &endRepeats)
        }
        try await closeStream(turn, repeats: endRepeats)
        return summarize(turn.summary)
    }

    /// `instant` as a deadline on the event loop's clock.
    private func loopDeadline(_ instant: ContinuousClock.Instant, clock: ContinuousClock) -> NIODeadline {
        NIODeadline.now() + TimeAmount(instant - clock.now)
    }

    /// Kicks off every match that waits (the scheduler moves their times), each begun in the state and announced.
    package func kickOff(_ turn: inout StreamTurn, now: ContinuousClock.Instant) {
        for index in turn.scheduler.kickOff(now: now) {
            let match = turn.scheduler.matches[index]
            core.beginMatch(id: match.id, slot: match.slot, resuming: match.resumed)
            turn.summary.matches += 1
            let source =
                switch match.source.origin {
                case .fed(let feed): "from feed \(configuration.feeds[feed])"
                case .simulated, .relayed: "(seed \(match.seed ?? 0))"
                }
            logger.info(
                "Kick-off: match \(match.id) \(source), \(match.roster.home.name) vs \(match.roster.away.name), \(clientCount) client(s).")
        }
    }

    /// Stopped or out of matches: whoever is still subscribed learns the stream is over (also
    /// before kick-off); the ends' repeats go out; with a repair grace, late NACKs are still answered.
    package func closeStream(_ turn: StreamTurn, repeats: EventLoopFuture<Void>) async throws {
        var repeats = repeats
        let unfinished = turn.scheduler.matches.filter { $0.phase != .done }
        try await finish(unfinished.map { Ending(reason: .serverShutdown, slot: $0.slot, next: nil, logNumber: $0.logNumber) }, repeats: &repeats)
        for match in unfinished where match.phase == .live {
            logger.info("Match \(match.id) over (server_shutdown): \(match.streamed) events streamed.")
        }
        // The ends' repeats still on the event loop's timer go out before the summary (and the socket closes).
        try await repeats.get()
        if !stopping && configuration.repairGrace > .zero {
            // The last events are the last a client can miss: answer their NACKs a little longer.
            logger.info("Answering repair requests for \(configuration.repairGrace) before exiting.")
            // The housekeeping goes on meanwhile (timeouts, expired tokens), a second at a time.
            let clock = ContinuousClock()
            let end = clock.now + configuration.repairGrace
            while !stopping && clock.now < end {
                let step = min(end, clock.now + HousekeepingSchedule.period)
                if await core.signals.wait(until: { $0.stopped }, deadline: loopDeadline(step, clock: clock), timer: channel.eventLoop) { break }
                housekeepIfDue()
            }
        }
        // The last rejects summary; what cut-offs it finds need no refuse: every client has its end frame.
        _ = core.housekeeping()
    }
}

/// What the stream loop carries from turn to turn: the scheduler, the producers still open,
/// the subscriptions last logged, and the run's figures.
package struct StreamTurn {
    package var scheduler: MatchScheduler
    /// Feed readers and upstream followers that may still hand over something.
    package var producersOpen = 0
    /// The version of each slot's subscriptions last written to the match log.
    package var subscribersLogged: [Int: Int] = [:]
    package var summary = ServerSummary()

    package init(interval: Duration) {
        scheduler = MatchScheduler(interval: interval)
    }
}
