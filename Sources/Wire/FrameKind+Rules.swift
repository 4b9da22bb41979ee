/// The rules of one frame kind: one row of Spec §3's table.
///
/// The decoder (``Frame/decodeWithHeader(_:)``), the canonical encoder, the server, the client
/// and `validate` all read these rules from here; none keeps a copy.
public struct KindRules: Sendable, Hashable {
    /// The directions the kind may travel.
    public var directions: Set<Direction>
    /// The body formats the kind may use.
    public var formats: [BodyFormat]
    /// Whether a compact body of this kind may be DEFLATE-compressed (Spec §4.4).
    public var compressible: Bool
    /// The event types the header may carry.
    public var eventTypes: ClosedRange<UInt8>

    /// The event types a frame of this kind may carry: in the extended layout (Spec §4.13),
    /// the real matches' kinds 9–13 as well, where the base layout allows 1–8.
    public func eventTypes(extended: Bool) -> ClosedRange<UInt8> {
        guard extended, eventTypes.upperBound == EventType.baseMaximum else { return eventTypes }
        return eventTypes.lowerBound...(EventType.allCases.last?.rawValue ?? EventType.baseMaximum)
    }
    /// Whether the header carries a sequence number (otherwise it is 0).
    public var carriesSequence: Bool
    /// Whether the header carries a score and a minute (otherwise they are 0).
    public var carriesScore: Bool
    /// Whether the header must carry a subscription identifier (non-zero). Only a refusal may
    /// carry 0: it can answer a register whose identifier could not be read (another version).
    public var requiresSubscription: Bool = true

    /// Whether `format` may be compressed under these rules.
    public func allowsCompression(of format: BodyFormat) -> Bool {
        compressible && format == .compact
    }
}

extension FrameKind {
    /// This kind's row of Spec §3, read from a table made once: the decoder, the encoder and the
    /// server consult it for every datagram, and a row made anew allocates its set each time.
    public var rules: KindRules {
        Self.rulesTable[Int(rawValue)] ?? row
    }

    /// Every kind's row, at its raw value.
    private static let rulesTable: [KindRules?] = {
        var table = [KindRules?](repeating: nil, count: Int(UInt8.max) + 1)
        for kind in allCases { table[Int(kind.rawValue)] = kind.row }
        return table
    }()

    /// This kind's row, as Spec §3 gives it.
    private var row: KindRules {
        switch self {
        case .register:
            KindRules(
                directions: [.toServer], formats: [.compact], compressible: false, eventTypes: 0...0, carriesSequence: false, carriesScore: false)
        case .welcome:
            KindRules(directions: [.toClient], formats: [.compact], compressible: true, eventTypes: 0...8, carriesSequence: true, carriesScore: true)
        case .refuse:
            KindRules(
                directions: [.toClient], formats: [.compact], compressible: false, eventTypes: 0...0, carriesSequence: false, carriesScore: false,
                requiresSubscription: false)
        case .challenge:
            KindRules(
                directions: [.toClient], formats: [.compact], compressible: false, eventTypes: 0...0, carriesSequence: false, carriesScore: false)
        case .event:
            KindRules(
                directions: [.toClient], formats: [.json, .compact], compressible: true, eventTypes: 1...8, carriesSequence: true, carriesScore: true)
        case .groupEvent:
            KindRules(
                directions: [.toClient], formats: [.json, .compact], compressible: true, eventTypes: 1...8, carriesSequence: true, carriesScore: true)
        case .end:
            KindRules(directions: [.toClient], formats: [.compact], compressible: false, eventTypes: 0...0, carriesSequence: true, carriesScore: true)
        case .unregister:
            KindRules(directions: [.toServer], formats: [.none], compressible: false, eventTypes: 0...0, carriesSequence: false, carriesScore: false)
        case .nack:
            KindRules(
                directions: [.toServer], formats: [.compact], compressible: false, eventTypes: 0...0, carriesSequence: false, carriesScore: false)
        case .unavailable:
            KindRules(
                directions: [.toClient], formats: [.compact], compressible: false, eventTypes: 0...0, carriesSequence: false, carriesScore: false)
        case .list:
            KindRules(
                directions: [.toServer], formats: [.compact], compressible: false, eventTypes: 0...0, carriesSequence: false, carriesScore: false)
        case .listing:
            KindRules(
                directions: [.toClient], formats: [.compact], compressible: false, eventTypes: 0...0, carriesSequence: false, carriesScore: false)
        case .heartbeat:
            KindRules(
                directions: [.toServer, .toClient], formats: [.none], compressible: false, eventTypes: 0...0, carriesSequence: true,
                carriesScore: false)
        case .reset:
            KindRules(directions: [.toClient], formats: [.none], compressible: false, eventTypes: 0...0, carriesSequence: false, carriesScore: false)
        }
    }
}
