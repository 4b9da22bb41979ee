import Capture
import ClientEngine
import GroupSigning
import Match
import RuntimeSupport
import ServerEngine
import TerminalUI
import Wire

/// The client's statistics as client_stats.log and `--stats-json` present them.
public struct StatisticsReport: Sendable {
    /// Why the client stopped.
    public var reason: ClientStopReason
    /// The figures.
    public var statistics: ReceptionStatistics
    /// Datagrams rejected as forged (another subscription's identifier) or implausible (Spec §2.1, §6.1).
    public var rejected: Int
    /// The server's outages the client lived through (`--reconnect-for`).
    public var outages: [OutageFigures]
    /// What came from the multicast group, when the client joined one (Spec §4.11).
    public var group: ClientSession.GroupFigures?

    /// One outage as the report gives it.
    public struct OutageFigures: Sendable, Hashable {
        /// What happened: the server fell silent, or its source (a relay's upstream) was lost.
        public var kind: ClientSession.Outage.Kind
        /// How long it lasted (seconds): from the last datagram before to the first after, or
        /// from the first heartbeat saying the source is lost to the first frame that does not.
        public var seconds: Double
        /// Events sent meanwhile that did not arrive then, and how many arrived since (repaired).
        public var missed: Int
        public var repaired: Int

        public init(kind: ClientSession.Outage.Kind = .serverSilent, seconds: Double, missed: Int, repaired: Int) {
            self.kind = kind
            self.seconds = seconds
            self.missed = missed
            self.repaired = repaired
        }
    }

    /// Creates a report.
    public init(reason: ClientStopReason, statistics: ReceptionStatistics, rejected: Int = 0, outages: [OutageFigures] = []) {
        self.reason = reason
        self.statistics = statistics
        self.rejected = rejected
        self.outages = outages
    }

    /// The text appended to client_stats.log: the original's banner and three lines, then ours.
    public var text: String {
        let jitter = (statistics.jitter * 1000 * 1000).rounded() / 1000
        // The first four lines are the original's, trailing spaces included.
        let lines =
            [
                "",
                "\(reason.statisticsLine)>>>>>>>>>>>>>>>>>>>>>>>>>>>>>> STATISTICS <<<<<<<<<<<<<<<<<<<<<<<<<<<<<< ",
                "(client) Number of packets received: \(statistics.received) ",
                "(client) Number of lost packets: \(statistics.lost) ",
                "(client) Number of packets out of order: \(statistics.outOfOrder)",
                "(client) Number of duplicate packets: \(statistics.duplicates)",
                "(client) Number of packets expected: \(statistics.expected)",
                "(client) Interarrival jitter: \(jitter) ms",
                "(client) First sequence number: \(statistics.first.map(String.init) ?? "none")",
                "(client) Last sequence number: \(statistics.last.map(String.init) ?? "none")",
                "(client) Number of packets rejected (forged or implausible): \(rejected)",
                "(client) Number of packets repaired: \(statistics.repaired)",
                "(client) Number of packets unrecovered: \(statistics.unrecovered)",
                "(client) Repair delay: "
                    + (statistics.repairDelay.map { String(format: "median %.1f ms, largest %.1f ms", $0.median * 1000, $0.largest * 1000) } ?? "none"),
            ]
            + (group.map { group in
                [
                    "(client) Multicast group events: \(group.accepted) accepted, \(group.forged) forged and \(group.replayed) replayed rejected, \(group.others) of other matches or formats ignored"
                ]
            } ?? [])
            + outages.enumerated().map { index, outage in
                switch outage.kind {
                case .serverSilent:
                    String(
                        format: "(client) Outage %d: server silent %.1f s, registered again; events missed during it: %d, repaired: %d",
                        index + 1, outage.seconds, outage.missed, outage.repaired)
                case .sourceLost:
                    String(
                        format: "(client) Outage %d: the server's source lost %.1f s (a relay's upstream); events missed during it: %d, repaired: %d",
                        index + 1, outage.seconds, outage.missed, outage.repaired)
                }
            }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same figures as a JSON object.
    public var json: JSONNode {
        .object(
            [
                ("reason", .string(reason.name)),
                ("received", .int(statistics.received)),
                ("lost", .int(statistics.lost)),
                ("outOfOrder", .int(statistics.outOfOrder)),
                ("duplicates", .int(statistics.duplicates)),
                ("expected", .int(statistics.expected)),
                ("jitterMs", JSONNode(.double((statistics.jitter * 1_000_000).rounded() / 1000))),
                ("firstSequence", statistics.first.map { .int($0) } ?? JSONNode(.null)),
                ("lastSequence", statistics.last.map { .int($0) } ?? JSONNode(.null)),
                ("rejected", .int(rejected)),
            ] + statistics.repairJSONMembers
                + (group.map { group in
                    [
                        (
                            "group",
                            JSONNode.object([
                                ("accepted", .int(group.accepted)), ("forged", .int(group.forged)), ("replayed", .int(group.replayed)),
                                ("others", .int(group.others)), ("malformed", .int(group.malformed)),
                            ])
                        )
                    ]
                } ?? []) + [
                    (
                        "outages",
                        .array(
                            outages.map { outage in
                                .object([
                                    ("kind", .string(outage.kind.rawValue)),
                                    ("seconds", JSONNode(.double((outage.seconds * 1000).rounded() / 1000))), ("missed", .int(outage.missed)),
                                    ("repaired", .int(outage.repaired)),
                                ])
                            })
                    )
                ])
    }
}
