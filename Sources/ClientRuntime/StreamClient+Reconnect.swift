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
    /// The server has been silent past the timeout: registers again with backoff (a fresh
    /// address challenge echoed at once) until welcomed again, for at most
    /// ``ClientConfiguration/reconnectFor``. The outage is recorded in the
    /// statistics; the stream goes on. Returns false when the server stayed silent.
    func reconnect(silentFor seconds: Int, reset: Bool = false) async throws -> Bool {
        let clock = ContinuousClock()
        let giveUp = clock.now.advanced(by: configuration.reconnectFor)
        let welcomed = session.withLock { session in
            session.beginOutage()
            return session.welcomedAgain
        }
        logger.info(
            "\(reset ? "Reset by the server" : "Server silent for \(seconds) s"); registering again (for up to \(Int(configuration.reconnectFor.inSeconds)) s)."
        )
        deliver([.outage(lost: true)])
        let (again, _) = try await register(
            until: { $0.welcomedAgain > welcomed }, backoff: configuration.initialBackoff, cap: .seconds(5),
            giveUpAt: giveUp)
        if again {
            logger.info("Server heard again after \(Int(session.withLock { $0.outages.last?.duration ?? 0 })) s; the stream goes on.")
            deliver([.outage(lost: false)])
        }
        return again
    }

    /// Sends registers until `done` holds: each attempt carries the latest address token (none
    /// before the first challenge), a fresh challenge is echoed at once (not an attempt), and the
    /// wait between attempts doubles from `backoff` up to `cap`; at most `attempts` attempts, or
    /// until `giveUpAt`, or until the client stops. Returns whether `done` came, and the attempts made.
    func register(
        until done: @escaping @Sendable (ClientSignals) -> Bool, backoff initial: Duration, cap: Duration,
        attempts limit: Int? = nil, giveUpAt: ContinuousClock.Instant? = nil
    ) async throws -> (Bool, attempts: Int) {
        let clock = ContinuousClock()
        var backoff = initial
        var attempts = 0
        while !Task.isCancelled {
            let now = signals.value
            if done(now) { return (true, attempts) }
            if now.stopped || limit.map({ attempts >= $0 }) == true || giveUpAt.map({ clock.now >= $0 }) == true { break }
            var echoed = now.token
            try await send(try registerBytes(token: echoed))
            attempts += 1
            logger.info("Sent register (attempt \(attempts)\(echoed.isEmpty ? "" : ", with the address token")).")
            let deadline = giveUpAt.map { min(clock.now.advanced(by: backoff), $0) } ?? clock.now.advanced(by: backoff)
            // Asleep until done, a stop, a fresh challenge (its token echoed at once), or the wait's end.
            while true {
                let last = echoed
                guard await signals.wait(until: { done($0) || $0.stopped || $0.token != last }, deadline: deadline) else { break }
                let woken = signals.value
                guard !done(woken), !woken.stopped, woken.token != echoed else { break }
                echoed = woken.token
                try await send(try registerBytes(token: echoed))
                logger.info("Sent register with the address token.")
            }
            backoff = min(backoff * 2, cap)
        }
        return (done(signals.value), attempts)
    }
}
