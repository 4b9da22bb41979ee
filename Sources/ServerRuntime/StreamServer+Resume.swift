import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import GroupSigning
import Logging
import Match
import MatchStore
import NIOCore
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Wire

// Continuing after a restart (issue 14): matches the match log left unfinished, their original-protocol clients, and repairs answered from the log.
extension StreamServer {
    /// The driver of the state's actions (``ServerAction``): each is carried out in a child task
    /// of the server's task tree, until the server's run ends (its tasks are then cancelled,
    /// which ends the stream of actions). No closure is installed anywhere for them.
    package func performActions() async {
        await withDiscardingTaskGroup { group in
            for await action in core.actions {
                switch action {
                case .readLog(let lookup):
                    guard let log, firstRead(lookup) else { continue }
                    group.addTask { await self.answerFromLog(lookup.logNumber, log: log) }
                case .followUpstream(let match):
                    guard let (index, follower) = demandUpstream(match) else { continue }
                    group.addTask { await self.follow(upstream: index, with: follower) }
                }
            }
        }
    }

    /// Notes a NACK's events past the repair ring; true for the first lookup of its match, which
    /// reads the log: every lookup of that match waiting meanwhile is answered from that read.
    package func firstRead(_ lookup: ServerState.LogLookup) -> Bool {
        logReads.withLock { reads in
            defer { reads[lookup.logNumber, default: []].append(lookup) }
            return reads[lookup.logNumber] == nil
        }
    }

    /// Reads match `number`'s logged events (off the event loop) and answers every lookup of it
    /// waiting, on the event loop, in one flush.
    package func answerFromLog(_ number: Int, log: MatchLog) async {
        var events: [UInt32: MatchEvent] = [:]
        do {
            events = try await log.events(number)
        } catch {
            // Answered "unavailable" below: the client stops asking and counts them unrecovered.
            logger.error("Repair from the match log failed: \(error)")
        }
        let waiting = logReads.withLock { $0.removeValue(forKey: number) ?? [] }
        let (core, read) = (self.core, events)
        send { waiting.flatMap { core.answerFromLog($0, events: read) } }
    }

    /// Continues the matches an earlier run left unfinished, where the log says they were: a
    /// simulated one (its seed replayed to the logged event) kicks off again like any match (at
    /// once, or once --wait-for-clients are back); a feed's is live at once, its feed read on
    /// from just past its last logged event.
    package func resume(_ slots: inout [ScheduledMatch], summary: inout ServerSummary, now: ContinuousClock.Instant) {
        let catalog = configuration.language.catalog
        for index in slots.indices {
            guard let match = plan.simulated[slots[index].slot], case .simulated(let slot, let seed) = match.origin else { continue }
            let roster = slots[index].roster
            var simulator = MatchSimulator(seed: seed, roster: roster, catalog: catalog)
            guard simulator.matchID == match.matchID else {
                logger.warning("Unfinished match \(match.matchID) is not resumed: seed \(seed) in slot \(slot) plays match \(simulator.matchID) now.")
                continue
            }
            var replayed = 0
            var latest: MatchEvent?
            while replayed < match.events, let event = simulator.next() {
                latest = event
                replayed += 1
            }
            guard replayed == match.events else {
                logger.warning(
                    "Unfinished match \(match.matchID) is not resumed: its simulation has only \(replayed) of the \(match.events) logged events.")
                continue
            }
            let next = match.firstSequence &+ UInt32(truncatingIfNeeded: match.events)
            slots[index].source = SimulatedSource(simulator: simulator, catalog: catalog, backToBack: max(1, configuration.matches) - 1)
            slots[index].id = match.matchID
            slots[index].streamed = match.events
            slots[index].logNumber = match.number
            slots[index].resumed = true
            core.resume(slot: slot, nextSequence: next, logNumber: match.number, latest: latest)
            logger.info("Resuming match \(match.matchID) (seed \(seed)) from the match log at event \(match.events), sequence \(next).")
            restoreSubscribers(of: match, slot: slot)
        }
        for (follower, upstream) in followers.enumerated() {
            guard let resumed = plan.relayed.first(where: { $0.match.matchID == upstream.match }) else { continue }
            let match = resumed.match
            let next = resumed.lastSequence.map { $0 &+ 1 } ?? match.firstSequence
            // Its upstream's interval, as logged: clients that join after the restart still get jitter.
            let stream = resumeLive(
                match, roster: resumed.roster, catalog: resumed.catalog, interval: match.intervalMicroseconds, next: next,
                latest: resumed.latest, origin: .relayed(follower), start: now, summary: &summary)
            slots.append(stream)
            logger.info("Resuming relayed match \(match.matchID) from the match log after sequence \(next &- 1); following it upstream from there.")
        }
        for (feed, resumed) in plan.feeds.sorted(by: { $0.key < $1.key }) {
            let match = resumed.match
            let next = match.firstSequence &+ UInt32(truncatingIfNeeded: match.events)
            // The next events' times count on from the last logged one's (the log keeps times
            // after kick-off as they were streamed, the replay's speed already applied).
            let start = now - .seconds(match.lastAt)
            let stream = resumeLive(
                match, roster: resumed.roster, catalog: resumed.catalog, next: next, latest: resumed.latest, origin: .fed(feed),
                start: start, summary: &summary)
            slots.append(stream)
            logger.info(
                "Resuming match \(match.matchID) from feed \(configuration.feeds[feed]) at byte \(resumed.offset) (event \(match.events), sequence \(next))."
            )
        }
    }

    /// A feed's or a relay's match an earlier run left unfinished, live again at once: its slot
    /// (a feed's interval 0: its events come when they come; a relay's, its upstream's), its
    /// place in its sequence space and its latest event, its original-protocol clients, and its
    /// stream (its events queued from `origin`).
    package func resumeLive(
        _ match: MatchLog.Unfinished, roster: Roster, catalog: PhraseCatalog, interval: UInt32 = 0, next: UInt32, latest: MatchEvent?,
        origin: SourceOrigin, start: ContinuousClock.Instant, summary: inout ServerSummary
    ) -> ScheduledMatch {
        var stream = liveSlot(
            id: match.matchID, roster: roster, catalog: catalog, intervalMicroseconds: interval, next: next, latest: latest,
            logNumber: match.number, origin: origin, start: start, summary: &summary)
        restoreSubscribers(of: match, slot: stream.slot)
        stream.streamed = match.events
        stream.resumed = true
        return stream
    }

    /// Sends a resumed match again to the subscriptions its log kept (within
    /// ``ServerConfiguration/originalResumeWithin``; Spec §4.12), each SoccerStream one its
    /// welcome again at once, and says so.
    package func restoreSubscribers(of match: MatchLog.Unfinished, slot: Int) {
        guard let kept = plan.subscribers[match.number], !kept.isEmpty else { return }
        let (restored, welcomes) = core.restoreSubscribers(kept, slot: slot)
        if !welcomes.isEmpty { send { welcomes } }
        let (originals, keptOriginals) = (restored.filter { $0.delivery == .original }.count, kept.filter { $0.delivery == .original }.count)
        logger.info(
            "Sending match \(match.matchID) again to \(originals) of its \(keptOriginals) original-protocol client(s) and \(restored.count - originals) of its \(kept.count - keptOriginals) SoccerStream subscription(s), kept in the match log."
        )
    }
}
