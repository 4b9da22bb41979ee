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

// A relay's side of the server (Spec §4.10): following upstream matches, on demand or named, and taking what its upstream clients hand over.
extension StreamServer {
    /// An on-demand relay was asked for `match`: the follower to run for it upstream (once: a
    /// register retried while the subscription is on its way gets nil), and its index.
    package func demandUpstream(_ match: UInt32) -> (index: Int, follower: UpstreamFollower)? {
        guard !core.signals.value.stopped else { return nil }
        guard let index = demanded.withLock({ $0.start(match) }) else { return nil }
        logger.info(
            "Subscribing upstream to \(match == RegisterRequest.anyMatch ? "its first live match" : "match \(match)"), asked for by a client.")
        var follower = UpstreamFollower(
            upstreams: configuration.upstreams, match: match, resumeAfter: nil,
            timeout: configuration.upstreamTimeout, logger: logger)
        follower.stopWhenRefused = true
        follower.multicast = configuration.upstreamMulticast
        return (index, follower)
    }

    /// An on-demand relay's matches whose last client left, or that nobody joined within the
    /// client timeout (the client that asked gave up): their upstream subscriptions end (each
    /// upstream client unregisters; its match then ends here, unwatched).
    package func dropUnwatched() {
        let candidates = demanded.withLock { $0.slots }
        guard !candidates.isEmpty else { return }
        // The client timeout as it is now (a reload may change it).
        let (counts, grace) = core.state.withLock { state in
            (candidates.mapValues { state.matches[$0.slot].subscribers.count }, state.configuration.clientTimeout)
        }
        let drop = demanded.withLock { $0.unwatched(clients: counts, now: .now, grace: grace) }
        for index in drop {
            logger.info("An on-demand match has no client (its last one left, or none joined within \(grace)): unsubscribing upstream.")
            upstreamClients.withLock { $0[index] }?.stop(.terminated)
        }
    }

    /// Follows one upstream match (a relay) and hands the stream loop what comes, in order.
    package func follow(upstream index: Int, with follower: UpstreamFollower) async {
        let core = self.core
        defer { core.deliver(.closed, from: index) }
        await follower.run(
            stopped: { core.signals.value.stopped },
            pause: { wait in _ = await core.signals.wait(until: { $0.stopped }, deadline: .now.advanced(by: wait)) },
            running: { client in
                self.upstreamClients.withLock { $0[index] = client }
                // Stopped while it was starting: stop it too.
                if let client, core.signals.value.stopped { client.stop(.terminated) }
            },
            deliver: { core.deliver($0, from: index) })
    }

    /// Applies one upstream item (a relay): the welcome makes a live match with the upstream's
    /// id, teams, words, interval and place in its sequence space; events queue at once with
    /// their upstream sequence; the end waits for the queue. Returns 1 when the follower closed.
    package func take(
        _ item: UpstreamFollower.Item, from follower: Int, into slots: inout [SlotStream], summary: inout ServerSummary,
        now: ContinuousClock.Instant
    ) -> Int {
        let index = slots.firstIndex { $0.upstream == follower }
        switch item {
        case .welcomed(let welcome, let latest, let next):
            guard index == nil else { return 0 }
            var stream = liveSlot(
                id: welcome.matchID, roster: welcome.roster, catalog: welcome.catalog,
                intervalMicroseconds: welcome.intervalMicroseconds, next: next, latest: latest?.event, logNumber: nil,
                source: .relayed(follower), start: now, summary: &summary)
            slots.append(stream)
            demanded.withLock { $0.live(follower, slot: stream.slot, now: now) }
            logger.info(
                "Relaying match \(welcome.matchID) (\(welcome.roster.home.name) vs \(welcome.roster.away.name)) from upstream, from sequence \(next)."
            )
        case .event(let sequence, let event):
            guard let index else { return 0 }
            slots[index].queue.append((event, now, nil, sequence))
        case .ended(let reason):
            if let index { slots[index].feedEnd = reason }
        case .outage(let lost):
            guard let index else { return 0 }
            let replies = core.state.withLock { $0.setSourceLost(lost, slot: slots[index].slot) }
            logger.info(
                lost
                    ? "Upstream of match \(slots[index].id) lost: \(replies.count) client(s) told (Spec §4.10)."
                    : "Upstream of match \(slots[index].id) back: \(replies.count) client(s) told.")
            send { replies }
        case .closed:
            if let index, slots[index].feedEnd == nil {
                logger.warning("Upstream follower stopped before the end of match \(slots[index].id): it ends as server_shutdown.")
                slots[index].feedEnd = .serverShutdown
            }
            // An on-demand follower: its match may be asked for again (a new subscription).
            let wanted = demanded.withLock { $0.closed(follower) }
            guard let wanted else { return 1 }
            // Never welcomed: the upstream does not carry it; registers for it are refused from now on.
            if index == nil, wanted != RegisterRequest.anyMatch, !stopping {
                core.state.withLock { $0.upstreamRefused(wanted) }
                logger.info("Upstream does not carry match \(wanted): registers for it are refused.")
            }
            return 0
        }
        return 0
    }
}
