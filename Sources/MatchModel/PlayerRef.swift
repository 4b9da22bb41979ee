/// The two sides of a match.
public enum Side: UInt8, Sendable, Hashable, CaseIterable, Codable {
    case home = 0
    case away = 1

    /// The other side.
    public var opposite: Side { self == .home ? .away : .home }
}

/// A reference to one player of the roster, encoded in one byte on the wire.
///
/// Bit 7 is the side (0 home, 1 away); bits 0–6 are the index in that side's outfield list
/// (0...126), or 127 for the side's goalkeeper.
public struct PlayerRef: Sendable, Hashable, Codable {
    /// The wire value reserved for a side's goalkeeper.
    public static let keeperSlot: UInt8 = 0x7F

    /// The player's side.
    public var side: Side
    /// The outfield index, or ``keeperSlot``.
    public var slot: UInt8

    /// Creates a reference to outfield player `index` of `side`, or to the keeper when
    /// `index` is ``keeperSlot``.
    public init(side: Side, slot: UInt8) {
        self.side = side
        self.slot = slot & 0x7F
    }

    /// The goalkeeper of `side`.
    public static func keeper(of side: Side) -> PlayerRef { PlayerRef(side: side, slot: keeperSlot) }

    /// Whether this is a goalkeeper.
    public var isKeeper: Bool { slot == Self.keeperSlot }

    /// The one-byte wire form.
    public var byte: UInt8 { side.rawValue << 7 | slot }

    /// Decodes the one-byte wire form; every byte is a valid reference.
    public init(byte: UInt8) {
        self.side = byte & 0x80 == 0 ? .home : .away
        self.slot = byte & 0x7F
    }
}
