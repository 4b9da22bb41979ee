import ClientEngine
import ClientRuntime
import Logging
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Synchronization
import WebEngine
import Wire

/// The gateway's upstream side: like a relay's, one ``UpstreamFollower`` per match (a compact,
/// repairing, reconnecting client of the stream), each handing the hub its match's welcome and
/// events in sequence order. Without `--match` it follows every match the upstream lists, asking
/// for the list again every ``WebGatewayConfiguration/listEvery`` to find new ones.
final class UpstreamMatches: Sendable {
    let configuration: WebGatewayConfiguration
    let hub: GatewayHub
    let logger: Logger
    /// The upstream client each follower runs now, so that a stop reaches them.
    let clients = Mutex<[UInt32: StreamClient]>([:])
    /// The matches followed now: a follower that stopped (its match over, refused, or its
    /// upstream gone) leaves, so that a later listing that still shows its match follows it again.
    let following = Mutex<Set<UInt32>>([])

    init(configuration: WebGatewayConfiguration, hub: GatewayHub, logger: Logger) {
        (self.configuration, self.hub, self.logger) = (configuration, hub, logger)
    }

    /// Follows until cancelled (the gateway stops).
    func run() async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                func follow(_ matches: [UInt32]) {
                    for match in matches where self.following.withLock({ $0.insert(match).inserted }) {
                        group.addTask { await self.follow(match) }
                    }
                }
                guard configuration.matches.isEmpty else { return follow(configuration.matches) }
                while !Task.isCancelled {
                    follow(await listed())
                    do {
                        try await Task.sleep(for: configuration.listEvery)
                    } catch {
                        return  // cancelled: the gateway stops
                    }
                }
            }
        } onCancel: {
            for client in clients.withLock({ Array($0.values) }) { client.stop(.terminated) }
        }
    }

    /// The matches the upstream lists now, waiting or live (an ended one has nothing left to
    /// follow); none, with a log line, when it does not answer.
    private func listed() async -> [UInt32] {
        var list = ClientConfiguration()
        list.server = configuration.upstream.host
        list.port = configuration.upstream.port
        list.registerAttempts = 3
        do {
            return try await MatchLister.list(configuration: list, logger: logger).filter { $0.status != .ended }.map(\.id)
        } catch {
            logger.warning("Upstream \(configuration.upstream) gave no list of matches: \(error); asking again in \(configuration.listEvery).")
            return []
        }
    }

    /// Follows match `id` until it ends upstream (or the gateway stops).
    private func follow(_ id: UInt32) async {
        var follower = UpstreamFollower(
            upstreams: [configuration.upstream], match: id, resumeAfter: nil, timeout: configuration.upstreamTimeout, logger: logger)
        // A match the upstream no longer carries is not asked for again and again; a passing
        // refusal (rate limited, server full) is tried again.
        follower.stopWhenRefused = [.unknownMatch]
        follower.subscriberToken = configuration.subscriberToken
        let hub = self.hub
        await follower.run(
            stopped: { Task.isCancelled },
            pause: { wait in try? await Task.sleep(for: wait) },  // cancelled: the loop sees it and ends
            running: { client in
                self.clients.withLock { $0[id] = client }
                if let client, Task.isCancelled { client.stop(.terminated) }
            },
            deliver: { item in
                switch item {
                case .welcomed(let welcome, let latest, _):
                    // The follower registered for match `id`: its welcome is that match's.
                    if welcome.matchID != id { self.logger.warning("Upstream welcomed match \(welcome.matchID) for match \(id); shown as \(id).") }
                    hub.apply(.welcomed(id: id, roster: welcome.roster, catalog: welcome.catalog, latest: latest))
                case .event(let sequence, let event): hub.apply(.event(id: id, sequence: sequence, event))
                case .ended(let reason): hub.apply(.ended(id: id, reason))
                case .outage(let lost): hub.apply(.outage(id: id, lost))
                case .closed: break
                }
            })
        clients.withLock { $0[id] = nil }
        following.withLock { _ = $0.remove(id) }
        logger.info("Stopped following match \(id) upstream.")
    }
}
