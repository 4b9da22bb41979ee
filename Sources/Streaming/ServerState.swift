import Match
import NIOCore
import Wire

/// The server's bookkeeping, free of I/O: who is subscribed and how, what to answer each
/// datagram, and what each event goes to. ``StreamServer`` holds it under a lock.
public struct ServerState: Sendable {
    /// A datagram to send.
    public struct Reply: Sendable {
        /// Where to.
        public var address: SocketAddress
        /// What.
        public var payload: ByteBuffer
    }

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
    public let configuration: ServerConfiguration
    /// What each format's welcomes offer when the server sends to a multicast group (Spec
    /// §4.11): the group, that format's port, and the key its events are signed with; empty
    /// without a group (then a register asking for group delivery is served unicast, and its
    /// welcome says so by offering nothing).
    public var multicastOffers: [BodyFormat: MulticastOffer] = [:] {
        didSet { for slot in matches.indices { matches[slot].welcomes.removeAll() } }
    }
    /// The matches carried, by slot (slot 0 is the first; ``addMatch(id:roster:catalog:)`` adds more).
    public private(set) var matches: [LiveMatch]
    /// The slot of the match each subscribed (or ended, still answered for repair) address follows.
    private var slotOf: [SocketAddress: Int] = [:]
    /// Subscribed clients over every match.
    public private(set) var clientCount = 0
    /// Datagrams rejected, by reason.
    public private(set) var rejects: [String: Int] = [:]
    /// Events sent again on request (Spec §4.8).
    public private(set) var repairsSent = 0
    /// Resets sent (Spec §4.12).
    public private(set) var resetsSent = 0
    /// Sequence numbers answered "unavailable" (no longer held).
    public private(set) var unavailableSent = 0
    /// The server's total repair budget (NACK storms from many clients).
    private var repairBudget: TokenBucket?
    /// Resets sent per client IP (``RegistrationLimiter``) and in all (Spec §4.12: rate-limited).
    private var resetLimiter: RegistrationLimiter
    private var resetBudget: TokenBucket?
    /// Resets sent per second at most, over all addresses, and per IP.
    public static let resetRate = (total: 1000.0, perIP: 10.0)
    /// The bytes a second original-protocol clients (never validated) may be sent, and what it dropped.
    public private(set) var originalBudget: OriginalBudget
    /// Datagrams not sent because they failed to encode, by what they were (see ``Notice/encodingFailed(what:_:_:)``).
    public private(set) var encodingFailures: [String: Int] = [:]
    private var validator: AddressValidator
    private var limiter: RegistrationLimiter
    /// Where the time comes from.
    private let clock: any ProtocolClock
    /// Clock time (seconds) of the datagram being handled.
    private var now: Double = 0

    /// Creates the state of a server that has not started a match, reading the time from
    /// `clock`: one match (slot 0, id 0 until announced) with `roster` and the configured
    /// language, unless the configuration simulates none (feeds only).
    public init(configuration: ServerConfiguration, roster: Roster = .original, clock: any ProtocolClock = SystemClock()) {
        self.configuration = configuration
        // Slot 0 is the first simulated match; a server of feeds only adds its matches as their line-ups arrive.
        self.matches = configuration.simulate > 0
            ? [LiveMatch(id: 0, roster: roster, catalog: configuration.language.catalog, firstSequence: configuration.firstSequence,
                         intervalMicroseconds: configuration.intervalMicroseconds)] : []
        self.clock = clock
        self.validator = AddressValidator(clock: clock)
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
        matches.append(LiveMatch(id: id, roster: roster, catalog: catalog, firstSequence: configuration.firstSequence,
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
        validator.token(for: address)
    }

    /// Subscribed clients over every match, by address.
    public var subscribers: [SocketAddress: Subscriber] {
        matches.reduce(into: [:]) { all, match in all.merge(match.subscribers) { first, _ in first } }
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
        if id == RegisterRequest.anyMatch {
            return matches.firstIndex { $0.status == .live } ?? matches.firstIndex { $0.status == .waiting }
        }
        return matches.firstIndex { $0.id == id && $0.status != .ended }
    }

    /// A page of the listing, from the `offset`-th match.
    public func listing(from offset: Int) -> MatchListing {
        MatchListing.page(of: matches.map(\.summary), from: offset)
    }

    /// Adds or replaces a subscription in slot `slot`, keeping the counts.
    private mutating func subscribe(_ subscriber: Subscriber, slot: Int) {
        if let previous = slotOf[subscriber.address], previous != slot {
            // Moving to another match: leave the old one first.
            if matches[previous].unsubscribe(subscriber.address) != nil { clientCount -= 1 }
            matches[previous].ended[subscriber.address] = nil
        }
        slotOf[subscriber.address] = slot
        if matches[slot].subscribe(subscriber) { clientCount += 1 }
    }

    /// Removes a subscription, keeping the counts.
    private mutating func unsubscribe(_ address: SocketAddress) -> Subscriber? {
        guard let slot = slotOf[address], let removed = matches[slot].unsubscribe(address) else { return nil }
        if matches[slot].ended[address] == nil { slotOf[address] = nil }
        clientCount -= 1
        return removed
    }

    /// The subscription at `address` (or, when its match has ended, the ended one still
    /// answered for repair), and its slot.
    private func subscriberAndSlot(at address: SocketAddress, includingEnded: Bool = false) -> (Subscriber, slot: Int)? {
        guard let slot = slotOf[address] else { return nil }
        if let subscriber = matches[slot].subscribers[address] { return (subscriber, slot) }
        if includingEnded, let subscriber = matches[slot].ended[address] { return (subscriber, slot) }
        return nil
    }

    /// Starts a new match in slot `slot`: clears its latest event and sets its id. A match
    /// `resuming` from the match log keeps the latest event ``resume(slot:nextSequence:logNumber:latest:)`` gave it.
    public mutating func beginMatch(id: UInt32, slot: Int = 0, resuming: Bool = false) {
        for address in matches[slot].begin(id: id, resuming: resuming) where matches[slot].subscribers[address] == nil {
            slotOf[address] = nil
        }
    }

    /// Continues slot `slot`'s match from the match log, where it is match `logNumber`: its
    /// next event gets `nextSequence` (the events before it were streamed by an earlier run of
    /// the server, and NACKs for them are answered from the log), and `latest` (the last logged
    /// event) is its latest event again, so that a welcome tells a returning client how far the
    /// match got (and so what it missed) before the next event comes.
    public mutating func resume(slot: Int, nextSequence: UInt32, logNumber: Int, latest: MatchEvent?) -> [Notice] {
        matches[slot].logNumber = logNumber
        return continueMatch(slot: slot, nextSequence: nextSequence, latest: latest)
    }

    /// Slot `slot`'s match continues one that began elsewhere (an earlier run, or a relay's
    /// upstream): its next event gets `nextSequence`, and `latest` (the one before) is its latest
    /// event, so that welcomes show how far the match got.
    public mutating func continueMatch(slot: Int, nextSequence: UInt32, latest: MatchEvent?) -> [Notice] {
        matches[slot].nextSequence = nextSequence
        guard let latest else { return [] }
        do {
            let event = try EncodedEvent(event: latest, sequence: nextSequence &- 1, roster: matches[slot].roster, catalog: matches[slot].catalog,
                                         deliveries: [.compact])
            matches[slot].current = event
            matches[slot].keepForRepair(event, events: configuration.repairRingEvents, bytes: configuration.repairRingBytes)
            return []
        } catch {
            encodingFailures["resumed match's latest event", default: 0] += 1
            return [.encodingFailed(what: "resumed match's latest event", nil, error)]
        }
    }

    /// A relay's upstream for slot `slot` is lost (`lost`) or back (Spec §4.10): from now on its
    /// heartbeat answers say so, and each SoccerStream subscriber gets one heartbeat saying it
    /// now (the replies). Nothing when the state does not change.
    public mutating func setSourceLost(_ lost: Bool, slot: Int) -> [Reply] {
        guard matches[slot].sourceLost != lost else { return [] }
        matches[slot].sourceLost = lost
        let sequence = matches[slot].current?.sequence ?? matches[slot].nextSequence
        var heartbeat = Frame(sequence: sequence, body: .heartbeat)
        heartbeat.sourceLost = lost
        switch counted(Self.encode("source-lost heartbeat", for: nil, { () throws(WireError) in try heartbeat.encoded() })) {
        case .success(let payload):
            return matches[slot].subscribers.values.filter { $0.delivery != .original }.map { subscriber in
                Reply(address: subscriber.address, payload: payload.stamped(subscriber.subscription))
            }
        case .failure:
            return []
        }
    }

    /// Matches an on-demand relay's upstream refused: registers for them are refused here too.
    public private(set) var unknownUpstream: Set<UInt32> = []

    /// An on-demand relay's upstream does not carry match `id` (Spec §4.10): refuse it from now on.
    public mutating func upstreamRefused(_ id: UInt32) {
        unknownUpstream.insert(id)
    }

    /// A heartbeat to `subscriber` carrying slot `slot`'s latest sequence (and its source-lost
    /// flag): the answer to its heartbeat, or, unasked, the word of a restarted server that kept
    /// its subscription (the sequence reveals what it missed, Spec §4.8).
    private mutating func heartbeat(to subscriber: Subscriber, slot: Int) -> (replies: [Reply], notices: [Notice]) {
        let sequence = matches[slot].current?.sequence ?? matches[slot].nextSequence
        let lost = matches[slot].sourceLost
        switch counted(Self.encode("heartbeat", for: subscriber.address, { () throws(WireError) in
            var answer = Frame(sequence: sequence, body: .heartbeat, subscription: subscriber.subscription)
            answer.sourceLost = lost
            return try answer.encoded()
        })) {
        case .success(let payload): return ([Reply(address: subscriber.address, payload: payload)], [])
        case .failure(let notice): return ([], [notice])
        }
    }

    /// Slot `slot`'s ``LiveMatch/subscribersVersion``.
    public func subscribersVersion(slot: Int) -> Int { matches[slot].subscribersVersion }

    /// Slot `slot`'s subscriptions and their version (``LiveMatch/subscribersVersion``): what
    /// the match log keeps of them.
    public func keptSubscribers(slot: Int) -> (version: Int, subscribers: [Subscriber]) {
        (matches[slot].subscribersVersion, Array(matches[slot].subscribers.values))
    }

    /// Subscribes again, to slot `slot`'s resumed match, the subscriptions the match log kept
    /// for it (Spec §4.12: an original client cannot register again, and a SoccerStream client
    /// need not), as far as the server's client limit allows; returns those restored. A
    /// SoccerStream subscription whose format or dictionary this run does not serve is left
    /// out (its client is reset when it next speaks, and registers again); so is an original
    /// client outside the original protocol's ranges. Each SoccerStream one restored is sent its
    /// welcome again at once (the replies), so that it hears from the server without waiting for
    /// the next event, learns what it missed (the latest event's sequence, Spec §4.8) and the
    /// group this run offers, if it changed (§4.11).
    public mutating func restoreSubscribers(_ kept: [Subscriber], slot: Int) -> (restored: [Subscriber], replies: [Reply], notices: [Notice]) {
        var restored: [Subscriber] = []
        var replies: [Reply] = []
        var notices: [Notice] = []
        for var subscriber in kept where subscriberAndSlot(at: subscriber.address) == nil && clientCount < configuration.maxClients {
            if subscriber.delivery == .original {
                guard configuration.originalAllowed && configuration.originalAccepted(from: subscriber.address) else { continue }
            } else {
                guard subscriber.subscription != 0, configuration.formats.contains(subscriber.delivery.format),
                      subscriber.dictionary == 0 || configuration.dictionaries.contains(where: { $0.id == subscriber.dictionary }) else { continue }
                subscriber.group = subscriber.group && multicastOffers[subscriber.delivery.format] != nil
            }
            subscriber.lastHeard = clock.now()
            subscribe(subscriber, slot: slot)
            restored.append(subscriber)
            if subscriber.delivery != .original {
                let (welcome, said) = welcoming(subscriber, slot: slot, repeated: true)
                replies += welcome
                notices += said.filter { if case .registered = $0 { false } else { true } }
            }
        }
        return (restored, replies, notices)
    }

    /// Slot `slot`'s current match is match `number` of the durable log: from now on, a NACK
    /// for events its ring does not hold is a ``Notice/lookUp(_:)``.
    public mutating func logged(slot: Int, number: Int) {
        matches[slot].logNumber = number
    }

    /// Answers the part of a NACK the ring could not, with the events the log holds for it
    /// (`events`, by sequence): they are kept in the ring again (the next NACK for them, from
    /// this client or another, is answered from there), sent within the budgets like any
    /// repair, and what the log does not hold either is answered "unavailable". Nothing is sent
    /// when the client is gone or the slot carries another match by now.
    public mutating func answerFromLog(_ lookup: LogLookup, events: [UInt32: MatchEvent]) -> (replies: [Reply], notices: [Notice]) {
        now = clock.now()
        guard matches.indices.contains(lookup.slot), matches[lookup.slot].id == lookup.matchID,
              matches[lookup.slot].logNumber == lookup.logNumber else { return ([], []) }
        // Not a copy of the match: that would copy its ring when the ring grows below.
        let (roster, catalog, deliveries) = (matches[lookup.slot].roster, matches[lookup.slot].catalog, matches[lookup.slot].deliveriesInUse)
        let asked = Set(lookup.sequences.sequences)
        var notices: [Notice] = []
        for (sequence, event) in events.sorted(by: { $0.key < $1.key }) where asked.contains(sequence) && matches[lookup.slot].ring[sequence] == nil {
            do {
                let encoded = try EncodedEvent(event: event, sequence: sequence, roster: roster, catalog: catalog, deliveries: deliveries)
                matches[lookup.slot].keepForRepair(encoded, events: configuration.repairRingEvents, bytes: configuration.repairRingBytes)
            } catch {
                encodingFailures["repair from the match log", default: 0] += 1
                notices.append(.encodingFailed(what: "repair from the match log", lookup.address, error))
            }
        }
        guard let subscriber = matches[lookup.slot].subscribers[lookup.address] ?? matches[lookup.slot].ended[lookup.address] else {
            return ([], notices)
        }
        let (replies, repairNotices) = repair(subscriber, lookup.sequences, slot: lookup.slot, consultLog: false)
        return (replies, notices + repairNotices)
    }

    /// Answers one datagram from `address` that has just arrived.
    public mutating func handle(_ bytes: [UInt8], from address: SocketAddress) -> (replies: [Reply], notices: [Notice]) {
        now = clock.now()
        validator.rotateIfDue()
        guard bytes.count <= configuration.maximumInboundDatagram else {
            return reject(address, "oversized datagram (over \(configuration.maximumInboundDatagram) bytes)")
        }
        switch WireProtocol(of: bytes) {
        case .soccerStream: return handleFrame(bytes, from: address)
        case .original: return handleOriginal(bytes, from: address)
        }
    }

    /// A datagram made, or the notice of its failure to encode.
    private enum Encoding {
        case success(ByteBuffer)
        case failure(Notice)
    }

    /// Encodes a datagram for `address`, or reports the failure (nothing is sent).
    private static func encode(_ what: String, for address: SocketAddress?, _ make: () throws(WireError) -> [UInt8]) -> Encoding {
        do {
            return .success(ByteBuffer(bytes: try make()))
        } catch {
            return .failure(.encodingFailed(what: what, address, error))
        }
    }

    /// Counts an encoding failure in ``encodingFailures``.
    private mutating func counted(_ encoding: Encoding) -> Encoding {
        if case .failure(.encodingFailed(let what, _, _)) = encoding { encodingFailures[what, default: 0] += 1 }
        return encoding
    }

    private mutating func reject(_ address: SocketAddress, _ reason: String) -> (replies: [Reply], notices: [Notice]) {
        rejects[reason, default: 0] += 1
        return ([], [.rejected(address, reason: reason)])
    }

    /// A refusal, never larger than `budget` bytes (what the address sent, when it is not
    /// validated): the text is shortened to fit, and nothing is sent if even that cannot fit.
    private mutating func refuse(_ address: SocketAddress, _ reason: RefuseReason, _ text: String, budget: Int,
                                 subscription: UInt64) -> (replies: [Reply], notices: [Notice]) {
        rejects["refused: \(reason.name)", default: 0] += 1
        let room = budget - FrameHeader.size - 2
        guard room >= 0 else { return ([], [.rejected(address, reason: "refusal (\(reason.name)) larger than the request; not sent")]) }
        var shortened = ""
        for character in text where shortened.utf8.count + character.utf8.count <= min(room, 255) {
            shortened.append(character)
        }
        let refusal = Refusal(reason: reason, text: shortened)
        switch counted(Self.encode("refuse (\(reason.name))", for: address, { () throws(WireError) in try Frame(body: .refuse(refusal), subscription: subscription).encoded() })) {
        case .success(let payload):
            return ([Reply(address: address, payload: payload)], [.refused(address, Refusal(reason: reason, text: text))])
        case .failure(let notice):
            return ([], [notice])
        }
    }

    private mutating func handleFrame(_ bytes: [UInt8], from address: SocketAddress) -> (replies: [Reply], notices: [Notice]) {
        let frame: Frame
        do {
            frame = try Frame.decode(bytes)
            guard frame.kind.rules.directions.contains(.toServer) else {
                return reject(address, "\(frame.kind.name) frame sent to the server")
            }
        } catch {
            let isRegister = bytes.count > 3 && bytes[1] == FrameHeader.magic.1 && bytes[3] == FrameKind.register.rawValue
            if isRegister && error.code == .unsupportedVersion {
                // Another version's header may not hold an identifier where ours does: the refusal carries 0.
                return refuse(address, .unsupportedVersion, "version \(FrameHeader.currentVersion) only; you sent \(bytes[2])",
                              budget: bytes.count, subscription: 0)
            }
            if isRegister && bytes[2] == FrameHeader.currentVersion {
                return refuse(address, .malformed, "malformed register: \(error.code.rawValue) at byte \(error.offset) (\(error.field))",
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
            matches[slot].subscribers[address]?.lastHeard = now
            // The answer is the same size as the question, and tells the client the server lives.
            return heartbeat(to: subscriber, slot: slot)
        case .nack(let ranges):
            guard let (subscriber, slot) = subscriberAndSlot(at: address, includingEnded: true), subscriber.delivery != .original else {
                return resetOrReject(address, frame, "nack")
            }
            guard subscriber.subscription == frame.subscription else {
                return reject(address, "nack with another subscription's identifier")
            }
            matches[slot].subscribers[address]?.lastHeard = now
            return repair(subscriber, ranges, slot: slot)
        case .welcome, .refuse, .event, .end, .challenge, .unavailable, .listing, .reset:
            // Spec §3's directions (FrameKind.rules) turned these away above.
            return reject(address, "\(frame.kind.name) frame sent to the server")
        }
    }

    /// A `what` (heartbeat, NACK, unregister) from an address this server holds nothing for,
    /// not even an ended subscription: answered with a reset under the frame's identifier
    /// (Spec §4.12), a header alone, so never more bytes than the frame had (every frame has at
    /// least a header), and within the reset rates; otherwise rejected. The address is not
    /// trusted: the reset carries back only the identifier it came with, which the real client
    /// alone knows (a forger's guess makes a reset the client drops).
    private mutating func resetOrReject(_ address: SocketAddress, _ frame: Frame, _ what: String) -> (replies: [Reply], notices: [Notice]) {
        // Counted as a reject either way: the datagram changes nothing here.
        let rejected = reject(address, "\(what) from an unknown address")
        guard subscriberAndSlot(at: address, includingEnded: true) == nil else { return rejected }
        var total = resetBudget ?? TokenBucket(rate: Self.resetRate.total, burst: Self.resetRate.total, now: now)
        defer { resetBudget = total }
        guard resetLimiter.allow(address.ipAddress ?? "?"), total.take(now: now) else { return rejected }
        switch counted(Self.encode("reset", for: address, { () throws(WireError) in
            try Frame(body: .reset, subscription: frame.subscription).encoded()
        })) {
        case .success(let payload):
            resetsSent += 1
            return ([Reply(address: address, payload: payload)], rejected.notices + [.reset(address, what: what)])
        case .failure(let notice): return ([], rejected.notices + [notice])
        }
    }

    private mutating func register(_ address: SocketAddress, _ request: RegisterRequest, subscription: UInt64,
                                   size: Int) -> (replies: [Reply], notices: [Notice]) {
        if let (existing, slot) = subscriberAndSlot(at: address), existing.delivery != .original, existing.subscription == subscription {
            let group = request.delivery == .group && multicastOffers[existing.delivery.format] != nil
            // Idempotent: the same welcome again, no second subscription. The address is validated.
            // A client that has joined the group says so this way (Spec §4.11): from now on its
            // events come from there (and back to unicast, asked so).
            var updated = existing
            updated.lastHeard = now
            if existing.group != group {
                updated.group = group
                _ = matches[slot].subscribe(updated)
            } else {
                matches[slot].subscribers[address]?.lastHeard = now
            }
            return welcoming(updated, slot: slot, repeated: true)
        }
        // Another identifier from a subscribed address (a client restarted on the same port, or a
        // forgery) is a new subscription: it needs a valid token like any other, and replaces the old.
        if let challenge = challengeUnlessValid(address, token: request.token, subscription: subscription, size: size, what: "register") {
            return challenge
        }
        guard let format = request.formats.first(where: { configuration.formats.contains($0) }) else {
            let offered = configuration.formats.map(\.name).joined(separator: " and ")
            return refuse(address, .noCommonFormat, "this server offers \(offered) only", budget: .max, subscription: subscription)
        }
        guard let slot = slot(for: request.match) else {
            if configuration.upstreamOnDemand && !unknownUpstream.contains(request.match) {
                // A relay on demand: not refused, but subscribed upstream; the client's next attempt finds it.
                return ([], [.wanted(request.match)])
            }
            let text = request.match == RegisterRequest.anyMatch ? "no live match" : "no live match \(request.match); ask with client --list"
            return refuse(address, .unknownMatch, text, budget: .max, subscription: subscription)
        }
        guard subscriberAndSlot(at: address) != nil || clientCount < configuration.maxClients else {
            return refuse(address, .serverFull, "server full (\(configuration.maxClients) clients)", budget: .max, subscription: subscription)
        }
        guard limiter.allow(address.ipAddress ?? "?") else {
            return refuse(address, .rateLimited, "too many registrations from \(address.ipAddress ?? "this address"); retry in a second",
                          budget: .max, subscription: subscription)
        }
        // The first dictionary the client lists that this server uses; none otherwise.
        let dictionary = request.dictionaries.first { id in configuration.dictionaries.contains { $0.id == id } } ?? 0
        var subscriber = Subscriber(address: address, delivery: Delivery(format), lastHeard: now, dictionary: dictionary,
                                    subscription: subscription)
        subscriber.group = request.delivery == .group && multicastOffers[format] != nil
        // Subscribed only once its welcome exists: a welcome that fails to encode subscribes nobody.
        let reply = welcoming(subscriber, slot: slot, repeated: false)
        if !reply.replies.isEmpty { subscribe(subscriber, slot: slot) }
        return (reply.replies, reply.replies.isEmpty ? reply.notices : [.registered(subscriber, count: clientCount, repeated: false)])
    }

    /// nil when `token` is valid for `address`; otherwise the answer: a challenge no larger than
    /// the `size` bytes received (or nothing, for a request not padded to the minimum).
    private mutating func challengeUnlessValid(_ address: SocketAddress, token: [UInt8], subscription: UInt64, size: Int,
                                               what: String) -> (replies: [Reply], notices: [Notice])? {
        guard !validator.isValid(token, for: address) else { return nil }
        // Not validated: answer with a token, never with more bytes than were received.
        guard size >= RegisterRequest.minimumFrameSize else {
            return reject(address, "\(what) shorter than \(RegisterRequest.minimumFrameSize) bytes (not padded)")
        }
        let fresh = validator.token(for: address)
        switch counted(Self.encode("challenge", for: address, { () throws(WireError) in
            try Frame(body: .challenge(Challenge(token: fresh)), subscription: subscription).encoded()
        })) {
        case .success(let challenge):
            guard challenge.readableBytes <= size else {
                return reject(address, "challenge of \(challenge.readableBytes) bytes larger than the \(size)-byte \(what); not sent")
            }
            return ([Reply(address: address, payload: challenge)], [.challenged(address)])
        case .failure(let notice):
            return ([], [notice])
        }
    }

    /// Answers a list request (Spec §4.9): a challenge for an address not validated yet, else one
    /// page of the listing (at most ``MatchListing/maximumFrameSize`` bytes), within the
    /// per-address rate that registers obey.
    private mutating func list(_ address: SocketAddress, _ request: ListRequest, subscription: UInt64,
                               size: Int) -> (replies: [Reply], notices: [Notice]) {
        if let challenge = challengeUnlessValid(address, token: request.token, subscription: subscription, size: size, what: "list") {
            return challenge
        }
        guard limiter.allow(address.ipAddress ?? "?") else {
            return reject(address, "list requests over the per-address rate")
        }
        let page = listing(from: Int(request.offset))
        switch counted(Self.encode("listing", for: address, { () throws(WireError) in
            try Frame(body: .listing(page), subscription: subscription).encoded()
        })) {
        case .success(let payload): return ([Reply(address: address, payload: payload)], [.listed(address, matches: page.matches.count)])
        case .failure(let notice): return ([], [notice])
        }
    }

    /// The welcome for `subscriber` (made once per format and dictionary between two events),
    /// or the notice of its failure to encode.
    private mutating func welcoming(_ subscriber: Subscriber, slot: Int, repeated: Bool) -> (replies: [Reply], notices: [Notice]) {
        let kind = LiveMatch.WelcomeKind(delivery: subscriber.delivery, dictionary: subscriber.dictionary)
        if let made = matches[slot].welcomes[kind] {
            return ([Reply(address: subscriber.address, payload: made.stamped(subscriber.subscription))],
                    [.registered(subscriber, count: clientCount, repeated: repeated)])
        }
        let dictionary = CompressionDictionary.withID(subscriber.dictionary) ?? .none
        switch counted(Self.encode("welcome (\(subscriber.delivery.rawValue))", for: subscriber.address, { () throws(WireError) in
            try welcome(for: subscriber.delivery, dictionary: dictionary, slot: slot)
        })) {
        case .success(let made):
            matches[slot].welcomes[kind] = made
            return ([Reply(address: subscriber.address, payload: made.stamped(subscriber.subscription))],
                    [.registered(subscriber, count: clientCount, repeated: repeated)])
        case .failure(let notice):
            return ([], [notice])
        }
    }

    /// The welcome frame for a client receiving `delivery`, with the latest event.
    ///
    /// - Throws: ``WireError`` when the roster or catalogue does not fit the wire.
    public func welcome(for delivery: Delivery, dictionary: CompressionDictionary = .none, slot: Int = 0) throws(WireError) -> [UInt8] {
        let match = matches[slot]
        let current = match.current
        let nextSequence = match.nextSequence
        var body = Welcome(
            format: delivery.format, dictionary: dictionary.id, matchID: match.id,
            heartbeatSeconds: configuration.heartbeatSeconds, intervalMicroseconds: match.intervalMicroseconds,
            roster: match.roster, catalog: match.catalog, current: current.map { CompactEvent($0.event) })
        body.multicast = multicastOffers[body.format]
        let frame = Frame(
            sequence: current?.sequence ?? nextSequence, eventType: current?.event.type,
            score: current?.event.score ?? .zero, minute: current?.event.minute ?? 0, body: .welcome(body))
        return try frame.encoded()
    }

    private mutating func handleOriginal(_ bytes: [UInt8], from address: SocketAddress) -> (replies: [Reply], notices: [Notice]) {
        let packet: OriginalPacket
        do {
            packet = try OriginalPacket.decode(bytes)
        } catch {
            return reject(address, "\(error.code.rawValue) (\(error.field))")
        }
        guard packet.direction == .toServer else {
            return reject(address, "server-to-client original datagram sent to the server")
        }
        switch packet {
        case .register:
            guard configuration.originalAllowed else {
                rejects["original register denied", default: 0] += 1
                return ([], [.originalRefused(address, reason: "original-protocol clients are not served (--original deny)")])
            }
            // Protected mode: an unvalidated register from elsewhere could point the stream at a
            // third party. Counted with the rejects (summarized, never a log line per datagram).
            guard configuration.originalAccepted(from: address) else {
                return reject(address, "original register from outside loopback, private ranges and --original-from")
            }
            if let (existing, _) = subscriberAndSlot(at: address), existing.delivery == .original {
                return ([], [.registered(existing, count: clientCount, repeated: true)])
            }
            guard subscriberAndSlot(at: address) != nil || clientCount < configuration.maxClients else {
                rejects["original register: server full", default: 0] += 1
                return ([], [.originalRefused(address, reason: "server full (\(configuration.maxClients) clients)")])
            }
            // The original protocol cannot name a match: it follows the first live one.
            guard let slot = slot(for: RegisterRequest.anyMatch) else {
                rejects["original register: no live match", default: 0] += 1
                return ([], [.originalRefused(address, reason: "no live match")])
            }
            let subscriber = Subscriber(address: address, delivery: .original, lastHeard: now)
            subscribe(subscriber, slot: slot)
            return ([], [.registered(subscriber, count: clientCount, repeated: false)])
        case .unregister:
            guard let removed = unsubscribe(address) else { return reject(address, "unregister from an unknown address") }
            return ([], [.unregistered(address, removed.delivery, count: clientCount)])
        case .endOfTransmission, .datagram:
            // Spec §8's directions (OriginalPacket.direction) turned these away above.
            return reject(address, "server-to-client original datagram sent to the server")
        }
    }

    /// Drops SoccerStream clients not heard from for longer than the client timeout (original
    /// clients cannot send heartbeats and are kept until they unregister or the match ends).
    public mutating func expire() -> [Notice] {
        let now = clock.now()
        originalBudget.prune(now: now)
        let timeout = configuration.clientTimeout.inSeconds
        var notices: [Notice] = []
        for match in matches {
            for subscriber in match.subscribers.values where subscriber.delivery != .original && now - subscriber.lastHeard > timeout {
                _ = unsubscribe(subscriber.address)
                notices.append(.timedOut(subscriber, silentFor: now - subscriber.lastHeard))
            }
        }
        return notices
    }

    /// Makes `event` the latest of slot `slot`'s match and returns who gets it (their address
    /// and delivery; other fields may be as of their subscription). `event.sequence` must be
    /// that match's ``nextSequence(slot:)``.
    /// Original-protocol clients off loopback get the event only within the byte budget of
    /// their /24 (or /56) and the server's (``OriginalBudget``); the others are left out of this
    /// event and counted (the recipients are filtered only when such clients are subscribed).
    public mutating func publish(_ event: EncodedEvent, slot: Int = 0) -> [Subscriber] {
        let recipients = matches[slot].publish(event, ringEvents: configuration.repairRingEvents, ringBytes: configuration.repairRingBytes)
        guard matches[slot].recipientsBudgeted else { return recipients }
        let (size, now) = (event.payload(for: .original).readableBytes, clock.now())
        return recipients.filter { subscriber in
            subscriber.budgetBlock.map { originalBudget.allows($0, bytes: size, now: now) } ?? true
        }
    }

    /// Answers a NACK (Spec §4.8): each event still held is sent again, marked as a
    /// retransmission, in the subscriber's format, within its budget and the server's; the
    /// sequence numbers no longer held get one "unavailable" answer. What the budgets leave
    /// unanswered the client asks for again later.
    /// With `consultLog` and a logged match, the sequences the ring lacks are not answered yet
    /// but looked up in the log (``Notice/lookUp(_:)``).
    private mutating func repair(_ subscriber: Subscriber, _ ranges: SequenceRanges, slot: Int,
                                 consultLog: Bool = true) -> (replies: [Reply], notices: [Notice]) {
        var replies: [Reply] = []
        var missing: [UInt32] = []
        var overBudget = 0
        var budget = subscriber.repairBudget ?? TokenBucket(rate: configuration.effectiveRepairRate, burst: configuration.repairBurst, now: now)
        var total = repairBudget ?? TokenBucket(rate: configuration.repairRateTotal, burst: max(1, configuration.repairRateTotal / 10), now: now)
        for sequence in ranges.sequences {
            guard var event = matches[slot].ring[sequence] else {
                missing.append(sequence)
                continue
            }
            guard budget.take(now: now), configuration.repairRateTotal == 0 || total.take(now: now) else {
                overBudget += 1
                continue
            }
            if subscriber.delivery == .json && event.json.readableBytes == 0 {
                // Encoded before any JSON client listened: encode it now, once, for the ring too.
                do {
                    event = try EncodedEvent(event: event.event, sequence: sequence, roster: matches[slot].roster, catalog: matches[slot].catalog)
                    matches[slot].ring[sequence] = event
                } catch {
                    return (replies, [.encodingFailed(what: "repair (json)", subscriber.address, error)])
                }
            }
            replies.append(Reply(address: subscriber.address, payload: event.payload(for: subscriber.delivery).retransmitted(to: subscriber.subscription)))
        }
        matches[slot].subscribers[subscriber.address]?.repairBudget = budget
        matches[slot].ended[subscriber.address]?.repairBudget = budget
        repairBudget = total
        repairsSent += replies.count
        var notices: [Notice] = []
        if consultLog, !missing.isEmpty, let logNumber = matches[slot].logNumber {
            notices.append(.lookUp(LogLookup(address: subscriber.address, slot: slot, matchID: matches[slot].id, logNumber: logNumber,
                                             sequences: SequenceRanges(covering: missing))))
            notices.append(.repaired(subscriber.address, sent: replies.count, unavailable: 0, overBudget: overBudget))
            if overBudget > 0 { rejects["repair requests over budget", default: 0] += overBudget }
            return (replies, notices)
        }
        if !missing.isEmpty {
            let answer = SequenceRanges(covering: missing)
            switch counted(Self.encode("unavailable", for: subscriber.address, { () throws(WireError) in
                try Frame(body: .unavailable(answer), subscription: subscriber.subscription).encoded()
            })) {
            case .success(let payload):
                replies.append(Reply(address: subscriber.address, payload: payload))
                unavailableSent += answer.sequences.count
            case .failure(let notice):
                notices.append(notice)
            }
        }
        if overBudget > 0 { rejects["repair requests over budget", default: 0] += overBudget }
        notices.append(.repaired(subscriber.address, sent: replies.count - (missing.isEmpty ? 0 : 1), unavailable: missing.count, overBudget: overBudget))
        return (replies, notices)
    }

    /// The end-of-match datagrams for every client (frames for SoccerStream clients,
    /// `End of transmission` for original ones), and who they go to; the clients are then
    /// unsubscribed. Should the end frame fail to encode, SoccerStream clients get nothing
    /// (never an empty datagram) and the notice says so.
    /// With `next`, the slot at once announces the match replacing it (`--loop`), so that a
    /// register arriving while the end goes out joins the next match instead of being refused.
    public mutating func finish(_ reason: EndReason, slot: Int = 0, next: UInt32? = nil) -> (ends: [(Subscriber, ByteBuffer)], notices: [Notice]) {
        let last = matches[slot].current
        let end = Frame(
            sequence: last?.sequence ?? matches[slot].nextSequence &- 1, score: last?.event.score ?? .zero,
            minute: last?.event.minute ?? 0, body: .end(EndOfMatch(reason: reason)))
        var notices: [Notice] = []
        var endBytes: ByteBuffer?
        switch counted(Self.encode("end", for: nil, { () throws(WireError) in try end.encoded() })) {
        case .success(let bytes): endBytes = bytes
        case .failure(let notice): notices.append(notice)
        }
        let originalBytes = ByteBuffer(string: OriginalPacket.endOfTransmissionText)
        // Kept for repair only (the events just before the end are the last a client can miss).
        let leaving = matches[slot].end()
        if let next { announce(id: next, slot: slot) }
        clientCount -= leaving.count
        for subscriber in leaving where subscriber.delivery == .original { slotOf[subscriber.address] = nil }
        let result = leaving.compactMap { subscriber in
            subscriber.delivery == .original ? (subscriber, originalBytes) : endBytes.map { (subscriber, $0.stamped(subscriber.subscription)) }
        }
        return (result, notices)
    }
}
