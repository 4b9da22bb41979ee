import Logging
import ServerEngine

extension StreamServer {
    /// The run's figures completed from the server's counters, and logged.
    package func summarize(_ figures: ServerSummary) -> ServerSummary {
        var summary = figures
        summary.datagramsSent = sent.value
        if let groupSender { (summary.groupSent, summary.groupDropped) = groupSender.figures }
        (summary.rejects, summary.encodingFailures) = core.totals
        (summary.repairsSent, summary.unavailableSent, summary.originalBudgetDropped, summary.originalBudgetDroppedBytes, summary.resetsSent) = core
            .state.withLock {
                ($0.repairsSent, $0.unavailableSent, $0.originalBudget.droppedDatagrams, $0.originalBudget.droppedBytes, $0.resetsSent)
            }
        logger.info(
            "Totals: \(summary.matches) match(es), \(summary.events) events, \(summary.datagramsSent) datagrams sent, \(summary.repairsSent) events sent again on request, \(summary.unavailableSent) answered unavailable."
        )
        if summary.resetsSent > 0 {
            logger.info("Resets: \(summary.resetsSent) sent to clients of subscriptions this server does not hold (they register again).")
        }
        if summary.originalBudgetDropped > 0 {
            logger.info(
                "Original-protocol byte budget: \(summary.originalBudgetDropped) datagram(s), \(summary.originalBudgetDroppedBytes) bytes not sent.")
        }
        if groupSender != nil {
            logger.info(
                "Multicast: \(summary.groupSent) signed group events sent\(summary.groupDropped > 0 ? ", \(summary.groupDropped) dropped on purpose (--group-loss)" : "")."
            )
        }
        for (reason, count) in summary.rejects.sorted(by: { $0.key < $1.key }) {
            logger.info("Rejected datagrams: \(count) × \(reason)")
        }
        for (what, count) in summary.encodingFailures.sorted(by: { $0.key < $1.key }) {
            logger.error("Datagrams not sent because they failed to encode: \(count) × \(what)")
        }
        return summary
    }
}
