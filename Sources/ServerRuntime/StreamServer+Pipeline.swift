import Logging
import Match
import MatchStore
import NIOCore
import RuntimeSupport
import ServerEngine
import Wire

// The publishing pipeline: what the scheduler found due goes to the match log (write-ahead),
// then into the state (sequence numbers, repair ring, latest event), then out to the clients.
extension StreamServer {
    /// Writes every live match not yet in the match log to it (before its first event); false
    /// when the server stopped before the log could be written.
    package func logKickedOff(_ turn: inout StreamTurn) async -> Bool {
        guard let log else { return true }
        for index in turn.scheduler.matches.indices
        where turn.scheduler.matches[index].phase == .live && turn.scheduler.matches[index].logNumber == nil {
            let match = turn.scheduler.matches[index]
            let (language, first, interval) = core.state.withLock {
                ($0.matches[match.slot].catalog.language, $0.matches[match.slot].nextSequence, $0.matches[match.slot].intervalMicroseconds)
            }
            let (source, feed, relayed): (String, String?, Bool) =
                switch match.source.origin {
                case .simulated: ("simulated, seed \(match.seed ?? 0)", nil, false)
                case .relayed: ("relayed from \(configuration.upstreams.map(\.description).joined(separator: ", "))", nil, true)
                case .fed(let feed): ("feed \(configuration.feeds[feed])", ResumePlan.feedKey(configuration.feeds[feed]), false)
                }
            let simulated = match.seed.map { (slot: match.slot, seed: $0) }
            guard
                let number = await durably(
                    "match \(match.id)",
                    { () async throws(StreamingError) in
                        try await log.begin(
                            matchID: match.id, roster: match.roster, language: language, source: source, simulated: simulated, feed: feed,
                            relayed: relayed, firstSequence: first, intervalMicroseconds: interval, joined: match.joined)
                    })
            else { return false }
            turn.scheduler.matches[index].logNumber = number
            core.state.withLock { $0.logged(slot: match.slot, number: number) }
        }
        return true
    }

    /// Carries what is due through the pipeline: its events written ahead to the match log,
    /// then, in order, each event into the state and a datagram for each recipient (a
    /// simulated stream's next match begins between its last event and its first), all sent in
    /// one trip. False when the server stopped before the log could be written.
    package func publish(_ due: DueOutputs, turn: inout StreamTurn) async throws -> Bool {
        guard !due.items.isEmpty else { return true }
        guard await writeAhead(due, turn: &turn) else { return false }
        var batch: [Published] = []
        batch.reserveCapacity(due.events)
        for item in due.items {
            switch item.output {
            case .event(let event, let position):
                let slot = turn.scheduler.matches[item.index].slot
                // A relayed event keeps its upstream sequence (one given up upstream is skipped).
                if let sequence = position.upstreamSequence { core.state.withLock { $0.advance(slot: slot, to: sequence) } }
                batch.append(try publish(event, slot: slot))
            case .opened:
                let match = turn.scheduler.matches[item.index]
                // The next match of the same stream: clients stay, sequence numbers run on; it is
                // logged as one record with the match before it.
                core.beginMatch(id: match.id, slot: match.slot)
                if let number = match.logNumber { core.state.withLock { $0.logged(slot: match.slot, number: number) } }
                turn.summary.matches += 1
                logger.info("Kick-off: match \(match.id) (seed \(match.seed ?? 0)), \(clientCount) client(s).")
            case .outage(let lost):
                sourceOutage(lost: lost, of: turn.scheduler.matches[item.index])
            case .ended:
                break
            }
        }
        guard !batch.isEmpty else { return true }
        try await fanOut(batch)
        turn.summary.events += batch.count
        let flushed = ContinuousClock().now
        for item in due.items {
            if case .event = item.output { core.metrics.eventLag(flushed - item.due) }
        }
        return true
    }

    /// Write-ahead: the due events are on disk before any of them is published or sent, with
    /// the subscriptions of each match whenever they changed: they get these events, and a
    /// restarted server goes on sending to them (Spec §4.12). False when stopped first.
    private func writeAhead(_ due: DueOutputs, turn: inout StreamTurn) async -> Bool {
        guard let log, due.events > 0 else { return true }
        var kept: [Int: [MatchLog.KeptSubscriber]] = [:]
        var next: [Int: UInt32] = [:]
        var entries: [MatchLog.Entry] = []
        entries.reserveCapacity(due.events)
        for item in due.items {
            guard case .event(let event, let position) = item.output else { continue }
            let match = turn.scheduler.matches[item.index]
            let (slot, number) = (match.slot, match.logNumber ?? 0)
            if kept[number] == nil, core.state.withLock({ $0.subscribersVersion(slot: slot) }) != turn.subscribersLogged[slot] {
                let (version, subscribers) = core.state.withLock { $0.keptSubscribers(slot: slot) }
                turn.subscribersLogged[slot] = version
                kept[number] = subscribers.compactMap(MatchLog.KeptSubscriber.init)
            }
            let sequence = position.upstreamSequence ?? next[slot] ?? core.state.withLock { $0.matches[slot].nextSequence }
            next[slot] = sequence &+ 1
            entries.append(
                MatchLog.Entry(
                    match: number, sequence: sequence, event: event, at: (item.due - match.start).inSeconds, feedOffset: position.feedOffset))
        }
        return await durably("\(entries.count) event(s)", { () async throws(StreamingError) in try await log.append(entries, subscribers: kept) })
            != nil
    }

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
                await core.signals.wait(until: { $0.stopped }, deadline: NIODeadline.now() + .seconds(1), timer: channel.eventLoop)
                // The stream loop, paused here, runs the housekeeping meanwhile: clients still time out.
                housekeepIfDue()
            }
        }
        return nil
    }

    /// A match's source went silent (`lost`) or is heard again: its clients are told (Spec §4.10).
    package func sourceOutage(lost: Bool, of match: ScheduledMatch) {
        let replies = core.state.withLock { $0.setSourceLost(lost, slot: match.slot) }
        logger.info(
            lost
                ? "Upstream of match \(match.id) lost: \(replies.count) client(s) told (Spec §4.10)."
                : "Upstream of match \(match.id) back: \(replies.count) client(s) told.")
        send { replies }
    }
}
