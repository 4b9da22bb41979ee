import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

/// How a subscribed client receives events.
public enum Delivery: String, Sendable, Hashable, CaseIterable {
    /// SoccerStream frames with compact bodies.
    case compact
    /// SoccerStream frames with JSON bodies.
    case json
    /// The original protocol: bare JSON datagrams and `End of transmission`.
    case original
    /// A real match's compact frames in the base layout (Spec §4.13), for a client whose
    /// register did not ask for the extended one.
    case compactBase = "compact-base"
    /// A real match's JSON frames with base-layout headers (Spec §4.13).
    case jsonBase = "json-base"

    /// The delivery of a negotiated body format.
    package init(_ format: BodyFormat) {
        self = format == .json ? .json : .compact
    }

    /// The body format of its SoccerStream frames (welcome, events, group events): JSON for
    /// JSON, compact otherwise (an original-protocol client gets no frames).
    package var format: BodyFormat { self == .json || self == .jsonBase ? .json : .compact }

    /// The delivery a client gets for a real match (Spec §4.13): its own when it asked for the
    /// extended layout (or takes the original protocol's text), else the base layout's.
    package func forRealMatch(features: RegisterFeatures) -> Delivery {
        guard !features.contains(.realMatches) else { return self }
        switch self {
        case .compact: return .compactBase
        case .json: return .jsonBase
        case .original, .compactBase, .jsonBase: return self
        }
    }

    /// Whether a real match's frames go to this delivery in the extended layout.
    package var extendedForRealMatches: Bool { self == .compact || self == .json }

    /// Whether this is a real match's base-layout delivery (Spec §4.13): no multicast group.
    package var isBaseLayout: Bool { self == .compactBase || self == .jsonBase }
}

/// One registered client.
public struct Subscriber: Sendable, Hashable {
    /// Where it listens.
    public var address: SocketAddress {
        didSet {
            datagramAddress = DatagramAddress(address)
            budgetBlock = Self.budgetBlock(address, delivery)
        }
    }
    /// The same, as the kernel takes it: built once, copied into each `sendmmsg` message.
    package private(set) var datagramAddress: DatagramAddress
    /// What it receives.
    public var delivery: Delivery {
        didSet { budgetBlock = Self.budgetBlock(address, delivery) }
    }
    /// For an original-protocol client (its address never validated) not on loopback, the
    /// block its datagrams are budgeted by (``OriginalBudget``); nil for everyone else.
    public private(set) var budgetBlock: AddressPrefix?
    /// When it was last heard from (register, heartbeat), in server seconds.
    public var lastHeard: Double = 0
    /// The preset dictionary agreed for its compressed bodies (0: none).
    public var dictionary: UInt8 = 0
    /// The subscription identifier its register carried and its welcome confirmed (Spec §2.1);
    /// every frame to and from it carries this value. 0 for original-protocol clients.
    public var subscription: UInt64 = 0
    /// Its repair budget (Spec §4.8), made full when first used.
    public var repairBudget: TokenBucket?
    /// Whether it takes its events from the server's multicast group (its register asked for
    /// it and the server has a group, Spec §4.11): events are not sent to its address, only
    /// the welcome, heartbeat answers, repairs and the end.
    public var group = false
    /// Whether its NACKs are answered: false for a subscriber admitted by a token without the
    /// repair permission (Spec/TOKENS.md), whose every NACK is answered "unavailable".
    public var mayRepair = true
    /// Its subscription's key and the server's share when its frames are sealed (Spec/ENCRYPTION.md);
    /// nil in clear. Never kept in the match log: a restarted server cannot restore it.
    public var seal: SubscriptionSeal?

    /// A client at `address` receiving `delivery`.
    public init(
        address: SocketAddress, delivery: Delivery, lastHeard: Double = 0, dictionary: UInt8 = 0,
        subscription: UInt64 = 0, repairBudget: TokenBucket? = nil
    ) {
        self.init(
            address: address, key: DatagramAddress(address), delivery: delivery, lastHeard: lastHeard, dictionary: dictionary,
            subscription: subscription, repairBudget: repairBudget)
    }

    /// A client at `address` (whose kernel bytes, `key`, the register path has built already to
    /// look it up) receiving `delivery`.
    package init(
        address: SocketAddress, key: DatagramAddress, delivery: Delivery, lastHeard: Double = 0, dictionary: UInt8 = 0,
        subscription: UInt64 = 0, repairBudget: TokenBucket? = nil
    ) {
        self.address = address
        self.datagramAddress = key
        self.delivery = delivery
        self.budgetBlock = Self.budgetBlock(address, delivery)
        self.lastHeard = lastHeard
        self.dictionary = dictionary
        self.subscription = subscription
        self.repairBudget = repairBudget
    }

    private static func budgetBlock(_ address: SocketAddress, _ delivery: Delivery) -> AddressPrefix? {
        delivery == .original ? AddressPrefix(budgetOf: address) : nil
    }
}
