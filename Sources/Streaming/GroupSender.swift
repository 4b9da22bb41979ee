import Match
import NIOCore
import Synchronization
import GroupSigning
import Wire

/// A server's multicast side (Spec §4.11): each event, once per match and format that some
/// subscriber takes from the group, made a signed group event and sent to the group.
final class GroupSender: Sendable {
    /// The group, as the kernel takes it.
    let group: DatagramAddress
    /// The group as text, for logs.
    let groupDescription: String
    /// The key the events are signed with.
    let key: GroupSigningKey
    /// The share of group datagrams dropped before they are sent (tests' induced loss), and its generator.
    private let loss: Double
    private let generator: Mutex<SeededGenerator>
    /// Group datagrams sent, and dropped on purpose.
    private let counts = Mutex<(sent: Int, dropped: Int)>((0, 0))

    init(settings: MulticastSettings, key: GroupSigningKey, seed: UInt64) throws(StreamingError) {
        let address = try settings.groupAddress()
        group = DatagramAddress(address)
        groupDescription = settings.group.description
        self.key = key
        loss = settings.loss
        generator = Mutex(SeededGenerator(seed: seed ^ 0x6D75_6C74_6963_6173))
    }

    /// The group datagrams for `event` of match `matchID`: one per delivery in `deliveries`
    /// (compact or JSON; original-protocol clients never take the group), each the event frame
    /// made a signed group event. Those the induced loss drops are left out.
    ///
    /// - Throws: ``WireError`` when an encoding is missing or does not sign.
    func datagrams(for event: EncodedEvent, matchID: UInt32, deliveries: [Delivery]) throws(WireError) -> [ByteBuffer] {
        var made: [ByteBuffer] = []
        for delivery in deliveries where delivery != .original {
            let frame = event.payload(for: delivery)
            guard frame.readableBytes > 0 else {
                throw WireError(.inconsistent, field: "body", offset: 0, "event \(event.sequence) has no \(delivery.rawValue) encoding for the group")
            }
            let bytes = try key.groupEvent(from: Array(frame.readableBytesView), matchID: matchID)
            if loss > 0, generator.withLock({ Double($0.next() >> 11) / Double(1 << 53) }) < loss {
                counts.withLock { $0.dropped += 1 }
                continue
            }
            made.append(ByteBuffer(bytes: bytes))
        }
        if !made.isEmpty { counts.withLock { $0.sent += made.count } }
        return made
    }

    /// Group datagrams sent so far, and dropped by the induced loss.
    var figures: (sent: Int, dropped: Int) { counts.withLock { $0 } }
}
