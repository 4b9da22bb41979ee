import Match
import RuntimeSupport
import Wire

/// What the impairment proxy did in one direction.
public struct DirectionReport: Sendable, Hashable {
    /// Datagrams that arrived at the relay.
    public var received = 0
    /// Datagrams sent on (duplicates included).
    public var forwarded = 0
    /// Datagrams dropped (burst or independent loss).
    public var dropped = 0
    /// Extra copies sent.
    public var duplicated = 0
    /// Datagrams held back and sent after their successor.
    public var reordered = 0
    /// Datagrams sent later than they arrived (delay or jitter).
    public var delayed = 0
    /// Bytes of repair traffic that arrived (nacks, unavailable answers, retransmitted events).
    public var repairBytes = 0
    /// Bytes of first-time events dropped.
    public var droppedEventBytes = 0
}

/// The event frames one client was sent and was delivered, in order: the ground truth its
/// statistics must match.
public struct EventTruth: Sendable, Hashable {
    /// Every event sequence the server sent to this client, in the order it sent them.
    public var sent: [UInt32] = []
    /// Every event sequence the relay delivered, in delivery order (duplicates included).
    public var delivered: [UInt32] = []
    /// Retransmissions (repairs, Spec §4.8) the server sent, and those the relay delivered.
    public var resent: [UInt32] = []
    public var redelivered: [UInt32] = []
    /// The sequences the client's NACKs (Spec §4.8) asked for, once per NACK naming them: as the
    /// relay received them, and as it forwarded them to the server.
    public var asked: [UInt32] = []
    public var askedForwarded: [UInt32] = []

    /// Events lost first time and delivered by a retransmission: what the client counts as repaired.
    public var repaired: Int { Set(redelivered).subtracting(delivered).count }
    /// Events neither delivered first time nor by a retransmission.
    public var neverDelivered: Int { Set(sent).subtracting(delivered).subtracting(redelivered).count }

    /// Distinct events delivered.
    public var received: Int { Set(delivered).count }
    /// Repeated deliveries.
    public var duplicates: Int { delivered.count - Set(delivered).count }
    /// Events sent and never delivered.
    public var lost: Int { Set(sent).subtracting(delivered).count }
    /// Deliveries of a new sequence older, in the server's order, than one delivered before it.
    public var outOfOrder: Int {
        var seen = Set<UInt32>()
        var highest: Int?
        var count = 0
        let rank = Dictionary(sent.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        for sequence in delivered where seen.insert(sequence).inserted {
            let position = rank[sequence] ?? 0
            if let top = highest, position < top { count += 1 } else { highest = position }
        }
        return count
    }
}

/// Everything the impairment proxy did, for its end-of-run report.
public struct ImpairmentReport: Sendable {
    /// Client → server.
    public var toServer = DirectionReport()
    /// Server → client.
    public var toClient = DirectionReport()
    /// Clients seen.
    public var clients = 0
    /// Per client (by address, as text), the events sent and delivered.
    public var events: [String: EventTruth] = [:]

    /// One direction's record: client → server when `toServer`, else server → client.
    public subscript(toServer toServer: Bool) -> DirectionReport {
        get { toServer ? self.toServer : toClient }
        set { if toServer { self.toServer = newValue } else { toClient = newValue } }
    }

    /// A few lines of text.
    public var text: String {
        func line(_ name: String, _ report: DirectionReport) -> String {
            "\(name.padded(to: 10)) received \(report.received), forwarded \(report.forwarded), dropped \(report.dropped), "
                + "duplicated \(report.duplicated), reordered \(report.reordered), delayed \(report.delayed)"
        }
        var lines = ["Impairment relay: \(clients) client(s)", line("to server", toServer), line("to client", toClient)]
        for (client, truth) in events.sorted(by: { $0.key < $1.key }) {
            lines.append(
                "  \(client): events sent \(truth.sent.count), delivered \(truth.received) distinct, lost \(truth.lost), "
                    + "duplicates \(truth.duplicates), out of order \(truth.outOfOrder); retransmissions sent \(truth.resent.count), "
                    + "delivered \(truth.redelivered.count), repaired \(truth.repaired), never delivered \(truth.neverDelivered)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same as JSON.
    public var json: JSONNode {
        func direction(_ report: DirectionReport) -> JSONNode {
            .object([
                ("received", .int(report.received)), ("forwarded", .int(report.forwarded)), ("dropped", .int(report.dropped)),
                ("duplicated", .int(report.duplicated)), ("reordered", .int(report.reordered)), ("delayed", .int(report.delayed)),
            ])
        }
        return .object([
            ("clients", .int(clients)), ("toServer", direction(toServer)), ("toClient", direction(toClient)),
            (
                "events",
                .object(
                    events.sorted { $0.key < $1.key }.map { client, truth in
                        (
                            client,
                            .object([
                                ("sent", .int(truth.sent.count)), ("received", .int(truth.received)), ("lost", .int(truth.lost)),
                                ("duplicates", .int(truth.duplicates)), ("outOfOrder", .int(truth.outOfOrder)),
                                ("retransmissionsSent", .int(truth.resent.count)), ("retransmissionsDelivered", .int(truth.redelivered.count)),
                                ("repaired", .int(truth.repaired)), ("neverDelivered", .int(truth.neverDelivered)),
                            ])
                        )
                    })
            ),
        ])
    }
}
