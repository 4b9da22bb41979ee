import DatagramTransport
import Logging
import Match
import MatchStore
import NIOCore
import ServerEngine
import Wire

// The end of matches: logged, told to their clients (repeated, as UDP loses packets), and, with
// --loop, a simulated match replaced by the next.
extension StreamServer {
    /// A match to end: why, its slot, and the match that replaces it there (with `--loop`).
    package struct Ending {
        package var reason: EndReason
        package var slot: Int
        package var next: UInt32?
        /// The match's number in the match log, if logged.
        package var logNumber: Int?
    }

    /// Ends the matches at `ended` (indices into the scheduler's matches) together. With
    /// `--loop`, a simulated match that ends is replaced by the next (seed + 1), announced at
    /// once and kicked off once enough clients are here; any other is done.
    package func end(_ ended: [Int], turn: inout StreamTurn, repeats: inout EventLoopFuture<Void>) async throws {
        guard !ended.isEmpty else { return }
        let catalog = configuration.language.catalog
        let replacements: [ScheduledMatch?] = ended.map { index in
            let match = turn.scheduler.matches[index]
            guard configuration.loop && !stopping, let seed = match.seed else { return nil }
            return scheduledSimulation(slot: match.slot, simulator: MatchSimulator(seed: seed &+ 1, roster: match.roster, catalog: catalog))
        }
        try await finish(
            zip(ended, replacements).map { index, next in
                let match = turn.scheduler.matches[index]
                return Ending(reason: match.endReason, slot: match.slot, next: next?.id, logNumber: match.logNumber)
            }, repeats: &repeats)
        for (index, next) in zip(ended, replacements) {
            let match = turn.scheduler.matches[index]
            logger.info("Match \(match.id) over (\(match.endReason.name)): \(match.streamed) events streamed.")
            if let next {
                turn.scheduler.matches[index] = next
            } else {
                turn.scheduler.matches[index].phase = .done
            }
        }
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
