import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import GroupSigning
import Match
import MatchStore
import NIOCore
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Synchronization
import Wire

/// A server's multicast side (Spec §4.11): each event, once per match and format that some
/// subscriber takes from the group, made a signed group event and sent to the group.
package final class GroupSender: Sendable {
    /// Where each format's group events go, as the kernel takes it (the group, at that format's port).
    package let destinations: [Delivery: DatagramAddress]
    /// The group as text, for logs.
    package let groupDescription: String
    /// The key the events are signed with.
    package let key: GroupSigningKey
    /// The share of group datagrams dropped before they are sent (tests' induced loss), and its generator.
    private let loss: Double
    private let generator: Mutex<SeededGenerator>
    /// Group datagrams sent, and dropped on purpose.
    private let counts = Mutex<(sent: Int, dropped: Int)>((0, 0))

    package init(settings: MulticastSettings, key: GroupSigningKey, seed: UInt64) throws(StreamingError) {
        var destinations: [Delivery: DatagramAddress] = [:]
        for delivery in [Delivery.compact, .json] {
            var address = try settings.groupAddress()
            address.port = settings.port(for: delivery.format)
            destinations[delivery] = DatagramAddress(address)
        }
        self.destinations = destinations
        groupDescription = settings.group.description
        self.key = key
        loss = settings.loss
        generator = Mutex(SeededGenerator(seed: seed ^ 0x6D75_6C74_6963_6173))
    }

    /// The group datagrams for `event` of match `matchID`, with where each goes: one per delivery
    /// in `deliveries` (compact or JSON, each to its port; original-protocol clients never take
    /// the group), each the event frame made a signed group event. Those the induced loss drops
    /// are left out.
    ///
    /// With `sealing` (the server seals, Spec/ENCRYPTION.md "Multicast"), each is sealed under the
    /// current group key, its epoch in the header, and then signed.
    ///
    /// - Throws: ``WireError`` when an encoding is missing or does not seal or sign.
    package func datagrams(
        for event: EncodedEvent, matchID: UInt32, deliveries: [Delivery], sealing: GroupKeyRing? = nil
    ) throws(WireError) -> [(ByteBuffer, DatagramAddress)] {
        var made: [(ByteBuffer, DatagramAddress)] = []
        for delivery in deliveries {
            guard let destination = destinations[delivery] else { continue }  // the original protocol never takes the group
            let frame = event.payload(for: delivery)
            guard frame.readableBytes > 0 else {
                throw WireError(.inconsistent, field: "body", offset: 0, "event \(event.sequence) has no \(delivery.rawValue) encoding for the group")
            }
            let event = Array(frame.readableBytesView)
            let bytes: [UInt8]
            if let sealing {
                bytes = try key.sealedGroupEvent(from: event, matchID: matchID, key: sealing.current, epoch: sealing.epoch)
            } else {
                bytes = try key.groupEvent(from: event, matchID: matchID)
            }
            if loss > 0, generator.withLock({ Double($0.next() >> 11) / Double(1 << 53) }) < loss {
                counts.withLock { $0.dropped += 1 }
                continue
            }
            made.append((ByteBuffer(bytes: bytes), destination))
        }
        if !made.isEmpty { counts.withLock { $0.sent += made.count } }
        return made
    }

    /// Group datagrams sent so far, and dropped by the induced loss.
    package var figures: (sent: Int, dropped: Int) { counts.withLock { $0 } }
}
