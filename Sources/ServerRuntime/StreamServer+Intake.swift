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
    /// The next event of a live stream, or nil when its match is over (a simulated match whose
    /// simulator ran out, after any back-to-back matches; a feed never gets here empty).
    package func nextEvent(_ stream: inout SlotStream, summary: inout ServerSummary) -> MatchEvent? {
        guard case .simulated(var simulator) = stream.source else {
            guard !stream.queue.isEmpty else {
                // The feed's end (it is due only once the queue is empty and the end known).
                stream.endReason = stream.feedEnd ?? .abandoned
                return nil
            }
            let (event, _, end, sequence) = stream.queue.removeFirst()
            stream.feedOffset = end
            stream.upstreamSequence = sequence
            return event
        }
        defer { stream.source = .simulated(simulator) }
        while true {
            if let event = simulator.next() { return event }
            if let reason = simulator.endReason, reason != .fullTime { stream.endReason = reason }
            guard stream.backToBackLeft > 0 && stream.endReason == .fullTime else { return nil }
            // The next match of the same stream: clients stay, sequence numbers run on.
            stream.backToBackLeft -= 1
            stream.seed &+= 1
            simulator = MatchSimulator(seed: stream.seed, roster: stream.roster, catalog: configuration.language.catalog)
            stream.id = simulator.matchID
            core.beginMatch(id: stream.id, slot: stream.slot)
            // Logged as one record with the match before it (sequence numbers run on).
            if let number = stream.logNumber { core.state.withLock { $0.logged(slot: stream.slot, number: number) } }
            summary.matches += 1
            logger.info("Kick-off: match \(stream.id) (seed \(stream.seed)), \(clientCount) client(s).")
        }
    }

    /// Applies one feed item: line-ups make a new live match, events queue for their time, the
    /// end waits for the queue; bad lines are logged (Spec/FEED.md). Returns 1 when the feed closed.
    package func take(
        _ item: FeedItem, into slots: inout [SlotStream], summary: inout ServerSummary,
        now: ContinuousClock.Instant
    ) -> Int {
        let name = configuration.feeds[item.feed]
        let index = slots.firstIndex { $0.feed == item.feed }
        switch item.content {
        case .output(.lineups(let roster, let catalog, let first)):
            let id = core.state.withLock { state in
                var id = FeedMatchID.make(feed: item.feed, roster: roster)
                while id == 0 || state.matches.contains(where: { $0.id == id }) { id &+= 1 }
                return id
            }
            let slot = core.state.withLock { $0.addMatch(id: id, roster: roster, catalog: catalog, paced: false) }
            var stream = SlotStream(slot: slot, seed: 0, source: .fed(item.feed), id: id, roster: roster, backToBackLeft: 0, start: now)
            if let first { stream.queue.append((first, now, item.end, nil)) }
            core.signals.update { $0.matches += 1 }
            // --wait-for-clients holds a fed match's kick-off like any other (the loop kicks it off).
            if core.signals.value.clients >= configuration.waitForClients {
                core.beginMatch(id: id, slot: slot)
                summary.matches += 1
                stream.phase = .live
                logger.info("Kick-off: match \(id) from feed \(name), \(roster.home.name) vs \(roster.away.name), \(clientCount) client(s).")
            } else {
                logger.info(
                    "Match \(id) from feed \(name), \(roster.home.name) vs \(roster.away.name): waiting for \(configuration.waitForClients) client(s) before kick-off."
                )
            }
            slots.append(stream)
        case .output(.event(let event, let at)):
            guard let index else { return 0 }
            // `at` is the pacing's (FeedPacing): seconds after kick-off at the replay's speed, or nil for at once.
            let due = at.map { max(now, slots[index].start.advanced(by: .seconds($0))) } ?? now
            slots[index].queue.append((event, due, item.end, nil))
        case .output(.end(let reason)):
            if let index { slots[index].feedEnd = reason }
        case .output(.blank):
            break
        case .bad(let error, let stopping):
            logger.error("Feed \(name): \(error)\(stopping ? "; the feed stops here (--on-bad-line stop)" : "; line skipped")")
            summary.badFeedLines += 1
            if summary.firstFeedProblems[item.feed] == nil { summary.firstFeedProblems[item.feed] = "\(error)" }
        case .unreadable(let why):
            logger.error("Feed \(name) cannot be read any further: \(why).")
            if summary.firstFeedProblems[item.feed] == nil { summary.firstFeedProblems[item.feed] = "cannot be read: \(why)" }
        case .closed:
            if let index, slots[index].feedEnd == nil {
                logger.warning("Feed \(name) closed without an end line: match \(slots[index].id) ends as abandoned.")
                slots[index].feedEnd = .abandoned
            } else if index == nil {
                logger.warning("Feed \(name) closed before its line-ups: no match.")
                summary.feedsWithoutMatch.append((name, summary.firstFeedProblems[item.feed]))
            }
            return 1
        }
        return 0
    }

    /// The most due events written in one trip to the event loop.
    package static let maximumBatch = 64

    /// Runs a match-log write until it succeeds: when it fails, says so and retries every
    /// second, the stream paused meanwhile (never unlogged streaming); nil when the server is
    /// stopped before the write succeeds.
    package func durably<T>(_ what: String, _ write: () async throws(StreamingError) -> T) async -> T? {
        var failures = 0
        while !stopping {
            do {
                let value = try await write()
                if failures > 0 { logger.warning("The match log is written again (\(what)); streaming resumes.") }
                return value
            } catch {
                failures += 1
                if failures == 1 { logger.error("\(error); streaming is paused until the match log can be written.") }
                await core.signals.wait(until: { $0.stopped }, deadline: .now.advanced(by: .seconds(1)))
            }
        }
        return nil
    }

    /// A match to end: why, its slot, and the match that replaces it there (with `--loop`).
    package struct Ending {
        package var reason: EndReason
        package var slot: Int
        package var next: UInt32?
        /// The match's number in the match log, if logged.
        package var logNumber: Int?
    }

    /// Ends `endings`' matches together: their end frames go out in one trip now, then
    /// `endRepeats − 1` more times 20 ms apart (UDP loses packets) on the event loop's timer,
    /// without holding up the stream (the other matches' events keep their times); those
    /// repeats are joined to `repeats`, which the stream waits for before it closes.
    package func finish(_ endings: [Ending], repeats: inout EventLoopFuture<Void>) async throws {
        // The end is history before anyone hears of it (a match that ended is never resumed).
        if let log {
            for ending in endings {
                guard let number = ending.logNumber else { continue }
                do {
                    try await log.end(number, reason: ending.reason)
                } catch {
                    // Ends still go out: the clients must learn the stream is over. The log keeps the match as unfinished.
                    logger.error("\(error); match #\(number) stays unfinished in the log.")
                }
            }
        }
        let ends = endings.flatMap { core.finish($0.reason, slot: $0.slot, next: $0.next) }
        guard !ends.isEmpty else { return }
        let write: @Sendable (ServerChannelHandler) -> Void = { handler in
            for (subscriber, bytes) in ends {
                handler.write(bytes, subscription: nil, to: subscriber.datagramAddress)
            }
        }
        try await deliver(write)
        let later = (1..<max(1, configuration.endRepeats)).map { round in schedule(after: .milliseconds(20 * Int64(round)), write) }
        // One future for all of them, so a long --loop run holds none that has completed.
        repeats = EventLoopFuture.andAllSucceed([repeats] + later, on: channel.eventLoop)
        for (subscriber, _) in ends {
            logger.info("Sent end of transmission to client \(subscriber.address.display) (\(subscriber.delivery.rawValue)).")
        }
    }
}
