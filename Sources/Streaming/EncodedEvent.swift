import Match
import NIOCore
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
    public var legacy: ByteBuffer

    /// Encodes `event` in every delivery.
    public init(event: MatchEvent, sequence: UInt32, roster: Roster, catalog: PhraseCatalog) throws(WireError) {
        self.sequence = sequence
        self.event = event
        let jsonFrame = try Frame.jsonEvent(event, sequence: sequence, roster: roster, catalog: catalog).encoded()
        compact = ByteBuffer(bytes: try Frame.compactEvent(event, sequence: sequence).encoded())
        json = ByteBuffer(bytes: jsonFrame)
        legacy = ByteBuffer(bytes: jsonFrame.dropFirst(FrameHeader.size))
    }

    /// The datagram for `delivery`.
    public func payload(for delivery: Delivery) -> ByteBuffer {
        switch delivery {
        case .compact: compact
        case .json: json
        case .legacy: legacy
        }
    }
}
