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
///
/// The figures follow Spec §6 on the deliveries in the order the relay made them (one socket to
/// one socket on loopback keeps that order): a first-time event whose sequence was delivered
/// before, first time or as a retransmission, is a duplicate and not received; a retransmission
/// counts as repaired when its sequence had not been delivered before either way. It does not
/// model what a client sets aside itself: events after its end frame (without `--events-only`,
/// a delayed event can follow the end frame), implausible sequences (Spec §6.1), sequences past
/// its duplicate window, or a lost end frame (lost counts from the sent set, not first…last).
public struct EventTruth: Sendable, Hashable {
    /// One event frame the relay delivered.
    public struct Delivery: Sendable, Hashable {
        /// Its sequence number.
        public var sequence: UInt32
        /// Whether it was a retransmission (Spec §4.8).
        public var retransmission: Bool

        /// A delivery of `sequence`, first time or (`retransmission`) repaired.
        public init(sequence: UInt32, retransmission: Bool) {
            self.sequence = sequence
            self.retransmission = retransmission
        }
    }

    /// Every event sequence the server sent to this client, in the order it sent them.
    public var sent: [UInt32] = []
    /// Every event frame the relay delivered, first time or retransmitted, in delivery order
    /// (duplicates included).
    public var deliveries: [Delivery] = []
    /// Retransmissions (repairs, Spec §4.8) the server sent.
    public var resent: [UInt32] = []
    /// The sequences the client's NACKs (Spec §4.8) asked for, once per NACK naming them: as the
    /// relay received them, and as it forwarded them to the server.
    public var asked: [UInt32] = []
    public var askedForwarded: [UInt32] = []

    /// An empty record: nothing sent, nothing delivered.
    public init() {}

    /// First-time event frames delivered, in delivery order (duplicates included).
    public var delivered: [UInt32] { deliveries.filter { !$0.retransmission }.map(\.sequence) }
    /// Retransmissions delivered, in delivery order.
    public var redelivered: [UInt32] { deliveries.filter(\.retransmission).map(\.sequence) }

    /// The deliveries classified as a receiver does: the first-time ones counted as received (in
    /// order), the duplicates, and the retransmissions that filled a gap.
    private var classified: (received: [UInt32], duplicates: Int, repaired: Int) {
        var delivered = Set<UInt32>()
        var received: [UInt32] = []
        var duplicates = 0
        var repaired = 0
        for delivery in deliveries {
            let new = delivered.insert(delivery.sequence).inserted
            switch (delivery.retransmission, new) {
            case (false, true): received.append(delivery.sequence)
            case (false, false): duplicates += 1
            case (true, true): repaired += 1
            case (true, false): break  // a retransmission of what had arrived: not counted
            }
        }
        return (received, duplicates, repaired)
    }

    /// Events lost first time and delivered by a retransmission before any late original: what the
    /// client counts as repaired.
    public var repaired: Int { classified.repaired }
    /// Events neither delivered first time nor by a retransmission.
    public var neverDelivered: Int { Set(sent).subtracting(deliveries.map(\.sequence)).count }

    /// Distinct events delivered first time before any retransmission of them.
    public var received: Int { classified.received.count }
    /// First-time deliveries of a sequence delivered before (first time or retransmitted).
    public var duplicates: Int { classified.duplicates }
    /// Events sent and not received first time (repaired ones included, as Spec §6 counts them).
    public var lost: Int { Set(sent).subtracting(classified.received).count }
    /// Received events older, in the server's order, than one received before them.
    public var outOfOrder: Int {
        var highest: Int?
        var count = 0
        let rank = Dictionary(sent.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        for sequence in classified.received {
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
