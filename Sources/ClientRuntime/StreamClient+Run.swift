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
    /// Runs until the end of the match, a stop, a refusal or no answer; then closes the socket.
    public func run() async throws -> ClientResult {
        guard !started.exchange(true, ordering: .relaxed) else {
            throw StreamingError(.configuration, "run() may be called only once")
        }
        // However the run ends, a relay reading ``events`` learns it is over.
        defer { eventsContinuation.finish() }
        logger.info(
            "Client connected to server \(serverAddress.ipAddress ?? configuration.server) on port \(serverAddress.port ?? configuration.port) (listening on port \(localAddress.port ?? 0)\(configuration.original ? ", original protocol" : ""))."
        )
        let outcome: Result<Void, any Error>
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await inbound in self.inbound {
                        let over = inbound.fromGroup ? self.receiveGroup(inbound.envelope) : self.receive(inbound.envelope)
                        if over { return }
                        try await self.joinGroupIfOffered()
                    }
                }
                group.addTask { try await self.control() }
                try await group.next()
                group.cancelAll()
            }
            if self.reason?.unregisters == true {
                try await send(try unregisterBytes())
                logger.info("Sent unregister to server.")
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            // Closed under us (the event loop group shut down): nothing left to release.
        }
        try await leaveGroup()
        try outcome.get()
        try writeCapture()
        let (stopped, reason) = (self.reason, self.reason ?? .terminated)
        let (final, last) = session.withLock { session in
            // The match is over for this client (ended, or stopped on purpose): nothing to continue.
            // (Gone silent or unanswered, it stays where it was: the next run continues from there.)
            let over = session.endReason != nil || stopped == .interrupted || stopped == .terminated || stopped == .hangUp
            // Whatever still waits for the log (the run was stopped before its repairs ended) goes now, in order.
            return (session, session.finalEvents(reason, matchOver: over))
        }
        deliver(last)
        logger.info("Client stopped: \(reason.name); \(final.statistics.received) events received, \(final.statistics.lost) lost.")
        var result = ClientResult(
            reason: reason, statistics: final.statistics, latest: final.latest,
            format: final.welcome?.format, dictionary: final.welcome?.dictionary, localPort: localAddress.port ?? 0,
            rejected: final.rejected, repairTimer: final.repairTimer, match: final.welcome?.matchID)
        if groupChannel.withLock({ $0 != nil }) { result.group = final.group }
        result.outages = final.outages.compactMap { outage in
            outage.duration.map { seconds in
                let (missed, repaired) = final.figures(of: outage)
                return StatisticsReport.OutageFigures(kind: outage.kind, seconds: seconds, missed: missed, repaired: repaired)
            }
        }
        return result
    }
}
