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
        follower.stopWhenRefused = Set(RefuseReason.allCases)
        follower.multicast = configuration.upstreamMulticast
        follower.subscriberToken = configuration.upstreamToken
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
        defer { core.deliver([ProducerItem(.relayed(index), .closed)]) }
        await follower.run(
            stopped: { core.signals.value.stopped },
            pause: { wait in _ = await core.signals.wait(until: { $0.stopped }, deadline: .now.advanced(by: wait)) },
            running: { client in
                self.upstreamClients.withLock { $0[index] = client }
                // Stopped while it was starting: stop it too.
                if let client, core.signals.value.stopped { client.stop(.terminated) }
            },
            deliver: { core.deliver([ProducerItem.followed($0, follower: index)]) })
    }
}
