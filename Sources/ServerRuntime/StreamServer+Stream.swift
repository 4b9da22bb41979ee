import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import GroupSigning
import Logging
import Match
import MatchStore
import NIOCore
import NIOPosix
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Synchronization
import Wire

#if canImport(Glibc)
import Glibc
#endif

extension StreamServer {
    /// The stream of slot `slot` playing `simulator`'s match (then, with `--matches`, its next seeds).
    package func makeStream(slot: Int, simulator: MatchSimulator) -> SlotStream {
        SlotStream(
            slot: slot, seed: simulator.seed, source: .simulated(simulator), id: simulator.matchID, roster: simulator.roster,
            backToBackLeft: max(1, configuration.matches) - 1, start: ContinuousClock().now)
    }

    /// Streams every match (Spec §4.9): one loop for all of them, simulated and fed, so that the
    /// events of every match due at the same time go out in one trip to the event loop (one flush).
    package func stream() async throws -> ServerSummary {
        var summary = ServerSummary()
        let clock = ContinuousClock()
        let catalog = configuration.language.catalog
        let needed = configuration.waitForClients
        // The same slots, seeds and teams as bind() announced.
        var slots: [SlotStream] = (0..<configuration.simulate).map { slot in
            makeStream(slot: slot, simulator: MatchSimulator(roundSlot: slot, seed: configuration.seed, catalog: catalog))
        }
        // Matches an earlier run left unfinished continue where the log says they were.
        resume(&slots, summary: &summary, now: clock.now)
        core.state.withLock { $0.holdingResets = false }
        var feedsOpen = feeds.count + followers.count
        var feedItemsSeen = 0
        // The version of each slot's subscriptions last written to the match log.
        var subscribersLogged: [Int: Int] = [:]
        // End frames' repeats, scheduled on the event loop so that the stream does not wait for them.
        var endRepeats = channel.eventLoop.makeSucceededVoidFuture()
        if needed > 0 && !slots.isEmpty { logger.info("Waiting for \(needed) client(s) before kick-off.") }
        while !stopping && (slots.contains(where: { $0.phase != .done }) || feedsOpen > 0 || configuration.upstreamOnDemand) {
            // Kick off whatever waits, once enough clients are here.
            if slots.contains(where: { $0.phase == .waiting }) && core.signals.value.clients >= needed {
                for index in slots.indices where slots[index].phase == .waiting {
                    slots[index].phase = .live
                    if slots[index].resumed {
                        // Its next event is due one interval from now, as if it had never stopped.
                        slots[index].start = clock.now - configuration.interval * slots[index].index
                    } else {
                        // A fed match that waited: its queued events keep their times after kick-off.
                        let shift = clock.now - slots[index].start
                        for entry in slots[index].queue.indices { slots[index].queue[entry].due += shift }
                        slots[index].start = clock.now
                        slots[index].index = 0
                    }
                    let (slot, id, seed, roster) = (slots[index].slot, slots[index].id, slots[index].seed, slots[index].roster)
                    core.beginMatch(id: id, slot: slot, resuming: slots[index].resumed)
                    summary.matches += 1
                    let source = slots[index].feed.map { "from feed \(configuration.feeds[$0])" } ?? "(seed \(seed))"
                    logger.info("Kick-off: match \(id) \(source), \(roster.home.name) vs \(roster.away.name), \(clientCount) client(s).")
                }
            }
            // What the feeds brought since the last turn. The count is read before the items are
            // taken, so an item delivered after the take still wakes the wait below.
            feedItemsSeen = core.signals.value.sourceItems
            for item in feeds.isEmpty ? [] : core.takeFeedItems() {
                feedsOpen -= take(item, into: &slots, summary: &summary, now: clock.now)
            }
            for (follower, item) in configuration.upstreams.isEmpty ? [] : core.takeUpstreamItems() {
                feedsOpen -= take(item, from: follower, into: &slots, summary: &summary, now: clock.now)
            }
            // Every match that kicked off is in the match log before its first event.
            if let log {
                for index in slots.indices where slots[index].phase == .live && slots[index].logNumber == nil {
                    let (slot, id, roster) = (slots[index].slot, slots[index].id, slots[index].roster)
                    let language = core.state.withLock { $0.matches[slot].catalog.language }
                    let source =
                        switch slots[index].source {
                        case .simulated: "simulated, seed \(slots[index].seed)"
                        case .relayed: "relayed from \(configuration.upstreams.map(\.description).joined(separator: ", "))"
                        case .fed(let feed): "feed \(configuration.feeds[feed])"
                        }
                    let simulated = slots[index].isSimulated ? (slot: slot, seed: slots[index].seed) : nil
                    let (first, interval) = core.state.withLock { ($0.matches[slot].nextSequence, $0.matches[slot].intervalMicroseconds) }
                    guard
                        let number = await durably(
                            "match \(id)",
                            { () async throws(StreamingError) in
                                try await log.begin(
                                    matchID: id, roster: roster, language: language, source: source, simulated: simulated,
                                    feed: slots[index].feed.flatMap { ResumePlan.feedKey(configuration.feeds[$0]) },
                                    relayed: slots[index].upstream != nil, firstSequence: first, intervalMicroseconds: interval)
                            })
                    else { break }
                    slots[index].logNumber = number
                    core.state.withLock { $0.logged(slot: slot, number: number) }
                }
            }
            // The last feed may have closed just now, with every match over: nothing left to wait for.
            if feedsOpen == 0 && !slots.contains(where: { $0.phase != .done }) && !configuration.upstreamOnDemand { break }
            let waiting = slots.contains { $0.phase == .waiting }
            let seen = feedItemsSeen
            let wake: @Sendable (ServerSignals) -> Bool = { $0.stopped || (waiting && $0.clients >= needed) || $0.sourceItems != seen }
            guard let deadline = slots.filter({ $0.phase == .live }).compactMap({ $0.due(configuration.interval) }).min() else {
                // Nothing due: asleep until enough clients are here, a feed brings a line, or stop().
                await core.signals.wait(until: wake)
                continue
            }
            // Asleep until the next event is due, or woken at once by stop(), a kick-off or a feed.
            if await core.signals.wait(until: wake, deadline: deadline) {
                if stopping { break }
                if clock.now < deadline { continue }
            }
            // Events already due, of every match, go out in one trip to the event loop (up to
            // 64 events, 4,096 datagrams and 1 MiB: enough to amortize the trip, little enough in flight).
            var ready: [(index: Int, event: MatchEvent, due: ContinuousClock.Instant, feedOffset: Int?, sequence: UInt32?)] = []
            var datagrams = 0
            var over: [Int] = []
            for index in slots.indices where slots[index].phase == .live {
                let audience = core.state.withLock { $0.matches[slots[index].slot].subscribers.count }
                while ready.count < Self.maximumBatch && datagrams < Self.maximumBatchDatagrams,
                    let at = slots[index].due(configuration.interval), clock.now >= at
                {
                    guard let event = nextEvent(&slots[index], summary: &summary) else {
                        over.append(index)
                        break
                    }
                    ready.append((index, event, at, slots[index].feedOffset, slots[index].upstreamSequence))
                    datagrams += audience
                    slots[index].index += 1
                }
            }
            // Write-ahead: the events are on disk before any of them is published or sent.
            if let log, !ready.isEmpty {
                // The subscriptions of a match, whenever they changed: they get these events, and a
                // restarted server goes on sending to them (Spec §4.12).
                var kept: [Int: [MatchLog.KeptSubscriber]] = [:]
                for item in ready {
                    let (slot, number) = (slots[item.index].slot, slots[item.index].logNumber ?? 0)
                    guard kept[number] == nil, core.state.withLock({ $0.subscribersVersion(slot: slot) }) != subscribersLogged[slot] else { continue }
                    let (version, subscribers) = core.state.withLock { $0.keptSubscribers(slot: slot) }
                    subscribersLogged[slot] = version
                    kept[number] = subscribers.compactMap(MatchLog.KeptSubscriber.init)
                }
                var next: [Int: UInt32] = [:]
                let entries = ready.map { item -> MatchLog.Entry in
                    let slot = slots[item.index].slot
                    let sequence = item.sequence ?? next[slot] ?? core.state.withLock { $0.matches[slot].nextSequence }
                    next[slot] = sequence &+ 1
                    return MatchLog.Entry(
                        match: slots[item.index].logNumber ?? 0, sequence: sequence, event: item.event,
                        at: (item.due - slots[item.index].start).inSeconds, feedOffset: item.feedOffset)
                }
                guard
                    await durably(
                        "\(entries.count) event(s)",
                        { () async throws(StreamingError) in
                            try await log.append(entries, subscribers: kept)
                        }) != nil
                else { break }
            }
            var batch: [Published] = []
            for item in ready {
                let slot = slots[item.index].slot
                // A relayed event keeps its upstream sequence (one given up upstream is skipped).
                if let sequence = item.sequence { core.state.withLock { $0.advance(slot: slot, to: sequence) } }
                batch.append(try publish(item.event, slot: slot))
            }
            if !batch.isEmpty {
                try await fanOut(batch)
                summary.events += batch.count
                let flushed = clock.now
                for item in ready { core.metrics.eventLag(flushed - item.due) }
            }
            if !over.isEmpty {
                // With --loop, a simulated match that ends is replaced by the next (seed + 1),
                // announced at once and kicked off once enough clients are here.
                let nextStreams: [SlotStream?] = over.map { index in
                    let stream = slots[index]
                    guard configuration.loop && !stopping && stream.isSimulated else { return nil }
                    var next = makeStream(
                        slot: stream.slot, simulator: MatchSimulator(seed: stream.seed &+ 1, roster: stream.roster, catalog: catalog))
                    next.phase = .waiting
                    return next
                }
                // Every match that ended in this turn ends in the same trips.
                try await finish(
                    zip(over, nextStreams).map { index, next in
                        Ending(reason: slots[index].endReason, slot: slots[index].slot, next: next?.id, logNumber: slots[index].logNumber)
                    }, repeats: &endRepeats)
                for (index, next) in zip(over, nextStreams) {
                    logger.info("Match \(slots[index].id) over (\(slots[index].endReason.name)): \(slots[index].index) events streamed.")
                    if let next {
                        slots[index] = next
                    } else {
                        slots[index].phase = .done
                    }
                }
            }
        }
        // Stopped: whoever is still subscribed learns the stream is over (also before kick-off).
        let unfinished = slots.filter { $0.phase != .done }
        try await finish(unfinished.map { Ending(reason: .serverShutdown, slot: $0.slot, next: nil, logNumber: $0.logNumber) }, repeats: &endRepeats)
        for stream in unfinished where stream.phase == .live {
            logger.info("Match \(stream.id) over (server_shutdown): \(stream.index) events streamed.")
        }
        // The ends' repeats still on the event loop's timer go out before the summary (and the socket closes).
        try await endRepeats.get()
        if !stopping && configuration.repairGrace > .zero {
            // The last events are the last a client can miss: answer their NACKs a little longer.
            logger.info("Answering repair requests for \(configuration.repairGrace) before exiting.")
            await core.signals.wait(until: { $0.stopped }, deadline: .now.advanced(by: configuration.repairGrace))
        }
        core.housekeeping()
        summary.datagramsSent = sent.value
        if let groupSender { (summary.groupSent, summary.groupDropped) = groupSender.figures }
        (summary.rejects, summary.encodingFailures) = core.totals
        (summary.repairsSent, summary.unavailableSent, summary.originalBudgetDropped, summary.originalBudgetDroppedBytes, summary.resetsSent) = core
            .state.withLock {
                ($0.repairsSent, $0.unavailableSent, $0.originalBudget.droppedDatagrams, $0.originalBudget.droppedBytes, $0.resetsSent)
            }
        logger.info(
            "Totals: \(summary.matches) match(es), \(summary.events) events, \(summary.datagramsSent) datagrams sent, \(summary.repairsSent) events sent again on request, \(summary.unavailableSent) answered unavailable."
        )
        if summary.resetsSent > 0 {
            logger.info("Resets: \(summary.resetsSent) sent to clients of subscriptions this server does not hold (they register again).")
        }
        if summary.originalBudgetDropped > 0 {
            logger.info(
                "Original-protocol byte budget: \(summary.originalBudgetDropped) datagram(s), \(summary.originalBudgetDroppedBytes) bytes not sent.")
        }
        if groupSender != nil {
            logger.info(
                "Multicast: \(summary.groupSent) signed group events sent\(summary.groupDropped > 0 ? ", \(summary.groupDropped) dropped on purpose (--group-loss)" : "")."
            )
        }
        for (reason, count) in summary.rejects.sorted(by: { $0.key < $1.key }) {
            logger.info("Rejected datagrams: \(count) × \(reason)")
        }
        for (what, count) in summary.encodingFailures.sorted(by: { $0.key < $1.key }) {
            logger.error("Datagrams not sent because they failed to encode: \(count) × \(what)")
        }
        return summary
    }
}
