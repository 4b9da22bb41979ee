import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

/// One event encoded once per delivery, shared by every client of that delivery
/// (`ByteBuffer` copies share storage).
public struct EncodedEvent: Sendable {
    /// The event's sequence number.
    public var sequence: UInt32
    /// The event.
    public var event: MatchEvent
    /// The compact frame.
    public var compact: ByteBuffer
    /// The JSON frame.
    public var json: ByteBuffer
    /// The bare JSON datagram of the original protocol.
    public var original: ByteBuffer

    /// Encodes `event` once for each delivery in `deliveries` (the compact frame always: a
    /// late joiner's welcome is built from it). The JSON encodings cost a hundred times the
    /// compact one, so they are made only when some client receives them.
    public init(
        event: MatchEvent, sequence: UInt32, roster: Roster, catalog: PhraseCatalog,
        deliveries: Set<Delivery> = Set(Delivery.allCases)
    ) throws(WireError) {
        self.sequence = sequence
        self.event = event
        compact = ByteBuffer(bytes: try Frame.compactEvent(event, sequence: sequence).encoded())
        if deliveries.contains(.json) || deliveries.contains(.original) {
            let jsonFrame = try Frame.jsonEvent(event, sequence: sequence, roster: roster, catalog: catalog).encoded()
            json = ByteBuffer(bytes: jsonFrame)
            original = ByteBuffer(bytes: jsonFrame.dropFirst(FrameHeader.size))
        } else {
            json = ByteBuffer()
            original = ByteBuffer()
        }
    }

    /// The bytes its encodings take in memory (for the repair ring's limit).
    public var storedBytes: Int { compact.readableBytes + json.readableBytes + original.readableBytes }

    /// The bytes this event costs to send to `counts[delivery]` clients of each delivery.
    public func bytes(for counts: [Delivery: Int]) -> Int {
        counts.reduce(0) { $0 + payload(for: $1.key).readableBytes * $1.value }
    }

    /// The datagram for `delivery`.
    public func payload(for delivery: Delivery) -> ByteBuffer {
        switch delivery {
        case .compact: compact
        case .json: json
        case .original: original
        }
    }
}
