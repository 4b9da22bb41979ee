import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

/// The server's bookkeeping, free of I/O: who is subscribed and how, what to answer each
/// datagram, and what each event goes to. ``StreamServer`` holds it under a lock.
public struct ServerState: Sendable {
    /// A datagram to send.
    public typealias Reply = OutboundDatagram

    /// Something worth logging.
    public enum Notice: Sendable {
        case registered(Subscriber, count: Int, repeated: Bool)
        case unregistered(SocketAddress, Delivery, count: Int)
        case refused(SocketAddress, Refusal)
        case rejected(SocketAddress, reason: String)
        case originalRefused(SocketAddress, reason: String)
        case challenged(SocketAddress)
        /// A page of the listing sent (Spec §4.9).
        case listed(SocketAddress, matches: Int)
        case timedOut(Subscriber, silentFor: Double)
        /// A NACK answered: how many events were sent again, how many are no longer held, and how
        /// many the budget left unanswered (the client asks again later).
        case repaired(SocketAddress, sent: Int, unavailable: Int, overBudget: Int)
        /// A datagram the server meant to send could not be encoded, so nothing was sent: a
        /// programming error (the built-in teams and texts always fit), logged and counted.
        case encodingFailed(what: String, SocketAddress?, WireError)
        /// A NACK asked for events the repair ring does not hold, of a match the durable log
        /// holds: the server reads them there and calls ``answerFromLog(_:events:)``.
        case lookUp(LogLookup)
        /// A relay following on demand was asked for a match it does not carry (after the
        /// address check): it subscribes upstream; the register is answered by its next attempt.
        case wanted(UInt32)
        /// A heartbeat, NACK or unregister under an identifier this server holds no subscription
        /// for (it restarted and did not keep it) was answered with a reset (Spec §4.12).
        case reset(SocketAddress, what: String)
        /// A subscriber whose token no longer stands (revoked, or expired) was unsubscribed and
        /// told why (Spec/TOKENS.md, "Revocation"); `count` subscribers remain.
        case cutOff(Subscriber, Refusal, count: Int)
    }

    /// Events to read from the durable match log for one NACK (the part the ring could not answer).
    public struct LogLookup: Sendable, Hashable {
        /// Who asked.
        public var address: SocketAddress
        /// The match: its slot, id and number in the log.
        public var slot: Int
        public var matchID: UInt32
        public var logNumber: Int
        /// The sequence numbers asked for that the ring does not hold.
        public var sequences: SequenceRanges
    }

    /// The configuration.
    public internal(set) var configuration: ServerConfiguration
    /// What each format's welcomes offer when the server sends to a multicast group (Spec
    /// §4.11): the group, that format's port, and the key its events are signed with; empty
    /// without a group (then a register asking for group delivery is served unicast, and its
    /// welcome says so by offering nothing).
    public var multicastOffers: [BodyFormat: MulticastOffer] = [:] {
        didSet { for slot in matches.indices { matches[slot].welcomes.removeAll() } }
    }
    /// The matches carried, by slot (slot 0 is the first; ``addMatch(id:roster:catalog:)`` adds more).
    public internal(set) var matches: [LiveMatch]
    /// The slot of the match each subscribed (or ended, still answered for repair) address follows.
    package var slotOf: [DatagramAddress: Int] = [:]
    /// Subscribed clients over every match.
    public internal(set) var clientCount = 0
    /// Datagrams rejected, by reason.
    public internal(set) var rejects: [String: Int] = [:]
    /// Events sent again on request (Spec §4.8).
    public internal(set) var repairsSent = 0
    /// Resets sent (Spec §4.12).
    public internal(set) var resetsSent = 0
    /// Sequence numbers answered "unavailable" (no longer held).
    public internal(set) var unavailableSent = 0
    /// The server's total repair budget (NACK storms from many clients).
    package var repairBudget: TokenBucket?
    /// Set while a restarted server has kept subscriptions still to restore (Spec §4.12): no
    /// reset is sent meanwhile (``StreamServer`` clears it once they are restored).
    public var holdingResets = false
    /// Resets sent per client IP (``RegistrationLimiter``) and in all (Spec §4.12: rate-limited).
    package var resetLimiter: RegistrationLimiter
    package var resetBudget: TokenBucket?
    /// Resets sent per second at most, over all addresses, and per IP.
    public static let resetRate = (total: 1000.0, perIP: 10.0)
    /// The bytes a second original-protocol clients (never validated) may be sent, and what it dropped.
    public internal(set) var originalBudget: OriginalBudget
    /// Datagrams not sent because they failed to encode, by what they were (see ``Notice/encodingFailed(what:_:_:)``).
    public internal(set) var encodingFailures: [String: Int] = [:]
    package var validator: AddressValidator
    package var limiter: RegistrationLimiter
    /// Where the time comes from.
    package let clock: any ProtocolClock
    /// Clock time (seconds) of the datagram being handled.
    package var now: Double = 0
    /// No SoccerStream subscriber was last heard before this (seconds; lowered by each
    /// subscription, raised by each scan of ``expire()``): until it is a client timeout old,
    /// nobody can have timed out, and ``expire()`` reads no subscriber.
    package var earliestHeard = -Double.infinity

    /// The subscriptions admitted by a token, by address: checked again when the revocation
    /// list is reloaded and about once a second (``cutOffFallen()``, ``HousekeepingSchedule``).
    package var admitted: [DatagramAddress: AdmittedToken] = [:]
    /// The counter of the last sealed welcome, end or refuse (Spec/ENCRYPTION.md, "Nonces"):
    /// one per server, so never the same twice under one subscription's key.
    package var sealCounter: UInt32 = 0
    /// The group keys when the server seals (`--encrypt`), used once it sends to a group
    /// (Spec/ENCRYPTION.md, "Multicast: the group key"); nil otherwise.
    public internal(set) var groupKeys: GroupKeyRing?
    /// When the group key last rotated, in server seconds.
    package var groupKeyRotatedAt: Double = 0

    /// Matches an on-demand relay's upstream refused: registers for them are refused here too.
    public internal(set) var unknownUpstream: Set<UInt32> = []

    /// Creates the state of a server that has not started a match, reading the time from
    /// `clock`: one match (slot 0, id 0 until announced) with `roster` and the configured
    /// language, unless the configuration simulates none (feeds only).
    public init(configuration: ServerConfiguration, roster: Roster = .original, clock: any ProtocolClock = SystemClock()) {
        self.configuration = configuration
        // Slot 0 is the first simulated match; a server of feeds only adds its matches as their line-ups arrive.
        self.matches =
            configuration.simulate > 0
            ? [
                LiveMatch(
                    id: 0, roster: roster, catalog: configuration.language.catalog, firstSequence: configuration.firstSequence,
                    intervalMicroseconds: configuration.intervalMicroseconds)
            ] : []
        self.clock = clock
        self.groupKeys = configuration.encryption == .off ? nil : GroupKeyRing()
        self.validator = AddressValidator(at: clock.now())
        self.limiter = RegistrationLimiter(rate: configuration.registerRate, burst: configuration.registerBurst, clock: clock)
        self.originalBudget = OriginalBudget(settings: configuration.originalBudget)
        self.resetLimiter = RegistrationLimiter(rate: Self.resetRate.perIP, clock: clock)
    }

    /// Adds a match that has not kicked off (Spec §4.9) and returns its slot; `paced` false for
    /// a feed's (its welcome announces interval 0).
    public mutating func addMatch(id: UInt32, roster: Roster, catalog: PhraseCatalog, paced: Bool = true) -> Int {
        addMatch(id: id, roster: roster, catalog: catalog, intervalMicroseconds: paced ? configuration.intervalMicroseconds : 0)
    }

    /// Adds a match whose welcome announces `intervalMicroseconds` (a relay's: its upstream's).
    public mutating func addMatch(id: UInt32, roster: Roster, catalog: PhraseCatalog, intervalMicroseconds: UInt32) -> Int {
        matches.append(
            LiveMatch(
                id: id, roster: roster, catalog: catalog, firstSequence: configuration.firstSequence,
                intervalMicroseconds: intervalMicroseconds))
        return matches.count - 1
    }

    /// The next event of slot `slot` is `sequence` (a relay's event keeps its upstream sequence;
    /// one its upstream gave up is skipped, and a client that asks for it is told "unavailable").
    public mutating func advance(slot: Int, to sequence: UInt32) {
        matches[slot].nextSequence = sequence
    }

    /// Names slot `slot`'s next match before it kicks off (the first, or with `--loop` the one
    /// replacing a match that ended), so that registers can name it; it is listed as waiting.
    /// The ended match's subscriptions stay answered for repair until it begins.
    public mutating func announce(id: UInt32, slot: Int = 0) {
        matches[slot].id = id
        matches[slot].status = .waiting
    }

    /// A token for `address` now, as a challenge would carry it (for tests and tools).
    public func token(for address: SocketAddress) -> [UInt8] {
        validator.token(for: address, at: clock.now())
    }

    /// Subscribed clients over every match, by address.
    public var subscribers: [SocketAddress: Subscriber] {
        matches.reduce(into: [:]) { all, match in
            for subscriber in match.subscribers.values where all[subscriber.address] == nil { all[subscriber.address] = subscriber }
        }
    }

    /// Subscribed clients per delivery, over every match.
    public var deliveryCounts: [Delivery: Int] {
        matches.reduce(into: [:]) { all, match in all.merge(match.deliveryCounts, uniquingKeysWith: +) }
    }

    /// The sequence number the next event of slot `slot`'s match gets.
    public func nextSequence(slot: Int = 0) -> UInt32 { matches[slot].nextSequence }

    /// The slot of the live (or not yet started) match with identifier `id`, or for
    /// ``RegisterRequest/anyMatch`` the first live one (else the first waiting one).
    public func slot(for id: UInt32) -> Int? {
        // Each match's fields read in place: `firstIndex(where:)` handed its closure a copy of
        // each match it passed (its tables retained and released), at every register.
        if id == RegisterRequest.anyMatch {
            return matches.indices.first { matches[$0].status == .live } ?? matches.indices.first { matches[$0].status == .waiting }
        }
        return matches.indices.first { matches[$0].id == id && matches[$0].status != .ended }
    }

    /// A page of the listing, from the `offset`-th match.
    public func listing(from offset: Int) -> MatchListing {
        MatchListing.page(of: matches.map(\.summary), from: offset)
    }

    /// Adds or replaces a subscription in slot `slot`, keeping the counts.
    package mutating func subscribe(_ subscriber: Subscriber, slot: Int) {
        slotOf.growAhead(limit: configuration.maxClients)
        // One look-up for the old slot and the new.
        if let previous = slotOf.updateValue(slot, forKey: subscriber.datagramAddress), previous != slot {
            // Moving to another match: leave the old one first.
            if matches[previous].unsubscribe(subscriber.datagramAddress) != nil { clientCount -= 1 }
            matches[previous].ended[subscriber.datagramAddress] = nil
        }
        if matches[slot].subscribe(subscriber, limit: configuration.maxClients) { clientCount += 1 }
        earliestHeard = min(earliestHeard, subscriber.lastHeard)
    }

    /// Removes a subscription, keeping the counts.
    package mutating func unsubscribe(_ address: SocketAddress) -> Subscriber? {
        unsubscribe(DatagramAddress(address))
    }

    /// Removes the subscription at `key`, keeping the counts.
    package mutating func unsubscribe(_ key: DatagramAddress) -> Subscriber? {
        guard let slot = slotOf[key], let removed = matches[slot].unsubscribe(key) else { return nil }
        if matches[slot].ended[key] == nil { slotOf[key] = nil }
        clientCount -= 1
        return removed
    }

    /// The subscription at `address` (or, when its match has ended, the ended one still
    /// answered for repair), and its slot.
    package func subscriberAndSlot(at address: SocketAddress, includingEnded: Bool = false) -> (Subscriber, slot: Int)? {
        subscriberAndSlot(at: DatagramAddress(address), includingEnded: includingEnded)
    }

    /// ``subscriberAndSlot(at:includingEnded:)`` by the address's kernel bytes, which key the
    /// subscription tables: plain values, hashed and compared without touching NIO's boxed address.
    package func subscriberAndSlot(at key: DatagramAddress, includingEnded: Bool = false) -> (Subscriber, slot: Int)? {
        guard let slot = slotOf[key] else { return nil }
        if let subscriber = matches[slot].subscribers[key] { return (subscriber, slot) }
        if includingEnded, let subscriber = matches[slot].ended[key] { return (subscriber, slot) }
        return nil
    }

    /// Answers one datagram from `address` that has just arrived.
    public mutating func handle(_ bytes: [UInt8], from address: SocketAddress) -> (replies: [Reply], notices: [Notice]) {
        now = clock.now()
        validator.rotateIfDue(at: now)
        guard bytes.count <= configuration.maximumInboundDatagram else {
            return reject(address, "oversized datagram (over \(configuration.maximumInboundDatagram) bytes)")
        }
        switch WireProtocol(of: bytes) {
        case .soccerStream: return handleFrame(bytes, from: address)
        case .original: return handleOriginal(bytes, from: address)
        }
    }

    /// A datagram made, or the notice of its failure to encode.
    package enum Encoding {
        case success(ByteBuffer)
        case failure(Notice)
    }

    /// Encodes a datagram for `address`, or reports the failure (nothing is sent).
    package static func encode(_ what: String, for address: SocketAddress?, _ make: () throws(WireError) -> [UInt8]) -> Encoding {
        do {
            return .success(ByteBuffer(bytes: try make()))
        } catch {
            return .failure(.encodingFailed(what: what, address, error))
        }
    }

    /// Counts an encoding failure in ``encodingFailures``.
    package mutating func counted(_ encoding: Encoding) -> Encoding {
        if case .failure(.encodingFailed(let what, _, _)) = encoding { encodingFailures[what, default: 0] += 1 }
        return encoding
    }

    package mutating func reject(_ address: SocketAddress, _ reason: String) -> (replies: [Reply], notices: [Notice]) {
        rejects[reason, default: 0] += 1
        return ([], [.rejected(address, reason: reason)])
    }

    /// A refusal, never larger than `budget` bytes (what the address sent, when it is not
    /// validated): the text is shortened to fit, and nothing is sent if even that cannot fit.
    package mutating func refuse(
        _ address: SocketAddress, _ reason: RefuseReason, _ text: String, budget: Int,
        subscription: UInt64
    ) -> (replies: [Reply], notices: [Notice]) {
        rejects["refused: \(reason.name)", default: 0] += 1
        let room = budget - FrameHeader.size - 2
        guard room >= 0 else { return ([], [.rejected(address, reason: "refusal (\(reason.name)) larger than the request; not sent")]) }
        let refusal = Refusal(reason: reason, shortening: text, to: room)
        switch counted(
            Self.encode(
                "refuse (\(reason.name))", for: address,
                { () throws(WireError) in try Frame(body: .refuse(refusal), subscription: subscription).encoded() }))
        {
        case .success(let payload):
            return ([Reply(address: address, payload: payload)], [.refused(address, Refusal(reason: reason, text: text))])
        case .failure(let notice):
            return ([], [notice])
        }
    }

    package mutating func handleFrame(_ bytes: [UInt8], from address: SocketAddress) -> (replies: [Reply], notices: [Notice]) {
        let frame: Frame
        do {
            frame = try Frame.decode(bytes)
            guard frame.kind.rules.directions.contains(.toServer) else {
                return reject(address, "\(frame.kind.name) frame sent to the server")
            }
        } catch {
            let isRegister = FrameHeader.kind(in: bytes) == .register
            if isRegister && error.code == .unsupportedVersion {
                // Another version's header may not hold an identifier where ours does: the refusal carries 0.
                return refuse(
                    address, .unsupportedVersion, "version \(FrameHeader.currentVersion) only; you sent \(bytes[FrameHeader.versionOffset])",
                    budget: bytes.count, subscription: 0)
            }
            if isRegister && bytes[FrameHeader.versionOffset] == FrameHeader.currentVersion {
                return refuse(
                    address, .malformed, "malformed register: \(error.code.rawValue) at byte \(error.offset) (\(error.field))",
                    budget: bytes.count, subscription: FrameHeader.subscription(in: bytes))
            }
            return reject(address, "\(error.code.rawValue) (\(error.field))")
        }
        switch frame.body {
        case .register(let request):
            return register(address, request, subscription: frame.subscription, size: bytes.count)
        case .list(let request):
            return list(address, request, subscription: frame.subscription, size: bytes.count)
        case .unregister:
            guard let (subscriber, _) = subscriberAndSlot(at: address), subscriber.delivery != .original else {
                return resetOrReject(address, frame, "unregister")
            }
            guard subscriber.subscription == frame.subscription else {
                return reject(address, "unregister with another subscription's identifier")
            }
            _ = unsubscribe(address)
            return ([], [.unregistered(address, subscriber.delivery, count: clientCount)])
        case .heartbeat:
            guard let (subscriber, slot) = subscriberAndSlot(at: address), subscriber.delivery != .original else {
                return resetOrReject(address, frame, "heartbeat")
            }
            guard subscriber.subscription == frame.subscription else {
                return reject(address, "heartbeat with another subscription's identifier")
            }
            matches[slot].subscribers[subscriber.datagramAddress]?.lastHeard = now
            // The answer is the same size as the question, and tells the client the server lives.
            return heartbeat(to: subscriber, slot: slot)
        case .nack(let ranges):
            guard let (subscriber, slot) = subscriberAndSlot(at: address, includingEnded: true), subscriber.delivery != .original else {
                return resetOrReject(address, frame, "nack")
            }
            guard subscriber.subscription == frame.subscription else {
                return reject(address, "nack with another subscription's identifier")
            }
            // An ended match's subscription still repairing is not silent either (``expire()``).
            matches[slot].subscribers[subscriber.datagramAddress]?.lastHeard = now
            matches[slot].ended[subscriber.datagramAddress]?.lastHeard = now
            return repair(subscriber, ranges, slot: slot)
        case .welcome, .refuse, .event, .end, .challenge, .unavailable, .listing, .reset:
            // Spec §3's directions (FrameKind.rules) turned these away above.
            return reject(address, "\(frame.kind.name) frame sent to the server")
        }
    }
}
