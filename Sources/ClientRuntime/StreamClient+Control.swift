import Capture
import ClientEngine
import Foundation
import GroupSigning
import Logging
import Match
import NIOCore
import NIOPosix
import RuntimeSupport
import ServerEngine
import Synchronization
import TerminalUI
import Wire

#if canImport(Glibc)
import Glibc
#endif

extension StreamClient {
    /// Sends a register now, with the latest address token.
    package func sendRegister() async throws {
        try await send(try registerBytes(token: signals.value.token))
    }

    func registerBytes(token: [UInt8] = []) throws -> [UInt8] {
        if configuration.original { return Array(OriginalPacket.registerText.utf8) }
        return try Frame(
            body: .register(
                RegisterRequest.padded(
                    formats: configuration.acceptedFormats, token: token, dictionaries: configuration.dictionaries.map(\.id).filter { $0 != 0 },
                    match: configuration.match, delivery: delivery.withLock { $0 }, features: features.withLock { $0 },
                    subscriberToken: configuration.subscriberToken, keyShare: offeredShare.withLock { $0 } ?? [])),
            subscription: subscription
        ).encoded()
    }

    func unregisterBytes() throws -> [UInt8] {
        if configuration.original { return Array(OriginalPacket.unregisterText.utf8) }
        return try Frame(body: .unregister, subscription: subscription).encoded()
    }

    /// A heartbeat carrying the highest sequence received (Spec §3).
    func sendHeartbeat() async throws {
        let highest = session.withLock { $0.statistics.last ?? 0 }
        try await send(try Frame(sequence: highest, body: .heartbeat, subscription: subscription).encoded())
    }

    /// Registers with backoff (echoing a challenge's token at once), then sends heartbeats and
    /// watches for silence, until a stop reason is set. Sleeps between those moments.
    func control() async throws {
        let clock = ContinuousClock()
        let backoff = configuration.original ? max(configuration.initialBackoff, .seconds(1)) : configuration.initialBackoff
        let cap: Duration = configuration.original ? .seconds(8) : .seconds(2)
        let (welcomed, attempts) = try await register(until: { $0.subscribed }, backoff: backoff, cap: cap, attempts: configuration.registerAttempts)
        guard welcomed else {
            // Stopped (a signal, a refusal) or unanswered.
            if !signals.value.stopped && !Task.isCancelled {
                logger.info("No answer from the server after \(attempts) register attempts.")
                setReason(.noAnswer(attempts: attempts))
            }
            return
        }
        let (heartbeat, silence, probe) = session.withLock {
            ($0.heartbeatPeriod, $0.silenceLimit(configured: configuration.serverTimeout), $0.probePeriod)
        }
        var nextBeat = heartbeat.map { clock.now.advanced(by: $0) }
        var lastProbe: ContinuousClock.Instant?
        var resets = signals.value.resets
        while !signals.value.stopped && !Task.isCancelled {
            // The session is the truth of when the next NACK is due. The receive task reads it, then
            // publishes it to the signals a little later, so it can publish a time this task's last
            // NACK has since moved; waiting on that stale time would return at once, again and again,
            // without ever sending the NACK. Published here too, with the session held.
            let (quiet, due) = session.withLock { session in
                let due = session.nextRepairDue
                if signals.value.repairDue != due { signals.update { $0.repairDue = due } }
                return (session.silence, due)
            }
            let silentAt = clock.now.advanced(by: silence - .seconds(quiet))
            var wake = nextBeat.map { min($0, silentAt) } ?? silentAt
            if let due { wake = min(wake, sessionClock.instant(at: due)) }
            if let probe {
                // Probes: once the silence reaches a probe period, then every probe period while it lasts.
                let reached = clock.now.advanced(by: probe - .seconds(quiet))
                wake = min(wake, max(reached, lastProbe.map { $0.advanced(by: probe) } ?? reached))
            }
            // Asleep until something is due, the receive task schedules an earlier repair, or a reset comes.
            let seen = resets
            if await signals.wait(until: { $0.stopped || $0.repairDue != due || $0.resets != seen }, deadline: wake) {
                if signals.value.stopped { break }
                if signals.value.resets != resets {
                    resets = signals.value.resets
                    // The server is back but holds no subscription for us: register again now (Spec §4.12).
                    if configuration.reconnectFor > .zero, try await reconnect(silentFor: Int(quiet), reset: true) { continue }
                    logger.info("Reset by the server and not registering again (--reconnect-for 0).")
                    setReason(.serverSilent(seconds: Int(quiet)))
                    break
                }
                continue
            }
            let (nack, finished, ended) = session.withLock { ($0.dueRepairs(), $0.finished, $0.endReason) }
            if let nack {
                try await send(try Frame(body: .nack(nack), subscription: subscription).encoded())
            }
            if finished, let ended {
                // The last repairs were given up: the run is over.
                setReason(.endOfTransmission(ended))
                break
            }
            if session.withLock({ $0.serverSilent(limit: silence) }) {
                let seconds = Int(session.withLock { $0.silence })
                if configuration.reconnectFor > .zero, try await reconnect(silentFor: seconds) { continue }
                logger.info("Server silent for \(Int(session.withLock { $0.silence })) s; giving up.")
                setReason(.serverSilent(seconds: Int(session.withLock { $0.silence })))
                break
            }
            if let probe, session.withLock({ $0.silence }) >= probe.inSeconds, lastProbe.map({ $0.advanced(by: probe) <= clock.now }) ?? true {
                // Silent for a probe period: a heartbeat now asks whether the server still holds us.
                try await sendHeartbeat()
                lastProbe = clock.now
                // Unanswered since the last probe: the server is down; an outage is on from when it was last heard.
                session.withLock { $0.noteSilence() }
            }
            if let heartbeat, let due = nextBeat, clock.now >= due {
                try await sendHeartbeat()
                nextBeat = due.advanced(by: heartbeat)
            }
        }
    }
}
