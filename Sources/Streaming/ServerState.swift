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
        case timedOut(Subscriber, silentFor: Double)
        /// A NACK answered: how many events were sent again, how many are no longer held, and how
        /// many the budget left unanswered (the client asks again later).
        case repaired(SocketAddress, sent: Int, unavailable: Int, overBudget: Int)
        /// A datagram the server meant to send could not be encoded, so nothing was sent: a
        /// programming error (the built-in teams and texts always fit), logged and counted.
        case encodingFailed(what: String, SocketAddress?, WireError)
    }

    /// The configuration.
    public let configuration: ServerConfiguration
    /// The teams.
    public let roster: Roster
    /// The words.
    public let catalog: PhraseCatalog
    /// The match being streamed.
    public private(set) var matchID: UInt32 = 0 { didSet { welcomes.removeAll(keepingCapacity: true) } }
    /// Subscribed clients by address.
    public private(set) var subscribers: [SocketAddress: Subscriber] = [:]
    /// Who gets the next event, kept between events until someone subscribes or leaves (only
    /// ``subscribe(_:)``, ``unsubscribe(_:)`` and ``finish(_:)`` change who is subscribed), so
    /// an event does not copy the subscriber table: the array is shared, not copied.
    private var recipients: [Subscriber]?
    /// The latest event sent.
    public private(set) var current: EncodedEvent? { didSet { welcomes.removeAll(keepingCapacity: true) } }
    /// The sequence number the next event gets.
    public private(set) var nextSequence: UInt32 { didSet { welcomes.removeAll(keepingCapacity: true) } }
    /// Welcome frames made since the latest event, by format and dictionary: a registration
    /// storm between two events encodes (and deflates) each kind of welcome once.
    private var welcomes: [WelcomeKind: ByteBuffer] = [:]
    private struct WelcomeKind: Hashable {
        var delivery: Delivery
        var dictionary: UInt8
    }
    /// Datagrams rejected, by reason.
    public private(set) var rejects: [String: Int] = [:]
    /// Events sent again on request (Spec §4.8).
    public private(set) var repairsSent = 0
    /// Sequence numbers answered "unavailable" (no longer held).
    public private(set) var unavailableSent = 0
    /// Recent events by sequence, oldest first in ``ringOrder``, for repair.
    private var ring: [UInt32: EncodedEvent] = [:]
    private var ringOrder: [UInt32] = []
    private var ringStart = 0
    private var ringBytes = 0
    /// The server's total repair budget (NACK storms from many clients).
    private var repairBudget: TokenBucket?
    /// Subscriptions whose match ended, still answered for repair (Spec §4.8) until the next
    /// match begins or the server stops.
    private var ended: [SocketAddress: Subscriber] = [:]
    /// Datagrams not sent because they failed to encode, by what they were (see ``Notice/encodingFailed(what:_:_:)``).
    public private(set) var encodingFailures: [String: Int] = [:]
    private var validator: AddressValidator
    private var limiter: RegistrationLimiter
    /// Where the time comes from.
    private let clock: any ProtocolClock
    /// Clock time (seconds) of the datagram being handled.
    private var now: Double = 0

    /// Creates the state of a server that has not started a match, reading the time from `clock`.
    public init(configuration: ServerConfiguration, roster: Roster = .original, clock: any ProtocolClock = SystemClock()) {
        self.configuration = configuration
        self.roster = roster
        self.catalog = configuration.language.catalog
        self.nextSequence = configuration.firstSequence
        self.clock = clock
        self.validator = AddressValidator(clock: clock)
        self.limiter = RegistrationLimiter(rate: configuration.registerRate, burst: configuration.registerBurst, clock: clock)
    }

    /// A token for `address` now, as a challenge would carry it (for tests and tools).
    public func token(for address: SocketAddress) -> [UInt8] {
        validator.token(for: address)
    }

    /// The number of subscribed clients.
    public var clientCount: Int { subscribers.count }

    /// Subscribed clients per delivery, kept as they come and go.
    public private(set) var deliveryCounts: [Delivery: Int] = [:]

    /// The deliveries some client currently receives.
    public var deliveriesInUse: Set<Delivery> { Set(deliveryCounts.filter { $0.value > 0 }.keys) }

    /// Adds or replaces a subscription, keeping ``deliveryCounts``.
    private mutating func subscribe(_ subscriber: Subscriber) {
        recipients = nil
        if let old = subscribers.updateValue(subscriber, forKey: subscriber.address) {
            deliveryCounts[old.delivery, default: 1] -= 1
        }
        deliveryCounts[subscriber.delivery, default: 0] += 1
    }

    /// Removes a subscription, keeping ``deliveryCounts``.
    private mutating func unsubscribe(_ address: SocketAddress) -> Subscriber? {
        guard let removed = subscribers.removeValue(forKey: address) else { return nil }
        recipients = nil
        deliveryCounts[removed.delivery, default: 1] -= 1
        return removed
    }

    /// Starts a new match: clears the latest event and sets the match id.
    public mutating func beginMatch(id: UInt32) {
        ended.removeAll()
        matchID = id
        current = nil
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
        case .unregister:
            guard let subscriber = subscribers[address], subscriber.delivery != .original else {
                return reject(address, "unregister from an unknown address")
            }
            guard subscriber.subscription == frame.subscription else {
                return reject(address, "unregister with another subscription's identifier")
            }
            _ = unsubscribe(address)
            return ([], [.unregistered(address, subscriber.delivery, count: subscribers.count)])
        case .heartbeat:
            guard let subscriber = subscribers[address], subscriber.delivery != .original else {
                return reject(address, "heartbeat from an unknown address")
            }
            guard subscriber.subscription == frame.subscription else {
                return reject(address, "heartbeat with another subscription's identifier")
            }
            subscribers[address]?.lastHeard = now
            // The answer is the same size as the question, and tells the client the server lives.
            let sequence = current?.sequence ?? nextSequence
            let id = subscriber.subscription
            switch counted(Self.encode("heartbeat answer", for: address, { () throws(WireError) in
                try Frame(sequence: sequence, body: .heartbeat, subscription: id).encoded()
            })) {
            case .success(let payload): return ([Reply(address: address, payload: payload)], [])
            case .failure(let notice): return ([], [notice])
            }
        case .nack(let ranges):
            guard let subscriber = subscribers[address] ?? ended[address], subscriber.delivery != .original else {
                return reject(address, "nack from an unknown address")
            }
            guard subscriber.subscription == frame.subscription else {
                return reject(address, "nack with another subscription's identifier")
            }
            subscribers[address]?.lastHeard = now
            return repair(subscriber, ranges)
        case .welcome, .refuse, .event, .end, .challenge, .unavailable:
            // Spec §3's directions (FrameKind.rules) turned these away above.
            return reject(address, "\(frame.kind.name) frame sent to the server")
        }
    }

    private mutating func register(_ address: SocketAddress, _ request: RegisterRequest, subscription: UInt64,
                                   size: Int) -> (replies: [Reply], notices: [Notice]) {
        if let existing = subscribers[address], existing.delivery != .original, existing.subscription == subscription {
            // Idempotent: the same welcome again, no second subscription. The address is validated.
            subscribers[address]?.lastHeard = now
            return welcoming(existing, repeated: true)
        }
        // Another identifier from a subscribed address (a client restarted on the same port, or a
        // forgery) is a new subscription: it needs a valid token like any other, and replaces the old.
        guard validator.isValid(request.token, for: address) else {
            // Not validated: answer with a token, never with more bytes than were received.
            guard size >= RegisterRequest.minimumFrameSize else {
                return reject(address, "register shorter than \(RegisterRequest.minimumFrameSize) bytes (not padded)")
            }
            let token = validator.token(for: address)
            switch counted(Self.encode("challenge", for: address, { () throws(WireError) in
                try Frame(body: .challenge(Challenge(token: token)), subscription: subscription).encoded()
            })) {
            case .success(let challenge):
                guard challenge.readableBytes <= size else {
                    return reject(address, "challenge of \(challenge.readableBytes) bytes larger than the \(size)-byte register; not sent")
                }
                return ([Reply(address: address, payload: challenge)], [.challenged(address)])
            case .failure(let notice):
                return ([], [notice])
            }
        }
        guard let format = request.formats.first(where: { configuration.formats.contains($0) }) else {
            let offered = configuration.formats.map(\.name).joined(separator: " and ")
            return refuse(address, .noCommonFormat, "this server offers \(offered) only", budget: .max, subscription: subscription)
        }
        guard subscribers[address] != nil || subscribers.count < configuration.maxClients else {
            return refuse(address, .serverFull, "server full (\(configuration.maxClients) clients)", budget: .max, subscription: subscription)
        }
        guard limiter.allow(address.ipAddress ?? "?") else {
            return refuse(address, .rateLimited, "too many registrations from \(address.ipAddress ?? "this address"); retry in a second",
                          budget: .max, subscription: subscription)
        }
        // The first dictionary the client lists that this server uses; none otherwise.
        let dictionary = request.dictionaries.first { id in configuration.dictionaries.contains { $0.id == id } } ?? 0
        let subscriber = Subscriber(address: address, delivery: Delivery(format), lastHeard: now, dictionary: dictionary,
                                    subscription: subscription)
        // Subscribed only once its welcome exists: a welcome that fails to encode subscribes nobody.
        let reply = welcoming(subscriber, repeated: false)
        if !reply.replies.isEmpty { subscribe(subscriber) }
        return (reply.replies, reply.replies.isEmpty ? reply.notices : [.registered(subscriber, count: subscribers.count, repeated: false)])
    }

    /// The welcome for `subscriber` (made once per format and dictionary between two events),
    /// or the notice of its failure to encode.
    private mutating func welcoming(_ subscriber: Subscriber, repeated: Bool) -> (replies: [Reply], notices: [Notice]) {
        let kind = WelcomeKind(delivery: subscriber.delivery, dictionary: subscriber.dictionary)
        if let made = welcomes[kind] {
            return ([Reply(address: subscriber.address, payload: made.stamped(subscriber.subscription))],
                    [.registered(subscriber, count: subscribers.count, repeated: repeated)])
        }
        let dictionary = CompressionDictionary.withID(subscriber.dictionary) ?? .none
        switch counted(Self.encode("welcome (\(subscriber.delivery.rawValue))", for: subscriber.address, { () throws(WireError) in
            try welcome(for: subscriber.delivery, dictionary: dictionary)
        })) {
        case .success(let made):
            welcomes[kind] = made
            return ([Reply(address: subscriber.address, payload: made.stamped(subscriber.subscription))],
                    [.registered(subscriber, count: subscribers.count, repeated: repeated)])
        case .failure(let notice):
            return ([], [notice])
        }
    }

    /// The welcome frame for a client receiving `delivery`, with the latest event.
    ///
    /// - Throws: ``WireError`` when the roster or catalogue does not fit the wire.
    public func welcome(for delivery: Delivery, dictionary: CompressionDictionary = .none) throws(WireError) -> [UInt8] {
        let body = Welcome(
            format: delivery == .json ? .json : .compact, dictionary: dictionary.id, matchID: matchID,
            heartbeatSeconds: configuration.heartbeatSeconds, intervalMicroseconds: configuration.intervalMicroseconds,
            roster: roster, catalog: catalog, current: current.map { CompactEvent($0.event) })
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
            if let existing = subscribers[address], existing.delivery == .original {
                return ([], [.registered(existing, count: subscribers.count, repeated: true)])
            }
            guard subscribers[address] != nil || subscribers.count < configuration.maxClients else {
                rejects["original register: server full", default: 0] += 1
                return ([], [.originalRefused(address, reason: "server full (\(configuration.maxClients) clients)")])
            }
            let subscriber = Subscriber(address: address, delivery: .original, lastHeard: now)
            subscribe(subscriber)
            return ([], [.registered(subscriber, count: subscribers.count, repeated: false)])
        case .unregister:
            guard let removed = unsubscribe(address) else { return reject(address, "unregister from an unknown address") }
            return ([], [.unregistered(address, removed.delivery, count: subscribers.count)])
        case .endOfTransmission, .datagram:
            // Spec §8's directions (OriginalPacket.direction) turned these away above.
            return reject(address, "server-to-client original datagram sent to the server")
        }
    }

    /// Drops SoccerStream clients not heard from for longer than the client timeout (original
    /// clients cannot send heartbeats and are kept until they unregister or the match ends).
    public mutating func expire() -> [Notice] {
        let now = clock.now()
        let timeout = configuration.clientTimeout.inSeconds
        var notices: [Notice] = []
        for subscriber in subscribers.values where subscriber.delivery != .original && now - subscriber.lastHeard > timeout {
            _ = unsubscribe(subscriber.address)
            notices.append(.timedOut(subscriber, silentFor: now - subscriber.lastHeard))
        }
        return notices
    }

    /// Makes `event` the latest and returns who gets it (their address and delivery; other
    /// fields may be as of their subscription). `event.sequence` must be ``nextSequence``.
    public mutating func publish(_ event: EncodedEvent) -> [Subscriber] {
        current = event
        nextSequence = event.sequence &+ 1
        keepForRepair(event)
        if let recipients { return recipients }
        let fresh = Array(subscribers.values)
        recipients = fresh
        return fresh
    }

    /// Keeps `event` for repair, dropping the oldest beyond the ring's event and byte limits.
    private mutating func keepForRepair(_ event: EncodedEvent) {
        if let replaced = ring.updateValue(event, forKey: event.sequence) {
            ringBytes -= replaced.storedBytes
        } else {
            ringOrder.append(event.sequence)
        }
        ringBytes += event.storedBytes
        while ringOrder.count - ringStart > configuration.repairRingEvents || ringBytes > configuration.repairRingBytes,
              ringStart < ringOrder.count {
            if let old = ring.removeValue(forKey: ringOrder[ringStart]) { ringBytes -= old.storedBytes }
            ringStart += 1
        }
        if ringStart > 4096 && ringStart * 2 > ringOrder.count {
            ringOrder.removeFirst(ringStart)
            ringStart = 0
        }
    }

    /// Answers a NACK (Spec §4.8): each event still held is sent again, marked as a
    /// retransmission, in the subscriber's format, within its budget and the server's; the
    /// sequence numbers no longer held get one "unavailable" answer. What the budgets leave
    /// unanswered the client asks for again later.
    private mutating func repair(_ subscriber: Subscriber, _ ranges: SequenceRanges) -> (replies: [Reply], notices: [Notice]) {
        var replies: [Reply] = []
        var missing: [UInt32] = []
        var overBudget = 0
        var budget = subscriber.repairBudget ?? TokenBucket(rate: configuration.effectiveRepairRate, burst: configuration.repairBurst, now: now)
        var total = repairBudget ?? TokenBucket(rate: configuration.repairRateTotal, burst: max(1, configuration.repairRateTotal / 10), now: now)
        for sequence in ranges.sequences {
            guard var event = ring[sequence] else {
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
                    event = try EncodedEvent(event: event.event, sequence: sequence, roster: roster, catalog: catalog)
                    ring[sequence] = event
                } catch {
                    return (replies, [.encodingFailed(what: "repair (json)", subscriber.address, error)])
                }
            }
            replies.append(Reply(address: subscriber.address, payload: event.payload(for: subscriber.delivery).retransmitted(to: subscriber.subscription)))
        }
        subscribers[subscriber.address]?.repairBudget = budget
        ended[subscriber.address]?.repairBudget = budget
        repairBudget = total
        repairsSent += replies.count
        var notices: [Notice] = []
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
    public mutating func finish(_ reason: EndReason) -> (ends: [(Subscriber, ByteBuffer)], notices: [Notice]) {
        let last = current
        let end = Frame(
            sequence: last?.sequence ?? nextSequence &- 1, score: last?.event.score ?? .zero,
            minute: last?.event.minute ?? 0, body: .end(EndOfMatch(reason: reason)))
        var notices: [Notice] = []
        var endBytes: ByteBuffer?
        switch counted(Self.encode("end", for: nil, { () throws(WireError) in try end.encoded() })) {
        case .success(let bytes): endBytes = bytes
        case .failure(let notice): notices.append(notice)
        }
        let originalBytes = ByteBuffer(string: OriginalPacket.endOfTransmissionText)
        let result = subscribers.values.compactMap { subscriber in
            subscriber.delivery == .original ? (subscriber, originalBytes) : endBytes.map { (subscriber, $0.stamped(subscriber.subscription)) }
        }
        // Kept for repair only (the events just before the end are the last a client can miss).
        for (address, subscriber) in subscribers where subscriber.delivery != .original { ended[address] = subscriber }
        subscribers.removeAll()
        recipients = nil
        deliveryCounts.removeAll()
        return (result, notices)
    }
}
