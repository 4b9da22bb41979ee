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
import Synchronization
import Wire

/// What the server's tasks wait on: a stop request and the number of subscribed clients.
package struct ServerSignals: Sendable {
    /// ``StreamServer/stop()`` was called.
    package var stopped = false
    /// Subscribed clients.
    package var clients = 0
    /// Feed and upstream items delivered so far (the stream loop wakes when it changes).
    package var sourceItems = 0
    /// Matches announced (simulated ones at bind, a feed's when its line-ups arrive).
    package var matches = 0
}

/// The server's shared state and its logging: ``ServerState`` under a lock, the signals its
/// tasks wait on, and the rejects summary. The channel handler calls ``answer(_:from:)`` for
/// every datagram; the stream and the housekeeping use the rest.
/// Something the server's state asked for beyond its replies (``ServerCore/actions``).
package enum ServerAction: Sendable {
    /// Read these events of a logged match for a NACK the repair ring could not answer.
    case readLog(ServerState.LogLookup)
    /// An on-demand relay: follow this upstream match, a client asked for it.
    case followUpstream(UInt32)
}

package final class ServerCore: Sendable {
    package let state: Mutex<ServerState>
    package let signals = Watch(ServerSignals())
    private let logger: Logger
    /// The server's metrics (notices are counted where they are logged).
    package let metrics: ServerMetrics
    private let recentRejects = Mutex<[String: Int]>([:])
    /// The original budget's drops already reported (datagrams, bytes).
    private let reportedDrops = Mutex((datagrams: 0, bytes: 0))
    /// For each match id some slot holds, the slot whose subscriber gauges were last recorded
    /// for it and that slot's ``LiveMatch/subscribersVersion`` then; held across a refresh, so
    /// that two refreshes (housekeeping and a scrape) do not record out of order.
    private let recordedVersions = Mutex<[UInt32: (slot: Int, version: Int)]>([:])
    private let producerInbox = Mutex<[ProducerItem]>([])
    /// The server's log file, whose lines a read burst writes at once (``ReadBursts``).
    private let logFile = Mutex<LogFile?>(nil)
    /// The client count after the last datagram of the read burst being answered; -1 when
    /// none was answered since the last note. The watchers of ``signals`` are told once per
    /// burst, when it ends (``burstEnded()``), not after each of its datagrams.
    private let burstClients = Atomic<Int>(-1)
    /// What the state decided that answering a datagram cannot do on the event loop: read the
    /// match log for a NACK, follow an upstream match a client asked for. The server's driver
    /// (``StreamServer/performActions()``) carries them out in its task tree, in order.
    package let actions: AsyncStream<ServerAction>
    private let actionSink: AsyncStream<ServerAction>.Continuation

    package init(configuration: ServerConfiguration, logger: Logger, metrics: ServerMetrics) {
        state = Mutex(ServerState(configuration: configuration))
        self.logger = logger
        self.metrics = metrics
        (actions, actionSink) = AsyncStream.makeStream(of: ServerAction.self)
    }

    /// Writes the lines logged while answering a read burst to `file` at once, at the burst's end.
    package func batchLogLines(to file: LogFile) {
        logFile.withLock { $0 = file }
    }

    /// Sets the subscriber gauges from the state (each housekeeping tick, and whenever a reader
    /// of the metrics wants them exact).
    package func refreshSubscriberMetrics() {
        // Only the matches whose subscriptions changed since they were last recorded: a server
        // holding 100 matches recorded 500 gauges a second, about a twentieth of its CPU at the
        // real pace (docs/BENCHMARKS.md).
        recordedVersions.withLock { recorded in
            let (changed, held, dropped) = state.withLock { state in
                var changed: [(id: UInt32, slot: Int, version: Int, counts: [Delivery: Int])] = []
                // An id's latest slot is the one its gauges show: a relay that follows a match
                // again after it ended holds it in a second slot. Fields are read in place: a
                // closure over the matches would copy each one.
                var seen = Set<UInt32>()
                for slot in state.matches.indices.reversed() where seen.insert(state.matches[slot].id).inserted {
                    let id = state.matches[slot].id
                    let version = state.matches[slot].subscribersVersion
                    if let last = recorded[id], last.slot == slot, last.version == version { continue }
                    changed.append((id, slot, version, state.matches[slot].deliveryCounts))
                }
                return (changed, seen, (datagrams: state.originalBudget.droppedDatagrams, bytes: state.originalBudget.droppedBytes))
            }
            if !changed.isEmpty {
                metrics.recordSubscribers(changed.map { (id: $0.id, counts: $0.counts) })
                for match in changed { recorded[match.id] = (match.slot, match.version) }
            }
            // A match no slot holds any more (its slot took the next match) leaves the metrics.
            if recorded.count > held.count {
                let gone = recorded.keys.filter { !held.contains($0) }
                for id in gone { recorded[id] = nil }
                metrics.forgetSubscribers(gone)
            }
            metrics.originalBudgetDropped(datagrams: dropped.datagrams, bytes: dropped.bytes)
        }
        metrics.refreshLogFailures()
    }

    /// Says, once per housekeeping tick that saw some, how many datagrams to original-protocol
    /// clients the byte budget held back (``OriginalBudget``).
    private func reportOriginalDrops() {
        let (budget, now) = state.withLock { ($0.originalBudget, ($0.originalBudget.droppedDatagrams, $0.originalBudget.droppedBytes)) }
        let (datagrams, bytes) = reportedDrops.withLock { reported in
            defer { reported = (now.0, now.1) }
            return (now.0 - reported.datagrams, now.1 - reported.bytes)
        }
        guard datagrams > 0 else { return }
        logger.warning(
            "Original-protocol byte budget: \(datagrams) datagram(s), \(bytes) bytes to unvalidated original clients not sent since the last report (budget \(budget.settings.perPrefix) bytes/s per /24 or /56, \(budget.settings.total) bytes/s in all; --original-budget, --original-budget-total)."
        )
    }

    package var clientCount: Int { state.withLock { $0.clientCount } }

    /// Rejects and encoding failures so far.
    package var totals: (rejects: [String: Int], encodingFailures: [String: Int]) {
        state.withLock { ($0.rejects, $0.encodingFailures) }
    }

    /// Answers one datagram of a read burst (on the event loop, between ``burstBegan()`` and
    /// ``burstEnded()``): the replies to send; logs what happened. Whoever waits for the client
    /// count is woken when the burst ends.
    package func answer(_ bytes: [UInt8], from address: SocketAddress) -> [ServerState.Reply] {
        let (replies, notices, count) = state.withLock { state in
            let (replies, notices) = state.handle(bytes, from: address)
            return (replies, notices, state.clientCount)
        }
        for notice in notices { log(notice, bytes: bytes.count) }
        burstClients.store(count, ordering: .relaxed)
        return replies
    }

    /// Answers the part of a NACK that the log was read for: the replies to send.
    package func answerFromLog(_ lookup: ServerState.LogLookup, events: [UInt32: MatchEvent]) -> [ServerState.Reply] {
        let (replies, notices) = state.withLock { $0.answerFromLog(lookup, events: events) }
        for notice in notices { log(notice, bytes: 0) }
        return replies
    }

    /// Hands what a feed's reader or an upstream follower produced to the stream loop, and wakes it.
    package func deliver(_ items: [ProducerItem]) {
        guard !items.isEmpty else { return }
        producerInbox.withLock { $0.append(contentsOf: items) }
        signals.update { $0.sourceItems += 1 }
    }

    /// The producers' items delivered since the last call, in order.
    package func takeProducerItems() -> [ProducerItem] {
        producerInbox.withLock { items in
            defer { items.removeAll() }
            return items
        }
    }

    package func beginMatch(id: UInt32, slot: Int, resuming: Bool = false) {
        state.withLock { $0.beginMatch(id: id, slot: slot, resuming: resuming) }
    }

    /// Subscribes again the subscriptions the match log kept for slot `slot`'s resumed match;
    /// returns those restored.
    package func restoreSubscribers(_ kept: [Subscriber], slot: Int) -> (restored: [Subscriber], replies: [ServerState.Reply]) {
        let (result, count) = state.withLock { state in (state.restoreSubscribers(kept, slot: slot), state.clientCount) }
        for notice in result.notices { log(notice, bytes: 0) }
        noteClients(count)
        return (result.restored, result.replies)
    }

    /// Slot `slot`'s match continues one that began upstream (``ServerState/continueMatch(slot:nextSequence:latest:)``).
    package func continueMatch(slot: Int, nextSequence: UInt32, latest: MatchEvent?) {
        let notices = state.withLock { $0.continueMatch(slot: slot, nextSequence: nextSequence, latest: latest) }
        for notice in notices { log(notice, bytes: 0) }
    }

    /// Continues slot `slot`'s match from the match log (``ServerState/resume(slot:nextSequence:logNumber:latest:)``).
    package func resume(slot: Int, nextSequence: UInt32, logNumber: Int, latest: MatchEvent?) {
        let notices = state.withLock { $0.resume(slot: slot, nextSequence: nextSequence, logNumber: logNumber, latest: latest) }
        for notice in notices { log(notice, bytes: 0) }
    }

    /// The end datagrams of slot `slot`'s match; its clients are then unsubscribed.
    package func finish(_ reason: EndReason, slot: Int, next: UInt32? = nil) -> [(Subscriber, ByteBuffer)] {
        let (ends, notices, count) = state.withLock { state in
            let (ends, notices) = state.finish(reason, slot: slot, next: next)
            return (ends, notices, state.clientCount)
        }
        for notice in notices { log(notice, bytes: 0) }
        noteClients(count)
        return ends
    }

    private func noteClients(_ count: Int) {
        guard signals.value.clients != count else { return }
        signals.update { $0.clients = count }
    }

    /// Logs the rejects of the last period in one line (a flood must not flood the log too),
    /// drops clients silent past the timeout, and cuts off subscribers whose tokens have
    /// expired: returns what tells them so.
    package func housekeeping() -> [ServerState.Reply] {
        let rejected = recentRejects.withLock { counts in
            defer { counts = [:] }
            return counts
        }
        if !rejected.isEmpty {
            let total = rejected.values.reduce(0, +)
            let detail = rejected.sorted { $0.value > $1.value }.prefix(6).map { "\($0.value) × \($0.key)" }.joined(separator: ", ")
            logger.info("Rejected \(total) datagram(s) since the last report: \(detail)")
        }
        let (expired, cut, rotated, epochs, count) = state.withLock { state in
            let before = state.groupKeys?.epoch
            let (expired, cut, rotated) = (state.expire(), state.cutOffFallen(), state.rotateGroupKeyIfDue())
            return (expired, cut, rotated, (before, state.groupKeys?.epoch), state.clientCount)
        }
        for notice in expired + cut.notices + rotated.notices { log(notice, bytes: 0) }
        if let before = epochs.0, let after = epochs.1, before != after {
            logger.info(
                "Group key rotated: epoch \(after) (was \(before)); \(cut.replies.count + rotated.replies.count) datagram(s) to sealed subscribers.")
        }
        noteClients(count)
        reportOriginalDrops()
        refreshSubscriberMetrics()
        return cut.replies + rotated.replies
    }

    /// Takes a reloaded revocation list: cuts off the subscribers it revokes, logs them, and
    /// returns what tells them so.
    package func applyRevocations(_ list: RevocationList) -> [ServerState.Reply] {
        let (result, count) = state.withLock { state in (state.applyRevocations(list), state.clientCount) }
        for notice in result.notices { log(notice, bytes: 0) }
        noteClients(count)
        return result.replies
    }

    private func log(_ notice: ServerState.Notice, bytes: Int) {
        metrics.record(notice)
        switch notice {
        case .registered(let subscriber, let count, let repeated):
            if repeated {
                logger.info("Received repeated register from \(subscriber.address.display); welcome sent again (\(subscriber.delivery.rawValue)).")
            } else {
                let display = subscriber.address.display  // formatted once for both lines
                logger.info("Received register of address \(display) on socket.")
                logger.info("Registering client \(display) (\(subscriber.delivery.rawValue)).")
            }
            logger.info("Number of clients registered: \(count)")
        case .unregistered(let address, let delivery, let count):
            logger.info("Received unregister of address \(address.display) on socket.")
            logger.info("Unregistering client \(address.display) (\(delivery.rawValue)).")
            logger.info("Number of clients registered: \(count)")
        case .refused(let address, let refusal):
            logger.info("Refused \(address.display): \(refusal.reason.name): \(refusal.text)")
        case .originalRefused(let address, let reason):
            logger.info("Ignored original-protocol register from \(address.display): \(reason)")
        case .rejected(let address, let reason):
            recentRejects.withLock { $0[reason, default: 0] += 1 }
            logger.debug("Rejected \(bytes)-byte datagram from \(address.display): \(reason)")
        case .challenged(let address):
            logger.debug("Sent an address challenge to \(address.display).")
        case .listed(let address, let count):
            logger.info("Sent the list of matches (\(count) in this page) to \(address.display).")
        case .timedOut(let subscriber, let silence):
            logger.info("Dropped client \(subscriber.address.display) (\(subscriber.delivery.rawValue)): silent for \(Int(silence)) s.")
            logger.info("Number of clients registered: \(clientCount)")
        case .repaired(let address, let sent, let unavailable, let overBudget):
            logger.debug("Repair for \(address.display): \(sent) sent again, \(unavailable) unavailable, \(overBudget) over budget.")
        case .encodingFailed(let what, let address, let error):
            logger.error("Not sent: the \(what)\(address.map { " for \($0.display)" } ?? "") failed to encode: \(error)")
        case .lookUp(let lookup):
            logger.debug(
                "Repair for \(lookup.address.display): reading \(lookup.sequences.sequences.count) event(s) of match \(lookup.matchID) from the match log."
            )
            actionSink.yield(.readLog(lookup))
        case .wanted(let match):
            actionSink.yield(.followUpstream(match))
        case .cutOff(let subscriber, let refusal, let count):
            logger.info("Cut off client \(subscriber.address.display) (\(subscriber.delivery.rawValue)): \(refusal.text)")
            logger.info("Number of clients registered: \(count)")
        case .reset(let address, let what):
            // Rate-limited, and counted in the totals: a line each only at debug (a flood of forged ones stays out of the log).
            logger.debug("Sent a reset to \(address.display): a \(what) under a subscription this server does not hold (Spec §4.12).")
        }
    }
}

extension ServerCore: ReadBursts {
    package func burstBegan() {
        logFile.withLock { $0 }?.beginBatch()
    }

    package func burstEnded() {
        logFile.withLock { $0 }?.endBatch()
        let count = burstClients.exchange(-1, ordering: .relaxed)
        if count >= 0 { noteClients(count) }
    }
}
