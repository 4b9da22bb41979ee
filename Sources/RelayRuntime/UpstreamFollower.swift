import ClientEngine
import ClientRuntime
import Logging
import Match
import RuntimeSupport
import ServerEngine
import Synchronization
import Wire

/// Follows one match of an upstream server for a relay (issue 15): upstream, the relay is a
/// normal client (compact, repairing, registering again after silence), and every event it
/// holds, in sequence order (first time or repaired), goes to the relay's stream loop with its
/// upstream sequence number. When an upstream stays silent through a reconnect window, the next
/// one listed takes over (failover, round robin), owing every event after the last one passed
/// on: nothing is skipped and nothing is passed on twice.
package struct UpstreamFollower: Sendable {
    /// What the follower hands the relay's stream loop.
    package enum Item: Sendable {
        /// The match: its welcome (teams, words, interval), its latest event if any, and the
        /// sequence of the first event to come.
        case welcomed(Welcome, latest: (sequence: UInt32, event: MatchEvent)?, next: UInt32)
        /// The next event, in sequence order (a given-up one is skipped).
        case event(sequence: UInt32, MatchEvent)
        /// The upstream's end of the match.
        case ended(EndReason)
        /// The upstream went silent (true: the relay tells its clients their source is lost,
        /// Spec §4.10), or an upstream is heard again (false).
        case outage(Bool)
        /// The follower stopped (after the end, or a stop): nothing more comes.
        case closed
    }

    /// The upstreams, in the order they are tried.
    package var upstreams: [Upstream]
    /// The match to follow (``RegisterRequest/anyMatch``: the upstream's first live one).
    package var match: UInt32
    /// Continue after this match's event (the relay's own log had it), instead of joining anew.
    package var resumeAfter: (match: UInt32, sequence: UInt32)?
    /// Silence from an upstream before registering again, and how long to register again
    /// before the next upstream takes over.
    package var timeout: Duration
    package var logger: Logger
    /// Stop when the upstream refuses the match (an on-demand relay: a client asked for a match
    /// the upstream does not carry), instead of trying again.
    /// The refusals that stop it instead of registering again: an on-demand relay stops at any
    /// (a client asked for a match the upstream does not carry); a web gateway at `unknown match`
    /// only (the match is over), and tries again after a passing refusal (rate limited, full).
    package var stopWhenRefused: Set<RefuseReason> = []
    /// Take the upstream's events from its multicast group when its welcome offers one (a relay
    /// on the upstream's network, `relay --upstream-multicast`); unicast otherwise.
    package var multicast = false
    /// The subscriber token presented upstream (a relay's or a web gateway's own, Spec/TOKENS.md).
    package var subscriberToken: [UInt8] = []

    /// A follower of `match` on `upstreams`.
    package init(upstreams: [Upstream], match: UInt32, resumeAfter: (match: UInt32, sequence: UInt32)?, timeout: Duration, logger: Logger) {
        self.upstreams = upstreams
        self.match = match
        self.resumeAfter = resumeAfter
        self.timeout = timeout
        self.logger = logger
    }

    /// Follows until the match ends upstream, or `stopped` says so. `running` is told each
    /// upstream client as it starts, so that a stop can reach it.
    /// `pause` waits between rounds of failed upstreams (and returns early on a stop).
    package func run(
        stopped: @escaping @Sendable () -> Bool, pause: @Sendable (Duration) async -> Void,
        running: @Sendable (StreamClient?) -> Void, deliver: @Sendable (Item) -> Void
    ) async {
        var last = resumeAfter
        var welcomed = resumeAfter != nil
        var attempt = 0
        var silentRound = 0
        // The upstream is lost (silent, or failing over), as last told to the relay.
        var lost = false
        while !stopped() && !Task.isCancelled {
            let upstream = upstreams[attempt % upstreams.count]
            var configuration = ClientConfiguration()
            configuration.server = upstream.host
            configuration.port = upstream.port
            configuration.format = .compact
            configuration.allowFallback = false
            configuration.relaying = true
            // Unicast from the upstream unless told otherwise: a relay is usually across a network
            // from it (docs/OPERATING.md, "Scaling out").
            configuration.multicast = multicast ? .auto : .off
            configuration.match = last?.match ?? match
            configuration.subscriberToken = subscriberToken
            configuration.serverTimeout = timeout
            // One upstream: keep registering again for as long as the relay runs (a day at a
            // time); several: for one timeout, then the next takes over.
            configuration.reconnectFor = upstreams.count > 1 ? timeout : .seconds(86_400)
            configuration.registerAttempts = 10
            if let last {
                configuration.resume = ClientProgress(
                    server: upstream.host, port: upstream.port, match: last.match, lastLogged: last.sequence, ended: false)
            }
            let client: StreamClient
            do {
                client = try await StreamClient.connect(configuration: configuration, logger: logger, display: .none)
            } catch {
                logger.error("Upstream \(upstream): \(error)")
                attempt += 1
                await backOff(&silentRound, attempt: attempt, pause: pause)
                continue
            }
            running(client)
            async let outcome = client.run()
            for await item in client.events {
                switch item {
                case .welcomed(let welcome, let snapshot, let next):
                    silentRound = 0
                    if lost {
                        lost = false
                        deliver(.outage(false))
                    }
                    guard !welcomed else { continue }  // the match is known (an earlier upstream, or the relay's log)
                    welcomed = true
                    last = (welcome.matchID, next &- 1)
                    let latest = snapshot.flatMap { shot in shot.event.map { (sequence: shot.sequence, event: $0) } }
                    deliver(.welcomed(welcome, latest: latest, next: next))
                case .inSequence(let snapshot, _):
                    // Compact frames carry the event itself (a relay's upstream client asks for compact).
                    guard let event = snapshot.event else { continue }
                    last = (last?.match ?? match, snapshot.sequence)
                    deliver(.event(sequence: snapshot.sequence, event))
                case .outage(let silent):
                    guard silent != lost else { continue }
                    lost = silent
                    deliver(.outage(silent))
                case .datagram, .arrived, .ended, .stopped:
                    // The end comes with the run's result, below.
                    continue
                }
            }
            let result: ClientResult
            do {
                result = try await outcome
                running(nil)
            } catch {
                running(nil)
                logger.error("Upstream \(upstream): \(error)")
                attempt += 1
                await backOff(&silentRound, attempt: attempt, pause: pause)
                continue
            }
            switch result.reason {
            case .endOfTransmission(let reason):
                deliver(.ended(reason))
                return
            case .interrupted, .terminated, .hangUp:
                return
            case .refused(let refusal):
                if welcomed && refusal.reason == .unknownMatch {
                    // The upstream no longer carries the match (it ended while the relay was away).
                    logger.warning("Upstream \(upstream) no longer carries match \(last?.match ?? match); it ends here as abandoned.")
                    deliver(.ended(.abandoned))
                    return
                }
                logger.warning("Upstream \(upstream) refused the relay: \(refusal.reason.name): \(refusal.text).")
                if stopWhenRefused.contains(refusal.reason) { return }
            case .cutOff(let refusal):
                // Its own token expired or was revoked upstream: registering again is refused
                // with the same reason, and the backing off below keeps that from spinning.
                logger.warning("Upstream \(upstream) cut the relay off: \(refusal.reason.name): \(refusal.text).")
            case .noAnswer, .serverSilent:
                logger.warning("Upstream \(upstream) is silent.")
            }
            attempt += 1
            if upstreams.count > 1 { logger.warning("Failing over to upstream \(upstreams[attempt % upstreams.count]).") }
            await backOff(&silentRound, attempt: attempt, pause: pause)
        }
    }

    /// After every upstream failed once in a row, waits a little longer each round (up to 5 s)
    /// before the next, so a relay whose upstreams are all gone does not spin.
    private func backOff(_ round: inout Int, attempt: Int, pause: @Sendable (Duration) async -> Void) async {
        guard attempt % upstreams.count == 0 else { return }
        round += 1
        await pause(.milliseconds(min(5_000, 250 << min(round, 5))))
    }
}
