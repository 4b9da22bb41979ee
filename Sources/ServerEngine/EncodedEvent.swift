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
    /// A real match's compact frame in the base layout (Spec §4.13); empty otherwise.
    public var compactBase = ByteBuffer()
    /// A real match's JSON frame with a base-layout header; empty otherwise.
    public var jsonBase = ByteBuffer()
    /// Whether ``jsonBase`` is a header followed by exactly ``original``'s bytes (checked once
    /// when encoded, so that the fan-out may send it as two parts).
    public private(set) var jsonBaseSharesBody = false

    /// Encodes `event` once for each delivery in `deliveries` (the compact frame always: a
    /// late joiner's welcome is built from it). The JSON encodings cost a hundred times the
    /// compact one, so they are made only when some client receives them.
    ///
    /// A real match (`base` given) has its compact frame in the extended layout, and its base-layout
    /// frames made for the base deliveries (Spec §4.13).
    public init(
        event: MatchEvent, sequence: UInt32, roster: Roster, catalog: PhraseCatalog, base: BaseProjection? = nil,
        deliveries: Set<Delivery> = Set(Delivery.allCases)
    ) throws(WireError) {
        self.sequence = sequence
        self.event = event
        // A real match's compact frame is extended whether or not its base layout could be made.
        compact = ByteBuffer(bytes: try Frame.compactEvent(event, sequence: sequence, extended: roster.needsExtension).encoded())
        if deliveries.contains(.json) || deliveries.contains(.original) || (base != nil && deliveries.contains(.jsonBase)) {
            var jsonFrame = try Frame.jsonEvent(event, sequence: sequence, roster: roster, catalog: catalog)
            let bytes = try jsonFrame.encoded()
            json = ByteBuffer(bytes: bytes)
            original = ByteBuffer(bytes: bytes.dropFirst(FrameHeader.size))
            if let base, deliveries.contains(.jsonBase) {
                // The same body; the header names the base kind the event becomes.
                jsonFrame.eventType = base.event(event).type
                jsonFrame.extended = false
                let baseBytes = try jsonFrame.encoded()
                jsonBase = ByteBuffer(bytes: baseBytes)
                jsonBaseSharesBody =
                    baseBytes.count > FrameHeader.size && baseBytes.dropFirst(FrameHeader.size).elementsEqual(bytes.dropFirst(FrameHeader.size))
            }
        } else {
            json = ByteBuffer()
            original = ByteBuffer()
        }
        if let base, deliveries.contains(.compactBase) {
            compactBase = ByteBuffer(bytes: try Frame.compactEvent(base.event(event), sequence: sequence).encoded())
        }
    }

    /// The bytes its encodings take in memory (for the repair ring's limit).
    public var storedBytes: Int {
        compact.readableBytes + json.readableBytes + original.readableBytes + compactBase.readableBytes + jsonBase.readableBytes
    }

    /// The bytes this event costs to send to `counts[delivery]` clients of each delivery.
    public func bytes(for counts: [Delivery: Int]) -> Int {
        counts.reduce(0) { $0 + payload(for: $1.key).readableBytes * $1.value }
    }

    /// Where `delivery`'s datagram splits into its own bytes and the JSON body that every JSON,
    /// base-layout JSON and original-protocol client of this event shares (``original``): the
    /// length of its own prefix (the 23-byte header, or 0 for the original protocol, whose
    /// datagram is that body), or nil when it is sent whole (compact frames: 20 to 60 bytes,
    /// cheaper copied than described). The fan-out queues the shared body once per trip.
    public func sharedBodyPrefix(for delivery: Delivery) -> Int? {
        switch delivery {
        case .json: original.readableBytes > 0 ? FrameHeader.size : nil
        case .original: original.readableBytes > 0 ? 0 : nil
        case .jsonBase: jsonBaseSharesBody ? FrameHeader.size : nil
        case .compact, .compactBase: nil
        }
    }

    /// The datagram for `delivery`.
    public func payload(for delivery: Delivery) -> ByteBuffer {
        switch delivery {
        case .compact: compact
        case .json: json
        case .original: original
        case .compactBase: compactBase
        case .jsonBase: jsonBase
        }
    }
}
